"""The shared inbox over HTTP: list and thread, unread count, assignment, saved
replies, and replies that reach the patient on their own channel."""

from __future__ import annotations

import dataclasses
import re
import uuid

import pytest

from bot.dispatcher import dispatch_due
from console.app import create_app
from console.keys import CLOCK, DIALOG, GATEWAY
from core.messaging.inbound import Inbound
from core.models import AuditLog, Conversation, Message, Patient, SavedReply
from core.settings import Settings
from tests.bot.fakes import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.console.conftest import login

ASK = "Can I bring my dog to the visit? I want to talk to a person"
NAV_COUNT = re.compile(r'<a href="/inbox"[^>]*>Inbox(?: \((\d+)\))?</a>')


async def patient_writes(client, channel: str, address: str, text: str) -> None:
    """A real inbound turn through the dialog, as a channel adapter runs it."""
    app = client.server.app
    inbound = Inbound(channel, address, text, provider_id=f"test-{uuid.uuid4().hex}")
    await app[GATEWAY].run_write(app[DIALOG], inbound, app[CLOCK]())


@pytest.fixture(autouse=True)
def consenting(clinic, now):
    """Ana said yes to texts before: her first words go straight to the dialog."""
    patient = clinic["patient"]
    Patient.update(consent_at=now.replace(tzinfo=None)).where(
        Patient.id == patient.id
    ).execute()


def nav_count(page: str) -> int:
    found = NAV_COUNT.search(page)
    assert found, "no Inbox link in the nav"
    return int(found.group(1) or 0)


def only_chat() -> Conversation:
    [chat] = Conversation.select().where(Conversation.flagged == True)  # noqa: E712
    return chat


def thread_items(page: str) -> list[tuple[str, str]]:
    """(side, body) of each message in the thread, in order."""
    return re.findall(
        r'<li class="msg (from-patient|from-clinic)".*?<p class="body">(.*?)</p>',
        page,
        re.S,
    )


async def test_list_shows_the_patients_words_and_the_thread(client, login_as, clinic):
    await login_as("staff")
    await patient_writes(client, "sms", clinic["patient"].phone, ASK)
    chat = only_chat()

    page = await (await client.get("/inbox")).text()
    assert "Ana Lopez" in page
    assert "Can I bring my dog to the visit?" in page  # what they wrote
    assert "patient asked for a person" in page  # why it is here
    assert "Unassigned" in page
    assert '<span class="badge new">New</span>' in page
    assert 'class="inbox-thread"' in page and "Pick a conversation" in page

    page = await (await client.get(f"/inbox?c={chat.id}")).text()
    items = thread_items(page)
    assert items[0] == ("from-patient", ASK)  # the patient on the left
    assert items[-1][0] == "from-clinic"  # the bot's answer on the right
    assert f'action="/inbox/{chat.id}/reply"' in page
    assert "Ana Lopez" in page and "list" in page  # the list is beside it


async def test_unread_count_rises_when_a_patient_writes_and_falls_when_opened(
    client, login_as, clinic
):
    await login_as("staff")
    assert nav_count(await (await client.get("/")).text()) == 0
    await patient_writes(client, "sms", clinic["patient"].phone, ASK)
    chat = only_chat()
    assert nav_count(await (await client.get("/")).text()) == 1

    opened = await (await client.get(f"/inbox?c={chat.id}")).text()
    assert nav_count(opened) == 0  # on the very page that opened it
    assert nav_count(await (await client.get("/patients")).text()) == 0

    client.server.app[CLOCK].advance(minutes=2)
    await patient_writes(client, "sms", clinic["patient"].phone, "Hello? Anyone?")
    assert nav_count(await (await client.get("/")).text()) == 1
    listed = await (await client.get("/inbox")).text()
    assert "Hello? Anyone?" in listed  # the latest words, in the list

    await client.get(f"/inbox?c={chat.id}")
    token = await _csrf(client)
    marked = await client.post(f"/inbox/{chat.id}/unread", data={"csrf": token})
    assert "Marked unread" in await marked.text()
    assert nav_count(await (await client.get("/")).text()) == 1


async def test_doctors_see_no_inbox_and_no_count(client, clinic):
    await patient_writes(client, "sms", clinic["patient"].phone, ASK)
    assert (await login(client, "doctor")).status == 303
    page = await (await client.get("/")).text()
    assert 'href="/inbox"' not in page


async def _csrf(client) -> str:
    page = await (await client.get("/password")).text()
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


async def test_assign_unassign_and_done_are_audited(client, login_as, clinic):
    token = await login_as("staff")
    staff_id = clinic["users"]["staff"].id
    await patient_writes(client, "sms", clinic["patient"].phone, ASK)
    chat = only_chat()

    page = await (
        await client.post(f"/inbox/{chat.id}/assign", data={"csrf": token})
    ).text()
    assert "Assigned to you" in page
    assert Conversation.get_by_id(chat.id).assigned_to == staff_id
    mine = await (await client.get("/inbox?show=mine")).text()
    assert "Can I bring my dog" in mine
    assert await login_as("admin")
    theirs = await (await client.get("/inbox")).text()
    assert "staff@clinic.test" in theirs  # the others see who has it
    assert (
        "Nothing assigned to you" in await (await client.get("/inbox?show=mine")).text()
    )

    token = await login_as("staff")
    await client.post(f"/inbox/{chat.id}/unassign", data={"csrf": token})
    assert Conversation.get_by_id(chat.id).assigned_to is None
    done = await client.post(f"/inbox/{chat.id}/resolve", data={"csrf": token})
    assert "Marked resolved" in await done.text()
    assert Conversation.get_by_id(chat.id).flagged is False
    assert "Nothing flagged" in await (await client.get("/inbox")).text()
    assert "Can I bring my dog" in await (await client.get("/inbox?show=all")).text()

    rows = AuditLog.select().where(AuditLog.action.startswith("inbox."))
    assert [(r.actor, r.action, r.patient_id) for r in rows.order_by(AuditLog.id)] == [
        (f"staff:{staff_id}", "inbox.assign", clinic["patient"].id),
        (f"staff:{staff_id}", "inbox.unassign", clinic["patient"].id),
        (f"staff:{staff_id}", "inbox.done", clinic["patient"].id),
    ]


async def test_saved_replies_are_edited_by_admins_only(client, login_as):
    token = await login_as("staff")
    form = {"csrf": token, "language": "en", "title": "Dogs", "body": "Sorry, no."}
    assert (await client.post("/inbox/replies", data=form)).status == 403
    assert (await client.get("/inbox/replies")).status == 403
    assert SavedReply.select().count() == 0

    token = await login_as("admin")
    form["csrf"] = token
    created = await client.post("/inbox/replies", data=form)
    assert "Saved reply saved" in await created.text()
    reply = SavedReply.get()
    assert (reply.language, reply.title, reply.body) == ("en", "Dogs", "Sorry, no.")

    again = await client.post("/inbox/replies", data=form)
    assert again.status == 400
    assert "already a saved reply called" in await again.text()
    bad = await client.post("/inbox/replies", data={**form, "language": "xx"})
    assert bad.status == 400 and "Language must be one of" in await bad.text()
    empty = await client.post("/inbox/replies", data={**form, "title": "T", "body": ""})
    assert empty.status == 400 and "The saved reply is empty" in await empty.text()
    assert SavedReply.select().count() == 1

    spanish = {**form, "language": "es", "title": "Perros", "body": "Lo siento."}
    await client.post(f"/inbox/replies/{reply.id}", data=spanish)
    assert SavedReply.get_by_id(reply.id).body == "Lo siento."
    await client.post(f"/inbox/replies/{reply.id}/delete", data={"csrf": token})
    assert SavedReply.select().count() == 0
    gone = await client.post(f"/inbox/replies/{reply.id}/delete", data={"csrf": token})
    assert gone.status == 404


async def test_a_saved_reply_fills_the_box_and_goes_in_the_reply(
    client, login_as, clinic
):
    token = await login_as("admin")
    body = "Pets can wait outside with a friend. See you soon!"
    await client.post(
        "/inbox/replies",
        data={"csrf": token, "language": "en", "title": "Pets", "body": body},
    )
    reply = SavedReply.get()
    await patient_writes(client, "sms", clinic["patient"].phone, ASK)
    chat = only_chat()

    token = await login_as("staff")
    page = await (await client.get(f"/inbox?c={chat.id}")).text()
    assert f'<option value="{reply.id}" data-body="{body}">Pets (English)' in page
    page = await (await client.get(f"/inbox?c={chat.id}&use={reply.id}")).text()
    assert f">{body}</textarea>" in page  # the "Use" button, without JavaScript

    sent = await client.post(
        f"/inbox/{chat.id}/reply", data={"csrf": token, "body": body}
    )
    assert "Reply queued" in await sent.text()
    message = Message.get(Message.kind == "staff")
    assert (message.body, message.channel, message.address) == (
        body,
        "sms",
        clinic["patient"].phone,
    )


async def test_a_reply_to_a_simulator_patient_shows_in_the_simulator(
    client, login_as, clinic
):
    token = await login_as("staff")
    for said in ("hello", "Rita Gomez", "1", ASK):  # a new test patient, then ASK
        await client.post("/simulator", data={"csrf": token, "text": said})
    chat = only_chat()
    assert chat.channel == "console"

    reply = "Hi! This is Maria at the front desk. Yes, dogs are welcome."
    page = await (
        await client.post(
            f"/inbox/{chat.id}/reply", data={"csrf": token, "body": reply}
        )
    ).text()
    assert "the patient sees it in the simulator" in page
    assert "Shown in the simulator" in page  # its delivery, in words
    message = Message.get(Message.kind == "staff")
    assert (message.channel, message.status) == ("console", "sent")

    simulator = await (await client.get("/simulator")).text()
    assert reply in simulator  # the test patient reads it in their chat

    # The patient page's reply box reaches them there too, not by SMS.
    from_patient_page = await client.post(
        f"/patients/{chat.patient_id}/reply", data={"csrf": token, "body": "Also..."}
    )
    assert "the patient sees it in the simulator" in await from_patient_page.text()
    later = Message.select().where(Message.kind == "staff").order_by(Message.id.desc())
    assert later.first().channel == "console"
    assert "Also..." in await (await client.get("/simulator")).text()


@pytest.fixture
async def twilio_client(aiohttp_client, database, clinic, clock, fake_twilio):
    """The console app with Twilio pointed at the local fake."""
    settings = dataclasses.replace(
        Settings(database_url=database, secret_key="test-secret-key-0123456789"),
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,
        twilio_from_number=FROM_NUMBER,
        twilio_api_base_url=fake_twilio.base_url,
    )
    return await aiohttp_client(create_app(settings, role="web", clock=clock))


async def test_a_reply_to_an_sms_patient_is_delivered_by_twilio(
    twilio_client, clinic, fake_twilio, clock
):
    client = twilio_client
    assert (await login(client, "staff")).status == 303
    token = await _csrf(client)
    await patient_writes(client, "sms", clinic["patient"].phone, ASK)
    chat = only_chat()

    await client.post(f"/inbox/{chat.id}/reply", data={"csrf": token, "body": "On it."})
    message = Message.get(Message.kind == "staff")
    assert (message.channel, message.status) == ("sms", "queued")
    assert await dispatch_due(client.server.app, clock()) >= 1

    [text] = [t for t in fake_twilio.sent if t["Body"] == "On it."]
    assert text["To"] == clinic["patient"].phone
    assert Message.get_by_id(message.id).status == "sent"
    page = await (await client.get(f"/inbox?c={chat.id}")).text()
    assert "On it." in page and '<span class="status">Sent</span>' in page


async def test_bad_input_is_refused_and_changes_nothing(client, login_as, clinic):
    token = await login_as("staff")
    await patient_writes(client, "sms", clinic["patient"].phone, ASK)
    chat = only_chat()
    messages = Message.select().count()

    empty = await client.post(
        f"/inbox/{chat.id}/reply", data={"csrf": token, "body": "   "}
    )
    page = await empty.text()
    assert empty.status == 400
    assert 'id="body-error" role="alert">The reply is empty.' in page
    assert ASK in page  # the thread is still there to answer
    too_long = await client.post(
        f"/inbox/{chat.id}/reply", data={"csrf": token, "body": "x" * 700}
    )
    assert too_long.status == 400
    assert "x" * 700 in await too_long.text()  # what was typed, kept to correct

    unknown = await client.post(
        "/inbox/99999/reply", data={"csrf": token, "body": "Hi"}
    )
    assert unknown.status == 404
    no_csrf = await client.post(f"/inbox/{chat.id}/reply", data={"body": "Hi"})
    assert no_csrf.status == 403
    for action in ("assign", "resolve", "unread"):
        refused = await client.post(f"/inbox/{chat.id}/{action}", data={})
        assert refused.status == 403, action
    assert Message.select().count() == messages
    unchanged = Conversation.get_by_id(chat.id)
    assert unchanged.flagged and unchanged.assigned_to is None
    assert not AuditLog.select().where(AuditLog.action.startswith("inbox.")).exists()

    assert (await client.get("/inbox?c=99999")).status == 404
    assert (await client.get("/inbox?c=abc")).status == 400
    assert (await client.get("/inbox?show=everything")).status == 400
    assert (await client.get(f"/inbox?c={chat.id}&use=99999")).status == 404
