"""The dialog's hot reads, prepared once per process (core.storage.prepared).

A turn runs these on every message: its conversation and patient, and what
the View shows of the clinic. Its writes go through the tables' owners.
"""

from __future__ import annotations

from peewee import JOIN

from core.models import (
    Appointment,
    Conversation,
    Department,
    Doctor,
    DoctorVisitType,
    Patient,
    VisitType,
)
from core.storage.db import is_sqlite
from core.storage.prepared import Prepared

PATIENT_COLUMNS = (
    Patient.id,
    Patient.name,
    Patient.language,
    Patient.consent_at,
    Patient.sms_opt_out,
    Patient.phone,
    Patient.whatsapp_opt_out,
)


def _conversation(channel: str, address: str):
    query = (
        Conversation.select(
            Conversation.id,
            Conversation.state,
            Conversation.data,
            Conversation.misunderstood,
            Conversation.updated_at,
            Conversation.flagged,
            *PATIENT_COLUMNS,
        )
        .join(Patient, JOIN.LEFT_OUTER)
        .where(Conversation.channel == channel, Conversation.address == address)
    )
    if is_sqlite():
        return query  # BEGIN IMMEDIATE already serialises turns
    # Two quick messages from one patient (a double-tap on "Yes, book") must
    # not both start from the same state: the second waits for the first.
    return query.for_update(of=Conversation)


CONVERSATION = Prepared(_conversation)
PATIENT_BY_PHONE = Prepared(
    lambda phone: Patient.select(*PATIENT_COLUMNS).where(Patient.phone == phone)
)
PATIENT_BY_CHAT = Prepared(
    lambda chat_id: Patient.select(*PATIENT_COLUMNS).where(
        Patient.telegram_chat_id == chat_id
    )
)
PATIENT_BY_ID = Prepared(
    lambda patient_id: Patient.select(*PATIENT_COLUMNS).where(Patient.id == patient_id)
)

# What the View shows of the clinic: departments, doctors, kinds of visit, visits.
DEPARTMENTS = Prepared(
    lambda active, doctor_active: (
        Department.select(Department.id, Department.name, Department.names)
        .where(
            Department.active == active,
            Department.id.in_(
                Doctor.select(Doctor.department).where(Doctor.active == doctor_active)
            ),
        )
        .order_by(Department.name)
    )
)
DOCTORS = Prepared(
    lambda active: (
        Doctor.select(Doctor.id, Doctor.name)
        .where(Doctor.active == active)
        .order_by(Doctor.name)
    )
)
DEPARTMENT_DOCTORS = Prepared(
    lambda active, department_id: (
        Doctor.select(Doctor.id, Doctor.name)
        .where(Doctor.active == active, Doctor.department == department_id)
        .order_by(Doctor.name)
    )
)
VISIT_TYPES = Prepared(
    lambda doctor_ids, active: (
        VisitType.select(
            VisitType.id, VisitType.name, VisitType.minutes, VisitType.names
        )
        .join(DoctorVisitType)
        .where(DoctorVisitType.doctor.in_(doctor_ids), VisitType.active == active)
        .distinct()
        .order_by(VisitType.name)
    )
)
DOCTOR_NAMES = Prepared(
    lambda doctor_id: (
        Doctor.select(Doctor.name, Department.name, Department.names)
        .join(Department)
        .where(Doctor.id == doctor_id)
    )
)
VISIT_TYPE_NAME = Prepared(
    lambda visit_type_id: VisitType.select(VisitType.name, VisitType.names).where(
        VisitType.id == visit_type_id
    )
)
DEPARTMENT_NAME = Prepared(
    lambda department_id: Department.select(Department.name, Department.names).where(
        Department.id == department_id
    )
)


def _visit_query(*where):
    return (
        Appointment.select(
            Appointment.id,
            Appointment.start,
            Appointment.status,
            Doctor.id,
            Doctor.name,
            Department.name,
            VisitType.id,
            VisitType.name,
            VisitType.minutes,
            Department.names,
            VisitType.names,
        )
        .join(Doctor)
        .join(Department)
        .switch(Appointment)
        .join(VisitType)
        .where(*where)
        .order_by(Appointment.start)
    )


UPCOMING = Prepared(
    lambda patient_id, after, statuses, limit: _visit_query(
        Appointment.patient == patient_id,
        Appointment.start > after,
        Appointment.status.in_(statuses),
    ).limit(limit)
)
VISIT = Prepared(
    lambda appointment_id, patient_id: _visit_query(
        Appointment.id == appointment_id, Appointment.patient == patient_id
    )
)


# Everything a patient may name, for the understanding step (catalog.py).
CATALOG_DOCTORS = Prepared(
    lambda active, department_active: (
        Doctor.select(Doctor.id, Doctor.name, Doctor.department)
        .join(Department)
        .where(Doctor.active == active, Department.active == department_active)
        .order_by(Doctor.name)
    )
)
CATALOG_VISIT_TYPES = Prepared(
    lambda active: (
        VisitType.select(
            VisitType.id, VisitType.name, VisitType.names, VisitType.minutes
        )
        .where(VisitType.active == active)
        .order_by(VisitType.name)
    )
)
