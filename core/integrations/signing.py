"""Webhook signatures: Stripe's scheme, so receivers can reuse their code.

    ClinicBot-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>

The timestamp is signed with the body, so a captured request cannot be
replayed later than the receiver's tolerance; several v1 values may appear
(none today; room for rotating a secret). docs/webhooks.md shows a receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "ClinicBot-Signature"
TOLERANCE = 300  # seconds a receiver accepts between t and its own clock


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex v1 value for this body signed at this time."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def header(secret: str, timestamp: int, body: bytes) -> str:
    """The ClinicBot-Signature header's value."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify_signature(
    secret: str,
    header: str,
    body: bytes,
    tolerance: int = TOLERANCE,
    now: float | None = None,
) -> bool:
    """True if the header signs this exact body with this secret, recently enough.

    body must be the raw request bytes, not re-serialised JSON. now: unix
    seconds (default the current time).
    """
    timestamp, candidates = None, []
    for part in (header or "").split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, value) for value in candidates)
