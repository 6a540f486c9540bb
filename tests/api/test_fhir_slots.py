"""FHIR Slots: free exactly when ClinicBot would book, busy when taken.

The clinic (tests/console/conftest): Dr. Own and Dr. Other, Mon-Fri 09-17
UTC, 30-minute consultations; now is Mon 2026-11-23 08:00 UTC.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from core.audit import Actor
from core.clinic import booking
from core.clock import UTC
from core.errors import SlotTaken
from core.models import Appointment, VisitType
from core.policy import load_policy, save_policy
from core.staff.hours import add_closure, add_time_off
from core.staff.policy_edit import update_facts
from core.storage.db import db
from tests.api.conftest import book_visit
from tests.api.test_fhir_resources import fhir_get, ids
from tests.factories import make_doctor, make_policy

TUESDAY = "2026-11-24"


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def schedule_of(doctor, minutes: int = 30) -> str:
    kind = VisitType.get(VisitType.minutes == minutes)
    return f"{doctor.id}-{kind.id}"


async def day_slots(client, schedule: str, day: str = TUESDAY, more: str = "") -> list:
    next_day = (dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()
    bundle = await fhir_get(
        client,
        f"/fhir/r4/Slot?schedule=Schedule/{schedule}&start=ge{day}"
        f"&start=lt{next_day}{more}",
    )
    assert bundle["total"] == len(bundle["entry"])
    return [entry["resource"] for entry in bundle["entry"]]


def starts(slots: list[dict], status: str | None = None) -> list[str]:
    return [s["start"][11:16] for s in slots if status in (None, s["status"])]


def book(clinic, start: dt.datetime, doctor=None, visit_type_id=None):
    return booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=(doctor or clinic["doctor"]).id,
        start=start,
        policy=load_policy(),
        now=at(23, 8),
        actor=Actor("staff", clinic["users"]["staff"].id),
        visit_type_id=visit_type_id,
    )


async def test_a_free_slot_is_bookable_and_then_busy(api_client, clinic):
    schedule = schedule_of(clinic["doctor"])
    slots = await day_slots(api_client, schedule)
    assert starts(slots, "free") == [
        f"{h:02d}:{m:02d}" for h in range(9, 17) for m in (0, 30)
    ]
    chosen = slots[3]
    start = dt.datetime.fromisoformat(chosen["start"])
    visit = book(clinic, start)
    assert Appointment.get_by_id(visit.id).status == "scheduled"
    now_busy = await fhir_get(api_client, f"/fhir/r4/Slot/{chosen['id']}")
    assert now_busy["status"] == "busy" and "extension" not in now_busy
    after = await day_slots(api_client, schedule)
    assert [s["id"] for s in after] == [s["id"] for s in slots]  # same grid
    assert [s["id"] for s in after if s["status"] == "busy"] == [chosen["id"]]
    busy = await day_slots(api_client, schedule, more="&status=busy")
    assert [s["id"] for s in busy] == [chosen["id"]]
    # The other doctor's schedule is not touched by it.
    other = await day_slots(api_client, schedule_of(clinic["other"]))
    assert {s["status"] for s in other} == {"free"}


async def test_every_free_slot_is_one_booking_accepts(api_client, clinic):
    """With notice, a buffer and a 60-minute visit: each free slot books."""
    make_policy(min_notice_minutes=90, buffer_minutes=10)
    checkup = VisitType.create(name="Checkup", minutes=60)
    doctor = make_doctor(name="Dr. Long", visit_types=[checkup])
    book(clinic, at(23, 13), doctor, checkup.id)
    slots = await day_slots(api_client, f"{doctor.id}-{checkup.id}", "2026-11-23")
    # 09:00 is within the notice; 12:30-13:30 overlap the visit (with the buffer).
    assert starts(slots, "free") == [
        "09:30", "10:00", "10:30", "11:00", "11:30",
        "14:30", "15:00", "15:30", "16:00",
    ]  # fmt: skip
    assert starts(slots, "busy") == ["12:00", "12:30", "13:00", "13:30", "14:00"]
    for free in (s for s in slots if s["status"] == "free"):
        with db.atomic() as attempt:  # book it, then undo: the next one is alone too
            book(clinic, dt.datetime.fromisoformat(free["start"]), doctor, checkup.id)
            attempt.rollback()
    try:
        book(clinic, at(23, 13), doctor, checkup.id)
    except SlotTaken:
        pass
    else:
        raise AssertionError("the visit's own time was bookable twice")
    await fhir_get(
        api_client, f"/fhir/r4/Slot/{doctor.id}-{checkup.id}-202611230900", 404
    )


async def test_time_off_and_closures_remove_slots(api_client, clinic):
    schedule = schedule_of(clinic["doctor"])
    policy = load_policy()
    add_time_off(clinic["doctor"].id, at(24, 10), at(24, 12), "course", policy)
    tuesday = starts(await day_slots(api_client, schedule))
    assert "09:30" in tuesday and "12:00" in tuesday
    assert not {"10:00", "10:30", "11:00", "11:30"} & set(tuesday)
    add_closure(dt.date(2026, 11, 25), "Holiday", policy)
    assert await day_slots(api_client, schedule, "2026-11-25") == []
    assert await day_slots(api_client, schedule_of(clinic["other"]), "2026-11-25") == []
    await fhir_get(api_client, f"/fhir/r4/Slot/{schedule}-202611250900", 404)
    assert len(await day_slots(api_client, schedule, "2026-11-26")) == 16


async def test_start_and_status_and_schedule_filter(api_client, clinic, now):
    own, other = schedule_of(clinic["doctor"]), schedule_of(clinic["other"])
    book_visit(clinic, now, at(24, 9))
    base = f"/fhir/r4/Slot?schedule={own}"

    async def found(query: str) -> list[str]:
        return starts(
            [e["resource"] for e in (await fhir_get(api_client, base + query))["entry"]]
        )

    assert await found("&start=ge2026-11-24T15:00:00Z&start=lt2026-11-24T16:30Z") == [
        "15:00", "15:30", "16:00",
    ]  # fmt: skip
    assert await found("&start=gt2026-11-24T15:00Z&start=le2026-11-24T16:30Z") == [
        "15:30", "16:00", "16:30",
    ]  # fmt: skip
    assert await found("&start=2026-11-24T16:30") == ["16:30"]  # clinic time (UTC)
    assert await found("&start=eb2026-11-23T10:00Z") == ["09:00", "09:30"]
    assert await found(f"&start={TUESDAY}&status=busy") == ["09:00"]
    assert len(await found(f"&start={TUESDAY}&status=free")) == 15
    assert len(await found(f"&start={TUESDAY}&status=free,busy")) == 16
    assert await found(f"&start={TUESDAY}&status=busy-tentative") == []
    # Other offsets: 11:00-05:00 is 16:00 UTC, and sa means strictly after.
    after = "&start=sa2026-11-24T11:00:00-05:00&start=lt2026-11-24T17:00Z"
    assert await found(after) == ["16:30"]
    both = await fhir_get(
        api_client,
        f"/fhir/r4/Slot?schedule=Schedule/{own},{other}&start={TUESDAY}T09:00",
    )
    assert [e["resource"]["schedule"]["reference"] for e in both["entry"]] == [
        f"Schedule/{own}",
        f"Schedule/{other}",
    ]
    everything = await fhir_get(api_client, f"/fhir/r4/Slot?start={TUESDAY}&_count=5")
    assert everything["total"] == 32 and len(everything["entry"]) == 5
    assert "next" in [link["relation"] for link in everything["link"]]
    page = await fhir_get(
        api_client, f"/fhir/r4/Slot?start={TUESDAY}&_count=5&_offset=30"
    )
    assert ids(page) == [f"{own}-202611241630", f"{other}-202611241630"]


async def test_garbage_search_parameters_are_400_and_change_nothing(api_client, clinic):
    schedule = schedule_of(clinic["doctor"])
    before = await day_slots(api_client, schedule)
    visits = Appointment.select().count()
    for query in [
        "start=tomorrow",
        "start=2026-13-45",
        "start=2026-02-30",
        "start=ge2026-11-24T25:00",
        "start=ap2026-11-24",
        "start=0001-01-01",
        "start=ge2026-11-24T09:00+99:00",
        "status=maybe",
        "schedule=Practitioner/1",
        "schedule=",
        "start=2026-11-24&colour=red",
        "_count=ten",
    ]:
        outcome = await fhir_get(api_client, f"/fhir/r4/Slot?{query}", 400)
        issue = outcome["issue"][0]
        assert issue["code"] == "invalid" and issue["diagnostics"], query
    assert Appointment.select().count() == visits
    assert await day_slots(api_client, schedule) == before


async def test_free_slots_carry_the_booking_link_and_phone(api_client, clinic):
    update_facts({"en": {"phone": "+1 555 0100"}})
    schedule = schedule_of(clinic["doctor"])
    slot = await fhir_get(api_client, f"/fhir/r4/Slot/{schedule}-202611241000")
    assert slot["status"] == "free"
    assert slot["start"] == "2026-11-24T10:00:00Z"
    assert slot["end"] == "2026-11-24T10:30:00Z"
    extensions = {e["url"].rsplit("/", 1)[-1]: e for e in slot["extension"]}
    # No SMS number configured: the link is ClinicBot's public page.
    assert extensions["booking-deep-link"]["valueUrl"].startswith("http://127.0.0.1:")
    assert extensions["booking-phone"]["valueString"] == "+1 555 0100"


async def test_slots_show_clinic_local_time(api_client, clinic):
    save_policy({"timezone": "America/Chicago"})
    schedule = schedule_of(clinic["doctor"])
    slots = await day_slots(api_client, schedule)
    assert slots[0]["start"] == "2026-11-24T09:00:00-06:00"
    assert slots[0]["id"] == f"{schedule}-202611241500"  # ids are UTC


async def test_an_open_search_pages_without_computing_every_day(api_client, clinic):
    everything = await fhir_get(api_client, "/fhir/r4/Slot?_count=1000")
    assert everything["total"] == len(everything["entry"]) > 40
    first = await fhir_get(api_client, "/fhir/r4/Slot?_count=20")
    assert "total" not in first  # it stopped after the day that filled the page
    (following,) = [link["url"] for link in first["link"] if link["relation"] == "next"]
    assert following.endswith("_count=20&_offset=20")
    url = urlsplit(following)
    second = await fhir_get(api_client, f"{url.path}?{url.query}")
    assert ids(first) + ids(second) == ids(everything)[:40]
