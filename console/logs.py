"""How `clinicbot` writes its log: text for people, or one JSON object per line.

CLINICBOT_LOG_FORMAT=json gives each line as {"time", "level", "logger",
"message"} plus the request id, channel and conversation id the line is
about (core.log_context), and the traceback of an error. Log calls pass
ids, never phone numbers, names or message bodies; tests/test_log_privacy.py
checks that for whole conversations.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import uuid

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from core import log_context

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REQUEST_ID_HEADER = "X-Request-ID"
# A proxy's request id is kept only if it looks like one (no log injection).
GIVEN_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class JsonFormatter(logging.Formatter):
    """One JSON object per record, with the context ids it was logged in."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **log_context.current(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def keep_health_data_out() -> None:
    """Loggers that would write health data even at --verbose are held at INFO.

    peewee logs every query at DEBUG with its parameters, python-telegram-bot
    every Bot API call with its chat id and text, twilio its requests: phone
    numbers, names, message bodies.
    """
    for name in ("peewee", "telegram", "twilio"):
        logging.getLogger(name).setLevel(logging.INFO)
    # APScheduler's start-up lines ("Adding job tentatively ...") read like
    # warnings to people starting the service; its real problems are warnings.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # playhouse.migrations says "up: 0001_initial" beside our own "applied
    # migration 0001_initial": one line per migration is enough.
    logging.getLogger("peewee.migrations").setLevel(logging.WARNING)
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def configure(log_format: str, verbose: bool = False) -> None:
    """The root logger, in the chosen format (replacing any earlier handler)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    keep_health_data_out()


@web.middleware
async def request_ids(request: web.Request, handler):
    """Every request gets an id (the proxy's, if sane), in its log lines and answer."""
    given = request.headers.get(REQUEST_ID_HEADER, "")
    request_id = given if GIVEN_ID.match(given) else uuid.uuid4().hex
    with log_context.bound(request_id=request_id):
        response = await handler(request)
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


# A password-reset link's token is a key to a login, a feed's to a doctor's
# calendar: logs show the route only.
_SECRET_PATHS = (
    (re.compile(r"^/password/reset/[^/]+"), "/password/reset/[token]"),
    (re.compile(r"^/feeds/[^/]+$"), "/feeds/[token].ics"),
)


def loggable_path(path: str) -> str:
    """The request path as a log line may show it (no secret in the path)."""
    for secret, shown in _SECRET_PATHS:
        path = secret.sub(shown, path)
    return path


SLOW = 1.0  # seconds: a request this slow is logged even when it went well


class AccessLogger(AbstractAccessLogger):
    """One line per request: method, path without its query, status, time.

    aiohttp's default line has the whole request line, and a query string
    can carry a patient's name or number (a search), so the query is left out.
    `serve` sets `choice` from CLINICBOT_ACCESS_LOG: by default only requests
    that failed or were slow, since a line per request buries everything else
    (the demo's logins among them).
    """

    choice = "all"

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float):
        if self.choice == "off" or (
            self.choice == "errors" and response.status < 400 and time < SLOW
        ):
            return
        request_id = response.headers.get(REQUEST_ID_HEADER)
        with log_context.bound(request_id=request_id):
            self.logger.info(
                "%s %s %s %.1f ms",
                request.method,
                loggable_path(request.path),
                response.status,
                time * 1000,
            )
