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
