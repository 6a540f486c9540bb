"""The audit log in words: who did what, as a receptionist would say it.

"front@clinic (staff) moved the visit from Tue 8 Dec, 10:00 to Wed 9 Dec,
11:30" instead of `staff:1 reschedule {"old_start": ...}`. Names are looked
up for a whole page at once (one query per kind of actor), never per row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from core.clock import from_db
from core.messaging.texts import when_text
from core.models import ApiToken, AuditLog, Doctor, Patient, StaffUser
from core.policy import Policy

PAGE = 100

# Who may be chosen in the filter, besides each staff login.
EVERYONE_ELSE = {
    "patient": "Patients (by text)",
    "system": "ClinicBot (scheduler)",
    "api": "Other software (API)",
}
# Actions as people say them; {detail keys} are filled from the row.
SAID = {
    "book": "booked the visit for {start}",
    "confirm": "confirmed the visit",
    "cancel": "cancelled the visit",
    "complete": "marked the visit completed",
    "mark no-show": "marked the patient as a no-show",
    "check in": "checked the patient in",
    "appointment.running_late": "said the patient is running late",
    "flag": "put the conversation in the inbox",
    "patient_unreachable": "could not reach the patient",
    "reminder skipped": "skipped a reminder",
    "login.locked_out": "locked sign-in after failed attempts",
    "staff.password_reset_requested": "asked for a password-reset email",
    "staff.password_reset_by_email": "set a new password from a reset email",
    "patient.create": "registered the patient",
    "patient.update": "changed the patient's details",
    "patient.opted_out": "stopped texts from the clinic",
    "inbox.done": "marked the conversation done",
    "inbox.unassign": "left the conversation for anyone to take",
    "api_token.create": "created an API token",
    "api_token.revoke": "revoked an API token",
    "calendar_feed.create": "made a calendar feed",
    "calendar_feed.revoke": "revoked a calendar feed",
    "calendar_feed.show_names": "changed whether a calendar feed shows names",
}
VIA = {"sms": "by SMS", "telegram": "on Telegram", "whatsapp": "on WhatsApp"}


def _names(model, ids: set[int], column) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        model.select(model.id, column).where(model.id.in_(sorted(ids))).tuples()
    )


class Names:
    """The people and doctors a page of audit rows mentions, by id."""

    def __init__(self, rows: Iterable[AuditLog]) -> None:
        wanted: dict[str, set[int]] = {"staff": set(), "patient": set(), "api": set()}
        doctors: set[int] = set()
        for row in rows:
            kind, _, number = row.actor.partition(":")
            if kind in wanted and number.isdigit():
                wanted[kind].add(int(number))
            detail = _detail(row)
            for key in ("doctor", "old_doctor"):
                if isinstance(detail.get(key), int):
                    doctors.add(detail[key])
            if isinstance(detail.get("staff_id"), int):  # an inbox assignment
                wanted["staff"].add(detail["staff_id"])
        self.staff = _names(StaffUser, wanted["staff"], StaffUser.email)
        self.patients = _names(Patient, wanted["patient"], Patient.name)
        self.tokens = _names(ApiToken, wanted["api"], ApiToken.name)
        self.doctors = _names(Doctor, doctors, Doctor.name)

    def actor(self, actor: str) -> str:
        kind, _, number = actor.partition(":")
        if not number.isdigit():
            return "ClinicBot" if kind == "system" else "Someone on the staff"
        found = {"staff": self.staff, "patient": self.patients, "api": self.tokens}
        name = found.get(kind, {}).get(int(number))
        if kind == "staff":
            return f"{name or 'a removed login'} (staff)"
        if kind == "patient":
            return f"{name or 'The patient'} (patient)"
        if kind == "api":
            return f"API token “{name}”" if name else "An API token"
        return actor


def _detail(row: AuditLog) -> dict:
    try:
        detail = json.loads(row.detail) if row.detail else {}
    except ValueError:
        return {}
    return detail if isinstance(detail, dict) else {}


def _when(value, policy: Policy) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return when_text(moment, policy, "en")


def sentence(row: AuditLog, detail: dict, names: Names, policy: Policy) -> str:
    """What happened, in words (without who did it)."""
    action = row.action
    if action == "reschedule":
        said = (
            f"moved the visit from {_when(detail.get('old_start'), policy)}"
            f" to {_when(detail.get('new_start'), policy)}"
        )
        if detail.get("doctor") != detail.get("old_doctor"):
            said += f", to {names.doctors.get(detail.get('doctor'), 'another doctor')}"
    elif action == "inbox.assign":
        assignee = names.staff.get(detail.get("staff_id"), "a removed login")
        said = f"assigned the conversation to {assignee}"
    elif action == "change" and "staff_note" in detail:
        said = "changed the staff note"
    elif action == "change" and "needs_confirmation" in detail:
        said = (
            "asked the patient to confirm"
            if detail["needs_confirmation"]
            else "said the patient need not confirm"
        )
    elif action in SAID:
        said = SAID[action].format(start=_when(detail.get("start"), policy))
    else:
        said = action.replace("_", " ").replace(".", ": ")
    if action == "book" and detail.get("via") in VIA:
        said += f" {VIA[detail['via']]}"
    for key in ("reason", "note"):
        if detail.get(key):
            said += f": “{detail[key]}”"
            break
    if detail.get("not_told"):
        said += f". The patient was not told (“{detail['not_told']}”)"
    return said


def in_words(rows: list[AuditLog], policy: Policy) -> list[dict]:
    """Each row as {at, who, what} (plus ids for links), in the given order."""
    names = Names(rows)
    described = []
    for row in rows:
        detail = _detail(row)
        described.append(
            {
                "id": row.id,
                "at": from_db(row.at).astimezone(policy.tz),
                "who": names.actor(row.actor),
                "what": sentence(row, detail, names, policy),
                "appointment_id": row.appointment_id,
                "patient_id": row.patient_id,
            }
        )
    return described


def _newest_first(query):
    return query.order_by(AuditLog.at.desc(), AuditLog.id.desc())


def visit_history(appointment_id: int, policy: Policy) -> list[dict]:
    """A visit's history, newest first."""
    query = AuditLog.select().where(AuditLog.appointment == appointment_id)
    return in_words(list(_newest_first(query)), policy)


def audit_page(
    policy: Policy,
    *,
    who: str = "",
    visit: int | None = None,
    before_id: int | None = None,
) -> list[dict]:
    """A page of the audit log, newest first, by person (staff:3, patient) and visit."""
    query = AuditLog.select()
    if who in EVERYONE_ELSE:
        query = query.where(
            AuditLog.actor.startswith(f"{who}:") | (AuditLog.actor == who)
        )
    elif who:
        query = query.where(AuditLog.actor == who)
    if visit:
        query = query.where(AuditLog.appointment == visit)
    if before_id:
        older = AuditLog.get_or_none(AuditLog.id == before_id)
        if older is not None:
            query = query.where(
                (AuditLog.at < older.at)
                | ((AuditLog.at == older.at) & (AuditLog.id < older.id))
            )
    return in_words(list(_newest_first(query).limit(PAGE)), policy)


def people() -> list[tuple[str, str]]:
    """(value, label) for the "who" filter: each staff login, then the rest."""
    staff = StaffUser.select(StaffUser.id, StaffUser.email, StaffUser.role)
    choices = [
        (f"staff:{user.id}", f"{user.email} ({user.role})")
        for user in staff.order_by(StaffUser.email)
    ]
    return choices + list(EVERYONE_ELSE.items())
