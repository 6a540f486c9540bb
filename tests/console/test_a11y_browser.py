"""Every console page at a laptop, tablet and phone width, in headless Chromium.

On a demo-seeded clinic, as admin (every page) and as a doctor (whose pages
differ): no page scrolls sideways, axe-core finds no serious or critical
WCAG 2 A/AA violation, the phone's header stays one short row with the nav
collapsed behind "Menu", and the skip link is the first Tab stop. Screenshots
of every page at every width go to $CLINICBOT_SCREENSHOTS (default: the
test's tmp_path), to keep as CI artefacts."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from console.app import create_app
from core.demo import seed_demo
from core.integrations import endpoints
from core.models import Appointment, Doctor, Message, Patient
from core.settings import Settings
from core.staff.accounts import create_staff
from core.storage.db import db, open_database
from core.storage.migrate import migrate
from tests.console.browser import (
    WIDTHS,
    axe_or_fail,
    axe_violations,
    chromium,
    chromium_or_skip,
    log_in,
    serving,
    sideways_overflow,
)
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE_HEADER_MAX_PX = 60  # one row: brand and "Menu"
# axe runs at the two layouts the stylesheet has (its breakpoint is 700 px: the
# tablet gets the laptop's rules); sideways scrolling is checked at all three.
AXE_WIDTHS = ("laptop", "phone")
NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)  # the `now` fixture's Monday


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory) -> tuple[Path, dict]:
    """The demo clinic seeded once per run, plus one login per role.

    Each test gets its own copy of the file (seeding takes a while on a busy machine).
    """
    path = tmp_path_factory.mktemp("demo") / "clinic.db"
    open_database(f"sqlite:///{path}")
    migrate()
    seed_demo(NOW, rounds=4)
    # A webhook endpoint, so its table (and its Delete) is checked with a row.
    endpoints.register(
        "https://records.clinic.example/hooks", ["appointment.booked"], "EHR",
        allow_private=True, now=NOW,
    )  # fmt: skip
    doctor = Doctor.select().order_by(Doctor.id).first()
    for role in ("admin", "staff", "doctor"):
        create_staff(
            f"a11y-{role}@clinic.test",
            PASSWORD,
            role,
            doctor.id if role == "doctor" else None,
            rounds=4,
        )
    talker = Message.select().where(Message.patient.is_null(False)).first()
    visit = (
        Appointment.select()
        .where(Appointment.doctor == doctor.id, Appointment.status == "scheduled")
        .order_by(Appointment.start)
        .first()
    )
    ids = {
        "doctor": doctor.id,
        "patient": talker.patient_id if talker else Patient.select().first().id,
        "visit": visit.id,
    }
    db.close()
    return path, ids


@pytest.fixture
def demo(demo_file, tmp_path):
    """A private copy of the seeded demo clinic, opened."""
    source, ids = demo_file
    copy = tmp_path / "clinic.db"
    shutil.copyfile(source, copy)
    url = f"sqlite:///{copy}"
    open_database(url)
    yield {"url": url, **ids}
    db.close()


@pytest.fixture
async def base(demo, clock):
    settings = Settings(database_url=demo["url"], secret_key="a11y-secret-key-0123456")
    async with serving(create_app(settings, role="web", clock=clock)) as url:
        yield url


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("CLINICBOT_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pages_for(role: str, demo: dict) -> dict[str, str]:
    """Name -> path of every page the role can open."""
    day = NOW.date().isoformat()
    everyone = {
        "today": "/",
        "calendar-day": f"/calendar?date={day}",
        "calendar-week": f"/calendar?view=week&date={day}&doctor={demo['doctor']}",
        "visit": f"/appointments/{demo['visit']}",
        "patients": "/patients?q=a",
        "patient": f"/patients/{demo['patient']}",
        "password": "/password",
    }
    if role == "doctor":  # a doctor's pages differ: their own day, no actions
        return everyone
    staff = {
        "new-appointment": "/appointments/new",
        "inbox": "/inbox",
        "saved-replies": "/inbox/replies",
        "waitlist": "/waitlist",
        "messages": "/messages",
        "doctors": "/doctors",
        "doctor": f"/doctors/{demo['doctor']}",
        "stats": "/stats",
        "simulator": "/simulator",
        "audit": "/audit",
        "not-found": "/no-such-page",
    }
    admin = {
        "settings": "/settings",
        "integrations": "/settings/integrations",
        "webhooks": "/settings/webhooks",
        "staff-users": "/staff",
    }
    return everyone | staff | admin  # admin sees every page staff see, and more


async def _check_page(page, name: str, width: str, shots: Path) -> list[str]:
    """Problems on the open page, each prefixed with where it was found."""
    problems = []
    where = f"{name} at {WIDTHS[width][0]} px"
    await page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
    if overflow := await sideways_overflow(page):
        problems.append(f"{where}: {overflow}")
    if width in AXE_WIDTHS:
        problems += [f"{where}: {v}" for v in await axe_violations(page)]
    return problems


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", ["admin", "doctor"])
async def test_every_page_fits_and_passes_axe(role, width, base, demo, shots):
    axe_or_fail()
    problems: list[str] = []
    async with chromium(chromium_or_skip(), *WIDTHS[width]) as page:
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and "404" not in m.text  # the not-found page's own status
                and problems.append(f"{page.url}: console error: {m.text}")
            ),
        )
        if role == "admin":  # the pages before logging in
            for name, path in {"login": "/login", "forgot": "/password/forgot"}.items():
                await page.goto(base + path)
                problems += await _check_page(page, name, width, shots)
        await log_in(page, base, f"a11y-{role}@clinic.test", PASSWORD)
        for name, path in pages_for(role, demo).items():
            await page.goto(base + path)
            problems += await _check_page(page, f"{role}-{name}", width, shots)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


async def test_phone_header_is_one_row_and_menu_opens(base, demo):
    async with chromium(chromium_or_skip(), *WIDTHS["phone"]) as page:
        await log_in(page, base, "a11y-staff@clinic.test", PASSWORD)
        await page.goto(base + "/messages")
        header = await page.locator("header.top").bounding_box()
        assert header["height"] <= PHONE_HEADER_MAX_PX, header
        inbox = page.get_by_role("link", name="Inbox")
        assert not await inbox.is_visible()  # collapsed behind "Menu"
        menu = page.locator("header.top summary")
        assert "Messages" in await menu.inner_text()  # the current page stays named
        await menu.click()
        await inbox.click()
        await page.wait_for_url("**/inbox")


async def test_nav_is_a_plain_row_on_a_laptop(base, demo):
    async with chromium(chromium_or_skip(), *WIDTHS["laptop"]) as page:
        await log_in(page, base, "a11y-admin@clinic.test", PASSWORD)
        assert not await page.locator("header.top summary").is_visible()
        links = page.locator("header.top nav a")
        assert await links.count() >= 10
        tops = {round((await links.nth(i).bounding_box())["y"]) for i in range(3)}
        assert len(tops) == 1  # side by side, no "Menu" to press
        assert await page.get_by_role("link", name="Staff users").is_visible()


async def test_skip_link_is_the_first_tab_stop(base, demo):
    async with chromium(chromium_or_skip()) as page:
        await log_in(page, base, "a11y-staff@clinic.test", PASSWORD)
        await page.goto(base + "/stats")  # no autofocus field on it
        await page.keyboard.press("Tab")
        focused = await page.evaluate("() => document.activeElement.textContent")
        assert focused.strip() == "Skip to content"
        assert await page.locator("a.skip").is_visible()  # shown when focused
        await page.keyboard.press("Enter")
        assert await page.evaluate("() => document.activeElement.id") == "main"


async def test_today_on_a_phone_keeps_names_and_times_whole(base, demo):
    """Five columns in 390 px broke "Kemal García" into "Kema l Garcí a"."""
    async with chromium(chromium_or_skip(), *WIDTHS["phone"]) as page:
        await log_in(page, base, "a11y-staff@clinic.test", PASSWORD)
        broken = await page.evaluate(
            """() => [...document.querySelectorAll(
                    "table.visits td a, table.visits td.time")]
                .filter(e => {
                  const range = document.createRange();
                  range.selectNodeContents(e);
                  const tops = new Set([...range.getClientRects()]
                    .map(r => Math.round(r.top)));
                  return tops.size > 1;
                })
                .map(e => e.textContent.trim())"""
        )
        shown = await page.locator("table.visits td a").count()
        assert shown >= 3, "the demo's Today has visits"
        assert broken == [], f"wrapped onto several lines: {broken}"
