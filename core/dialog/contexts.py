"""Texts the clinic sends that expect an answer: reminders and waitlist offers.

Sending one opens a context: the patient's conversation moves to REMINDER or
WAITLIST_OFFER with the visit or offer in its data, so that a "1" hours later
answers it. What each number means is defined here once, for the job that
sends the text and for the dialog that reads the answer.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from core.clock import to_db
from core.dialog.states import EXPIRING, REMINDER, WAITLIST_OFFER
from core.messaging import conversations
from core.messaging.texts import choices
from core.models import LIVE_STATUSES, Appointment, Conversation
from core.policy import Policy


@dataclass(frozen=True)
class Answer:
    number: str  # what the patient types, and the button's value
    label: str  # its label key in templates/messages/<lang>/labels.cfg
    action: str


# A reminder, and a visit chosen from "My appointments": the same three.
CONFIRM = Answer("1", "confirm_visit", "confirm")
VISIT_ANSWERS = (CONFIRM, Answer("2", "cancel_visit", "cancel"),
                 Answer("3", "change_time", "change"))  # fmt: skip
TAKE = Answer("1", "yes", "take")
OFFER_ANSWERS = (TAKE,)
# The reminder's text, by whether it asks the patient to confirm.
REMINDER_TEXT = {True: "sched_reminder_confirm", False: "sched_reminder"}


def _choices(lang: str, answers: tuple[Answer, ...]) -> tuple[tuple[str, str], ...]:
    return choices(lang, tuple((answer.label, answer.number) for answer in answers))


def reminder_choices(lang: str, asks_to_confirm: bool) -> tuple[tuple[str, str], ...]:
    """(label, number) of the answers a reminder offers; confirm only if it asks."""
    return _choices(lang, VISIT_ANSWERS if asks_to_confirm else VISIT_ANSWERS[1:])


def offer_choices(lang: str) -> tuple[tuple[str, str], ...]:
    """(label, number) of the answers a waitlist offer takes."""
    return _choices(lang, OFFER_ANSWERS)


def _row(channel, address, patient_id, state, data, now, language) -> dict:
    return {
        "channel": channel,
        "address": address,
        "patient": patient_id,
        "state": state,
        "data": json.dumps(data, sort_keys=True),
        "language": language,
        "misunderstood": 0,
        "flagged": False,  # only used when the row is new; a flag is kept
        "updated_at": to_db(now),
    }


def reminder_row(channel, address, patient_id, appointment_id, now, language) -> dict:
    """The context that makes the patient's next reply answer this reminder."""
    data = {"appointment_id": appointment_id}
    return _row(channel, address, patient_id, REMINDER, data, now, language)


def offer_row(channel, address, patient_id, offer_id, now, language) -> dict:
    """The context that makes the patient's next reply answer this offer."""
    data = {"offer_id": offer_id}
    return _row(channel, address, patient_id, WAITLIST_OFFER, data, now, language)


def open_contexts(rows: list[dict], now: dt.datetime, policy: Policy) -> None:
    """Open the contexts, one per (channel, address); mid-flow patients keep theirs.

    A patient in the middle of a flow (active within the idle timeout) keeps
    their place; they can still confirm through "My appointments".
    """
    unique: dict[tuple[str, str], dict] = {}
    for row in rows:
        unique.setdefault((row["channel"], row["address"]), row)  # first wins
    idle_before = now - dt.timedelta(minutes=policy.idle_timeout_minutes)
    _join_reminders(unique, rows, idle_before)
    conversations.open_contexts(
        list(unique.values()), mid_flow=EXPIRING, idle_before=idle_before
    )


def _reminded_ids(data: str) -> set[int]:
    record = json.loads(data or "{}")
    ids = record.get("appointment_ids") or [record.get("appointment_id")]
    return {i for i in ids if isinstance(i, int)}


def _join_reminders(
    unique: dict[tuple[str, str], dict], rows: list[dict], idle_before: dt.datetime
) -> None:
    """One patient with several visits reminded gets one context naming them all.

    Otherwise the later reminder's context replaces the earlier one, and a
    "1" sent to the earlier text confirms the other visit; the dialog asks
    which visit when it sees several.
    """
    keys = [k for k, row in unique.items() if row["state"] == REMINDER]
    if not keys:
        return
    wanted: dict[tuple[str, str], set[int]] = {k: set() for k in keys}
    for row in rows:  # several reminders for one address in this batch
        if (row["channel"], row["address"]) in wanted and row["state"] == REMINDER:
            wanted[(row["channel"], row["address"])] |= _reminded_ids(row["data"])
    open_already = (
        Conversation.select(
            Conversation.channel, Conversation.address, Conversation.data
        )
        .where(
            Conversation.address.in_([address for _, address in keys]),
            Conversation.state == REMINDER,
        )
        .tuples()
    )
    for channel, address, data in open_already:
        if (channel, address) in wanted:
            wanted[(channel, address)] |= _reminded_ids(data)
    every = {i for ids in wanted.values() for i in ids}
    ahead = {
        i
        for (i,) in Appointment.select(Appointment.id)
        .where(
            Appointment.id.in_(sorted(every)),
            Appointment.status.in_(LIVE_STATUSES),
            Appointment.start > to_db(idle_before),
        )
        .tuples()
    }
    for key, ids in wanted.items():
        live = sorted(ids & ahead)
        if len(live) > 1:
            unique[key]["data"] = json.dumps({"appointment_ids": live})
