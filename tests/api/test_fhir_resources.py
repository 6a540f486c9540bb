"""FHIR R4 reads of the clinic: metadata, Practitioner, Location, Schedule.

Every resource served is validated with fhir.resources. Version 8 ships
R5 at the top level and R4B (4.3) in fhir.resources.R4B, no 4.0.1 models;
R4B only added to R4 elsewhere (SubscriptionTopic, Citation, ...), and the
resources served here (and Bundle, OperationOutcome, CapabilityStatement)
have the same elements and types in both, so R4B is what validates R4 here.
"""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class

from console.api.auth import PATIENT_ROLES
from core.models import VisitType
from core.staff.doctors import set_doctor_active
from core.staff.policy_edit import update_facts
from tests.api.conftest import api_settings
from tests.factories import make_doctor

FHIR_JSON = "application/fhir+json"


def assert_valid(resource: dict) -> dict:
    """Validate one resource (a Bundle's entries each too) against FHIR R4B."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)  # raises on a missing, extra or mistyped field
    for entry in resource.get("entry", []):
        assert_valid(entry["resource"])
    return resource


async def fhir_get(client, path: str, status: int = 200, **kwargs) -> dict:
    response = await client.get(path, **kwargs)
    assert response.status == status, await response.text()
    assert response.content_type == FHIR_JSON
    return assert_valid(await response.json())


def ids(bundle: dict) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle["entry"]]


async def test_metadata_says_what_is_served(api_client):
    statement = await fhir_get(api_client, "/fhir/r4/metadata")
    assert statement["fhirVersion"] == "4.0.1"
    served = {r["type"]: r for r in statement["rest"][0]["resource"]}
    assert set(served) == {
        "Practitioner",
        "Location",
        "Schedule",
        "Slot",
        "Appointment",
    }
    slot_params = {p["name"] for p in served["Slot"]["searchParam"]}
    assert slot_params == {"schedule", "start", "status"}
    assert "Bearer" in served["Appointment"]["documentation"]


async def test_practitioners_are_the_active_doctors(api_client, clinic):
    gone = make_doctor(name="Dr. Gone")
    set_doctor_active(gone.id, False)
    bundle = await fhir_get(api_client, "/fhir/r4/Practitioner")
    assert bundle["type"] == "searchset" and bundle["total"] == 2
    assert ids(bundle) == [str(clinic["doctor"].id), str(clinic["other"].id)]
    own = await fhir_get(api_client, f"/fhir/r4/Practitioner/{clinic['doctor'].id}")
    assert own["name"] == [{"text": "Dr. Own"}] and own["active"] is True
    # A former doctor is still readable (old visits refer to them), as inactive.
    former = await fhir_get(api_client, f"/fhir/r4/Practitioner/{gone.id}")
    assert former["active"] is False
    named = await fhir_get(api_client, "/fhir/r4/Practitioner?name=other")
    assert ids(named) == [str(clinic["other"].id)]
    inactive = await fhir_get(api_client, "/fhir/r4/Practitioner?active=false")
    assert ids(inactive) == [str(gone.id)]


async def test_location_is_the_clinic_from_its_settings(api_client):
    update_facts(
        {
            "en": {
                "address": "1200 Riverside Avenue, Suite 300, Springfield, IL 62704",
                "phone": "+1 555 0100",
            }
        }
    )
    location = await fhir_get(api_client, "/fhir/r4/Location/clinic")
    assert location["name"] == "ClinicBot Demo Clinic"
    assert location["address"] == {
        "text": "1200 Riverside Avenue, Suite 300, Springfield, IL 62704",
        "line": ["1200 Riverside Avenue", "Suite 300"],
        "city": "Springfield",
        "state": "IL",
        "postalCode": "62704",
    }
    telecom = {t["system"]: t["value"] for t in location["telecom"]}
    assert telecom["phone"] == "+1 555 0100"
    assert telecom["url"].startswith("http://127.0.0.1:")
    assert location["extension"][0]["valueCode"] == "UTC"
    bundle = await fhir_get(api_client, "/fhir/r4/Location")
    assert ids(bundle) == ["clinic"]


async def test_an_address_that_is_not_american_is_kept_as_text(api_client):
    update_facts({"en": {"address": "Calle Mayor 5, 28013 Madrid"}})
    location = await fhir_get(api_client, "/fhir/r4/Location/clinic")
    assert location["address"] == {
        "text": "Calle Mayor 5, 28013 Madrid",
        "line": ["Calle Mayor 5, 28013 Madrid"],
    }
    assert [t["system"] for t in location["telecom"]] == ["url"]  # no phone set


async def test_a_schedule_per_doctor_and_visit_type(api_client, clinic):
    checkup = VisitType.create(name="Checkup", minutes=60)
    doctor = make_doctor(name="Dr. Two Kinds", visit_types=[checkup])
    consultation = VisitType.get(VisitType.name == "Consultation")
    bundle = await fhir_get(api_client, "/fhir/r4/Schedule")
    expected = [
        f"{clinic['doctor'].id}-{consultation.id}",
        f"{clinic['other'].id}-{consultation.id}",
        f"{doctor.id}-{checkup.id}",
    ]
    assert ids(bundle) == expected
    one = await fhir_get(api_client, f"/fhir/r4/Schedule/{doctor.id}-{checkup.id}")
    assert one["actor"][0]["reference"] == "Location/clinic"
    assert one["actor"][1] == {
        "reference": f"Practitioner/{doctor.id}",
        "display": "Dr. Two Kinds",
    }
    assert one["serviceType"][0]["text"] == "Checkup"
    assert one["serviceType"][0]["coding"][0]["code"] == str(checkup.id)
    # The horizon: from now to the end of the last published day.
    assert one["planningHorizon"]["start"] == "2026-11-23T08:00:00Z"
    assert one["planningHorizon"]["end"] == "2026-12-25T00:00:00Z"
    by_doctor = await fhir_get(
        api_client, f"/fhir/r4/Schedule?actor=Practitioner/{doctor.id}"
    )
    assert ids(by_doctor) == [f"{doctor.id}-{checkup.id}"]
    at_clinic = await fhir_get(api_client, "/fhir/r4/Schedule?actor=Location/clinic")
    assert ids(at_clinic) == expected
    by_kind = await fhir_get(
        api_client, f"/fhir/r4/Schedule?service-type={consultation.id}"
    )
    assert ids(by_kind) == expected[:2]
    paged = await fhir_get(api_client, "/fhir/r4/Schedule?_count=2&_offset=2")
    assert ids(paged) == expected[2:] and paged["total"] == 3
    first = await fhir_get(api_client, "/fhir/r4/Schedule?_count=2")
    assert [link["relation"] for link in first["link"]] == ["self", "next"]


async def test_inactive_doctors_and_visit_types_have_no_schedule(api_client, clinic):
    consultation = VisitType.get(VisitType.name == "Consultation")
    set_doctor_active(clinic["other"].id, False)
    bundle = await fhir_get(api_client, "/fhir/r4/Schedule")
    assert ids(bundle) == [f"{clinic['doctor'].id}-{consultation.id}"]
    await fhir_get(
        api_client, f"/fhir/r4/Schedule/{clinic['other'].id}-{consultation.id}", 404
    )


UNKNOWN = [
    "/fhir/r4/Practitioner/999",
    "/fhir/r4/Practitioner/abc",
    "/fhir/r4/Location/elsewhere",
    "/fhir/r4/Schedule/1-999",
    "/fhir/r4/Schedule/7",
    "/fhir/r4/Slot/1-1-2026",
    "/fhir/r4/Patient/1",
    "/fhir/r4/nothing/here/at/all",
]
BAD_SEARCHES = [
    "Practitioner?active=maybe",
    "Practitioner?colour=blue",
    "Schedule?actor=Patient/1",
    "Schedule?actor=Practitioner/1,Patient/2",
    "Schedule?_count=-1",
    "Schedule?_count=5000",
    "Location?_offset=x",
]


async def test_unknown_ids_are_404_operation_outcomes(api_client):
    for path in UNKNOWN:
        outcome = await fhir_get(api_client, path, 404)
        assert outcome["issue"][0]["code"] == "not-found", path


async def test_bad_search_parameters_are_400_operation_outcomes(api_client):
    for query in BAD_SEARCHES:
        outcome = await fhir_get(api_client, f"/fhir/r4/{query}", 400)
        assert outcome["issue"][0]["code"] == "invalid", query
        assert outcome["issue"][0]["diagnostics"], query


async def test_writes_are_refused_as_operation_outcomes(api_client, clinic):
    response = await api_client.post("/fhir/r4/Practitioner", json={})
    assert response.status == 405
    assert_valid(await response.json())
    assert (await fhir_get(api_client, "/fhir/r4/Practitioner"))["total"] == 2


async def test_absolute_urls_use_the_public_url(
    aiohttp_client, database, clinic, clock
):
    from console.app import create_app

    settings = api_settings(database, public_url="https://clinic.example/")
    client = await aiohttp_client(create_app(settings, role="web", clock=clock))
    bundle = await fhir_get(client, "/fhir/r4/Practitioner")
    assert bundle["link"][0]["url"].startswith("https://clinic.example/fhir/r4/")
    assert bundle["entry"][0]["fullUrl"] == (
        f"https://clinic.example/fhir/r4/Practitioner/{clinic['doctor'].id}"
    )


async def test_every_fhir_route_is_gated_and_only_appointments_need_a_token(
    api_client,
):
    served = {}
    for route in api_client.app.router.routes():
        path = route.resource.canonical if route.resource else ""
        if path.startswith("/fhir/"):
            roles = getattr(route.handler, "api_roles", None)
            assert roles is not None, f"{path} is not behind api_allow or api_public"
            served[path] = roles
    assert len(served) == 13  # metadata, $bulk-publish and a file, 5 x read/search
    gated = {path for path, roles in served.items() if roles}
    assert gated == {"/fhir/r4/Appointment", "/fhir/r4/Appointment/{id}"}
    assert served["/fhir/r4/Appointment"] == PATIENT_ROLES
