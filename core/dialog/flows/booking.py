"""Booking (and moving) a visit: who and what kind; flows/times.py does when.

Conversation data: dept, doc (ids or None), vt + min (visit type and its
minutes), move (the appointment being moved, if rescheduling).
"""

from __future__ import annotations

from core.dialog import states as S
from core.dialog import understand
from core.dialog.flows.common import to_menu
from core.dialog.flows.times import ask_day, doctor_ids
from core.dialog.outcome import Handler, Outcome, Turn
from core.dialog.say import labels, reply
from core.dialog.view import Visit

MAX_LISTED = 9  # doctors or departments listed as numbered options


def begin(turn: Turn) -> Outcome:
    """Start booking: ask for a department, or skip ahead when there is one."""
    departments = turn.view.departments()
    if not departments:
        return to_menu(turn, reply(turn, "no_doctors"))
    if len(departments) == 1:
        return _after_department(turn, {"dept": departments[0][0]})
    return _ask_department(turn, {})


def begin_move(turn: Turn, visit: Visit) -> Outcome:
    """Start moving a visit: same doctor and kind of visit, a new day."""
    data = {
        "move": visit.id,
        "doc": visit.doctor_id,
        "vt": visit.visit_type_id,
        "min": visit.minutes,
    }
    return ask_day(turn, data)


def _ask_department(turn: Turn, data: dict) -> Outcome:
    names = [name for _, name in turn.view.departments()[:MAX_LISTED]]
    choices = names + labels(turn, "any_doctor", "specific_doctor")
    return Outcome(S.PICK_DEPARTMENT, data, [reply(turn, "pick_department", choices)])


def _handle_department(turn: Turn) -> Outcome | None:
    departments = turn.view.departments()[:MAX_LISTED]
    choices = [name for _, name in departments]
    choices += labels(turn, "any_doctor", "specific_doctor")
    index = understand.pick(turn.words, choices)
    if index is None:
        return None
    if index < len(departments):
        return _after_department(turn, {"dept": departments[index][0]})
    if index == len(departments):
        return _after_doctor(turn, {})
    return _ask_doctor(turn, {})


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
    if index is None:
        return None
    if index < len(doctors):
        return _after_doctor(turn, turn.data | {"doc": doctors[index][0]})
    return _after_doctor(turn, turn.data)


def _after_doctor(turn: Turn, data: dict) -> Outcome:
    """Ask the kind of visit only when the choice offers more than one."""
    kinds = turn.view.visit_types(doctor_ids(turn, data))
    if not kinds:
        return to_menu(turn, reply(turn, "no_doctors"))
    if len(kinds) == 1:
        return ask_day(turn, data | {"vt": kinds[0][0], "min": kinds[0][2]})
    return _ask_visit_type(turn, data)


def _ask_visit_type(turn: Turn, data: dict) -> Outcome:
    kinds = turn.view.visit_types(doctor_ids(turn, data))
    choices = [name for _, name, _ in kinds]
    return Outcome(S.PICK_VISIT_TYPE, data, [reply(turn, "pick_visit_type", choices)])


def _handle_visit_type(turn: Turn) -> Outcome | None:
    kinds = turn.view.visit_types(doctor_ids(turn, turn.data))
    index = understand.pick(turn.words, [name for _, name, _ in kinds])
    if index is None:
        return None
    vt, _, minutes = kinds[index]
    return ask_day(turn, turn.data | {"vt": vt, "min": minutes})


HANDLERS = {
    S.PICK_DEPARTMENT: Handler(
        lambda t: _ask_department(t, t.data), _handle_department, "number"
    ),
    S.PICK_DOCTOR: Handler(lambda t: _ask_doctor(t, t.data), _handle_doctor, "number"),
    S.PICK_VISIT_TYPE: Handler(
        lambda t: _ask_visit_type(t, t.data), _handle_visit_type, "number"
    ),
}
