"""The calendar invite an email about a visit carries (iCalendar, RFC 5545/5546).

One visit is one event for its whole life: the same UID on every email, a
SEQUENCE that grows with each change, METHOD:REQUEST while it is booked (a
calendar app adds it, or moves it on a later REQUEST) and METHOD:CANCEL once
it is cancelled (the app removes it). The invite says when and where, with
whom and what kind of visit: never a reason or any other medical detail.

`invite()` is a pure function of a `Visit`; `load_visits()` reads the visits
for a batch of emails in one query.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Calendar, Event, vCalAddress, vText

from core.clock import from_db
from core.messaging.texts import language, render
from core.models import Appointment, Doctor, VisitType
from core.policy import Policy

PRODID = "-//ClinicBot//Appointments//EN"
DEFAULT_HOST = "clinicbot"


@dataclass(frozen=True)
class Visit:
    """What an invite says about one appointment (times aware, in UTC)."""

    id: int
    status: str
    start: dt.datetime
    end: dt.datetime
    created_at: dt.datetime
    updated_at: dt.datetime
    clinic: str
    doctor: str
    visit_type: str
    lang: str = "en"
    location: str = ""  # the clinic's address from its facts, if staff gave one

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"


def uid(appointment_id: int, host: str = DEFAULT_HOST) -> str:
    """The event's UID: the same on every invite for this visit."""
    return f"appointment-{appointment_id}@{host or DEFAULT_HOST}"


def sequence(visit: Visit) -> int:
    """The revision number: whole seconds from booking to the last change.

    Every change of a visit (core.clinic.booking: move, cancel, confirm...)
    sets updated_at to the moment of that change, changes of one visit are
    serialised by its row (compare-and-set updates), and created_at never
    changes; so this grows with each change and never goes back, which is
    all RFC 5546 asks of SEQUENCE. Gaps are allowed; two changes within one
    second share a number, and DTSTAMP (the change's moment) orders them.
    """
    return max(int((visit.updated_at - visit.created_at).total_seconds()), 0)


def method(visit: Visit) -> str:
    return "CANCEL" if visit.cancelled else "REQUEST"


def summary(visit: Visit) -> str:
    """'Visit at <clinic>: <visit type> with <doctor>' in the patient's language."""
    return render(
        visit.lang,
        "ics_summary",
        clinic=visit.clinic,
        doctor=visit.doctor,
        visit_type=visit.visit_type,
    )


def invite(
    visit: Visit,
    *,
    organizer: str,
    attendee: str,
    host: str = DEFAULT_HOST,
    organizer_name: str = "",
) -> str:
    """The iCalendar text (CRLF lines) for this visit as it is now."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method(visit))
    event = Event()
    event.add("uid", uid(visit.id, host))
    event.add("sequence", sequence(visit))
    event.add("dtstamp", visit.updated_at)
    event.add("dtstart", visit.start)
    event.add("dtend", visit.end)
    event.add("summary", summary(visit))
    if visit.location:
        event.add("location", visit.location)
    event.add("status", "CANCELLED" if visit.cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    clinic = vCalAddress(f"mailto:{organizer}")
    clinic.params["cn"] = vText(organizer_name or visit.clinic)
    event.add("organizer", clinic)
    patient = vCalAddress(f"mailto:{attendee}")
    # The clinic keeps the visit in its own records: no RSVP mail is wanted.
    patient.params["rsvp"] = vText("FALSE")
    patient.params["role"] = vText("REQ-PARTICIPANT")
    event.add("attendee", patient)
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def load_visits(
    wanted: Iterable[tuple[int, int, str]], policy: Policy
) -> dict[tuple[int, int, str], Visit]:
    """{(appointment, patient, lang): Visit} in one query.

    A visit is only found for its own patient, so no message can carry
    another patient's visit.
    """
    wanted = set(wanted)
    if not wanted:
        return {}
    rows = (
        Appointment.select(
            Appointment.id,
            Appointment.patient,
            Appointment.status,
            Appointment.start,
            Appointment.end,
            Appointment.created_at,
            Appointment.updated_at,
            Doctor.name,
            VisitType.name.alias("type_name"),
            VisitType.names.alias("type_names"),
        )
        .join(Doctor, on=(Appointment.doctor == Doctor.id))
        .join_from(Appointment, VisitType, on=(Appointment.visit_type == VisitType.id))
        .where(Appointment.id.in_(sorted({a for a, _, _ in wanted})))
        .dicts()
    )
    found = {}
    for row in rows:
        for appointment_id, patient_id, lang in wanted:
            if (appointment_id, patient_id) != (row["id"], row["patient"]):
                continue
            found[(appointment_id, patient_id, lang)] = visit_of(row, policy, lang)
    return found


def visit_of(row: dict, policy: Policy, lang: str) -> Visit:
    """A Visit from an appointment row joined with its doctor and visit type."""
    lang = language(lang)
    return Visit(
        id=row["id"],
        status=row["status"],
        start=from_db(row["start"]),
        end=from_db(row["end"]),
        created_at=from_db(row["created_at"]),
        updated_at=from_db(row["updated_at"]),
        clinic=policy.clinic_name,
        doctor=row["name"],
        visit_type=_localized(row["type_name"], row["type_names"], lang),
        lang=lang,
        location=policy.fact(lang, "address"),
    )


def _localized(name: str, names_json: str | None, lang: str) -> str:
    """The visit type's name in lang (as core.clinic.queries.localized reads it;
    messaging sits below clinic, so it cannot import that)."""
    try:
        names = json.loads(names_json or "{}")
    except ValueError:
        return name
    translated = names.get(lang) if isinstance(names, dict) else None
    return (
        translated.strip()
        if isinstance(translated, str) and translated.strip()
        else name
    )
