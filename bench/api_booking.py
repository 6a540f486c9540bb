"""Booking and slot search through /api/v1 over real HTTP (issue 16).

    python -m bench.api_booking [--bookings 600] [--database URL]

Booking rate: POST /api/v1/appointments from an aiohttp client (8 at once,
keep-alive) to the app on a local port, against the dialog's booking rate
on the same database: the "yes" turn that books, run in the engine with no
HTTP at all (bench/dialog_turns' patients and scripts), so the ratio is a
floor. Target: API >= 70% of the dialog's rate.

Slot search: GET /api/v1/slots for one doctor-day, one request at a time,
p50/p99, beside a bare aiohttp JSON handler on the same client. Target:
p50 <= 5 ms. Support --database postgresql://... (its schema is wiped).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time

import aiohttp
from aiohttp import web

from bench.common import add_database_option, bench_database, p99
from bench.dialog_turns import NOW, _script, _seed

CONCURRENCY = 8
SEARCHES = 400


def dialog_bookings(phones: list[str]) -> list[float]:
    """Seconds of each booking turn ("yes") of the dialog, in the engine."""
    from core.dialog.service import handle_inbound
    from core.messaging.inbound import Inbound

    samples = []
    for n, phone in enumerate(phones):
        clock = NOW
        for flow, text in _script(n):
            if flow != "booking":
                break
            clock += dt.timedelta(seconds=10)
            started = time.perf_counter()
            replies = handle_inbound(Inbound("sms", phone, text), clock)
            if text == "yes":
                samples.append(time.perf_counter() - started)
                assert replies[0].text.startswith("Booked"), replies
    return samples


def free_times(count: int) -> list[tuple[int, str]]:
    """count distinct free (doctor, start) from Mon 7 Dec on, after the dialog's."""
    from core.clinic.calendar import active_doctor_ids, next_slots
    from core.policy import load_policy

    policy = load_policy()
    found = next_slots(
        active_doctor_ids(), policy, NOW, count, policy.slot, dt.date(2026, 12, 7)
    )
    return [(doctor, start.isoformat()) for start, doctor in found]


async def _served(app: web.Application):
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"


async def api_bookings(base: str, token: str, times, patient_ids) -> tuple[float, int]:
    """(bookings per second, failures) of POSTs 8 at a time."""
    headers = {"Authorization": f"Bearer {token}"}
    queue = list(enumerate(times))
    failures = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        while queue:
            n, (doctor, start) = queue.pop()
            body = {
                "patient_id": patient_ids[n % len(patient_ids)],
                "doctor_id": doctor,
                "start": start,
            }
            async with session.post(
                f"{base}/api/v1/appointments", json=body, headers=headers
            ) as response:
                await response.read()
                failures += response.status != 201

    async with aiohttp.ClientSession() as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(CONCURRENCY)))
        wall = time.perf_counter() - started
    return len(times) / wall, failures


async def latencies(url: str, headers: dict) -> list[float]:
    samples = []
    async with aiohttp.ClientSession() as session:
        for i in range(SEARCHES + 20):
            started = time.perf_counter()
            async with session.get(url, headers=headers) as response:
                await response.read()
                assert response.status == 200, await response.text()
            if i >= 20:  # warm-up
                samples.append(time.perf_counter() - started)
    return samples


async def bare(request: web.Request) -> web.Response:
    return web.json_response({"data": []})


def _ms(samples: list[float]) -> str:
    return (
        f"p50 {statistics.median(samples) * 1000:6.2f} ms"
        f"  p99 {p99(samples) * 1000:6.2f} ms"
    )


async def run(args: argparse.Namespace) -> None:
    from console.app import create_app, freeze_startup_objects
    from core.integrations import tokens
    from core.models import Patient
    from core.settings import Settings
    from core.storage.db import db, open_database
    from core.storage.migrate import migrate

    with tempfile.TemporaryDirectory() as tmp:
        url = bench_database(args.database, tmp)
        open_database(url)
        migrate()
        phones = _seed(150)
        dialog = dialog_bookings(phones)
        times = free_times(args.bookings)
        patient_ids = [p.id for p in Patient.select(Patient.id)]
        _, token = tokens.create("bench", "staff", NOW)
        doctor, day = times[0][0], "2026-12-08"
        db.close()
        settings = Settings(
            database_url=url, secret_key="b" * 32, api_rate_per_second=0
        )
        app = create_app(settings, role="web", clock=lambda: NOW)
        app.on_startup.append(freeze_startup_objects)  # as `clinicbot serve` does
        runner, base = await _served(app)
        try:
            rate, failures = await api_bookings(base, token, times, patient_ids)
            slots = await latencies(
                f"{base}/api/v1/slots?doctor={doctor}&from={day}",
                {"Authorization": f"Bearer {token}"},
            )
        finally:
            await runner.cleanup()
    floor = web.Application()
    floor.router.add_get("/bare", bare)
    runner, base = await _served(floor)
    try:
        baseline = await latencies(f"{base}/bare", {})
    finally:
        await runner.cleanup()

    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    dialog_rate = len(dialog) / sum(dialog)
    print(f"API booking and slot search on {backend}")
    print(
        f"dialog booking turn (engine, no HTTP)  {dialog_rate:8,.0f} bookings/s"
        f"  {_ms(dialog)}  ({len(dialog)} bookings)"
    )
    print(
        f"POST /api/v1/appointments (HTTP, {CONCURRENCY} at once) {rate:8,.0f}"
        f" bookings/s  ({len(times)} bookings, {failures} not 201)"
    )
    ratio = rate / dialog_rate
    print(f"  ratio {ratio:.0%} of the dialog (target >= 70%):"
          f" {'ok' if ratio >= 0.7 else 'MISSED'}")  # fmt: skip
    p50 = statistics.median(slots) * 1000
    print(f"GET /api/v1/slots (one doctor-day)   {_ms(slots)}")
    print(f"bare aiohttp JSON handler            {_ms(baseline)}")
    print(f"  slot search p50 target <= 5 ms: {'ok' if p50 <= 5 else 'MISSED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bookings", type=int, default=600)
    add_database_option(parser)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
