"""The calendar and booking journeys in headless Chromium at three widths.

Clicks are counted: booking an existing patient from the grid takes three
(the free time, Search, "Book for ...") plus typing the name. Screenshots
land in test-artifacts/ (calendar-*.png).
"""

from __future__ import annotations

import datetime as dt

import pytest

from core import audit
from core.clinic import booking
from core.models import Appointment
from core.policy import load_policy
from core.staff.hours import add_time_off
from tests.console.browser import (
    ROOT,
    WIDTHS,
    axe_violations,
    chromium,
    chromium_or_skip,
    log_in,
    sideways_overflow,
)
from tests.console.conftest import PASSWORD
from tests.factories import make_patient

pytestmark = pytest.mark.browser

TUESDAY = dt.date(2026, 11, 24)
ARTIFACTS = ROOT / "test-artifacts"
MAX_CLICKS_TO_BOOK = 3


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


class Clicks:
    """Clicks a person makes, counted (typing and page loads are not clicks)."""

    def __init__(self, page) -> None:
        self.page, self.count = page, 0

    async def __call__(self, selector: str) -> None:
        self.count += 1
        await self.page.click(selector)


async def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"calendar-{name}.png"), full_page=True)


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_book_an_existing_patient_from_the_grid_in_three_clicks(
    base, clinic, width
):
    maria = make_patient(name="María García")
    doctor = clinic["doctor"].id
    async with chromium(chromium_or_skip(), *WIDTHS[width]) as page:
        await log_in(page, base, "staff@clinic.test", PASSWORD)
        await page.goto(f"{base}/calendar?date={TUESDAY}")
        click = Clicks(page)
        await click(f'a.slot[href*="doctor={doctor}&"][href*="T10%3A00"]')
        await page.fill("input[name=q]", "garcia")  # no accent, lower case
        await click("button:has-text('Search')")
        await click("button:has-text('Book for María García')")
        await page.wait_for_selector("p.notice:has-text('Booked')")
        assert click.count <= MAX_CLICKS_TO_BOOK
        visit = Appointment.get(Appointment.patient == maria.id)
        assert (visit.doctor_id, visit.start) == (doctor, at(10).replace(tzinfo=None))
        await _shot(page, f"booked-{width}")


async def test_move_a_visit_on_the_grid_to_another_doctor(base, clinic):
    visit = booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=at(10),
        policy=load_policy(),
        now=at(8, day=TUESDAY - dt.timedelta(days=1)),
        actor=audit.Actor("staff", clinic["users"]["staff"].id),
    )
    other = clinic["other"].id
    async with chromium(chromium_or_skip(), *WIDTHS["tablet"]) as page:
        await log_in(page, base, "staff@clinic.test", PASSWORD)
        await page.goto(f"{base}/appointments/{visit.id}")
        click = Clicks(page)
        await click("a:has-text('Reschedule…')")
        await page.wait_for_selector("text=Moving this visit")
        await _shot(page, "move-tablet")
        assert await sideways_overflow(page) == ""
        await click(
            f'button.slot[value="{at(14).isoformat()}"][formaction$="doctor={other}"]'
        )
        await page.wait_for_selector("p.notice:has-text('Moved')")
        assert click.count == 2
    row = Appointment.get_by_id(visit.id)
    assert (row.doctor_id, row.start) == (other, at(14).replace(tzinfo=None))


@pytest.mark.parametrize("width", list(WIDTHS))
async def test_calendar_pages_fit_the_screen(base, clinic, width):
    """No page scrolls sideways: day, a doctor's week, the agenda, move, booking."""
    policy = load_policy()
    visit = booking.book(
        patient_id=clinic["patient"].id,
        doctor_id=clinic["doctor"].id,
        start=at(10),
        policy=policy,
        now=at(8, day=TUESDAY - dt.timedelta(days=1)),
        actor=audit.Actor("staff", 1),
    )
    add_time_off(clinic["doctor"].id, at(9), at(11), "course", policy)
    doctor = clinic["doctor"].id
    fifteen = at(15).isoformat().replace("+", "%2B")
    pages = {
        "day": f"/calendar?date={TUESDAY}",
        "week": f"/calendar?view=week&date={TUESDAY}&doctor={doctor}",
        "agenda": f"/calendar?view=week&date={TUESDAY}",
        "move": f"/calendar?move={visit.id}",
        "new": f"/appointments/new?doctor={doctor}&date={TUESDAY}",
        "visit": f"/appointments/{visit.id}",
        "patient": f"/appointments/new?doctor={doctor}&start={fifteen}&q=lo",
    }
    async with chromium(chromium_or_skip(), *WIDTHS[width]) as page:
        await log_in(page, base, "staff@clinic.test", PASSWORD)
        wide, violations = {}, {}
        for name, path in pages.items():
            await page.goto(base + path)
            if width == "laptop":  # axe once per page; the widths share markup
                violations[name] = await axe_violations(page)
            fits = await page.evaluate(
                "() => document.documentElement.scrollWidth"
                " <= document.documentElement.clientWidth"
            )
            if not fits:
                wide[name] = await sideways_overflow(page)
            if name in ("day", "week", "new", "visit"):
                await _shot(page, f"{name}-{width}")
        assert not wide, wide
        assert not any(violations.values()), violations
        if width == "tablet":  # the week's seven days fit without scrolling the grid
            box = await page.goto(base + pages["week"])
            assert box.ok
            inside = await page.evaluate(
                "() => { const b = document.querySelector('.grid-box');"
                " return b.scrollWidth <= b.clientWidth; }"
            )
            assert inside
        await page.goto(base + pages["day"])
        assert "⚠ Time off" in await page.inner_text("table.tgrid")
        assert await page.locator(".follow-up li").count() == 1
