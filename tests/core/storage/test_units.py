"""Units of work inside units of work: each nested one is undone alone."""

from __future__ import annotations

import pytest

from core.models import Department
from core.storage.db import write_transaction


def _names() -> list[str]:
    return sorted(d.name for d in Department.select())


def _fails(name: str) -> None:
    with pytest.raises(ValueError), write_transaction():
        Department.create(name=name)
        raise ValueError("refused")


def test_a_failing_inner_unit_is_undone_and_the_outer_one_goes_on(database):
    with write_transaction():
        Department.create(name="Cardiology")
        _fails("Dermatology")
        with write_transaction():
            Department.create(name="Neurology")
            _fails("Oncology")  # two deep, beside a unit that stands
        Department.create(name="Pediatrics")
    assert _names() == ["Cardiology", "Neurology", "Pediatrics"]


def test_a_failing_outer_unit_undoes_its_inner_units_that_stood(database):
    with pytest.raises(ValueError), write_transaction():
        Department.create(name="Cardiology")
        with write_transaction():
            with write_transaction():
                Department.create(name="Neurology")
            _fails("Oncology")
            raise ValueError("the middle unit fails after its inner ones")
    assert _names() == []


def test_after_an_inner_failure_an_outer_rollback_reaches_its_own_start(database):
    with write_transaction():
        Department.create(name="Cardiology")
        with pytest.raises(ValueError), write_transaction():
            Department.create(name="Neurology")
            _fails("Oncology")  # must not leave its savepoint as the newest
            raise ValueError("the middle unit fails too")
    assert _names() == ["Cardiology"]
