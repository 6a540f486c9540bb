"""Building replies: templates, numbered choices, and times in clinic time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from core.clinic.waitlist import OfferExpired, OfferGone
from core.dialog.outcome import Turn
from core.errors import DomainError, InvalidTransition, NotFound
from core.messaging import texts
from core.messaging.inbound import Reply
from core.messaging.texts import label, render


def time_text(moment: dt.datetime, turn: Turn) -> str:
    return moment.astimezone(turn.policy.tz).strftime("%H:%M")


def when_text(moment: dt.datetime, turn: Turn) -> str:
    """'Mon 23 Nov, 10:30' in the clinic's time zone."""
    return texts.when_text(moment, turn.policy, turn.lang)


def numbered(labels: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Choices whose values are the numbers a patient would type."""
    return tuple((text, str(i)) for i, text in enumerate(labels, 1))


def labels(turn: Turn, *keys: str) -> list[str]:
    return [label(turn.lang, key) for key in keys]


def problem_text(turn: Turn, error: DomainError) -> str:
    """Why the clinic said no, in the patient's language.

    core's error messages are English (staff read them too), so the patient
    gets the kind of refusal from a problem_<kind> template instead.
    """
    if isinstance(error, InvalidTransition):
        kind = "cancelled" if error.status == "cancelled" else "changed"
    elif isinstance(error, OfferExpired):
        kind = "offer_expired"
    elif isinstance(error, OfferGone):
        kind = "offer_gone"
    elif isinstance(error, NotFound):
        kind = "missing"
    else:
        kind = "other"
    return text(turn, f"problem_{kind}").strip()


def text(turn: Turn, name: str, **ctx) -> str:
    """A template rendered for this turn's language and patient."""
    base = {"clinic": turn.policy.clinic_name, "first_name": turn.patient.first_name}
    return render(turn.lang, name, **(base | ctx))


def reply(turn: Turn, name: str, choices: Sequence[str] = (), **ctx) -> Reply:
    return Reply(text(turn, name, **ctx), numbered(choices))


def join(*replies: Reply) -> list[Reply]:
    """Merge replies into one message: the last one's choices, texts in order."""
    body = "\n".join(r.text for r in replies if r.text)
    return [Reply(body, replies[-1].choices)]
