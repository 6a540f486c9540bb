"""Idempotency-Key for the API's POSTs: the first answer, kept with the change.

The change and its stored answer commit in one transaction (write_transaction
nests as a savepoint), so either both happened or neither did. A refusal
(409, 422) changed nothing and is not kept: sending it again tries again.
Two requests racing with one key: the loser's insert fails on the unique
(token, key) index (or its change is refused by the winner's, e.g. the slot
it took), its change rolls back, and it is answered from the winner's row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from peewee import IntegrityError

from core.api.schemas import encode
from core.errors import DomainError, InvalidInput
from core.integrations import idempotency
from core.storage.db import write_transaction


class KeyReused(InvalidInput):
    """The key was first used for a different request (a 422)."""

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was used for a different request.",
            "Idempotency-Key",
        )


def _replay(token_id: int, key: str, request_hash: str):
    first = idempotency.stored(token_id, key)
    if first is None:
        return None
    if first[0] != request_hash:
        raise KeyReused()
    return first[1], first[2].encode(), True


def run(
    change: Callable[[], object],
    status: int,
    *,
    token_id: int,
    key: str | None,
    request_hash: str,
    now: dt.datetime,
) -> tuple[int, bytes, bool]:
    """(status, JSON body, replayed?) of change(), run at most once per key."""
    if key is None:
        with write_transaction():
            return status, encode(change()), False
    replayed = _replay(token_id, key, request_hash)
    if replayed is not None:
        return replayed
    try:
        with write_transaction():
            body = encode(change())
            idempotency.remember(
                token_id, key, request_hash, status, body.decode(), now
            )
    except (IntegrityError, DomainError):
        # The same request racing with this key may have won first: its
        # change then refused ours (the slot it took), or its row our insert.
        replayed = _replay(token_id, key, request_hash)
        if replayed is None:
            raise
        return replayed
    return status, body, False
