"""The shared inbox (issue 14).

conversation.assigned_to: the staff user handling a flagged chat (a staff_user
id, no foreign key: a removed login leaves the chat unassigned in effect).
conversation.staff_seen_at: when staff last opened the chat; the patient
writing after it, or a new flag, makes it unread. saved_reply: the front
desk's canned answers, per language, edited by admins. Frozen field
definitions and a frozen copy of the new model (see 0001).
"""

from peewee import CharField, DateTimeField, IntegerField, Model, TextField


def up(migrator, db):
    migrator.add_column("conversation", "assigned_to", IntegerField(null=True)).run()
    migrator.add_column("conversation", "staff_seen_at", DateTimeField(null=True)).run()

    class SavedReply(Model):
        language = CharField()
        title = CharField()
        body = TextField()
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            indexes = ((("language", "title"), True),)

    db.create_tables([SavedReply])
