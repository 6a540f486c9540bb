"""Slots as FHIR: every time ClinicBot's own rules would offer, free or busy.

The slot rules are core.clinic's (day_slots, the ones the dialog and the
console offer): a Slot is a start on a schedule's grid that those rules
allow leaving other visits aside (hours, time off, closures, minimum
notice, horizon); it is free if the rules also allow it with the booked
visits counted, else busy. So a Slot published free is one `book` accepts,
and a busy one tells a finder the time exists but is taken (no patient data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, replace
from urllib.parse import quote

from core.api.fhir import (
    Links,
    instant,
    parse_slot_id,
    reference,
    reference_id,
    searchset,
    slot_id,
)
from core.api.fhir_clinic import (
    ScheduleRow,
    one_schedule,
    published_days,
    schedule_rows,
)
from core.api.fhir_search import Query, Range, date_ranges, in_ranges
from core.clinic.calendar import MAX_VISIT, load_calendars, load_closures, utc_bounds
from core.clinic.slots import DoctorCalendar, day_slots
from core.errors import InvalidInput, NotFound
from core.policy import Policy

SMART = "http://fhir-registry.smarthealthit.org/StructureDefinition/"
BOOKING_LINK = SMART + "booking-deep-link"
BOOKING_PHONE = SMART + "booking-phone"
SLOT_STATUSES = (
    "busy",
    "free",
    "busy-unavailable",
    "busy-tentative",
    "entered-in-error",
)


@dataclass(frozen=True)
class Booking:
    """How a patient books a published slot: text the clinic, or its page."""

    text_number: str = ""  # the clinic's SMS number (Twilio), E.164
    page: str = ""  # CLINICBOT_PUBLIC_URL (or this server) when no number

    def link(self, row: ScheduleRow, start: dt.datetime, policy: Policy) -> str:
        """An sms: link (RFC 5724) whose text asks for this very slot."""
        if not self.text_number:
            return self.page
        local = start.astimezone(policy.tz)
        hour = local.strftime("%I:%M %p").lstrip("0").lower()
        body = (
            f"Book {row.visit_type} with {row.doctor} on"
            f" {local:%a %b} {local.day} at {hour}"
        )
        return f"sms:{self.text_number}?body={quote(body)}"


@dataclass(frozen=True)
class SlotRow:
    schedule: ScheduleRow
    start: dt.datetime  # aware UTC
    free: bool

    @property
    def id(self) -> str:
        return slot_id(self.schedule.doctor_id, self.schedule.visit_type_id, self.start)


def _one_day(calendar: DoctorCalendar, day: dt.date, policy: Policy) -> DoctorCalendar:
    """Only the busy times near day: each day's check scans a few visits."""
    lo, hi = utc_bounds(day, day, policy)
    lo -= MAX_VISIT
    return replace(
        calendar, busy=[(s, e) for s, e in calendar.busy if s < hi and e > lo]
    )


def slot_days(
    rows: list[ScheduleRow],
    first: dt.date,
    last: dt.date,
    policy: Policy,
    now: dt.datetime,
) -> Iterator[tuple[dt.date, list[SlotRow]]]:
    """Each local date first..last with these schedules' slots on it, by start.

    A local day's slots all start before the next day's, so the days in
    order are every slot in order: a search can stop at a full page.
    """
    if not rows or first > last:
        return
    doctor_ids = sorted({row.doctor_id for row in rows})
    calendars = {
        cal.doctor_id: cal for cal in load_calendars(doctor_ids, first, last, policy)
    }
    closures = load_closures(first, last)
    day = first
    while day <= last:
        found = []
        for doctor_id in doctor_ids:
            calendar = _one_day(calendars[doctor_id], day, policy)
            for row in (r for r in rows if r.doctor_id == doctor_id):
                length = row.length
                grid = day_slots(
                    day, calendar, closures, policy, now, length, ignore_busy=True
                )
                free = set(day_slots(day, calendar, closures, policy, now, length))
                found += [SlotRow(row, start, start in free) for start in grid]
        found.sort(
            key=lambda s: (s.start, s.schedule.doctor_id, s.schedule.visit_type_id)
        )
        yield day, found
        day += dt.timedelta(days=1)


def slots_between(
    rows: list[ScheduleRow],
    first: dt.date,
    last: dt.date,
    policy: Policy,
    now: dt.datetime,
) -> list[SlotRow]:
    """Every slot of these schedules on local dates first..last, by start."""
    return [s for _, day in slot_days(rows, first, last, policy, now) for s in day]


def slot(found: SlotRow, policy: Policy, booking: Booking) -> dict:
    tz = policy.tz
    resource = {
        "resourceType": "Slot",
        "id": found.id,
        "schedule": reference("Schedule", found.schedule.id),
        "status": "free" if found.free else "busy",
        "start": instant(found.start, tz),
        "end": instant(found.start + found.schedule.length, tz),
    }
    if found.free:
        extensions = []
        link = booking.link(found.schedule, found.start, policy)
        if link:
            extensions.append({"url": BOOKING_LINK, "valueUrl": link})
        # The clinic's phone from Settings: a person can call it to book.
        phone = policy.fact(policy.default_language, "phone")
        if phone:
            extensions.append({"url": BOOKING_PHONE, "valueString": phone})
        if extensions:
            resource["extension"] = extensions
    return resource


def read_slot(id_: str, policy: Policy, now: dt.datetime, booking: Booking) -> dict:
    doctor_id, visit_type_id, start = parse_slot_id(id_)
    row = one_schedule(f"{doctor_id}-{visit_type_id}")
    first, last = published_days(policy, now)
    day = start.astimezone(policy.tz).date()
    if first <= day <= last:
        for found in slots_between([row], day, day, policy, now):
            if found.start == start:
                return slot(found, policy, booking)
    raise NotFound(f"Slot/{id_} does not exist.")


def search_slots(
    query: Query, policy: Policy, now: dt.datetime, enough: int | None = None
) -> tuple[list[SlotRow], bool]:
    """Slots by schedule, start (prefixes ge, gt, le, lt...) and status, by start,
    and whether that is all of them.

    With `enough`, the search stops at the first day that brings more than
    that many: a page of the next month's slots costs a day or two, not 31.
    """
    query.check(("schedule", "start", "status"))
    statuses = query.one_of("status")
    for status in statuses:
        if status not in SLOT_STATUSES:
            raise InvalidInput(
                f"status must be one of {', '.join(SLOT_STATUSES)}.", "status"
            )
    starts = [date_ranges(v, "start", policy.tz) for v in query.values("start")]
    schedules = [
        reference_id(value, "Schedule", "schedule")
        for value in query.one_of("schedule")
    ]
    rows = schedule_rows()
    if schedules:
        rows = [row for row in rows if row.id in schedules]
    first, last = _days(starts, policy, now)
    found: list[SlotRow] = []
    for day, slots in slot_days(rows, first, last, policy, now):
        found += [
            s
            for s in slots
            if all(in_ranges(s.start, ranges) for ranges in starts)
            and (not statuses or ("free" if s.free else "busy") in statuses)
        ]
        if enough is not None and len(found) > enough and day < last:
            return found, False
    return found, True


def _days(
    starts: list[list[Range]], policy: Policy, now: dt.datetime
) -> tuple[dt.date, dt.date]:
    """The published dates the start filters can match (fewer days to compute)."""
    first, last = published_days(policy, now)
    for ranges in starts:
        los = [lo for lo, _ in ranges]
        his = [hi for _, hi in ranges]
        if None not in los:
            first = max(first, min(los).astimezone(policy.tz).date())
        if None not in his:  # the ranges end before hi
            end = max(his) - dt.timedelta(microseconds=1)
            last = min(last, end.astimezone(policy.tz).date())
    return first, last


def slot_bundle(
    query: Query, policy: Policy, now: dt.datetime, links: Links, booking: Booking
) -> dict:
    """A page of a Slot search; only the slots shown become resources.

    Bundle.total is left out when the search stopped at a full page.
    """
    count, offset = query.page()
    matches, complete = search_slots(query, policy, now, offset + count)
    shown = [slot(found, policy, booking) for found in matches[offset : offset + count]]
    total = len(matches) if complete else None
    more = len(matches) > offset + count
    return searchset(links, "Slot", query, shown, total, count, offset, more)
