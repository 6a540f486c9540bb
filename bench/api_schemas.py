"""Which schema library validates /api/v1 requests and shapes its answers.

    python -m bench.api_schemas

Two jobs per request, timed per library and beside bare json.loads/dumps:
validate a booking request body (bytes in, typed object out, unknown fields
refused) and serialise a page of 50 appointments (objects in, bytes out).
Each figure is the median of 3 runs; the ratio is to the json baseline.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from typing import Annotated, Literal

import msgspec
import pydantic

BODY = json.dumps(
    {
        "patient_id": 12,
        "doctor_id": 3,
        "start": "2026-11-24T10:30:00Z",
        "visit_type_id": 2,
        "needs_confirmation": True,
    }
).encode()
START = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
STATUS = Literal["scheduled", "confirmed", "completed", "cancelled", "no_show"]
LOOPS = 20_000


class PydBooking(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", strict=False)
    patient_id: Annotated[int, pydantic.Field(ge=1)]
    doctor_id: Annotated[int, pydantic.Field(ge=1)]
    start: pydantic.AwareDatetime
    visit_type_id: Annotated[int, pydantic.Field(ge=1)] | None = None
    needs_confirmation: bool = True


class PydAppointment(pydantic.BaseModel):
    id: int
    doctor_id: int
    patient_id: int
    visit_type_id: int
    start: dt.datetime
    end: dt.datetime
    status: STATUS
    created_via: str
    needs_confirmation: bool
    cancel_reason: str | None = None


class PydPage(pydantic.BaseModel):
    data: list[PydAppointment]
    next_cursor: str | None


class MsgBooking(msgspec.Struct, forbid_unknown_fields=True):
    patient_id: Annotated[int, msgspec.Meta(ge=1)]
    doctor_id: Annotated[int, msgspec.Meta(ge=1)]
    start: Annotated[dt.datetime, msgspec.Meta(tz=True)]
    visit_type_id: Annotated[int, msgspec.Meta(ge=1)] | None = None
    needs_confirmation: bool = True


class MsgAppointment(msgspec.Struct):
    id: int
    doctor_id: int
    patient_id: int
    visit_type_id: int
    start: dt.datetime
    end: dt.datetime
    status: STATUS
    created_via: str
    needs_confirmation: bool
    cancel_reason: str | None = None


class MsgPage(msgspec.Struct):
    data: list[MsgAppointment]
    next_cursor: str | None


def rows() -> list[dict]:
    return [
        {
            "id": n,
            "doctor_id": n % 7 + 1,
            "patient_id": n + 100,
            "visit_type_id": 1,
            "start": START + dt.timedelta(minutes=30 * n),
            "end": START + dt.timedelta(minutes=30 * n + 30),
            "status": "scheduled",
            "created_via": "api",
            "needs_confirmation": True,
            "cancel_reason": None,
        }
        for n in range(50)
    ]


def per_op_us(fn) -> float:
    fn()
    started = time.perf_counter()
    for _ in range(LOOPS):
        fn()
    return (time.perf_counter() - started) / LOOPS * 1e6


def main() -> None:
    page = rows()
    iso = [
        r | {"start": r["start"].isoformat(), "end": r["end"].isoformat()} for r in page
    ]
    pyd_page = PydPage(data=[PydAppointment(**r) for r in page], next_cursor="abc")
    msg_page = MsgPage(data=[MsgAppointment(**r) for r in page], next_cursor="abc")
    booking_decoder = msgspec.json.Decoder(MsgBooking)
    encoder = msgspec.json.Encoder()
    jobs = {
        "validate booking": {
            "json": lambda: json.loads(BODY),
            "pydantic": lambda: PydBooking.model_validate_json(BODY),
            "msgspec": lambda: booking_decoder.decode(BODY),
        },
        "serialise 50 appointments": {
            "json": lambda: json.dumps({"data": iso, "next_cursor": "abc"}).encode(),
            "pydantic": lambda: pyd_page.model_dump_json(),
            "msgspec": lambda: encoder.encode(msg_page),
        },
    }
    for job, contenders in jobs.items():
        runs = {
            name: [per_op_us(fn) for _ in range(3)] for name, fn in contenders.items()
        }
        base = statistics.median(runs["json"])
        for name, samples in runs.items():
            us = statistics.median(samples)
            each = " ".join(f"{run:7.2f}" for run in samples)
            print(
                f"{job:<26} {name:<9} {us:7.2f} µs/op (runs {each})"
                f"  {us / base:5.2f}x json"
            )


if __name__ == "__main__":
    main()
