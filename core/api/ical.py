"""A doctor's calendar feed: their visits as an iCalendar (RFC 5545) subscription.

Calendar apps poll the feed's secret address (core.integrations.feeds) and
replace what they showed with what they read, so each visit is one event
for its whole life: the UID, SEQUENCE and times follow the patient's email
invites (core.messaging.ics). The feed covers the last WINDOW_BEHIND days up
to the booking horizon; a visit cancelled in the last CANCELLED_KEPT days
stays in it as STATUS:CANCELLED, so an app that kept a copy removes it.

An event says when, where and what kind of visit, and its ClinicBot status;
the patient's name only if an admin turned names on for this feed; never a
phone number, a reason or any other medical detail. `load()` reads the
database; `render()` is a pure function of what it read, so the web side
can build a long feed off the event loop.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from icalendar import Calendar, Event, vDuration

from core.clock import to_db
from core.integrations import feeds
from core.messaging import ics
from core.models import Appointment, Doctor, Patient, VisitType
from core.policy import load_policy

WINDOW_BEHIND = dt.timedelta(days=30)
CANCELLED_KEPT = dt.timedelta(days=7)
# How often calendar apps should look again (REFRESH-INTERVAL, X-PUBLISHED-TTL).
REFRESH = dt.timedelta(minutes=30)

# ClinicBot's statuses in iCalendar's three, and as words in CATEGORIES.
STATUS = {
    "scheduled": "TENTATIVE",
    "confirmed": "CONFIRMED",
    "completed": "CONFIRMED",
    "no_show": "CONFIRMED",
    "cancelled": "CANCELLED",
}
LABEL = {
    "scheduled": "Scheduled",
    "confirmed": "Confirmed",
    "completed": "Completed",
    "no_show": "No-show",
    "cancelled": "Cancelled",
}


@dataclass(frozen=True)
class FeedEvent:
    visit: ics.Visit
    patient: str = ""  # empty unless the feed shows names


@dataclass(frozen=True)
class Feed:
    doctor: str
    clinic: str
    timezone: str
    events: tuple[FeedEvent, ...]


def for_token(token: str, now: dt.datetime) -> Feed | None:
    """The feed a secret token opens, or None for an unknown or revoked one."""
    found = feeds.doctor_for(token)
    if found is None:
        return None
    doctor_id, show_names = found
    return load(doctor_id, show_names, now)


def load(doctor_id: int, show_names: bool, now: dt.datetime) -> Feed:
    """A doctor's visits in the feed's window, in one query."""
    policy = load_policy()
    doctor = Doctor.select(Doctor.name).where(Doctor.id == doctor_id).scalar()
    columns = [
        Appointment.id,
        Appointment.status,
        Appointment.start,
        Appointment.end,
        Appointment.created_at,
        Appointment.updated_at,
        VisitType.name.alias("type_name"),
        VisitType.names.alias("type_names"),
    ]
    if show_names:  # otherwise the names are not even read
        columns.append(Patient.name.alias("patient"))
    query = (
        Appointment.select(*columns)
        .join(VisitType, on=(Appointment.visit_type == VisitType.id))
        .where(
            (Appointment.doctor == doctor_id)
            & (Appointment.start >= to_db(now - WINDOW_BEHIND))
            & (
                Appointment.start
                < to_db(now + dt.timedelta(days=policy.horizon_days + 1))
            )
            & (
                (Appointment.status != "cancelled")
                | (Appointment.updated_at >= to_db(now - CANCELLED_KEPT))
            )
        )
        .order_by(Appointment.start, Appointment.id)
    )
    if show_names:
        query = query.join_from(
            Appointment, Patient, on=(Appointment.patient == Patient.id)
        )
    events = tuple(
        FeedEvent(
            ics.visit_of({**row, "name": doctor}, policy, policy.default_language),
            (row.get("patient") or "").strip(),
        )
        for row in query.dicts()
    )
    return Feed(doctor or "", policy.clinic_name, policy.timezone, events)


def render(feed: Feed, host: str = ics.DEFAULT_HOST, base_url: str = "") -> bytes:
    """The iCalendar text; base_url links each event to its console page."""
    calendar = Calendar()
    calendar.add("prodid", ics.PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.calendar_name = f"{feed.doctor} · {feed.clinic}"
    # Times are UTC; this tells Apple Calendar and Outlook how to show them.
    calendar.add("x-wr-timezone", feed.timezone)
    # RFC 7986 wants VALUE=DURATION spelled out; Outlook reads the X- name.
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for item in feed.events:
        calendar.add_component(_event(item, host, base_url))
    return calendar.to_ical()


def _event(item: FeedEvent, host: str, base_url: str) -> Event:
    visit = item.visit
    event = Event()
    event.add("uid", ics.uid(visit.id, host))
    # Without METHOD, DTSTAMP is when the event last changed (RFC 5545 3.8.7.2).
    event.add("dtstamp", visit.updated_at)
    event.add("last-modified", visit.updated_at)
    event.add("created", visit.created_at)
    event.add("sequence", ics.sequence(visit))
    event.add("dtstart", visit.start)
    event.add("dtend", visit.end)
    summary = visit.visit_type
    if item.patient:
        summary = f"{summary}: {item.patient}"
    event.add("summary", summary)
    event.add("status", STATUS.get(visit.status, "CONFIRMED"))
    label = LABEL.get(visit.status, visit.status)
    event.add("categories", [label])
    event.add("description", f"ClinicBot status: {label}")
    if visit.location:
        event.add("location", visit.location)
    event.add("transp", "TRANSPARENT" if visit.cancelled else "OPAQUE")
    if base_url:
        event.add("url", f"{base_url}/appointments/{visit.id}")
    return event
