"""Property-based tests of /api/v1 from its own OpenAPI document (schemathesis).

The app runs on a real local server in a thread (schemathesis calls it with
requests, which would block the test's event loop); the document is loaded
from the app itself. For every operation a bounded number of generated
requests, valid and invalid, sent with an admin token, must get no 5xx and
answers that match the document: status code, content type, body schema.
"""

from __future__ import annotations

import asyncio
import socket
import threading

import pytest
import requests
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from console.app import create_app
from core.api.openapi import document
from tests.api.conftest import api_settings, bearer, book_visit

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 10  # per operation and mode: enough to find a crash, fast in CI


class ServedApp:
    """The web app on 127.0.0.1:<free port>, with its own loop in a thread."""

    def __init__(self, app: web.Application) -> None:
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(app)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return f"http://127.0.0.1:{self.port}"

    async def _start(self) -> None:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    def __exit__(self, *exc) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@pytest.fixture
def database(sqlite_database):
    """SQLite only: the other tests cover PostgreSQL; this one must stay fast."""
    return sqlite_database


@pytest.fixture
def served(database, clinic, clock, now, token_for):
    """(base URL, admin headers) of the app on a real server, with a visit in it."""
    book_visit(clinic, now)
    headers = bearer(token_for("admin"))
    settings_ = api_settings(database, api_rate_per_second=0)
    app = create_app(settings_, role="web", clock=clock)
    with ServedApp(app) as base:
        yield base, headers


def _modes(operation) -> list[GenerationMode]:
    """Invalid input too, where there is input to make invalid."""
    if operation.query or operation.body or operation.path_parameters:
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def test_every_operation_conforms(served):
    base, headers = served
    session = requests.Session()  # one connection, not one per example
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = {
        f"{method.upper()} {path}"
        for path, methods in document()["paths"].items()
        for method in methods
    }
    # Schemathesis leaves out the document it was loaded from.
    assert documented - {op.label for op in operations} == {"GET /api/v1/openapi.json"}
    for operation in operations:
        for mode in _modes(operation):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case):
                case.call_and_validate(
                    base_url=base, session=session, headers=headers, checks=CHECKS
                )

            check()
