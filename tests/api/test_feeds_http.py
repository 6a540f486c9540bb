"""GET /feeds/<token>.ics through the real app: what a calendar app receives.

The secret address is the only credential; an unknown or revoked one is a
bare 404, and a revoked one never works again.
"""

from __future__ import annotations

import logging

import pytest
from aiohttp.test_utils import TestServer
from icalendar import Calendar

from console.app import create_app
from console.logs import AccessLogger
from core.integrations import feeds
from tests.api.conftest import api_settings
from tests.api.test_feeds_ical import _events, book_visits

LIVE = ("scheduled", "confirmed", "cancelled", "completed", "no_show")


@pytest.fixture
def visits(clinic, now):
    return book_visits(clinic, now)


def _path(token: str) -> str:
    return f"/feeds/{token}.ics"


async def test_a_calendar_app_gets_the_doctors_visits(
    api_client,
    clinic,
    visits,
    now,
):
    _, token = feeds.create(clinic["doctor"].id, False, now)
    response = await api_client.get(_path(token))
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert "noindex" in response.headers["X-Robots-Tag"]
    body = await response.read()
    events = _events(body)
    assert set(events) == {visits[name] for name in LIVE}
    assert str(events[visits["cancelled"]]["STATUS"]) == "CANCELLED"
    assert str(events[visits["scheduled"]]["STATUS"]) == "TENTATIVE"
    assert {str(e["SUMMARY"]) for e in events.values()} == {"Consultation"}
    assert b"Ana" not in body and clinic["patient"].phone[-7:].encode() not in body
    # Without CLINICBOT_PUBLIC_URL, UIDs are the patient invites' and links
    # point at the host the app was asked on.
    first = events[visits["scheduled"]]
    assert str(first["UID"]) == f"appointment-{visits['scheduled']}@clinicbot"
    host = api_client.make_url("/")
    assert str(first["URL"]) == f"{host}appointments/{visits['scheduled']}"


async def test_names_appear_only_once_an_admin_turns_them_on(
    api_client,
    clinic,
    visits,
    now,
):
    feed_id, token = feeds.create(clinic["doctor"].id, False, now)
    assert "Ana Lopez" not in await (await api_client.get(_path(token))).text()
    feeds.set_show_names(feed_id, True)
    shown = await (await api_client.get(_path(token))).text()
    assert "Consultation: Ana Lopez" in shown
    assert "Bo Other" not in shown  # the other doctor's patient


async def test_head_answers_like_get_without_the_body(
    api_client,
    clinic,
    now,
):
    _, token = feeds.create(clinic["doctor"].id, False, now)
    response = await api_client.head(_path(token))
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert await response.read() == b""
    missing = await api_client.head(_path("cal_unknown"))
    assert missing.status == 404


async def test_unknown_and_revoked_tokens_are_a_bare_404_for_good(
    api_client,
    clinic,
    now,
):
    feed_id, token = feeds.create(clinic["doctor"].id, False, now)
    assert (await api_client.get(_path(token))).status == 200
    feeds.revoke(feed_id, now)
    for path in (
        _path(token),
        _path("cal_unknown"),
        _path(token[:-1]),
        _path("x" * 101),
        f"/feeds/{token}.txt",
        f"/feeds/{token}",
    ):
        response = await api_client.get(path)
        assert response.status == 404, path
        assert response.content_type == "text/plain", path
        text = await response.text()
        assert "revoked" not in text.lower() and "token" not in text.lower()
    # A new feed for the same doctor does not bring the old address back.
    _, fresh = feeds.create(clinic["doctor"].id, False, now)
    assert (await api_client.get(_path(fresh))).status == 200
    assert (await api_client.get(_path(token))).status == 404


async def test_public_url_names_the_uids_and_links(
    aiohttp_client,
    database,
    clinic,
    visits,
    clock,
    now,
):
    settings = api_settings(database, public_url="https://clinic.example")
    client = await aiohttp_client(create_app(settings, role="web", clock=clock))
    _, token = feeds.create(clinic["doctor"].id, False, now)
    body = await (await client.get(_path(token))).read()
    event = _events(body)[visits["confirmed"]]
    assert str(event["UID"]) == f"appointment-{visits['confirmed']}@clinic.example"
    assert str(event["URL"]).startswith("https://clinic.example/appointments/")
    assert Calendar.from_ical(body)["X-WR-CALNAME"].startswith("Dr. Own")


async def test_the_access_log_never_shows_a_feed_token(
    aiohttp_client,
    database,
    clinic,
    clock,
    now,
    caplog,
):
    caplog.set_level(logging.INFO)
    server = TestServer(create_app(api_settings(database), role="web", clock=clock))
    await server.start_server(access_log_class=AccessLogger)
    client = await aiohttp_client(server)
    _, token = feeds.create(clinic["doctor"].id, False, now)
    assert (await client.get(_path(token))).status == 200
    lines = [record.getMessage() for record in caplog.records]
    assert any("/feeds/[token].ics" in line for line in lines)  # the log ran
    assert not any(token[4:] in line for line in lines)
