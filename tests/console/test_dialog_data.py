"""What the bot needs to know, edited and shown in the console (issue 13).

Settings' "What the bot tells patients", names in Spanish for departments and
visit types, and "running late" on the visit page and the Today board.
"""

from __future__ import annotations

import datetime as dt
import json
import re

from core import audit
from core.clinic import booking
from core.models import ClinicPolicy, Department, VisitType
from core.policy import load_policy
from core.staff.policy_edit import ANSWER_LIMIT, FACT_LABELS


def _facts_form(token: str, **fields: str) -> list[tuple[str, str]]:
    """The facts form as the page sends it: every field, three custom rows each."""
    form = [("csrf", token)]
    for lang in ("en", "es"):
        form += [
            (f"{lang}_{key}", fields.get(f"{lang}_{key}", "")) for key in FACT_LABELS
        ]
        for row in range(3):
            form += [
                (f"{lang}_q", fields.get(f"{lang}_q{row}", "")),
                (f"{lang}_a", fields.get(f"{lang}_a{row}", "")),
            ]
    return form


async def test_settings_round_trip_what_the_bot_tells_patients(client, login_as):
    token = await login_as("admin")
    page = await (await client.get("/settings")).text()
    assert "What the bot tells patients" in page
    assert 'name="es_parking"' in page and page.count('name="es_q"') == 3
    form = _facts_form(
        token,
        en_address="1 Main St",
        en_hours="Mon–Fri 8:00–19:00",
        es_address="Calle Mayor 1",
        es_q1="¿Aceptan seguros?",
        es_a1="Sí, la mayoría.",
    )
    saved = await client.post("/settings/facts", data=form)
    assert saved.status == 200
    assert "Saved what the bot tells patients" in await saved.text()
    assert json.loads(ClinicPolicy.get_by_id(1).facts) == {
        "en": {"address": "1 Main St", "hours": "Mon–Fri 8:00–19:00"},
        "es": {
            "address": "Calle Mayor 1",
            "custom": [{"q": "¿Aceptan seguros?", "a": "Sí, la mayoría."}],
        },
    }
    policy = load_policy()
    assert policy.fact("es", "hours") == "Mon–Fri 8:00–19:00"  # falls back to en
    assert policy.custom_facts("es") == [("¿Aceptan seguros?", "Sí, la mayoría.")]
    page = await (await client.get("/settings")).text()
    assert 'value="Calle Mayor 1"' in page and 'value="¿Aceptan seguros?"' in page
    assert page.count('name="es_q"') == 4  # the saved one and three empty rows


async def test_bad_facts_are_a_400_and_change_nothing(client, login_as):
    token = await login_as("admin")
    good = _facts_form(token, en_phone="+1 555 0100")
    assert (await client.post("/settings/facts", data=good)).status == 200
    before = ClinicPolicy.get_by_id(1).facts
    too_long = _facts_form(token, es_bring="x" * (ANSWER_LIMIT + 1))
    refused = await client.post("/settings/facts", data=too_long)
    assert refused.status == 400
    assert "Spanish What to bring is too long" in await refused.text()
    half_row = _facts_form(token, en_q0="Wheelchair access?")
    refused = await client.post("/settings/facts", data=half_row)
    page = await refused.text()
    assert refused.status == 400 and "needs both" in page
    # The Settings page again, above the form, with the question still typed.
    assert 'id="facts-error"' in page and 'value="Wheelchair access?"' in page
    incomplete = await client.post(
        "/settings/facts", data={"csrf": token, "en_phone": ""}
    )
    assert incomplete.status == 400 and "incomplete" in await incomplete.text()
    forged = await client.post(
        "/settings/facts", data=_facts_form("not-the-token", en_phone="evil")
    )
    assert forged.status == 403
    assert ClinicPolicy.get_by_id(1).facts == before
    await login_as("staff")
    staff = await client.post("/settings/facts", data=_facts_form(token))
    assert staff.status == 403
    assert ClinicPolicy.get_by_id(1).facts == before


async def test_spanish_names_of_departments_and_visit_types(client, login_as):
    token = await login_as("staff")
    page = await (await client.get("/doctors")).text()
    assert 'placeholder="Name in Spanish"' in page and "Visit types" in page
    added = await client.post(
        "/departments",
        data={"csrf": token, "name": "Paediatrics", "name_es": "Pediatría"},
    )
    assert added.status == 200 and "Department saved" in await added.text()
    department = Department.get(Department.name == "Paediatrics")
    assert json.loads(department.names) == {"es": "Pediatría"}
    created = await client.post(
        "/visit-types",
        data={
            "csrf": token,
            "name": "Follow-up",
            "minutes": "20",
            "name_es": "Revisión",
        },
    )
    assert created.status == 200 and "Visit type saved" in await created.text()
    visit_type = VisitType.get(VisitType.name == "Follow-up")
    assert (visit_type.minutes, json.loads(visit_type.names)) == (
        20,
        {"es": "Revisión"},
    )
    page = await (await client.get("/doctors")).text()
    assert 'value="Pediatría"' in page and 'value="Revisión"' in page
    edited = await client.post(
        f"/visit-types/{visit_type.id}",
        data={"csrf": token, "name": "Follow-up", "minutes": "30", "name_es": ""},
    )
    assert edited.status == 200
    assert VisitType.get_by_id(visit_type.id).names == "{}"
    too_long = await client.post(
        f"/departments/{department.id}",
        data={"csrf": token, "name": "Paediatrics", "name_es": "x" * 61},
    )
    assert too_long.status == 400 and "too long" in await too_long.text()
    assert json.loads(Department.get_by_id(department.id).names) == {"es": "Pediatría"}


async def test_running_late_shows_on_the_visit_page_and_the_board(
    client, login_as, clinic, now
):
    await login_as("staff")
    start = now.replace(hour=14)
    visit = booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=start,
        policy=load_policy(),
        now=now,
        actor=audit.Actor("staff", clinic["users"]["staff"].id),
    )
    board = await (await client.get("/today/board")).text()
    assert "Running late" not in board
    told = now + dt.timedelta(hours=5, minutes=50)
    patient = audit.Actor("patient", clinic["patient"].id)
    booking.note_running_late(visit.id, "Stuck in traffic", told, patient)
    page = await (await client.get(f"/appointments/{visit.id}")).text()
    assert "Running late — Stuck in traffic (told at 13:50)" in page
    # The history, from the audit log, in words.
    assert "said the patient is running late: “Stuck in traffic”" in page
    board = await (await client.get("/today/board")).text()
    (row,) = re.findall(rf'<tr data-visit="{visit.id}">.*?</tr>', board, re.S)
    assert "Running late" in row and "Stuck in traffic" in row
    booking.cancel(visit.id, patient, "cannot make it", told)
    board = await (await client.get("/today/board")).text()
    assert "Running late" not in board  # only live visits are waited for
