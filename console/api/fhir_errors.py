"""FHIR's errors: every non-success under /fhir/ is an OperationOutcome.

The /api/ JSON error shape (console.api.errors) means nothing to a FHIR
client; this middleware answers the same refusals (a missing token, a role
too small, a bad search parameter, an unknown id, a crash) with the status
and an OperationOutcome saying why, as application/fhir+json.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web

from bot import metrics
from console.api.errors import ApiError
from console.logs import loggable_path
from core.api.fhir import operation_outcome
from core.errors import DomainError, InvalidInput, NotFound
from core.storage.db import DATABASE_ERRORS

log = logging.getLogger(__name__)

FHIR_PREFIX = "/fhir/"
FHIR_JSON = "application/fhir+json"
# Headers of a refusal worth passing on: how to authenticate, when to retry.
KEPT_HEADERS = ("WWW-Authenticate", "Retry-After", "Allow")


def fhir_response(body: dict, status: int = 200, headers=None) -> web.Response:
    return web.Response(
        text=json.dumps(body, ensure_ascii=False),
        status=status,
        content_type=FHIR_JSON,
        headers=headers,
    )


def outcome_response(
    status: int, message: str, field: str = "", headers=None
) -> web.Response:
    return fhir_response(operation_outcome(status, message, field), status, headers)


def _kept(headers) -> dict:
    return {k: v for k, v in headers.items() if k in KEPT_HEADERS}


@web.middleware
async def fhir_errors(request: web.Request, handler):
    if not request.path.startswith(FHIR_PREFIX):
        return await handler(request)
    try:
        return await handler(request)
    except ApiError as error:
        return outcome_response(
            error.status, error.message, error.field or "", _kept(error.headers)
        )
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = exc.reason if exc.text.startswith(str(exc.status)) else exc.text
        return outcome_response(exc.status, message, headers=_kept(exc.headers))
    except NotFound as error:
        return outcome_response(404, str(error))
    except InvalidInput as error:  # a search parameter FHIR cannot read
        return outcome_response(400, str(error), error.field)
    except DomainError as error:
        return outcome_response(422, str(error))
    except Exception as error:
        log.exception(
            "fhir error on %s %s", request.method, loggable_path(request.path)
        )
        if isinstance(error, DATABASE_ERRORS):
            metrics.database_error("api")
        return outcome_response(500, "The error was logged.")
