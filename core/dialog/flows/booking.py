"""Booking (and moving) a visit: who and what kind; flows/times.py does when.

Conversation data: dept, doc (ids or None), vt + min (visit type and its
minutes), move (the appointment being moved, if rescheduling).
"""

from __future__ import annotations

from core.dialog import states as S
from core.dialog import understand
from core.dialog.flows.common import to_menu
from core.dialog.flows.times import (
    WISH_KEYS,
    ask_day,
    doctor_ids,
    has_wish,
    search,
    wish_data,
)
from core.dialog.intents import Reading
from core.dialog.outcome import Handler, Outcome, Turn
from core.dialog.say import labels, reply
from core.dialog.view import Visit

MAX_LISTED = 9  # doctors or departments listed as numbered options
# The kind of visit booked when a patient in a hurry names none ("dr liu
# monday at 9"): the clinic's ordinary visit, found by these words.
ORDINARY = ("consultation", "consult", "consulta", "regular", "standard", "general")


def _chosen(turn: Turn, reading: Reading | None) -> dict:
    """What the message already chose: doctor, department, kind, and when."""
    data = wish_data(reading) if reading else {}
    if reading is None:
        return data
    if reading.doctor_id:
        data["doc"] = reading.doctor_id
        doctor = turn.view.catalog().doctor(reading.doctor_id)
        if doctor is not None:
            data["dept"] = doctor.department_id
    elif reading.department_id:
        data["dept"] = reading.department_id
    if reading.visit_type_id:
        data["vt"] = reading.visit_type_id
    return data


def begin(turn: Turn, reading: Reading | None = None) -> Outcome:
    """Start booking, skipping every question the message already answered."""
    departments = turn.view.departments(turn.lang)
    if not departments:
        return to_menu(turn, reply(turn, "no_doctors"))
    data = _chosen(turn, reading)
    if data.get("doc"):
        return _after_doctor(turn, data)
    if data.get("dept"):
        if (reading and reading.any_doctor) or has_wish(data):
            return _after_doctor(turn, data)  # any doctor in that department
        return _after_department(turn, data)
    if reading is not None and reading.any_doctor:
        return _after_doctor(turn, data)
    if len(departments) == 1:
        return _after_department(turn, data | {"dept": departments[0][0]})
    return _ask_department(turn, data)


def begin_move(turn: Turn, visit: Visit, reading: Reading | None = None) -> Outcome:
    """Start moving a visit: same doctor and kind of visit; a new day, maybe said."""
    data = {
        "move": visit.id,
        "doc": visit.doctor_id,
        "vt": visit.visit_type_id,
        "min": visit.minutes,
    }
    wish = wish_data(reading) if reading else {}
    local = visit.start.astimezone(turn.policy.tz)
    if wish.get("at") == local.strftime("%H:%M"):
        wish.pop("at")  # "move my 10:00 visit": the visit's time, not the wish
    if wish.get("day") == local.date().isoformat() and not (
        wish.get("at") or wish.get("part")
    ):
        wish.pop("day")  # "move my friday visit": friday is the visit, not the wish
    if has_wish(wish):
        return search(turn, data | wish)
    return ask_day(turn, data)


def _ask_department(turn: Turn, data: dict) -> Outcome:
    names = [name for _, name in turn.view.departments(turn.lang)[:MAX_LISTED]]
    choices = names + labels(turn, "any_doctor", "specific_doctor")
    return Outcome(S.PICK_DEPARTMENT, data, [reply(turn, "pick_department", choices)])


def _kept(data: dict) -> dict:
    """What the who-questions carry along: the wishes, and a visit being moved."""
    return {k: v for k, v in data.items() if k in (*WISH_KEYS, "move")}


def _handle_department(turn: Turn) -> Outcome | None:
    departments = turn.view.departments(turn.lang)[:MAX_LISTED]
    choices = [name for _, name in departments]
    choices += labels(turn, "any_doctor", "specific_doctor")
    index = understand.pick(turn.words, choices)
    reading, kept = turn.reading, _kept(turn.data) | wish_data(turn.reading)
    if index is None:
        if reading.doctor_id or reading.department_id:
            return begin(turn, reading) if not kept else _merge_begin(turn, kept)
        if reading.any_doctor or (has_wish(kept) and not _kept(turn.data)):
            return _after_doctor(turn, kept)  # "wednesday morning": whoever is free
        return None
    if index < len(departments):
        return _after_department(turn, kept | {"dept": departments[index][0]})
    if index == len(departments):
        return _after_doctor(turn, kept)
    return _ask_doctor(turn, kept)


def _merge_begin(turn: Turn, kept: dict) -> Outcome:
    data = kept | _chosen(turn, turn.reading)
    if data.get("doc"):
        return _after_doctor(turn, data)
    if has_wish(data) or turn.reading.any_doctor:
        return _after_doctor(turn, data)
    return _after_department(turn, data)


def _after_department(turn: Turn, data: dict) -> Outcome:
    doctors = turn.view.doctors(data.get("dept"))
    if len(doctors) == 1:
        return _after_doctor(turn, data | {"doc": doctors[0][0]})
    return _ask_doctor(turn, data)


def _doctor_choices(turn: Turn, data: dict) -> tuple[list[tuple[int, str]], list[str]]:
    doctors = turn.view.doctors(data.get("dept"))[:MAX_LISTED]
    return doctors, [name for _, name in doctors] + labels(turn, "any_doctor")


def _ask_doctor(turn: Turn, data: dict) -> Outcome:
    doctors, choices = _doctor_choices(turn, data)
    if not doctors:
        return to_menu(turn, reply(turn, "no_doctors"))
    return Outcome(S.PICK_DOCTOR, data, [reply(turn, "pick_doctor", choices)])


def _handle_doctor(turn: Turn) -> Outcome | None:
    doctors, choices = _doctor_choices(turn, turn.data)
    index = understand.pick(turn.words, choices)
    data = turn.data | wish_data(turn.reading)
    if index is None:
        named = turn.reading.doctor_id
        if named and named in [d for d, _ in turn.view.doctors(None)]:
            doctor = turn.view.catalog().doctor(named)
            dept = doctor.department_id if doctor else data.get("dept")
            return _after_doctor(turn, data | {"doc": named, "dept": dept})
        if turn.reading.any_doctor or has_wish(wish_data(turn.reading)):
            return _after_doctor(turn, data)  # "wednesday morning": whoever is free
        return None
    if index < len(doctors):
        return _after_doctor(turn, data | {"doc": doctors[index][0]})
    return _after_doctor(turn, data)


def _ordinary(kinds: list[tuple[int, str, int]], turn: Turn) -> tuple[int, str, int]:
    """The visit a patient means when they name none: an ordinary consultation."""
    catalog = {v.id: v.name.casefold() for v in turn.view.catalog().visit_types}
    for kind in kinds:
        if any(word in catalog.get(kind[0], "") for word in ORDINARY):
            return kind
    return min(kinds, key=lambda kind: kind[2])


def _after_doctor(turn: Turn, data: dict) -> Outcome:
    """Ask the kind of visit only when the choice offers more than one."""
    kinds = turn.view.visit_types(doctor_ids(turn, data), turn.lang)
    if not kinds:
        return to_menu(turn, reply(turn, "no_doctors"))
    chosen = [kind for kind in kinds if kind[0] == data.get("vt")]
    if chosen:
        kind = chosen[0]
    elif len(kinds) == 1:
        kind = kinds[0]
    elif has_wish(data):
        kind = _ordinary(kinds, turn)  # said when but not what: the ordinary visit
    else:
        data.pop("vt", None)  # named, but not offered by this choice of doctor
        return _ask_visit_type(turn, data)
    return _when(turn, data | {"vt": kind[0], "min": kind[2]})


def _when(turn: Turn, data: dict) -> Outcome:
    """Offer times at once when the patient said when; otherwise ask the day."""
    return search(turn, data) if has_wish(data) else ask_day(turn, data)


def _ask_visit_type(turn: Turn, data: dict) -> Outcome:
    kinds = turn.view.visit_types(doctor_ids(turn, data), turn.lang)
    choices = [name for _, name, _ in kinds]
    return Outcome(S.PICK_VISIT_TYPE, data, [reply(turn, "pick_visit_type", choices)])


def _handle_visit_type(turn: Turn) -> Outcome | None:
    kinds = turn.view.visit_types(doctor_ids(turn, turn.data), turn.lang)
    index = understand.pick(turn.words, [name for _, name, _ in kinds])
    if index is None:
        named = turn.reading.visit_type_id
        index = next((i for i, kind in enumerate(kinds) if kind[0] == named), None)
    if index is None and has_wish(wish_data(turn.reading)):
        # "friday at 10" before saying what kind: kept, and the kind asked again.
        return _ask_visit_type(turn, turn.data | wish_data(turn.reading))
    if index is None:
        return None
    vt, _, minutes = kinds[index]
    return _when(turn, turn.data | wish_data(turn.reading) | {"vt": vt, "min": minutes})


def carry_on(turn: Turn) -> Outcome:
    """A booking request in the middle of booking: keep what was chosen, add the new."""
    data = {k: v for k, v in turn.data.items() if k in ("dept", "doc", "vt")}
    data |= _kept(turn.data) | _chosen(turn, turn.reading)
    if data.get("doc"):
        return _after_doctor(turn, data)
    return _merge_begin(turn, data)


HANDLERS = {
    S.PICK_DEPARTMENT: Handler(
        lambda t: _ask_department(t, t.data), _handle_department, "number"
    ),
    S.PICK_DOCTOR: Handler(lambda t: _ask_doctor(t, t.data), _handle_doctor, "number"),
    S.PICK_VISIT_TYPE: Handler(
        lambda t: _ask_visit_type(t, t.data), _handle_visit_type, "number"
    ),
}
