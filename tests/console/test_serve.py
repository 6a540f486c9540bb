"""`clinicbot serve --demo` as a person runs it: logins last, a quiet access log."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def served(tmp_path):
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CLINICBOT_", "TWILIO_", "TELEGRAM_"))
    }
    env["CLINICBOT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.db'}"
    process = subprocess.Popen(
        [sys.executable, "-m", "console.cli", "serve", "--demo", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield process, f"http://127.0.0.1:{port}"
    if process.poll() is None:
        process.terminate()
    process.communicate(timeout=20)


def test_the_demo_prints_its_logins_after_starting_and_logs_only_trouble(served):
    process, base = served
    printed = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        assert line, "serve exited early"
        printed.append(line.rstrip())
        if line.startswith("  hart@clinic.example"):
            break
    assert printed[0].startswith("ClinicBot console: http://localhost:")
    assert printed[1] == "Demo clinic seeded. Console logins (shown once):"
    assert [line.split()[0] for line in printed[2:]] == [
        "admin@clinic.example",
        "staff@clinic.example",
        "hart@clinic.example",
    ]
    assert _get(base + "/health") == 200
    assert _get(base + "/no-such-page") == 404
    process.terminate()
    _, errors = process.communicate(timeout=20)
    assert "GET /no-such-page 404" in errors  # what went wrong is logged
    assert "GET /health 200" not in errors  # every good request is not
    assert "Adding job tentatively" not in errors
