"""What a log line is about: request id, channel, conversation id (contextvars).

Set by the web layer (request id), the channel (channel) and the dialog
(conversation id); read by the JSON log format. Only ids: never a phone
number, a name or a message, which are health data.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

FIELDS = ("request_id", "channel", "conversation_id")
_VARS = {name: contextvars.ContextVar(name, default=None) for name in FIELDS}


def current() -> dict[str, object]:
    """The fields set in this context (unset ones left out)."""
    values = {name: var.get() for name, var in _VARS.items()}
    return {name: value for name, value in values.items() if value is not None}


def set_field(name: str, value: object) -> None:
    """Set one field for the rest of this context (e.g. once a row is loaded)."""
    _VARS[name].set(value)


@contextlib.contextmanager
def bound(**values: object) -> Iterator[None]:
    """Set fields for a block and put the old values back after it.

    A unit of work that may run in another context (a write batch, a
    database thread) binds what its caller knew, so its lines say so.
    """
    tokens = [(name, _VARS[name].set(value)) for name, value in values.items()]
    try:
        yield
    finally:
        for name, token in reversed(tokens):
            _VARS[name].reset(token)
