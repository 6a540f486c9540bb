"""Free slots for the API, exactly as the dialog and booking would offer them.

The same calendar loads (core.clinic.calendar) and pure slot rules
(core.clinic.slots.next_free_slots) the dialog uses; nothing is re-derived
here. A slot is offered only if booking it would pass check_bookable.
Without a visit type each doctor's shortest is used, as book() does.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict

from core.api import schemas
from core.clinic.calendar import (
    BookableDoctor,
    active_doctor_ids,
    bookable_doctor,
    load_calendars,
    load_closures,
    visit_minutes,
)
from core.clinic.slots import next_free_slots
from core.errors import InvalidInput, NotFound, SlotUnavailable
from core.models import Department, VisitType
from core.policy import Policy

MAX_DAYS = 31  # one query's range; page through longer spans by date


def _doctors(query: schemas.SlotQuery) -> list[BookableDoctor]:
    if query.visit_type is not None and not VisitType.get_or_none(
        VisitType.id == query.visit_type
    ):
        raise NotFound("That visit type does not exist.")
    if query.doctor is not None:
        doctor = bookable_doctor(query.doctor)
        return [doctor] if doctor.active else []
    if query.department is not None and not Department.get_or_none(
        Department.id == query.department
    ):
        raise NotFound("That department does not exist.")
    # Active by the query itself; the name is only for messages caught below.
    ids = active_doctor_ids(query.department, query.visit_type)
    return [BookableDoctor(doctor_id, "", True) for doctor_id in ids]


def _lengths(doctors: list[BookableDoctor], visit_type_id: int | None) -> dict:
    """(visit type id, minutes) -> the doctors booked for that long."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for doctor in doctors:
        try:
            kind = visit_minutes(doctor, visit_type_id)
        except SlotUnavailable:  # this doctor does not offer that visit type
            continue
        groups[tuple(kind)].append(doctor.id)
    return groups


def free_slots(
    query: schemas.SlotQuery, policy: Policy, now: dt.datetime
) -> schemas.Slots:
    """Free (start, doctor) from local day `from` to `to`, earliest first."""
    first, last = query.from_, query.to or query.from_
    if last < first:
        raise InvalidInput("`to` is before `from`.", "to")
    if (last - first).days >= MAX_DAYS:
        raise InvalidInput(f"Ask for at most {MAX_DAYS} days at a time.", "to")
    doctors = _doctors(query)
    # Only days booking could offer: today up to the horizon.
    today = now.astimezone(policy.tz).date()
    first = max(first, today)
    last = min(last, today + dt.timedelta(days=policy.horizon_days))
    if last < first:
        return schemas.Slots(data=[])
    groups = _lengths(doctors, query.visit_type)
    if not groups:
        return schemas.Slots(data=[])
    calendars = {
        cal.doctor_id: cal
        for cal in load_calendars(
            [d for ids in groups.values() for d in ids], first, last, policy
        )
    }
    closures = load_closures(first, last)
    found = []
    for (visit_type_id, minutes), ids in groups.items():
        length = dt.timedelta(minutes=minutes)
        found.append(
            [
                (start, doctor_id, length, visit_type_id)
                for start, doctor_id in next_free_slots(
                    [calendars[d] for d in ids],
                    closures,
                    policy,
                    now,
                    query.limit,
                    length,
                    first,
                    last,
                )
            ]
        )
    merged = list(heapq.merge(*found, key=lambda slot: (slot[0], slot[1])))
    return schemas.Slots(
        data=[
            schemas.Slot(
                start=start, end=start + length, doctor_id=doctor, visit_type_id=kind
            )
            for start, doctor, length, kind in merged[: query.limit]
        ]
    )
