"""Forgot password, against the real app: one answer for all, a link that works once.

The app's background dispatcher is left out so that the tests decide when
the outbox is sent (bot.dispatcher.dispatch_due, as a scheduler tick does).
"""

from __future__ import annotations

import datetime as dt
import logging
import re

import itsdangerous.timed
import pytest
from aiohttp.test_utils import TestServer
from itsdangerous.url_safe import URLSafeTimedSerializer

import bot.routes
from bot.dispatcher import dispatch_due
from console.app import create_app
from console.logs import AccessLogger, keep_health_data_out, loggable_path
from console.password_reset import SENT
from core.clock import to_db
from core.messaging import delivery, outbox
from core.messaging.delivery import NO_PROVIDER
from core.messaging.outbox import SECRET_BODY
from core.models import Message, StaffUser
from core.settings import Settings
from core.staff import password_reset
from core.staff.accounts import update_staff
from core.storage.db import write_transaction
from tests.console.conftest import csrf_of, login

SECRET = "test-secret-key-0123456789"
STAFF = "staff@clinic.test"
NEW_PASSWORD = "a brand new passphrase"
LINK = re.compile(r"(https?://[^\s/]+)/password/reset/([A-Za-z0-9_.\-]+)")
EXPIRED = "This link has expired or was already used"


def reset_app(database, clock, **overrides):
    """The console app without its background dispatcher."""
    settings = Settings(database_url=database, secret_key=SECRET, **overrides)
    app = create_app(settings, role="web", clock=clock)
    app.cleanup_ctx.remove(bot.routes._outbox_ctx)
    return app


@pytest.fixture
async def client(aiohttp_client, database, clinic, clock):
    return await aiohttp_client(reset_app(database, clock))


async def ask(client, email: str = STAFF, headers: dict | None = None):
    """Post the forgot-password form as a browser would."""
    token = await csrf_of(client, "/password/forgot")
    return await client.post(
        "/password/forgot", data={"email": email, "csrf": token}, headers=headers
    )


def reset_rows() -> list[Message]:
    return list(
        Message.select().where(Message.kind == "password_reset").order_by(Message.id)
    )


def link_in(row: Message) -> tuple[str, str]:
    """(base URL, token) of the link in a queued email."""
    found = LINK.search(row.body)
    assert found, row.body
    return found.group(1), found.group(2)


async def set_new_password(client, token: str, new=NEW_PASSWORD, confirm=None):
    csrf = await csrf_of(client, "/password/forgot")  # the session's token
    return await client.post(
        f"/password/reset/{token}",
        data={"new": new, "confirm": confirm or new, "csrf": csrf},
        allow_redirects=False,
    )


async def test_the_login_page_links_to_forgot_password(client):
    page = await (await client.get("/login")).text()
    assert 'href="/password/forgot"' in page
    response = await client.get("/password/forgot")
    assert response.status == 200
    assert 'name="email"' in await response.text()


async def test_known_and_unknown_addresses_get_the_same_answer(client):
    unknown = await ask(client, "nobody@clinic.test")
    known = await ask(client, "  Staff@Clinic.TEST ")
    assert unknown.status == known.status == 200
    assert await unknown.text() == await known.text()
    assert SENT in await known.text()
    [row] = reset_rows()
    assert (row.channel, row.address, row.patient_id) == ("email", STAFF, None)
    assert (row.direction, row.status, row.urgent) == ("out", "queued", True)
    base, _ = link_in(row)
    assert base == str(client.make_url("")).rstrip("/")
    assert "30 minutes" in row.body


async def test_an_inactive_login_gets_no_email(client, clinic):
    update_staff(clinic["users"]["staff"].id, "staff", False, 0)
    assert SENT in await (await ask(client)).text()
    assert reset_rows() == []


async def test_the_link_sets_the_password_once_and_ends_sessions(
    client, aiohttp_client, database, clock
):
    other = await aiohttp_client(reset_app(database, clock))
    assert (await login(other, "staff")).status == 303  # signed in elsewhere
    await ask(client)
    _, token = link_in(reset_rows()[0])

    form = await client.get(f"/password/reset/{token}")
    assert form.status == 200
    assert 'name="confirm"' in await form.text()
    done = await set_new_password(client, token)
    assert done.status == 303
    assert done.headers["Location"] == "/login?notice=password_set"
    assert (
        "new password is set"
        in await (await client.get(done.headers["Location"])).text()
    )

    assert (await login(client, "staff")).status == 401  # the old password
    assert (await login(client, "staff", NEW_PASSWORD)).status == 303
    gone = await other.get("/", allow_redirects=False)  # the other session ended
    assert gone.status == 302 and "/login" in gone.headers["Location"]

    again = await client.get(f"/password/reset/{token}")
    assert again.status == 410
    assert EXPIRED in await again.text()
    assert 'href="/password/forgot"' in await again.text()
    reused = await set_new_password(client, token, "yet another passphrase")
    assert reused.status == 410
    assert (await login(client, "staff", NEW_PASSWORD)).status == 303


async def test_the_password_rules_apply_and_a_bad_try_keeps_the_link(client):
    await ask(client)
    _, token = link_in(reset_rows()[0])
    short = await set_new_password(client, token, "short")
    assert short.status == 400
    assert "at least 10 characters" in await short.text()
    mismatch = await set_new_password(client, token, NEW_PASSWORD, "something else1")
    assert mismatch.status == 400
    assert "do not match" in await mismatch.text()
    assert (await login(client, "staff")).status == 303  # nothing changed
    assert (await set_new_password(client, token)).status == 303


async def test_a_link_lasts_30_minutes(client, clock):
    await ask(client)
    _, token = link_in(reset_rows()[0])
    clock.advance(minutes=29)
    assert (await client.get(f"/password/reset/{token}")).status == 200
    clock.advance(minutes=2)
    expired = await client.get(f"/password/reset/{token}")
    assert expired.status == 410
    assert EXPIRED in await expired.text()
    assert (await set_new_password(client, token)).status == 410
    assert (await login(client, "staff")).status == 303  # nothing changed


def plain_itsdangerous_token(monkeypatch, at: dt.datetime) -> str:
    """A token for the staff login made by itsdangerous itself, as if at `at`."""
    user = StaffUser.get(StaffUser.email == STAFF)
    payload = [user.id, password_reset.fingerprint(user.password_hash)]
    with monkeypatch.context() as patched:
        patched.setattr(itsdangerous.timed.time, "time", at.timestamp)
        return URLSafeTimedSerializer(SECRET, salt=password_reset.SALT).dumps(payload)


async def test_tokens_are_plain_itsdangerous_with_its_timestamp(
    client, clock, monkeypatch
):
    fresh = plain_itsdangerous_token(monkeypatch, clock.now - dt.timedelta(minutes=5))
    assert (await client.get(f"/password/reset/{fresh}")).status == 200
    stale = plain_itsdangerous_token(monkeypatch, clock.now - dt.timedelta(minutes=31))
    assert (await client.get(f"/password/reset/{stale}")).status == 410
    assert (await set_new_password(client, stale)).status == 410
    future = plain_itsdangerous_token(monkeypatch, clock.now + dt.timedelta(hours=1))
    assert (await client.get(f"/password/reset/{future}")).status == 410


@pytest.mark.parametrize(
    "spoil",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature
        lambda t: "W" + t[1:] if not t.startswith("W") else "X" + t[1:],  # payload
        lambda t: URLSafeTimedSerializer("another-secret-key-000", salt="x").dumps(
            [1, "0" * 16]
        ),
        lambda t: "not-a-token",
    ],
    ids=["signature", "payload", "foreign", "garbage"],
)
async def test_a_tampered_token_fails(client, spoil):
    await ask(client)
    _, token = link_in(reset_rows()[0])
    bad = spoil(token)
    response = await client.get(f"/password/reset/{bad}")
    assert response.status == 410
    assert EXPIRED in await response.text()
    assert (await set_new_password(client, bad)).status == 410
    assert (await login(client, "staff")).status == 303


async def test_a_token_for_another_purpose_of_the_same_key_fails(client, clock):
    """The session cookie is signed with the same key: its salt keeps them apart."""
    user = StaffUser.get(StaffUser.email == STAFF)
    payload = [user.id, password_reset.fingerprint(user.password_hash)]
    other = URLSafeTimedSerializer(SECRET, salt="clinicbot.session").dumps(payload)
    assert (await client.get(f"/password/reset/{other}")).status == 410


async def test_a_form_without_its_csrf_token_is_refused(client):
    await client.get("/password/forgot")
    refused = await client.post("/password/forgot", data={"email": STAFF})
    assert refused.status == 403
    assert reset_rows() == []
    await ask(client)
    _, token = link_in(reset_rows()[0])
    refused = await client.post(
        f"/password/reset/{token}", data={"new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert refused.status == 403
    assert (await login(client, "staff")).status == 303


async def test_three_emails_per_address_an_hour(client, clock):
    answers = {await (await ask(client)).text() for _ in range(5)}
    assert len(answers) == 1
    assert len(reset_rows()) == 3
    clock.advance(minutes=61)
    await ask(client)
    assert len(reset_rows()) == 4


async def test_ten_requests_per_client_an_hour_known_or_not(client, clock):
    for n in range(10):
        await ask(client, f"nobody{n}@clinic.test")
    over = await ask(client)
    assert over.status == 200 and SENT in await over.text()
    assert reset_rows() == []
    clock.advance(minutes=61)
    await ask(client)
    assert len(reset_rows()) == 1


async def test_staff_pages_never_show_the_link(client, clock, caplog):
    caplog.set_level(logging.INFO)
    await ask(client)
    [row] = reset_rows()
    _, token = link_in(row)
    assert (await login(client, "admin")).status == 303
    page = await (await client.get("/messages")).text()
    assert token not in page
    assert SECRET_BODY in page
    # Email is off: the dispatcher settles the row, and its body is scrubbed.
    await dispatch_due(client.server.app, clock.now)
    row = Message.get_by_id(row.id)
    assert (row.status, row.error_text, row.body) == (
        "not_sent",
        NO_PROVIDER,
        SECRET_BODY,
    )
    assert "email is off" in caplog.text
    assert token not in caplog.text


async def test_public_url_makes_the_link(aiohttp_client, database, clinic, clock):
    app = reset_app(database, clock, public_url="http://clinic.example/")
    client = await aiohttp_client(app)
    await ask(client)
    base, _ = link_in(reset_rows()[0])
    assert base == "http://clinic.example"


async def test_a_forged_host_never_gets_a_link(client, caplog):
    """Without CLINICBOT_PUBLIC_URL, a link is built only for this machine itself."""
    answer = await ask(client, headers={"Host": "evil.example"})
    assert SENT in await answer.text()  # the same words, nothing revealed
    assert reset_rows() == []
    assert "CLINICBOT_PUBLIC_URL" in caplog.text


async def test_spanish_browsers_get_the_email_in_spanish(client):
    await ask(client, headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"})
    assert "enlace" in reset_rows()[0].body


def test_logs_show_the_reset_route_without_its_token():
    assert (
        loggable_path("/password/reset/eyJhIjoxfQ.abc.def") == "/password/reset/[token]"
    )
    assert loggable_path("/password/forgot") == "/password/forgot"


@pytest.mark.parametrize("permanent", [True, False])
def test_a_reset_email_keeps_its_link_only_while_it_may_still_go(
    database, now, permanent
):
    with write_transaction():
        row = outbox.enqueue(
            None,
            "http://x/password/reset/abc",
            now=now,
            kind="password_reset",
            urgent=True,
            channel="email",
            address=STAFF,
        )
        outbox.claim([row.id], to_db(now), delivery.LEASE)
    failure = delivery.Failure(row.id, "smtp said no", "550", permanent=permanent)
    delivery.record_results(now, [], [failure], {row.id: "email"}, ("email",))
    row = Message.get_by_id(row.id)
    if permanent:
        assert (row.status, row.body) == ("failed", SECRET_BODY)
    else:
        assert (row.status, row.body) == ("queued", "http://x/password/reset/abc")


@pytest.fixture
def verbose_logs(caplog):
    """Every logger at DEBUG, as `clinicbot -v` runs (its guards included)."""
    names = ("peewee", "telegram", "twilio", "twilio.http_client")
    levels = {name: logging.getLogger(name).level for name in names}
    caplog.set_level(logging.DEBUG)
    keep_health_data_out()
    yield caplog
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


async def test_the_email_reaches_an_smtp_server_and_its_link_works(
    aiohttp_client, database, clinic, clock, smtp_server, verbose_logs
):
    app = reset_app(
        database, clock, smtp_url=smtp_server.url, email_from="clinic@clinic.test"
    )
    server = TestServer(app)  # with `serve`'s access log, which hides tokens
    await server.start_server(access_log_class=AccessLogger)
    client = await aiohttp_client(server)
    await ask(client)
    assert await dispatch_due(app, clock.now) == 1

    [mail] = smtp_server.messages
    assert mail["To"] == STAFF
    assert "reset your ClinicBot password" in mail["Subject"]
    assert "Hello" not in mail.get_body(("plain",)).get_content()  # not to a patient
    found = LINK.search(mail.get_body(("plain",)).get_content())
    assert found and found.group(1) == str(client.make_url("")).rstrip("/")
    token = found.group(2)
    [row] = reset_rows()
    assert (row.status, row.body) == ("sent", SECRET_BODY)  # scrubbed once sent

    assert (await set_new_password(client, token)).status == 303
    assert (await login(client, "staff", NEW_PASSWORD)).status == 303
    assert (await client.get(f"/password/reset/{token}")).status == 410
    assert "/password/reset/[token]" in verbose_logs.text
    assert token not in verbose_logs.text
