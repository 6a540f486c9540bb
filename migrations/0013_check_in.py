"""When the patient arrived (issue 14: the Today board's "check in").

appointment.arrived_at: set by core.clinic.booking.check_in when the front
desk marks the patient as here; shown on Today and the visit page. Frozen
field definition (see 0001).
"""

from peewee import DateTimeField


def up(migrator, db):
    migrator.add_column("appointment", "arrived_at", DateTimeField(null=True)).run()
