"""Rate limits and SMS/Telegram rendering as pure rules."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.pacing import RateLimiter, RateLimits
from bot.render import callback_data, sms_text
from core.settings import Settings, SettingsError

T0 = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
SECOND = dt.timedelta(seconds=1)


def test_rate_limits_come_from_settings():
    env = {"CLINICBOT_SECRET_KEY": "k" * 20}
    settings = Settings.from_env(
        {**env, "CLINICBOT_SMS_RATE": "0.5", "CLINICBOT_TELEGRAM_RATE": "0"}
    )
    limits = RateLimits.from_settings(settings)
    assert limits == RateLimits(sms_per_number=0.5, telegram_overall=0.0)
    assert RateLimits.from_settings(Settings.from_env(env)) == RateLimits(1, 25, 1)


@pytest.mark.parametrize("value", ["fast", "-1", "nan"])
def test_bad_rate_names_the_variable(value):
    with pytest.raises(SettingsError, match="CLINICBOT_SMS_RATE"):
        Settings.from_env(
            {"CLINICBOT_SECRET_KEY": "k" * 20, "CLINICBOT_SMS_RATE": value}
        )


def test_half_a_message_per_second_spaces_sends_two_seconds_apart():
    limiter = RateLimiter(RateLimits(sms_per_number=0.5))
    assert limiter.admit(("sms:+1",), T0) is None
    assert limiter.admit(("sms:+1",), T0 + SECOND) == T0 + 2 * SECOND
    assert limiter.admit(("sms:+2",), T0 + SECOND) is None  # another number
    assert limiter.admit(("sms:+1",), T0 + 2 * SECOND) is None


def test_a_refused_send_takes_no_token_from_other_keys():
    limiter = RateLimiter(RateLimits(telegram_overall=2, telegram_per_chat=1))
    assert limiter.admit(("telegram", "telegram:1"), T0) is None
    # Chat 1 is busy; the overall bucket must not lose a token for it.
    assert limiter.admit(("telegram", "telegram:1"), T0) is not None
    assert limiter.admit(("telegram", "telegram:2"), T0) is None


def test_sms_text_does_not_number_twice():
    choices = (("Confirm", "1"), ("Cancel visit", "2"))
    assert sms_text("Reply:\n1 Confirm\n2 Cancel visit", choices).count("Confirm") == 1
    assert sms_text("Reply:", choices) == "Reply:\n1 Confirm\n2 Cancel visit"


def test_long_callback_data_falls_back_to_the_choice_number():
    assert callback_data(3, "x" * 64) == "x" * 64
    assert callback_data(3, "é" * 33) == "3"  # 66 bytes
