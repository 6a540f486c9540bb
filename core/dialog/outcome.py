"""The values step() takes and returns: a Turn in, an Outcome out, with Effects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING

from core.messaging.inbound import Reply
from core.policy import Policy

if TYPE_CHECKING:
    from core.dialog.intents import Reading
    from core.dialog.view import View

# The states whose context changes how words read: a bare "yes" confirms a
# reminder, and is small talk just after a task.
_REMINDER, _MENU = "reminder", "menu"


@dataclass(frozen=True)
class PatientInfo:
    id: int
    name: str
    consented: bool
    opted_out: bool

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""


@dataclass(frozen=True)
class Turn:
    """One inbound message in its conversation, with read-only access to the clinic."""

    state: str
    data: dict
    lang: str
    misunderstood: int
    idle: bool  # the idle timeout passed since the last turn
    text: str
    words: str  # understand.normalize(text)
    keyword: str | None  # set by the channel (carrier keywords)
    channel: str
    patient: PatientInfo
    now: dt.datetime
    policy: Policy
    view: View
    shared_phone: bool = False  # the patient just shared their phone number

    def with_state(self, state: str, data: dict | None = None) -> Turn:
        """The same message seen from another state (e.g. after a context ends)."""
        return replace(self, state=state, data={} if data is None else data)

    def with_lang(self, lang: str) -> Turn:
        return replace(self, lang=lang)

    def with_text(self, text: str, state: str, data: dict | None = None) -> Turn:
        """Another message in this turn's place: a wish kept from an earlier step."""
        from core.dialog.understand import normalize

        return replace(
            self, text=text, words=normalize(text), state=state, data=data or {}
        )

    @property
    def today(self) -> dt.date:
        """Today in the clinic's time zone."""
        return self.now.astimezone(self.policy.tz).date()

    @property
    def answer(self) -> bool | None:
        """Yes, no or neither: the quick reader first, the full reading if need be."""
        from core.dialog.understand import yes_no

        said = yes_no(self.words)
        return said if said is not None else self.reading.answer

    @cached_property
    def reading(self) -> Reading:
        """What the message says (intents.read), worked out once a turn."""
        from core.dialog.intents import read, read_remembered

        context = "menu"
        if self.state == _REMINDER:
            context = "reminder"
        elif self.state == _MENU and self.data.get("done"):
            context = "after_task"
        # Without a stamp every turn reads a new catalog object: remembering
        # readings keyed on it would only fill the cache with dead catalogs.
        reader = read_remembered if self.policy.catalog_stamp else read
        return reader(
            self.text,
            self.view.catalog(),
            self.today,
            self.lang,
            self.policy.date_order,
            context,
        )


# Effects: writes the service runs after step(), in the same transaction.
@dataclass(frozen=True)
class Book:
    doctor_id: int
    start: str  # ISO aware UTC
    visit_type_id: int | None


@dataclass(frozen=True)
class Reschedule:
    appointment_id: int
    start: str
    doctor_id: int


@dataclass(frozen=True)
class Confirm:
    appointment_id: int


@dataclass(frozen=True)
class Cancel:
    appointment_id: int


@dataclass(frozen=True)
class JoinWaitlist:
    doctor_id: int | None
    department_id: int | None
    visit_type_id: int | None
    from_day: str  # ISO date
    to_day: str


@dataclass(frozen=True)
class AcceptOffer:
    offer_id: int


@dataclass(frozen=True)
class RunningLate:
    """Write on today's visit that the patient will be late, for staff."""

    appointment_id: int
    note: str


@dataclass(frozen=True)
class FlagIfUpcoming:
    """Flag the conversation for staff if the patient has visits coming up."""

    reason: str


@dataclass(frozen=True)
class SaveEmail:
    """The patient gave an email address, and (prefer) wants to hear by email."""

    email: str
    prefer: bool


Effect = (
    Book
    | Reschedule
    | Confirm
    | Cancel
    | JoinWaitlist
    | AcceptOffer
    | RunningLate
    | FlagIfUpcoming
    | SaveEmail
)


@dataclass
class Outcome:
    state: str
    data: dict = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    understood: bool = True
    lang: str | None = None  # a language switch
    flag: str | None = None  # flag the conversation for staff, with this reason
    patient: dict = field(default_factory=dict)  # Patient fields to update


@dataclass(frozen=True)
class Handler:
    """One state's behaviour: how it asks, how it reads an answer, what it accepts."""

    prompt: Callable[[Turn], Outcome]  # ask again, from turn.data
    handle: Callable[[Turn], Outcome | None]  # None: not understood
    accepts: str  # the re-prompt template: reprompt_<accepts>
