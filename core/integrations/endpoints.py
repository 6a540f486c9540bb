"""Webhook endpoints: where the clinic's other systems want to hear of changes.

The one writer of webhook_endpoint. An admin registers a URL and the events
it wants; the signing secret is made here, shown once, and kept (unlike an
API token's, it cannot be a hash: every delivery is signed with it).

No requests into the clinic's own network: a URL must be https and its host
must not be loopback, private, link-local, reserved or multicast, unless
the install allows it (CLINICBOT_WEBHOOKS_ALLOW_PRIVATE, for local
integrations and tests). A literal address is refused here; a name that
resolves to such an address is refused when sending (bot/webhooks.py), since
DNS can change after registration.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from core.clock import from_db, to_db
from core.errors import InvalidInput, NotFound
from core.models import WebhookEndpoint
from core.storage.prepared import Prepared

EVENTS = (
    "appointment.booked",
    "appointment.confirmed",
    "appointment.cancelled",
    "appointment.rescheduled",
    "appointment.completed",
    "appointment.no_show",
    "patient.opted_out",
    "conversation.flagged",
)
SECRET_PREFIX = "whsec_"
MAX_URL = 2000
MAX_DESCRIPTION = 200

# Read on every audited change (core.integrations.deliveries.emit): built once.
_ACTIVE = Prepared(
    lambda active: WebhookEndpoint.select(
        WebhookEndpoint.id, WebhookEndpoint.events
    ).where(WebhookEndpoint.active == active)
)


def private_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for an address inside a private network or not meant for the internet.

    Not global covers loopback, private, link-local, reserved, shared (CGNAT)
    and documentation ranges; multicast is global but no place for a POST.
    """
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
    if mapped is not None:
        address = mapped
    return not address.is_global or address.is_multicast


def private_host(host: str) -> bool:
    """True for "localhost" or an address literal that private_address refuses."""
    host = host.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])  # fe80::1%eth0
    except ValueError:
        return False  # a name: checked again once it resolves, at send time
    return private_address(address)


def check_url(url: str, allow_private: bool) -> str:
    """The URL, stripped, if deliveries may go to it; else InvalidInput("url")."""
    url = (url or "").strip()
    if not url:
        raise InvalidInput("Give the endpoint's URL.", "url")
    if len(url) > MAX_URL:
        raise InvalidInput(f"The URL is too long (at most {MAX_URL}).", "url")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InvalidInput("That is not a valid URL.", "url") from None
    schemes = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in schemes:
        raise InvalidInput("The URL must start with https://.", "url")
    if not parts.hostname:
        raise InvalidInput("The URL needs a host name.", "url")
    if parts.username or parts.password:
        raise InvalidInput(
            "Put no user name or password in the URL: deliveries are signed.", "url"
        )
    if not allow_private and private_host(parts.hostname):
        raise InvalidInput(
            "Webhooks cannot go to localhost or a private network address.", "url"
        )
    return url


def check_events(events: Iterable[str]) -> list[str]:
    """The events, in EVENTS order; InvalidInput("events") if none or unknown."""
    wanted = set(events)
    unknown = sorted(wanted - set(EVENTS))
    if unknown:
        raise InvalidInput(f"Unknown event: {', '.join(unknown)}.", "events")
    if not wanted:
        raise InvalidInput("Choose at least one event.", "events")
    return [event for event in EVENTS if event in wanted]


def register(
    url: str,
    events: Iterable[str],
    description: str,
    allow_private: bool,
    now: dt.datetime,
) -> tuple[int, str]:
    """A new active endpoint: (its id, its signing secret, to show once)."""
    url = check_url(url, allow_private)
    chosen = check_events(events)
    description = " ".join((description or "").split())
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"The description is too long (at most {MAX_DESCRIPTION}).", "description"
        )
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint_id = WebhookEndpoint.insert(
        url=url,
        events=" ".join(chosen),
        secret=secret,
        description=description,
        active=True,
        created_at=to_db(now),
    ).execute()
    return endpoint_id, secret


def subscribed(event: str) -> list[int]:
    """The active endpoints that want this event (one small indexed read)."""
    return [
        endpoint_id
        for endpoint_id, events in _ACTIVE.rows(True)
        if event in events.split()
    ]


def set_active(endpoint_id: int, active: bool) -> None:
    """Pause or resume an endpoint; a paused one's deliveries wait, kept."""
    updated = (
        WebhookEndpoint.update(active=active)
        .where(WebhookEndpoint.id == endpoint_id)
        .execute()
    )
    if not updated:
        raise NotFound("That webhook endpoint does not exist.")


def delete(endpoint_id: int) -> None:
    """Remove an endpoint; its deliveries go with it (ON DELETE CASCADE)."""
    if not WebhookEndpoint.delete().where(WebhookEndpoint.id == endpoint_id).execute():
        raise NotFound("That webhook endpoint does not exist.")


def listing(tz: dt.tzinfo) -> list[dict]:
    """Every endpoint for the console, newest first, without the secret."""
    rows = WebhookEndpoint.select(
        WebhookEndpoint.id,
        WebhookEndpoint.url,
        WebhookEndpoint.events,
        WebhookEndpoint.description,
        WebhookEndpoint.active,
        WebhookEndpoint.created_at,
    ).order_by(WebhookEndpoint.id.desc())
    return [
        {
            "id": row.id,
            "url": row.url,
            "events": row.events.split(),
            "description": row.description,
            "active": row.active,
            "created_at": from_db(row.created_at).astimezone(tz),
        }
        for row in rows
    ]
