"""Fewer indexes to write: drop the ones a wider index already serves.

Every dialog turn inserts two message rows, and each index on a table is one
more b-tree page written to the WAL per commit. The single-column indexes
peewee puts on foreign keys are redundant where a composite index starts
with the same column, and most messages belong to no appointment, so their
appointment index now covers only the rows that do. Plain SQL: both
SQLite and PostgreSQL take these statements as written.
"""

REDUNDANT = (
    "message_patient_id",  # (patient_id, created_at)
    "appointment_doctor_id",  # (doctor_id, start, status, ...), from 0004
    "appointment_doctor_id_start",  # the same
    "appointment_patient_id",  # (patient_id, start)
    "slot_claim_doctor_id",  # unique (doctor_id, unit)
    "audit_log_appointment_id",  # (appointment_id, at)
    "doctor_visit_type_doctor_id",  # unique (doctor_id, visit_type_id)
    "working_hours_doctor_id",  # (doctor_id, weekday)
    "time_off_doctor_id",  # (doctor_id, start)
    "reminder_claim_appointment_id",  # unique (appointment_id, kind, start)
    "waitlist_offer_entry_id",  # unique (entry_id, doctor_id, start)
    "waitlist_offer_doctor_id",  # (doctor_id, start)
)


def up(migrator, db):
    for name in REDUNDANT:
        db.execute_sql(f'DROP INDEX IF EXISTS "{name}"')
    db.execute_sql('DROP INDEX IF EXISTS "message_appointment_id"')
    db.execute_sql(
        'CREATE INDEX "message_appointment_id" ON "message" ("appointment_id")'
        ' WHERE ("appointment_id" IS NOT NULL)'
    )
