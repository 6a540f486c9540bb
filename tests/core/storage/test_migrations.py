"""The migrated schema is exactly what the models describe."""

from __future__ import annotations

from playhouse.schema_diff import diff_models

from core.models import ALL_MODELS, Message
from core.storage.db import db, open_database
from core.storage.migrate import migrate, pending


def _partial(index) -> bool:
    return " WHERE " in index.sql.upper()


def _schema(database) -> dict:
    """Columns (type, nullability), indexes (partial or not) and foreign keys."""
    shape = {}
    for table in sorted(database.get_tables()):
        if table == "schema_migration":
            continue
        columns = {
            c.name: (c.data_type.lower(), c.null, c.primary_key)
            for c in database.get_columns(table)
        }
        indexes = sorted(
            (tuple(i.columns), i.unique, _partial(i))
            for i in database.get_indexes(table)
        )
        fks = sorted(
            (f.column, f.dest_table, f.dest_column)
            for f in database.get_foreign_keys(table)
        )
        shape[table] = (columns, indexes, fks)
    return shape


def test_migrated_schema_equals_models(database, tmp_path):
    assert not diff_models(db.obj, ALL_MODELS), str(diff_models(db.obj, ALL_MODELS))
    migrated = _schema(db.obj)
    if database.startswith("sqlite"):
        reference = open_database(f"sqlite:///{tmp_path / 'models.db'}")
    else:
        db.obj.execute_sql("DROP SCHEMA public CASCADE")
        db.obj.execute_sql("CREATE SCHEMA public")
        reference = db.obj
    reference.create_tables(ALL_MODELS)
    assert _schema(reference) == migrated


def test_migrate_is_idempotent(database):
    assert pending() == []
    assert migrate() == []


def test_no_index_is_a_prefix_of_another(database):
    """A leading-column copy of a wider index costs a write on every insert.

    Unique and partial indexes do a job of their own and may be narrower.
    """
    for table in db.obj.get_tables():
        indexes = db.obj.get_indexes(table)
        for narrow in indexes:
            if narrow.unique or _partial(narrow):
                continue
            size = len(narrow.columns)
            wider = [i.name for i in indexes if i.columns[:size] == narrow.columns]
            assert wider == [narrow.name], (table, narrow.name, wider)


def test_messages_of_a_visit_use_the_partial_index(sqlite_database):
    """SQLite only: PostgreSQL plans by table statistics (an empty table scans)."""
    sql, params = (
        Message.select().where(Message.appointment == 7).order_by(Message.id).sql()
    )
    plan = db.obj.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    assert "message_appointment_id" in str(plan), plan
