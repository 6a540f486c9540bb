"""Departments and visit types in other languages: saved, validated, looked up."""

from __future__ import annotations

import json

import pytest

from core.clinic.queries import localized, parse_names
from core.errors import InvalidInput, NotFound
from core.models import Department, VisitType
from core.staff.doctors import (
    TRANSLATED_NAME_LIMIT,
    all_departments,
    all_visit_types,
    save_department,
    save_visit_type,
)


def test_a_department_keeps_its_spanish_name(database):
    department = save_department("Paediatrics", names={"es": " Pediatría "})
    assert json.loads(Department.get_by_id(department.id).names) == {"es": "Pediatría"}
    (listed,) = all_departments()
    assert listed["names"] == {"es": "Pediatría"}


def test_renaming_without_names_keeps_them_and_blank_clears_them(database):
    department = save_department("Paediatrics", names={"es": "Pediatría"})
    save_department("Paediatrics Unit", department.id)
    assert Department.get_by_id(department.id).names == '{"es": "Pediatría"}'
    save_department("Paediatrics Unit", department.id, names={"es": "  "})
    assert Department.get_by_id(department.id).names == "{}"


def test_a_visit_type_is_created_and_edited_with_its_names(database):
    visit_type = save_visit_type("New patient", 60, names={"es": "Primera visita"})
    assert parse_names(VisitType.get_by_id(visit_type.id).names) == {
        "es": "Primera visita"
    }
    edited = save_visit_type("First visit", 45, visit_type.id, names={"es": "Primera"})
    assert (edited.name, edited.minutes, parse_names(edited.names)) == (
        "First visit",
        45,
        {"es": "Primera"},
    )
    (listed,) = all_visit_types()
    assert listed["names"] == {"es": "Primera"}
    with pytest.raises(NotFound):
        save_visit_type("Ghost", 30, 9999)


@pytest.mark.parametrize(
    "names,message",
    [
        ({"es": "x" * (TRANSLATED_NAME_LIMIT + 1)}, "in Spanish is too long"),
        ({"fr": "Pédiatrie"}, "Language must be one of en, es"),
        ({"es": 7}, "must be text"),
    ],
)
def test_bad_names_are_refused_and_nothing_changes(database, names, message):
    department = save_department("Paediatrics", names={"es": "Pediatría"})
    visit_type = save_visit_type("Consultation", 30, names={"es": "Consulta"})
    with pytest.raises(InvalidInput, match=message):
        save_department("Renamed", department.id, names=names)
    with pytest.raises(InvalidInput, match=message):
        save_visit_type("Renamed", 30, visit_type.id, names=names)
    with pytest.raises(InvalidInput, match=message):
        save_department("Another", names=names)
    assert [(d.name, d.names) for d in Department.select()] == [
        ("Paediatrics", '{"es": "Pediatría"}')
    ]
    assert VisitType.get_by_id(visit_type.id).name == "Consultation"


def test_the_limit_itself_is_accepted(database):
    name = "x" * TRANSLATED_NAME_LIMIT
    assert parse_names(save_department("D", names={"es": name}).names) == {"es": name}


def test_localized_picks_the_translation_or_the_name():
    assert localized("Paediatrics", '{"es": "Pediatría"}', "es") == "Pediatría"
    assert localized("Paediatrics", '{"es": "Pediatría"}', "en") == "Paediatrics"
    assert localized("Paediatrics", "{}", "es") == "Paediatrics"
    assert localized("Paediatrics", '{"es": "  "}', "es") == "Paediatrics"
    assert localized("Paediatrics", "not json", "es") == "Paediatrics"
    assert localized("Paediatrics", None, "es") == "Paediatrics"
