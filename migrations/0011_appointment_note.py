"""A staff-only note on a visit (issue 14: booking on a patient's behalf).

appointment.staff_note: what the front desk wants the next person to know
("bring last year's X-rays"); written by core.clinic.booking, shown on the
console's visit page, never to patients. Frozen field definition (see 0001).
"""

from peewee import SQL, TextField


def up(migrator, db):
    # A default in the database too: rows inserted by column list (bulk
    # loads, benches) need not name the new column.
    note = TextField(default="", constraints=[SQL("DEFAULT ''")])
    migrator.add_column("appointment", "staff_note", note).run()
