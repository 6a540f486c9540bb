"""Receptionist journeys in headless Chromium: clicks and wall time per task.

    python -m bench.console_journeys [--repeat 5] [--database URL]

The real console app (demo clinic, SQLite temp file or the given PostgreSQL,
whose schema is wiped) served on 127.0.0.1, driven by Chromium like a person
at a 1366x900 screen, with the selectors of tests/console/*_browser.py:

- book an existing patient: on the day grid, a free time, type part of the
  name, Search, "Book for ...";
- move a visit: on the day grid, the visit, "Reschedule…", a new time;
- answer an inbox message: on Today, Inbox, the flagged chat, type a reply,
  Send reply, Mark done.

Each journey starts on its loaded first page and ends when the page says it is
done ("Booked", "Moved", "Marked resolved"); the database is then checked
(the visit exists, its start changed, the reply is stored outgoing). Every
click counts one; typing into a field counts as a field typed. Baselines from
the same run and browser: loading the login page and the Today board.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from urllib.parse import parse_qs, urlsplit

from bench.common import add_database_option, bench_database
from console.app import create_app
from core.clock import UTC
from core.demo import seed_demo
from core.messaging import conversations, outbox
from core.models import Appointment, Conversation, Message, Patient
from core.settings import Settings
from core.staff.accounts import create_staff
from core.storage.db import db, open_database
from core.storage.migrate import migrate
from tests.console.browser import chromium, chromium_or_skip, log_in, serving

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday; the app's clock
DAY = NOW.date() + dt.timedelta(days=1)  # the Tuesday the grid shows
EMAIL, PASSWORD = "bench@clinic.test", "bench password 1"
REPLY = "Yes, that is fine. See you then!"


class Journey:
    """One page, counting what a person does: clicks and fields typed."""

    def __init__(self, page) -> None:
        self.page, self.clicks, self.typed, self.seconds = page, 0, 0, 0.0

    async def click(self, target) -> None:
        self.clicks += 1
        await (self.page.click(target) if isinstance(target, str) else target.click())

    async def type(self, selector: str, text: str) -> None:
        self.typed += 1
        await self.page.fill(selector, text)


async def book(j: Journey, base: str, patient: Patient) -> None:
    await j.page.goto(f"{base}/calendar?date={DAY}")
    started = time.perf_counter()
    slot = j.page.locator("a.slot").first
    query = parse_qs(urlsplit(await slot.get_attribute("href")).query)
    await j.click(slot)
    await j.type("input[name=q]", patient.name.split()[-1][:4].lower())
    await j.click("button:has-text('Search')")
    await j.click(f'button:has-text("Book for {patient.name}")')
    await j.page.wait_for_selector("p.notice:has-text('Booked')")
    j.seconds = time.perf_counter() - started
    start = dt.datetime.fromisoformat(query["start"][0]).astimezone(UTC)
    start = start.replace(tzinfo=None)  # stored naive UTC
    visit = Appointment.get(
        Appointment.patient == patient.id, Appointment.start == start
    )
    assert visit.doctor_id == int(query["doctor"][0]), (visit.doctor_id, query)


async def move(j: Journey, base: str) -> None:
    await j.page.goto(f"{base}/calendar?date={DAY}")
    started = time.perf_counter()
    visit = j.page.locator("a.visit.s-scheduled").first
    visit_id = int((await visit.get_attribute("href")).rsplit("/", 1)[1])
    before = Appointment.get_by_id(visit_id).start
    await j.click(visit)
    await j.click("a:has-text('Reschedule…')")
    await j.page.wait_for_selector("text=Moving this visit")
    slot = j.page.locator("button.slot").first
    new_start = dt.datetime.fromisoformat(await slot.get_attribute("value"))
    await j.click(slot)
    await j.page.wait_for_selector("p.notice:has-text('Moved')")
    j.seconds = time.perf_counter() - started
    after = Appointment.get_by_id(visit_id).start
    assert after != before and after == new_start.astimezone(UTC).replace(
        tzinfo=None
    ), (before, after, new_start)


async def answer(j: Journey, base: str, patient: Patient) -> None:
    # The chat waiting for a person, as the demo seeds them.
    written = NOW - dt.timedelta(minutes=5)
    outbox.record_inbound(
        "sms", patient.phone, "Can I talk to someone, please?", written,
        provider_id=None, patient_id=patient.id,
    )  # fmt: skip
    conversations.flag_or_start(
        "sms", patient.phone, "patient asked for a person", written,
        patient_id=patient.id, language="en",
    )  # fmt: skip
    await j.page.goto(base + "/")
    started = time.perf_counter()
    await j.click(j.page.locator('nav a[href="/inbox"]'))
    await j.page.wait_for_selector("h1:has-text('Inbox')")
    await j.click(j.page.get_by_role("link", name=patient.name))
    await j.page.wait_for_selector("ol.thread")
    await j.type("#reply-body", REPLY)
    await j.click(j.page.get_by_role("button", name="Send reply"))
    await j.page.wait_for_selector("p.notice:has-text('Reply queued')")
    await j.click(j.page.get_by_role("button", name="Mark done"))
    await j.page.wait_for_selector("p.notice:has-text('Marked resolved')")
    j.seconds = time.perf_counter() - started
    sent = Message.get(Message.patient == patient.id, Message.kind == "staff")
    assert (sent.direction, sent.body) == ("out", REPLY), (sent.direction, sent.body)
    chat = Conversation.get(Conversation.patient == patient.id)
    assert not chat.flagged


async def load(page, url: str, ready: str) -> float:
    started = time.perf_counter()
    await page.goto(url)
    await page.wait_for_selector(ready)
    return time.perf_counter() - started


def line(name: str, samples: list[float], base: float, counts: str = "") -> str:
    median = statistics.median(samples)
    return (
        f"  {name:<30} median {median:5.2f} s  ({min(samples):.2f}–"
        f"{max(samples):.2f})  {median / base:5.1f}x a Today load  {counts}"
    ).rstrip()


async def run(url: str, repeat: int, patients: list[Patient]) -> None:
    settings = Settings(database_url=url, secret_key="bench-secret-key-0123")
    app = create_app(settings, role="web", clock=lambda: NOW)
    async with serving(app) as base, chromium(chromium_or_skip()) as page:
        # Each baseline's first load is a warm-up, as the journeys' first run is.
        login = [
            await load(page, base + "/login", "text=Log in") for _ in range(repeat + 1)
        ]
        await log_in(page, base, EMAIL, PASSWORD)
        today = [
            await load(page, base + "/", "h1:has-text('Today')")
            for _ in range(repeat + 1)
        ]
        results = {}
        journeys = {
            "book an existing patient": lambda j, n: book(j, base, patients[n]),
            "move a visit": lambda j, n: move(j, base),
            "answer an inbox message": lambda j, n: answer(j, base, patients[-1 - n]),
        }
        for name, journey in journeys.items():
            samples = []
            for n in range(repeat + 1):  # the first is a warm-up
                j = Journey(page)
                await journey(j, n)
                samples.append(j.seconds)
            results[name] = (samples[1:], f"{j.clicks} clicks, {j.typed} typed")
        base_s = statistics.median(today[1:])
        print(line("load the login page", login[1:], base_s))
        print(line("load the Today board", today[1:], base_s))
        for name, (samples, counts) in results.items():
            print(line(name, samples, base_s, counts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    add_database_option(parser)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = bench_database(args.database, tmp)
        open_database(url)
        migrate()
        seed_demo(NOW, "UTC", rounds=4)
        create_staff(EMAIL, PASSWORD, "staff", rounds=4)
        # Patients whose name is theirs alone, so "Book for <name>" is one button.
        names: dict[str, list[Patient]] = {}
        for p in Patient.select().where(~Patient.sms_opt_out).order_by(Patient.id):
            names.setdefault(p.name, []).append(p)
        patients = [ps[0] for ps in names.values() if len(ps) == 1]
        assert len(patients) >= 2 * (args.repeat + 1), "too few distinct patients"
        backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        print(
            f"{args.repeat} runs each after a warm-up, {backend}, headless Chromium "
            "1366x900; median (min–max):"
        )
        asyncio.run(run(url, args.repeat, patients))
        db.close()


if __name__ == "__main__":
    main()
