"""FHIR R4 basics every resource module shares: ids, instants, Bundles, errors.

Pure functions returning plain dicts, serialised by the caller. What a
ClinicBot thing is in FHIR (docs/fhir.md):

    doctor              -> Practitioner/{doctor id}
    the clinic          -> Location/clinic
    doctor x visit type -> Schedule/{doctor id}-{visit type id}
    a bookable time     -> Slot/{doctor id}-{visit type id}-{UTC start YYYYMMDDhhmm}
    a visit             -> Appointment/{appointment id}
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from core.api.fhir_search import PAGING, Query
from core.clock import UTC
from core.errors import InvalidInput, NotFound

FHIR_VERSION = "4.0.1"
LOCATION_ID = "clinic"
# Clinic-defined codes (visit types) need a system; the clinic's own base URL
# namespaces them, as FHIR suggests for local codes.
VISIT_TYPE_PATH = "/fhir/r4/visit-type"
TIMEZONE_EXTENSION = "http://hl7.org/fhir/StructureDefinition/timezone"


@dataclass(frozen=True)
class Links:
    """Where this server is, for absolute URLs: e.g. https://clinic.example."""

    base: str  # without a trailing slash

    @property
    def fhir(self) -> str:
        return f"{self.base}/fhir/r4"

    def resource(self, kind: str, id_: str | int) -> str:
        return f"{self.fhir}/{kind}/{id_}"

    @property
    def visit_type_system(self) -> str:
        return self.base + VISIT_TYPE_PATH


def instant(moment: dt.datetime, tz=None) -> str:
    """An aware datetime as a FHIR instant, to the second, in tz (UTC as Z)."""
    shown = moment.astimezone(tz or UTC).replace(microsecond=0)
    text = shown.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def reference(kind: str, id_: str | int, display: str = "") -> dict:
    ref = {"reference": f"{kind}/{id_}"}
    if display:
        ref["display"] = display
    return ref


# ---- ids -------------------------------------------------------------------

_NUMBER = re.compile(r"[1-9][0-9]{0,17}")
_SCHEDULE = re.compile(r"([1-9][0-9]{0,17})-([1-9][0-9]{0,17})")
_SLOT = re.compile(r"([1-9][0-9]{0,17})-([1-9][0-9]{0,17})-([0-9]{12})")


def number_id(text: str, kind: str) -> int:
    """A numeric resource id, or NotFound (an id that cannot exist is not there)."""
    if not _NUMBER.fullmatch(text):
        raise NotFound(f"{kind}/{text} does not exist.")
    return int(text)


def schedule_id(doctor_id: int, visit_type_id: int) -> str:
    return f"{doctor_id}-{visit_type_id}"


def parse_schedule_id(text: str) -> tuple[int, int]:
    """Schedule id -> (doctor id, visit type id), or NotFound."""
    match = _SCHEDULE.fullmatch(text)
    if match is None:
        raise NotFound(f"Schedule/{text} does not exist.")
    return int(match[1]), int(match[2])


def slot_id(doctor_id: int, visit_type_id: int, start: dt.datetime) -> str:
    return f"{doctor_id}-{visit_type_id}-{start.astimezone(UTC):%Y%m%d%H%M}"


def parse_slot_id(text: str) -> tuple[int, int, dt.datetime]:
    """Slot id -> (doctor id, visit type id, aware UTC start), or NotFound."""
    match = _SLOT.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        start = dt.datetime.strptime(match[3], "%Y%m%d%H%M").replace(tzinfo=UTC)
    except ValueError:
        raise NotFound(f"Slot/{text} does not exist.") from None
    return int(match[1]), int(match[2]), start


def reference_id(value: str, kind: str, param: str) -> str:
    """'Practitioner/3', a full URL to it, or '3' -> '3'; another type is a 400."""
    head, _, tail = value.rstrip("/").rpartition("/")
    if not head:
        return value
    if head.rsplit("/", 1)[-1] != kind:
        raise InvalidInput(f"{param} must reference a {kind}.", param)
    return tail


def searchset(
    links: Links,
    kind: str,
    query: Query,
    resources: list[dict],
    total: int | None,
    count: int,
    offset: int,
    more: bool = False,
) -> dict:
    """A searchset Bundle of one page, with self, next and previous links.

    total None: not counted (the search stopped at a full page); more then
    says whether there is a next page.
    """

    def url(at: int) -> str:
        kept = [(k, v) for k, v in query.params if k not in PAGING]
        kept += [("_count", str(count)), ("_offset", str(at))]
        return f"{links.fhir}/{kind}?{urlencode(kept)}"

    bundle_links = [{"relation": "self", "url": url(offset)}]
    if total is not None:
        more = offset + count < total
    if count and more:
        bundle_links.append({"relation": "next", "url": url(offset + count)})
    if offset:
        bundle_links.append(
            {"relation": "previous", "url": url(max(offset - count, 0))}
        )
    counted = {} if total is None else {"total": total}
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        **counted,
        "link": bundle_links,
        "entry": [
            {
                "fullUrl": links.resource(resource["resourceType"], resource["id"]),
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ],
    }


def page_of(links: Links, kind: str, query: Query, found: list[dict]) -> dict:
    """One page of a search whose matches were all built (small sets)."""
    count, offset = query.page()
    shown = found[offset : offset + count]
    return searchset(links, kind, query, shown, len(found), count, offset)


# HTTP status -> FHIR IssueType, for OperationOutcome.
ISSUE_CODES = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    409: "conflict",
    413: "too-long",
    415: "not-supported",
    422: "processing",
    429: "throttled",
    500: "exception",
}


def operation_outcome(status: int, message: str, field: str = "") -> dict:
    """The body of every FHIR error: one issue saying what went wrong."""
    issue = {
        "severity": "error" if status < 500 else "fatal",
        "code": ISSUE_CODES.get(status, "processing"),
        "diagnostics": message,
    }
    if field:
        issue["expression"] = [field]
    return {"resourceType": "OperationOutcome", "issue": [issue]}
