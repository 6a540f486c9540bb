"""The package as users get it: a wheel with every module, template and migration.

Built from the files git tracks (as a fresh clone has them), with no warning
from the build backend, then installed on its own and run: `clinicbot
migrate` creates the schema and `clinicbot chat` answers from the packaged
message templates.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What a wheel that forgot subpackages or data files would lack.
EXPECTED = [
    "core/storage/db.py",
    "core/dialog/flows/start.py",
    "bot/twilio_sms.py",
    "console/cli.py",
    "migrations/0001_initial.py",
    "migrations/0005_leaner_write_indexes.py",
    "templates/messages/en/menu.txt",
    "templates/messages/es/labels.cfg",
    "templates/console/base.html",
    "templates/console/static/console.css",
    "templates/console/static/live.js",
]


def _env(**extra: str) -> dict[str, str]:
    # PYTHONDONTWRITEBYTECODE makes distutils say "byte-compiling is disabled".
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | extra


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> tuple[Path, str]:
    """(the wheel, what building it printed), from a copy of the tracked files."""
    source = tmp_path_factory.mktemp("source")
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, tracked.split("\0")):
        if (ROOT / name).is_file():  # a file deleted but not yet committed
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run(
        [
            sys.executable,
            "-W",
            "always",
            "-c",
            "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))",
            str(out),
        ],
        cwd=source,
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert built.returncode == 0, built.stderr
    name = built.stdout.strip().splitlines()[-1]
    return out / name, built.stdout + built.stderr


def test_the_build_backend_prints_no_warning(wheel):
    _, printed = wheel
    warnings = [line for line in printed.splitlines() if "warn" in line.lower()]
    assert warnings == []


def test_the_wheel_holds_every_package_template_and_migration(wheel):
    path, _ = wheel
    names = set(zipfile.ZipFile(path).namelist())
    assert [name for name in EXPECTED if name not in names] == []
    tracked = {
        str(p.relative_to(ROOT))
        for folder in ("core", "bot", "console", "migrations", "templates")
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert sorted(tracked - names) == []


def test_the_installed_wheel_migrates_and_chats(wheel, tmp_path):
    path, _ = wheel
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target"]
        + [str(target), str(path)],
        check=True,
        env=_env(),
    )
    database = tmp_path / "clinic.db"
    env = _env(PYTHONPATH=str(target), CLINICBOT_DATABASE_URL=f"sqlite:///{database}")
    where = subprocess.run(
        [sys.executable, "-c", "import core, templates; print(core.__file__)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.startswith(str(target))  # the wheel's code, not the tree's
    clinicbot = str(target / "bin" / "clinicbot")
    migrated = subprocess.run(
        [clinicbot, "migrate"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert migrated.returncode == 0, migrated.stderr
    assert "0001_initial" in migrated.stdout
    tables = {
        name
        for (name,) in sqlite3.connect(database).execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"
        )
    }
    assert {"appointment", "slot_claim", "message", "conversation"} <= tables
    chat = subprocess.run(
        [clinicbot, "chat", "--phone", "+15551234567"],
        cwd=tmp_path,
        env=env,
        input="hi\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert chat.returncode == 0, chat.stderr
    assert "What is your name?" in chat.stdout
