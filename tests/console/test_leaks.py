"""What responses give away: cached patient pages, server versions, notice text."""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path

import pytest

from console import appointments
from console.notices import NOTICES

CONSOLE = Path(__file__).resolve().parents[2] / "console"


@pytest.mark.parametrize(
    "path", ["/", "/patients", "/calendar", "/stats.csv", "/audit", "/no-such-page"]
)
async def test_signed_in_responses_are_never_stored(client, login_as, path):
    await login_as("admin")
    response = await client.get(path)
    assert response.headers["Cache-Control"] == "no-store"


async def test_static_files_may_be_cached_and_no_versions_are_named(client):
    login_page = await client.get("/login")
    static = await client.get("/static/console.css")
    missing = await client.get("/no-such-page")
    webhook = await client.post("/webhooks/twilio/sms", data={})
    assert static.status == 200 and "no-store" not in static.headers.get(
        "Cache-Control", ""
    )
    for response in (login_page, static, missing, webhook):
        assert response.headers["Server"] == "ClinicBot"
        assert "aiohttp" not in response.headers["Server"]
        assert "Python" not in response.headers["Server"]


@pytest.mark.parametrize(
    "raw", [b"GARBAGE\r\n\r\n", b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"]
)
async def test_unparseable_requests_name_no_versions_either(client, raw):
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(raw)
    head = (await reader.read(1000)).decode(errors="replace")
    writer.close()
    assert head.startswith("HTTP/1.") and " 400 " in head.split("\r\n")[0]
    assert "Server: ClinicBot" in head and "aiohttp" not in head


async def test_a_notice_in_the_url_shows_only_our_own_words(client, login_as):
    await login_as("staff")
    phishing = "Your session expired. Call +1 555 0100 to verify your password"
    page = await (await client.get("/", params={"notice": phishing})).text()
    assert "555 0100" not in page and 'class="notice"' not in page
    page = await (await client.get("/", params={"notice": "password_changed"})).text()
    assert '<p class="notice" role="status">Password changed</p>' in page


def _notice_keys_in_source() -> set[str]:
    """Every notice key the console redirects with (literal or in a dict)."""
    keys = set(appointments.NOTICES.values())
    for path in CONSOLE.glob("*.py"):
        source = path.read_text()
        keys |= set(re.findall(r"\?notice=(\w+)", source))
        for node in ast.walk(ast.parse(source)):
            is_redirect = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "redirect"
            )
            if is_redirect and len(node.args) >= 3:
                for part in ast.walk(node.args[2]):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        keys.add(part.value)
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "notice" for t in node.targets
            ):
                for part in ast.walk(node.value):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        keys.add(part.value)
    return keys - {"queued"}  # a status compared against, not a notice


def test_every_notice_the_console_sends_has_words():
    keys = _notice_keys_in_source()
    assert len(keys) >= 15
    assert keys <= set(NOTICES), keys - set(NOTICES)
