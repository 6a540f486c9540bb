"""SMART Scheduling Links (STU 1) bulk publication: the manifest and its files.

`$bulk-publish` lists one Location file, one Schedule file and a Slot file
per ISO week of the published days (the spec leaves the split to the
publisher; a week keeps each response small). Every line is a minified
resource, built by the same functions as the FHIR read endpoints.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from core.api.fhir import Links, instant
from core.api.fhir_clinic import (
    location,
    location_state,
    published_days,
    schedule,
    schedule_rows,
)
from core.api.fhir_slots import Booking, slot, slots_between
from core.errors import NotFound
from core.policy import Policy

MANIFEST = "$bulk-publish"
LOCATIONS = "locations.ndjson"
SCHEDULES = "schedules.ndjson"
_WEEK = re.compile(r"slots-(\d{4})-W(\d{2})\.ndjson")


def _weeks(policy: Policy, now: dt.datetime) -> list[tuple[int, int]]:
    """ISO (year, week) of every published day, in order."""
    first, last = published_days(policy, now)
    weeks: list[tuple[int, int]] = []
    day = first
    while day <= last:
        year, week, _ = day.isocalendar()
        if (year, week) not in weeks:
            weeks.append((year, week))
        day += dt.timedelta(days=1)
    return weeks


def slot_file(year: int, week: int) -> str:
    return f"slots-{year}-W{week:02d}.ndjson"


def manifest(policy: Policy, now: dt.datetime, links: Links) -> dict:
    """The manifest: when, where from, and every file's type and absolute URL."""
    base = f"{links.fhir}/{MANIFEST}"
    state = location_state(policy)
    hint = {"extension": {"state": [state]}} if state else {}
    output = [
        {"type": "Location", "url": f"{base}/{LOCATIONS}", **hint},
        {"type": "Schedule", "url": f"{base}/{SCHEDULES}", **hint},
    ]
    output += [
        {"type": "Slot", "url": f"{base}/{slot_file(*week)}", **hint}
        for week in _weeks(policy, now)
    ]
    return {
        "transactionTime": instant(now),
        "request": base,
        "output": output,
        "error": [],
    }


def ndjson_file(
    name: str, policy: Policy, now: dt.datetime, links: Links, booking: Booking
) -> str:
    """One file of the manifest, a minified resource per line; or NotFound."""
    if name == LOCATIONS:
        resources = [location(policy, links)]
    elif name == SCHEDULES:
        resources = [schedule(row, policy, now, links) for row in schedule_rows()]
    else:
        resources = _week_slots(name, policy, now, booking)
    return "".join(
        json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n"
        for r in resources
    )


def _week_slots(
    name: str, policy: Policy, now: dt.datetime, booking: Booking
) -> list[dict]:
    match = _WEEK.fullmatch(name)
    if match is None or (int(match[1]), int(match[2])) not in _weeks(policy, now):
        raise NotFound(f"{MANIFEST}/{name} is not one of the published files.")
    monday = dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    published_first, published_last = published_days(policy, now)
    first = max(monday, published_first)
    last = min(monday + dt.timedelta(days=6), published_last)
    rows = slots_between(schedule_rows(), first, last, policy, now)
    return [slot(found, policy, booking) for found in rows]
