"""The API's errors: {"error": {"code", "message", "field"}} with the right status.

Every /api/ response that is not a success goes through `json_errors`, so a
caller never gets an HTML page, and a crash is logged and answered 500
without its details.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot import metrics
from console.logs import loggable_path
from core.errors import (
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    SlotTaken,
    SlotUnavailable,
)
from core.storage.db import DATABASE_ERRORS

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
# aiohttp's own refusals, by status, as a code a program can branch on.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "rate_limited",
}


class ApiError(web.HTTPException):
    """An error the API answers as JSON; raise it from any handler."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict | None = None,
    ) -> None:
        self.status_code = status
        super().__init__(headers=headers)
        self.code, self.message, self.field = code, message, field


def error_response(
    status: int,
    code: str,
    message: str,
    field: str | None = None,
    headers: dict | None = None,
) -> web.Response:
    body = {"error": {"code": code, "message": message, "field": field}}
    return web.json_response(body, status=status, headers=headers)


def from_domain(error: DomainError) -> web.Response:
    """A rule of the clinic said no: the status a program expects for it."""
    message = str(error)
    if isinstance(error, NotFound):
        return error_response(404, "not_found", message)
    if isinstance(error, SlotTaken):
        return error_response(409, "slot_taken", message)
    if isinstance(error, InvalidTransition):
        return error_response(409, "invalid_transition", message)
    if isinstance(error, SlotUnavailable):
        return error_response(422, "slot_unavailable", message, "start")
    if isinstance(error, InvalidInput):
        return error_response(422, "invalid", message, error.field or None)
    return error_response(422, "refused", message)


@web.middleware
async def json_errors(request: web.Request, handler):
    if not request.path.startswith(API_PREFIX):
        return await handler(request)
    try:
        return await handler(request)
    except ApiError as error:
        # HTTPException sets a text/plain Content-Type of its own: keep only ours.
        headers = {
            k: v for k, v in error.headers.items() if k.lower() != "content-type"
        }
        return error_response(
            error.status, error.code, error.message, error.field, headers
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code = HTTP_CODES.get(exc.status, "error")
        message = exc.reason if exc.text.startswith(str(exc.status)) else exc.text
        headers = {k: v for k, v in exc.headers.items() if k in ("Allow",)}
        return error_response(exc.status, code, message, headers=headers)
    except DomainError as error:
        return from_domain(error)
    except Exception as error:
        log.exception("api error on %s %s", request.method, loggable_path(request.path))
        if isinstance(error, DATABASE_ERRORS):
            metrics.database_error("api")
        return error_response(500, "internal", "The error was logged.")
