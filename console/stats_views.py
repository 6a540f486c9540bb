"""Stats for a date range with SVG charts, and CSV exports of visits and tables."""

from __future__ import annotations

import csv
import datetime as dt
import io

from aiohttp import web

from console import common, forms
from console.auth import STAFF, allow
from console.auth import now as clock_now
from console.render import render
from core.views.exports import MESSAGE_HEADER, VISIT_HEADER, message_rows, visit_rows
from core.views.stats import STATUSES, Stats, check_range, clinic_stats

DEFAULT_DAYS = 30
TABLES = (
    "visits",
    "by_status",
    "by_doctor",
    "by_department",
    "messages_per_day",
    "messages",
)


def _default_range(request: web.Request, policy) -> tuple[dt.date, dt.date]:
    today = clock_now(request).astimezone(policy.tz).date()
    return today - dt.timedelta(days=DEFAULT_DAYS - 1), today


async def _range(request: web.Request, policy) -> tuple[dt.date, dt.date]:
    last = forms.date(request.query, "to", required=False)
    last = last or _default_range(request, policy)[1]
    first = forms.date(request.query, "from", required=False) or last - dt.timedelta(
        days=DEFAULT_DAYS - 1
    )
    await common.db(request, check_range, first, last)
    return first, last


@allow(*STAFF)
async def stats_page(request: web.Request) -> web.StreamResponse:
    """Figures, rates and charts for the chosen range (default: last 30 days).

    A range that cannot be shown is explained beside the dates, over the
    default range's figures, rather than on an error page.
    """
    policy = await common.policy(request)
    error, status = "", 200
    try:
        first, last = await _range(request, policy)
    except web.HTTPBadRequest as refused:
        error, status = refused.text, 400
        first, last = _default_range(request, policy)
    stats: Stats = await common.db(request, clinic_stats, first, last, policy)
    context = {
        "range_error": error,
        "typed": {k: request.query.get(k, "") for k in ("from", "to")} if error else {},
        "stats": stats,
        "statuses": STATUSES,
        "status_items": [(s.replace("_", " "), stats.by_status[s]) for s in STATUSES],
        "department_items": [
            (n, sum(c.values())) for n, c in stats.by_department.items()
        ],
        "doctor_items": [(n, sum(c.values())) for n, c in stats.by_doctor.items()],
        "csv_tables": TABLES,
    }
    return render("stats.html", request, context, status=status)


def _cell(value):
    """Neutralise spreadsheet formulas in text a patient could have typed."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# Excel reads a CSV without a byte-order mark as the local code page, so
# "García" arrives as "GarcÃ­a"; with it, as UTF-8. Other tools skip it.
BOM = "\ufeff".encode()


def _csv(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[_cell(v) for v in row] for row in rows])
    return buffer.getvalue().encode()


def _table(stats: Stats, table: str) -> list[tuple]:
    if table == "by_status":
        return [("status", "visits"), *((s, stats.by_status[s]) for s in STATUSES)]
    if table in ("by_doctor", "by_department"):
        groups = stats.by_doctor if table == "by_doctor" else stats.by_department
        head = (table.removeprefix("by_"), *STATUSES, "total")
        return [
            head,
            *(
                (n, *(c[s] for s in STATUSES), sum(c.values()))
                for n, c in groups.items()
            ),
        ]
    return [("day", "sent", "delivered", "failed"), *stats.messages_per_day]


@allow(*STAFF)
async def stats_csv(request: web.Request) -> web.StreamResponse:
    """CSV of visits, messages (streamed in chunks) or one of the stats tables."""
    table = request.query.get("table", "visits")
    if table not in TABLES:
        raise forms.bad(f"table must be one of {', '.join(TABLES)}.")
    policy = await common.policy(request)
    first, last = await _range(request, policy)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{table}-{first}-{last}.csv"',
        }
    )
    if table in ("visits", "messages"):
        header, fetch = (
            (VISIT_HEADER, visit_rows)
            if table == "visits"
            else (MESSAGE_HEADER, message_rows)
        )
        await response.prepare(request)
        await response.write(BOM + _csv([header]))
        after = 0
        while rows := await common.db(request, fetch, first, last, policy, after):
            await response.write(_csv(rows))
            after = rows[-1][0]
        await response.write_eof()
        return response
    stats = await common.db(request, clinic_stats, first, last, policy)
    await response.prepare(request)
    await response.write(BOM + _csv(_table(stats, table)))
    await response.write_eof()
    return response
