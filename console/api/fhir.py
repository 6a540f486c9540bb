"""GET /fhir/r4/...: FHIR R4 reads and the SMART Scheduling Links manifest.

Public: metadata, Practitioner, Location, Schedule, Slot and $bulk-publish
with its NDJSON files. Appointment needs a token of a role that may see
patients. Resources are built in core.api.fhir*; errors are OperationOutcomes
(console.api.fhir_errors). Absolute URLs start at CLINICBOT_PUBLIC_URL, or
at this request's host when it is unset.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from aiohttp import web

from console.api.auth import PATIENT_ROLES, api_allow, api_public
from console.api.fhir_errors import fhir_response
from console.auth import now
from console.keys import GATEWAY, SETTINGS
from core.api import fhir_appointments, fhir_clinic, fhir_publish, fhir_slots
from core.api.fhir import Links, page_of
from core.api.fhir_capability import capability_statement
from core.api.fhir_search import Query
from core.policy import load_policy

BASE = "/fhir/r4"
NDJSON = "application/fhir+ndjson"
FILE = r"{name:[A-Za-z0-9_\-.]{1,64}}"
ID = r"{id:[A-Za-z0-9\-.]{1,64}}"


def _version() -> str:
    try:
        return version("clinicbot")
    except PackageNotFoundError:
        return "unknown"


def links_of(request: web.Request) -> Links:
    public = request.app[SETTINGS].public_url.rstrip("/")
    return Links(public or f"{request.scheme}://{request.host}")


def booking_of(request: web.Request, links: Links) -> fhir_slots.Booking:
    """Book by texting the clinic's Twilio number when SMS is set up, else its page."""
    settings = request.app[SETTINGS]
    number = settings.twilio_from_number if settings.sms_configured else ""
    return fhir_slots.Booking(text_number=number, page=links.base + "/")


def query_of(request: web.Request) -> Query:
    return Query(tuple(request.query.items()))


async def run(request: web.Request, fn, *args, **kwargs):
    """fn(*args, policy=the clinic's current rules, **kwargs) on the gateway."""
    return await request.app[GATEWAY].run(_with_policy, fn, *args, **kwargs)


def _with_policy(fn, *args, **kwargs):
    return fn(*args, policy=load_policy(), **kwargs)


@api_public
async def metadata(request: web.Request) -> web.Response:
    """The CapabilityStatement."""
    body = capability_statement(now(request), links_of(request), _version())
    return fhir_response(body)


# ---- reads -------------------------------------------------------------------


@api_public
async def read_practitioner(request: web.Request) -> web.Response:
    found = await request.app[GATEWAY].run(
        fhir_clinic.read_practitioner, request.match_info["id"]
    )
    return fhir_response(found)


@api_public
async def read_location(request: web.Request) -> web.Response:
    found = await run(
        request,
        fhir_clinic.read_location,
        request.match_info["id"],
        links=links_of(request),
    )
    return fhir_response(found)


@api_public
async def read_schedule(request: web.Request) -> web.Response:
    found = await run(
        request,
        fhir_clinic.read_schedule,
        request.match_info["id"],
        now=now(request),
        links=links_of(request),
    )
    return fhir_response(found)


@api_public
async def read_slot(request: web.Request) -> web.Response:
    found = await run(
        request,
        fhir_slots.read_slot,
        request.match_info["id"],
        now=now(request),
        booking=booking_of(request, links_of(request)),
    )
    return fhir_response(found)


@api_allow(*PATIENT_ROLES)
async def read_appointment(request: web.Request) -> web.Response:
    found = await run(
        request,
        fhir_appointments.read_appointment,
        request.match_info["id"],
        links=links_of(request),
    )
    return fhir_response(found)


# ---- searches ----------------------------------------------------------------


@api_public
async def search_practitioners(request: web.Request) -> web.Response:
    query = query_of(request)
    found = await request.app[GATEWAY].run(fhir_clinic.search_practitioners, query)
    return fhir_response(page_of(links_of(request), "Practitioner", query, found))


@api_public
async def search_locations(request: web.Request) -> web.Response:
    query, links = query_of(request), links_of(request)
    found = await run(request, fhir_clinic.search_locations, query, links=links)
    return fhir_response(page_of(links, "Location", query, found))


@api_public
async def search_schedules(request: web.Request) -> web.Response:
    query, links = query_of(request), links_of(request)
    found = await run(
        request, fhir_clinic.search_schedules, query, now=now(request), links=links
    )
    return fhir_response(page_of(links, "Schedule", query, found))


@api_public
async def search_slots(request: web.Request) -> web.Response:
    links = links_of(request)
    body = await run(
        request,
        fhir_slots.slot_bundle,
        query_of(request),
        now=now(request),
        links=links,
        booking=booking_of(request, links),
    )
    return fhir_response(body)


@api_allow(*PATIENT_ROLES)
async def search_appointments(request: web.Request) -> web.Response:
    body = await run(
        request,
        fhir_appointments.appointment_bundle,
        query_of(request),
        links=links_of(request),
    )
    return fhir_response(body)


# ---- SMART Scheduling Links ----------------------------------------------------


# SMART Scheduling Links STU 1: publishers SHOULD say how long clients may
# cache; free slots change with every booking, so a few minutes.
PUBLISHED = {"Cache-Control": "max-age=300"}


@api_public
async def bulk_publish(request: web.Request) -> web.Response:
    """The manifest (plain JSON, as the spec's clients expect); _since is ignored."""
    body = await run(
        request, fhir_publish.manifest, now=now(request), links=links_of(request)
    )
    return web.json_response(body, headers=PUBLISHED)


@api_public
async def bulk_file(request: web.Request) -> web.Response:
    """One NDJSON file of the manifest: a minified resource per line."""
    links = links_of(request)
    text = await run(
        request,
        fhir_publish.ndjson_file,
        request.match_info["name"],
        now=now(request),
        links=links,
        booking=booking_of(request, links),
    )
    return web.Response(text=text, content_type=NDJSON, headers=PUBLISHED)


def routes() -> list[tuple[str, str, object, str]]:
    """(method, path, handler, name) of every FHIR route."""
    table = [
        ("GET", f"{BASE}/metadata", metadata, "fhir_metadata"),
        ("GET", f"{BASE}/$bulk-publish", bulk_publish, "fhir_bulk_publish"),
        ("GET", f"{BASE}/$bulk-publish/{FILE}", bulk_file, "fhir_bulk_file"),
    ]
    for kind, read, search in (
        ("Practitioner", read_practitioner, search_practitioners),
        ("Location", read_location, search_locations),
        ("Schedule", read_schedule, search_schedules),
        ("Slot", read_slot, search_slots),
        ("Appointment", read_appointment, search_appointments),
    ):
        name = kind.lower()
        table.append(("GET", f"{BASE}/{kind}", search, f"fhir_{name}_search"))
        table.append(("GET", f"{BASE}/{kind}/{ID}", read, f"fhir_{name}_read"))
    return table
