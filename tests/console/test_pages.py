"""The other console pages, driven through HTTP against the real database."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from core.models import (
    ClinicPolicy,
    Conversation,
    Message,
    Patient,
    StaffUser,
    TimeOff,
    WaitlistEntry,
    WorkingHours,
)


async def test_edit_hours_valid_and_invalid(client, login_as, clinic):
    token = await login_as("staff")
    doctor = clinic["doctor"]
    hours = {f"day{d}": "" for d in range(7)}
    bad = await client.post(
        f"/doctors/{doctor.id}/hours",
        data={"csrf": token, **hours, "day0": "09:00-13:00, 12:00-17:00"},
    )
    assert bad.status == 400 and "Monday" in await bad.text()
    assert WorkingHours.select().where(WorkingHours.doctor == doctor.id).count() == 5
    good = await client.post(
        f"/doctors/{doctor.id}/hours",
        data={
            "csrf": token,
            **hours,
            "day0": "09:00-12:00, 13:00-17:00",
            "day5": "10:00-12:00",
        },
    )
    assert good.status == 200
    rows = WorkingHours.select().where(WorkingHours.doctor == doctor.id)
    assert sorted((r.weekday, r.start.hour, r.end.hour) for r in rows) == [
        (0, 9, 12),
        (0, 13, 17),
        (5, 10, 12),
    ]
    page = await (await client.get(f"/doctors/{doctor.id}")).text()
    assert "09:00-12:00, 13:00-17:00" in page


async def test_time_off_in_clinic_time_and_doctor_create(client, login_as, clinic):
    token = await login_as("staff")
    doctor = clinic["doctor"]
    response = await client.post(
        f"/doctors/{doctor.id}/time-off",
        data={"csrf": token, "start": "2026-12-01T09:00", "end": "2026-12-01T12:00"},
    )
    assert response.status == 200
    off = TimeOff.get(TimeOff.doctor == doctor.id)
    assert off.start == dt.datetime(2026, 12, 1, 9)  # the test clinic runs on UTC
    created = await client.post(
        "/doctors",
        data={"csrf": token, "name": "Dr. New", "department": doctor.department_id},
        allow_redirects=False,
    )
    assert created.status == 303
    assert "Dr. New" in await (await client.get("/doctors")).text()


async def test_patient_search_transcript_and_reply(client, login_as, clinic, now):
    token = await login_as("staff")
    patient = clinic["patient"]
    Message.create(
        direction="in", channel="sms", address=patient.phone, patient=patient.id,
        kind="inbound", body="Can I come earlier?", status="received",
    )  # fmt: skip
    found = await (await client.get("/patients?q=lopez")).text()
    assert f"/patients/{patient.id}" in found
    by_phone = await (await client.get(f"/patients?q={patient.phone[-7:]}")).text()
    assert f"/patients/{patient.id}" in by_phone
    page = await (await client.get(f"/patients/{patient.id}")).text()
    assert "Can I come earlier?" in page
    response = await client.post(
        f"/patients/{patient.id}/reply",
        data={"csrf": token, "body": "Yes, 9:30 works."},
    )
    assert response.status == 200 and "Reply queued" in await response.text()
    out = Message.get(Message.direction == "out")
    assert (out.channel, out.address, out.kind, out.status) == (
        "sms",
        patient.phone,
        "staff",
        "queued",
    )
    Patient.update(sms_opt_out=True).where(Patient.id == patient.id).execute()
    await client.post(
        f"/patients/{patient.id}/reply", data={"csrf": token, "body": "Hi"}
    )
    assert Message.select().where(Message.status == "not_sent").count() == 1


async def test_inbox_lists_flagged_and_resolves(client, login_as, clinic):
    token = await login_as("staff")
    conversation = Conversation.create(
        channel="sms",
        address=clinic["patient"].phone,
        patient=clinic["patient"].id,
        flagged=True,
        flag_reason="Did not understand twice",
        misunderstood=2,
    )
    page = await (await client.get("/inbox")).text()
    assert "Did not understand twice" in page and "Ana Lopez" in page
    await client.post(f"/inbox/{conversation.id}/resolve", data={"csrf": token})
    assert Conversation.get_by_id(conversation.id).flagged is False
    assert "Nothing flagged" in await (await client.get("/inbox")).text()


async def test_settings_validate_everything_or_change_nothing(client, login_as):
    token = await login_as("admin")
    page = await (await client.get("/settings")).text()
    form = {"csrf": token, "clinic_name": "Sunny Clinic", "timezone": "Europe/Madrid",
            "date_order": "DMY", "default_language": "es", "slot_minutes": "20",
            "buffer_minutes": "5", "min_notice_minutes": "120", "horizon_days": "30",
            "confirm_deadline_minutes": "30", "no_show_grace_minutes": "10",
            "idle_timeout_minutes": "20", "reminder_leads": "180, 1440",
            "quiet_start": "22:00", "quiet_end": "07:30"}  # fmt: skip
    assert "Save settings" in page
    bad = await client.post("/settings", data={**form, "timezone": "Mars/Olympus"})
    assert bad.status == 400 and "time zone" in await bad.text()
    assert ClinicPolicy.get_by_id(1).clinic_name != "Sunny Clinic"
    good = await client.post("/settings", data=form)
    assert good.status == 200
    row = ClinicPolicy.get_by_id(1)
    assert (row.clinic_name, row.timezone, row.slot_minutes, row.reminder_leads) == (
        "Sunny Clinic",
        "Europe/Madrid",
        20,
        "1440,180",
    )
    assert row.auto_cancel_unconfirmed is False  # unchecked box


async def test_admin_creates_and_resets_staff(client, login_as, clinic, clock):
    token = await login_as("admin")
    created = await client.post(
        "/staff",
        data={"csrf": token, "email": "new@clinic.test", "role": "staff",
              "password": "long enough pw"},
    )  # fmt: skip
    assert created.status == 200
    user = StaffUser.get(StaffUser.email == "new@clinic.test")
    short = await client.post(
        f"/staff/{user.id}/password",
        data={"csrf": token, "new": "short", "confirm": "short"},
    )
    assert short.status == 400
    before = user.password_changed_at
    assert before == clock.now.replace(tzinfo=None)  # the console's clock
    clock.advance(minutes=1)
    await client.post(
        f"/staff/{user.id}/password",
        data={"csrf": token, "new": "another long one", "confirm": "another long one"},
    )
    assert StaffUser.get_by_id(user.id).password_changed_at > before
    admin = clinic["users"]["admin"]
    self_demote = await client.post(
        f"/staff/{admin.id}", data={"csrf": token, "role": "staff", "active": "on"}
    )
    assert self_demote.status == 400
    assert StaffUser.get_by_id(admin.id).role == "admin"


async def test_waitlist_and_messages_log(client, login_as, clinic):
    token = await login_as("staff")
    entry = WaitlistEntry.create(
        patient=clinic["patient"].id,
        doctor=clinic["doctor"].id,
        from_day=dt.date(2026, 11, 24),
        to_day=dt.date(2026, 11, 30),
    )
    assert "Ana Lopez" in await (await client.get("/waitlist")).text()
    await client.post(f"/waitlist/{entry.id}/remove", data={"csrf": token})
    assert WaitlistEntry.get_by_id(entry.id).status == "expired"
    assert (await client.get("/waitlist?status=bogus")).status == 400
    Message.create(
        direction="out",
        channel="sms",
        address="+15550001111",
        status="failed",
        error_code="30003",
        error_text="Unreachable",
    )
    page = await (await client.get("/messages?status=failed")).text()
    assert "30003" in page and "Unreachable" in page
    assert (await client.get("/messages?channel=pigeon")).status == 400


async def test_stats_page_has_svg_charts_and_csv_exports(client, login_as, clinic):
    await login_as("staff")
    page = await (await client.get("/stats?from=2026-11-01&to=2026-11-30")).text()
    assert page.count("No data in this range") == 3 and "Confirmation rate" in page
    assert "No messages in this range" in page
    Message.create(
        direction="out",
        channel="sms",
        address="+15550003333",
        status="delivered",
        created_at=dt.datetime(2026, 11, 20, 12),
    )
    page = await (await client.get("/stats?from=2026-11-01&to=2026-11-30")).text()
    assert "No messages in this range" not in page
    assert page.count("<title>2026-11-20: 1</title>") == 2  # sent and delivered bars
    backwards = await client.get("/stats?from=2026-12-01&to=2026-11-01")
    said = await backwards.text()
    assert backwards.status == 400 and 'id="range-error"' in said
    assert "The end date is before the start date." in said and "From" in said
    assert 'value="2026-12-01"' in said  # what was typed stays in the form
    assert (await client.get("/stats?from=yesterday")).status == 400
    response = await client.get(
        "/stats.csv?table=by_status&from=2026-11-01&to=2026-11-30"
    )
    assert response.headers["Content-Type"].startswith("text/csv")
    raw = await response.read()
    assert raw.startswith(b"\xef\xbb\xbf")  # so Excel reads accents as UTF-8
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["status", "visits"] and len(rows) == 6
    visits = await (await client.get("/stats.csv?table=visits")).read()
    assert visits.decode("utf-8-sig").startswith("id,start,end,doctor")
    assert (await client.get("/stats.csv?table=passwords")).status == 400


async def test_unknown_pages_and_crashes_render_friendly_errors(
    client, login_as, monkeypatch
):
    await login_as("staff")
    missing = await client.get("/appointments/99999")
    assert missing.status == 404 and "does not exist" in await missing.text()

    def explode(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("console.today.today_board", explode)
    crashed = await client.get("/")
    text = await crashed.text()
    assert crashed.status == 500 and "secret internals" not in text
    assert "Traceback" not in text and "Something went wrong" in text


async def test_today_board_shows_visits_unconfirmed_flagged_and_failed(
    client, login_as, clinic, now
):
    token = await login_as("staff")
    start = now.replace(hour=14)
    await client.post(
        "/appointments",
        data={"csrf": token, "doctor": clinic["doctor"].id,
              "patient": clinic["patient"].id, "start": start.isoformat()},
    )  # fmt: skip
    Conversation.create(
        channel="telegram", address="42", flagged=True, flag_reason="Asked for a human"
    )
    Message.create(
        direction="out", channel="sms", address="+15550002222",
        status="failed", error_code="21610",
    )  # fmt: skip
    board = await (await client.get("/today/board")).text()
    # Today's list and the unconfirmed list link her (the buttons name her too).
    assert board.count("Ana Lopez</a>") == 2
    assert "Asked for a human" in board
    assert "the patient replied STOP to our texts" in board  # Twilio's 21610
    await login_as("doctor")
    doctor_board = await (await client.get("/today/board")).text()
    assert "Ana Lopez" in doctor_board and "Asked for a human" not in doctor_board


SETTINGS_FORM = {
    "clinic_name": "Sunny Clinic", "timezone": "Europe/Madrid", "date_order": "DMY",
    "default_language": "es", "slot_minutes": "20", "buffer_minutes": "5",
    "min_notice_minutes": "120", "horizon_days": "30",
    "confirm_deadline_minutes": "30", "no_show_grace_minutes": "10",
    "idle_timeout_minutes": "20", "quiet_start": "22:00", "quiet_end": "07:30",
}  # fmt: skip


@pytest.mark.parametrize(
    "field,typed,said",
    [
        ("timezone", "Mars/Olympus", "is not a time zone"),
        ("reminder_leads", "24h, tomorrow", "is not a length of time"),
        ("slot_minutes", "500", "slot minutes must be between 5 and 240"),
    ],
)
async def test_a_bad_setting_is_shown_beside_its_field_with_the_typing_kept(
    client, login_as, field, typed, said
):
    token = await login_as("admin")
    form = {"csrf": token, "reminder_leads": "1 day", **SETTINGS_FORM, field: typed}
    refused = await client.post("/settings", data=form)
    page = await refused.text()
    assert refused.status == 400
    assert "Save settings" in page, "the form again, not an error page"
    assert f'id="error-{field}"' in page and said in page
    assert f'value="{typed}"' in page and 'value="Sunny Clinic"' in page
    assert ClinicPolicy.get_by_id(1).clinic_name != "Sunny Clinic"


async def test_reminders_are_typed_as_people_say_them(client, login_as):
    token = await login_as("admin")
    form = {"csrf": token, **SETTINGS_FORM, "reminder_leads": "24 h, 3 h"}
    assert (await client.post("/settings", data=form)).status == 200
    assert ClinicPolicy.get_by_id(1).reminder_leads == "1440,180"
    page = await (await client.get("/settings")).text()
    assert 'value="1 day, 3 hours"' in page
    assert '<option value="America/New_York">' in page  # the zone picker
    assert ">Spanish</option>" in page  # languages by name, not "es"
