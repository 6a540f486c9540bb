"""Calendar feeds in core: the secret token's life, and the iCalendar a doctor gets.

Visits are booked, confirmed, cancelled and finished through
core.clinic.booking, as every channel does, and the feed is read back with
icalendar's own parser.
"""

from __future__ import annotations

import datetime as dt

import pytest
from icalendar import Calendar

from core import audit
from core.api import ical
from core.clinic import booking
from core.errors import InvalidInput, NotFound
from core.integrations import feeds
from core.models import CalendarFeed
from core.policy import load_policy
from tests.factories import make_patient

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def _book(people, patient_id, start, booked_at, doctor="doctor"):
    return booking.book(
        patient_id=patient_id,
        doctor_id=people[doctor].id,
        start=start,
        policy=load_policy(),
        now=booked_at,
        actor=audit.Actor("staff", people["users"]["staff"].id),
    )


@pytest.fixture
def visits(clinic, now):
    return book_visits(clinic, now)


def book_visits(clinic, now) -> dict[str, int]:
    """Dr. Own's visits in every status, plus visits the feed must leave out.

    now is Monday 2026-11-23 08:00 UTC; the clinic works 09-17 UTC.
    """
    staff = audit.Actor("staff", clinic["users"]["staff"].id)
    ana = clinic["patient"].id
    last_week = now - 7 * DAY
    tuesday = now + DAY + 2 * HOUR  # Tue 24th 10:00
    found = {
        "scheduled": _book(clinic, ana, tuesday, now),
        "confirmed": _book(clinic, ana, tuesday + HOUR, now),
        "cancelled": _book(clinic, ana, tuesday + 2 * HOUR, now),
        "completed": _book(clinic, ana, last_week + DAY + 2 * HOUR, last_week),
        "no_show": _book(clinic, ana, last_week + DAY + 3 * HOUR, last_week),
        # Cancelled long ago: calendar apps have long dropped it.
        "old_cancel": _book(clinic, ana, now + 3 * DAY + 6 * HOUR, now - 12 * DAY),
        # Before the window.
        "long_ago": _book(clinic, ana, now - 40 * DAY + 2 * HOUR, now - 41 * DAY),
        # Another doctor's patient, at the same time as Ana's first visit.
        "other": _book(
            clinic, make_patient(name="Bo Other").id, tuesday, now, doctor="other"
        ),
    }
    booking.confirm(found["confirmed"].id, staff, now)
    booking.cancel(found["cancelled"].id, staff, "", now + HOUR)
    booking.complete(found["completed"].id, staff, now)
    booking.mark_no_show(found["no_show"].id, staff, now)
    booking.cancel(found["old_cancel"].id, staff, "", now - 10 * DAY)
    return {name: visit.id for name, visit in found.items()}


def _events(body: bytes) -> dict[int, dict]:
    """{appointment id: the event's properties} from a feed, parsed by icalendar."""
    calendar = Calendar.from_ical(body)
    events = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        events[int(uid.removeprefix("appointment-").partition("@")[0])] = event
    return events


def _feed(clinic, now, show_names=False, **render):
    loaded = ical.load(clinic["doctor"].id, show_names, now + 2 * HOUR)
    return ical.render(loaded, **render)


def test_the_feed_holds_the_doctors_visits_with_type_and_status(clinic, visits, now):
    body = _feed(clinic, now, host="clinic.example")
    calendar = Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]).startswith("Dr. Own")
    assert str(calendar["X-WR-TIMEZONE"]) == "UTC"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT30M" in body
    assert b"X-PUBLISHED-TTL:PT30M" in body
    events = _events(body)
    wanted = ("scheduled", "confirmed", "cancelled", "completed", "no_show")
    assert set(events) == {visits[name] for name in wanted}
    status = {name: str(events[visits[name]]["STATUS"]) for name in wanted}
    assert status == {
        "scheduled": "TENTATIVE",
        "confirmed": "CONFIRMED",
        "cancelled": "CANCELLED",
        "completed": "CONFIRMED",
        "no_show": "CONFIRMED",
    }
    no_show = events[visits["no_show"]]
    assert no_show["CATEGORIES"].cats == ["No-show"]
    assert "No-show" in str(no_show["DESCRIPTION"])
    first = events[visits["scheduled"]]
    assert str(first["SUMMARY"]) == "Consultation"
    assert str(first["UID"]) == f"appointment-{visits['scheduled']}@clinic.example"
    start = first.decoded("DTSTART")
    assert start == dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC)
    assert first.decoded("DTEND") - start == dt.timedelta(minutes=30)
    assert first["DTSTART"].to_ical().endswith(b"Z")  # UTC, no floating times
    assert str(events[visits["cancelled"]]["TRANSP"]) == "TRANSPARENT"


def test_a_change_raises_sequence_and_last_modified(clinic, visits, now):
    before = _events(_feed(clinic, now))[visits["scheduled"]]
    staff = audit.Actor("staff", clinic["users"]["staff"].id)
    booking.confirm(visits["scheduled"], staff, now + 5 * dt.timedelta(minutes=1))
    after = _events(_feed(clinic, now))[visits["scheduled"]]
    assert after["SEQUENCE"] > before["SEQUENCE"]
    assert after.decoded("LAST-MODIFIED") > before.decoded("LAST-MODIFIED")
    assert str(after["STATUS"]) == "CONFIRMED"


def test_no_patient_name_or_phone_unless_names_are_on(clinic, visits, now):
    patient = clinic["patient"]
    hidden = _feed(clinic, now).decode()
    assert patient.name not in hidden and "Ana" not in hidden
    assert patient.phone not in hidden and patient.phone[-7:] not in hidden
    assert "Bo Other" not in hidden
    shown = _feed(clinic, now, show_names=True).decode()
    event = _events(shown.encode())[visits["confirmed"]]
    assert str(event["SUMMARY"]) == "Consultation: Ana Lopez"
    assert patient.phone[-7:] not in shown and "Bo Other" not in shown


def test_a_doctor_without_visits_gets_an_empty_calendar(clinic, now):
    body = _feed(clinic, now, base_url="https://clinic.example")
    assert Calendar.from_ical(body).walk("VEVENT") == []


def test_events_link_to_the_console_when_there_is_an_address(clinic, visits, now):
    events = _events(_feed(clinic, now, base_url="https://clinic.example"))
    link = str(events[visits["confirmed"]]["URL"])
    assert link == f"https://clinic.example/appointments/{visits['confirmed']}"


def test_a_feed_token_opens_its_doctors_feed_until_revoked(clinic, now):
    doctor = clinic["doctor"].id
    feed_id, token = feeds.create(doctor, False, now)
    assert token.startswith("cal_") and len(token) > 40
    stored = CalendarFeed.get_by_id(feed_id)
    assert token not in (stored.token_hash, str(stored.__data__))
    assert feeds.doctor_for(token) == (doctor, False)
    assert ical.for_token(token, now).doctor == "Dr. Own"
    feeds.set_show_names(feed_id, True)
    assert feeds.doctor_for(token) == (doctor, True)
    feeds.revoke(feed_id, now)
    feeds.revoke(feed_id, now + HOUR)  # harmless, and keeps the first moment
    assert feeds.doctor_for(token) is None
    assert ical.for_token(token, now) is None
    with pytest.raises(InvalidInput):
        feeds.set_show_names(feed_id, False)
    assert feeds.doctor_for(token) is None  # a revoked feed stays dead
    listed = feeds.listing(dt.UTC)
    assert listed[0]["revoked_at"] == now and listed[0]["doctor"] == "Dr. Own"


def test_unknown_tokens_open_nothing(clinic, now):
    feeds.create(clinic["doctor"].id, False, now)
    for token in ("", "cal_", "cal_unknown", "cbt_" + "x" * 43, "cal_" + "x" * 200):
        assert feeds.doctor_for(token) is None, token


def test_bad_ids_are_clear_errors_and_change_nothing(clinic, now):
    with pytest.raises(NotFound):
        feeds.create(999, False, now)
    with pytest.raises(NotFound):
        feeds.revoke(999, now)
    with pytest.raises(NotFound):
        feeds.set_show_names(999, True)
    assert CalendarFeed.select().count() == 0
