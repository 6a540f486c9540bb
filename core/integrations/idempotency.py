"""Idempotency-Key: a POST replayed with the same key gets the first answer.

The one writer of api_idempotency. Keys are per token. The first answer is
stored in the transaction of the change it reports, so a crash between the
two cannot leave a change without its answer (and a retry would repeat it).
Kept for a day, as Stripe does; housekeeping purges older rows.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from core.clock import to_db
from core.models import ApiIdempotency

KEEP = dt.timedelta(hours=24)
MAX_KEY = 255


def fingerprint(method: str, path: str, body: bytes) -> str:
    """What a replay must match: the same request, byte for byte."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def stored(token_id: int, key: str) -> tuple[str, int, str] | None:
    """(request fingerprint, status, response body) of the first answer, if any."""
    return (
        ApiIdempotency.select(
            ApiIdempotency.request_hash, ApiIdempotency.status, ApiIdempotency.response
        )
        .where((ApiIdempotency.token == token_id) & (ApiIdempotency.key == key))
        .tuples()
        .first()
    )


def remember(
    token_id: int, key: str, request_hash: str, status: int, response: str, now
) -> None:
    """Keep the first answer, in the caller's transaction.

    Two requests racing with one key: the second insert fails on the unique
    index and its transaction (and change) rolls back; the caller answers it
    from the stored row.
    """
    ApiIdempotency.insert(
        token=token_id,
        key=key,
        request_hash=request_hash,
        status=status,
        response=response,
        created_at=to_db(now),
    ).execute()


def purge(now: dt.datetime) -> int:
    """Forget answers older than KEEP."""
    return (
        ApiIdempotency.delete()
        .where(ApiIdempotency.created_at < to_db(now - KEEP))
        .execute()
    )
