"""Scheduler tables: work claims, waitlist offers, and an index for freed slots.

Frozen copies of the models as they were at this migration (see 0001).
"""

from peewee import CharField, DateTimeField, ForeignKeyField, Model


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    # Stubs of the tables referenced; only their names and keys matter here.
    class Appointment(Base):
        pass

    class Message(Base):
        pass

    class Patient(Base):
        pass

    class Doctor(Base):
        pass

    class VisitType(Base):
        pass

    class WaitlistEntry(Base):
        pass

    class ReminderClaim(Base):
        appointment = ForeignKeyField(Appointment, on_delete="CASCADE")
        kind = CharField()
        start = DateTimeField()
        outcome = CharField()
        message = ForeignKeyField(Message, null=True, on_delete="SET NULL")
        claimed_at = DateTimeField()

        class Meta:
            indexes = ((("appointment", "kind", "start"), True),)

    class WaitlistOffer(Base):
        entry = ForeignKeyField(WaitlistEntry, on_delete="CASCADE")
        patient = ForeignKeyField(Patient, on_delete="CASCADE")
        doctor = ForeignKeyField(Doctor, on_delete="CASCADE")
        visit_type = ForeignKeyField(VisitType)
        start = DateTimeField()
        freed_from = ForeignKeyField(Appointment, null=True, on_delete="SET NULL")
        status = CharField()
        expires_at = DateTimeField()
        booked = ForeignKeyField(
            Appointment, null=True, on_delete="SET NULL", backref="from_offers"
        )
        created_at = DateTimeField()
        answered_at = DateTimeField(null=True)

        class Meta:
            indexes = (
                (("entry", "doctor", "start"), True),
                (("status", "expires_at"), False),
                (("doctor", "start"), False),
            )

    db.create_tables([ReminderClaim, WaitlistOffer])
    migrator.add_index("appointment", ("cancelled_at",)).run()
