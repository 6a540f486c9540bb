"""Answer an inbox message with a saved reply, in headless Chromium.

From the Today board: Inbox (its unread count in the nav), the conversation,
a saved reply picked from the list (inbox.js fills the box), Send: three
clicks and one pick on a desk, one more on a phone (the "Menu"). Screenshots
land in test-artifacts/ (inbox-*.png).
"""

from __future__ import annotations

import time
import uuid

import pytest

from console.app import create_app
from core.dialog.service import handle_inbound
from core.messaging.inbound import Inbound
from core.models import Message, Patient
from core.settings import Settings
from core.staff import saved_replies
from tests.console.browser import (
    ROOT,
    WIDTHS,
    axe_violations,
    chromium,
    chromium_or_skip,
    log_in,
    serving,
    sideways_overflow,
)
from tests.console.conftest import PASSWORD

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
ASKED = "Can I bring my dog to the visit? I want to talk to a person"
ANSWER = "Pets can wait outside with a friend. See you soon!"
JOURNEY = {"laptop": 3, "phone": 4}  # clicks, besides picking the saved reply


class Clicks:
    """Clicks a person makes, counted (typing, picking and page loads are not)."""

    def __init__(self, page) -> None:
        self.page, self.count = page, 0

    async def __call__(self, locator) -> None:
        self.count += 1
        await locator.click()


@pytest.fixture
async def base(database, clinic, clock, now):
    patient = clinic["patient"]
    Patient.update(consent_at=now.replace(tzinfo=None)).where(
        Patient.id == patient.id
    ).execute()
    saved_replies.create("en", "Pets", ANSWER, now)
    saved_replies.create("es", "Mascotas", "Las mascotas esperan fuera.", now)
    inbound = Inbound("sms", patient.phone, ASKED, provider_id=uuid.uuid4().hex)
    handle_inbound(inbound, now)  # flagged: the patient asked for a person
    settings = Settings(database_url=database, secret_key="browser-secret-key-123")
    async with serving(create_app(settings, role="web", clock=clock)) as url:
        yield url


@pytest.mark.parametrize("width", list(JOURNEY))
async def test_answer_an_inbox_message_with_a_saved_reply(base, clinic, width):
    async with chromium(chromium_or_skip(), *WIDTHS[width]) as page:
        await log_in(page, base, "staff@clinic.test", PASSWORD)
        click = Clicks(page)
        started = time.perf_counter()
        inbox = page.get_by_role("link", name="Inbox (1)")
        if not await inbox.is_visible():  # the phone's nav is behind "Menu"
            await click(page.locator("summary", has_text="Menu"))
        await click(inbox)
        await page.wait_for_selector("h1:has-text('Inbox')")
        await click(page.get_by_role("link", name="Ana Lopez"))
        await page.wait_for_selector("ol.thread")
        assert await page.locator(".msg.from-patient .body").first.inner_text() == (
            ASKED
        )
        box = page.locator("#reply-body")
        await page.select_option("#saved-reply", label="Pets (English)")
        assert await box.input_value() == ANSWER  # filled in place by inbox.js
        # Opening the thread read it: the nav's count is gone.
        nav_inbox = page.locator('nav a[href="/inbox"]')
        assert (await nav_inbox.text_content()).strip() == "Inbox"
        assert await sideways_overflow(page) == ""
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(
            path=str(ARTIFACTS / f"inbox-{width}.png"), full_page=True
        )
        await click(page.get_by_role("button", name="Send reply"))
        await page.wait_for_selector("p.notice:has-text('Reply queued')")
        seconds = time.perf_counter() - started

        last = page.locator(".msg").last
        assert "from-clinic" in await last.get_attribute("class")  # on the right
        assert await last.locator(".body").inner_text() == ANSWER
        assert (
            "Not sent: no provider configured"
            in (await last.locator(".status").inner_text())
            or "Waiting to be sent" in await last.locator(".status").inner_text()
        )
        sent = Message.get(Message.kind == "staff")
        assert (sent.body, sent.channel) == (ANSWER, "sms")
        assert click.count == JOURNEY[width]
        assert await sideways_overflow(page) == ""
        assert await axe_violations(page) == []
        print(
            f"answer an inbox message ({width}): {click.count} clicks, {seconds:.2f} s"
        )
