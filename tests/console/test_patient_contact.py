"""Staff set how a patient is reached; every message list names its channel.

Through the real app: the contact form on the patient page (email, preferred
channel, language), its errors beside the field with what was typed kept,
and the channel in words (with the fallback chain) on the patient page, the
visit page and the Messages log.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core import audit
from core.clinic import booking
from core.models import Appointment, Message, Patient
from core.policy import load_policy
from tests.factories import make_patient


def _contact(token: str, **overrides) -> dict:
    return {
        "csrf": token,
        "email": "",
        "preferred_channel": "",
        "language": "en",
        **overrides,
    }


def _row(patient_id: int) -> tuple:
    p = Patient.get_by_id(patient_id)
    return (p.email, p.preferred_channel, p.language, p.email_opt_out)


async def test_staff_sets_email_channel_and_language(client, login_as, clinic):
    token = await login_as("staff")
    patient = clinic["patient"]
    page = await (await client.get(f"/patients/{patient.id}")).text()
    assert f'action="/patients/{patient.id}/contact"' in page
    assert "Automatic (Telegram, WhatsApp, SMS, email)" in page
    assert ">English</option>" in page and ">Español</option>" in page
    response = await client.post(
        f"/patients/{patient.id}/contact",
        data=_contact(
            token,
            email=" Ana.Lopez@Example.ORG ",
            preferred_channel="email",
            language="es",
        ),  # fmt: skip
        allow_redirects=False,
    )
    assert response.status == 303  # POST-redirect-GET
    assert response.headers["Location"] == (
        f"/patients/{patient.id}?notice=contact_saved"
    )
    assert _row(patient.id) == ("Ana.Lopez@example.org", "email", "es", False)
    page = await (await client.get(response.headers["Location"])).text()
    assert "Contact details saved" in page
    assert "Ana.Lopez@example.org" in page
    assert "Email first" in page  # their choice leads the route
    assert "<dd>Español</dd>" in page
    assert '<option value="email" selected>Email</option>' in page
    # Back to automatic, and no email: the address is cleared.
    await client.post(
        f"/patients/{patient.id}/contact", data=_contact(token, language="es")
    )
    assert _row(patient.id) == (None, "", "es", False)


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"email": "ana at example"}, "email", "does not look like an email"),
        ({"email": "bo@example.org"}, "email", "already belongs to another patient"),
        ({"preferred_channel": "pigeon"}, "channel", "Choose one of the channels"),
        ({"language": "fr"}, "language", "Language must be en or es"),
    ],
)
async def test_a_bad_field_is_shown_beside_it_and_nothing_changes(
    client, login_as, clinic, fields, field, error
):
    """The page comes back (400), the message beside the field, the values kept."""
    make_patient(name="Bo Other", email="bo@example.org")
    token = await login_as("staff")
    patient = clinic["patient"]
    before = _row(patient.id)
    typed = {"email": "keep@example.org", "preferred_channel": "sms", **fields}
    response = await client.post(
        f"/patients/{patient.id}/contact", data=_contact(token, **typed)
    )
    page = await response.text()
    assert response.status == 400
    assert f'id="{field}-error" role="alert">' in page and error in page
    assert f'value="{typed["email"]}"' in page  # what was typed, to correct
    if field != "channel":
        assert '<option value="sms" selected>SMS</option>' in page
    assert _row(patient.id) == before


async def test_contact_form_needs_csrf_and_a_staff_role(client, login_as, clinic):
    patient = clinic["patient"]
    token = await login_as("staff")
    no_token = _contact(token, email="x@example.org")
    del no_token["csrf"]
    response = await client.post(f"/patients/{patient.id}/contact", data=no_token)
    assert response.status == 403
    client.session.cookie_jar.clear()
    token = await login_as("doctor")
    booking.book(  # the doctor's own patient: they may read the page, not edit it
        patient_id=patient.id,
        doctor_id=clinic["doctor"].id,
        start=dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC),
        policy=load_policy(),
        now=dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC),
        actor=audit.Actor("staff", clinic["users"]["staff"].id),
    )
    page = await (await client.get(f"/patients/{patient.id}")).text()
    assert "How we reach" in page and "/contact" not in page
    response = await client.post(
        f"/patients/{patient.id}/contact",
        data=_contact(token, email="x@example.org"),
    )
    assert response.status == 403
    assert _row(patient.id)[0] is None


async def test_a_form_missing_a_field_changes_nothing(client, login_as, clinic):
    token = await login_as("staff")
    patient = Patient.get_by_id(clinic["patient"].id)
    data = _contact(token, email="a@example.org")
    del data["preferred_channel"]
    response = await client.post(f"/patients/{patient.id}/contact", data=data)
    assert response.status == 400
    assert _row(patient.id)[0] is None
    gone = await client.post("/patients/99999/contact", data=_contact(token))
    assert gone.status == 404


async def test_patient_page_says_how_each_channel_stands(client, login_as, clinic, now):
    await login_as("staff")
    patient = make_patient(
        name="Cy Many", telegram_chat_id="4242", telegram_blocked=True,
        sms_opt_out=True, email="cy@example.org", email_opt_out=True,
        whatsapp_seen_at=(now - dt.timedelta(hours=1)).replace(tzinfo=None),
    )  # fmt: skip
    page = await (await client.get(f"/patients/{patient.id}")).text()
    assert "opted out (texted STOP)" in page
    assert "blocked the bot" in page
    assert "turned off (bounced or opted out)" in page
    assert "24-hour window open until 2026-11-24 07:00" in page
    assert "WhatsApp first" in page  # the only open way left
    assert "not set up at this clinic" in page  # no provider in the test app
    closed = make_patient(
        name="Di Late",
        whatsapp_seen_at=(now - dt.timedelta(days=2)).replace(tzinfo=None),
    )
    page = await (await client.get(f"/patients/{closed.id}")).text()
    assert "24-hour window closed" in page and "Telegram" in page
    assert "WhatsApp first, then SMS" in page


async def test_every_message_list_shows_channel_and_fallback(
    client, login_as, clinic, now
):
    await login_as("staff")
    patient = clinic["patient"]
    visit = booking.book(
        patient_id=patient.id,
        doctor_id=clinic["doctor"].id,
        start=(now + dt.timedelta(days=1)).replace(hour=10),
        policy=load_policy(),
        now=now,
        actor=audit.Actor("staff", clinic["users"]["staff"].id),
    )
    common = {"direction": "out", "patient": patient.id, "kind": "reminder",
              "appointment": visit.id}  # fmt: skip
    first = Message.create(
        channel="whatsapp", address=f"whatsapp:{patient.phone}", body="Reminder A",
        status="failed", error_code="63016", **common,
    )  # fmt: skip
    retry = Message.create(
        channel="email", address="ana@example.org", body="Reminder A",
        status="sent", fallback_of=first.id, **common,
    )  # fmt: skip
    Message.create(
        direction="in", channel="sms", address=patient.phone, patient=patient.id,
        kind="inbound", body="ok", status="received",
    )  # fmt: skip
    note = f'retry of <a href="/messages?before={first.id + 1}#m{first.id}">'
    log = await (await client.get("/messages")).text()
    assert "<td>WhatsApp" in log and "<td>Email" in log and "<td>SMS" in log
    assert note in log and f"#{first.id}</a> on another channel" in log
    only = await (await client.get("/messages?channel=whatsapp")).text()
    assert "<td>WhatsApp" in only and "<td>Email" not in only
    assert '<option value="whatsapp" selected>WhatsApp</option>' in only
    assert (await client.get("/messages?channel=email")).status == 200
    page = await (await client.get(f"/patients/{patient.id}")).text()
    assert f"#{retry.id} · " in page and " · Email · reminder" in page
    assert f'retry of <a href="#m{first.id}">#{first.id}</a> on another' in page
    assert " · WhatsApp · reminder" in page and " · SMS</small>" in page
    visit_page = await (await client.get(f"/appointments/{visit.id}")).text()
    said = ("to the patient, WhatsApp", "to the patient, Email")
    assert all(words in visit_page for words in said)
    assert f'retry of <a href="#m{first.id}">#{first.id}</a>' in visit_page


async def test_search_finds_patients_by_email(client, login_as, clinic):
    await login_as("staff")
    found = make_patient(name="Eve Mail", email="eve.mail@Example.org")
    make_patient(name="Not Her", email="someone@else.org")
    page = await (await client.get("/patients?q=EVE.MAIL@example")).text()
    assert f"/patients/{found.id}" in page and "eve.mail@Example.org" in page
    assert "Not Her" not in page


async def test_registering_a_new_patient_takes_an_optional_email(
    client, login_as, clinic, now
):
    token = await login_as("staff")
    start = (now + dt.timedelta(days=1)).replace(hour=10).isoformat()
    form = {"csrf": token, "doctor": clinic["doctor"].id, "start": start,
            "name": "Flo New", "phone": "+15550009999"}  # fmt: skip
    query = {"doctor": clinic["doctor"].id, "start": start}
    page = await (await client.get("/appointments/new", params=query)).text()
    assert 'name="email"' in page
    bad = await client.post("/appointments", data={**form, "email": "nope"})
    assert bad.status == 400 and "email" in await bad.text()
    assert not Patient.select().where(Patient.name == "Flo New").exists()
    good = await client.post(
        "/appointments", data={**form, "email": "flo@example.org"},
        allow_redirects=False,
    )  # fmt: skip
    assert good.status == 303
    flo = Patient.get(Patient.name == "Flo New")
    assert flo.email == "flo@example.org"
    assert Appointment.get(Appointment.patient == flo.id).status == "scheduled"
    plain = await client.post(
        "/appointments",
        data={
            **form,
            "name": "Gus New",
            "phone": "+15550008888",
            "email": "",
            "start": start.replace("T10:", "T11:"),
        },  # fmt: skip
        allow_redirects=False,
    )
    assert plain.status == 303
    assert Patient.get(Patient.name == "Gus New").email is None
