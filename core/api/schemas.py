"""The /api/v1 schemas: msgspec Structs that validate requests, shape answers
and generate the OpenAPI document (core.api.openapi), so the three agree.

msgspec was chosen by measurement (bench/api_schemas.py, docs/api.md):
validating a booking body took 0.35 µs against pydantic's 1.9 µs, and a page
of 50 appointments encoded in 14 µs against 91 µs. Request bodies refuse
unknown fields. Every instant is ISO 8601 in UTC ("...Z") on the way out and
must carry an offset on the way in.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType, field

Id = Annotated[int, Meta(ge=1, le=2**31 - 1)]
Instant = Annotated[
    dt.datetime, Meta(tz=True, description="ISO 8601 with an offset, e.g. Z")
]
Day = Annotated[dt.date, Meta(description="A clinic-local date, YYYY-MM-DD")]
Status = Literal["scheduled", "confirmed", "completed", "cancelled", "no_show"]
Language = Literal["en", "es"]
Name = Annotated[str, Meta(min_length=1, max_length=120)]
Phone = Annotated[str, Meta(min_length=3, max_length=32, examples=["+15551234567"])]
Email = Annotated[str, Meta(max_length=254, examples=["ana@example.com"])]
Limit = Annotated[int, Meta(ge=1, le=200)]


class Request(Struct, forbid_unknown_fields=True, kw_only=True):
    """A request body or query: unknown fields are an error, not ignored."""


# Request bodies.


class PatientCreate(Request, kw_only=True):
    name: Name
    phone: Phone
    language: Language = "en"
    email: Email | None = None


class PatientUpdate(Request, kw_only=True):
    """Only the fields sent change; email null removes the address."""

    name: Name | UnsetType = UNSET
    phone: Phone | UnsetType = UNSET
    language: Language | UnsetType = UNSET
    email: Email | None | UnsetType = UNSET


class BookingCreate(Request, kw_only=True):
    patient_id: Id
    doctor_id: Id
    start: Instant
    visit_type_id: Id | None = None
    needs_confirmation: bool = True


class Cancellation(Request, kw_only=True):
    reason: Annotated[str, Meta(max_length=200)] = ""


class Reschedule(Request, kw_only=True):
    start: Instant
    doctor_id: Id | None = None


class NoBody(Request, kw_only=True):
    """confirm, complete, no-show: nothing to say (an empty body or {})."""


# Query strings (values arrive as text; msgspec converts them).


class PatientQuery(Request, kw_only=True):
    q: Annotated[str, Meta(min_length=1, max_length=100)]
    limit: Limit = 50


class AppointmentQuery(Request, kw_only=True):
    doctor: Id | None = None
    patient: Id | None = None
    status: Status | None = None
    from_: Instant | None = field(default=None, name="from")
    to: Instant | None = None
    cursor: Annotated[str, Meta(max_length=200)] | None = None
    limit: Limit = 50


class SlotQuery(Request, kw_only=True):
    doctor: Id | None = None
    department: Id | None = None
    visit_type: Id | None = None
    from_: Day = field(name="from")
    to: Day | None = None
    limit: Annotated[int, Meta(ge=1, le=500)] = 100


class StatsQuery(Request, kw_only=True):
    from_: Day = field(name="from")
    to: Day


# Answers.


class Department(Struct, kw_only=True):
    id: int
    name: str
    active: bool
    names: dict[str, str]  # translations by language, e.g. {"es": "Pediatría"}


class VisitType(Struct, kw_only=True):
    id: int
    name: str
    minutes: int
    active: bool


class Hours(Struct, kw_only=True):
    weekday: Annotated[int, Meta(ge=0, le=6, description="Monday is 0")]
    start: Annotated[str, Meta(pattern=r"^\d\d:\d\d$")]  # clinic local time
    end: Annotated[str, Meta(pattern=r"^\d\d:\d\d$")]


class Doctor(Struct, kw_only=True):
    id: int
    name: str
    department_id: int
    department: str
    specialisation: str
    active: bool
    visit_types: list[VisitType]
    hours: list[Hours]


class Patient(Struct, kw_only=True):
    id: int
    name: str
    phone: str | None
    email: str | None
    language: str
    telegram: bool  # reachable on Telegram
    sms_opt_out: bool
    created_at: dt.datetime


class Appointment(Struct, kw_only=True):
    id: int
    doctor_id: int
    doctor: str
    patient_id: int
    visit_type_id: int
    visit_type: str
    start: dt.datetime
    end: dt.datetime
    status: Status
    created_via: str
    needs_confirmation: bool
    confirmed_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    cancelled_by: str | None
    cancel_reason: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class Slot(Struct, kw_only=True):
    start: dt.datetime
    end: dt.datetime
    doctor_id: int
    visit_type_id: int


class Departments(Struct, kw_only=True):
    data: list[Department]


class Doctors(Struct, kw_only=True):
    data: list[Doctor]


class VisitTypes(Struct, kw_only=True):
    data: list[VisitType]


class Patients(Struct, kw_only=True):
    data: list[Patient]


class Slots(Struct, kw_only=True):
    data: list[Slot]


class AppointmentPage(Struct, kw_only=True):
    data: list[Appointment]
    next_cursor: str | None  # pass as ?cursor= for the next page; null at the end


class StatsSummary(Struct, kw_only=True):
    from_: dt.date = field(name="from")
    to: dt.date
    total: int
    by_status: dict[str, int]
    confirmation_rate: float | None
    no_show_rate: float | None
    utilisation: float | None
    auto_cancelled: int


class ErrorDetail(Struct, kw_only=True):
    code: str
    message: str
    field: str | None


class Error(Struct, kw_only=True):
    error: ErrorDetail


ENCODER = msgspec.json.Encoder()


def encode(value: object) -> bytes:
    return ENCODER.encode(value)
