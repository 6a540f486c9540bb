"""Prepared statements: built once per shape, refused when they cannot be cached."""

from __future__ import annotations

import pytest

from core.models import Department, Patient
from core.storage.prepared import (
    Prepared,
    PreparedInsert,
    PreparedQueryError,
    PreparedUpdate,
)


def _names(rows) -> list[str]:
    return [name for (name,) in rows]


def _departments(*names: str) -> None:
    Department.insert_many([{"name": name} for name in names]).execute()


def test_each_list_length_gets_its_sql_once(sqlite_database, sql_builds):
    _departments("a", "b", "c")
    sql_builds.clear()
    by_ids = Prepared(
        lambda ids: (
            Department.select(Department.name)
            .where(Department.id.in_(ids))
            .order_by(Department.id)
        )
    )
    assert _names(by_ids.rows([1])) == ["a"]
    assert _names(by_ids.rows([1, 3])) == ["a", "c"]
    assert _names(by_ids.rows((2, 3))) == ["b", "c"]
    assert _names(by_ids.rows([3])) == ["c"]
    assert len(sql_builds) == 2  # one SQL per list length


def test_a_one_item_list_and_a_plain_value_do_not_share_sql(
    sqlite_database, sql_builds
):
    _departments("a", "b", "c")
    sql_builds.clear()
    either = Prepared(
        lambda x: Department.select(Department.name).where(
            Department.id.in_(x) if isinstance(x, list) else Department.id == x
        )
    )
    assert _names(either.rows(3)) == ["c"]
    assert _names(either.rows([2])) == ["b"]
    assert _names(either.rows(1)) == ["a"]
    assert len(sql_builds) == 2


def test_none_where_the_sql_says_is_null_is_refused_not_misread(sqlite_database):
    """peewee writes `phone == None` as IS NULL: that SQL has no parameter."""
    Patient.create(phone="+15550100001", name="Ana")
    Patient.create(phone=None, telegram_chat_id="77", name="Ben")
    by_phone = Prepared(
        lambda phone: Patient.select(Patient.name).where(Patient.phone == phone)
    )
    assert _names(by_phone.rows("+15550100001")) == ["Ana"]
    # The cached "phone = ?" would find nobody; the refusal says what to do.
    with pytest.raises(PreparedQueryError, match="separate Prepared"):
        by_phone.rows(None)
    assert _names(by_phone.rows("+15550100001")) == ["Ana"]


def test_a_constant_inside_the_builder_is_refused(sqlite_database):
    active = Prepared(
        lambda name: Department.select().where(
            Department.name == name,
            Department.active == True,  # noqa: E712
        )
    )
    with pytest.raises(PreparedQueryError, match="not its arguments"):
        active.rows("a")


def test_verify_catches_a_builder_that_branches_on_a_value(sqlite_database):
    """The test suite rebuilds every call: it fails loudly instead of misreading."""
    _departments("a", "b", "c")
    sneaky = Prepared(
        lambda n: Department.select(Department.name).where(
            Department.id == n if n < 100 else Department.id >= n
        )
    )
    assert Prepared.verify  # tests/conftest.py turns it on
    assert _names(sneaky.rows(2)) == ["b"]
    with pytest.raises(PreparedQueryError, match="different SQL"):
        sneaky.rows(200)


def test_inserts_and_updates_by_column_name(database, sql_builds):
    # Every column with a default is named: peewee would add its value.
    insert = PreparedInsert(Department, "name", "active", "names")
    rename = PreparedUpdate(
        Department, "name", where=lambda old: Department.name == old
    )
    first = insert.insert(name="a", active=True, names="{}")
    insert.many(
        [
            {"name": "b", "active": False, "names": "{}"},
            {"name": "c", "active": True, "names": "{}"},
        ]
    )
    assert rename.apply({"name": "z"}, "b") == 1
    assert rename.apply({"name": "y"}, "nobody") == 0
    assert (
        len(sql_builds) == 2
    )  # the insert (once for one row and for many), the update
    rows = Department.select().order_by(Department.id)
    assert [(d.id == first, d.name, d.active) for d in rows] == [
        (True, "a", True),
        (False, "z", False),
        (False, "c", True),
    ]
    with pytest.raises(TypeError, match="expected the columns"):
        insert.insert(name="d")
