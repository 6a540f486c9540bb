"""How should async handlers reach the database? Measure, then choose (issue 2).

    python -m bench.db_adapter [--requests 3000] [--concurrency 50]

Each mode runs the same aiohttp server in a child process; this process is
the load generator (50 concurrent clients). Each request is a small unit of
work like a dialog turn: one indexed read and one written row in a
transaction. Modes:

  bare      an aiohttp handler that touches no database (the baseline)
  inline    sync peewee called directly on the event loop
  thread    sync peewee on one dedicated database thread (core.gateway)
  pwasyncio playhouse.pwasyncio AsyncSqliteDatabase, `await db.run(fn)`
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from bench.common import p99

MODES = ("bare", "inline", "thread", "pwasyncio")


def unit_of_work(n: int) -> int:
    """Read a patient by phone, write an audit row: a turn's shape."""
    from core.models import AuditLog, Patient
    from core.storage.db import write_transaction

    with write_transaction():
        patient = Patient.get(Patient.phone == f"+1555000{n % 100:04d}")
        AuditLog.create(actor=f"patient:{patient.id}", action="bench")
    return patient.id


def prepare(path: str) -> None:
    from core.models import Patient
    from core.storage.db import db, open_database
    from core.storage.migrate import migrate

    open_database(f"sqlite:///{path}")
    migrate()
    with db.atomic():
        for n in range(100):
            Patient.create(phone=f"+1555000{n:04d}", name=f"P{n}")
    db.close()


def serve(mode: str, path: str, port: int) -> None:
    """Child process: the server under test."""
    from aiohttp import web

    from core.storage.db import open_database
    from core.storage.gateway import Gateway, InlineGateway

    if mode == "pwasyncio":
        from playhouse.pwasyncio import AsyncSqliteDatabase

        from core.storage.db import SQLITE_PRAGMAS, db

        adb = AsyncSqliteDatabase(path, pragmas=SQLITE_PRAGMAS, pool_size=4)
        db.initialize(adb)
        run = adb.run
    elif mode != "bare":
        open_database(f"sqlite:///{path}")
        run = (InlineGateway() if mode == "inline" else Gateway()).run

    async def handle(request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if mode == "bare":
            return web.json_response({"id": n})
        return web.json_response({"id": await run(unit_of_work, n)})

    app = web.Application()
    app.router.add_get("/{n}", handle)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


async def load(port: int, requests: int, concurrency: int) -> dict:
    latencies: list[float] = []
    counter = iter(range(requests))
    async with aiohttp.ClientSession() as session:

        async def worker() -> None:
            for n in counter:
                started = time.perf_counter()
                async with session.get(f"http://127.0.0.1:{port}/{n}") as response:
                    assert response.status == 200, await response.text()
                    await response.read()
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return {
        "rps": requests / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p99": p99(latencies) * 1000,
    }


async def wait_ready(port: int) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(f"http://127.0.0.1:{port}/1") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
    raise RuntimeError("server did not start")


def measure(mode: str, requests: int, concurrency: int, port: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.db")
        prepare(path)
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.db_adapter", "--serve", mode, path, str(port)]
        )
        try:
            asyncio.run(wait_ready(port))
            # Bounded: a mode that stalls is reported, not waited on forever.
            return asyncio.run(asyncio.wait_for(load(port, requests, concurrency), 120))
        finally:
            child.kill()
            child.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--serve", nargs=3, metavar=("MODE", "PATH", "PORT"))
    args = parser.parse_args()
    if args.serve:
        serve(args.serve[0], args.serve[1], int(args.serve[2]))
        return
    results = {}
    for offset, mode in enumerate(MODES):
        try:
            results[mode] = measure(
                mode, args.requests, args.concurrency, 18700 + offset
            )
        except Exception as exc:  # report a mode that cannot run, keep the others
            print(f"{mode:<10} failed: {exc!r}")
            continue
        r, bare = results[mode], results["bare"]["rps"]
        print(
            f"{mode:<10} {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms"
            f"  p99 {r['p99']:6.2f} ms  = {r['rps'] / bare:5.2f} of bare"
        )
    print(
        json.dumps(
            {m: {k: round(v, 2) for k, v in r.items()} for m, r in results.items()}
        )
    )


if __name__ == "__main__":
    main()
