"""step() alone: no database, a fake View, effects returned rather than run."""

from __future__ import annotations

import datetime as dt

from core.dialog import understand
from core.dialog.catalog import Catalog, Named
from core.dialog.outcome import Book, Cancel, Confirm, PatientInfo, Turn
from core.dialog.step import step
from core.dialog.view import Visit
from core.policy import Policy

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
TEN = dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
VISIT = Visit(7, TEN, "scheduled", 1, "Dr. Hart", "GP", 1, "Consultation", 30)


class FakeView:
    """The clinic as step() sees it: one department, one doctor, free mornings."""

    def catalog(self):
        return Catalog(
            [Named(1, "Dr. Hart", {}, department_id=1)],
            [Named(1, "GP", {})],
            [Named(1, "Consultation", {}, minutes=30)],
        )

    def departments(self, lang="en"):
        return [(1, "GP")]

    def doctors(self, department_id=None):
        return [(1, "Dr. Hart")]

    def doctor_ids(self, department_id, doctor_id, visit_type_id):
        return [1]

    def visit_types(self, doctor_ids, lang="en"):
        return [(1, "Consultation", 30)]

    def names(self, doctor_id, visit_type_id, lang="en"):
        return "Dr. Hart", "GP", "Consultation"

    def department_name(self, department_id, lang="en"):
        return "GP"

    def free_on(self, doctor_ids, day, minutes):
        start = dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC)
        return [(start + dt.timedelta(minutes=30 * i), 1) for i in range(6)]

    def next_free(self, doctor_ids, from_day, minutes, count):
        return self.free_on(doctor_ids, from_day + dt.timedelta(days=1), minutes)

    def upcoming(self, patient_id, lang="en"):
        return [VISIT]

    def today(self, patient_id, lang="en"):
        return []

    def visit(self, appointment_id, patient_id, lang="en"):
        return VISIT if appointment_id == VISIT.id else None


def turn(state: str, text: str, data: dict | None = None, **kw) -> Turn:
    fields = {
        "state": state,
        "data": data or {},
        "lang": "en",
        "misunderstood": 0,
        "idle": False,
        "text": text,
        "words": understand.normalize(text),
        "keyword": None,
        "channel": "sms",
        "patient": PatientInfo(3, "Ana Lopez", True, False),
        "now": NOW,
        "policy": Policy(clinic_name="Riverside Clinic"),
        "view": FakeView(),
    }
    return Turn(**(fields | kw))


def test_menu_book_skips_the_only_department_doctor_and_kind():
    out = step(turn("menu", "1"))
    assert out.state == "pick_day" and out.effects == []
    assert out.data == {"dept": 1, "doc": 1, "vt": 1, "min": 30}


def test_time_pick_and_yes_return_a_book_effect_not_a_booking():
    offered = step(turn("pick_day", "tomorrow", {"doc": 1, "vt": 1, "min": 30}))
    assert offered.state == "pick_time"
    assert [label for label, _ in offered.replies[0].choices][:2] == ["09:00", "09:30"]
    summary = step(turn("pick_time", "3", offered.data))
    assert summary.state == "confirm_booking"
    done = step(turn("confirm_booking", "yes", summary.data))
    assert done.effects == [Book(1, TEN.isoformat(), 1)]
    assert done.state == "menu" and "Booked:" in done.replies[0].text


def test_reminder_answers_become_effects():
    data = {"appointment_id": 7}
    assert step(turn("reminder", "1", data)).effects == [Confirm(7)]
    check = step(turn("reminder", "2", data))
    assert check.state == "cancel_check" and check.effects == []
    assert step(turn("cancel_check", "yes", check.data)).effects == [Cancel(7)]


def test_second_miss_flags_for_staff():
    first = step(turn("menu", "purple"))
    assert not first.understood and first.flag is None and first.state == "menu"
    second = step(turn("menu", "purple", misunderstood=1))
    assert second.state == "handoff" and second.flag


def test_carrier_opt_out_is_silent_but_recorded():
    out = step(turn("pick_time", "STOP", {"offers": []}, keyword="opt_out"))
    assert out.replies == [] and out.patient == {"opted_out": True}
    assert out.state == "pick_time"


def test_a_greeting_at_the_menu_greets_back_rather_than_misunderstanding():
    out = step(turn("menu", "Hello!"))
    assert out.state == "menu" and out.understood
    assert out.replies[0].text.startswith("Hi Ana, welcome back")
    assert "did not get that" not in out.replies[0].text
