"""The simulator talks to the real dialog; live updates reach open pages."""

from __future__ import annotations

import asyncio
import datetime as dt

from console.keys import LIVE_FEED
from core.models import Message


async def test_simulator_chats_with_the_dialog_engine(client, login_as, clinic):
    token = await login_as("staff")
    response = await client.post("/simulator", data={"csrf": token, "text": "hello"})
    assert response.status == 200
    page = await response.text()
    assert "hello" in page
    out = Message.select().where(
        Message.channel == "console", Message.direction == "out"
    )
    assert out.count() >= 1
    assert out.first().body.split("\n")[0][:20] in page
    bad = await client.post(
        "/simulator", data={"csrf": token, "text": "hi", "phone": "x"}
    )
    assert bad.status == 400


async def test_simulator_choice_buttons_post_their_values(client, login_as, clinic):
    token = await login_as("staff")
    await client.post("/simulator", data={"csrf": token, "text": "hello"})
    page = await (
        await client.post("/simulator", data={"csrf": token, "text": "Ana"})
    ).text()
    # The dialog asks for consent with Yes/No choices: shown as buttons.
    assert (
        'name="text" value="1"><button type="submit" class="slot">Yes</button>' in page
    )
    await client.post("/simulator", data={"csrf": token, "text": "1"})
    inbound = Message.select().where(Message.direction == "in").order_by(Message.id)
    assert [m.body for m in inbound] == ["hello", "Ana", "1"]


async def test_a_booking_reaches_an_open_event_stream(client, login_as, clinic, now):
    token = await login_as("staff")
    feed = client.server.app[LIVE_FEED]
    feed.interval = 3600  # the test polls by hand; the background poll stays asleep
    stream = await client.get("/events")
    assert stream.headers["Content-Type"] == "text/event-stream"
    assert await stream.content.readline() == b"retry: 3000\n"
    for _ in range(100):  # wait until the stream has subscribed
        if feed.listeners:
            break
        await asyncio.sleep(0)
    await feed.check()  # baseline
    start = (now + dt.timedelta(days=1)).replace(hour=10).isoformat()
    await client.post(
        "/appointments",
        data={"csrf": token, "doctor": clinic["doctor"].id,
              "patient": clinic["patient"].id, "start": start},
    )  # fmt: skip
    assert await feed.check() is True
    lines = [await asyncio.wait_for(stream.content.readline(), 5) for _ in range(4)]
    assert lines[1:3] == [b"event: changed\n", lines[2]] and lines[2].startswith(
        b"data: "
    )
    stream.close()


async def test_nothing_changed_sends_nothing(client, login_as):
    await login_as("staff")
    feed = client.server.app[LIVE_FEED]
    await feed.check()
    assert await feed.check() is False
