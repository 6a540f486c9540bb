"""The data each state keeps in its conversation row, and whether stored data fits.

A conversation's data is JSON written by an earlier turn, perhaps by an older
version of the code or by another component. step() checks it against its
state's shape before a handler runs, so handlers can trust what they read:
data that does not fit is unreadable (the patient starts again), and an
error inside a handler is a bug, not bad data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from core.dialog import states as S

Check = Callable[[object], bool]


def _id(value: object) -> bool:
    return type(value) is int and value > 0


def _optional(check: Check) -> Check:
    return lambda value: value is None or check(value)


def _iso(parse: Callable[[str], object]) -> Check:
    def check(value: object) -> bool:
        try:
            parse(value)
        except (TypeError, ValueError):
            return False
        return True

    return check


_day = _iso(dt.date.fromisoformat)


def _slots(value: object) -> bool:
    """[[ISO start, doctor id], ...], as the times offered to a patient are stored."""
    if type(value) is not list:
        return False
    try:  # one try for the list: a turn may hold 20 offers
        for item in value:
            if not (
                type(item) is list
                and len(item) == 2
                and type(item[1]) is int
                and item[1] > 0
            ):
                return False
            dt.datetime.fromisoformat(item[0])
    except (TypeError, ValueError):
        return False
    return True


def _slot(value: object) -> bool:
    """One offered time, [ISO start, doctor id]."""
    return _slots([value])


def _count(value: object) -> bool:
    return type(value) is int and value >= 0


def _clock(value: object) -> bool:
    return type(value) is str and _iso(dt.time.fromisoformat)(value)


def _part(value: object) -> bool:
    return value in ("morning", "afternoon", "evening")


# key -> check; a key marked required must be present.
_CHOSEN = {
    "dept": _optional(_id),  # department
    "doc": _optional(_id),  # doctor
    "vt": _optional(_id),  # visit type
    "move": _optional(_id),  # the visit being moved, when rescheduling
    # What the patient asked for before the times were searched (intents.py).
    "day": _optional(_day),  # the local day asked for
    "at": _optional(_clock),  # a time of day, "HH:MM"
    "after": _optional(_clock),  # times from this one on
    "before": _optional(_clock),  # times before this one
    "part": _optional(_part),  # morning, afternoon or evening
    "open": _optional(lambda value: type(value) is bool),  # day is a first day
}
_TIMES = _CHOSEN | {
    "min": _id,  # the visit type's minutes (required below)
    "offers": _slots,  # the times offered
    "shown": _count,  # index of the page of offers on screen
    "pick": _slot,  # the offer chosen
}
SHAPES: dict[str, dict[str, Check]] = {
    S.PICK_DEPARTMENT: _CHOSEN,
    S.PICK_DOCTOR: _CHOSEN,
    S.PICK_VISIT_TYPE: _CHOSEN,
    S.PICK_DAY: _TIMES,
    S.PICK_TIME: _TIMES,
    S.NO_TIMES: _TIMES,
    S.CONFIRM_BOOKING: _TIMES,
}
REQUIRED: dict[str, tuple[str, ...]] = {
    S.PICK_DAY: ("min",),
    S.PICK_TIME: ("min",),
    S.NO_TIMES: ("min",),
    S.CONFIRM_BOOKING: ("min", "pick"),
}
# The other states read their data defensively (an id that is not an int is
# a visit or offer that no longer exists), so any dict will do for them.


def readable(state: str, data: dict) -> bool:
    """Does the stored data fit what this state's handler reads?"""
    shape = SHAPES.get(state)
    if shape is None:
        return True
    if any(key not in data for key in REQUIRED.get(state, ())):
        return False
    return all(check(data[key]) for key, check in shape.items() if key in data)
