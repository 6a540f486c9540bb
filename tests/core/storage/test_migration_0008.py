"""0008 (dialog data) on a clinic that already has data at 0007: nothing is lost."""

from __future__ import annotations

import datetime as dt

from peewee import Table
from playhouse.migrations import Runner

from core.models import Appointment, ClinicPolicy, Department, Doctor, VisitType
from core.policy import load_policy
from core.storage.db import db, open_database
from core.storage.migrate import MIGRATIONS_DIR, migrate, pending

T = dt.datetime(2026, 11, 20, 9, 0)


def _table(name: str, *columns: str) -> Table:
    """The table as it was at 0007, for peewee to write (not core's models)."""
    return Table(name, ("id", *columns)).bind(db.obj)


def _clinic_at_0007() -> None:
    _table(
        "clinic_policy", "clinic_name", "timezone", "date_order", "default_language",
        "slot_minutes", "buffer_minutes", "min_notice_minutes", "horizon_days",
        "reminder_leads", "confirm_deadline_minutes", "auto_cancel_unconfirmed",
        "no_show_grace_minutes", "quiet_start", "quiet_end", "idle_timeout_minutes",
    ).insert(
        id=1, clinic_name="Old Clinic", timezone="Europe/Madrid", date_order="DMY",
        default_language="es", slot_minutes=20, buffer_minutes=5,
        min_notice_minutes=60, horizon_days=30, reminder_leads="1440",
        confirm_deadline_minutes=15, auto_cancel_unconfirmed=True,
        no_show_grace_minutes=15, quiet_start=dt.time(21), quiet_end=dt.time(8),
        idle_timeout_minutes=30,
    ).execute()  # fmt: skip
    _table("department", "name", "active").insert(
        id=3, name="Cardiology", active=True
    ).execute()
    _table("visit_type", "name", "minutes", "active").insert(
        id=4, name="Check-up", minutes=20, active=True
    ).execute()
    _table("doctor", "name", "department_id", "specialisation", "active").insert(
        id=5, name="Dr. Old", department_id=3, specialisation="", active=True
    ).execute()
    _table(
        "patient", "phone", "name", "language", "sms_opt_out", "telegram_blocked",
        "created_at",
    ).insert(
        id=6, phone="+15550100999", name="Ana", language="es", sms_opt_out=False,
        telegram_blocked=False, created_at=T,
    ).execute()  # fmt: skip
    _table(
        "appointment", "doctor_id", "patient_id", "visit_type_id", "start", "end",
        "status", "created_via", "needs_confirmation", "confirmed_at", "created_at",
        "updated_at",
    ).insert(
        id=7, doctor_id=5, patient_id=6, visit_type_id=4, start=T, end=T,
        status="confirmed", created_via="sms", needs_confirmation=True,
        confirmed_at=T, created_at=T, updated_at=T,
    ).execute()  # fmt: skip


def test_0008_applies_to_a_0007_database_and_keeps_its_rows(database, tmp_path):
    if database.startswith("sqlite"):
        open_database(f"sqlite:///{tmp_path / 'at-0007.db'}")
    else:
        db.obj.execute_sql("DROP SCHEMA public CASCADE")
        db.obj.execute_sql("CREATE SCHEMA public")
    runner = Runner(db.obj, directory=str(MIGRATIONS_DIR))
    runner.up(target="0007_send_rate")
    _clinic_at_0007()
    assert "0008_dialog_data" in pending()

    assert "0008_dialog_data" in migrate()

    policy = ClinicPolicy.get_by_id(1)
    assert (policy.clinic_name, policy.timezone, policy.slot_minutes) == (
        "Old Clinic",
        "Europe/Madrid",
        20,
    )
    assert policy.facts == "{}"
    assert load_policy().fact("es", "address") == ""
    department = Department.get_by_id(3)
    assert (department.name, department.names) == ("Cardiology", "{}")
    visit_type = VisitType.get_by_id(4)
    assert (visit_type.name, visit_type.minutes, visit_type.names) == (
        "Check-up",
        20,
        "{}",
    )
    assert Doctor.get_by_id(5).department_id == 3
    visit = Appointment.get_by_id(7)
    assert (visit.status, visit.confirmed_at, visit.late_at, visit.late_note) == (
        "confirmed",
        T,
        None,
        None,
    )
    if database.startswith("sqlite"):  # the rebuilt tables kept their references
        assert db.obj.execute_sql("PRAGMA foreign_key_check").fetchall() == []
