"""`clinicbot chat`: piped stdin, replies printed as the patient sees them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from bot.terminal import run_chat
from core.models import Appointment, Message
from core.settings import Settings
from tests.core.dialog.conftest import NOW

ROOT = Path(__file__).resolve().parents[3]


def test_run_chat_books_through_piped_lines(clinic, known, database):
    settings = Settings(database_url=database, demo=True)
    out = io.StringIO()
    lines = "hi\n1\n1\n1\n1\ntomorrow 10am\nthe 10:00 one\nyes\n"
    code = run_chat(
        settings, known.phone, stdin=io.StringIO(lines), stdout=out, clock=lambda: NOW
    )
    text = out.getvalue()
    assert code == 0
    assert "Hi Ana, welcome back to Riverside Clinic" in text
    assert "1 Book a visit\n2 My appointments" in text
    assert "Booked: Consultation with Dr. Hart on Tue 24 Nov, 10:00" in text
    (visit,) = Appointment.select()
    assert visit.patient_id == known.id and visit.created_via == "console"
    assert Message.select().where(Message.channel == "console").count() == 16


def test_run_chat_refuses_a_bad_phone(clinic, database, capsys):
    settings = Settings(database_url=database, demo=True)
    assert run_chat(settings, "not a phone", stdin=io.StringIO("hi\n")) == 2
    assert "Use E.164" in capsys.readouterr().err


def test_cli_chat_works_with_piped_stdin(tmp_path):
    env = os.environ | {"CLINICBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    result = subprocess.run(
        [sys.executable, "-m", "console.cli", "chat", "--phone", "+15550100123"],
        input="hello\nJo Smith\n2\nmenu\n/quit\nnever read\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "What is your name?" in result.stdout
    assert "Thanks, Jo. May we text you reminders" in result.stdout
    assert "OK, no reminders" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_staff_reply_shows_in_the_chat_while_the_patient_waits(
    clinic, known, database
):
    """Staff answer from the inbox; the terminal patient sees it without typing."""
    import threading
    import time

    from core.staff.patients import reply_to_patient

    settings = Settings(database_url=database, demo=True)
    read_end, write_end = os.pipe()
    stdin = os.fdopen(read_end, "r")
    out = io.StringIO()
    chat = threading.Thread(
        target=run_chat,
        args=(settings, known.phone),
        kwargs={"stdin": stdin, "stdout": out, "clock": lambda: NOW},
    )
    chat.start()
    with os.fdopen(write_end, "w") as patient:
        patient.write("can someone call me about my bill\n")
        patient.flush()
        deadline = time.monotonic() + 10
        while "person" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        reply_to_patient(known.id, "Hi Ana, we will call you at 3pm.", NOW)
        while "[clinic]" not in out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
        shown = out.getvalue()
    chat.join(timeout=10)
    assert not chat.is_alive()
    stdin.close()
    assert "[clinic] Hi Ana, we will call you at 3pm." in shown
    # Printed once, and the bot's own replies are not repeated as news.
    assert out.getvalue().count("we will call you at 3pm") == 1
    assert "[clinic]" not in shown.split("[clinic] Hi Ana")[0]
