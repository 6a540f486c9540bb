"""FHIR date search values as ranges of instants: precision, prefixes, zones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from core.api.fhir_search import Query, date_ranges, in_ranges
from core.errors import InvalidInput

UTC = dt.UTC
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    "value, ranges",
    [
        ("2026", [(utc(2026, 1, 1), utc(2027, 1, 1))]),
        ("2026-12", [(utc(2026, 12, 1), utc(2027, 1, 1))]),
        ("eq2026-11-24", [(utc(2026, 11, 24), utc(2026, 11, 25))]),
        ("ne2026-11-24", [(None, utc(2026, 11, 24)), (utc(2026, 11, 25), None)]),
        ("ge2026-11-24T09:00", [(utc(2026, 11, 24, 9), None)]),
        ("gt2026-11-24T09:00", [(utc(2026, 11, 24, 9, 1), None)]),
        ("le2026-11-24T09:00:00Z", [(None, utc(2026, 11, 24, 9, 0, 1))]),
        ("lt2026-11-24T09:00:00.5Z", [(None, utc(2026, 11, 24, 9, 0, 0, 500000))]),
        ("eb2026-11-24T04:00:00-05:00", [(None, utc(2026, 11, 24, 9))]),
        ("sa2026-11-24T10:00:00+01:00", [(utc(2026, 11, 24, 9, 0, 1), None)]),
    ],
)
def test_a_value_is_the_span_its_precision_gives(value, ranges):
    assert date_ranges(value, "start", UTC) == ranges


def test_a_day_without_a_zone_is_the_clinics_local_day_dst_included():
    ((lo, hi),) = date_ranges("2026-11-01", "start", NEW_YORK)  # clocks go back
    assert lo == utc(2026, 11, 1, 4) and hi == utc(2026, 11, 2, 5)  # 25 hours
    assert in_ranges(utc(2026, 11, 2, 4, 30), [(lo, hi)])
    assert not in_ranges(utc(2026, 11, 2, 5), [(lo, hi)])


@pytest.mark.parametrize(
    "value",
    ["", "tomorrow", "24/11/2026", "2026-1-5", "2026-11-24T9:00", "ap2026-11-24",
     "2026-02-29", "1899-12-31", "2201-01-01", "2026-11-24T24:00",
     "2026-11-24T09:00+15:00", "2026-11-24T09:00:00+05:60", "xx2026"],
)  # fmt: skip
def test_garbage_is_refused_naming_the_parameter(value):
    with pytest.raises(InvalidInput) as refused:
        date_ranges(value, "start", UTC)
    assert refused.value.field == "start"


def test_tokens_and_paging():
    query = Query((("status", "free,busy"), ("_count", "5"), ("_offset", "10")))
    assert query.one_of("status") == ["free", "busy"]
    assert query.page() == (5, 10)
    assert Query(()).page() == (100, 0)
    query.check(("status",))
    with pytest.raises(InvalidInput, match="Unknown search parameter 'colour'"):
        Query((("colour", "red"),)).check(("status",))
    with pytest.raises(InvalidInput, match="once"):
        Query((("status", "free"), ("status", "busy"))).one_of("status")
