"""SMART Scheduling Links (STU 1): the $bulk-publish manifest and its NDJSON."""

from __future__ import annotations

import datetime as dt
import json
import re
from urllib.parse import parse_qs, unquote, urlsplit

from console.app import create_app
from core.api.fhir_slots import BOOKING_LINK, BOOKING_PHONE
from core.staff.policy_edit import update_facts
from tests.api.conftest import api_settings, book_visit
from tests.api.test_fhir_resources import assert_valid, fhir_get

# STU 1 "timestamps": to the second at least, with an offset (Z for UTC).
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
SMART_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
NDJSON = "application/fhir+ndjson"


async def publisher(aiohttp_client, database, clock, **settings):
    app = create_app(api_settings(database, **settings), role="web", clock=clock)
    return await aiohttp_client(app)


async def get_manifest(client, headers=None) -> dict:
    response = await client.get("/fhir/r4/$bulk-publish", headers=headers)
    assert response.status == 200
    assert response.content_type == "application/json"
    return await response.json()


async def ndjson(client, url: str, headers=None) -> list[dict]:
    response = await client.get(urlsplit(url).path, headers=headers)
    assert response.status == 200, await response.text()
    assert response.content_type == NDJSON
    text = await response.text()
    assert text.endswith("\n") or not text
    lines = text.splitlines()
    assert all(line and line == line.strip() for line in lines)
    resources = [json.loads(line) for line in lines]
    for resource in resources:
        assert_valid(resource)
        assert SMART_ID.fullmatch(resource["id"])
    return resources


async def test_manifest_and_files_follow_stu1(aiohttp_client, database, clinic, clock):
    update_facts(
        {"en": {"address": "1 Elm St, Pittsfield, MA 01201", "phone": "413-000-0000"}}
    )
    book_visit(clinic, clock.now, dt.datetime(2026, 11, 24, 9, tzinfo=dt.UTC))
    client = await publisher(
        aiohttp_client, database, clock, public_url="https://clinic.example"
    )
    manifest = await get_manifest(client)
    assert set(manifest) == {"transactionTime", "request", "output", "error"}
    assert manifest["transactionTime"] == "2026-11-23T08:00:00Z"  # the app's clock
    assert manifest["request"] == "https://clinic.example/fhir/r4/$bulk-publish"
    assert manifest["error"] == []
    kinds = [item["type"] for item in manifest["output"]]
    # The published days (Mon 23 Nov to Thu 24 Dec) span ISO weeks 48 to 52.
    assert kinds == ["Location", "Schedule"] + ["Slot"] * 5
    for item in manifest["output"]:
        assert item["url"].startswith("https://clinic.example/fhir/r4/$bulk-publish/")
        assert item["extension"] == {"state": ["MA"]}
    urls = {item["type"]: item["url"] for item in manifest["output"][:2]}

    (location,) = await ndjson(client, urls["Location"])
    assert location["resourceType"] == "Location" and location["id"] == "clinic"
    assert location["address"]["line"] == ["1 Elm St"]
    assert {"city", "state", "postalCode"} <= set(location["address"])
    assert [t["system"] for t in location["telecom"]] == ["phone", "url"]
    assert location["identifier"]

    schedules = await ndjson(client, urls["Schedule"])
    assert len(schedules) == 2
    for schedule in schedules:
        assert schedule["actor"][0] == {
            "reference": "Location/clinic",
            "display": "ClinicBot Demo Clinic",
        }
        assert schedule["serviceType"][0]["coding"]
    schedule_refs = {f"Schedule/{s['id']}" for s in schedules}

    slots = []
    for item in manifest["output"][2:]:
        slots += await ndjson(client, item["url"])
    assert slots and {s["resourceType"] for s in slots} == {"Slot"}
    assert {s["schedule"]["reference"] for s in slots} == schedule_refs
    for found in slots:
        assert found["status"] in ("free", "busy")
        assert TIMESTAMP.fullmatch(found["start"]) and TIMESTAMP.fullmatch(found["end"])
        urls = [e["url"] for e in found.get("extension", [])]
        assert urls == (
            [BOOKING_LINK, BOOKING_PHONE] if found["status"] == "free" else []
        )
    busy = [s for s in slots if s["status"] == "busy"]
    assert [s["start"] for s in busy] == ["2026-11-24T09:00:00Z"]
    # The files hold what the Slot search says, no more and no less.
    searched = await fhir_get(client, "/fhir/r4/Slot?_count=1000")
    assert searched["total"] == len(slots)
    assert [e["resource"] for e in searched["entry"]] == slots
    phones = {e["valueString"] for s in slots for e in s.get("extension", [])[1:]}
    assert phones == {"413-000-0000"}


async def test_booking_link_texts_the_clinic_number(
    aiohttp_client, database, clinic, clock
):
    client = await publisher(
        aiohttp_client,
        database,
        clock,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="secret",
        twilio_from_number="+15550001111",
    )
    manifest = await get_manifest(client)
    first_week = manifest["output"][2]["url"]
    assert first_week.endswith("/fhir/r4/$bulk-publish/slots-2026-W48.ndjson")
    slots = await ndjson(client, first_week)
    assert slots[0]["start"] == "2026-11-23T09:00:00Z"  # today's: no notice here
    link = slots[0]["extension"][0]["valueUrl"]
    assert link.startswith("sms:+15550001111?body=")
    body = unquote(link.split("body=", 1)[1])
    assert body == "Book Consultation with Dr. Own on Mon Nov 23 at 9:00 am"
    assert parse_qs(urlsplit(link).query)["body"] == [body]


async def test_accept_headers_and_unknown_files(
    aiohttp_client, database, clinic, clock
):
    client = await publisher(aiohttp_client, database, clock)
    plain = await get_manifest(client)
    assert await get_manifest(client, {"Accept": "application/json"}) == plain
    assert plain["request"].startswith("http://127.0.0.1:")  # the request's host
    url = plain["output"][1]["url"]
    assert await ndjson(client, url, {"Accept": NDJSON}) == await ndjson(client, url)
    since = await client.get("/fhir/r4/$bulk-publish?_since=2026-11-01T00:00:00Z")
    assert (await since.json())["output"] == plain["output"]  # servers may ignore it
    for name in ("slots-2027-W10.ndjson", "slots-2026-W47.ndjson", "patients.ndjson"):
        await fhir_get(client, f"/fhir/r4/$bulk-publish/{name}", 404)


async def test_the_published_files_may_be_cached_but_nothing_else(
    aiohttp_client, database, clinic, clock
):
    client = await publisher(aiohttp_client, database, clock)
    manifest = await client.get("/fhir/r4/$bulk-publish")
    assert manifest.headers["Cache-Control"] == "max-age=300"  # STU 1's SHOULD
    first = (await manifest.json())["output"][0]["url"]
    path = "/fhir/r4/$bulk-publish/" + first.rsplit("/", 1)[1]
    assert (await client.get(path)).headers["Cache-Control"] == "max-age=300"
    missing = await client.get("/fhir/r4/$bulk-publish/nope.ndjson")
    assert missing.status == 404 and missing.headers["Cache-Control"] == "no-store"
    slots = await client.get("/fhir/r4/Slot?_count=1")
    assert slots.headers["Cache-Control"] == "no-store"
