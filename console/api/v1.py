"""/api/v1: every operation of core.api.operations bound to its handler.

The roles each handler serves come from the operations table, so the
OpenAPI document and the gate agree; api_allow enforces them.
"""

from __future__ import annotations

from console.api import v1_changes, v1_docs, v1_reads
from console.api.auth import api_allow
from core.api.operations import OPERATIONS, PREFIX

HANDLERS = {
    "api_departments": v1_reads.departments,
    "api_doctors": v1_reads.doctors,
    "api_visit_types": v1_reads.visit_types,
    "api_slots": v1_reads.free_slots,
    "api_patients": v1_reads.patient_search,
    "api_patient": v1_reads.patient,
    "api_patient_create": v1_changes.patient_create,
    "api_patient_update": v1_changes.patient_update,
    "api_appointments": v1_reads.appointment_page,
    "api_appointment": v1_reads.appointment,
    "api_book": v1_changes.book,
    "api_confirm": v1_changes.confirm,
    "api_cancel": v1_changes.cancel,
    "api_reschedule": v1_changes.reschedule,
    "api_complete": v1_changes.complete,
    "api_no_show": v1_changes.no_show,
    "api_stats": v1_reads.stats_summary,
}


def routes() -> list[tuple[str, str, object, str]]:
    """(method, path, gated handler, name) for console.api.routes.ROUTES."""
    table = [
        (op.method, op.url, api_allow(*op.roles)(HANDLERS[op.name]), op.name)
        for op in OPERATIONS
    ]
    table.append(("GET", PREFIX + "/openapi.json", v1_docs.openapi_json, "api_openapi"))
    table.append(("GET", PREFIX + "/docs", v1_docs.docs_page, "api_docs"))
    return table
