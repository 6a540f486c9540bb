"""Settings → Integrations: admins make API tokens and calendar feeds, each shown once.

Driven through the console over HTTP, then checked where it matters: the
token works against /api/v1 until revoked, the feed address serves the
doctor's calendar until revoked, and every change left its audit row.
"""

from __future__ import annotations

import re

from core.models import ApiToken, AuditLog, CalendarFeed

PAGE = "/settings/integrations"
TOKEN = re.compile(r"cbt_[A-Za-z0-9_\-]{40,}")
FEED_URL = re.compile(r"https?://[^\s\"<]+/feeds/cal_[A-Za-z0-9_\-]+\.ics")


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _actions() -> list[tuple[str, str]]:
    return [(a.actor, a.action) for a in AuditLog.select().order_by(AuditLog.id)]


async def test_a_token_is_shown_once_works_and_dies_when_revoked(
    client, login_as, clinic
):
    csrf = await login_as("admin")
    admin = clinic["users"]["admin"].id
    created = await client.post(
        f"{PAGE}/tokens", data={"csrf": csrf, "name": "Website", "role": "staff"}
    )
    assert created.status == 200
    assert created.headers["Cache-Control"] == "no-store"
    shown = TOKEN.findall(await created.text())
    assert len(shown) == 1
    token = shown[0]
    row = ApiToken.get()
    assert (row.name, row.role, row.created_by) == ("Website", "staff", admin)
    assert token not in (row.token_hash, row.prefix)

    again = await (await client.get(PAGE)).text()
    assert token not in again and TOKEN.search(again) is None
    assert "Website" in again and row.prefix in again  # listed, by its prefix

    api = await client.get("/api/v1/departments", headers=_bearer(token))
    assert api.status == 200
    assert ApiToken.get_by_id(row.id).last_used_at is not None
    assert "never" not in await (await client.get(PAGE)).text()  # last used shown

    revoked = await client.post(
        f"{PAGE}/tokens/{row.id}/revoke", data={"csrf": csrf}, allow_redirects=False
    )
    assert revoked.status == 303
    assert revoked.headers["Location"] == f"{PAGE}#tokens"
    assert (
        await client.get("/api/v1/departments", headers=_bearer(token))
    ).status == 401
    assert "revoked" in await (await client.get(PAGE)).text()
    assert _actions()[-2:] == [
        (f"staff:{admin}", "api_token.create"),
        (f"staff:{admin}", "api_token.revoke"),
    ]


async def test_a_token_can_do_what_its_role_may(client, login_as, clinic):
    csrf = await login_as("admin")
    page = await client.post(
        f"{PAGE}/tokens", data={"csrf": csrf, "name": "Dashboard", "role": "read"}
    )
    token = TOKEN.search(await page.text()).group(0)
    headers = _bearer(token)
    assert (await client.get("/api/v1/departments", headers=headers)).status == 200
    assert (await client.get("/api/v1/patients", headers=headers)).status == 403


BAD_TOKEN_FORMS = [
    ({"name": "", "role": "staff"}, "fill in name"),
    ({"name": "   ", "role": "staff"}, "fill in name"),
    ({"name": "Website", "role": "superuser"}, "role must be one of"),
    ({"name": "Website"}, "fill in role"),
    ({"name": "x" * 81, "role": "staff"}, "too long"),
]


async def test_bad_token_input_is_a_clear_400_and_creates_nothing(client, login_as):
    # One login for every case: each PostgreSQL setup costs a second.
    csrf = await login_as("admin")
    before = AuditLog.select().count()
    for form, message in BAD_TOKEN_FORMS:
        response = await client.post(f"{PAGE}/tokens", data={"csrf": csrf, **form})
        assert response.status == 400, form
        assert message in (await response.text()).lower(), form
    assert ApiToken.select().count() == 0
    assert AuditLog.select().count() == before


async def test_only_admins_with_the_forms_csrf_make_tokens(client, login_as):
    data = {"name": "Website", "role": "staff"}
    csrf = await login_as("staff")
    refused = await client.post(f"{PAGE}/tokens", data={"csrf": csrf, **data})
    assert refused.status == 403
    assert (await client.get(PAGE)).status == 403
    client.session.cookie_jar.clear()
    await login_as("admin")
    no_csrf = await client.post(f"{PAGE}/tokens", data=data)
    assert no_csrf.status == 403
    forged = await client.post(f"{PAGE}/tokens", data={"csrf": "forged", **data})
    assert forged.status == 403
    assert ApiToken.select().count() == 0


async def test_a_feed_address_is_shown_once_and_can_show_names(
    client, login_as, clinic
):
    csrf = await login_as("admin")
    admin = f"staff:{clinic['users']['admin'].id}"
    doctor = clinic["doctor"]
    created = await client.post(
        f"{PAGE}/feeds", data={"csrf": csrf, "doctor": str(doctor.id)}
    )
    assert created.status == 200
    page = await created.text()
    urls = set(FEED_URL.findall(page))
    assert len(urls) == 1
    url = urls.pop()
    assert url.startswith(str(client.make_url("/feeds/")))  # absolute, this host
    assert "webcal://" in page
    feed = CalendarFeed.get()
    assert (feed.doctor_id, feed.show_names) == (doctor.id, False)
    again = await (await client.get(PAGE)).text()
    assert FEED_URL.search(again) is None and "Dr. Own" in again

    path = url[url.index("/feeds/") :]
    assert (await client.get(path)).status == 200
    names = await client.post(
        f"{PAGE}/feeds/{feed.id}/names",
        data={"csrf": csrf, "show_names": "on"},
        allow_redirects=False,
    )
    assert names.status == 303 and names.headers["Location"] == f"{PAGE}#feeds"
    assert CalendarFeed.get_by_id(feed.id).show_names is True
    await client.post(f"{PAGE}/feeds/{feed.id}/names", data={"csrf": csrf})
    assert CalendarFeed.get_by_id(feed.id).show_names is False

    revoked = await client.post(
        f"{PAGE}/feeds/{feed.id}/revoke", data={"csrf": csrf}, allow_redirects=False
    )
    assert revoked.status == 303
    assert (await client.get(path)).status == 404
    refused = await client.post(
        f"{PAGE}/feeds/{feed.id}/names", data={"csrf": csrf, "show_names": "on"}
    )
    assert refused.status == 400 and "revoked" in await refused.text()
    assert (await client.get(path)).status == 404  # and it stays dead
    assert [action for actor, action in _actions() if actor == admin] == [
        "calendar_feed.create",
        "calendar_feed.show_names",
        "calendar_feed.show_names",
        "calendar_feed.revoke",
    ]


async def test_a_feed_created_with_names_on_says_so(client, login_as, clinic):
    csrf = await login_as("admin")
    form = {"csrf": csrf, "doctor": str(clinic["other"].id), "show_names": "on"}
    assert (await client.post(f"{PAGE}/feeds", data=form)).status == 200
    assert CalendarFeed.get().show_names is True
    assert "Hide names" in await (await client.get(PAGE)).text()


async def test_a_feed_needs_a_real_doctor(client, login_as):
    csrf = await login_as("admin")
    before = AuditLog.select().count()
    for doctor, status in (
        ("", 400),
        ("abc", 400),
        ("99999999999999", 400),
        ("999", 404),
    ):
        form = {"csrf": csrf, "doctor": doctor}
        response = await client.post(f"{PAGE}/feeds", data=form)
        assert response.status == status, doctor
    assert CalendarFeed.select().count() == 0
    assert AuditLog.select().count() == before


async def test_settings_links_to_the_page(client, login_as):
    await login_as("admin")
    assert f'href="{PAGE}"' in await (await client.get("/settings")).text()
