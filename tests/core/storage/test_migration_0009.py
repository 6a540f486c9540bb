"""0009 (channels) on a clinic with patients and messages at 0008: nothing is lost."""

from __future__ import annotations

import datetime as dt

import pytest
from peewee import IntegrityError, Table
from playhouse.migrations import Runner

from core.messaging.outbox import routes
from core.models import Message, Patient
from core.storage.db import db, open_database
from core.storage.migrate import MIGRATIONS_DIR, migrate, pending

T = dt.datetime(2026, 11, 20, 9, 0)


def _table(name: str, *columns: str) -> Table:
    return Table(name, ("id", *columns)).bind(db.obj)


def test_0009_keeps_patients_and_messages_and_adds_channels(database, tmp_path):
    if database.startswith("sqlite"):
        open_database(f"sqlite:///{tmp_path / 'at-0008.db'}")
    else:
        db.obj.execute_sql("DROP SCHEMA public CASCADE")
        db.obj.execute_sql("CREATE SCHEMA public")
    Runner(db.obj, directory=str(MIGRATIONS_DIR)).up(target="0008_dialog_data")
    _table(
        "patient", "phone", "telegram_chat_id", "name", "language", "sms_opt_out",
        "telegram_blocked", "created_at",
    ).insert(
        id=6, phone="+15550100999", telegram_chat_id="55", name="Ana", language="es",
        sms_opt_out=True, telegram_blocked=False, created_at=T,
    ).execute()  # fmt: skip
    _table(
        "message", "direction", "channel", "address", "patient_id", "kind", "body",
        "choices", "status", "urgent", "attempts", "created_at",
    ).insert(
        id=8, direction="out", channel="sms", address="+15550100999", patient_id=6,
        kind="reminder", body="Hola", choices="", status="sent", urgent=False,
        attempts=1, created_at=T,
    ).execute()  # fmt: skip
    assert "0009_channels" in pending()

    assert "0009_channels" in migrate()

    ana = Patient.get_by_id(6)
    assert (ana.name, ana.sms_opt_out, ana.telegram_chat_id) == ("Ana", True, "55")
    assert (ana.email, ana.preferred_channel, ana.whatsapp_opt_out) == (None, "", False)
    assert ana.whatsapp_seen_at is None and not ana.email_opt_out
    assert routes(ana) == [("telegram", "55")]  # SMS stays closed, as it was
    message = Message.get_by_id(8)
    assert (message.body, message.status, message.fallback_of) == ("Hola", "sent", None)
    Patient.update(email="ana@example.com").where(Patient.id == 6).execute()
    with pytest.raises(IntegrityError):  # one email, one patient
        Patient.create(phone="+15550100998", email="ana@example.com")
