"""GET /api/v1/...: the clinic, free slots, patients, appointments, stats."""

from __future__ import annotations

from aiohttp import web

from console.api.v1_http import path_id, query_of, read
from console.auth import now
from core.api import appointments, catalog, patients, schemas, slots, stats
from core.policy import load_policy


def _with_policy(fn):
    """fn(query, policy[, now]) with the policy read on the database thread."""
    return lambda *args: fn(args[0], load_policy(), *args[1:])


async def departments(request: web.Request) -> web.Response:
    """Every department, active or not."""
    return await read(request, catalog.departments)


async def doctors(request: web.Request) -> web.Response:
    """Every doctor with their visit types and weekly hours."""
    return await read(request, catalog.doctors)


async def visit_types(request: web.Request) -> web.Response:
    """Every visit type and its length."""
    return await read(request, catalog.visit_types)


async def free_slots(request: web.Request) -> web.Response:
    """Free slots by doctor, department or any doctor, between two local days."""
    query = query_of(request, schemas.SlotQuery)
    return await read(request, _with_policy(slots.free_slots), query, now(request))


async def patient_search(request: web.Request) -> web.Response:
    """Patients matching ?q= (name, email or phone digits)."""
    return await read(request, patients.search, query_of(request, schemas.PatientQuery))


async def patient(request: web.Request) -> web.Response:
    """One patient by id."""
    return await read(request, patients.get, path_id(request))


async def appointment_page(request: web.Request) -> web.Response:
    """A page of appointments, filtered, earliest first, with next_cursor."""
    query = query_of(request, schemas.AppointmentQuery)
    return await read(request, appointments.page, query)


async def appointment(request: web.Request) -> web.Response:
    """One appointment by id."""
    return await read(request, appointments.get, path_id(request))


async def stats_summary(request: web.Request) -> web.Response:
    """The Stats page's figures for local days from..to."""
    query = query_of(request, schemas.StatsQuery)
    return await read(request, _with_policy(stats.summary), query)
