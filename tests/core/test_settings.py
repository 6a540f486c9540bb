"""Settings come from the environment; a bad value names its variable."""

from __future__ import annotations

import pytest

from core.settings import Settings, SettingsError

GOOD = {"CLINICBOT_SECRET_KEY": "x" * 32}


def test_defaults_are_the_embedded_clinic():
    settings = Settings.from_env(GOOD)
    assert settings.database_url == "sqlite:///clinicbot.db"
    assert settings.timezone == "UTC" and settings.is_sqlite
    assert not settings.twilio_configured and not settings.telegram_configured


def test_demo_needs_no_secret_and_gets_a_random_one():
    first, second = Settings.from_env({}, demo=True), Settings.from_env({}, demo=True)
    assert len(first.secret_key) >= 32 and first.secret_key != second.secret_key


@pytest.mark.parametrize(
    "env,variable",
    [
        ({}, "CLINICBOT_SECRET_KEY"),
        ({**GOOD, "CLINICBOT_SECRET_KEY": "short"}, "CLINICBOT_SECRET_KEY"),
        ({**GOOD, "CLINICBOT_TIMEZONE": "Mars/Olympus"}, "CLINICBOT_TIMEZONE"),
        ({**GOOD, "CLINICBOT_DATABASE_URL": "mysql://x"}, "CLINICBOT_DATABASE_URL"),
        ({**GOOD, "CLINICBOT_PUBLIC_URL": "clinic.example"}, "CLINICBOT_PUBLIC_URL"),
        ({**GOOD, "TWILIO_ACCOUNT_SID": "AC1"}, "TWILIO_AUTH_TOKEN"),
        (
            {**GOOD, "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"},
            "TWILIO_FROM_NUMBER",
        ),
        ({**GOOD, "TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL"),
    ],
)
def test_bad_values_name_the_variable(env, variable):
    with pytest.raises(SettingsError, match=variable):
        Settings.from_env(env)


def test_dotenv_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text(
        "# clinic\nCLINICBOT_TIMEZONE='Europe/Berlin'\nexport CLINICBOT_SECRET_KEY="
        + "k" * 20
        + "\nCLINICBOT_PUBLIC_URL=https://a.example/\n"
    )
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"CLINICBOT_PUBLIC_URL": "https://b.example"})
    assert settings.timezone == "Europe/Berlin"
    assert settings.public_url == "https://b.example" and settings.secure_cookies
