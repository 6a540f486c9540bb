"""Running step()'s effects: the only writes a turn makes besides its own rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from core.audit import Actor
from core.clinic import booking, waitlist
from core.clock import to_db
from core.dialog.outcome import (
    AcceptOffer,
    Book,
    Cancel,
    Confirm,
    Effect,
    FlagIfUpcoming,
    JoinWaitlist,
    Reschedule,
    RunningLate,
    SaveEmail,
    Turn,
)
from core.dialog.say import reply, when_text
from core.messaging import patients
from core.messaging.inbound import Reply
from core.models import LIVE_STATUSES, Appointment


@dataclass
class Results:
    """What running the effects added: replies, and a reason to flag for staff."""

    replies: list[Reply]
    flag: str | None = None


def _via(channel: str) -> str:
    return channel if channel in ("sms", "whatsapp", "telegram") else "console"


def _join_waitlist(effect: JoinWaitlist, patient_id: int) -> None:
    waitlist.join(
        patient_id,
        doctor_id=effect.doctor_id,
        department_id=effect.department_id,
        visit_type_id=effect.visit_type_id,
        from_day=dt.date.fromisoformat(effect.from_day),
        to_day=dt.date.fromisoformat(effect.to_day),
    )


def _accept_offer(effect: AcceptOffer, turn: Turn) -> Reply:
    appointment = waitlist.accept_offer(effect.offer_id, turn.patient.id, turn.now)
    doctor, _, visit_type = turn.view.names(
        appointment.doctor_id, appointment.visit_type_id
    )
    start = appointment.start
    if start.tzinfo is None:
        start = start.replace(tzinfo=dt.UTC)
    return reply(
        turn,
        "booked",
        doctor=doctor,
        visit_type=visit_type,
        when=when_text(start, turn),
    )


def run(effect: Effect, turn: Turn, results: Results) -> None:
    """Run one effect; a DomainError means the clinic's rules said no."""
    actor = Actor("patient", turn.patient.id)
    policy, now = turn.policy, turn.now
    if isinstance(effect, Book):
        booking.book(
            patient_id=turn.patient.id,
            doctor_id=effect.doctor_id,
            start=dt.datetime.fromisoformat(effect.start),
            policy=policy,
            now=now,
            actor=actor,
            visit_type_id=effect.visit_type_id,
            via=_via(turn.channel),
        )
    elif isinstance(effect, Reschedule):
        booking.reschedule(
            effect.appointment_id,
            dt.datetime.fromisoformat(effect.start),
            policy=policy,
            now=now,
            actor=actor,
            new_doctor_id=effect.doctor_id,
        )
    elif isinstance(effect, Confirm):
        booking.confirm(effect.appointment_id, actor, now)
    elif isinstance(effect, Cancel):
        booking.cancel(effect.appointment_id, actor, f"by {_via(turn.channel)}", now)
    elif isinstance(effect, JoinWaitlist):
        _join_waitlist(effect, turn.patient.id)
    elif isinstance(effect, AcceptOffer):
        results.replies.append(_accept_offer(effect, turn))
    elif isinstance(effect, RunningLate):
        booking.note_running_late(effect.appointment_id, effect.note, now, actor)
    elif isinstance(effect, FlagIfUpcoming):
        upcoming = Appointment.select().where(
            Appointment.patient == turn.patient.id,
            Appointment.start > to_db(now),
            Appointment.status.in_(LIVE_STATUSES),
        )
        if upcoming.exists():
            results.flag = effect.reason
    elif isinstance(effect, SaveEmail):
        patients.save_email(turn.patient.id, effect.email, prefer=effect.prefer)
    else:  # pragma: no cover - a new effect type without a runner is a bug
        raise TypeError(f"no runner for {effect!r}")
