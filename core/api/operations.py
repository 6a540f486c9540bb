"""Every /api/v1 operation in one table: the routes (console/api/v1*.py) and
the OpenAPI document (core.api.openapi) are both built from it, so the
document cannot list an operation the app does not serve, or miss one.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.api import schemas

EVERY_ROLE = ("admin", "staff", "doctor", "read")
PATIENT_ROLES = ("admin", "staff", "doctor")  # may see patients and their visits
STAFF_ROLES = ("admin", "staff")  # may change what the front desk changes
PREFIX = "/api/v1"


@dataclass(frozen=True)
class Operation:
    name: str  # the route name and OpenAPI operationId
    method: str
    path: str  # under PREFIX, with {id} parameters
    summary: str
    roles: tuple[str, ...]
    response: type
    status: int = 200
    query: type | None = None
    body: type | None = None
    idempotent: bool = False  # takes an Idempotency-Key
    errors: tuple[int, ...] = ()  # besides 401, 403, 429 for every gated one
    tag: str = ""

    @property
    def url(self) -> str:
        return PREFIX + self.path


def _visit_change(name: str, verb: str, summary: str, roles, body=None, **kw):
    return Operation(
        name, "POST", f"/appointments/{{id}}/{verb}", summary, roles,
        schemas.Appointment, body=body, idempotent=True,
        errors=(400, 404, 409, 422), tag="appointments", **kw,
    )  # fmt: skip


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "api_departments", "GET", "/departments", "List departments",
        EVERY_ROLE, schemas.Departments, tag="clinic",
    ),
    Operation(
        "api_doctors", "GET", "/doctors",
        "List doctors with their visit types and weekly hours",
        EVERY_ROLE, schemas.Doctors, tag="clinic",
    ),
    Operation(
        "api_visit_types", "GET", "/visit-types", "List visit types",
        EVERY_ROLE, schemas.VisitTypes, tag="clinic",
    ),
    Operation(
        "api_slots", "GET", "/slots",
        "Free slots of a doctor, a department or any doctor, as booking offers them",
        EVERY_ROLE, schemas.Slots, query=schemas.SlotQuery, errors=(404, 422),
        tag="clinic",
    ),
    Operation(
        "api_patients", "GET", "/patients", "Search patients by name, email or phone",
        PATIENT_ROLES, schemas.Patients, query=schemas.PatientQuery, errors=(422,),
        tag="patients",
    ),
    Operation(
        "api_patient", "GET", "/patients/{id}", "One patient",
        PATIENT_ROLES, schemas.Patient, errors=(404,), tag="patients",
    ),
    Operation(
        "api_patient_create", "POST", "/patients", "Register a patient",
        STAFF_ROLES, schemas.Patient, status=201, body=schemas.PatientCreate,
        idempotent=True, errors=(400, 409, 422), tag="patients",
    ),
    Operation(
        "api_patient_update", "PATCH", "/patients/{id}",
        "Change a patient's name, phone, language or email",
        STAFF_ROLES, schemas.Patient, body=schemas.PatientUpdate,
        errors=(400, 404, 409, 422), tag="patients",
    ),
    Operation(
        "api_appointments", "GET", "/appointments",
        "List appointments (filters, cursor pagination)",
        PATIENT_ROLES, schemas.AppointmentPage, query=schemas.AppointmentQuery,
        errors=(422,), tag="appointments",
    ),
    Operation(
        "api_appointment", "GET", "/appointments/{id}", "One appointment",
        PATIENT_ROLES, schemas.Appointment, errors=(404,), tag="appointments",
    ),
    Operation(
        "api_book", "POST", "/appointments",
        "Book an appointment (409 slot_taken if the time was just taken)",
        STAFF_ROLES, schemas.Appointment, status=201, body=schemas.BookingCreate,
        idempotent=True, errors=(400, 404, 409, 422), tag="appointments",
    ),
    _visit_change(
        "api_confirm", "confirm", "Confirm a scheduled appointment", STAFF_ROLES,
        body=schemas.NoBody,
    ),
    _visit_change(
        "api_cancel", "cancel", "Cancel a live appointment (with a reason)",
        STAFF_ROLES, body=schemas.Cancellation,
    ),
    _visit_change(
        "api_reschedule", "reschedule", "Move an appointment to another time",
        STAFF_ROLES, body=schemas.Reschedule,
    ),
    _visit_change(
        "api_complete", "complete", "Record that the visit took place",
        PATIENT_ROLES, body=schemas.NoBody,
    ),
    _visit_change(
        "api_no_show", "no-show", "Record that the patient did not come",
        PATIENT_ROLES, body=schemas.NoBody,
    ),
    Operation(
        "api_stats", "GET", "/stats/summary", "Visit figures for a date range",
        STAFF_ROLES, schemas.StatsSummary, query=schemas.StatsQuery,
        errors=(422,), tag="stats",
    ),
)  # fmt: skip

BY_NAME = {operation.name: operation for operation in OPERATIONS}
