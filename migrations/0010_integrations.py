"""The integration API's tables (issue 16).

api_token: a bearer token for other software, stored as its SHA-256 (the
token is printed once), with a role from the console's table, when it was
last used, and when it was revoked. api_idempotency: the first answer to a
POST sent with an Idempotency-Key, so a replay returns it and changes
nothing. webhook_endpoint / webhook_delivery: where the clinic's other
systems want to hear of changes, and each event as written in the
transaction of the change (an outbox of its own), with its attempts.
calendar_feed: a doctor's secret iCalendar address, stored hashed.
Frozen copies of the models (see 0001).
"""

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def up(migrator, db):
    class Base(Model):
        class Meta:
            database = db
            legacy_table_names = False

    class Doctor(Base):
        name = CharField()

    class ApiToken(Base):
        name = CharField()
        role = CharField()
        token_hash = CharField(unique=True)
        prefix = CharField()
        created_at = DateTimeField()
        created_by = IntegerField(null=True)
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)

    class ApiIdempotency(Base):
        token = ForeignKeyField(ApiToken, on_delete="CASCADE", index=False)
        key = CharField()
        request_hash = CharField()
        status = IntegerField()
        response = TextField()
        created_at = DateTimeField(index=True)

        class Meta:
            indexes = ((("token", "key"), True),)

    class WebhookEndpoint(Base):
        url = CharField()
        events = TextField()
        secret = CharField()
        description = CharField(default="")
        active = BooleanField(default=True)
        created_at = DateTimeField()

    class WebhookDelivery(Base):
        endpoint = ForeignKeyField(WebhookEndpoint, on_delete="CASCADE", index=False)
        event_id = CharField()
        event = CharField()
        body = TextField()
        status = CharField(default="pending")
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField()
        last_attempt_at = DateTimeField(null=True)
        response_status = IntegerField(null=True)
        response_body = TextField(default="")
        created_at = DateTimeField()

        class Meta:
            indexes = (
                (("status", "next_attempt_at"), False),
                (("endpoint", "created_at"), False),
            )

    class CalendarFeed(Base):
        doctor = ForeignKeyField(Doctor, on_delete="CASCADE")
        token_hash = CharField(unique=True)
        show_names = BooleanField(default=False)
        created_at = DateTimeField()
        revoked_at = DateTimeField(null=True)

    db.create_tables(
        [ApiToken, ApiIdempotency, WebhookEndpoint, WebhookDelivery, CalendarFeed]
    )
