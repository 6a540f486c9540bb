"""Email to patients: the letter an outbox row becomes, and the booking emails.

A patient who gave an email and chose it (preferred_channel "email") gets an
email with a calendar invite for every booking, move and cancellation,
whoever made it (core.clinic.booking calls `queue_change` in the change's
transaction). An email says more than an SMS: a greeting, the text, what
the invite does, and where to answer; ClinicBot reads no email, so it says
so, and points to the patient's other channel when they have one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from core.messaging import ics, outbox
from core.messaging.texts import label, language_for, render, when_text
from core.models import Message, Patient
from core.policy import Policy, load_policy
from core.storage.prepared import Prepared

# Whether a patient takes email, read in the booking's transaction (one row).
CONTACT = Prepared(
    lambda patient_id: Patient.select(
        Patient.id, Patient.email, Patient.email_opt_out, Patient.preferred_channel
    ).where(Patient.id == patient_id)
)
# What a booking change says, by change.
CHANGES = {
    "booked": "email_booked",
    "moved": "email_moved",
    "cancelled": "email_cancelled",
}
# Only these carry an invite: a waitlist offer names a visit that is not theirs.
WITH_INVITE = ("notice", "reminder")


def wants_email(email: str | None, opted_out: bool, preferred: str) -> bool:
    """The patient chose email and it is open."""
    return bool(email) and not opted_out and preferred == "email"


def contact(patient_id: int) -> tuple | None:
    """(id, email, email_opt_out, preferred_channel) of a patient, or None."""
    return CONTACT.first(patient_id)


def queue_change(
    patient_id: int, appointment_id: int, change: str, now: dt.datetime
) -> Message | None:
    """Queue the email about a booking, move or cancellation, with its invite.

    Call inside the change's transaction, once contact() said the patient
    wants email.
    """
    patient = Patient.get_or_none(Patient.id == patient_id)
    if patient is None or not wants_email(
        patient.email, patient.email_opt_out, patient.preferred_channel
    ):
        return None
    policy = load_policy()
    lang = language_for(patient.language, policy)
    key = (appointment_id, patient_id, lang)
    visit = ics.load_visits([key], policy).get(key)
    if visit is None:
        return None
    body = render(lang, CHANGES[change], **_visit_words(visit, policy))
    return outbox.enqueue(
        patient,
        body,
        now=now,
        kind="notice",
        appointment_id=appointment_id,
        channel="email",
        address=patient.email,
    )


@dataclass(frozen=True)
class Letter:
    """An email as the sender sends it: subject, plain text, the visit's invite."""

    subject: str
    text: str
    visit: ics.Visit | None = None
    sender_name: str = ""


@dataclass(frozen=True)
class Draft:
    """What an outbox row gives a letter."""

    id: int
    patient_id: int | None
    appointment_id: int | None
    kind: str
    lang: str
    body: str


def letters(
    drafts: Iterable[Draft], policy: Policy, channels: Iterable[str] = ()
) -> dict[int, Letter]:
    """{message id: Letter} for a batch of email rows, in two queries.

    channels: those ClinicBot sends on, where a patient may answer instead.
    """
    usable = set(channels)
    drafts = list(drafts)
    ids = {d.patient_id for d in drafts if d.patient_id is not None}
    people = (
        {p.id: p for p in Patient.select().where(Patient.id.in_(sorted(ids)))}
        if ids
        else {}
    )
    wanted = [
        (d.appointment_id, d.patient_id, language_for(d.lang, policy))
        for d in drafts
        if d.appointment_id is not None
        and d.patient_id is not None
        and d.kind in WITH_INVITE
    ]
    visits = ics.load_visits(wanted, policy)
    found = {}
    for draft in drafts:
        lang = language_for(draft.lang, policy)
        visit = visits.get((draft.appointment_id, draft.patient_id, lang))
        patient = people.get(draft.patient_id)
        found[draft.id] = letter(draft, patient, visit, policy, usable)
    return found


def letter(
    draft: Draft,
    patient: Patient | None,
    visit: ics.Visit | None,
    policy: Policy,
    channels: set[str],
) -> Letter:
    """The email for one row (pure, given what letters() loaded)."""
    lang = language_for(draft.lang, policy)
    words = {"clinic": policy.clinic_name}
    if draft.kind == outbox.PASSWORD_RESET:  # to staff, not a letter to a patient
        subject = render(lang, "email_subject_password_reset", **words)
        return Letter(subject, draft.body + "\n", None, policy.clinic_name)
    if visit is not None:
        words = _visit_words(visit, policy)
    subject = render(lang, _subject(draft.kind, visit), **words)
    text = draft.body
    if visit is not None and draft.kind == "reminder":
        # The SMS reminder asks for numbers no email reply can carry.
        text = render(lang, "email_reminder", **words)
    name = patient.first_name if patient is not None else ""
    parts = [render(lang, "email_greeting", first_name=name), text]
    if visit is not None:
        calendar = "email_calendar_remove" if visit.cancelled else "email_calendar_add"
        parts.append(render(lang, calendar))
    parts.append(_where_to_answer(lang, patient, visit, policy, channels))
    parts.append(
        "\n".join(filter(None, (policy.clinic_name, policy.fact(lang, "address"))))
    )
    return Letter(subject, "\n\n".join(parts) + "\n", visit, policy.clinic_name)


def _subject(kind: str, visit: ics.Visit | None) -> str:
    if visit is None:
        return "email_subject_message"
    if visit.cancelled:
        return "email_subject_cancelled"
    return "email_subject_reminder" if kind == "reminder" else "email_subject_visit"


def _where_to_answer(
    lang: str,
    patient: Patient | None,
    visit: ics.Visit | None,
    policy: Policy,
    channels: set[str],
) -> str:
    """Where the patient can answer: their other channel, else the phone."""
    other = None
    if patient is not None:
        reachable = (c for c, _ in outbox.routes(patient) if c in channels)
        other = next((c for c in reachable if c != "email"), None)
    if other is None:
        return render(lang, "email_not_read", phone=policy.fact(lang, "phone"))
    channel = label(lang, f"channel_{other}")
    live = visit is not None and not visit.cancelled
    return render(
        lang, "email_answer_visit" if live else "email_answer", channel=channel
    )


def _visit_words(visit: ics.Visit, policy: Policy) -> dict[str, str]:
    return {
        "clinic": visit.clinic,
        "doctor": visit.doctor,
        "visit_type": visit.visit_type,
        "when": when_text(visit.start, policy, visit.lang),
    }
