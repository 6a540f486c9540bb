"""A front-desk morning in Chromium: check in from Today, cancel without telling
the patient (and see why in the history), a refused setting shown beside its field.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.audit import Actor
from core.clinic import booking
from core.models import Appointment, ClinicPolicy, Message
from core.policy import load_policy
from tests.console.browser import WIDTHS, chromium, chromium_or_skip, log_in
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _visit(clinic, now, hour):
    return booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=now.replace(hour=hour, minute=0),
        policy=load_policy(),
        now=now - dt.timedelta(days=1),
        actor=Actor("patient", clinic["patient"].id),
    )


@pytest.mark.parametrize("width", ["laptop", "phone"])
async def test_check_in_then_cancel_quietly_and_read_why(base, clinic, now, width):
    first, second = _visit(clinic, now, 9), _visit(clinic, now, 11)
    async with chromium(chromium_or_skip(), *WIDTHS[width]) as page:
        await log_in(page, base, "staff@clinic.test", PASSWORD)
        row = page.locator(f'tr[data-visit="{first.id}"]')
        await row.get_by_role("button", name="Check in").click()
        await page.wait_for_selector(f'tr[data-visit="{first.id}"] >> text=Arrived')
        assert Appointment.get_by_id(first.id).arrived_at is not None
        assert await row.get_by_role("button", name="Check in").count() == 0

        await page.locator(f'tr[data-visit="{second.id}"] a').click()
        await page.get_by_label("Reason for cancelling (required)").fill(
            "doctor called in sick"
        )
        await page.locator("details.telling > summary").first.click()
        await page.get_by_label("Don't tell the patient").check()
        await page.get_by_label("Why not").fill("told on the phone")
        await page.get_by_role("button", name="Cancel visit").click()
        await page.wait_for_selector("p.notice:has-text('Cancelled')")
        history = await page.locator("h2:has-text('History') + table").inner_text()
        assert "(staff) cancelled the visit: “doctor called in sick”" in history
        assert "The patient was not told (“told on the phone”)" in history
    assert Appointment.get_by_id(second.id).status == "cancelled"
    told = Message.select().where(
        Message.appointment == second.id, Message.kind == "notice"
    )
    assert not told.exists(), "staff chose not to tell the patient"


async def test_a_bad_time_zone_is_said_beside_it_and_the_typing_kept(base, clinic):
    async with chromium(chromium_or_skip(), *WIDTHS["tablet"]) as page:
        await log_in(page, base, "admin@clinic.test", PASSWORD)
        await page.goto(base + "/settings")
        await page.get_by_label("Time zone").fill("Mars/Olympus")
        await page.get_by_role("button", name="Save settings").click()
        field = page.get_by_label("Time zone")
        await page.wait_for_selector("[aria-invalid=true]")
        assert await field.input_value() == "Mars/Olympus"
        assert await field.get_attribute("aria-invalid") == "true"
        said = page.locator("#" + await field.get_attribute("aria-describedby"))
        assert "time zone" in (await said.inner_text()).lower()
        assert "That request was not understood" not in await page.content()
    assert ClinicPolicy.get_by_id(1).timezone == "UTC"
