"""The migrated schema is exactly what the models describe."""

from __future__ import annotations

from playhouse.schema_diff import diff_models

from core.db import db, open_database
from core.migrate import migrate, pending
from core.models import ALL_MODELS


def _schema(database) -> dict:
    """Columns (type, nullability), indexes and foreign keys of every table."""
    shape = {}
    for table in sorted(database.get_tables()):
        if table == "schema_migration":
            continue
        columns = {
            c.name: (c.data_type.lower(), c.null, c.primary_key)
            for c in database.get_columns(table)
        }
        indexes = sorted(
            (tuple(i.columns), i.unique) for i in database.get_indexes(table)
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
