"""The process's Prometheus metrics (prometheus-client), served at /metrics.

Counts and timings only: no label ever holds a phone number, a chat id, a
name or a message (they are health data). Each process serves its own;
Prometheus adds them up across `serve --role web|scheduler` processes.
"""

from __future__ import annotations

from prometheus_client import REGISTRY, Counter, Gauge, Histogram

# Turns take ~0.3 ms on SQLite and a few ms on PostgreSQL; a slow one, seconds.
TURN_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)
# A reminder goes within a tick (60 s) unless quiet hours or retries hold it.
LAG_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 900, 3600, 4 * 3600, 12 * 3600)

INBOUND = Counter(
    "clinicbot_inbound_messages",
    "Messages received from patients, by channel.",
    ["channel"],
)
TURN_SECONDS = Histogram(
    "clinicbot_turn_seconds",
    "Time to run one inbound message through the dialog, by channel.",
    ["channel"],
    buckets=TURN_BUCKETS,
)
OUTBOX_SENT = Counter(
    "clinicbot_outbox_sent",
    "Outbound messages the provider accepted, by channel.",
    ["channel"],
)
OUTBOX_FAILED = Counter(
    "clinicbot_outbox_failed",
    "Outbound send attempts that failed, by channel and whether for good.",
    ["channel", "permanent"],
)
OUTBOX_QUEUED = Gauge(
    "clinicbot_outbox_queued",
    "Outbound messages waiting to be sent, by channel (read at scrape time).",
    ["channel"],
)
REMINDER_LAG = Histogram(
    "clinicbot_reminder_lag_seconds",
    "Sent time minus due time of each reminder.",
    buckets=LAG_BUCKETS,
)
TICK_SECONDS = Histogram(
    "clinicbot_scheduler_tick_seconds",
    "Duration of one scheduler tick (every job once).",
    buckets=(0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60),
)
TICK_LAST_SUCCESS = Gauge(
    "clinicbot_scheduler_last_success_timestamp_seconds",
    "Unix time of the last scheduler tick that completed.",
)
DATABASE_ERRORS = Counter(
    "clinicbot_database_errors",
    "Database failures seen by the service, by where they were caught.",
    ["where"],
)
FAILED_LOGINS = Counter(
    "clinicbot_failed_logins",
    "Console sign-ins refused: a wrong password, or throttled.",
    ["reason"],
)

for _channel in ("sms", "telegram"):  # so dashboards see zeros, not gaps
    INBOUND.labels(_channel)
    OUTBOX_SENT.labels(_channel)
for _reason in ("wrong_password", "throttled"):
    FAILED_LOGINS.labels(_reason)


def database_error(where: str) -> None:
    DATABASE_ERRORS.labels(where).inc()


__all__ = [
    "DATABASE_ERRORS",
    "FAILED_LOGINS",
    "INBOUND",
    "OUTBOX_FAILED",
    "OUTBOX_QUEUED",
    "OUTBOX_SENT",
    "REGISTRY",
    "REMINDER_LAG",
    "TICK_LAST_SUCCESS",
    "TICK_SECONDS",
    "TURN_SECONDS",
    "database_error",
]
