"""What the bot's free-text understanding needs to know (issue 13).

clinic_policy.facts: what the bot tells patients (address, phone, hours,
parking, what to bring, the clinic's own questions and answers), as JSON per
language. department.names and visit_type.names: their names in other
languages, as JSON {"es": "Pediatría"}. appointment.late_at and late_note:
the patient said they are running late. Existing rows keep their data; the
new text columns start as "{}" and the new visit columns empty. Frozen field
definitions as they were at this migration (see 0001).
"""

from peewee import CharField, DateTimeField, TextField


def up(migrator, db):
    migrator.add_column("clinic_policy", "facts", TextField(default="{}")).run()
    migrator.add_column("department", "names", TextField(default="{}")).run()
    migrator.add_column("visit_type", "names", TextField(default="{}")).run()
    migrator.add_column("appointment", "late_at", DateTimeField(null=True)).run()
    migrator.add_column(
        "appointment", "late_note", CharField(null=True, max_length=200)
    ).run()
