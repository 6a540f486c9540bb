"""Local fake provider servers: a Twilio REST API and a Telegram Bot API.

They speak the providers' real wire formats, record every request and can
be scripted to answer 429, 5xx or a permanent error next.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from dataclasses import dataclass, field

from aiohttp import web

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
FROM_NUMBER = "+15550009999"
BOT_TOKEN = "123456:TEST-token_abcdefghijklmnopqrstuv"
BOT_ID = 123456


@dataclass
class Scripted:
    status: int
    body: dict


@dataclass
class FakeTwilio:
    """Twilio's Messages resource: POST .../Accounts/{sid}/Messages.json."""

    sent: list[dict] = field(default_factory=list)
    script: list[Scripted] = field(default_factory=list)
    auth: list[str] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def fail_next(self, status: int, code: int | None = None, times: int = 1) -> None:
        body = {"code": code, "message": f"scripted {status}", "status": status}
        self.script.extend(Scripted(status, body) for _ in range(times))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(
            "/2010-04-01/Accounts/{sid}/Messages.json", self._create_message
        )
        return app

    async def _create_message(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.auth.append(request.headers.get("Authorization", ""))
        if self.script:
            answer = self.script.pop(0)
            return web.json_response(answer.body, status=answer.status)
        sid = f"SM{next(self._ids):032x}"
        self.sent.append({**form, "sid": sid, "at": time.monotonic()})
        return web.json_response(
            {
                "sid": sid,
                "account_sid": request.match_info["sid"],
                "to": form.get("To"),
                "from": form.get("From"),
                "body": form.get("Body"),
                "status": "queued",
                "num_segments": "1",
            },
            status=201,
        )


@dataclass
class FakeTelegram:
    """The Bot API methods ClinicBot uses, at /bot{token}/{method}."""

    calls: list[tuple[str, dict]] = field(default_factory=list)
    script: list[Scripted] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(100))
    changed: asyncio.Event | None = None

    def fail_next(self, status: int, retry_after: int | None = None) -> None:
        body = {"ok": False, "error_code": status, "description": f"scripted {status}"}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        self.script.append(Scripted(status, body))

    def sent(self, method: str = "sendMessage") -> list[dict]:
        return [params for name, params in self.calls if name == method]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        return app

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != BOT_TOKEN:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"},
                status=401,
            )
        method = request.match_info["method"]
        params = await _params(request)
        if method != "getUpdates":
            self.calls.append((method, params))
        if self.changed is not None:
            self.changed.set()
        if method == "getUpdates":
            await self._long_poll(params)
        if self.script and method == "sendMessage":
            answer = self.script.pop(0)
            return web.json_response(answer.body, status=answer.status)
        return web.json_response({"ok": True, "result": self._result(method, params)})

    async def _long_poll(self, params: dict) -> None:
        """Hold an empty getUpdates briefly, as Telegram's long poll does."""
        offset = int(params.get("offset") or 0)
        if not any(u["update_id"] >= offset for u in self.updates):
            await asyncio.sleep(min(float(params.get("timeout") or 0), 0.2))

    def _result(self, method: str, params: dict):
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "ClinicBot",
                "username": "clinic_test_bot",
            }
        if method == "sendMessage":
            chat_id = int(params["chat_id"])
            return {
                "message_id": next(self._ids),
                "date": 1_790_000_000,
                "chat": {"id": chat_id, "type": "private"},
                "text": params.get("text", ""),
            }
        if method == "getUpdates":
            offset = int(params.get("offset") or 0)
            return [u for u in self.updates if u["update_id"] >= offset]
        return True


async def _params(request: web.Request) -> dict:
    """PTB posts JSON-encoded values as a form; accept JSON bodies too."""
    if request.content_type == "application/json":
        return await request.json()
    params = {}
    for key, value in (await request.post()).items():
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        params[key] = value
    return params
