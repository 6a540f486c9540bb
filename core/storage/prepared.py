"""Peewee queries built once and then run as plain SQL with new parameters.

DESIGN measured peewee's query building at ~120 us against ~7 us for SQLite
itself; a dialog turn runs a dozen small statements, so building each once per
process is what makes a turn cheap (2,356-3,326 turns/s with the cache,
797-832/s with it forced off). Reads, inserts, updates and deletes alike:
every statement core runs is built by peewee, the hot ones through here.

The contract that makes the cache safe: every argument of the builder is one
parameter of the SQL, in the SQL's order, and nothing else is. The SQL may
depend on the kind of database, on list lengths and on which arguments are
None (peewee writes `x = None` as IS NULL); the cache keys on those (and on
the arguments' types, which is where it finds the Nones).
A builder whose parameters are not its arguments is refused with an error.
With `Prepared.verify` on (the test suite turns it on) every call is built
again and compared, so a builder that branches on any other value fails
loudly in the tests instead of returning another query's rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from operator import itemgetter

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

_SEQUENCES = {list, tuple}  # an argument of these types is a list of values


class PreparedQueryError(TypeError):
    """A builder's SQL cannot be cached: its parameters are not its arguments."""


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
    """A statement whose every parameter is an argument of build(*args).

    Constants are arguments too (True for `active`, the statuses of a
    compare-and-set), and a builder must not give peewee a column to fill
    with its own default. Statements run on db.obj, not through the proxy,
    whose __getattr__ on every statement measured ~3% of a short dialog turn.
    """

    verify = False  # rebuild every call and compare (the test suite sets it)

    def __init__(self, build: Callable[..., Query]) -> None:
        self._build = build
        self._cache: dict[tuple, tuple[str, list[Converter]]] = {}
        self._lock = threading.Lock()

    def _shape(self, args: Sequence) -> tuple[tuple, list]:
        """What the SQL may depend on besides the database kind, and the params.

        Without lists, the arguments' types stand for where the Nones are
        (NoneType): in C, where finding them one by one was a tenth of an
        insert's cost. Other types only split the cache, harmlessly.
        """
        types = tuple(map(type, args))
        if _SEQUENCES.isdisjoint(types):  # the usual case
            return (type(db.obj), types), list(args)
        # A list or a tuple of one length: the same SQL.
        lengths = tuple(len(a) if type(a) in _SEQUENCES else -1 for a in args)
        nones = tuple(i for i, a in enumerate(args) if a is None)
        return (type(db.obj), lengths, nones), _flatten(args)

    def _built(self, args: Sequence, params: list) -> tuple[str, list[Converter]]:
        query = self._build(*args)
        sql, built = query.sql()
        if list(built) != params:
            raise PreparedQueryError(
                f"{self._build.__qualname__} builds SQL whose parameters {built!r}"
                f" are not its arguments {params!r}: pass every value as an"
                " argument, in the SQL's order, and use a separate Prepared where"
                " the SQL differs by value"
            )
        return sql, _converters(getattr(query, "_returning", None) or [])

    def _compiled(self, args: Sequence) -> tuple[str, list[Converter], list]:
        shape, params = self._shape(args)
        cached = self._cache.get(shape)
        if cached is None:
            cached = self._built(args, params)
            with self._lock:
                self._cache[shape] = cached
        elif self.verify and self._built(args, params)[0] != cached[0]:
            raise PreparedQueryError(
                f"{self._build.__qualname__} builds different SQL for arguments"
                f" {list(args)!r} than for earlier ones of the same shape"
            )
        return cached[0], cached[1], params

    def execute(self, *args):
        """Run the statement; return the cursor."""
        sql, _, params = self._compiled(args)
        return db.obj.execute_sql(sql, params)

    def rowcount(self, *args) -> int:
        """Run an UPDATE or DELETE; how many rows it changed."""
        return self.execute(*args).rowcount

    def insert(self, *args) -> int:
        """Run an INSERT of one row; its new id."""
        cursor = self.execute(*args)
        if is_sqlite():
            return cursor.lastrowid
        return cursor.fetchone()[0]  # PostgreSQL: peewee added RETURNING id

    def many(self, rows: Iterable[Sequence]) -> None:
        """Run the statement once per row of arguments, with one executemany.

        peewee builds SQL per value, which made queuing 10,000 reminders
        several times slower than the database work.
        """
        batches: dict[str, list[list]] = {}
        for args in rows:
            sql, _, params = self._compiled(args)
            batches.setdefault(sql, []).append(params)
        # Raise peewee's IntegrityError (not the driver's), as queries do.
        with peewee.__exception_wrapper__:
            for sql, values in batches.items():
                _run_many(sql, values)

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


# psycopg2's executemany is one round trip per row: on a server 0.5 ms away,
# queuing 10,000 reminders spent most of its time waiting. execute_batch
# sends up to this many statements, joined, per round trip.
PG_BATCH = 200


def _run_many(sql: str, values: list[list]) -> None:
    cursor = db.obj.cursor()
    if is_sqlite():
        cursor.executemany(sql, values)  # in-process: no round trips to save
        return
    from psycopg2.extras import execute_batch

    execute_batch(cursor, sql, values, page_size=PG_BATCH)


def _picker(names: list[str]) -> Callable[[dict], tuple]:
    """A row's values for these names, in order, as a tuple (in C)."""
    pick = itemgetter(*names)
    return pick if len(names) > 1 else lambda row: (pick(row),)


def in_declared_order(model, names: Iterable[str]) -> list[Field]:
    """The model's fields of these names, in the order peewee writes columns."""
    wanted = set(names)
    fields = [f for f in model._meta.sorted_fields if f.name in wanted]
    if len(fields) != len(wanted):
        raise KeyError(f"{model.__name__} has no field among {sorted(wanted)}")
    return fields


class PreparedInsert:
    """An INSERT of these columns of model, built once; values given by name.

    Every other column gets the database's default (NULL unless the schema
    says otherwise), never peewee's Python-side one: name it to set it.
    """

    def __init__(self, model, *names: str) -> None:
        fields = in_declared_order(model, names)
        self._names = [f.name for f in fields]
        self._pick = _picker(self._names)
        self._statement = Prepared(
            lambda *values: model.insert(dict(zip(fields, values, strict=True)))
        )

    def _values(self, row: dict) -> tuple:
        if len(row) != len(self._names):
            raise TypeError(f"expected the columns {self._names}, got {sorted(row)}")
        return self._pick(row)

    def insert(self, **row) -> int:
        """Insert one row; its new id."""
        return self._statement.insert(*self._values(row))

    def many(self, rows: Iterable[dict]) -> None:
        """Insert every row with one executemany."""
        self._statement.many([self._values(row) for row in rows])


class PreparedUpdate:
    """An UPDATE of these columns of model WHERE where(*keys), built once.

    apply(values, *keys) sets the named columns to values (a dict by column
    name) on the rows where(*keys) selects, and says how many it changed: a
    compare-and-set when the condition includes the value it expects.
    """

    def __init__(self, model, *names: str, where: Callable) -> None:
        fields = in_declared_order(model, names)
        self._names = [f.name for f in fields]
        self._pick = _picker(self._names)
        count = len(fields)
        self._statement = Prepared(
            lambda *args: model.update(
                dict(zip(fields, args[:count], strict=True))
            ).where(where(*args[count:]))
        )

    def _args(self, values: dict, keys: Sequence) -> tuple:
        if len(values) != len(self._names):
            raise TypeError(f"expected the columns {self._names}, got {sorted(values)}")
        return (*self._pick(values), *keys)

    def apply(self, values: dict, *keys) -> int:
        """Run the update; how many rows it changed."""
        return self._statement.rowcount(*self._args(values, keys))

    def many(self, rows: Iterable[tuple[dict, Sequence]]) -> None:
        """Run the update once per (values, keys), with one executemany."""
        self._statement.many([self._args(values, keys) for values, keys in rows])
