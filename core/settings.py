"""Service configuration: one frozen dataclass built from the environment."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LOG_FORMATS = ("text", "json")
# The access log: a line per request, only those that went wrong, or none.
ACCESS_LOGS = ("all", "errors", "off")
# `serve --demo` without CLINICBOT_TIMEZONE: a real zone, so the demo shows
# what a clinic sees (UTC hides every time-zone mistake).
DEMO_TIMEZONE = "America/New_York"
# What the clinic starts on WhatsApp (outside the 24-hour window, templates only):
# the outbox's message kinds other than a reply to the patient.
WHATSAPP_PURPOSES = ("reminder", "notice", "staff", "waitlist")


class SettingsError(ValueError):
    """A configuration value is missing or invalid; the message names the variable."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///clinicbot.db"
    secret_key: str = ""
    public_url: str = ""
    timezone: str = "UTC"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_api_base_url: str = ""
    telegram_bot_token: str = ""
    telegram_webhook_secret: str = ""
    telegram_api_base_url: str = ""
    twilio_whatsapp_from: str = ""  # whatsapp:+E164; WhatsApp is off without it
    # Approved Content templates for messages the clinic starts on WhatsApp,
    # as "purpose.lang=HX...,..." (purposes: WHATSAPP_PURPOSES).
    twilio_whatsapp_templates: str = ""
    smtp_url: str = ""  # smtp://user:pass@host:port or smtps://; email off without it
    email_from: str = ""
    # Outbound messages per second (0 lifts a limit), as the providers ask.
    sms_rate: float = 1.0
    telegram_rate: float = 25.0
    telegram_chat_rate: float = 1.0
    # Database threads (each with its own connection) per process on PostgreSQL.
    database_threads: int = 8
    # /metrics from anywhere with this bearer token; loopback only without it.
    metrics_token: str = ""
    log_format: str = "text"  # text | json (one object per line)
    access_log: str = "errors"  # all | errors (status >= 400, slow) | off
    # Requests per second (and the burst allowed) per API token, per process.
    api_rate_per_second: float = 20.0
    api_rate_burst: int = 40
    # Webhooks may go to http:// and private addresses (local integrations, tests).
    webhooks_allow_private: bool = False
    demo: bool = False

    def __post_init__(self) -> None:
        self.validate()

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def twilio_configured(self) -> bool:
        return bool(self.twilio_account_sid and self.twilio_auth_token)

    @property
    def telegram_configured(self) -> bool:
        return bool(self.telegram_bot_token)

    @property
    def sms_configured(self) -> bool:
        return self.twilio_configured and bool(
            self.twilio_from_number or self.twilio_messaging_service_sid
        )

    @property
    def whatsapp_configured(self) -> bool:
        return self.twilio_configured and bool(self.twilio_whatsapp_from)

    @property
    def email_configured(self) -> bool:
        return bool(self.smtp_url)

    @property
    def whatsapp_templates(self) -> dict[tuple[str, str], str]:
        """{(purpose, language): ContentSid} from TWILIO_WHATSAPP_TEMPLATES."""
        return parse_templates(self.twilio_whatsapp_templates)

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def validate(self) -> None:
        """Raise SettingsError naming the first bad variable."""
        scheme = urlparse(self.database_url).scheme
        if scheme not in {"sqlite", "postgresql", "postgres", "postgresext"}:
            raise SettingsError(
                "CLINICBOT_DATABASE_URL must start with sqlite:/// or postgresql://"
                f" (got {self.database_url!r})"
            )
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(
                f"CLINICBOT_TIMEZONE {self.timezone!r} is not an IANA time zone"
                " name such as Europe/Berlin"
            ) from None
        if self.public_url:
            parsed = urlparse(self.public_url)
            if parsed.scheme not in {"http", "https"} or not parsed.netloc:
                raise SettingsError(
                    "CLINICBOT_PUBLIC_URL must be an absolute http(s) URL"
                    f" (got {self.public_url!r})"
                )
        if not self.demo and len(self.secret_key) < 16:
            raise SettingsError(
                "CLINICBOT_SECRET_KEY must be set to at least 16 characters"
                " (only `serve --demo` may run without one)"
            )
        if self.log_format not in LOG_FORMATS:
            raise SettingsError(
                f"CLINICBOT_LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}"
                f" (got {self.log_format!r})"
            )
        if self.access_log not in ACCESS_LOGS:
            raise SettingsError(
                f"CLINICBOT_ACCESS_LOG must be one of {', '.join(ACCESS_LOGS)}"
                f" (got {self.access_log!r})"
            )
        if self.metrics_token and len(self.metrics_token) < 16:
            raise SettingsError(
                "CLINICBOT_METRICS_TOKEN must be at least 16 characters when set"
            )
        if bool(self.twilio_account_sid) != bool(self.twilio_auth_token):
            raise SettingsError(
                "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together"
            )
        if self.twilio_configured and not (
            self.twilio_from_number
            or self.twilio_messaging_service_sid
            or self.twilio_whatsapp_from
        ):
            raise SettingsError(
                "TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID, or"
                " TWILIO_WHATSAPP_FROM) is required when Twilio credentials are set"
            )
        self._validate_whatsapp()
        self._validate_email()
        for name, url in (
            ("TWILIO_API_BASE_URL", self.twilio_api_base_url),
            ("TELEGRAM_API_BASE_URL", self.telegram_api_base_url),
        ):
            if url and urlparse(url).scheme not in {"http", "https"}:
                raise SettingsError(f"{name} must be an http(s) URL (got {url!r})")

    def _validate_whatsapp(self) -> None:
        sender = self.twilio_whatsapp_from
        if sender and not (sender.startswith("whatsapp:+") and sender[10:].isdigit()):
            raise SettingsError(
                "TWILIO_WHATSAPP_FROM must look like whatsapp:+14155238886"
                f" (got {sender!r})"
            )
        if sender and not self.twilio_configured:
            raise SettingsError(
                "TWILIO_WHATSAPP_FROM needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"
            )
        parse_templates(self.twilio_whatsapp_templates)  # raises on a bad entry

    def _validate_email(self) -> None:
        if not self.smtp_url:
            return
        parsed = urlparse(self.smtp_url)
        if parsed.scheme not in {"smtp", "smtps"} or not parsed.hostname:
            raise SettingsError(
                "CLINICBOT_SMTP_URL must look like smtp://user:pass@host:587"
                " or smtps://user:pass@host:465"
            )
        try:
            parsed.port  # noqa: B018 - a non-numeric port raises here
        except ValueError:
            raise SettingsError("CLINICBOT_SMTP_URL has a bad port") from None
        if "@" not in self.email_from:
            raise SettingsError(
                "CLINICBOT_EMAIL_FROM must be an email address when"
                " CLINICBOT_SMTP_URL is set"
            )

    @classmethod
    def from_env(
        cls,
        environ: dict[str, str] | None = None,
        *,
        demo: bool = False,
        demo_clinic: bool = False,
    ) -> Settings:
        """Build settings from the environment, after reading .env if present.

        demo: a secret key may be missing (a throwaway one is made).
        demo_clinic: the demo clinic is seeded; its zone defaults to DEMO_TIMEZONE.
        """
        env = dict(read_dotenv(Path(".env")))
        env.update(os.environ if environ is None else environ)
        secret = env.get("CLINICBOT_SECRET_KEY", "")
        if demo and not secret:
            # A throwaway key: demo sessions simply end when the process does.
            secret = secrets.token_urlsafe(32)
        return cls(
            database_url=env.get("CLINICBOT_DATABASE_URL", cls.database_url),
            secret_key=secret,
            public_url=env.get("CLINICBOT_PUBLIC_URL", "").rstrip("/"),
            timezone=env.get(
                "CLINICBOT_TIMEZONE", DEMO_TIMEZONE if demo_clinic else cls.timezone
            ),
            twilio_account_sid=env.get("TWILIO_ACCOUNT_SID", ""),
            twilio_auth_token=env.get("TWILIO_AUTH_TOKEN", ""),
            twilio_from_number=env.get("TWILIO_FROM_NUMBER", ""),
            twilio_messaging_service_sid=env.get("TWILIO_MESSAGING_SERVICE_SID", ""),
            twilio_api_base_url=env.get("TWILIO_API_BASE_URL", "").rstrip("/"),
            telegram_bot_token=env.get("TELEGRAM_BOT_TOKEN", ""),
            telegram_webhook_secret=env.get("TELEGRAM_WEBHOOK_SECRET", ""),
            telegram_api_base_url=env.get("TELEGRAM_API_BASE_URL", "").rstrip("/"),
            twilio_whatsapp_from=env.get("TWILIO_WHATSAPP_FROM", "").strip(),
            twilio_whatsapp_templates=env.get("TWILIO_WHATSAPP_TEMPLATES", ""),
            smtp_url=env.get("CLINICBOT_SMTP_URL", "").strip(),
            email_from=env.get("CLINICBOT_EMAIL_FROM", "").strip(),
            sms_rate=_rate(env, "CLINICBOT_SMS_RATE", cls.sms_rate),
            telegram_rate=_rate(env, "CLINICBOT_TELEGRAM_RATE", cls.telegram_rate),
            telegram_chat_rate=_rate(
                env, "CLINICBOT_TELEGRAM_CHAT_RATE", cls.telegram_chat_rate
            ),
            database_threads=_count(env, "CLINICBOT_DATABASE_THREADS", 8),
            metrics_token=env.get("CLINICBOT_METRICS_TOKEN", ""),
            log_format=env.get("CLINICBOT_LOG_FORMAT", cls.log_format).strip().lower(),
            access_log=env.get("CLINICBOT_ACCESS_LOG", cls.access_log).strip().lower(),
            api_rate_per_second=_rate(
                env, "CLINICBOT_API_RATE", cls.api_rate_per_second
            ),
            api_rate_burst=_count(env, "CLINICBOT_API_BURST", cls.api_rate_burst),
            webhooks_allow_private=env.get("CLINICBOT_WEBHOOKS_ALLOW_PRIVATE", "")
            .strip()
            .lower()
            in {"1", "true", "yes"},
            demo=demo,
        )


def parse_templates(raw: str) -> dict[tuple[str, str], str]:
    """ "reminder.en=HX...,reminder.es=HX..." as {(purpose, lang): sid}."""
    templates = {}
    for entry in raw.replace("\n", ",").split(","):
        if not entry.strip():
            continue
        key, _, sid = entry.partition("=")
        purpose, _, lang = key.strip().partition(".")
        if purpose not in WHATSAPP_PURPOSES or not lang or not sid.strip():
            raise SettingsError(
                "TWILIO_WHATSAPP_TEMPLATES entries look like reminder.en=HX...;"
                f" purposes: {', '.join(WHATSAPP_PURPOSES)} (got {entry.strip()!r})"
            )
        templates[(purpose, lang.strip())] = sid.strip()
    return templates


def _count(env: dict[str, str], name: str, default: int) -> int:
    """A whole number from 1 to 64."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise SettingsError(f"{name} must be a whole number from 1 to 64 (got {raw!r})")
    return int(raw)


def _rate(env: dict[str, str], name: str, default: float) -> float:
    """A messages-per-second variable: a non-negative number."""
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(
            f"{name} must be messages per second, e.g. 1 or 0.5"
        ) from None
    if value < 0 or value != value:  # negative or NaN
        raise SettingsError(f"{name} must be a number of messages per second >= 0")
    return value


def read_dotenv(path: Path) -> dict[str, str]:
    """Parse KEY=VALUE lines; blank lines and # comments are skipped."""
    if not path.is_file():
        return {}
    values = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.removeprefix("export ").strip()
        values[key] = value.strip().strip("'\"")
    return values
