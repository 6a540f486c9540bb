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
    load_calendars,
    load_closures,
    utc_bounds,
)
from core.clinic.slots import DoctorCalendar, day_slots
from core.clock import from_db, to_db
from core.models import (
    LIVE_STATUSES,
    Appointment,
    Conversation,
    Department,
    Doctor,
    Message,
    Patient,
    VisitType,
)
from core.policy import Policy
from core.storage.db import db

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
        )
        for (
            aid, start, end, did, dname, pid, pname, phone, vtype, status, needs,
            late, note,
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
    }
    if staff_view:
        board["flagged"] = flagged_conversations(policy, limit=20)
        board["failed"] = failed_messages(policy, now, limit=20)
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
    query = (
        Message.select(
            Message.id,
            Message.channel,
            Message.address,
            Message.status,
            Message.error_code,
            Message.error_text,
            Message.created_at,
            Message.patient,
        )
        .where(
            Message.created_at >= to_db(now - FAILED_RECENTLY),
            Message.direction == "out",
            Message.status.in_(FAILED_STATUSES),
        )
        .order_by(Message.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": mid,
            "channel": channel,
            "address": address,
            "status": status,
            "error": " ".join(filter(None, [code, text])),
            "at": from_db(at).astimezone(policy.tz),
            "patient_id": pid,
        }
        for mid, channel, address, status, code, text, at, pid in query.tuples()
    ]
