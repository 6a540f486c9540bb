"""How well, and how fast, one message is understood (issue 13).

    python -m bench.understanding [--repeat 5] [--show-misses]

Plays the labelled corpus (tests/core/dialog/corpus/messages.jsonl, patient
messages in English and Spanish with the intent and details a receptionist
would read) through core.dialog.intents.read against the demo clinic's
names, and prints accuracy per intent and per detail, and the cost per
message (p50, p99) beside a baseline measured in the same run: the old
reader (understand.normalize + keyword), which understood almost nothing.
Targets: intent >= 95%, details >= 90%, p99 <= 1 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from collections import Counter, defaultdict
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / (
    "tests/core/dialog/corpus/messages.jsonl"
)
TODAY = dt.date(2026, 11, 23)  # the corpus's "today": a Monday
DETAILS = ("doctor", "department", "visit_type", "day", "time", "after", "before",
           "part", "name", "topic", "minutes")  # fmt: skip


def demo_catalog():
    """The demo clinic's names as a Catalog, without a database."""
    from core.demo import DOCTORS
    from core.dialog.catalog import Catalog, Named

    departments = sorted({dept for _, dept, *_ in DOCTORS})
    dept_ids = {name: i for i, name in enumerate(departments, 1)}
    spanish = {"General Practice": "Medicina general", "Paediatrics": "Pediatría",
               "Dermatology": "Dermatología"}  # fmt: skip
    doctors = [
        Named(i, name, {}, department_id=dept_ids[dept])
        for i, (name, dept, *_) in enumerate(DOCTORS, 1)
    ]
    kinds = [("Consultation", 30, "Consulta"), ("New patient", 60, "Primera visita"),
             ("Follow-up", 30, "Revisión")]  # fmt: skip
    return Catalog(
        doctors,
        [Named(dept_ids[n], n, {"es": spanish[n]}) for n in departments],
        [Named(i, n, {"es": es}, minutes=m) for i, (n, m, es) in enumerate(kinds, 1)],
    )


def load(path: Path = CORPUS) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def observed(reading, catalog) -> dict:
    """A Reading as the corpus labels it."""

    def hhmm(value):
        return value.strftime("%H:%M") if value else None

    doctor = catalog.doctor(reading.doctor_id) if reading.doctor_id else None
    department = next(
        (d.name for d in catalog.departments if d.id == reading.department_id), None
    )
    kind = next(
        (v.name for v in catalog.visit_types if v.id == reading.visit_type_id), None
    )
    values = {
        "doctor": doctor.name.split()[-1].lower() if doctor else None,
        "department": department,
        "visit_type": kind,
        "day": reading.day.isoformat() if reading.day else None,
        "time": hhmm(reading.at),
        "after": hhmm(reading.wish.after),
        "before": hhmm(reading.wish.before),
        "part": reading.wish.part,
        "name": reading.name,
        "topic": reading.topic,
        "minutes": reading.minutes,
    }
    return {key: value for key, value in values.items() if value is not None}


def _fold(value):
    import unicodedata

    if not isinstance(value, str):
        return value
    text = unicodedata.normalize("NFKD", value.casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def evaluate(items: list[dict], catalog) -> dict:
    """Per-intent and per-detail right/total, and the misses."""
    from core.dialog.intents import read

    intents = defaultdict(lambda: [0, 0])
    details = defaultdict(lambda: [0, 0])
    misses = []
    for item in items:
        reading = read(
            item["text"], catalog, TODAY, item["lang"], context=item["context"]
        )
        got = observed(reading, catalog)
        want = item["intent"]
        intents[want][1] += 1
        wrong = []
        if reading.intent == want:
            intents[want][0] += 1
        else:
            wrong.append(f"intent {reading.intent}")
        for key, value in item["details"].items():
            if key not in DETAILS:
                continue
            details[key][1] += 1
            if _fold(got.get(key)) == _fold(value):
                details[key][0] += 1
            else:
                wrong.append(f"{key} {got.get(key)!r} != {value!r}")
        if wrong:
            misses.append((item["text"], want, wrong))
    return {"intents": dict(intents), "details": dict(details), "misses": misses}


def _share(pairs) -> float:
    right = sum(r for r, _ in pairs)
    total = sum(t for _, t in pairs)
    return right / total if total else 1.0


def _timings(items, catalog, repeat: int) -> tuple[list[float], list[float]]:
    from core.dialog import understand
    from core.dialog.intents import read

    new, old = [], []
    for _ in range(repeat):
        for item in items:
            started = time.perf_counter()
            read(item["text"], catalog, TODAY, item["lang"], context=item["context"])
            new.append(time.perf_counter() - started)
            started = time.perf_counter()
            understand.keyword(understand.normalize(item["text"]), item["text"])
            old.append(time.perf_counter() - started)
    return new, old


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    catalog = demo_catalog()
    items = load()
    result = evaluate(items, catalog)
    print(f"corpus: {len(items)} messages "
          f"({Counter(i['lang'] for i in items)['es']} in Spanish)")  # fmt: skip
    print(f"{'intent':<12} right/total")
    for intent, (right, total) in sorted(result["intents"].items()):
        print(f"{intent:<12} {right:>3}/{total:<3} {right / total:6.1%}")
    print(f"{'all intents':<12} {_share(result['intents'].values()):6.1%}")
    print(f"{'detail':<12} right/total")
    for key, (right, total) in sorted(result["details"].items()):
        print(f"{key:<12} {right:>3}/{total:<3} {right / total:6.1%}")
    print(f"{'all details':<12} {_share(result['details'].values()):6.1%}")
    new, old = _timings(items, catalog, args.repeat)
    q = statistics.quantiles
    p50, p99 = q(new, n=100)[49] * 1e6, q(new, n=100)[98] * 1e6
    base50, base99 = q(old, n=100)[49] * 1e6, q(old, n=100)[98] * 1e6
    print(f"cost per message: p50 {p50:.0f} µs, p99 {p99:.0f} µs "
          f"(old keyword reader: p50 {base50:.1f} µs, p99 {base99:.1f} µs; "
          f"{p50 / base50:.0f}x at p50)")  # fmt: skip
    if args.show_misses:
        for text, want, wrong in result["misses"]:
            print(f"MISS [{want}] {text!r}: {'; '.join(wrong)}")


if __name__ == "__main__":
    main()
