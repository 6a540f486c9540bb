"""Prepared queries: SQL built once per shape of arguments, then reused."""

from __future__ import annotations

from core.models import Department
from core.storage.prepared import Prepared


def _names(rows) -> list[str]:
    return [name for (name,) in rows]


def test_each_list_length_and_plain_arguments_get_their_own_sql(sqlite_database):
    for name in ("a", "b", "c"):
        Department.create(name=name)
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
    assert len(by_ids._cache) == 2  # one SQL per list length


def test_a_one_item_list_and_a_plain_value_do_not_share_sql(sqlite_database):
    for name in ("a", "b", "c"):
        Department.create(name=name)
    either = Prepared(
        lambda x: Department.select(Department.name).where(
            Department.id.in_(x) if isinstance(x, list) else Department.id == x
        )
    )
    assert _names(either.rows(3)) == ["c"]
    assert _names(either.rows([2])) == ["b"]
    assert _names(either.rows(1)) == ["a"]
    assert len(either._cache) == 2
