"""Shared bench helpers: time a callable, print median/p99 beside a baseline."""

from __future__ import annotations

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
