"""Apply the numbered scripts in migrations/ with playhouse.migrations."""

from __future__ import annotations

import logging
from pathlib import Path

from playhouse.migrations import Runner

import migrations
from core.storage.db import db

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(migrations.__file__).parent


def migrate() -> list[str]:
    """Apply pending migrations; return the names applied."""
    runner = Runner(db.obj, directory=str(MIGRATIONS_DIR))
    applied = runner.up()
    for name in applied:
        log.info("applied migration %s", name)
    return applied


def pending() -> list[str]:
    runner = Runner(db.obj, directory=str(MIGRATIONS_DIR))
    return [m.name for m in runner.status() if not m.applied]
