"""Initial schema.

A frozen copy of the models as they were at this migration, as
playhouse.migrations recommends: later model changes must not change what
this step creates. Python-side defaults are left out (they are not schema);
server-side facts (columns, nullability, uniqueness, indexes, foreign keys)
are all here.
"""

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    SmallIntegerField,
    TextField,
    TimeField,
)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class ClinicPolicy(Base):
        clinic_name = CharField()
        timezone = CharField()
        date_order = CharField()
        default_language = CharField()
        slot_minutes = IntegerField()
        buffer_minutes = IntegerField()
        min_notice_minutes = IntegerField()
        horizon_days = IntegerField()
        reminder_leads = CharField()
        confirm_deadline_minutes = IntegerField()
        auto_cancel_unconfirmed = BooleanField()
        no_show_grace_minutes = IntegerField()
        quiet_start = TimeField()
        quiet_end = TimeField()
        idle_timeout_minutes = IntegerField()

    class Department(Base):
        name = CharField(unique=True)
        active = BooleanField()

    class Doctor(Base):
        name = CharField()
        department = ForeignKeyField(Department)
        specialisation = CharField()
        active = BooleanField()

    class VisitType(Base):
        name = CharField(unique=True)
        minutes = IntegerField()
        active = BooleanField()

    class DoctorVisitType(Base):
        doctor = ForeignKeyField(Doctor, on_delete="CASCADE")
        visit_type = ForeignKeyField(VisitType, on_delete="CASCADE")

        class Meta:
            indexes = ((("doctor", "visit_type"), True),)

    class WorkingHours(Base):
        doctor = ForeignKeyField(Doctor, on_delete="CASCADE")
        weekday = SmallIntegerField()
        start = TimeField()
        end = TimeField()

        class Meta:
            indexes = ((("doctor", "weekday"), False),)

    class TimeOff(Base):
        doctor = ForeignKeyField(Doctor, on_delete="CASCADE")
        start = DateTimeField()
        end = DateTimeField()
        reason = CharField()

        class Meta:
            indexes = ((("doctor", "start"), False),)

    class Closure(Base):
        day = DateField(unique=True)
        name = CharField()

    class Patient(Base):
        phone = CharField(null=True, unique=True)
        telegram_chat_id = CharField(null=True, unique=True)
        name = CharField()
        language = CharField()
        sms_opt_out = BooleanField()
        telegram_blocked = BooleanField()
        consent_at = DateTimeField(null=True)
        created_at = DateTimeField()

    class Appointment(Base):
        doctor = ForeignKeyField(Doctor)
        patient = ForeignKeyField(Patient)
        visit_type = ForeignKeyField(VisitType)
        start = DateTimeField()
        end = DateTimeField()
        status = CharField()
        created_via = CharField()
        needs_confirmation = BooleanField()
        confirmed_at = DateTimeField(null=True)
        cancelled_at = DateTimeField(null=True)
        cancelled_by = CharField(null=True)
        cancel_reason = CharField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            indexes = (
                (("doctor", "start"), False),
                (("start", "status"), False),
                (("patient", "start"), False),
            )

    class SlotClaim(Base):
        doctor = ForeignKeyField(Doctor, on_delete="CASCADE")
        unit = DateTimeField()
        appointment = ForeignKeyField(Appointment, on_delete="CASCADE")

        class Meta:
            indexes = ((("doctor", "unit"), True), (("appointment",), False))

    class StaffUser(Base):
        email = CharField(unique=True)
        password_hash = CharField()
        role = CharField()
        doctor = ForeignKeyField(Doctor, null=True, on_delete="SET NULL")
        active = BooleanField()
        password_changed_at = DateTimeField()
        failed_logins = IntegerField()
        locked_until = DateTimeField(null=True)
        created_at = DateTimeField()

    class AuditLog(Base):
        at = DateTimeField(index=True)
        actor = CharField()
        action = CharField()
        appointment = ForeignKeyField(Appointment, null=True, on_delete="SET NULL")
        patient = ForeignKeyField(Patient, null=True, on_delete="SET NULL")
        detail = TextField()

        class Meta:
            indexes = ((("appointment", "at"), False),)

    class Message(Base):
        direction = CharField()
        channel = CharField()
        address = CharField()
        patient = ForeignKeyField(Patient, null=True, on_delete="SET NULL")
        appointment = ForeignKeyField(Appointment, null=True, on_delete="SET NULL")
        kind = CharField()
        body = TextField()
        choices = TextField()
        provider_id = CharField(null=True)
        status = CharField()
        urgent = BooleanField()
        attempts = IntegerField()
        next_attempt_at = DateTimeField(null=True)
        error_code = CharField(null=True)
        error_text = TextField(null=True)
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)

        class Meta:
            indexes = (
                (("channel", "provider_id"), True),
                (("status", "next_attempt_at"), False),
                (("patient", "created_at"), False),
                (("created_at",), False),
            )

    class Conversation(Base):
        channel = CharField()
        address = CharField()
        patient = ForeignKeyField(Patient, null=True, on_delete="SET NULL")
        state = CharField()
        data = TextField()
        language = CharField()
        misunderstood = IntegerField()
        flagged = BooleanField()
        flag_reason = CharField(null=True)
        updated_at = DateTimeField()

        class Meta:
            indexes = (
                (("channel", "address"), True),
                (("flagged", "updated_at"), False),
                (("updated_at",), False),
            )

    class WaitlistEntry(Base):
        patient = ForeignKeyField(Patient, on_delete="CASCADE")
        doctor = ForeignKeyField(Doctor, null=True, on_delete="CASCADE")
        department = ForeignKeyField(Department, null=True, on_delete="CASCADE")
        visit_type = ForeignKeyField(VisitType, null=True)
        from_day = DateField()
        to_day = DateField()
        status = CharField()
        created_at = DateTimeField()

        class Meta:
            indexes = ((("status", "from_day"), False),)

    db.create_tables(
        [
            ClinicPolicy,
            Department,
            Doctor,
            VisitType,
            DoctorVisitType,
            WorkingHours,
            TimeOff,
            Closure,
            Patient,
            Appointment,
            SlotClaim,
            StaffUser,
            AuditLog,
            Message,
            Conversation,
            WaitlistEntry,
        ]
    )
