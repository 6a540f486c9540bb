"""send_rate: provider rate limits shared by every dispatcher process.

Each dispatcher counted sends per process, so N of them sent N times the
configured rate per Twilio number. Frozen copy of the model (see 0001).
"""

from peewee import CharField, DateTimeField, Model


def up(migrator, db):
    class SendRate(Model):
        key = CharField(unique=True)
        tat = DateTimeField(index=True)

        class Meta:
            database = db
            legacy_table_names = False

    db.create_tables([SendRate])
