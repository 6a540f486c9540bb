"""The data model. Every datetime column holds naive UTC; see core.clock."""

from __future__ import annotations

import datetime as dt
import secrets

from peewee import (
    SQL,
    BigIntegerField,
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

from core.storage.db import db


def utcnow() -> dt.datetime:
    """Now as naive UTC, the form every datetime column stores."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False


class ClinicPolicy(BaseModel):
    """The clinic's one row of rules, edited in the console's Settings."""

    clinic_name = CharField(default="ClinicBot Demo Clinic")
    timezone = CharField(default="UTC")
    date_order = CharField(default="MDY")  # how 3/12 is read: MDY or DMY
    default_language = CharField(default="en")
    slot_minutes = IntegerField(default=30)
    buffer_minutes = IntegerField(default=0)
    min_notice_minutes = IntegerField(default=60)
    horizon_days = IntegerField(default=60)
    reminder_leads = CharField(default="1440,180")  # minutes before start
    confirm_deadline_minutes = IntegerField(default=15)
    auto_cancel_unconfirmed = BooleanField(default=True)
    no_show_grace_minutes = IntegerField(default=15)
    quiet_start = TimeField(default=dt.time(21, 0))
    quiet_end = TimeField(default=dt.time(8, 0))
    idle_timeout_minutes = IntegerField(default=30)
    # What the bot tells patients, per language (core.policy.Policy.fact):
    # JSON {"en": {"address": ..., "custom": [{"q": ..., "a": ...}]}, "es": ...}
    facts = TextField(default="{}")
    # Moved by database triggers whenever a doctor, department or visit type
    # changes (migration 0014): the dialog keeps its catalog of names until then.
    catalog_stamp = BigIntegerField(default=lambda: secrets.randbits(53) + 1)


class Department(BaseModel):
    name = CharField(unique=True)
    active = BooleanField(default=True)
    names = TextField(default="{}")  # JSON {"es": "Pediatría"}: see localized()


class Doctor(BaseModel):
    name = CharField()
    department = ForeignKeyField(Department, backref="doctors")
    specialisation = CharField(default="")
    active = BooleanField(default=True)


class VisitType(BaseModel):
    name = CharField(unique=True)
    minutes = IntegerField(default=30)
    active = BooleanField(default=True)
    names = TextField(default="{}")  # JSON {"es": "Consulta"}: see localized()


class DoctorVisitType(BaseModel):
    """Which doctors offer which visit types."""

    doctor = ForeignKeyField(
        Doctor, backref="visit_types", on_delete="CASCADE", index=False
    )
    visit_type = ForeignKeyField(VisitType, backref="doctors", on_delete="CASCADE")

    class Meta:
        indexes = ((("doctor", "visit_type"), True),)


class WorkingHours(BaseModel):
    """One interval of a doctor's week in clinic local time; gaps are breaks."""

    doctor = ForeignKeyField(Doctor, backref="hours", on_delete="CASCADE", index=False)
    weekday = SmallIntegerField()  # Monday is 0, as in date.weekday()
    start = TimeField()
    end = TimeField()

    class Meta:
        indexes = ((("doctor", "weekday"), False),)


class TimeOff(BaseModel):
    doctor = ForeignKeyField(
        Doctor, backref="time_off", on_delete="CASCADE", index=False
    )
    start = DateTimeField()
    end = DateTimeField()
    reason = CharField(default="")

    class Meta:
        indexes = ((("doctor", "start"), False),)


class Closure(BaseModel):
    """A clinic-wide closed day (holiday), in clinic local dates."""

    day = DateField(unique=True)
    name = CharField(default="")


class Patient(BaseModel):
    phone = CharField(null=True, unique=True)  # E.164
    telegram_chat_id = CharField(null=True, unique=True)
    name = CharField(default="")
    language = CharField(default="en")
    sms_opt_out = BooleanField(default=False)
    telegram_blocked = BooleanField(default=False)
    consent_at = DateTimeField(null=True)
    created_at = DateTimeField(default=utcnow)
    email = CharField(null=True, unique=True)
    # The channel the patient chose ("" lets ClinicBot pick: see outbox.routes).
    preferred_channel = CharField(default="")
    whatsapp_opt_out = BooleanField(default=False)  # Twilio leaves STOP to us there
    whatsapp_seen_at = DateTimeField(null=True)  # opens WhatsApp's 24-hour window
    email_opt_out = BooleanField(default=False)

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""


# The statuses in which a visit holds its time (and can still change).
LIVE_STATUSES = ("scheduled", "confirmed")


class Appointment(BaseModel):
    # Indexed below by (doctor, start, ...) and (patient, start).
    doctor = ForeignKeyField(Doctor, backref="appointments", index=False)
    patient = ForeignKeyField(Patient, backref="appointments", index=False)
    visit_type = ForeignKeyField(VisitType)
    start = DateTimeField()
    end = DateTimeField()
    status = CharField(default="scheduled")
    created_via = CharField(default="console")  # sms | whatsapp | telegram | console
    needs_confirmation = BooleanField(default=True)
    confirmed_at = DateTimeField(null=True)
    cancelled_at = DateTimeField(null=True)
    cancelled_by = CharField(null=True)  # patient | staff | system | api
    cancel_reason = CharField(null=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
    # The patient said they are running late (core.clinic.booking).
    late_at = DateTimeField(null=True)
    late_note = CharField(null=True, max_length=200)
    # The front desk checked the patient in (core.clinic.booking.check_in).
    arrived_at = DateTimeField(null=True)
    # Staff's own note on the visit (core.clinic.booking); never shown to patients.
    staff_note = TextField(default="", constraints=[SQL("DEFAULT ''")])

    class Meta:
        indexes = (
            (("start", "status"), False),
            (("patient", "start"), False),
            # The scheduler finds freshly freed slots for the waitlist by this.
            (("cancelled_at",), False),
            # Serves every lookup by doctor and time, and covers the console's
            # stats query: a range scan per doctor reads only this index
            # (1M visits in ~0.4 s on SQLite instead of ~0.9 s).
            (
                (
                    "doctor",
                    "start",
                    "status",
                    "visit_type",
                    "needs_confirmation",
                    "cancelled_by",
                    "confirmed_at",
                ),
                False,
            ),
        )


class SlotClaim(BaseModel):
    """One 5-minute unit of a doctor's time held by an appointment.

    The unique (doctor, unit) index is the no-double-booking guarantee: two
    overlapping appointments need a common unit, and only one insert of it
    can commit, on SQLite and PostgreSQL alike.
    """

    # The unique (doctor, unit) index below serves lookups by doctor.
    doctor = ForeignKeyField(Doctor, on_delete="CASCADE", index=False)
    unit = DateTimeField()
    appointment = ForeignKeyField(Appointment, backref="claims", on_delete="CASCADE")

    class Meta:
        indexes = (
            (("doctor", "unit"), True),
            (("appointment",), False),
        )


class StaffUser(BaseModel):
    email = CharField(unique=True)
    password_hash = CharField()
    role = CharField(default="staff")  # admin | staff | doctor
    doctor = ForeignKeyField(Doctor, null=True, on_delete="SET NULL")
    active = BooleanField(default=True)
    # Part of the session signature, so changing the password ends old sessions.
    password_changed_at = DateTimeField(default=utcnow)
    created_at = DateTimeField(default=utcnow)
    # Also signed into sessions; logging out bumps it, ending every copy.
    session_epoch = IntegerField(default=0)


class LoginThrottle(BaseModel):
    """Sign-in attempts by email: per client address, and address "" for all.

    Keyed by the email typed, known or not, so an unknown email is answered
    exactly like a known one.
    """

    email = CharField()
    address = CharField()  # the client's address; "" is the account as a whole
    failures = IntegerField(default=0)  # attempts not followed by a success
    wait_until = DateTimeField(null=True)  # no attempt is checked before this
    checking_until = DateTimeField(null=True)  # a password check holds the account
    last_attempt_at = DateTimeField(index=True)  # old rows are purged by it

    class Meta:
        indexes = ((("email", "address"), True),)


class SendRate(BaseModel):
    """A provider rate limit's bucket (GCRA), shared by every dispatcher."""

    key = CharField(unique=True)  # sms:<from number>, telegram, telegram:<chat>
    tat = DateTimeField(index=True)  # the bucket is full again at this instant


class AuditLog(BaseModel):
    at = DateTimeField(default=utcnow, index=True)
    actor = CharField()  # "patient:12", "staff:3", "system"
    action = CharField()
    appointment = ForeignKeyField(
        Appointment, null=True, on_delete="SET NULL", index=False
    )
    patient = ForeignKeyField(Patient, null=True, on_delete="SET NULL")
    detail = TextField(default="")

    class Meta:
        indexes = ((("appointment", "at"), False),)


class Message(BaseModel):
    """Every message in and out; outbound rows are also the outbox."""

    direction = CharField()  # in | out
    channel = CharField()  # sms | whatsapp | telegram | email | console | none
    address = CharField()  # E.164, whatsapp:+E164, Telegram chat id or email
    # Indexed below: by (patient, created_at), and only where appointment is set.
    patient = ForeignKeyField(Patient, null=True, on_delete="SET NULL", index=False)
    appointment = ForeignKeyField(
        Appointment, null=True, on_delete="SET NULL", index=False
    )
    kind = CharField(default="reply")  # reply | reminder | notice | staff | inbound
    body = TextField(default="")
    choices = TextField(default="")  # JSON [[label, value], ...] for buttons
    provider_id = CharField(null=True)  # Twilio MessageSid, Telegram update id
    status = CharField(default="queued")
    urgent = BooleanField(default=False)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True)
    error_code = CharField(null=True)
    error_text = TextField(null=True)
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)
    # The first row of a chain tried again on the patient's next channel.
    fallback_of = IntegerField(null=True, index=True)

    class Meta:
        indexes = (
            (("channel", "provider_id"), True),
            (("status", "next_attempt_at"), False),
            (("patient", "created_at"), False),
            (("created_at",), False),
        )


# Most messages (every dialog turn's) belong to no appointment: indexing only
# those that do leaves one b-tree fewer to write on each turn.
Message.add_index(
    Message.index(Message.appointment, name="message_appointment_id").where(
        Message.appointment.is_null(False)
    )
)


class Conversation(BaseModel):
    channel = CharField()
    address = CharField()
    patient = ForeignKeyField(Patient, null=True, on_delete="SET NULL")
    state = CharField(default="start")
    data = TextField(default="{}")
    language = CharField(default="en")
    misunderstood = IntegerField(default=0)
    flagged = BooleanField(default=False)
    flag_reason = CharField(null=True)
    updated_at = DateTimeField(default=utcnow)
    # The shared inbox (migrations/0012_inbox.py): who handles it, a staff_user
    # id; when staff last opened it (unread: the patient wrote since, or a flag).
    assigned_to = IntegerField(null=True)
    staff_seen_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("channel", "address"), True),
            (("flagged", "updated_at"), False),
            (("updated_at",), False),
        )


class WaitlistEntry(BaseModel):
    patient = ForeignKeyField(Patient, backref="waitlist", on_delete="CASCADE")
    doctor = ForeignKeyField(Doctor, null=True, on_delete="CASCADE")
    department = ForeignKeyField(Department, null=True, on_delete="CASCADE")
    visit_type = ForeignKeyField(VisitType, null=True)
    from_day = DateField()
    to_day = DateField()
    status = CharField(default="waiting")  # waiting | offered | booked | expired
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("status", "from_day"), False),)


class ReminderClaim(BaseModel):
    """One piece of scheduler work done for an appointment at one start time.

    The unique (appointment, kind, start) index is how two schedulers agree:
    only one can insert the claim, so every reminder is sent once, and a
    rescheduled visit's new time is new work.
    """

    appointment = ForeignKeyField(Appointment, on_delete="CASCADE", index=False)
    kind = CharField()  # lead:1440, lead:180, deadline, waitlist
    start = DateTimeField()  # the visit start the work was for
    outcome = CharField(default="")  # queued, skipped_quiet, superseded, ...
    message = ForeignKeyField(Message, null=True, on_delete="SET NULL")
    claimed_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("appointment", "kind", "start"), True),)


class WaitlistOffer(BaseModel):
    """A freed slot offered by text to one waitlisted patient."""

    entry = ForeignKeyField(WaitlistEntry, on_delete="CASCADE", index=False)
    patient = ForeignKeyField(Patient, on_delete="CASCADE")
    doctor = ForeignKeyField(Doctor, on_delete="CASCADE", index=False)
    visit_type = ForeignKeyField(VisitType)
    start = DateTimeField()
    freed_from = ForeignKeyField(Appointment, null=True, on_delete="SET NULL")
    status = CharField(default="open")  # open | accepted | gone | expired
    expires_at = DateTimeField()
    booked = ForeignKeyField(
        Appointment, null=True, on_delete="SET NULL", backref="from_offers"
    )
    created_at = DateTimeField(default=utcnow)
    answered_at = DateTimeField(null=True)

    class Meta:
        indexes = (
            (("entry", "doctor", "start"), True),
            (("status", "expires_at"), False),
            (("doctor", "start"), False),
        )


class ApiToken(BaseModel):
    """A bearer token for other software; only its SHA-256 is kept."""

    name = CharField()
    role = CharField()  # admin | staff | doctor | read
    token_hash = CharField(unique=True)
    prefix = CharField()  # the token's first characters, to tell tokens apart
    created_at = DateTimeField(default=utcnow)
    created_by = IntegerField(null=True)  # staff_user id; None from the CLI
    last_used_at = DateTimeField(null=True)
    revoked_at = DateTimeField(null=True)


class ApiIdempotency(BaseModel):
    """The first answer to a POST sent with an Idempotency-Key, per token."""

    token = ForeignKeyField(ApiToken, on_delete="CASCADE", index=False)
    key = CharField()
    request_hash = CharField()  # method, path and body: a different body is a 422
    status = IntegerField()
    response = TextField()
    created_at = DateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("token", "key"), True),)


class WebhookEndpoint(BaseModel):
    """Where another system wants to hear of changes, and which ones."""

    url = CharField()
    events = TextField()  # space-separated event names
    secret = CharField()  # signs every delivery; shown once
    description = CharField(default="")
    active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)


class WebhookDelivery(BaseModel):
    """One event for one endpoint, written in the transaction of the change."""

    endpoint = ForeignKeyField(WebhookEndpoint, on_delete="CASCADE", index=False)
    event_id = CharField()  # the same for every endpoint told of one change
    event = CharField()  # appointment.booked, patient.opted_out, ...
    body = TextField()  # the exact bytes signed and sent
    status = CharField(default="pending")  # pending | sent | failed
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField()
    last_attempt_at = DateTimeField(null=True)
    response_status = IntegerField(null=True)
    response_body = TextField(default="")  # the start of the last answer
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("status", "next_attempt_at"), False),
            (("endpoint", "created_at"), False),
        )


class CalendarFeed(BaseModel):
    """A doctor's secret iCalendar address; only its hash is kept."""

    doctor = ForeignKeyField(Doctor, on_delete="CASCADE")
    token_hash = CharField(unique=True)
    show_names = BooleanField(default=False)  # patient names, if an admin says so
    created_at = DateTimeField(default=utcnow)
    revoked_at = DateTimeField(null=True)


class SavedReply(BaseModel):
    """A front-desk answer staff insert into a reply, per language; admins edit."""

    language = CharField()
    title = CharField()
    body = TextField()
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("language", "title"), True),)


ALL_MODELS = [
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
    LoginThrottle,
    SendRate,
    AuditLog,
    Message,
    Conversation,
    WaitlistEntry,
    ReminderClaim,
    WaitlistOffer,
    ApiToken,
    ApiIdempotency,
    WebhookEndpoint,
    WebhookDelivery,
    CalendarFeed,
    SavedReply,
]
