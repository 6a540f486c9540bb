"""A minimal fake Twilio + Telegram server for the benchmarks, run in its own process.

    python -m bench.fake_providers PORT

Answers Twilio's Messages.json and the Bot API's getMe/sendMessage as fast
as it can and counts what it accepted (GET /count).
"""

from __future__ import annotations

import itertools
import sys

from aiohttp import web

_ids = itertools.count(1)
accepted = {"sms": 0, "telegram": 0}


async def twilio_message(request: web.Request) -> web.Response:
    form = await request.post()
    accepted["sms"] += 1
    return web.json_response(
        {"sid": f"SMf{next(_ids):031x}", "to": form.get("To"), "status": "queued"},
        status=201,
    )


async def telegram_method(request: web.Request) -> web.Response:
    method = request.match_info["method"]
    if method == "getMe":
        result = {"id": 1, "is_bot": True, "first_name": "Bench", "username": "b"}
    else:
        form = await request.post()
        accepted["telegram"] += 1
        result = {
            "message_id": next(_ids),
            "date": 1_790_000_000,
            "chat": {"id": int(form["chat_id"]), "type": "private"},
            "text": form.get("text", ""),
        }
    return web.json_response({"ok": True, "result": result})


async def count(request: web.Request) -> web.Response:
    return web.json_response(accepted)


def make_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", twilio_message)
    app.router.add_post("/bot{token}/{method}", telegram_method)
    app.router.add_get("/count", count)
    return app


if __name__ == "__main__":
    web.run_app(make_app(), host="127.0.0.1", port=int(sys.argv[1]), print=None)
