"""Outbox throughput: queued messages handed to a local fake provider (issue 4).

    python -m bench.outbox [--messages 6000]

A real SQLite file holds N queued rows (half SMS, half Telegram); the real
dispatcher (claims, Twilio's REST client, python-telegram-bot's Bot, result
writes) sends them with rate limits lifted to a fake provider running in
its own process. Target: >= 2,000 messages/s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)  # outside quiet hours


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_until_up(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(100):
            try:
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def seed(url: str, messages: int) -> None:
    from core.clock import to_db
    from core.models import Message, Patient
    from core.policy import ensure_policy
    from core.storage.db import open_database, write_transaction
    from core.storage.migrate import migrate

    open_database(url)
    migrate()
    ensure_policy("UTC")
    half = messages // 2
    with write_transaction():
        Patient.insert_many(
            [
                {"phone": f"+1555030{n:04d}", "telegram_chat_id": None}
                for n in range(half)
            ]
            + [{"telegram_chat_id": str(10_000 + n)} for n in range(half)]
        ).execute()
        rows = [
            {
                "direction": "out",
                "channel": "sms" if n < half else "telegram",
                "address": f"+1555030{n:04d}" if n < half else str(10_000 + n - half),
                "patient": n + 1,
                "kind": "reminder",
                "body": f"Reminder {n}: your visit is tomorrow at 9:00. Reply 1 to"
                " confirm.",
                "status": "queued",
                "next_attempt_at": to_db(NOW),
            }
            for n in range(2 * half)
        ]
        for start in range(0, len(rows), 500):
            Message.insert_many(rows[start : start + 500]).execute()


async def dispatch_all(url: str, base: str) -> tuple[int, float, dict]:
    from bot.dispatcher import Dispatcher
    from bot.pacing import RateLimits
    from bot.providers import senders_for
    from core.settings import Settings
    from core.storage.gateway import Gateway

    settings = Settings(
        database_url=url,
        secret_key="b" * 32,
        twilio_account_sid="AC" + "0" * 32,
        twilio_auth_token="bench-token",
        twilio_from_number="+15550009999",
        twilio_api_base_url=base,
        telegram_bot_token="1:bench",
        telegram_api_base_url=base,
    )
    gateway = Gateway()
    dispatcher = Dispatcher(
        gateway, senders_for(settings), limits=RateLimits(0, 0, 0), clock=lambda: NOW
    )
    sent = 0
    await dispatcher.senders["telegram"].bot.initialize()  # getMe before timing
    started = time.perf_counter()
    while True:
        count = await dispatcher.dispatch_due(NOW)
        if count == 0:
            break
        sent += count
    elapsed = time.perf_counter() - started
    await dispatcher.close()
    gateway.close()
    async with aiohttp.ClientSession() as session, session.get(f"{base}/count") as r:
        accepted = await r.json()
    return sent, elapsed, accepted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=6000)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "bench.fake_providers", str(port)])
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'outbox.db'}"
            seed(url, args.messages)
            asyncio.run(wait_until_up(f"{base}/count"))
            sent, elapsed, accepted = asyncio.run(dispatch_all(url, base))
    finally:
        server.terminate()
        server.wait(timeout=10)
    rate = sent / elapsed
    verdict = "ok" if rate >= 2000 else "UNDER TARGET"
    print(
        f"outbox: {sent} messages in {elapsed:.2f} s = {rate:,.0f} msg/s"
        f" (sms {accepted['sms']}, telegram {accepted['telegram']} accepted by the"
        f" fake provider; target >= 2,000 msg/s: {verdict})"
    )


if __name__ == "__main__":
    main()
