"""Rate-limit buckets: the GCRA rule, and its state shared through the database."""

from __future__ import annotations

import datetime as dt

from bot.pacing import RateLimits
from core.messaging.pacing import Buckets
from core.models import SendRate
from core.storage.db import write_transaction

T0 = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


def test_half_a_message_per_second_spaces_sends_two_seconds_apart():
    rate_of = RateLimits(sms_per_number=0.5).rate_for
    buckets = Buckets({})
    assert buckets.admit(("sms:+1",), rate_of, T0) is None
    assert buckets.admit(("sms:+1",), rate_of, T0 + SECOND) == T0 + 2 * SECOND
    assert buckets.admit(("sms:+2",), rate_of, T0 + SECOND) is None  # another number
    assert buckets.admit(("sms:+1",), rate_of, T0 + 2 * SECOND) is None


def test_a_refused_send_takes_no_token_from_other_keys():
    rate_of = RateLimits(telegram_overall=2, telegram_per_chat=1).rate_for
    buckets = Buckets({})
    assert buckets.admit(("telegram", "telegram:1"), rate_of, T0) is None
    # Chat 1 is busy; the overall bucket must not lose a token for it.
    assert buckets.admit(("telegram", "telegram:1"), rate_of, T0) is not None
    assert buckets.admit(("telegram", "telegram:2"), rate_of, T0) is None


def _claim(keys, rate_of, now, tries):
    """One dispatcher's claim: load the buckets, admit `tries` sends, store."""
    with write_transaction():
        buckets = Buckets.load(keys, now)
        admitted = sum(buckets.admit(keys, rate_of, now) is None for _ in range(tries))
        buckets.store()
    return admitted


def test_dispatchers_share_one_bucket_through_the_database(database):
    """Three claims in a row (three processes) get one second's worth between them."""
    rate_of = RateLimits(sms_per_number=5).rate_for
    keys = ("sms:+15550009999",)
    admitted = [_claim(keys, rate_of, T0, tries=5) for _ in range(3)]
    assert admitted == [5, 0, 0]  # not 5 each
    assert _claim(keys, rate_of, T0 + SECOND, tries=5) == 5  # refilled a second on


def test_idle_buckets_are_forgotten(database):
    rate_of = RateLimits(telegram_per_chat=1).rate_for
    for chat in range(20):
        _claim((f"telegram:{chat}",), rate_of, T0, tries=1)
    assert SendRate.select().count() == 20
    _claim(("telegram:new",), rate_of, T0 + dt.timedelta(hours=1), tries=1)
    assert [r.key for r in SendRate.select()] == ["telegram:new"]
