"""Stats figures computed from a small clinic whose answers we know by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from core import audit
from core.clinic import booking
from core.errors import InvalidInput
from core.models import Closure, Message
from core.policy import load_policy
from core.views.stats import available_minutes, check_range, clinic_stats
from tests.factories import make_doctor, make_patient, make_policy

STAFF = audit.Actor("staff", 1)


@pytest.fixture
def clinic(database, now):
    """Six visits on Tue 24 Nov, one per status, two completed; one auto-cancelled."""
    make_policy(min_notice_minutes=0)
    doctor = make_doctor(name="Dr. A")
    policy = load_policy()
    visits = []
    for hour in range(9, 15):
        start = dt.datetime(2026, 11, 24, hour, tzinfo=dt.UTC)
        visits.append(
            booking.book(
                patient_id=make_patient().id,
                doctor_id=doctor.id,
                start=start,
                policy=policy,
                now=now,
                actor=STAFF,
            ).id
        )
    later = dt.datetime(2026, 11, 24, 18, tzinfo=dt.UTC)
    booking.confirm(visits[0], STAFF, now)
    booking.complete(visits[0], STAFF, later)
    booking.complete(visits[1], STAFF, later)
    booking.mark_no_show(visits[2], STAFF, later)
    booking.confirm(visits[3], STAFF, now)
    booking.cancel(visits[4], audit.SYSTEM, "not confirmed", now)
    for status in ("delivered", "delivered", "failed", "queued"):
        Message.create(
            direction="out",
            channel="sms",
            address="+15550000000",
            status=status,
            created_at=dt.datetime(2026, 11, 23, 9),
        )
    return doctor


def test_figures(clinic):
    stats = clinic_stats(dt.date(2026, 11, 23), dt.date(2026, 11, 29), load_policy())
    assert stats.total == 6
    assert dict(stats.by_status) == {
        "completed": 2,
        "no_show": 1,
        "confirmed": 1,
        "cancelled": 1,
        "scheduled": 1,
    }
    assert stats.by_doctor["Dr. A"]["completed"] == 2
    assert sum(stats.by_department[next(iter(stats.by_department))].values()) == 6
    assert stats.needing_confirmation == 6 and stats.confirmed == 2
    assert stats.confirmation_rate == pytest.approx(2 / 6)
    assert stats.no_show_rate == pytest.approx(1 / 3)
    assert stats.auto_cancelled == 1
    assert stats.freed_slots == 1 and stats.refilled_slots == 0
    # Five 30-minute visits held time; Mon-Fri 9-17 is 5 x 480 minutes.
    assert stats.booked_minutes == 150 and stats.available_minutes == 2400
    assert stats.messages_per_day == [(dt.date(2026, 11, 23), 2, 2, 1)]


def test_range_outside_the_visits_is_empty(clinic):
    stats = clinic_stats(dt.date(2026, 12, 1), dt.date(2026, 12, 7), load_policy())
    assert stats.total == 0 and stats.confirmation_rate is None


def test_closures_reduce_available_time(clinic):
    Closure.create(day=dt.date(2026, 11, 24), name="Holiday")
    assert available_minutes(dt.date(2026, 11, 23), dt.date(2026, 11, 29)) == 4 * 480


def test_bad_ranges(database):
    with pytest.raises(InvalidInput, match="before"):
        check_range(dt.date(2026, 2, 1), dt.date(2026, 1, 1))
    with pytest.raises(InvalidInput, match="ten years"):
        check_range(dt.date(2000, 1, 1), dt.date(2026, 1, 1))


def test_messages_count_on_the_clinics_day_not_utcs(database):
    make_policy(timezone="America/New_York")
    evening = dt.datetime(2026, 11, 24, 2, 30)  # 21:30 on the 23rd in New York
    for created_at in (evening, dt.datetime(2026, 11, 24, 14, 0)):
        Message.create(
            direction="out",
            channel="sms",
            address="+15550000000",
            status="sent",
            created_at=created_at,
        )
    stats = clinic_stats(dt.date(2026, 11, 23), dt.date(2026, 11, 24), load_policy())
    assert stats.messages_per_day == [
        (dt.date(2026, 11, 23), 1, 0, 0),
        (dt.date(2026, 11, 24), 1, 0, 0),
    ]


def test_two_doctors_with_one_name_are_counted_apart(database, now):
    make_policy(min_notice_minutes=0)
    first, second = make_doctor(name="Dr. Kim"), make_doctor(name="Dr. Kim")
    patient = make_patient()
    for doctor in (first, second):
        booking.book(
            patient_id=patient.id, doctor_id=doctor.id,
            start=now + dt.timedelta(days=1, hours=2), policy=load_policy(),
            now=now, actor=STAFF,
        )  # fmt: skip
    day = (now + dt.timedelta(days=1)).date()
    stats = clinic_stats(day, day, load_policy())
    assert sorted(stats.by_doctor) == [
        f"Dr. Kim (#{first.id})",
        f"Dr. Kim (#{second.id})",
    ]


def test_today_board_keeps_two_doctors_with_one_name_apart(database, now):
    from core.views.schedule import today_board

    make_policy(min_notice_minutes=0)
    first, second = make_doctor(name="Dr. Lee"), make_doctor(name="Dr. Lee")
    patient = make_patient()
    for doctor in (first, second):
        booking.book(
            patient_id=patient.id, doctor_id=doctor.id,
            start=now + dt.timedelta(hours=2), policy=load_policy(), now=now,
            actor=STAFF,
        )  # fmt: skip
    board = today_board(load_policy(), now, None, staff_view=False)
    assert [label for label, _ in board["by_doctor"]] == [
        f"Dr. Lee (#{first.id})",
        f"Dr. Lee (#{second.id})",
    ]
