"""WhatsApp and email beside SMS and Telegram (issue 17).

patient: an email address (unique when given), the channel the patient
prefers ("" lets ClinicBot choose), WhatsApp and email opt-outs (Twilio does
not filter STOP on WhatsApp, so ClinicBot keeps it), and when the patient last
wrote on WhatsApp (the 24-hour window in which plain text may be sent).
message.fallback_of: the first message of a chain that was tried again on
the patient's next channel after failing for good on this one. Frozen field
definitions as they were at this migration (see 0001).
"""

from peewee import BooleanField, CharField, DateTimeField, IntegerField


def up(migrator, db):
    migrator.add_column("patient", "email", CharField(null=True)).run()
    migrator.add_index("patient", ("email",), True).run()
    migrator.add_column("patient", "preferred_channel", CharField(default="")).run()
    migrator.add_column(
        "patient", "whatsapp_opt_out", BooleanField(default=False)
    ).run()
    migrator.add_column("patient", "whatsapp_seen_at", DateTimeField(null=True)).run()
    migrator.add_column("patient", "email_opt_out", BooleanField(default=False)).run()
    migrator.add_column("message", "fallback_of", IntegerField(null=True)).run()
    migrator.add_index("message", ("fallback_of",), False).run()
