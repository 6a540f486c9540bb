"""The console's time grid: rows in slot-length steps, a column per doctor or day.

Each column is a list of blocks that cover its rows exactly once (a table
cell with a rowspan each): visits, free times, open but not bookable time,
breaks, time off, closures and the hours outside work. Visits inside time
off or a closure carry a warning and are also listed for follow-up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from core.clinic.calendar import (
    MAX_VISIT,
    active_doctor_ids,
    load_calendars,
    utc_bounds,
)
from core.clinic.slots import DoctorCalendar, day_slots
from core.clock import UTC, from_db, to_db
from core.models import LIVE_STATUSES, Appointment, Closure, TimeOff
from core.policy import Policy
from core.views.schedule import Visit, visits_between

DEFAULT_HOURS = (9 * 60, 17 * 60)  # rows shown when nobody works that day


@dataclass(frozen=True)
class Moving:
    """The visit being moved: free times are for its length, its own time aside."""

    id: int
    doctor_id: int
    start: dt.datetime  # aware UTC
    end: dt.datetime
    visit_type_id: int

    @property
    def length(self) -> dt.timedelta:
        return self.end - self.start


@dataclass
class Block:
    """One table cell of a column: `span` rows from row `row`."""

    row: int
    span: int
    kind: str  # visit | current | free | open | break | off | closure | closed
    label: str = ""
    start: dt.datetime | None = None  # clinic local: a free time
    visits: list[tuple[Visit, str]] = field(default_factory=list)  # (visit, warning)


@dataclass
class Column:
    day: dt.date
    doctor: dict
    blocks: list[Block]


@dataclass(frozen=True)
class FollowUp:
    visit: Visit
    reason: str  # "Time off" or "Closed: <name>"


def _minutes(moment: dt.datetime, day: dt.date) -> int:
    """Minutes from local midnight of day (negative before it, past 1440 after)."""
    naive = moment.replace(tzinfo=None)
    return int((naive - dt.datetime.combine(day, dt.time(0))).total_seconds() // 60)


def _wall(day: dt.date, minutes: int, policy: Policy) -> dt.datetime:
    """The aware UTC instant of local day + minutes (first of a repeated hour)."""
    naive = dt.datetime.combine(day, dt.time(0)) + dt.timedelta(minutes=minutes)
    return naive.replace(tzinfo=policy.tz).astimezone(UTC)


def _overlaps(start, end, spans) -> bool:
    return any(s < end and start < e for s, e in spans)


def closure_names(first: dt.date, last: dt.date) -> dict[dt.date, str]:
    rows = Closure.select(Closure.day, Closure.name).where(
        Closure.day.between(first, last)
    )
    return {day: name or "" for day, name in rows.tuples()}


def closed_label(name: str) -> str:
    return f"Closed: {name}" if name else "Closed"


def _warning(visit: Visit, calendar: DoctorCalendar, closures: dict) -> str:
    """Why a live visit needs a call: it sits in time off or on a closed day."""
    if visit.status not in LIVE_STATUSES:
        return ""
    if visit.start.date() in closures:
        return closed_label(closures[visit.start.date()])
    if _overlaps(visit.start, visit.end, calendar.time_off):
        return "Time off"
    return ""


def _row_range(columns, calendars, visits, step: int) -> tuple[int, int]:
    """First and last minute shown: everyone's hours and visits, on the step grid."""
    lo, hi = [], []
    for day, doctor in columns:
        for opens, closes in calendars[doctor["id"]].hours.get(day.weekday(), []):
            lo.append(opens.hour * 60 + opens.minute)
            hi.append(closes.hour * 60 + closes.minute or 24 * 60)
        for visit in visits.get((day, doctor["id"]), []):
            lo.append(_minutes(visit.start, day))
            hi.append(_minutes(visit.end, day))
    first, last = (min(lo), max(hi)) if lo else DEFAULT_HOURS
    first = max(0, first) // step * step
    last = min(24 * 60, -(-max(last, first + step) // step) * step)
    return first, last


def _blocks(
    day: dt.date,
    calendar: DoctorCalendar,
    visits: list[Visit],
    free: list[dt.datetime],
    closures: dict[dt.date, str],
    rows: range,
    step: int,
    policy: Policy,
    current: Visit | None = None,
) -> list[Block]:
    """Cover every row of one (day, doctor) column exactly once.

    current: the visit being moved, drawn where it is now (not as a visit).
    """
    first, count = rows.start, len(rows)
    kinds: list[tuple[str, str] | None] = [None] * count
    blocks: list[Block] = []
    # Visits first: overlapping ones share one block.
    for visit in [current, *visits] if current else visits:
        top = max(0, (_minutes(visit.start, day) - first) // step)
        bottom = min(count, -(-(_minutes(visit.end, day) - first) // step))
        bottom = max(bottom, top + 1)
        if top >= count:
            continue
        entry = (visit, _warning(visit, calendar, closures))
        if visit is current:
            blocks.append(Block(top, bottom - top, "current", "Now here"))
            continue
        last = blocks[-1] if blocks and blocks[-1].kind == "visit" else None
        if last is not None and top < last.row + last.span:
            last.span = max(last.span, bottom - last.row)
            last.visits.append(entry)
        else:
            blocks.append(Block(top, bottom - top, "visit", visits=[entry]))
    for block in blocks:
        for row in range(block.row, block.row + block.span):
            if kinds[row] is not None:  # a visit over the moving one's time
                block.span = row - block.row
                break
            kinds[row] = ("visit", "")
    blocks = [block for block in blocks if block.span > 0]
    free_rows = {}
    for start in free:
        row = (_minutes(start, day) - first) // step
        if 0 <= row < count and kinds[row] is None and row not in free_rows:
            free_rows[row] = start
    hours = sorted(calendar.hours.get(day.weekday(), []))
    spans = [
        (o.hour * 60 + o.minute, c.hour * 60 + c.minute or 24 * 60) for o, c in hours
    ]
    for row in range(count):
        if kinds[row] is not None:
            continue
        minute = first + row * step
        if day in closures:
            kinds[row] = ("closure", closed_label(closures[day]))
            continue
        lo, hi = _wall(day, minute, policy), _wall(day, minute + step, policy)
        if _overlaps(lo, hi, calendar.time_off):
            kinds[row] = ("off", "Time off")
        elif row in free_rows:
            blocks.append(Block(row, 1, "free", start=free_rows[row]))
            kinds[row] = ("free", "")
        elif any(o <= minute < c for o, c in spans):
            kinds[row] = ("open", "")
        elif spans and spans[0][0] <= minute < spans[-1][1]:
            kinds[row] = ("break", "Break")
        else:
            kinds[row] = ("closed", "" if spans else "Not working")
    # Runs of the same plain kind become one tall block.
    row = 0
    while row < count:
        kind, label = kinds[row]
        if kind in ("visit", "free"):
            row += 1
            continue
        end = row + 1
        while end < count and kinds[end] == (kind, label):
            end += 1
        blocks.append(Block(row, end - row, kind, label))
        row = end
    return sorted(blocks, key=lambda b: b.row)


def _one_day(calendar: DoctorCalendar, day: dt.date, policy: Policy) -> DoctorCalendar:
    """The calendar with only the busy times near day: slot checks scan less."""
    lo, hi = utc_bounds(day, day, policy)
    lo -= MAX_VISIT
    return replace(
        calendar, busy=[(s, e) for s, e in calendar.busy if s < hi and e > lo]
    )


def _without(calendar: DoctorCalendar, moving: Moving | None) -> DoctorCalendar:
    """The calendar as if the moving visit were not there (once, by its times)."""
    if moving is None or calendar.doctor_id != moving.doctor_id:
        return calendar
    busy = list(calendar.busy)
    if (moving.start, moving.end) in busy:
        busy.remove((moving.start, moving.end))
    return replace(calendar, busy=busy)


def time_grid(
    columns: list[tuple[dt.date, dict]],
    policy: Policy,
    now: dt.datetime,
    moving: Moving | None = None,
) -> dict:
    """Rows and blocks for each (day, doctor) column, in a few flat queries.

    With moving, free times are for that visit's length and ignore its own
    time; the visit itself is left out of the blocks (the page names it).
    """
    step = max(1, int(policy.slot.total_seconds() // 60))
    if not columns:
        return {
            "rows": [],
            "columns": [],
            "table": [],
            "cancelled": [],
            "current": None,
        }
    days = sorted({day for day, _ in columns})
    ids = sorted({doctor["id"] for _, doctor in columns})
    first, last = days[0], days[-1]
    lo, hi = utc_bounds(first, last, policy)
    calendars = {c.doctor_id: c for c in load_calendars(ids, first, last, policy)}
    closures = closure_names(first, last)
    visits: dict[tuple[dt.date, int], list[Visit]] = {}
    cancelled, current = [], None
    for visit in visits_between(lo, hi, policy, ids):
        if moving is not None and visit.id == moving.id:
            current = visit
            continue
        if visit.status == "cancelled":
            cancelled.append(visit)
            continue
        visits.setdefault((visit.start.date(), visit.doctor_id), []).append(visit)
    top, bottom = _row_range(columns, calendars, visits, step)
    rows = range(top, bottom, step)
    length = moving.length if moving else None
    built = []
    for day, doctor in columns:
        calendar = _without(_one_day(calendars[doctor["id"]], day, policy), moving)
        free = [
            start.astimezone(policy.tz)
            for start in day_slots(day, calendar, set(closures), policy, now, length)
            if not (
                moving and doctor["id"] == moving.doctor_id and start == moving.start
            )
        ]
        column_visits = visits.get((day, doctor["id"]), [])
        here = (
            current
            if current
            and (day, doctor["id"]) == (current.start.date(), current.doctor_id)
            else None
        )
        blocks = _blocks(
            day, calendar, column_visits, free, closures, rows, step, policy, here
        )
        built.append(Column(day, doctor, blocks))
    return {
        "rows": [dt.time(m // 60, m % 60) for m in rows],
        "columns": built,
        "table": _table(built, len(rows)),
        "cancelled": cancelled,
        "current": current,
    }


def _table(columns: list[Column], count: int) -> list[list[tuple[int, Block]]]:
    """Per row, the (column index, block) cells that start there (rowspans)."""
    table: list[list[tuple[int, Block]]] = [[] for _ in range(count)]
    for index, column in enumerate(columns):
        for block in column.blocks:
            table[block.row].append((index, block))
    return table


def moving_visit(appointment_id: int) -> Moving | None:
    """The live visit to move, or None if it does not exist or is over."""
    row = (
        Appointment.select(
            Appointment.id,
            Appointment.doctor,
            Appointment.start,
            Appointment.end,
            Appointment.visit_type,
        )
        .where(
            Appointment.id == appointment_id,
            Appointment.status.in_(LIVE_STATUSES),
        )
        .tuples()
        .first()
    )
    if row is None:
        return None
    aid, doctor_id, start, end, visit_type_id = row
    return Moving(aid, doctor_id, from_db(start), from_db(end), visit_type_id)


def doctors_offering(visit_type_id: int) -> list[int]:
    """Active doctors who offer this kind of visit (a move may go to any of them)."""
    return active_doctor_ids(visit_type_id=visit_type_id)


def needs_follow_up(
    policy: Policy, now: dt.datetime, doctor_ids: list[int] | None = None
) -> list[FollowUp]:
    """Live visits from now on that sit in their doctor's time off or a closure.

    For the calendar page and the Today board: someone should call these
    patients (or move the visits). Earliest first.
    """
    today = now.astimezone(policy.tz).date()
    last = today + dt.timedelta(days=policy.horizon_days)
    _, hi = utc_bounds(today, last, policy)
    closures = closure_names(today, last)
    off = TimeOff.select(TimeOff.doctor, TimeOff.start, TimeOff.end).where(
        TimeOff.end > to_db(now), TimeOff.start < to_db(hi)
    )
    if doctor_ids is not None:
        off = off.where(TimeOff.doctor.in_(doctor_ids))
    time_off: dict[int, list] = {}
    for doctor_id, start, end in off.tuples():
        time_off.setdefault(doctor_id, []).append((from_db(start), from_db(end)))
    if not closures and not time_off:
        return []  # the usual case: no query for the visits at all
    if not closures:  # only the doctors with time off need looking at
        doctor_ids = sorted(time_off)
    found = []
    for visit in visits_between(now, hi, policy, doctor_ids):
        if visit.status not in LIVE_STATUSES:
            continue
        if visit.start.date() in closures:
            found.append(FollowUp(visit, closed_label(closures[visit.start.date()])))
        elif _overlaps(visit.start, visit.end, time_off.get(visit.doctor_id, [])):
            found.append(FollowUp(visit, "Time off"))
    return found
