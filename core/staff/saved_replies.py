"""Saved replies: the front desk's ready answers per language, edited by admins.

The one writer of `saved_reply`. Staff insert one into a reply and may change
it before sending; the body is a staff reply, so it keeps to the same length.
"""

from __future__ import annotations

import datetime as dt

from peewee import IntegrityError

from core.clock import to_db
from core.errors import InvalidInput, NotFound
from core.messaging.texts import LANGUAGE_NAMES, LANGUAGES
from core.models import SavedReply
from core.staff.patients import MAX_REPLY
from core.storage.db import write_transaction

MAX_TITLE = 80


def _checked(language: str, title: str, body: str) -> dict:
    if language not in LANGUAGES:
        names = ", ".join(LANGUAGE_NAMES.get(lang, lang) for lang in LANGUAGES)
        raise InvalidInput(f"Language must be one of: {names}.", field="language")
    title, body = title.strip(), body.strip()
    if not title:
        raise InvalidInput("Give the saved reply a title.", field="title")
    if len(title) > MAX_TITLE:
        raise InvalidInput(
            f"Keep the title under {MAX_TITLE} characters.", field="title"
        )
    if not body:
        raise InvalidInput("The saved reply is empty.", field="body")
    if len(body) > MAX_REPLY:
        raise InvalidInput(
            f"Keep saved replies under {MAX_REPLY} characters.", field="body"
        )
    return {"language": language, "title": title, "body": body}


def _taken(title: str) -> InvalidInput:
    return InvalidInput(
        f"There is already a saved reply called “{title}” in that language.",
        field="title",
    )


def create(language: str, title: str, body: str, now: dt.datetime) -> int:
    """A new saved reply; its id. Titles are unique per language."""
    values = _checked(language, title, body)
    try:
        with write_transaction():
            return SavedReply.insert(
                **values, created_at=to_db(now), updated_at=to_db(now)
            ).execute()
    except IntegrityError:
        raise _taken(values["title"]) from None


def update(
    reply_id: int, language: str, title: str, body: str, now: dt.datetime
) -> None:
    """Change a saved reply's language, title or text."""
    values = _checked(language, title, body)
    try:
        with write_transaction():
            changed = (
                SavedReply.update(**values, updated_at=to_db(now))
                .where(SavedReply.id == reply_id)
                .execute()
            )
    except IntegrityError:
        raise _taken(values["title"]) from None
    if not changed:
        raise NotFound("That saved reply does not exist.")


def delete(reply_id: int) -> None:
    """Remove a saved reply (replies already sent keep their text)."""
    if not SavedReply.delete().where(SavedReply.id == reply_id).execute():
        raise NotFound("That saved reply does not exist.")


def listing(language: str | None = None) -> list[dict]:
    """Saved replies by language and title (one language's, if given)."""
    query = SavedReply.select(
        SavedReply.id, SavedReply.language, SavedReply.title, SavedReply.body
    ).order_by(SavedReply.language, SavedReply.title, SavedReply.id)
    if language:
        query = query.where(SavedReply.language == language)
    keys = ("id", "language", "title", "body")
    return [dict(zip(keys, row, strict=True)) for row in query.tuples()]
