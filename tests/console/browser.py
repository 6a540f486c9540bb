"""Shared pieces for the Chromium journeys: the browser, a live app, axe-core.

Debian's chromium (`apt-get install -y chromium`) and axe-core from npm
(`npm ci` at the repository root; both done by .ci/run). In CI (CI=true) a
missing piece fails the tests; elsewhere a missing chromium skips them with
that hint. CLINICBOT_SKIP_BROWSER=1 skips them anywhere.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# The widths the console must fit: a laptop, a tablet, a phone.
WIDTHS = {"laptop": (1366, 900), "tablet": (800, 1200), "phone": (390, 844)}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def chromium_or_skip() -> str:
    """The chromium executable, or skip (fail in CI) saying how to get it."""
    if os.environ.get("CLINICBOT_SKIP_BROWSER") == "1":
        pytest.skip("CLINICBOT_SKIP_BROWSER=1")
    path = shutil.which("chromium") or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if path is None:
        hint = "Debian's chromium is not installed: run `apt-get install -y chromium`"
        if in_ci():
            pytest.fail(hint + " (.ci/run installs it)")
        pytest.skip(hint + " to run the browser journeys")
    return path


def axe_or_fail() -> Path:
    """axe-core's built file; its absence is a failure, not a skip."""
    if not AXE.exists():
        pytest.fail(
            f"axe-core is not installed ({AXE} is missing): run `npm ci` in {ROOT}"
        )
    return AXE


@functools.cache
def _axe_source() -> str:
    return axe_or_fail().read_text(encoding="utf-8")


@contextlib.asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Run app on 127.0.0.1 on an ephemeral port; yield its base URL."""
    runner = web.AppRunner(app, shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def chromium(executable: str, width: int = 1366, height: int = 900):
    """A fresh headless Chromium tab; yields the page."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=executable, args=ARGS)
        try:
            context = await browser.new_context(
                viewport={"width": width, "height": height}
            )
            page = await context.new_page()
            page.set_default_timeout(10_000)
            yield page
        finally:
            await browser.close()


async def log_in(page, base: str, email: str, password: str) -> None:
    """Log in through the form and wait for the Today board."""
    await page.goto(base + "/login")
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Log in").click()
    await page.wait_for_selector("h1:has-text('Today')")


async def axe_violations(page, impacts=("serious", "critical")) -> list[str]:
    """axe-core's WCAG 2 A/AA violations of the given impacts, one line each."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated, not added as a <script>: the console's CSP (script-src
        # 'self') rightly blocks inline scripts, and stays on for the test.
        await page.evaluate(_axe_source())
    result = await page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags},
                                      resultTypes: ["violations"]})""",
        AXE_TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(", ".join(n["target"]) for n in v["nodes"][:4])
        + (f" (+{len(v['nodes']) - 4} more)" if len(v["nodes"]) > 4 else "")
        for v in result["violations"]
        if v["impact"] in impacts
    ]


async def sideways_overflow(page) -> str:
    """'' when the page fits its width, else by how much and what sticks out."""
    return await page.evaluate(
        """() => {
        const root = document.documentElement;
        const extra = root.scrollWidth - root.clientWidth;
        if (extra <= 0) return "";
        const out = [...document.body.querySelectorAll("*")]
          .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1)
          .filter(e => !e.parentElement ||
                  e.parentElement.getBoundingClientRect().right <= root.clientWidth + 1)
          .slice(0, 5)
          .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
               (e.className && typeof e.className === "string"
                  ? "." + e.className.trim().split(/\\s+/).join(".") : ""));
        return `${extra} px wider than the screen: ${out.join(", ")}`;
    }"""
    )
