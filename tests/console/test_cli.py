"""The clinicbot command line, run in-process on a real SQLite file."""

from __future__ import annotations

import io
import sqlite3

import pytest

from console.cli import main
from core.models import StaffUser
from core.storage.db import db


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("CLINICBOT_SECRET_KEY", "CLINICBOT_TIMEZONE", "CLINICBOT_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CLINICBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'c.db'}")
    yield tmp_path
    db.close()


def test_migrate_then_demo_data_twice(env, capsys):
    assert main(["migrate"]) == 0
    assert "0001_initial" in capsys.readouterr().out
    assert main(["migrate"]) == 0
    assert "none pending" in capsys.readouterr().out
    assert main(["demo-data"]) == 0
    out = capsys.readouterr().out
    assert "admin@clinic.example  password:" in out
    assert main(["demo-data"]) == 0
    assert "already present" in capsys.readouterr().out


def test_create_staff_reads_password_and_refuses_bad_input(env, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    args = ["create-staff", "--email", "nurse@clinic.example", "--role", "staff"]
    assert main([*args, "--password-stdin"]) == 0
    assert StaffUser.get(StaffUser.email == "nurse@clinic.example").role == "staff"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    other = ["create-staff", "--email", "x@clinic.example", "--role", "staff"]
    assert main([*other, "--password-stdin"]) == 2
    assert "at least" in capsys.readouterr().err
    assert StaffUser.select().count() == 1


def test_backup_makes_a_consistent_copy(env, capsys):
    main(["demo-data"])
    target = env / "copy.db"
    assert main(["backup", str(target)]) == 0
    with sqlite3.connect(target) as copy:
        (count,) = copy.execute("select count(*) from appointment").fetchone()
    assert count > 200
    assert main(["backup", str(target)]) == 2  # never overwrites
    assert "exists" in capsys.readouterr().err


def test_bad_configuration_stops_with_the_variable_named(env, monkeypatch):
    monkeypatch.setenv("CLINICBOT_TIMEZONE", "Nowhere/Land")
    with pytest.raises(SystemExit, match="CLINICBOT_TIMEZONE"):
        main(["migrate"])


def test_set_password_gets_a_forgotten_demo_login_back(env, monkeypatch, capsys):
    from core.policy import load_policy
    from core.staff.accounts import check_password

    assert main(["demo-data"]) == 0
    assert load_policy().timezone == "America/New_York"  # the demo's real zone
    assert main(["demo-data"]) == 0
    again = capsys.readouterr().out
    assert "clinicbot set-password --email admin@clinic.example" in again
    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new password\n"))
    args = ["set-password", "--email", "admin@clinic.example", "--password-stdin"]
    assert main(args) == 0
    admin = StaffUser.get(StaffUser.email == "admin@clinic.example")
    assert check_password("a brand new password", admin.password_hash)
    monkeypatch.setattr("sys.stdin", io.StringIO("a brand new password\n"))
    unknown = ["set-password", "--email", "nobody@clinic.example", "--password-stdin"]
    assert main(unknown) == 2
    assert "no login nobody@clinic.example" in capsys.readouterr().err


def test_api_tokens_are_created_once_listed_and_revoked(env, capsys):
    assert main(["api-token", "create", "--name", "Website", "--role", "read"]) == 0
    created = capsys.readouterr().out.splitlines()
    token = created[-1]
    assert token.startswith("cbt_") and len(token) > 40
    assert main(["api-token", "list"]) == 0
    listed = capsys.readouterr().out
    assert "Website" in listed and "active" in listed and token not in listed
    assert main(["api-token", "revoke", "1"]) == 0
    main(["api-token", "list"])
    assert "revoked" in capsys.readouterr().out
    assert main(["api-token", "revoke", "99"]) == 2
    assert main(["api-token", "create", "--name", " ", "--role", "read"]) == 2
