"""Twilio webhooks: inbound SMS and WhatsApp (answered with TwiML), status callbacks.

WhatsApp messages arrive on the SMS webhook with From "whatsapp:+E164". A
tap on a quick-reply button carries the button's id as ButtonPayload: the
templates' button ids are the dialog's choice values ("1", "2", ...).
Twilio applies STOP/START itself on SMS only; on WhatsApp the dialog
records them.

Every request is authenticated with twilio's RequestValidator before
anything is read into the database: a missing or wrong X-Twilio-Signature
gets 403 and changes nothing.
"""

from __future__ import annotations

import functools
import logging

from aiohttp import web
from multidict import MultiDictProxy
from twilio.request_validator import (
    RequestValidator,
    compare,
    get_signature_algorithm,
)
from twilio.twiml.messaging_response import MessagingResponse

from bot import metrics
from bot.conversation import answer_in_time, converse
from bot.keys import CLOCK, GATEWAY, SETTINGS
from bot.providers import configured_channels
from bot.render import text_for
from bot.texts import channel_text, patient_language
from core.errors import InvalidInput
from core.messaging.channels import answer_outside_dialog
from core.messaging.delivery import record_delivery
from core.messaging.inbound import Inbound, Reply
from core.messaging.phones import normalize_phone
from core.storage.db import DATABASE_ERRORS

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Twilio-Signature"
SETTINGS_HEADER = "X-Twilio-Webhooks-Signature-Settings"
FORM_TYPE = "application/x-www-form-urlencoded"
MAX_TEXT = 1600  # Twilio's own limit for one (concatenated) message
# Twilio waits 15 s for the webhook's answer; a reply not ready well before
# that goes by REST instead, so it is neither lost nor recorded as sent.
TWIML_DEADLINE = 10.0

# The carrier keywords, as Twilio's Advanced Opt-Out applies them: the whole
# message, any case, surrounding whitespace ignored.
CARRIER_KEYWORDS = {
    **dict.fromkeys(
        ("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"), "opt_out"
    ),
    **dict.fromkeys(("START", "YES", "UNSTOP"), "opt_in"),
    **dict.fromkeys(("HELP", "INFO"), "help"),
}


def carrier_keyword(text: str) -> str | None:
    """opt_out, opt_in or help when the whole message is such a keyword."""
    return CARRIER_KEYWORDS.get(text.strip().upper())


def signed_url(request: web.Request, public_url: str) -> str:
    """The URL Twilio signed: the configured public URL plus path and query string.

    Behind a TLS-terminating proxy the app sees http://internal-host; Twilio
    signed https://public-host. CLINICBOT_PUBLIC_URL removes the guess; without
    it the proxy's X-Forwarded-Proto/Host are used (trusting them is safe
    here: they only choose the URL to check, the token still has to match).
    """
    if public_url:
        return public_url + request.raw_path
    proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0]
    host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0]
    return f"{proto.strip()}://{host.strip()}{request.raw_path}"


async def verified_form(request: web.Request) -> MultiDictProxy:
    """The posted form, once its Twilio signature checks out (else 400/403)."""
    settings = request.app[SETTINGS]
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not settings.twilio_auth_token:
        log.warning("Twilio webhook refused: TWILIO_AUTH_TOKEN is not set")
        raise web.HTTPForbidden(text="Twilio is not configured.")
    if not signature:
        raise web.HTTPForbidden(text="Missing X-Twilio-Signature.")
    if request.content_type != FORM_TYPE:
        raise web.HTTPBadRequest(text=f"Expected {FORM_TYPE}.")
    try:
        form = await request.post()
    except (ValueError, UnicodeDecodeError):
        raise web.HTTPBadRequest(text="Malformed form body.") from None
    validator = RequestValidator(settings.twilio_auth_token)
    algorithm = get_signature_algorithm(request.headers.get(SETTINGS_HEADER, ""))
    url = signed_url(request, settings.public_url)
    if not _signed_by_twilio(validator, url, form, signature, algorithm):
        log.warning("Twilio webhook refused: bad signature for %s", url)
        raise web.HTTPForbidden(text="Invalid X-Twilio-Signature.")
    return form


def _signed_by_twilio(
    validator: RequestValidator,
    url: str,
    form: MultiDictProxy,
    signature: str,
    algorithm: str,
) -> bool:
    """RequestValidator.validate, trying its usual match alone first.

    validate hashes the form twice, over the URL with and without its port,
    because Twilio signs either. The URL exactly as configured is the one
    that matches nearly always, so it is tried alone; anything else gets
    validate's full check, and its verdict.
    """
    try:
        exact = validator.compute_signature(url, form, algorithm)
    except ValueError:  # an algorithm twilio does not know: validate refuses
        exact = ""
    return compare(exact, signature) or validator.validate(
        url, form, signature, algorithm
    )


def twiml(replies: list[Reply], channel: str = "sms") -> web.Response:
    document = _twiml_document(tuple((r.text, r.choices) for r in replies), channel)
    return web.Response(text=document, content_type="application/xml")


@functools.lru_cache(maxsize=2048)
def _twiml_document(replies: tuple[tuple[str, tuple], ...], channel: str) -> str:
    """The MessagingResponse for these replies, built once per distinct answer.

    Most turns answer with one of a few hundred texts (the menu, help, a
    doctor list); building and serialising the XML tree was ~7% of a
    webhook request.
    """
    response = MessagingResponse()
    for text, choices in replies:
        response.message(text_for(channel, text, choices))
    return str(response)


def _required(form: MultiDictProxy, *names: str) -> list[str]:
    values = [str(form.get(name, "")).strip() for name in names]
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise web.HTTPBadRequest(text=f"Missing form field(s): {', '.join(missing)}.")
    return values


def _media_count(form: MultiDictProxy) -> int:
    try:
        return int(form.get("NumMedia", "0") or 0)
    except ValueError:
        return 0


async def inbound_sms(request: web.Request) -> web.Response:
    """Run one inbound SMS through the dialog and answer it with TwiML.

    Answered within TWIML_DEADLINE, or by REST once the database can take it.
    """
    form = await verified_form(request)
    sid, sender = _required(form, "MessageSid", "From")
    channel, address = _sender(sender)
    # A quick-reply tap: its id is the choice's value; its title is only shown.
    text = str(form.get("ButtonPayload") or form.get("Body", ""))
    app = request.app
    if not text.strip() or len(text) > MAX_TEXT:
        replies = await _answer_outside_dialog(app, form, channel, address, sid, text)
        return twiml(replies, channel)
    inbound = Inbound(
        channel=channel,
        address=address,
        text=text,
        provider_id=sid,
        # Only SMS carriers (and Twilio) act on STOP themselves.
        keyword=carrier_keyword(text) if channel == "sms" else None,
    )
    replies = await converse(app, inbound, deliver="inline", deadline=TWIML_DEADLINE)
    return twiml(replies, channel)


def _sender(raw: str) -> tuple[str, str]:
    """(channel, address) of a Twilio From: sms and +E164, or whatsapp:+E164."""
    channel, number = ("whatsapp", raw[9:]) if raw.startswith("whatsapp:") else (
        "sms", raw
    )  # fmt: skip
    try:
        phone = normalize_phone(number)
    except InvalidInput:
        raise web.HTTPBadRequest(text="From is not a phone number.") from None
    return channel, (f"whatsapp:{phone}" if channel == "whatsapp" else phone)


async def _answer_outside_dialog(
    app: web.Application,
    form: MultiDictProxy,
    channel: str,
    address: str,
    sid: str,
    text: str,
) -> list[Reply]:
    """A media-only, empty or over-long message: stored once, answered once."""
    metrics.INBOUND.labels(channel).inc()
    if len(text) > MAX_TEXT:
        name, note = "too_long", "[too long]"
    elif _media_count(form):
        name, note = "media_only", f"[{_media_count(form)} media]"
    else:
        name, note = "empty", "[empty]"
    answer = channel_text(await patient_language(app, channel, address), name)

    def record(deliver: str) -> list[Reply]:
        return answer_outside_dialog(
            channel, address, sid, note, answer, app[CLOCK](), deliver=deliver
        )

    try:
        return await answer_in_time(app, record, TWIML_DEADLINE, (channel, address))
    except DATABASE_ERRORS:
        metrics.database_error("turn")
        log.exception("no database for %s message %s", channel, sid)
        return [Reply(answer)]


async def status_callback(request: web.Request) -> web.Response:
    """Record Twilio's delivery status (and error code) on the outbound message."""
    form = await verified_form(request)
    sid, status = _required(form, "MessageSid", "MessageStatus")
    error_code = str(form.get("ErrorCode", "")).strip() or None
    raw_id = request.query.get("m", "")
    message_id = int(raw_id) if raw_id.isdigit() and len(raw_id) < 13 else None
    await request.app[GATEWAY].run_write(
        record_delivery,
        sid,
        status.lower(),
        error_code,
        request.app[CLOCK](),
        message_id,
        configured_channels(request.app[SETTINGS]),
    )
    return web.Response(status=204)
