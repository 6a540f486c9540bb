"""The README's console screenshots, from the demo clinic in headless Chromium.

    .venv/bin/python docs/screenshots/make.py

Seeds the demo clinic (as `clinicbot serve --demo` does, America/New_York) in a
temporary SQLite file with the clock fixed on a Tuesday morning, serves the
console, logs in as the demo front-desk login and saves viewport PNGs next to
this file: today.png, calendar.png, inbox.png (1366x900) and today-phone.png
(390x844). Needs Debian's chromium (`apt-get install -y chromium`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository, for tests.console

TZ = "America/New_York"
NOW = dt.datetime(2026, 11, 24, 10, 40, tzinfo=ZoneInfo(TZ)).astimezone(dt.UTC)
STAFF = "staff@clinic.example"
LAPTOP, PHONE = (1366, 900), (390, 844)


async def shoot(url: str, password: str) -> None:
    from console.app import create_app
    from core.settings import Settings
    from tests.console.browser import CHROMIUM, chromium, log_in, serving

    settings = Settings(database_url=url, secret_key="screenshots-secret-key-01")
    async with serving(create_app(settings, role="web", clock=lambda: NOW)) as base:
        async with chromium(CHROMIUM, *LAPTOP) as page:
            await log_in(page, base, STAFF, password)
            await page.screenshot(path=str(HERE / "today.png"))
            await page.goto(f"{base}/calendar?date={NOW.astimezone(ZoneInfo(TZ)):%F}")
            await page.screenshot(path=str(HERE / "calendar.png"))
            await page.goto(base + "/inbox")
            await page.locator(".inbox-list a").first.click()
            await page.wait_for_selector("ol.thread")
            await page.screenshot(path=str(HERE / "inbox.png"))
        async with chromium(CHROMIUM, *PHONE) as page:
            await log_in(page, base, STAFF, password)
            await page.screenshot(path=str(HERE / "today-phone.png"))


def main() -> None:
    from core.demo import seed_demo
    from core.storage.db import db, open_database
    from core.storage.migrate import migrate

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/demo.db"
        open_database(url)
        migrate()
        logins = seed_demo(NOW, TZ, rounds=4)
        asyncio.run(shoot(url, logins[STAFF]))
        db.close()
    for name in ("today", "calendar", "inbox", "today-phone"):
        path = HERE / f"{name}.png"
        print(f"{path.relative_to(HERE.parents[1])}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
