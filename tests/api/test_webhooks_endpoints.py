"""Webhook endpoints: who may be called, the secret shown once, signatures.

Registration refuses plain http and private or loopback addresses unless the
install allows them, and bad input saves nothing. verify_signature is the
receiver's side of the documented scheme (docs/webhooks.md).
"""

from __future__ import annotations

import time

import pytest

from core.errors import InvalidInput, NotFound
from core.integrations import endpoints
from core.integrations.deliveries import verify_signature
from core.integrations.signing import header, signature
from core.models import WebhookEndpoint

pytestmark = pytest.mark.postgres

BOOKED = ["appointment.booked"]


@pytest.mark.parametrize(
    "url",
    [
        "http://ehr.example.com/hook",  # plain http
        "https://localhost/hook",
        "https://api.localhost/hook",
        "https://127.0.0.1/hook",
        "https://127.1.2.3:8443/hook",
        "https://10.0.0.5/hook",
        "https://172.16.0.1/hook",
        "https://192.168.1.10/hook",
        "https://100.64.0.1/hook",  # carrier-grade NAT
        "https://169.254.169.254/latest/meta-data",  # cloud metadata
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",  # multicast
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[fc00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "ftp://ehr.example.com/hook",
        "ehr.example.com/hook",
        "https:///hook",
        "https://user:secret@ehr.example.com/hook",
        "https://ehr.example.com:99999/hook",
        "",
    ],
)
def test_a_url_webhooks_may_not_reach_is_refused(url):
    with pytest.raises(InvalidInput) as refused:
        endpoints.check_url(url, allow_private=False)
    assert refused.value.field == "url"
    assert str(refused.value)  # a sentence for the admin


def test_a_refused_url_saves_nothing(database, now):
    with pytest.raises(InvalidInput, match="private network"):
        endpoints.register(
            "https://10.0.0.5/", BOOKED, "", allow_private=False, now=now
        )
    assert WebhookEndpoint.select().count() == 0


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hook", "https://localhost/hook", "http://10.1.2.3/"]
)
def test_the_allow_private_install_accepts_local_receivers(url):
    assert endpoints.check_url(url, allow_private=True) == url


def test_allowed_urls_are_stored_as_given(database, now):
    url = "http://127.0.0.1:8080/hook"
    endpoint_id, _ = endpoints.register(url, BOOKED, "", allow_private=True, now=now)
    assert WebhookEndpoint.get_by_id(endpoint_id).url == url


def test_a_public_https_url_is_registered_with_a_secret_shown_once(database, now):
    endpoint_id, secret = endpoints.register(
        " https://ehr.example.com/clinicbot ",
        ["appointment.cancelled", "appointment.booked", "appointment.booked"],
        "  Practice   system ",
        allow_private=False,
        now=now,
    )
    assert secret.startswith("whsec_") and len(secret) > 40
    [listed] = endpoints.listing(now.tzinfo)
    assert listed["id"] == endpoint_id
    assert listed["url"] == "https://ehr.example.com/clinicbot"
    assert listed["events"] == ["appointment.booked", "appointment.cancelled"]
    assert listed["description"] == "Practice system"
    assert listed["active"] is True
    assert secret not in repr(listed)  # the list never shows it again
    assert endpoints.subscribed("appointment.booked") == [endpoint_id]
    assert endpoints.subscribed("appointment.confirmed") == []
    _, other = endpoints.register(
        "https://ehr.example.com/2", BOOKED, "", allow_private=False, now=now
    )
    assert other != secret


@pytest.mark.parametrize(
    ("events", "message"),
    [([], "at least one"), (["appointment.booked", "appointment.eaten"], "Unknown")],
)
def test_bad_events_are_refused(events, message):
    with pytest.raises(InvalidInput, match=message) as refused:
        endpoints.check_events(events)
    assert refused.value.field == "events"


def test_bad_events_save_nothing(database, now):
    with pytest.raises(InvalidInput):
        endpoints.register("https://ehr.example.com/", [], "", False, now)
    assert WebhookEndpoint.select().count() == 0


def test_a_long_description_is_refused(database, now):
    with pytest.raises(InvalidInput) as refused:
        endpoints.register("https://ehr.example.com/", BOOKED, "x" * 201, False, now)
    assert refused.value.field == "description"
    assert WebhookEndpoint.select().count() == 0


def test_pause_resume_and_delete(database, now):
    endpoint_id, _ = endpoints.register(
        "https://ehr.example.com/", BOOKED, "", False, now
    )
    endpoints.set_active(endpoint_id, False)
    assert endpoints.subscribed("appointment.booked") == []
    endpoints.set_active(endpoint_id, True)
    assert endpoints.subscribed("appointment.booked") == [endpoint_id]
    endpoints.delete(endpoint_id)
    assert endpoints.listing(now.tzinfo) == []
    with pytest.raises(NotFound):
        endpoints.delete(endpoint_id)
    with pytest.raises(NotFound):
        endpoints.set_active(endpoint_id, True)


SECRET = "whsec_test"
BODY = b'{"id":"evt","type":"appointment.booked"}'


def test_a_genuine_signature_verifies():
    t = int(time.time())
    assert verify_signature(SECRET, header(SECRET, t, BODY), BODY)
    # Stripe's layout exactly: t=<unix>,v1=<hex of HMAC-SHA256 over "t.body">
    assert header(SECRET, 1700000000, BODY) == (
        f"t=1700000000,v1={signature(SECRET, 1700000000, BODY)}"
    )


@pytest.mark.parametrize(
    "forge",
    [
        lambda t: header("whsec_other", t, BODY),  # another secret
        lambda t: header(SECRET, t, BODY + b" "),  # another body
        lambda t: header(SECRET, t - 301, BODY),  # too old
        lambda t: header(SECRET, t + 301, BODY),  # from the future
        lambda t: header(SECRET, t, BODY).replace(f"t={t}", f"t={t + 1}"),  # moved t
        lambda t: f"t={t}",  # no v1
        lambda t: header(SECRET, t, BODY).split(",")[1],  # no t
        lambda t: f"t={t},v1=deadbeef",
        lambda t: "",
        lambda t: "garbage",
    ],
)
def test_a_forged_or_old_signature_fails(forge):
    t = int(time.time())
    assert not verify_signature(SECRET, forge(t), BODY)


def test_the_tolerance_and_clock_are_the_receivers():
    signed = header(SECRET, 1000, BODY)
    assert verify_signature(SECRET, signed, BODY, tolerance=300, now=1299)
    assert not verify_signature(SECRET, signed, BODY, tolerance=300, now=1301)
