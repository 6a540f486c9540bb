"""What every /api/v1 handler does with HTTP: parse, validate, run, answer.

Bodies and query strings are validated by the msgspec schemas of core.api
(unknown fields refused): malformed JSON is a 400, a body or value that
does not fit its schema a 422 naming the field. Answers are encoded by
msgspec too, from the same schemas the OpenAPI document describes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec
from aiohttp import web

from console.api.auth import CALLER
from console.api.errors import ApiError
from console.auth import now
from console.keys import GATEWAY
from core.api import idempotent
from core.api.patients import PatientExists
from core.api.schemas import NoBody, encode
from core.audit import Actor
from core.integrations.idempotency import MAX_KEY, fingerprint

FIELD = re.compile(r"at `\$\.([A-Za-z_][\w]*)|field `([^`]+)`")
MAX_ID = 2**31 - 1


def _invalid(error: msgspec.ValidationError, where: str = "") -> ApiError:
    message = str(error)
    found = FIELD.search(message)
    field = (found.group(1) or found.group(2)) if found else None
    return ApiError(422, "invalid", f"{where}{message}", field)


def respond(value: object, status: int = 200, headers=None) -> web.Response:
    return web.Response(
        body=encode(value),
        status=status,
        content_type="application/json",
        headers=headers,
    )


async def body_of(request: web.Request, schema: type):
    """The request body as schema; an empty body is {} for NoBody operations."""
    raw = await request.read()
    if schema is NoBody and not raw.strip():
        return NoBody()
    try:
        return msgspec.json.decode(raw, type=schema)
    except msgspec.ValidationError as error:
        raise _invalid(error) from None
    except msgspec.DecodeError:
        raise ApiError(400, "malformed_json", "The body is not valid JSON.") from None


def query_of(request: web.Request, schema: type):
    """The query string as schema; a parameter given twice is an error."""
    query = request.query
    repeated = [key for key in query if len(query.getall(key)) > 1]
    if repeated:
        raise ApiError(422, "invalid", "Give each parameter once.", repeated[0])
    try:
        return msgspec.convert(dict(query), schema, strict=False)
    except msgspec.ValidationError as error:
        raise _invalid(error, "Query: ") from None


def path_id(request: web.Request) -> int:
    """The {id} of the path; anything but a positive int names nothing (404)."""
    raw = request.match_info["id"]
    if not raw.isdigit() or not 0 < int(raw) <= MAX_ID:
        raise ApiError(404, "not_found", "There is nothing at this address.")
    return int(raw)


def actor_of(request: web.Request) -> Actor:
    """Who the audit log says made a change: api:<token id>."""
    return Actor("api", request[CALLER].token_id)


async def read(request: web.Request, fn: Callable, *args) -> web.Response:
    """Run a core read through the gateway and answer its result."""
    return respond(await request.app[GATEWAY].run(fn, *args))


def _idempotency_key(request: web.Request) -> str | None:
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return None
    if not key.strip() or len(key) > MAX_KEY or not key.isprintable():
        raise ApiError(
            422,
            "invalid",
            f"An Idempotency-Key is 1 to {MAX_KEY} printable characters.",
            "Idempotency-Key",
        )
    return key


async def change(
    request: web.Request, work: Callable[[], object], status: int = 200
) -> web.Response:
    """Run a change (honouring Idempotency-Key on POST) and answer its result."""
    key = _idempotency_key(request) if request.method == "POST" else None
    raw = await request.read()
    try:
        status, body, replayed = await request.app[GATEWAY].run_write(
            idempotent.run,
            work,
            status,
            token_id=request[CALLER].token_id,
            key=key,
            request_hash=fingerprint(request.method, request.path_qs, raw),
            now=now(request),
        )
    except idempotent.KeyReused as error:
        raise ApiError(
            422, "idempotency_key_reused", str(error), "Idempotency-Key"
        ) from None
    except PatientExists as error:
        raise ApiError(409, "patient_exists", str(error), error.field or None) from None
    headers = {"Idempotent-Replayed": "true"} if replayed else None
    return web.Response(
        body=body, status=status, content_type="application/json", headers=headers
    )
