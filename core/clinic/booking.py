"""Booking operations. Each is one transaction that also writes its audit row.

Status changes are compare-and-set updates (`... WHERE status IN (...)`), so
a concurrent change is detected by the database rather than by a re-check.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from peewee import IntegrityError

from core import audit
from core.audit import Actor
from core.clinic import queries, telling
from core.clinic.calendar import (
    bookable_doctor,
    check_bookable,
    visit_minutes,
)
from core.clock import UTC, from_db, to_db
from core.errors import InvalidTransition, NotFound, SlotTaken
from core.messaging import mail
from core.models import LIVE_STATUSES, Appointment, SlotClaim
from core.policy import Policy, load_policy
from core.storage.db import write_transaction
from core.storage.prepared import Prepared, PreparedInsert, PreparedUpdate

CLAIM_UNIT = dt.timedelta(minutes=5)
CANCELLERS = ("patient", "staff", "system", "api")  # api: an API token (api:<id>)
# Audit action -> how a person says it was done, for refusals.
DONE = {
    "confirm": "confirmed",
    "cancel": "cancelled",
    "complete": "marked completed",
    "mark no-show": "marked as a no-show",
    "change": "changed",
    "appointment.running_late": "marked as running late",
    "check in": "checked in",
}
# The patient may be checked in from this long before the visit to its end.
CHECK_IN_EARLY = dt.timedelta(hours=2)
LATE_NOTE_LIMIT = 200
STAFF_NOTE_LIMIT = 1000


def _claim_units(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The 5-minute units [start, end) covers, as naive UTC."""
    epoch = dt.datetime(2000, 1, 1, tzinfo=UTC)
    unit = epoch + ((start - epoch) // CLAIM_UNIT) * CLAIM_UNIT
    units = []
    while unit < end:
        units.append(to_db(unit))
        unit += CLAIM_UNIT
    return units


def _audit(
    actor: Actor, action: str, appointment: Appointment, now: dt.datetime, **detail
) -> None:
    audit.record(
        str(actor),
        action,
        now,
        appointment_id=appointment.id,
        patient_id=appointment.patient_id,
        **detail,
    )


# The writes, built once per process (core.storage.prepared): the dialog
# books inside a patient's turn, where peewee's query building was most of
# the cost. The reads they go with are in core.clinic.queries.
_INSERT = PreparedInsert(
    Appointment, "doctor", "patient", "visit_type", "start", "end", "status",
    "created_via", "needs_confirmation", "created_at", "updated_at", "staff_note",
)  # fmt: skip
_CLAIM = PreparedInsert(SlotClaim, "doctor", "unit", "appointment")
_RELEASE = Prepared(
    lambda appointment_id: SlotClaim.delete().where(
        SlotClaim.appointment == appointment_id
    )
)
_UNCLAIM = Prepared(lambda ids: SlotClaim.delete().where(SlotClaim.id.in_(ids)))


def _while_status(appointment_id: int, allowed_from: tuple):
    """The compare-and-set's condition: this visit, still in one of these statuses."""
    return (Appointment.id == appointment_id) & Appointment.status.in_(allowed_from)


_CONFIRM = PreparedUpdate(
    Appointment, "status", "confirmed_at", "updated_at", where=_while_status
)
_CANCEL = PreparedUpdate(
    Appointment, "status", "cancelled_at", "cancelled_by", "cancel_reason",
    "updated_at", where=_while_status,
)  # fmt: skip
_FINISH = PreparedUpdate(Appointment, "status", "updated_at", where=_while_status)
_ARRIVED = PreparedUpdate(Appointment, "arrived_at", "updated_at", where=_while_status)
_NEEDS_CONFIRMATION = PreparedUpdate(
    Appointment, "needs_confirmation", "updated_at", where=_while_status
)
_STAFF_NOTE = PreparedUpdate(
    Appointment, "staff_note", "updated_at", where=_while_status
)
_RUNNING_LATE = PreparedUpdate(
    Appointment, "late_at", "late_note", "updated_at", where=_while_status
)
# A move also forgets "running late" and a check-in: both were about the old time.
_MOVE = PreparedUpdate(
    Appointment, "doctor", "start", "end", "status", "confirmed_at", "late_at",
    "late_note", "arrived_at", "updated_at", where=_while_status,
)  # fmt: skip
_HOLD = PreparedUpdate(
    Appointment,
    "updated_at",
    where=lambda appointment_id, status, start: (
        (Appointment.id == appointment_id)
        & (Appointment.status == status)
        & (Appointment.start == start)
    ),
)
_REASSIGN = PreparedUpdate(
    Appointment, "patient", where=lambda patient_id: Appointment.patient == patient_id
)


def _email_change(
    appointment: Appointment, change: str, now: dt.datetime, contact=None
) -> None:
    """Queue the booking email (with its invite) if the patient chose email.

    One small read for every patient (contact); the rest only for those who
    chose email. Runs in the change's transaction: both or neither.
    """
    contact = contact or mail.contact(appointment.patient_id)
    if contact is not None and mail.wants_email(*contact[1:]):
        mail.queue_change(appointment.patient_id, appointment.id, change, now)


def _tell(
    appointment: Appointment,
    change: str,
    actor: Actor,
    tell: bool,
    now: dt.datetime,
    policy: Policy | None = None,
    old_start: dt.datetime | None = None,
    contact=None,
) -> None:
    """Everything that tells the patient of a change, in its transaction.

    The patient's own changes are answered in their conversation; only the
    email (with its invite) goes to those who chose email. Staff's and the
    API's changes are also texted, unless staff chose not to tell.
    """
    if telling.told_by(actor) and not tell:
        return
    _email_change(appointment, change, now, contact)
    if telling.told_by(actor):
        policy = policy or load_policy()
        telling.tell_patient(appointment, change, now, policy, old_start)


def _get(appointment_id: int) -> Appointment:
    found = queries.APPOINTMENT.first(appointment_id)
    if found is None:
        raise NotFound("That appointment does not exist.")
    return Appointment(**dict(zip(queries.APPOINTMENT_FIELDS, found, strict=True)))


def book(
    *,
    patient_id: int,
    doctor_id: int,
    start: dt.datetime,
    policy: Policy,
    now: dt.datetime,
    actor: Actor,
    visit_type_id: int | None = None,
    via: str = "console",
    needs_confirmation: bool = True,
    tell: bool = True,
    untold_reason: str = "",
    note: str = "",
) -> Appointment:
    """Book a visit; raise SlotTaken if another booking holds any of its time.

    tell: staff and the API tell the patient (core.clinic.telling), unless
    they say why not (untold_reason, kept in the audit log). note: staff's
    own note on the visit, never shown to the patient.
    """
    not_told = telling.untold(actor, tell, untold_reason)
    doctor = bookable_doctor(doctor_id)
    # The patient must exist; the same row says whether they take email.
    contact = mail.contact(patient_id)
    if contact is None:
        raise NotFound("That patient does not exist.")
    visit_type_id, minutes = visit_minutes(doctor, visit_type_id)
    length = dt.timedelta(minutes=minutes)
    check_bookable(doctor, start, length, policy, now)
    row = {
        "doctor": doctor.id,
        "patient": patient_id,
        "visit_type": visit_type_id,
        "start": to_db(start),
        "end": to_db(start + length),
        "status": "scheduled",
        "created_via": via,
        "needs_confirmation": needs_confirmation,
        "created_at": to_db(now),
        "updated_at": to_db(now),
        "staff_note": (note or "").strip()[:STAFF_NOTE_LIMIT],
    }
    try:
        with write_transaction():
            appointment = Appointment(id=_INSERT.insert(**row), **row)
            _CLAIM.many(
                {"doctor": doctor.id, "unit": unit, "appointment": appointment.id}
                for unit in _claim_units(start, start + length + policy.buffer)
            )
            _audit(
                actor, "book", appointment, now, start=start.isoformat(), via=via,
                **not_told,
            )  # fmt: skip
            _tell(appointment, "booked", actor, tell, now, policy, contact=contact)
    except IntegrityError:
        raise SlotTaken() from None
    return appointment


def _transition(
    appointment_id: int,
    change: PreparedUpdate,
    values: dict,
    allowed_from: tuple[str, ...],
    actor: Actor,
    action: str,
    now: dt.datetime,
    after: Callable[[Appointment], None] | None = None,
    **detail,
) -> Appointment:
    """Compare-and-set the status; explain why if the visit was not in allowed_from.

    after: more of the change's work, in its transaction (the booking email).
    """
    with write_transaction():
        updated = change.apply(values, appointment_id, allowed_from)
        appointment = _get(appointment_id)
        if not updated:
            status = appointment.status.replace("_", " ")
            raise InvalidTransition(
                f"This visit is already {status}; it cannot be {DONE[action]}.",
                appointment.status,
            )
        if appointment.status == "cancelled":
            _RELEASE.execute(appointment.id)
        _audit(actor, action, appointment, now, **detail)
        if after is not None:
            after(appointment)
    return appointment


def confirm(appointment_id: int, actor: Actor, now: dt.datetime) -> Appointment:
    """Mark a scheduled visit confirmed (confirming twice is harmless)."""
    appointment = _get(appointment_id)
    if appointment.status == "confirmed":
        return appointment
    if appointment.status in LIVE_STATUSES and from_db(appointment.end) <= now:
        raise InvalidTransition("This visit is already over; it cannot be confirmed.")
    values = {
        "status": "confirmed",
        "confirmed_at": to_db(now),
        "updated_at": to_db(now),
    }
    return _transition(
        appointment_id, _CONFIRM, values, ("scheduled",), actor, "confirm", now
    )


def cancel(
    appointment_id: int,
    actor: Actor,
    reason: str,
    now: dt.datetime,
    *,
    tell: bool = True,
    untold_reason: str = "",
) -> Appointment:
    """Cancel a live visit and free its time (tell: as for book)."""
    if actor.kind not in CANCELLERS:
        raise ValueError(f"unknown canceller {actor.kind!r}")
    not_told = telling.untold(actor, tell, untold_reason)
    reason = (reason or "").strip()[:200]
    values = {
        "status": "cancelled",
        "cancelled_at": to_db(now),
        "cancelled_by": actor.kind,
        "cancel_reason": reason,
        "updated_at": to_db(now),
    }
    return _transition(
        appointment_id, _CANCEL, values, LIVE_STATUSES, actor, "cancel", now,
        after=lambda visit: _tell(visit, "cancelled", actor, tell, now),
        reason=reason, **not_told,
    )  # fmt: skip


def note_running_late(
    appointment_id: int, note: str, now: dt.datetime, actor: Actor
) -> None:
    """The patient says they will be late: keep when and what they said, for staff.

    Only a live (scheduled or confirmed) visit; anything else raises
    InvalidTransition, as the other changes do. Saying it again replaces the
    note. The note is kept to 200 characters.
    """
    note = " ".join((note or "").split())[:LATE_NOTE_LIMIT]
    values = {"late_at": to_db(now), "late_note": note, "updated_at": to_db(now)}
    _transition(
        appointment_id, _RUNNING_LATE, values, LIVE_STATUSES, actor,
        "appointment.running_late", now, note=note,
    )  # fmt: skip


def set_note(
    appointment_id: int, note: str, actor: Actor, now: dt.datetime
) -> Appointment:
    """Replace staff's note on a visit, whatever its status (kept to 1,000 chars)."""
    note = (note or "").strip()[:STAFF_NOTE_LIMIT]
    values = {"staff_note": note, "updated_at": to_db(now)}
    every_status = (*LIVE_STATUSES, "completed", "no_show", "cancelled")
    return _transition(
        appointment_id, _STAFF_NOTE, values, every_status, actor, "change", now,
        staff_note=True,
    )  # fmt: skip


def _finish(
    appointment_id: int, status: str, action: str, actor: Actor, now: dt.datetime
):
    appointment = _get(appointment_id)
    if appointment.status in LIVE_STATUSES and from_db(appointment.start) > now:
        raise InvalidTransition("This visit has not started yet.")
    values = {"status": status, "updated_at": to_db(now)}
    return _transition(
        appointment_id, _FINISH, values, LIVE_STATUSES, actor, action, now
    )


def check_in(appointment_id: int, actor: Actor, now: dt.datetime) -> Appointment:
    """The patient is here: keep when, for the doctor and the Today board.

    Only a live visit, and only on its day: from CHECK_IN_EARLY before its
    start to its end. Checking in twice keeps the first time.
    """
    appointment = _get(appointment_id)
    if appointment.arrived_at is not None and appointment.status in LIVE_STATUSES:
        return appointment
    start, end = from_db(appointment.start), from_db(appointment.end)
    if appointment.status in LIVE_STATUSES and not (
        start - CHECK_IN_EARLY <= now <= end
    ):
        raise InvalidTransition(
            "A patient can be checked in only on the day of the visit, from two"
            " hours before it until it ends."
        )
    values = {"arrived_at": to_db(now), "updated_at": to_db(now)}
    return _transition(
        appointment_id, _ARRIVED, values, LIVE_STATUSES, actor, "check in", now
    )


def complete(appointment_id: int, actor: Actor, now: dt.datetime) -> Appointment:
    """Record that the visit took place."""
    return _finish(appointment_id, "completed", "complete", actor, now)


def mark_no_show(appointment_id: int, actor: Actor, now: dt.datetime) -> Appointment:
    """Record that the patient did not come."""
    return _finish(appointment_id, "no_show", "mark no-show", actor, now)


def set_needs_confirmation(
    appointment_id: int, needed: bool, actor: Actor, now: dt.datetime
) -> Appointment:
    """Staff say whether this visit must be confirmed by the patient."""
    values = {"needs_confirmation": needed, "updated_at": to_db(now)}
    return _transition(
        appointment_id, _NEEDS_CONFIRMATION, values, LIVE_STATUSES, actor, "change",
        now, needs_confirmation=needed,
    )  # fmt: skip


def hold_unconfirmed(appointment_id: int, start: dt.datetime, now: dt.datetime) -> bool:
    """Pin a visit as still scheduled at start; False if it changed meanwhile.

    A compare-and-set on the row: on PostgreSQL it waits for (and then sees)
    a confirmation committed a moment ago and holds the row, so none can land
    before the caller's cancel.
    """
    values = {"updated_at": to_db(now)}
    return _HOLD.apply(values, appointment_id, "scheduled", to_db(start)) > 0


def reassign_patient(from_patient: int, to_patient: int) -> None:
    """Give one patient's visits to another (two records of one person merged)."""
    _REASSIGN.apply({"patient": to_patient}, from_patient)


def reschedule(
    appointment_id: int,
    new_start: dt.datetime,
    *,
    policy: Policy,
    now: dt.datetime,
    actor: Actor,
    new_doctor_id: int | None = None,
    tell: bool = True,
    untold_reason: str = "",
) -> Appointment:
    """Move a live visit; the new time is claimed before the old is released.

    tell: as for book.
    """
    not_told = telling.untold(actor, tell, untold_reason)
    current = _get(appointment_id)
    doctor = bookable_doctor(new_doctor_id or current.doctor_id)
    _, minutes = visit_minutes(doctor, current.visit_type_id)
    length = dt.timedelta(minutes=minutes)
    check_bookable(doctor, new_start, length, policy, now)
    wanted = set(_claim_units(new_start, new_start + length + policy.buffer))
    moving = {
        "doctor": doctor.id,
        "start": to_db(new_start),
        "end": to_db(new_start + length),
        "status": "scheduled",
        "confirmed_at": None,
        "late_at": None,
        "late_note": None,
        "arrived_at": None,
        "updated_at": to_db(now),
    }
    try:
        with write_transaction():
            # Touch the row first: on PostgreSQL this locks it, so two moves
            # of one visit cannot interleave; on SQLite the write lock is held.
            if not _MOVE.apply(moving, appointment_id, LIVE_STATUSES):
                status = _get(appointment_id).status
                raise InvalidTransition(
                    f"This visit is already {status.replace('_', ' ')};"
                    " it cannot be moved.",
                    status,
                )
            _move_claims(appointment_id, doctor.id, wanted)
            appointment = _get(appointment_id)
            _audit(
                actor,
                "reschedule",
                appointment,
                now,
                old_start=from_db(current.start).isoformat(),
                old_end=from_db(current.end).isoformat(),
                old_doctor=current.doctor_id,
                new_start=new_start.isoformat(),
                doctor=doctor.id,
                **not_told,
            )
            _tell(
                appointment, "moved", actor, tell, now, policy,
                old_start=from_db(current.start),
            )  # fmt: skip
    except IntegrityError:
        raise SlotTaken() from None
    return appointment


def _move_claims(appointment_id: int, doctor_id: int, wanted: set) -> None:
    """Claim the new units first, then release the ones no longer held."""
    held = {
        (doctor, unit): claim_id
        for claim_id, doctor, unit in queries.CLAIMS_OF.rows(appointment_id)
    }
    _CLAIM.many(
        {"doctor": doctor_id, "unit": unit, "appointment": appointment_id}
        for unit in sorted(wanted)
        if (doctor_id, unit) not in held
    )
    stale = [
        claim_id
        for (doctor, unit), claim_id in held.items()
        if doctor != doctor_id or unit not in wanted
    ]
    if stale:
        _UNCLAIM.execute(stale)
