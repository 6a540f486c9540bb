"""POST and PATCH /api/v1/...: register and edit patients, book and change visits.

Each runs one core operation through console.api.v1_http.change, which
honours Idempotency-Key and answers with the changed thing.
"""

from __future__ import annotations

from aiohttp import web

from console.api.v1_http import actor_of, body_of, change, path_id
from console.auth import now
from core.api import bookings, patients, schemas
from core.policy import load_policy


async def patient_create(request: web.Request) -> web.Response:
    """Register a patient (201)."""
    body = await body_of(request, schemas.PatientCreate)
    actor, moment = actor_of(request), now(request)
    return await change(request, lambda: patients.create(body, actor, moment), 201)


async def patient_update(request: web.Request) -> web.Response:
    """Change the fields sent of one patient."""
    patient_id = path_id(request)
    body = await body_of(request, schemas.PatientUpdate)
    actor, moment = actor_of(request), now(request)
    return await change(
        request, lambda: patients.update(patient_id, body, actor, moment)
    )


async def book(request: web.Request) -> web.Response:
    """Book a visit (201); 409 slot_taken if the time was just taken."""
    body = await body_of(request, schemas.BookingCreate)
    actor, moment = actor_of(request), now(request)
    return await change(
        request, lambda: bookings.book(body, load_policy(), moment, actor), 201
    )


async def confirm(request: web.Request) -> web.Response:
    """Confirm a scheduled visit."""
    appointment_id = path_id(request)
    await body_of(request, schemas.NoBody)
    actor, moment = actor_of(request), now(request)
    return await change(
        request, lambda: bookings.confirm(appointment_id, actor, moment)
    )


async def cancel(request: web.Request) -> web.Response:
    """Cancel a live visit with a reason."""
    appointment_id = path_id(request)
    body = await body_of(request, schemas.Cancellation)
    actor, moment = actor_of(request), now(request)
    return await change(
        request, lambda: bookings.cancel(appointment_id, body, actor, moment)
    )


async def reschedule(request: web.Request) -> web.Response:
    """Move a live visit to another time (and optionally doctor)."""
    appointment_id = path_id(request)
    body = await body_of(request, schemas.Reschedule)
    actor, moment = actor_of(request), now(request)
    return await change(
        request,
        lambda: bookings.reschedule(appointment_id, body, load_policy(), moment, actor),
    )


async def complete(request: web.Request) -> web.Response:
    """Record that the visit took place."""
    appointment_id = path_id(request)
    await body_of(request, schemas.NoBody)
    actor, moment = actor_of(request), now(request)
    return await change(
        request, lambda: bookings.complete(appointment_id, actor, moment)
    )


async def no_show(request: web.Request) -> web.Response:
    """Record that the patient did not come."""
    appointment_id = path_id(request)
    await body_of(request, schemas.NoBody)
    actor, moment = actor_of(request), now(request)
    return await change(
        request, lambda: bookings.no_show(appointment_id, actor, moment)
    )
