"""The CapabilityStatement: what /fhir/r4 serves and how it can be searched."""

from __future__ import annotations

import datetime as dt

from core.api.fhir import FHIR_VERSION, Links, instant

PAGING_DOC = "_count (0-1000, default 100) and _offset page every search."
# resource -> (search parameters as (name, type, documentation), who may read)
RESOURCES = {
    "Practitioner": (
        [
            ("_id", "token", "The doctor's id."),
            ("name", "string", "Part of the doctor's name."),
            ("active", "token", "true (the default) or false for former doctors."),
        ],
        "public",
    ),
    "Location": ([("_id", "token", "The clinic is Location/clinic.")], "public"),
    "Schedule": (
        [
            ("_id", "token", "{doctor id}-{visit type id}."),
            ("actor", "reference", "Practitioner/{id} or Location/clinic."),
            ("service-type", "token", "A visit type id ([system|]code)."),
            ("active", "token", "Every published schedule is active."),
        ],
        "public",
    ),
    "Slot": (
        [
            ("schedule", "reference", "Schedule/{id}; commas for several."),
            (
                "start",
                "date",
                "eq, ne, gt, ge, lt, le, sa, eb prefixes; repeat to AND.",
            ),
            ("status", "token", "free or busy."),
        ],
        "public",
    ),
    "Appointment": (
        [
            ("date", "date", "The visit's start; prefixes as for Slot.start."),
            ("practitioner", "reference", "Practitioner/{id}; commas for several."),
            ("status", "token", "booked, fulfilled, cancelled or noshow."),
        ],
        "token",
    ),
}


def capability_statement(now: dt.datetime, links: Links, version: str) -> dict:
    resources = []
    for kind, (params, access) in RESOURCES.items():
        note = (
            "Public."
            if access == "public"
            else "Needs Authorization: Bearer <token> of role admin, staff or doctor."
        )
        resources.append(
            {
                "type": kind,
                "documentation": f"{note} {PAGING_DOC}",
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": [
                    {"name": name, "type": type_, "documentation": doc}
                    for name, type_, doc in params
                ],
            }
        )
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(now),
        "publisher": "ClinicBot",
        "kind": "instance",
        "software": {"name": "ClinicBot", "version": version},
        "implementation": {
            "description": "ClinicBot scheduling: doctors, the clinic, schedules,"
            " slots and appointments (read only). SMART Scheduling Links"
            " bulk publication at $bulk-publish.",
            "url": links.fhir,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "description": "Appointment needs a bearer API token"
                    " (clinicbot api-token create) of a role that may see"
                    " patients; everything else is public."
                },
                "resource": resources,
            }
        ],
    }
