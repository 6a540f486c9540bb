"""handle_inbound: one inbound message, one transaction, the replies to send.

Channels call this through the gateway. Everything a turn writes (the
inbound row, the patient, the conversation, the booking, the reply rows)
commits together or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging

from peewee import JOIN, IntegrityError

from core.clock import to_db
from core.db import write_transaction
from core.dialog import step as stepper
from core.dialog import understand
from core.dialog.effects import Results, run
from core.dialog.outcome import Outcome, PatientInfo, Turn
from core.dialog.states import STATES
from core.dialog.view import View
from core.errors import DomainError, InvalidInput
from core.inbound import Inbound, Reply
from core.messages import language, render
from core.models import Appointment, Conversation, Message, Patient, WaitlistEntry
from core.phones import normalize_phone
from core.policy import Policy, load_policy

log = logging.getLogger(__name__)

DELIVERIES = ("inline", "outbox")
MAX_BODY = 4000  # longer bodies are stored cut; nothing a patient types needs more


class _Redelivered(Exception):
    """The provider sent this message before; nothing to do."""


def _phone_for(inbound: Inbound) -> str:
    """The phone a sms/console address stands for.

    A simulator session id that is no phone gets a stable number in the
    fictional +1 555 range, so the simulated patient is a normal one.
    """
    try:
        return normalize_phone(inbound.address)
    except InvalidInput:
        if inbound.channel == "sms":
            return inbound.address
        digest = int(hashlib.sha256(inbound.address.encode()).hexdigest(), 16)
        return f"+1555{digest % 10_000_000:07d}"


def _find_patient(inbound: Inbound) -> Patient | None:
    if inbound.channel == "telegram":
        return Patient.get_or_none(Patient.telegram_chat_id == inbound.address)
    return Patient.get_or_none(Patient.phone == _phone_for(inbound))


def _create_patient(inbound: Inbound, policy: Policy, now: dt.datetime) -> Patient:
    identity = (
        {"telegram_chat_id": inbound.address}
        if inbound.channel == "telegram"
        else {"phone": _phone_for(inbound)}
    )
    return Patient.create(
        **identity,
        name=(inbound.name or "").strip()[:80],
        language=language(policy.default_language),
        created_at=to_db(now),
    )


def _link_phone(patient: Patient, raw: str, address: str) -> Patient:
    """Telegram shared a phone: make the patient with that phone own this chat."""
    try:
        phone = normalize_phone(raw)
    except InvalidInput:
        return patient
    if patient.phone == phone:
        return patient
    owner = Patient.get_or_none(Patient.phone == phone)
    if owner is None:
        patient.phone = phone
        patient.save()
        return patient
    # Merge the chat-only patient into the phone patient, who keeps the history.
    for model in (Appointment, WaitlistEntry, Message):
        model.update(patient=owner.id).where(model.patient == patient.id).execute()
    Patient.update(telegram_chat_id=None).where(Patient.id == patient.id).execute()
    owner.telegram_chat_id = address
    owner.name = owner.name or patient.name
    owner.save()
    return owner


def _store_replies(
    replies: list[Reply],
    inbound: Inbound,
    patient_id: int | None,
    now: dt.datetime,
    deliver: str,
) -> None:
    if not replies:
        return
    at = to_db(now)
    status = (
        {"status": "sent", "sent_at": at}
        if deliver == "inline"
        else {
            "status": "queued",
            "next_attempt_at": at,
        }
    )
    Message.insert_many(
        [
            {
                "direction": "out",
                "channel": inbound.channel,
                "address": inbound.address,
                "patient": patient_id,
                "kind": "reply",
                "body": reply.text,
                "choices": json.dumps([list(c) for c in reply.choices])
                if reply.choices
                else "",
                "created_at": at,
                **status,
            }
            for reply in replies
        ]
    ).execute()


def _load_data(raw: str) -> dict:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _turn(
    inbound: Inbound, now: dt.datetime, deliver: str, policy: Policy
) -> list[Reply]:
    conversation = (
        Conversation.select(Conversation, Patient)
        .join(Patient, JOIN.LEFT_OUTER)
        .where(
            Conversation.channel == inbound.channel,
            Conversation.address == inbound.address,
        )
        .first()
    )
    patient = conversation.patient if conversation else None
    patient = patient or _find_patient(inbound)
    try:
        inbound_row = Message.insert(
            direction="in",
            channel=inbound.channel,
            address=inbound.address,
            patient=patient.id if patient else None,
            kind="inbound",
            body=(inbound.text or "")[:MAX_BODY],
            provider_id=inbound.provider_id,
            status="received",
            created_at=to_db(now),
        ).execute()
    except IntegrityError:
        raise _Redelivered() from None
    if patient is None:
        patient = _create_patient(inbound, policy, now)
        Message.update(patient=patient.id).where(Message.id == inbound_row).execute()
    if inbound.phone and inbound.channel == "telegram":
        patient = _link_phone(patient, inbound.phone, inbound.address)

    state, data, misunderstood, idle = "start", {}, 0, False
    if conversation is not None:
        state = conversation.state if conversation.state in STATES else "menu"
        data, misunderstood = _load_data(conversation.data), conversation.misunderstood
        timeout = dt.timedelta(minutes=policy.idle_timeout_minutes)
        idle = conversation.updated_at + timeout < to_db(now)
    text = inbound.text or ""
    turn = Turn(
        state=state,
        data=data,
        lang=language(patient.language),
        misunderstood=misunderstood,
        idle=idle,
        text=text,
        words=understand.normalize(text),
        keyword=inbound.keyword,
        channel=inbound.channel,
        patient=PatientInfo(
            patient.id,
            patient.name,
            patient.consent_at is not None,
            patient.sms_opt_out,
        ),
        now=now,
        policy=policy,
        view=View(policy, now),
        shared_phone=bool(inbound.phone),
    )
    outcome = stepper.step(turn)
    outcome, results = _run_effects(turn, outcome)
    _save(inbound, conversation, patient, turn, outcome, results, now)
    replies = outcome.replies + results.replies
    _store_replies(replies, inbound, patient.id, now, deliver)
    return replies


def _run_effects(turn: Turn, outcome: Outcome) -> tuple[Outcome, Results]:
    results = Results([])
    for effect in outcome.effects:
        try:
            run(effect, turn, results)
        except DomainError as error:
            log.info("effect %r refused: %s", effect, error)
            return stepper.recover(turn, effect, error), Results([])
    return outcome, results


def _save(inbound, conversation, patient, turn, outcome, results, now) -> None:
    """Store the patient's changes and the conversation's new state."""
    lang = outcome.lang or turn.lang
    changes = dict(outcome.patient)
    if outcome.lang:
        changes["language"] = outcome.lang
    if "consent_at" in changes:
        changes["consent_at"] = to_db(changes["consent_at"])
    if changes:
        Patient.update(**changes).where(Patient.id == patient.id).execute()
    flag = outcome.flag or results.flag
    fields = {
        "patient": patient.id,
        "state": outcome.state,
        "data": json.dumps(outcome.data, separators=(",", ":")),
        "language": lang,
        "misunderstood": 0 if outcome.understood else turn.misunderstood + 1,
        "updated_at": to_db(now),
    }
    if flag:
        fields |= {"flagged": True, "flag_reason": flag}
    if conversation is None:
        Conversation.create(channel=inbound.channel, address=inbound.address, **fields)
    else:
        Conversation.update(**fields).where(
            Conversation.id == conversation.id
        ).execute()


def _fallback(
    inbound: Inbound, now: dt.datetime, deliver: str, policy: Policy
) -> list[Reply]:
    """A turn failed: keep the message, flag it, say a person will reply."""
    body = render(policy.default_language, "error", clinic=policy.clinic_name)
    replies = [Reply(body)]
    with write_transaction():
        try:
            Message.insert(
                direction="in",
                channel=inbound.channel,
                address=inbound.address,
                kind="inbound",
                body=(inbound.text or "")[:MAX_BODY],
                provider_id=inbound.provider_id,
                status="received",
                created_at=to_db(now),
            ).execute()
        except IntegrityError:
            return []
        updated = (
            Conversation.update(flagged=True, flag_reason="the bot failed on a message")
            .where(
                Conversation.channel == inbound.channel,
                Conversation.address == inbound.address,
            )
            .execute()
        )
        if not updated:
            Conversation.create(
                channel=inbound.channel,
                address=inbound.address,
                state="menu",
                flagged=True,
                flag_reason="the bot failed on a message",
                updated_at=to_db(now),
            )
        _store_replies(replies, inbound, None, now, deliver)
    return replies


def handle_inbound(
    inbound: Inbound, now: dt.datetime, *, deliver: str = "inline"
) -> list[Reply]:
    """Handle one inbound message and return the replies (stored as Message rows)."""
    if deliver not in DELIVERIES:
        raise ValueError(f"deliver must be one of {DELIVERIES}, not {deliver!r}")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    policy = load_policy()
    for attempt in (1, 2):
        try:
            with write_transaction():
                return _turn(inbound, now, deliver, policy)
        except _Redelivered:
            log.info(
                "ignoring redelivered %s message %s",
                inbound.channel,
                inbound.provider_id,
            )
            return []
        except IntegrityError:
            # Two first messages from one new patient raced to create them.
            log.warning(
                "turn for %s hit a conflict (attempt %d)", inbound.channel, attempt
            )
        except Exception:
            log.exception("dialog turn failed on %s", inbound.channel)
            break
    return _fallback(inbound, now, deliver, policy)
