"""Webhook deliveries end to end: written with the change, posted signed, retried.

A real receiver (aiohttp on 127.0.0.1, so the install allows private
addresses) checks every signature with the documented scheme. Changes go
through core.clinic.booking and the dialog, as every channel's do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import socket
import threading

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.webhooks import (
    WEBHOOK_SENDER,
    GuardedResolver,
    PrivateAddressRefused,
    WebhookSender,
)
from console import scheduling
from console.app import create_app
from core import audit
from core.clinic import booking
from core.dialog.service import handle_inbound
from core.integrations import deliveries, endpoints
from core.integrations.signing import HEADER, verify_signature
from core.messaging import conversations
from core.messaging.inbound import Inbound
from core.models import Patient, WebhookDelivery
from core.policy import load_policy
from core.settings import Settings
from core.storage.db import write_transaction
from core.storage.gateway import Gateway
from tests.console.conftest import FakeClock

pytestmark = pytest.mark.postgres

STAFF = audit.Actor("staff", 1)


class Receiver:
    """The clinic's EHR: verifies each post and answers with the next status."""

    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}  # path -> secret
        self.posts: list[dict] = []
        self.answers: list[int] = []  # statuses to answer, then 200
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        self.posts.append(
            {
                "path": request.path,
                "valid": verify_signature(
                    self.secrets[request.path], request.headers[HEADER], raw
                ),
                "event": request.headers["ClinicBot-Event"],
                "delivery": request.headers["ClinicBot-Delivery"],
                "type": request.headers["Content-Type"],
                "body": json.loads(raw),
            }
        )
        status = self.answers.pop(0) if self.answers else 200
        return web.Response(status=status, text=f"answer {status} " + "x" * 600)

    def register(self, path: str, events, now) -> int:
        endpoint_id, secret = endpoints.register(
            self.url + path, events, "", allow_private=True, now=now
        )
        self.secrets[path] = secret
        return endpoint_id


@pytest.fixture
async def receiver():
    found = Receiver()
    app = web.Application()
    app.router.add_post("/{tail:.*}", found.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    found.url = str(server.make_url("")).rstrip("/")
    yield found
    await server.close()


@pytest.fixture
def gateway(database):
    gateway = Gateway()
    yield gateway
    gateway.close()


@pytest.fixture
async def sender(gateway, clock):
    made = WebhookSender(gateway, allow_private=True, clock=clock)
    yield made
    await made.close()


def book(clinic, now, **kw):
    return booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=(now + dt.timedelta(days=1)).replace(hour=10),
        policy=load_policy(),
        now=now,
        actor=STAFF,
        **kw,
    )


def rows():
    return list(WebhookDelivery.select().order_by(WebhookDelivery.id))


def test_a_booking_writes_one_delivery_per_subscribed_endpoint(clinic, now):
    first, _ = endpoints.register(
        "https://ehr.example.com/a", ["appointment.booked"], "", False, now
    )
    second, _ = endpoints.register(
        "https://web.example.com/b",
        ["appointment.booked", "appointment.cancelled"],
        "",
        False,
        now,
    )
    endpoints.register(  # wants other news only
        "https://crm.example.com/c", ["appointment.cancelled"], "", False, now
    )
    visit = book(clinic, now)
    written = rows()
    assert [d.endpoint_id for d in written] == [first, second]
    assert {d.event for d in written} == {"appointment.booked"}
    assert len({d.event_id for d in written}) == 1  # one change, one event id
    assert written[0].body == written[1].body
    body = json.loads(written[0].body)
    assert body["id"] == written[0].event_id
    assert body["type"] == "appointment.booked"
    assert body["created"] == int(now.timestamp())
    assert body["actor"] == "staff:1"
    assert body["data"]["appointment"] == {
        "id": visit.id,
        "status": "scheduled",
        "start": "2026-11-24T10:00:00Z",
        "end": "2026-11-24T10:30:00Z",
        "doctor": {"id": clinic["doctor"].id, "name": "Dr. Own"},
        "visit_type": {"id": visit.visit_type_id, "name": "Consultation"},
        "patient": {"id": clinic["patient"].id},
        "created_via": "console",
    }
    patient = clinic["patient"]
    assert patient.name not in written[0].body and patient.phone not in written[0].body


def test_a_change_that_rolls_back_leaves_no_delivery(clinic, now):
    endpoints.register(
        "https://ehr.example.com/", list(endpoints.EVENTS), "", False, now
    )
    with pytest.raises(RuntimeError), write_transaction():
        book(clinic, now)
        assert len(rows()) == 1  # written in the change's own transaction...
        raise RuntimeError("the caller's transaction fails after the booking")
    assert rows() == []  # ...and gone with it
    book(clinic, now)
    with pytest.raises(booking.SlotTaken):  # the same time again
        book(clinic, now)
    assert len(rows()) == 1


def test_unsubscribed_paused_and_absent_endpoints_get_nothing(clinic, now):
    visit = book(clinic, now)  # no endpoint at all: nothing, and no error
    endpoint_id, _ = endpoints.register(
        "https://ehr.example.com/", ["appointment.cancelled"], "", False, now
    )
    booking.confirm(visit.id, STAFF, now)
    assert rows() == []
    endpoints.set_active(endpoint_id, False)
    booking.cancel(visit.id, STAFF, "patient phoned", now)
    assert rows() == []


def test_each_change_names_its_event_and_details(clinic, now):
    endpoints.register(
        "https://ehr.example.com/", list(endpoints.EVENTS), "", False, now
    )
    visit = book(clinic, now)
    booking.confirm(visit.id, STAFF, now)
    new_start = (now + dt.timedelta(days=1)).replace(hour=14)
    booking.reschedule(visit.id, new_start, policy=load_policy(), now=now, actor=STAFF)
    booking.cancel(visit.id, STAFF, "moved away", now)
    conversations.flag_patient(clinic["patient"], "patient asked for a person", now)
    bodies = [json.loads(d.body) for d in rows()]
    assert [b["type"] for b in bodies] == [
        "appointment.booked",
        "appointment.confirmed",
        "appointment.rescheduled",
        "appointment.cancelled",
        "conversation.flagged",
    ]
    assert bodies[1]["data"]["appointment"]["status"] == "confirmed"
    rescheduled = bodies[2]["data"]
    assert rescheduled["appointment"]["start"] == "2026-11-24T14:00:00Z"
    assert rescheduled["previous"]["start"] == "2026-11-24T10:00:00Z"
    cancelled = bodies[3]["data"]["appointment"]
    assert cancelled["cancelled_by"] == "staff"
    assert cancelled["cancel_reason"] == "moved away"
    assert bodies[4]["data"] == {
        "patient": {"id": clinic["patient"].id},
        "reason": "patient asked for a person",
        "appointment_id": None,
    }
    assert len({b["id"] for b in bodies}) == 5


def test_finishing_a_visit_is_told(clinic, now):
    endpoints.register(
        "https://ehr.example.com/",
        ["appointment.completed", "appointment.no_show"],
        "",
        False,
        now,
    )
    first = book(clinic, now)
    second = booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=(now + dt.timedelta(days=1)).replace(hour=11),
        policy=load_policy(),
        now=now,
        actor=STAFF,
    )
    later = now + dt.timedelta(days=2)
    booking.complete(first.id, STAFF, later)
    booking.mark_no_show(second.id, audit.SYSTEM, later)
    assert [d.event for d in rows()] == ["appointment.completed", "appointment.no_show"]
    assert json.loads(rows()[1].body)["actor"] == "system"


def test_a_dialog_booking_and_stop_are_told(clinic, now):
    """The patient books by SMS, then texts STOP (twice: told once)."""
    endpoints.register(
        "https://ehr.example.com/",
        ["appointment.booked", "patient.opted_out"],
        "",
        False,
        now,
    )
    phone = clinic["patient"].phone
    Patient.update(consent_at=now.replace(tzinfo=None)).where(
        Patient.id == clinic["patient"].id
    ).execute()
    for n, text in enumerate(("hi", "1", "1", "1", "tomorrow", "1", "yes")):
        handle_inbound(Inbound("sms", phone, text, provider_id=f"M{n}"), now)
    [booked] = [json.loads(d.body) for d in rows()]
    assert booked["type"] == "appointment.booked"
    assert booked["data"]["appointment"]["created_via"] == "sms"
    assert booked["actor"] == f"patient:{clinic['patient'].id}"
    handle_inbound(Inbound("sms", phone, "STOP", provider_id="S1"), now)
    handle_inbound(Inbound("sms", phone, "STOP", provider_id="S2"), now)
    opted = [json.loads(d.body) for d in rows() if d.event == "patient.opted_out"]
    assert [o["data"] for o in opted] == [
        {"patient": {"id": clinic["patient"].id}, "channel": "sms"}
    ]


async def test_the_receiver_gets_each_event_signed(clinic, now, receiver, sender):
    booked_at = receiver.register("/ehr", ["appointment.booked"], now)
    receiver.register("/web", ["appointment.booked", "appointment.cancelled"], now)
    visit = book(clinic, now)
    booking.cancel(visit.id, STAFF, "", now)
    assert await sender.deliver_due(now) == 3
    assert await sender.deliver_due(now) == 0  # nothing twice
    posts = sorted(receiver.posts, key=lambda p: int(p["delivery"]))
    assert [p["path"] for p in posts] == ["/ehr", "/web", "/web"]
    assert all(p["valid"] for p in posts)
    assert all(p["type"] == "application/json" for p in posts)
    assert [p["event"] for p in posts] == [
        "appointment.booked",
        "appointment.booked",
        "appointment.cancelled",
    ]
    # The two endpoints hear of one booking under one id, to de-duplicate by.
    assert posts[0]["body"]["id"] == posts[1]["body"]["id"] != posts[2]["body"]["id"]
    [first, *_] = rows()
    assert first.endpoint_id == booked_at and str(first.id) == posts[0]["delivery"]
    assert (first.status, first.attempts, first.response_status) == ("sent", 1, 200)
    assert first.response_body.startswith("answer 200 ")
    assert len(first.response_body) == deliveries.BODY_START


async def test_a_failing_receiver_is_retried_with_backoff_then_failed(
    clinic, now, receiver, sender
):
    receiver.register("/ehr", ["appointment.booked"], now)
    receiver.answers = [500] * deliveries.MAX_ATTEMPTS
    book(clinic, now)
    clock = FakeClock(now)
    sender.clock = clock
    waits = []
    for attempt in range(1, deliveries.MAX_ATTEMPTS + 1):
        assert await sender.deliver_due(clock.now) == 0
        [row] = rows()
        assert (row.attempts, row.response_status) == (attempt, 500)
        if row.status == "failed":
            break
        wait = row.next_attempt_at - clock.now.replace(tzinfo=None)
        waits.append(wait)
        clock.now += wait - dt.timedelta(seconds=1)
        assert await sender.deliver_due(clock.now) == 0  # not due yet: no post
        assert len(receiver.posts) == attempt
        clock.now += dt.timedelta(seconds=1)
    assert row.status == "failed" and row.attempts == deliveries.MAX_ATTEMPTS
    assert waits == list(deliveries.BACKOFF)
    assert len(receiver.posts) == deliveries.MAX_ATTEMPTS
    clock.now += dt.timedelta(days=3)
    assert await sender.deliver_due(clock.now) == 0  # failed stays failed
    # An admin replays it: from the first attempt, and this time it is taken.
    deliveries.replay(row.id, clock.now)
    assert await sender.deliver_due(clock.now) == 1
    [row] = rows()
    assert (row.status, row.attempts, row.response_status) == ("sent", 1, 200)
    assert receiver.posts[-1]["valid"]
    assert receiver.posts[-1]["body"]["id"] == row.event_id  # the same event


def test_a_claim_is_leased_so_a_crashed_sender_is_retried(clinic, now):
    endpoints.register("https://ehr.example.com/", ["appointment.booked"], "", 0, now)
    book(clinic, now)
    [claimed] = deliveries.due(now)
    assert claimed.attempt == 1 and claimed.url == "https://ehr.example.com/"
    assert deliveries.due(now) == []  # leased: nobody else takes it
    assert deliveries.due(now + deliveries.LEASE - dt.timedelta(seconds=1)) == []
    [again] = deliveries.due(now + deliveries.LEASE)  # the sender died
    assert (again.id, again.attempt) == (claimed.id, 2)


def test_two_claimers_never_take_one_delivery(clinic, now):
    """Two schedulers claiming at once take disjoint batches (SKIP LOCKED on PG)."""
    endpoint_ids = [
        endpoints.register(f"https://ehr{n}.example.com/", ["appointment.booked"],
                           "", False, now)[0]
        for n in range(10)
    ]  # fmt: skip
    book(clinic, now)
    assert len(rows()) == len(endpoint_ids)
    start = threading.Barrier(2)
    taken: list[list[int]] = [[], []]

    def claim(slot: int) -> None:
        start.wait()
        for _ in range(5):
            taken[slot] += [d.id for d in deliveries.due(now, limit=3)]

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not set(taken[0]) & set(taken[1])
    assert sorted(taken[0] + taken[1]) == [d.id for d in rows()]


def _resolving_to(address: str):
    async def getaddrinfo(host, port, **kw):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port or 443))]

    return getaddrinfo


async def test_a_name_resolving_to_a_private_address_is_refused_when_sending(
    clinic, now, gateway, receiver
):
    # Public-looking at registration; its DNS now points into the clinic.
    endpoints.register(
        "https://hooks.example.com/ehr", ["appointment.booked"], "", False, now
    )
    receiver.register("/literal", ["appointment.booked"], now)  # 127.0.0.1:port
    book(clinic, now)
    sender = WebhookSender(
        gateway,
        allow_private=False,
        clock=lambda: now,
        getaddrinfo=_resolving_to("127.0.0.1"),
    )
    try:
        assert await sender.deliver_due(now) == 0
    finally:
        await sender.close()
    assert receiver.posts == []
    named, literal = rows()
    assert (named.status, named.attempts) == ("failed", 1)
    assert named.response_body == (
        "refused: hooks.example.com resolves to a private address (127.0.0.1)"
    )
    assert literal.status == "failed"
    assert literal.response_body == "refused: 127.0.0.1 is a private address"


async def test_the_guard_lets_a_public_answer_through():
    """Only private answers are refused; a public one is handed on to connect."""
    guard = GuardedResolver(_resolving_to("93.184.215.14"))
    [found] = await guard.resolve("hooks.example.com", 443)
    assert found["host"] == "93.184.215.14"
    with pytest.raises(PrivateAddressRefused):
        await GuardedResolver(_resolving_to("10.0.0.7")).resolve("hooks.example.com")


async def test_a_redirect_is_not_followed(clinic, now, receiver, sender):
    receiver.register("/ehr", ["appointment.booked"], now)
    receiver.answers = [307]
    book(clinic, now)
    assert await sender.deliver_due(now) == 0
    [row] = rows()
    assert (row.status, row.response_status) == ("pending", 307)
    assert len(receiver.posts) == 1


def test_old_sent_deliveries_are_purged(clinic, now):
    endpoints.register("https://ehr.example.com/", ["appointment.booked"], "", 0, now)
    book(clinic, now)
    [claimed] = deliveries.due(now)
    deliveries.record(claimed.id, True, 204, "", now)
    assert deliveries.purge(now + deliveries.KEEP_SENT) == 0
    assert deliveries.purge(now + deliveries.KEEP_SENT + dt.timedelta(minutes=1)) == 1
    assert rows() == []


async def test_the_scheduler_role_sends_on_its_own(
    aiohttp_client, database, clinic, now, receiver, monkeypatch
):
    """`serve --role scheduler` runs the sender: a booking reaches the receiver."""
    monkeypatch.setattr(scheduling, "FIRST_TICK_DELAY", dt.timedelta(hours=1))
    receiver.register("/ehr", ["appointment.booked"], now)
    settings = Settings(
        database_url=database,
        secret_key="test-secret-key-0123456789",
        webhooks_allow_private=True,
    )
    app = create_app(settings, "scheduler", clock=FakeClock(now))
    await aiohttp_client(app)
    assert WEBHOOK_SENDER in app
    book(clinic, now)
    app[WEBHOOK_SENDER].wake()
    async with asyncio.timeout(5):
        while not receiver.posts:
            await asyncio.sleep(0.02)
    assert receiver.posts[0]["valid"]
    async with asyncio.timeout(5):
        while rows()[0].status != "sent":
            await asyncio.sleep(0.02)


def test_an_answer_for_a_deleted_endpoint_is_dropped(clinic, now):
    endpoint_id, _ = endpoints.register(
        "https://ehr.example.com/", ["appointment.booked"], "", False, now
    )
    book(clinic, now)
    [claimed] = deliveries.due(now)
    endpoints.delete(endpoint_id)  # while the post was out
    assert deliveries.record(claimed.id, True, 200, "ok", now) == "deleted"
    assert rows() == []
