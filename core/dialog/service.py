"""handle_inbound: one inbound message, one transaction, the replies to send.

Channels call this through the gateway. Everything a turn writes (the
inbound row, the patient, the conversation, the booking, the reply rows)
commits together or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass

from peewee import IntegrityError

from core import audit, log_context
from core.clock import to_db
from core.dialog import queries, understand
from core.dialog import step as stepper
from core.dialog.effects import Results, run
from core.dialog.identity import (
    PatientRow,
    create_patient,
    find_patient,
    link_phone,
    storable,
)
from core.dialog.outcome import Outcome, PatientInfo, Turn
from core.dialog.states import STATES
from core.dialog.view import View
from core.errors import DomainError
from core.messaging import conversations, outbox, patients
from core.messaging.inbound import Inbound, Reply
from core.messaging.texts import language, render
from core.policy import Policy, load_policy
from core.storage.db import write_transaction

log = logging.getLogger(__name__)

DELIVERIES = ("inline", "outbox")
FAILED = "the bot failed on a message"
MAX_BODY = 4000  # longer bodies are stored cut; nothing a patient types needs more


@dataclass(frozen=True)
class _ConversationRow:
    id: int
    state: str
    data: str
    misunderstood: int
    updated_at: dt.datetime
    flagged: bool


class _Redelivered(Exception):
    """The provider sent this message before; nothing to do."""


def _load_data(raw: str) -> dict:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _turn(
    inbound: Inbound, now: dt.datetime, deliver: str, policy: Policy
) -> list[Reply]:
    found = queries.CONVERSATION.first(inbound.channel, inbound.address)
    conversation = _ConversationRow(*found[:6]) if found else None
    if conversation is not None:
        log_context.set_field("conversation_id", conversation.id)
    patient = PatientRow(*found[6:]) if found and found[6] is not None else None
    patient = patient or find_patient(inbound)
    try:
        inbound_id = _record_inbound(inbound, now, patient.id if patient else None)
    except IntegrityError:
        raise _Redelivered() from None
    if patient is None:
        patient = create_patient(inbound, policy, now)
        outbox.set_patient(inbound_id, patient.id)
    if inbound.phone and inbound.channel == "telegram":
        patient = link_phone(patient, inbound.phone, inbound.address)

    state, data, misunderstood, idle = "start", {}, 0, False
    if conversation is not None:
        state = conversation.state if conversation.state in STATES else "menu"
        data, misunderstood = _load_data(conversation.data), conversation.misunderstood
        timeout = dt.timedelta(minutes=policy.idle_timeout_minutes)
        idle = conversation.updated_at + timeout < to_db(now)
    text = storable(inbound.text)
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
            patient.opted_out(inbound.channel),
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
    _record_replies(replies, inbound, patient.id, now, deliver)
    return replies


def _record_inbound(inbound: Inbound, now: dt.datetime, patient_id: int | None) -> int:
    body = storable(inbound.text)[:MAX_BODY]
    return outbox.record_inbound(
        inbound.channel,
        inbound.address,
        body,
        now,
        provider_id=inbound.provider_id,
        patient_id=patient_id,
    )


def _record_replies(replies, inbound: Inbound, patient_id, now, deliver) -> None:
    outbox.record_replies(
        replies,
        inbound.channel,
        inbound.address,
        patient_id,
        now,
        sent=deliver == "inline",
    )


def _run_effects(turn: Turn, outcome: Outcome) -> tuple[Outcome, Results]:
    results = Results([])
    for effect in outcome.effects:
        try:
            run(effect, turn, results)
        except DomainError as error:
            log.info("effect %s refused: %s", type(effect).__name__, error)
            return stepper.recover(turn, effect, error), Results([])
    return outcome, results


def _save(inbound, conversation, patient, turn, outcome, results, now) -> None:
    """Store the patient's changes and the conversation's new state."""
    changes = dict(outcome.patient)
    if "opted_out" in changes:  # STOP/START, kept per channel
        opted_out = changes.pop("opted_out")
        changes[patients.opt_out_column(inbound.channel)] = opted_out
        if opted_out and not patient.opted_out(inbound.channel):
            # Audited (and so told to webhook subscribers) only when it changes.
            audit.record(
                audit.Actor("patient", patient.id),
                "patient.opted_out",
                now,
                patient_id=patient.id,
                channel=inbound.channel,
            )
    if outcome.lang:
        changes["language"] = outcome.lang
    if inbound.channel == "whatsapp":
        changes["whatsapp_seen_at"] = now  # the 24-hour window starts again
    if changes:
        patients.update_profile(patient.id, changes)
    state = {
        "patient_id": patient.id,
        "state": outcome.state,
        "data": json.dumps(outcome.data, separators=(",", ":")),
        "language": outcome.lang or turn.lang,
        "misunderstood": 0 if outcome.understood else turn.misunderstood + 1,
        "flag": outcome.flag or results.flag,
    }
    if state["flag"] and not (conversation and conversation.flagged):
        # Newly in the inbox: audited, and so told to webhook subscribers.
        audit.record(
            audit.SYSTEM, "flag", now, patient_id=patient.id, reason=state["flag"]
        )
    if conversation is None:
        conversations.start(inbound.channel, inbound.address, now, **state)
    else:
        conversations.save_turn(conversation.id, now, **state)


def _fallback(
    inbound: Inbound, now: dt.datetime, deliver: str, policy: Policy
) -> list[Reply]:
    """A turn failed: keep the message, flag it, say a person will reply."""
    body = render(policy.default_language, "error", clinic=policy.clinic_name)
    replies = [Reply(body)]
    with write_transaction():
        try:
            _record_inbound(inbound, now, None)
        except IntegrityError:
            return []
        conversations.flag_or_start(
            inbound.channel, inbound.address, FAILED, now, state="menu"
        )
        _record_replies(replies, inbound, None, now, deliver)
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
