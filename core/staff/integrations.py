"""What an admin does on the console's Integrations page, each with its audit row.

API tokens (core.integrations.tokens) and calendar feeds
(core.integrations.feeds) sit below the audit log, so they cannot record
themselves: each change here runs with its audit row in one transaction,
both or neither. The audit row names the token or feed, never its secret.
"""

from __future__ import annotations

import datetime as dt

from core import audit
from core.integrations import feeds, tokens
from core.staff.doctors import doctor_admin_list
from core.storage.db import write_transaction


def _staff(staff_id: int) -> audit.Actor:
    return audit.Actor("staff", staff_id)


def page(tz: dt.tzinfo) -> dict:
    """Everything the Integrations page lists, in one database call."""
    return {
        "tokens": tokens.listing(tz),
        "feeds": feeds.listing(tz),
        "doctors": doctor_admin_list(),
    }


def create_token(
    name: str, role: str, now: dt.datetime, staff_id: int
) -> tuple[int, str]:
    """A new API token (id, token shown once), audited as api_token.create."""
    with write_transaction():
        token_id, token = tokens.create(name, role, now, created_by=staff_id)
        audit.record(
            _staff(staff_id), "api_token.create", now, token_id=token_id, role=role
        )
    return token_id, token


def revoke_token(token_id: int, now: dt.datetime, staff_id: int) -> None:
    with write_transaction():
        tokens.revoke(token_id, now)
        audit.record(_staff(staff_id), "api_token.revoke", now, token_id=token_id)


def create_feed(
    doctor_id: int, show_names: bool, now: dt.datetime, staff_id: int
) -> tuple[int, str]:
    """A new calendar feed (id, token shown once), audited as calendar_feed.create."""
    with write_transaction():
        feed_id, token = feeds.create(doctor_id, show_names, now)
        audit.record(
            _staff(staff_id),
            "calendar_feed.create",
            now,
            feed_id=feed_id,
            doctor_id=doctor_id,
            show_names=bool(show_names),
        )
    return feed_id, token


def revoke_feed(feed_id: int, now: dt.datetime, staff_id: int) -> None:
    with write_transaction():
        feeds.revoke(feed_id, now)
        audit.record(_staff(staff_id), "calendar_feed.revoke", now, feed_id=feed_id)


def set_feed_names(
    feed_id: int, show_names: bool, now: dt.datetime, staff_id: int
) -> None:
    """Show or hide patient names in a feed, audited as calendar_feed.show_names."""
    with write_transaction():
        feeds.set_show_names(feed_id, show_names)
        audit.record(
            _staff(staff_id),
            "calendar_feed.show_names",
            now,
            feed_id=feed_id,
            show_names=bool(show_names),
        )
