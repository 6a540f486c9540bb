"""Each table has one module that writes it (DESIGN); the others ask that module.

Found from the source: a write is a call of a model's insert, update,
delete, create, replace or insert_many (prepared or not). Writes through an
instance (save, delete_instance) and SQL written by hand would hide which
table they touch, so core has none outside core/storage.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from core.models import ALL_MODELS
from tests.test_architecture import ROOT, source_modules

OWNERS = {
    "ClinicPolicy": "core.policy",
    "AuditLog": "core.audit",
    "Message": "core.messaging.outbox",
    "SendRate": "core.messaging.pacing",
    "Conversation": "core.messaging.conversations",
    "Patient": "core.messaging.patients",
    "Appointment": "core.clinic.booking",
    "SlotClaim": "core.clinic.booking",
    "WaitlistEntry": "core.clinic.waitlist",
    "WaitlistOffer": "core.clinic.waitlist",
    "ReminderClaim": "core.jobs.claims",
    "StaffUser": "core.staff.accounts",
    "LoginThrottle": "core.staff.throttle",
    "Department": "core.staff.doctors",
    "Doctor": "core.staff.doctors",
    "VisitType": "core.staff.doctors",
    "DoctorVisitType": "core.staff.doctors",
    "WorkingHours": "core.staff.hours",
    "TimeOff": "core.staff.hours",
    "Closure": "core.staff.hours",
    "ApiToken": "core.integrations.tokens",
    "ApiIdempotency": "core.integrations.idempotency",
    "WebhookEndpoint": "core.integrations.endpoints",
    "WebhookDelivery": "core.integrations.deliveries",
    "CalendarFeed": "core.integrations.feeds",
    "SavedReply": "core.staff.saved_replies",
}
WRITES = {"insert", "insert_many", "update", "delete", "create", "replace"}
BY_INSTANCE = {"save", "delete_instance"}
HAND_SQL = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\s", re.IGNORECASE)


def _docstrings(tree: ast.AST) -> set[int]:
    documented = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, documented)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def writes(tree: ast.AST) -> list[tuple[str, int]]:
    """(model name or '.save()'/'SQL', line) of every write in a module."""
    found = []
    prose = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            target, method = node.func.value, node.func.attr
            if method in WRITES and isinstance(target, ast.Name):
                if target.id in OWNERS:
                    found.append((target.id, node.lineno))
            elif method in BY_INSTANCE:
                found.append((f".{method}()", node.lineno))
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in prose
            and HAND_SQL.match(node.value)
        ):
            found.append(("SQL", node.lineno))
    return found


def misplaced(modules: dict[str, Path]) -> list[str]:
    problems = []
    for name, path in sorted(modules.items()):
        if not name.startswith(("core", "bot", "console")) or name == "core.models":
            continue
        for what, line in writes(ast.parse(path.read_text(), str(path))):
            owner = OWNERS.get(what)
            if owner is None and not name.startswith("core.storage"):
                problems.append(f"{name}:{line} writes with {what}")
            elif owner is not None and owner != name:
                problems.append(f"{name}:{line} writes {what} (owner: {owner})")
    return problems


def test_every_table_has_an_owner_module():
    assert {model.__name__ for model in ALL_MODELS} == set(OWNERS)
    modules = source_modules()
    assert all(owner in modules for owner in OWNERS.values())


def test_only_the_owner_writes_a_table():
    assert misplaced(source_modules()) == []


@pytest.mark.parametrize(
    "source,expected",
    [
        ("Message.update(status='x').execute()", "writes Message (owner: "),
        ("row.save()", "writes with .save()"),
        ("db.execute_sql('UPDATE message SET x = 1')", "writes with SQL"),
        ("P = Prepared(lambda i: Patient.delete().where(Patient.id == i))", "Patient"),
    ],
)
def test_a_write_outside_the_owner_is_reported(tmp_path, source, expected):
    path = tmp_path / "intruder.py"
    path.write_text(source + "\n")
    (problem,) = misplaced({"core.clinic.intruder": path})
    assert expected in problem


def test_the_architecture_doc_names_every_owner():
    doc = (ROOT / "docs" / "architecture.md").read_text()
    for owner in set(OWNERS.values()):
        assert owner.replace(".", "/") + ".py" in doc, owner
