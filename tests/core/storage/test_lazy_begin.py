"""PostgreSQL: BEGIN rides on a transaction's first statement, and still isolates it."""

from __future__ import annotations

import peewee
import pytest

from core.models import Department
from core.storage.db import db, write_transaction
from core.storage.postgres import LazyBeginPostgresqlDatabase

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres(database):
    if database.startswith("sqlite"):
        pytest.skip("PostgreSQL only")
    assert isinstance(db.obj, LazyBeginPostgresqlDatabase)
    return db.obj


@pytest.fixture
def round_trips(monkeypatch) -> list[str]:
    """Every statement text sent to the server: one cursor.execute, one round trip."""
    sent: list[str] = []
    original = peewee.Database.cursor

    class Counting:
        def __init__(self, cursor):
            self._cursor = cursor

        def execute(self, sql, *args):
            sent.append(sql)
            return self._cursor.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self._cursor, name)

    monkeypatch.setattr(
        peewee.Database, "cursor", lambda self, *a: Counting(original(self, *a))
    )
    return sent


def test_a_transaction_costs_its_statements_and_the_commit_only(postgres, round_trips):
    with write_transaction():
        Department.insert(name="Cardiology").execute()
        Department.select().count()
    assert len(round_trips) == 3
    assert round_trips[0].startswith('BEGIN; INSERT INTO "department"')
    assert round_trips[2] == "COMMIT"
    round_trips.clear()
    with write_transaction():
        pass
    assert round_trips == [], "a transaction that runs nothing sends nothing"


def test_what_a_transaction_wrote_is_gone_when_it_rolls_back(postgres):
    with pytest.raises(RuntimeError), write_transaction():
        Department.insert(name="Cardiology").execute()
        raise RuntimeError
    # A raw cursor (executemany) inside the transaction is in it too.
    with pytest.raises(RuntimeError), write_transaction():
        db.obj.cursor().executemany(
            'INSERT INTO "department" (name, active, names) VALUES (%s, TRUE, %s)',
            [("Neurology", "{}"), ("Oncology", "{}")],
        )
        raise RuntimeError
    assert Department.select().count() == 0
    assert not postgres.in_transaction()


def test_a_failing_first_statement_leaves_no_open_transaction(postgres):
    Department.insert(name="Cardiology").execute()
    with pytest.raises(Exception, match="duplicate key"), write_transaction():
        Department.insert(name="Cardiology").execute()
    # Autocommit again: this row stays without any transaction around it.
    Department.insert(name="Dermatology").execute()
    reopened = db.obj.execute_sql("SELECT count(*) FROM department").fetchone()[0]
    assert reopened == 2


def test_a_transaction_opened_on_a_closed_connection_still_commits(postgres):
    postgres.close()
    with write_transaction():
        Department.insert(name="Cardiology").execute()
    assert not postgres.in_transaction()
    assert Department.select().count() == 1
