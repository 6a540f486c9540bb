"""Read models for the console's Today board, calendars and appointment page.

Each returns plain dataclasses/dicts fully loaded in a few flat queries, so
templates never touch lazy foreign keys (and a week of 2,000 visits stays
one query).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace

from peewee import JOIN

from core.clinic.calendar import (
    MAX_VISIT,
    active_doctor_ids,
    free_slots_for_doctor,
    load_calendars,
    load_closures,
    next_slots,
    utc_bounds,
)
from core.clinic.slots import DoctorCalendar, day_slots
from core.clock import from_db, to_db
from core.messaging.delivery import NO_PROVIDER
from core.models import (
    LIVE_STATUSES,
    Appointment,
    Conversation,
    Department,
    Doctor,
    DoctorVisitType,
    Message,
    Patient,
    VisitType,
)
from core.policy import Policy
from core.storage.db import db
from core.views.delivery_words import why_not_delivered

FAILED_STATUSES = ("failed", "undelivered", "not_sent")


@dataclass(frozen=True)
class Visit:
    id: int
    start: dt.datetime  # clinic local, aware
    end: dt.datetime
    doctor_id: int
    doctor: str
    patient_id: int
    patient: str
    phone: str
    visit_type: str
    status: str
    needs_confirmation: bool
    late_at: dt.datetime | None = None  # clinic local: when the patient said so
    late_note: str = ""
    arrived_at: dt.datetime | None = None  # clinic local: checked in at the desk

    @property
    def running_late(self) -> bool:
        """The patient said they are running late and the visit is still live."""
        return self.late_at is not None and self.status in LIVE_STATUSES


@dataclass
class Cell:
    visits: list[Visit] = field(default_factory=list)
    free: list[dt.datetime] = field(default_factory=list)  # clinic local, aware


def doctors(
    doctor_ids: list[int] | None = None, department_id: int | None = None
) -> list[dict]:
    """Active doctors (id, name, department) in name order, optionally filtered."""
    query = (
        Doctor.select(Doctor.id, Doctor.name, Department.name.alias("dept"))
        .join(Department)
        .where(Doctor.active == True)  # noqa: E712
    )
    if doctor_ids is not None:
        query = query.where(Doctor.id.in_(doctor_ids))
    if department_id is not None:
        query = query.where(Doctor.department == department_id)
    return [
        {"id": i, "name": n, "department": d}
        for i, n, d in query.order_by(Doctor.name).tuples()
    ]


def departments() -> list[dict]:
    rows = Department.select(Department.id, Department.name).where(
        Department.active == True  # noqa: E712
    )
    return [{"id": i, "name": n} for i, n in rows.order_by(Department.name).tuples()]


def visits_between(
    lo: dt.datetime, hi: dt.datetime, policy: Policy, doctor_ids: list[int] | None
) -> list[Visit]:
    """Visits starting in [lo, hi), all statuses, earliest first, in one query."""
    query = (
        Appointment.select(
            Appointment.id,
            Appointment.start,
            Appointment.end,
            Appointment.doctor,
            Doctor.name,
            Appointment.patient,
            Patient.name,
            Patient.phone,
            VisitType.name,
            Appointment.status,
            Appointment.needs_confirmation,
            Appointment.late_at,
            Appointment.late_note,
            Appointment.arrived_at,
        )
        .join(Doctor, on=Appointment.doctor == Doctor.id)
        .switch(Appointment)
        .join(Patient, on=Appointment.patient == Patient.id)
        .switch(Appointment)
        .join(VisitType, on=Appointment.visit_type == VisitType.id)
        .where(Appointment.start >= to_db(lo), Appointment.start < to_db(hi))
        .order_by(Appointment.start, Appointment.id)
    )
    if doctor_ids is not None:
        query = query.where(Appointment.doctor.in_(doctor_ids))
    tz = policy.tz
    # Raw cursor rows: peewee's per-value datetime parsing was half the cost
    # of a 2,000-visit week; from_db takes SQLite text and PostgreSQL values.
    return [
        Visit(
            aid,
            from_db(start).astimezone(tz),
            from_db(end).astimezone(tz),
            did,
            dname,
            pid,
            pname or "(no name)",
            phone or "",
            vtype,
            status,
            bool(needs),
            None if late is None else from_db(late).astimezone(tz),
            note or "",
            None if arrived is None else from_db(arrived).astimezone(tz),
        )
        for (
            aid, start, end, did, dname, pid, pname, phone, vtype, status, needs,
            late, note, arrived,
        ) in db.execute(query)
    ]  # fmt: skip


def calendar_grid(
    first: dt.date,
    days: int,
    policy: Policy,
    now: dt.datetime,
    doctor_list: list[dict],
) -> dict:
    """Visits and free slots per (day, doctor) for `days` local dates from first."""
    last = first + dt.timedelta(days=days - 1)
    ids = [d["id"] for d in doctor_list]
    lo, hi = utc_bounds(first, last, policy)
    cells: dict[tuple[dt.date, int], Cell] = {}
    day_list = [first + dt.timedelta(days=n) for n in range(days)]
    for day in day_list:
        for doctor_id in ids:
            cells[(day, doctor_id)] = Cell()
    if ids:
        for visit in visits_between(lo, hi, policy, ids):
            cells[(visit.start.date(), visit.doctor_id)].visits.append(visit)
    if ids:
        closures = load_closures(first, last)
        for calendar in load_calendars(ids, first, last, policy):
            for day in day_list:
                cells[(day, calendar.doctor_id)].free = [
                    s.astimezone(policy.tz)
                    for s in day_slots(
                        day, _one_day(calendar, day, policy), closures, policy, now
                    )
                ]
    return {"days": day_list, "doctors": doctor_list, "cells": cells}


def _one_day(calendar: DoctorCalendar, day: dt.date, policy: Policy) -> DoctorCalendar:
    """The calendar with only the busy times near day: slot checks scan less."""
    lo, hi = utc_bounds(day, day, policy)
    lo -= MAX_VISIT
    return replace(
        calendar, busy=[(s, e) for s, e in calendar.busy if s < hi and e > lo]
    )


def today_board(
    policy: Policy, now: dt.datetime, doctor_ids: list[int] | None, staff_view: bool
) -> dict:
    """Today's visits per doctor, unconfirmed visits, flagged chats, failed messages."""
    today = now.astimezone(policy.tz).date()
    lo, hi = utc_bounds(today, today, policy)
    visits = visits_between(lo, hi, policy, doctor_ids)
    names = {visit.doctor_id: visit.doctor for visit in visits}
    clash = Counter(names.values())  # two doctors with one name stay apart
    by_doctor: dict[str, list[Visit]] = {}
    for visit in visits:
        name = visit.doctor
        label = name if clash[name] == 1 else f"{name} (#{visit.doctor_id})"
        by_doctor.setdefault(label, []).append(visit)
    _, soon = utc_bounds(today, today + dt.timedelta(days=1), policy)
    unconfirmed = [
        v
        for v in visits_between(now, soon, policy, doctor_ids)
        if v.status == "scheduled" and v.needs_confirmation
    ]
    board = {
        "today": today,
        "by_doctor": sorted(by_doctor.items()),
        "counts": _count(visits),
        "unconfirmed": unconfirmed,
        "flagged": [],
        "failed": [],
        "unsent_texts": 0,
    }
    if staff_view:
        board["flagged"] = flagged_conversations(policy, limit=20)
        board["failed"] = failed_messages(policy, now, limit=20)
        board["unsent_texts"] = unsent_texts(now)
    return board


def _count(visits: list[Visit]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for visit in visits:
        counts[visit.status] = counts.get(visit.status, 0) + 1
    return counts


def flagged_conversations(policy: Policy, limit: int = 100) -> list[dict]:
    query = (
        Conversation.select(
            Conversation.id,
            Conversation.channel,
            Conversation.address,
            Conversation.flag_reason,
            Conversation.updated_at,
            Patient.id,
            Patient.name,
        )
        .join(Patient, on=Conversation.patient == Patient.id, join_type=JOIN.LEFT_OUTER)
        .where(Conversation.flagged == True)  # noqa: E712
        .order_by(Conversation.updated_at.desc())
        .limit(limit)
    )
    return [
        {
            "id": cid,
            "channel": channel,
            "address": address,
            "reason": reason or "",
            "at": from_db(at).astimezone(policy.tz),
            "patient_id": pid,
            "patient": pname or address,
        }
        for cid, channel, address, reason, at, pid, pname in query.tuples()
    ]


# The board shows what went wrong lately; the Messages log keeps the rest.
FAILED_RECENTLY = dt.timedelta(days=2)


def failed_messages(policy: Policy, now: dt.datetime, limit: int = 20) -> list[dict]:
    """Messages that did not reach their patient lately, newest first, in words.

    Texts kept because no provider is set up (the demo, a new install) are
    not failures of a message: unsent_texts counts them, once.
    """
    query = (
        Message.select(
            Message.id,
            Message.channel,
            Message.status,
            Message.error_code,
            Message.error_text,
            Message.created_at,
            Message.patient,
            Patient.name,
        )
        .join(Patient, JOIN.LEFT_OUTER, on=Message.patient == Patient.id)
        .where(
            Message.created_at >= to_db(now - FAILED_RECENTLY),
            Message.direction == "out",
            Message.status.in_(FAILED_STATUSES),
            Message.error_text.is_null() | (Message.error_text != NO_PROVIDER),
        )
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": mid,
            "channel": channel,
            "status": status,
            "why": why_not_delivered(status, code, text),
            "at": from_db(at).astimezone(policy.tz),
            "patient_id": pid,
            "patient": name or "Someone not yet registered",
        }
        for mid, channel, status, code, text, at, pid, name in query.tuples()
    ]


def unsent_texts(now: dt.datetime) -> int:
    """Texts kept but not sent lately because no provider is configured."""
    return (
        Message.select()
        .where(
            Message.created_at >= to_db(now - FAILED_RECENTLY),
            Message.direction == "out",
            Message.error_text == NO_PROVIDER,
        )
        .count()
    )


# The booking page (console "New appointment"): what can be chosen, and where.


def visit_types_of(
    doctor_id: int, start: dt.datetime | None, policy: Policy, now: dt.datetime
) -> list[dict]:
    """The doctor's active visit types, shortest first; with start, whether each fits.

    A 60-minute visit does not fit a free time followed by another visit:
    the page says so rather than letting the booking fail.
    """
    rows = (
        VisitType.select(VisitType.id, VisitType.name, VisitType.minutes)
        .join(DoctorVisitType)
        .where(DoctorVisitType.doctor == doctor_id, VisitType.active == True)  # noqa: E712
        .order_by(VisitType.minutes, VisitType.name)
        .tuples()
    )
    types = [{"id": i, "name": n, "minutes": m, "fits": True} for i, n, m in rows]
    if start is not None:
        day = start.astimezone(policy.tz).date()
        for kind in types:
            length = dt.timedelta(minutes=kind["minutes"])
            kind["fits"] = start in free_slots_for_doctor(
                doctor_id, day, policy, now, length
            )
    return types


def active_visit_types() -> list[dict]:
    rows = (
        VisitType.select(VisitType.id, VisitType.name, VisitType.minutes)
        .where(VisitType.active == True)  # noqa: E712
        .order_by(VisitType.name)
        .tuples()
    )
    return [{"id": i, "name": n, "minutes": m} for i, n, m in rows]


def free_times(
    doctor_id: int | None,
    visit_type_id: int | None,
    from_day: dt.date,
    policy: Policy,
    now: dt.datetime,
    count: int = 24,
) -> list[dict]:
    """The next free starts from from_day for one doctor, or any who offers the type.

    Each is {"start": clinic local, "doctor": {"id", "name", ...}}.
    """
    if doctor_id is not None:
        ids = [doctor_id]
    else:
        ids = active_doctor_ids(visit_type_id=visit_type_id)
    length = policy.slot
    if visit_type_id is not None:
        minutes = (
            VisitType.select(VisitType.minutes)
            .where(VisitType.id == visit_type_id)
            .scalar()
        )
        length = dt.timedelta(minutes=minutes or 0) or policy.slot
    elif doctor_id is not None:
        offered = visit_types_of(doctor_id, None, policy, now)
        if offered:
            length = dt.timedelta(minutes=offered[0]["minutes"])
    by_id = {d["id"]: d for d in doctors(ids)}
    ids = [i for i in ids if i in by_id]  # active ones only
    if not ids:
        return []
    return [
        {"start": start.astimezone(policy.tz), "doctor": by_id[did]}
        for start, did in next_slots(ids, policy, now, count, length, from_day)
    ]


def patient_brief(patient_id: int) -> dict | None:
    """Name and phone of the patient being booked for."""
    row = (
        Patient.select(Patient.id, Patient.name, Patient.phone, Patient.email)
        .where(Patient.id == patient_id)
        .tuples()
        .first()
    )
    if row is None:
        return None
    i, name, phone, email = row
    return {
        "id": i,
        "name": name or "(no name)",
        "phone": phone or "",
        "email": email or "",
    }


def staff_note(appointment_id: int) -> str:
    """The staff-only note on a visit ("" if none): never shown to patients."""
    note = (
        Appointment.select(Appointment.staff_note)
        .where(Appointment.id == appointment_id)
        .scalar()
    )
    return note or ""
