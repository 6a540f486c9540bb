"""The operations pack under deploy/ names what exists and parses as its tools do.

Without a container engine on this machine the image is not built here
(.ci/run builds it when `docker info` works); what can be checked is:
every command the compose files, the Dockerfile and the systemd units run is
one `clinicbot` accepts, every variable they set is one the service reads,
every probe they ask is a route, and systemd itself accepts the units.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from console.auth import PROBES
from console.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service")) + sorted(
    (DEPLOY / "systemd").glob("*.timer")
)
# Read by compose, Postgres or Caddy themselves, not by clinicbot.
OTHERS = {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB", "CLINIC_DOMAIN"}


def service_variables() -> set[str]:
    source = (ROOT / "core" / "settings.py").read_text()
    return set(re.findall(r'"((?:CLINICBOT|TWILIO|TELEGRAM)_[A-Z_]+)"', source))


def accepts(argv: list[str]) -> None:
    """argparse exits on anything `clinicbot` does not know."""
    build_parser().parse_args(argv)


@pytest.mark.parametrize("name", ["compose.yaml", "compose.postgres.yaml"])
def test_compose_files_run_real_commands_with_real_variables(name):
    document = yaml.safe_load((DEPLOY / name).read_text())
    known = service_variables() | OTHERS
    commands = []
    for service, spec in document["services"].items():
        if "command" in spec and spec.get("image", "").startswith("clinicbot"):
            accepts(spec["command"])
            commands.append(spec["command"])
        for variable in spec.get("environment", {}):
            assert variable in known, f"{name}: {service} sets unknown {variable}"
    assert commands, f"{name} runs no clinicbot process"
    roles = {command[command.index("--role") + 1] for command in commands}
    assert roles in ({"all"}, {"web", "scheduler"})


def test_the_env_example_lists_only_variables_that_exist():
    names = re.findall(
        r"^#?\s*([A-Z_]+)=", (DEPLOY / "env.example").read_text(), re.MULTILINE
    )
    assert names and set(names) <= service_variables() | OTHERS


def test_the_dockerfile_runs_clinicbot_and_probes_readiness():
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^USER clinicbot$", dockerfile, re.MULTILINE)  # not root
    cmd = yaml.safe_load(re.search(r"^CMD (\[.*\])$", dockerfile, re.M).group(1))
    accepts(cmd)
    probe = re.search(r"http://127\.0\.0\.1:8080(/[\w/]+)", dockerfile).group(1)
    assert probe == "/health/ready" and probe in PROBES
    for copied in re.findall(r"^COPY (?!--)(\S+)", dockerfile, re.MULTILINE):
        assert (ROOT / copied).exists(), copied


def test_caddy_checks_a_real_probe():
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert re.search(r"health_uri (\S+)", caddyfile).group(1) in PROBES


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_systemd_units_run_real_commands(unit):
    for line in unit.read_text().splitlines():
        if not line.startswith("ExecStart="):
            continue
        argv = shlex.split(line.removeprefix("ExecStart="))
        if argv[0].endswith("/clinicbot"):
            accepts([a.replace("%i", "8080") for a in argv[1:]])
        else:  # the backup's sh -c wrapper
            inner = shlex.split(re.sub(r"\$\([^)]*\)", "STAMP", argv[-1]))
            assert inner[1].endswith("/clinicbot") and inner[2] == "backup"
            accepts(inner[2:])


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd here")
def test_systemd_accepts_the_units(tmp_path):
    """systemd-analyze verify, with the install path pointed at this checkout."""
    clinicbot = shutil.which("clinicbot") or str(
        Path(__import__("sys").executable).parent / "clinicbot"
    )
    names = []
    for unit in UNITS:
        text = unit.read_text().replace("/opt/clinicbot/venv/bin/clinicbot", clinicbot)
        name = unit.name.replace("@.service", "@8080.service")
        (tmp_path / name).write_text(text)
        names.append(f"./{name}")
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *names],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "" and result.stderr.strip() == "", result.stderr
