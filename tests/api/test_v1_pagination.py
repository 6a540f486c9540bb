"""Appointment pages: filters, and a cursor walk that sees every row once."""

from __future__ import annotations

import datetime as dt

from core.audit import Actor
from core.clinic import booking
from core.models import Appointment
from tests.api.conftest import bearer, book_visit

UTC = dt.UTC


def _many(clinic, now, count):
    """count visits, several sharing a start (two doctors), over days."""
    ids = []
    for n in range(count):
        day = dt.datetime(2026, 11, 24 + n // 8, 9, tzinfo=UTC)
        start = day + dt.timedelta(minutes=30 * (n % 8 // 2))
        doctor = clinic["doctor"] if n % 2 else clinic["other"]
        ids.append(book_visit(clinic, now, start=start, doctor=doctor).id)
    return ids


async def _walk(api_client, headers, query):
    seen, cursor, pages = [], None, 0
    while True:
        url = f"/api/v1/appointments?{query}" + (f"&cursor={cursor}" if cursor else "")
        page = await (await api_client.get(url, headers=headers)).json()
        seen += page["data"]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return seen, pages


async def test_cursor_walk_sees_every_row_once(api_client, token_for, clinic, now):
    ids = _many(clinic, now, 23)
    seen, pages = await _walk(api_client, bearer(token_for("staff")), "limit=5")
    assert sorted(v["id"] for v in seen) == sorted(ids)
    assert len(seen) == len(ids) and pages == 5
    order = [(v["start"], v["id"]) for v in seen]
    assert order == sorted(order)


async def test_rows_added_during_a_walk_do_not_repeat_earlier_ones(
    api_client, token_for, clinic, now
):
    ids = _many(clinic, now, 6)
    headers = bearer(token_for("staff"))
    first = await (
        await api_client.get("/api/v1/appointments?limit=3", headers=headers)
    ).json()
    later = book_visit(clinic, now, start=dt.datetime(2026, 11, 27, 9, tzinfo=UTC))
    rest = await (
        await api_client.get(
            f"/api/v1/appointments?limit=50&cursor={first['next_cursor']}",
            headers=headers,
        )
    ).json()
    walked = [v["id"] for v in first["data"] + rest["data"]]
    assert sorted(walked) == sorted([*ids, later.id])


async def test_filters(api_client, token_for, clinic, now):
    ids = _many(clinic, now, 10)
    booking.cancel(ids[0], Actor("staff", 1), "", now)
    headers = bearer(token_for("doctor"))

    async def listed(query):
        page = await (
            await api_client.get(f"/api/v1/appointments?{query}", headers=headers)
        ).json()
        return {v["id"] for v in page["data"]}

    own = clinic["doctor"].id
    assert await listed(f"doctor={own}") == {
        a.id for a in Appointment.select().where(Appointment.doctor == own)
    }
    assert await listed("status=cancelled") == {ids[0]}
    assert await listed(f"patient={clinic['patient'].id}") == set(ids)
    assert await listed("patient=999") == set()
    day = await listed("from=2026-11-25T00:00:00Z&to=2026-11-26T00:00:00Z")
    assert day == set(ids[8:10])
    # An offset is honoured: 10:00 at UTC+1 is 09:00 UTC, when the first starts.
    assert await listed("to=2026-11-24T10:00:00%2B01:00") == set()
