"""Shared bench helpers: time a callable, print median/p99 beside a baseline."""

from __future__ import annotations

import functools
import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Seconds per call, for repeat calls (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def report(
    name: str, samples: list[float], baseline: list[float], target_ms: float
) -> None:
    """One line: median and p99 in ms, ratio to the baseline, and the target."""
    median, base = statistics.median(samples), statistics.median(baseline)
    verdict = "ok" if median * 1000 <= target_ms else "OVER TARGET"
    print(
        f"{name:<44} median {median * 1000:8.3f} ms  p99 {p99(samples) * 1000:8.3f} ms"
        f"  = {median / base:6.1f}x baseline  (target <= {target_ms} ms: {verdict})"
    )


def add_database_option(parser) -> None:
    """--database URL, which every bench that touches the database takes."""
    parser.add_argument(
        "--database",
        help="a PostgreSQL URL to bench on (its schema is wiped); default SQLite",
    )


def bench_database(url: str | None, tmp: str) -> str:
    """The URL to bench on: a fresh SQLite file, or the given PostgreSQL emptied.

    A PostgreSQL database passed with --database is wiped (its public schema
    dropped): point it at a database kept for benches.
    """
    if not url or url.startswith("sqlite"):
        return url or f"sqlite:///{tmp}/bench.db"
    from core.storage.db import db, open_database

    database = open_database(url)
    database.execute_sql("DROP SCHEMA IF EXISTS public CASCADE")
    database.execute_sql("CREATE SCHEMA public")
    db.close()
    return url


def pgbench_tps(url: str, clients: int = 16, seconds: int = 10) -> str:
    """pgbench's TPC-B-like figure on the same server, or why there is none.

    Run in its own schema-less tables (pgbench_*), dropped afterwards.
    """
    import re
    import shutil
    import subprocess

    if not url.startswith("postgres") or not shutil.which("pgbench"):
        return "pgbench: not run (no PostgreSQL URL or no pgbench)"
    run = functools.partial(subprocess.run, capture_output=True, text=True)
    init = run(["pgbench", "-i", "-q", "-s", "10", url])
    if init.returncode:
        return f"pgbench: init failed: {init.stderr.strip()[:200]}"
    try:
        result = run(
            ["pgbench", "-c", str(clients), "-j", "2", "-T", str(seconds), url]
        )
    finally:
        run(["pgbench", "-i", "-I", "d", url])  # drop its tables
    tps = re.search(r"tps = ([\d.]+)", result.stdout)
    latency = re.search(r"latency average = ([\d.]+) ms", result.stdout)
    if not tps:
        return f"pgbench: no figure: {result.stderr.strip()[:200]}"
    return (
        f"pgbench TPC-B-like, {clients} clients, same server: "
        f"{float(tps.group(1)):,.0f} tps, latency avg "
        f"{float(latency.group(1)) if latency else float('nan'):.1f} ms"
    )
