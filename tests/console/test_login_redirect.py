"""Where a correct login sends you: only back into the console, never elsewhere.

Each payload is posted as the login form's `next` after the real login page
has carried it; the answer's Location header is what a browser follows.
"""

from __future__ import annotations

import pytest
from yarl import URL

from tests.console.conftest import PASSWORD, csrf_of

OFF_SITE = [
    "//evil.example/phish",
    "/%09/evil.example/phish",  # the audit's: TAB dropped, "//" left
    "/\t/evil.example",
    "/\r\n/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\\/evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "//evil.example@clinic.test/",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "%252F%252Fevil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    " //evil.example",
    "///evil.example",
    "evil.example",
    "/%0d%0aSet-Cookie:x=1",
    "\x00//evil.example",
]
ON_SITE = ["/calendar?day=2026-12-02", "/patients/3", "/inbox", "/"]


async def _login_to(client, target: str):
    page = await client.get("/login", params={"next": target})
    assert page.status == 200
    token = await csrf_of(client)
    return await client.post(
        "/login",
        data={
            "email": "staff@clinic.test",
            "password": PASSWORD,
            "csrf": token,
            "next": target,
        },
        allow_redirects=False,
    )


@pytest.mark.parametrize("target", OFF_SITE)
async def test_off_site_targets_land_on_the_console_home(client, target):
    response = await _login_to(client, target)
    assert response.status == 303
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ON_SITE)
async def test_console_paths_are_kept(client, target):
    response = await _login_to(client, target)
    assert response.status == 303
    location = URL(response.headers["Location"])
    assert not location.host and location.path_qs == target
