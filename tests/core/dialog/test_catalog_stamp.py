"""Names patients may use are kept until a doctor, department or visit type changes."""

from __future__ import annotations

import json

import pytest

from core.dialog.view import View
from core.models import ClinicPolicy, Conversation, Department, Doctor, VisitType
from core.policy import load_policy, save_policy
from core.staff import doctors
from core.storage.db import db
from tests.core.dialog.conftest import NOW

pytestmark = pytest.mark.postgres


def _stamp() -> int:
    return ClinicPolicy.get_by_id(1).catalog_stamp


def _doctor_names() -> set[str]:
    return {entry.name for entry in View(load_policy(), NOW).catalog().doctors}


def test_every_kind_of_write_moves_the_stamp_and_settings_do_not(clinic):
    writes = [
        lambda: doctors.save_doctor("Dr. Berg", clinic["gp"].id, "GP", []),
        lambda: (
            Doctor.update(name="Dr. Hart-Smith")
            .where(Doctor.id == clinic["hart"].id)
            .execute()
        ),
        lambda: (
            Department.update(active=False)
            .where(Department.id == clinic["paeds"].id)
            .execute()
        ),
        lambda: VisitType.create(name="Vaccination", minutes=15),
        lambda: VisitType.delete().where(VisitType.name == "Vaccination").execute(),
        # SQL typed by hand, past every Python writer.
        lambda: db.obj.execute_sql("UPDATE doctor SET specialisation = 'Skin'"),
    ]
    seen = {_stamp()}
    for write in writes:
        write()
        assert _stamp() not in seen, "the stamp moved"
        seen.add(_stamp())
    before = _stamp()
    save_policy({"clinic_name": "Riverside Family Clinic", "catalog_stamp": 7})
    assert _stamp() == before


def test_a_rename_counts_at_the_next_read_and_nothing_is_read_in_between(clinic):
    assert "Dr. Hart" in _doctor_names()
    with CountingQueries() as counted:
        _doctor_names()
    assert counted.catalog_reads == 0, "the catalog came from the cache"
    doctors.save_doctor(
        "Dr. Amelia Hart", clinic["gp"].id, "GP", [], doctor_id=clinic["hart"].id
    )
    assert "Dr. Amelia Hart" in _doctor_names()
    Doctor.update(active=False).where(Doctor.id == clinic["ortiz"].id).execute()
    assert "Dr. Ortiz" not in _doctor_names()


def test_a_patient_can_name_a_doctor_added_a_moment_ago(clinic, chat):
    chat.send("hi")  # the catalog is read and kept
    okafor = doctors.save_doctor(
        "Dr. Imani Okafor", clinic["gp"].id, "GP", [clinic["consult"].id]
    )
    said = chat.send("i want to book with dr okafor")
    assert "Which day suits you?" in said
    chosen = json.loads(Conversation.get(Conversation.address == chat.address).data)
    assert chosen["doc"] == okafor.id


class CountingQueries:
    """Counts statements that read the doctor or visit_type tables."""

    def __enter__(self):
        self.catalog_reads = 0
        self._execute = db.obj.execute_sql

        def counting(sql, *args, **kwargs):
            if ' FROM "visit_type"' in sql or ' FROM "doctor"' in sql:
                self.catalog_reads += 1
            return self._execute(sql, *args, **kwargs)

        db.obj.execute_sql = counting
        return self

    def __exit__(self, *exc):
        db.obj.execute_sql = self._execute
