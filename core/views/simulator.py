"""The console simulator's view of a test patient's chat (channel "console")."""

from __future__ import annotations

import json

from core.clock import from_db
from core.models import Message
from core.policy import Policy

SHOWN = 60  # the latest messages of the chat


def simulator_chat(address: str, policy: Policy) -> dict:
    """The latest turns of the console chat at address and the current choices."""
    rows = list(
        Message.select(
            Message.id,
            Message.direction,
            Message.body,
            Message.choices,
            Message.created_at,
        )
        .where(Message.channel == "console", Message.address == address)
        .order_by(Message.id.desc())
        .limit(SHOWN)
        .tuples()
    )
    rows.reverse()
    choices: list[tuple[str, str]] = []
    if rows and rows[-1][1] == "out" and rows[-1][3]:
        try:
            choices = [
                (str(label), str(value)) for label, value in json.loads(rows[-1][3])
            ]
        except (ValueError, TypeError):
            choices = []  # a garbled row shows no buttons rather than an error
    return {
        "turns": [
            {
                "direction": direction,
                "body": body,
                "at": from_db(at).astimezone(policy.tz),
            }
            for _, direction, body, _, at in rows
        ],
        "choices": choices,
    }


def console_news(address: str, after_id: int | None) -> tuple[list[str], int]:
    """What the clinic sent this console chat after message after_id, besides replies.

    `clinicbot chat` prints the bot's replies as they come; staff replies and
    notices arrive on their own, so the terminal asks for them. after_id None
    starts the count at the newest row, so old history is not printed again.
    """
    newest = (
        Message.select(Message.id)
        .where(Message.channel == "console", Message.address == address)
        .order_by(Message.id.desc())
        .limit(1)
        .scalar()
    ) or 0
    if after_id is None or newest <= after_id:
        return [], max(newest, after_id or 0)
    bodies = [
        body
        for (body,) in Message.select(Message.body)
        .where(
            Message.channel == "console",
            Message.address == address,
            Message.direction == "out",
            Message.kind != "reply",
            Message.id > after_id,
            Message.id <= newest,
        )
        .order_by(Message.id)
        .tuples()
    ]
    return bodies, newest
