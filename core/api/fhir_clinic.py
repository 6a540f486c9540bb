"""The clinic as FHIR: doctors (Practitioner), the clinic (Location) and what
can be booked with whom (Schedule: one per doctor and visit type).

Everything here is public: names of doctors and visit types, the clinic's
address and phone as staff wrote them in Settings. Never a patient.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from core.api.fhir import (
    LOCATION_ID,
    TIMEZONE_EXTENSION,
    Links,
    instant,
    number_id,
    parse_schedule_id,
    reference,
    schedule_id,
)
from core.api.fhir_search import Query
from core.errors import InvalidInput, NotFound
from core.models import Doctor, DoctorVisitType, VisitType
from core.policy import Policy

# How far ahead slots are published: the booking horizon, but at most this.
MAX_PUBLISHED_DAYS = 31


@dataclass(frozen=True)
class ScheduleRow:
    """A doctor and a kind of visit they offer: one FHIR Schedule."""

    doctor_id: int
    doctor: str
    specialisation: str
    visit_type_id: int
    visit_type: str
    minutes: int

    @property
    def id(self) -> str:
        return schedule_id(self.doctor_id, self.visit_type_id)

    @property
    def length(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.minutes)


def published_days(policy: Policy, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The local dates slots are published for: today to the (capped) horizon."""
    today = now.astimezone(policy.tz).date()
    ahead = min(policy.horizon_days, MAX_PUBLISHED_DAYS)
    return today, today + dt.timedelta(days=ahead)


# ---- Practitioner ------------------------------------------------------------


def practitioner(doctor_id: int, name: str, active: bool) -> dict:
    return {
        "resourceType": "Practitioner",
        "id": str(doctor_id),
        "active": active,
        "name": [{"text": name}],
    }


def read_practitioner(id_: str) -> dict:
    """Any doctor, former ones too (old visits refer to them), or NotFound."""
    row = (
        Doctor.select(Doctor.id, Doctor.name, Doctor.active)
        .where(Doctor.id == number_id(id_, "Practitioner"))
        .tuples()
        .first()
    )
    if row is None:
        raise NotFound(f"Practitioner/{id_} does not exist.")
    return practitioner(*row)


def search_practitioners(query: Query) -> list[dict]:
    """Doctors, active ones unless active=false; name matches any part."""
    query.check(("_id", "name", "active"))
    active = query.booleans("active")
    select = Doctor.select(Doctor.id, Doctor.name, Doctor.active).where(
        Doctor.active == (True if active is None else active)
    )
    ids = query.one_of("_id")
    if ids:
        select = select.where(Doctor.id.in_([_id_or_none(i) for i in ids]))
    for name in query.values("name"):
        if not name.strip():
            raise InvalidInput("name is empty.", "name")
        select = select.where(Doctor.name.contains(name.strip()))
    return [practitioner(*row) for row in select.order_by(Doctor.id).tuples()]


def _id_or_none(text: str) -> int | None:
    try:
        return number_id(text, "")
    except NotFound:
        return None


# ---- Location ----------------------------------------------------------------

# "1200 Riverside Avenue, Suite 300, Springfield, IL 62704": lines, city, ST zip.
_US_ADDRESS = re.compile(
    r"(?P<lines>.+?),\s*(?P<city>[^,]+?),\s*(?P<state>[A-Z]{2})\s+"
    r"(?P<zip>\d{5}(?:-\d{4})?)"
)


def address(text: str) -> dict:
    """The Settings address as a FHIR Address: always its text, and the
    parts SMART Scheduling Links asks for when it reads as a US address."""
    found: dict = {"text": text}
    match = _US_ADDRESS.fullmatch(text.strip())
    if match:
        found["line"] = [part.strip() for part in match["lines"].split(",")]
        found["city"] = match["city"].strip()
        found["state"] = match["state"]
        found["postalCode"] = match["zip"]
    else:
        found["line"] = [text]
    return found


def location(policy: Policy, links: Links) -> dict:
    """The clinic, from its name and the facts staff keep in Settings."""
    lang = policy.default_language
    telecom = []
    phone = policy.fact(lang, "phone")
    if phone:
        telecom.append({"system": "phone", "value": phone, "use": "work"})
    telecom.append({"system": "url", "value": links.base + "/", "use": "work"})
    found = {
        "resourceType": "Location",
        "id": LOCATION_ID,
        "extension": [{"url": TIMEZONE_EXTENSION, "valueCode": policy.timezone}],
        "identifier": [{"system": links.base + "/", "value": LOCATION_ID}],
        "status": "active",
        "name": policy.clinic_name,
        "mode": "instance",
        "telecom": telecom,
    }
    where = policy.fact(lang, "address")
    if where:
        found["address"] = address(where)
    directions = policy.fact(lang, "parking")
    if directions:
        found["description"] = directions
    return found


def location_state(policy: Policy) -> str:
    """The clinic's state (e.g. IL) if its address says, else ''."""
    where = policy.fact(policy.default_language, "address")
    return address(where).get("state", "") if where else ""


def read_location(id_: str, policy: Policy, links: Links) -> dict:
    if id_ != LOCATION_ID:
        raise NotFound(f"Location/{id_} does not exist.")
    return location(policy, links)


def search_locations(query: Query, policy: Policy, links: Links) -> list[dict]:
    query.check(("_id",))
    ids = query.one_of("_id")
    return [location(policy, links)] if not ids or LOCATION_ID in ids else []


# ---- Schedule ----------------------------------------------------------------


def schedule_rows(
    doctor_ids: list[int] | None = None, visit_type_ids: list[int] | None = None
) -> list[ScheduleRow]:
    """Active doctors x the active visit types they offer: what can be booked."""
    select = (
        DoctorVisitType.select(
            Doctor.id,
            Doctor.name,
            Doctor.specialisation,
            VisitType.id,
            VisitType.name,
            VisitType.minutes,
        )
        .join(Doctor)
        .switch(DoctorVisitType)
        .join(VisitType)
        .where(Doctor.active == True, VisitType.active == True)  # noqa: E712
    )
    if doctor_ids is not None:
        select = select.where(Doctor.id.in_(doctor_ids))
    if visit_type_ids is not None:
        select = select.where(VisitType.id.in_(visit_type_ids))
    rows = select.order_by(Doctor.id, VisitType.id).tuples()
    return [ScheduleRow(*row) for row in rows]


def schedule(row: ScheduleRow, policy: Policy, now: dt.datetime, links: Links) -> dict:
    first, last = published_days(policy, now)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), policy.tz)
    kind = {
        "coding": [
            {
                "system": links.visit_type_system,
                "code": str(row.visit_type_id),
                "display": row.visit_type,
            }
        ],
        "text": row.visit_type,
    }
    found = {
        "resourceType": "Schedule",
        "id": row.id,
        "active": True,
        "serviceType": [kind],
        # SMART Scheduling Links reads the Location from the first actor.
        "actor": [
            reference("Location", LOCATION_ID, policy.clinic_name),
            reference("Practitioner", row.doctor_id, row.doctor),
        ],
        "planningHorizon": {
            "start": instant(now, policy.tz),
            "end": instant(end, policy.tz),
        },
        "comment": f"{row.visit_type} ({row.minutes} min) with {row.doctor}",
    }
    if row.specialisation:
        found["specialty"] = [{"text": row.specialisation}]
    return found


def one_schedule(id_: str) -> ScheduleRow:
    doctor_id, visit_type_id = parse_schedule_id(id_)
    rows = schedule_rows([doctor_id], [visit_type_id])
    if not rows:
        raise NotFound(f"Schedule/{id_} does not exist.")
    return rows[0]


def read_schedule(id_: str, policy: Policy, now: dt.datetime, links: Links) -> dict:
    return schedule(one_schedule(id_), policy, now, links)


def search_schedules(
    query: Query, policy: Policy, now: dt.datetime, links: Links
) -> list[dict]:
    """By actor (a Practitioner or the Location), service-type, _id, active."""
    query.check(("_id", "actor", "service-type", "active"))
    rows = schedule_rows()
    if query.booleans("active") is False:
        rows = []  # every published schedule is active
    ids = query.one_of("_id")
    if ids:
        rows = [row for row in rows if row.id in ids]
    actors = [_actor(value) for value in query.one_of("actor")]
    if actors:
        rows = [
            row
            for row in rows
            if ("Location", LOCATION_ID) in actors
            or ("Practitioner", str(row.doctor_id)) in actors
        ]
    kinds = query.one_of("service-type")
    if kinds:
        system = links.visit_type_system
        wanted = {_token(kind, system) for kind in kinds}
        rows = [row for row in rows if str(row.visit_type_id) in wanted]
    return [schedule(row, policy, now, links) for row in rows]


def _actor(value: str) -> tuple[str, str]:
    """'Practitioner/3' (or a URL to it, or bare '3') or 'Location/clinic'."""
    kind, _, id_ = value.rstrip("/").rpartition("/")
    kind = kind.rsplit("/", 1)[-1] or "Practitioner"
    if kind not in ("Location", "Practitioner"):
        raise InvalidInput("actor must be a Practitioner or Location.", "actor")
    return kind, id_


def _token(value: str, system: str) -> str:
    """'system|code' or 'code' -> code; another system's code matches nothing."""
    if "|" not in value:
        return value
    sent, _, code = value.partition("|")
    return code if sent in ("", system) else "\0"
