"""Main staff journeys in a real headless Chromium against the real app.

Needs Debian's chromium (`apt-get install -y chromium`; .ci/run does it).
In CI (CI=true, which .ci/run sets) a missing chromium fails these tests on
purpose; elsewhere they are skipped with that hint. CLINICBOT_SKIP_BROWSER=1
skips them anywhere.
Screenshots land in test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest
from aiohttp import web

from console.app import create_app
from console.keys import LIVE_FEED
from core import audit
from core.clinic import booking
from core.models import Appointment, Patient, WorkingHours
from core.policy import load_policy
from core.settings import Settings
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium_path():
    if os.environ.get("CLINICBOT_SKIP_BROWSER") == "1":
        pytest.skip("CLINICBOT_SKIP_BROWSER=1")
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        hint = "Debian's chromium is not installed: run `apt-get install -y chromium`"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(hint + " (.ci/run installs it)")
        pytest.skip(hint + " to run the browser journeys")
    return path


@pytest.fixture
async def server(database, clinic, clock):
    """The real app on 127.0.0.1 with an ephemeral port; live polling made quick."""
    settings = Settings(database_url=database, secret_key="browser-secret-key-123")
    app = create_app(settings, role="web", clock=clock)
    app[LIVE_FEED].interval = 0.2
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def page(chromium_path, server):
    from playwright.async_api import async_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium_path, args=ARGS)
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        tab = await context.new_page()
        tab.set_default_timeout(10_000)
        tab.base = server
        errors: list[str] = []
        tab.on("console", lambda m: m.type == "error" and errors.append(m.text))
        yield tab
        await browser.close()
        assert not errors, f"browser console errors (CSP?): {errors}"


async def _login(page, role="staff"):
    await page.goto(page.base + "/")
    await page.fill("input[name=email]", f"{role}@clinic.test")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button:has-text('Log in')")
    await page.wait_for_selector("h1:has-text('Today')")


async def _shot(page, name: str) -> None:
    await page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


async def test_book_on_behalf_then_cancel(page, clinic, now):
    await _login(page)
    await _shot(page, "today")
    day = (now + dt.timedelta(days=1)).date().isoformat()
    await page.goto(f"{page.base}/calendar?date={day}&doctor={clinic['doctor'].id}")
    await page.click("a.slot >> nth=2")  # 10:00
    await page.fill("input[name=q]", "Lopez")
    await page.click("button:has-text('Search')")
    await page.click("button:has-text('Book for Ana Lopez')")
    await page.wait_for_selector("text=Booked")
    await _shot(page, "booked")
    visit = Appointment.get()
    assert visit.patient_id == clinic["patient"].id and visit.start.hour == 10
    await page.fill("input[name=reason]", "Patient phoned to cancel")
    await page.click("button:has-text('Cancel visit')")
    await page.wait_for_selector("p.notice:has-text('Cancelled')")
    assert Appointment.get_by_id(visit.id).status == "cancelled"
    await _shot(page, "cancelled")


async def test_edit_a_doctors_hours(page, clinic):
    await _login(page)
    await page.goto(f"{page.base}/doctors")
    await page.click("a:has-text('Dr. Own')")
    await page.fill("input[name=day2]", "10:00-12:00, 14:00-18:00")
    await page.click("button:has-text('Save hours')")
    await page.wait_for_selector("input[name=day2][value='10:00-12:00, 14:00-18:00']")
    rows = WorkingHours.select().where(
        WorkingHours.doctor == clinic["doctor"].id, WorkingHours.weekday == 2
    )
    assert sorted((r.start.hour, r.end.hour) for r in rows) == [(10, 12), (14, 18)]
    await _shot(page, "doctor-hours")


async def test_stats_charts_and_simulator(page, clinic, now):
    booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=now.replace(hour=11),
        policy=load_policy(),
        now=now,
        # The patient's own booking: no message, so no messages chart.
        actor=audit.Actor("patient", clinic["patient"].id),
    )
    await _login(page)
    await page.goto(f"{page.base}/stats")
    assert await page.locator("svg.chart").count() == 3  # no messages: no chart
    assert await page.locator("svg.chart rect").count() >= 3  # a bar per chart
    await _shot(page, "stats")
    await page.goto(f"{page.base}/simulator")
    await page.fill("#say input[name=text]", "hello")
    await page.click("#say button")
    await page.wait_for_selector(".bubble.out")
    await page.fill("#say input[name=text]", "Ana")
    await page.click("#say button")
    await page.click("button.slot:has-text('Yes')")  # a choice posts its value
    await page.wait_for_selector(".bubble.in:has-text('1')")
    await _shot(page, "simulator")


async def test_live_update_arrives_without_reload(page, clinic, now):
    await _login(page)
    await page.wait_for_selector("#live-board")
    marker = await page.evaluate("() => (window.__marker = 'same page', 1)")
    assert marker == 1
    booking.book(  # another writer (the bot, the scheduler) books meanwhile
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=now.replace(hour=15),
        policy=load_policy(),
        now=now,
        actor=audit.Actor("patient", clinic["patient"].id),
        via="sms",
    )
    await page.wait_for_selector("#live-board a:has-text('Ana Lopez')")
    assert await page.evaluate("() => window.__marker") == "same page"  # no reload
    await _shot(page, "live-update")


async def test_set_a_preferred_channel_on_a_phone(page, clinic):
    """At 390 px a staff member sets a patient's channel; nothing scrolls sideways."""
    await page.set_viewport_size({"width": 390, "height": 844})
    await _login(page)
    await page.goto(f"{page.base}/patients?q=Lopez")
    await page.click("a:has-text('Ana Lopez')")
    await page.wait_for_selector("#reach")
    await page.fill("#contact input[name=email]", "ana.lopez.long.address@example.org")
    await page.select_option("#contact select[name=preferred_channel]", "email")
    await page.select_option("#contact select[name=language]", label="Español")
    await page.click("button:has-text('Save contact details')")
    await page.wait_for_selector("p.notice:has-text('Contact details saved')")
    await page.wait_for_selector("#route-order:has-text('Email first')")
    wide = await page.evaluate(
        "() => document.documentElement.scrollWidth - window.innerWidth"
    )
    await _shot(page, "patient-contact-390")
    too_wide = await page.evaluate(  # named in the failure, to find the culprit
        """() => [...document.querySelectorAll("main *")]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth)
        .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : ""))"""
    )
    assert wide <= 0, f"the patient page scrolls sideways by {wide} px: {too_wide}"
    row = Patient.get_by_id(clinic["patient"].id)
    assert (row.email, row.preferred_channel, row.language) == (
        "ana.lopez.long.address@example.org",
        "email",
        "es",
    )
