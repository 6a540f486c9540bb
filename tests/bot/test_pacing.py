"""Rate limits as configured, and SMS/Telegram rendering, as pure rules."""

from __future__ import annotations

import pytest

from bot.pacing import RateLimits
from bot.render import callback_data, sms_text
from core.settings import Settings, SettingsError


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


def test_sms_text_does_not_number_twice():
    choices = (("Confirm", "1"), ("Cancel visit", "2"))
    assert sms_text("Reply:\n1 Confirm\n2 Cancel visit", choices).count("Confirm") == 1
    assert sms_text("Reply:", choices) == "Reply:\n1 Confirm\n2 Cancel visit"


def test_long_callback_data_falls_back_to_the_choice_number():
    assert callback_data(3, "x" * 64) == "x" * 64
    assert callback_data(3, "é" * 33) == "3"  # 66 bytes
