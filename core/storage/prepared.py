"""Peewee queries built once and then run as plain SQL with new parameters.

DESIGN measured peewee's query building at ~120 us against ~7 us for SQLite
itself; a dialog turn runs a dozen small queries (its own, the calendar's and
booking's), so building each once per process (per kind of database and per
list length) is what makes a turn cheap. insert_row and insert_rows write
rows as plain SQL for the same reason.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

import peewee
from peewee import (
    AutoField,
    BigIntegerField,
    CharField,
    Field,
    ForeignKeyField,
    IntegerField,
    Query,
    TextField,
)

from core.storage.db import db, is_sqlite

log = logging.getLogger(__name__)


_SEQUENCES = {list, tuple}  # an argument of these types is a list of values


def _flatten(args: Sequence) -> list:
    params: list = []
    for arg in args:
        if type(arg) in _SEQUENCES:
            params.extend(arg)
        else:
            params.append(arg)
    return params


Converter = tuple[int, Callable]  # (column index, the field's python_value)
# Both drivers already return these as Python wants them; converting every
# value of every row was a tenth of a simple turn. Exact types only: a
# subclass may convert for real.
_RETURNED_AS_IS = {CharField, TextField, IntegerField, AutoField, BigIntegerField}


def _converters(selected: Sequence) -> list[Converter]:
    """The columns whose driver value the field converts (dates, booleans...)."""
    converters = []
    for index, field in enumerate(selected):
        if not isinstance(field, Field):
            continue
        target = field.rel_field if isinstance(field, ForeignKeyField) else field
        if type(target) not in _RETURNED_AS_IS:
            converters.append((index, field.python_value))
    return converters


class Prepared:
    """A query whose every parameter is an argument of build(*args).

    Constants must be passed as arguments too (e.g. True for `active`): the
    cached SQL is reused only when peewee's own parameters are exactly the
    arguments, which is checked when the SQL is first built. Statements run
    on db.obj, not through the proxy, whose __getattr__ on every statement
    measured ~3% of a short dialog turn.
    """

    def __init__(self, build: Callable[..., Query]) -> None:
        self._build = build
        self._cache: dict[tuple, tuple[str, list[Converter]]] = {}
        self._lock = threading.Lock()
        self._warned: set[tuple] = set()

    def _compiled(self, args: Sequence) -> tuple[str, list[Converter], list]:
        if _SEQUENCES.isdisjoint(map(type, args)):  # the usual case, in C
            params = list(args)
            shape = (type(db.obj), "flat", len(args))
        else:
            params = _flatten(args)
            lengths = (len(a) if type(a) in _SEQUENCES else -1 for a in args)
            shape = (type(db.obj), *lengths)
        cached = self._cache.get(shape)
        if cached is not None:
            return cached[0], cached[1], params
        query = self._build(*args)
        sql, built = query.sql()
        converters = _converters(getattr(query, "_returning", None) or [])
        if list(built) == params:
            with self._lock:
                self._cache[shape] = (sql, converters)
            return sql, converters, params
        # A constant crept in, or the arguments are not in the SQL's order:
        # still correct, but rebuilt every call, so say so once.
        if shape not in self._warned:
            self._warned.add(shape)
            log.warning("prepared query %s runs uncached", self._build)
        return sql, converters, list(built)

    def execute(self, *args):
        """Run the statement; return the cursor."""
        sql, _, params = self._compiled(args)
        return db.obj.execute_sql(sql, params)

    def rows(self, *args) -> list[tuple]:
        """Run a SELECT; values converted as the fields would convert them."""
        sql, converters, params = self._compiled(args)
        rows = db.obj.execute_sql(sql, params).fetchall()
        if not converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            values = list(row)
            for index, convert in converters:
                if values[index] is not None:
                    values[index] = convert(values[index])
            converted.append(tuple(values))
        return converted

    def first(self, *args) -> tuple | None:
        found = self.rows(*args)
        return found[0] if found else None


def _insert_sql(model, fields: list[Field]) -> str:
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    params = ", ".join([db.obj.param] * len(fields))
    return f'INSERT INTO "{model._meta.table_name}" ({columns}) VALUES ({params})'


def insert_row(model, row: dict) -> int:
    """Insert one row as plain SQL; its new id.

    Columns not in row get the database's default (NULL unless the schema
    says otherwise), not peewee's Python-side defaults: give them.
    """
    fields = [model._meta.fields[name] for name in row]
    sql = _insert_sql(model, fields)
    params = [f.db_value(row[f.name]) for f in fields]
    if is_sqlite():
        return db.obj.execute_sql(sql, params).lastrowid
    return db.obj.execute_sql(sql + ' RETURNING "id"', params).fetchone()[0]


def insert_rows(
    model,
    rows: list[dict],
    *,
    on_conflict: tuple = (),
    update: tuple = (),
    update_where: str = "",
    where_params: tuple = (),
) -> None:
    """Insert many rows with one prepared statement (executemany).

    peewee builds SQL per value, which made queuing 10,000 reminders
    several times slower than the database work; this is plain standard
    SQL that SQLite and PostgreSQL both accept, values converted by the
    model's own fields.
    """
    if not rows:
        return
    meta = model._meta
    fields = [meta.fields[name] for name in rows[0]]
    sql = _insert_sql(model, fields)
    if on_conflict:
        target = ", ".join(f'"{meta.fields[n].column_name}"' for n in on_conflict)
        sets = ", ".join(
            f'"{meta.fields[n].column_name}" = excluded."{meta.fields[n].column_name}"'
            for n in update
        )
        sql += f" ON CONFLICT ({target}) DO UPDATE SET {sets}"
        if update_where:
            sql += f" WHERE {update_where}"
    values = [
        tuple(f.db_value(row[f.name]) for f in fields) + where_params for row in rows
    ]
    # Raise peewee's IntegrityError (not the driver's), as peewee queries do.
    with peewee.__exception_wrapper__:
        db.cursor().executemany(sql, values)
