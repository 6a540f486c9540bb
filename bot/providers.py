"""Provider clients that send one outbound message: Twilio REST and Telegram Bot
(email's SMTP sender is bot.email); senders_for() gives the configured ones.

Both are the real client libraries; TWILIO_API_BASE_URL and
TELEGRAM_API_BASE_URL point them at a compatible server (tests use local
fakes). Every failure becomes a SendError saying whether to retry.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from typing import Protocol

import aiohttp
import telegram
from telegram.error import BadRequest, Forbidden, InvalidToken, RetryAfter
from twilio.base.exceptions import TwilioRestException
from twilio.http import AsyncHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from bot.email import EmailSender
from bot.render import sms_text, telegram_markup, whatsapp_text
from bot.sending import SEND_TIMEOUT, SendError
from bot.telegram_http import AiohttpRequest
from core.messaging.delivery import Outgoing
from core.settings import Settings

log = logging.getLogger(__name__)

# PTB 22 warns on every RetryAfter unless durations are opted in to timedelta
# (the type PTB 23 will use anyway); our code handles both types.
os.environ.setdefault("PTB_TIMEDELTA", "true")

TELEGRAM_POOL = 16  # parallel Bot API calls; Telegram allows ~30 msg/s per bot
# Twilio errors that no retry can fix: opted out, invalid/unreachable numbers.
TWILIO_PERMANENT = {21211, 21214, 21408, 21610, 21612, 21614, 30004, 30005, 30006}


class Sender(Protocol):
    channel: str

    def rate_keys(self, out: Outgoing) -> tuple[str, ...]: ...

    async def send(self, out: Outgoing) -> str: ...

    async def close(self) -> None: ...


class TwilioTransport(AsyncHttpClient):
    """Twilio's async HTTP interface on one pooled aiohttp session.

    twilio's own AsyncTwilioHttpClient passes aiohttp.BasicAuth, which aiohttp
    3.14 deprecates (a warning on every send), and opens its session at
    construction; this one builds the header itself.
    """

    def __init__(self) -> None:
        super().__init__(log, True, SEND_TIMEOUT)
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=100),
            timeout=aiohttp.ClientTimeout(total=SEND_TIMEOUT),
        )

    async def request(
        self,
        method: str,
        uri: str,
        params: dict | None = None,
        data: dict | None = None,
        headers: dict | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        headers = dict(headers or {})
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        async with self.session.request(
            method.upper(),
            uri,
            params=params,
            data=data,
            headers=headers,
            allow_redirects=allow_redirects,
        ) as response:
            return Response(response.status, await response.text(), response.headers)

    async def close(self) -> None:
        await self.session.close()


class TwilioSender:
    """Sends SMS through Twilio's REST client on its aiohttp transport."""

    channel = "sms"

    def __init__(self, settings: Settings) -> None:
        self._http = TwilioTransport()
        self._client = Client(
            settings.twilio_account_sid,
            settings.twilio_auth_token,
            http_client=self._http,
        )
        if settings.twilio_api_base_url:
            self._client.api.base_url = settings.twilio_api_base_url
        self._from = settings.twilio_from_number
        self._service = settings.twilio_messaging_service_sid
        self._callback = (
            f"{settings.public_url}/webhooks/twilio/status"
            if settings.public_url
            else None
        )

    def rate_keys(self, out: Outgoing) -> tuple[str, ...]:
        # Carriers throttle per sending number (or per messaging service).
        return (f"sms:{self._from or self._service}",)

    def message_params(self, out: Outgoing) -> dict:
        return {"body": sms_text(out.body, out.choices)}

    async def send(self, out: Outgoing) -> str:
        """Create the message at Twilio; return its MessageSid."""
        params = {"to": out.address, **self.message_params(out)}
        if self._service:
            params["messaging_service_sid"] = self._service
        else:
            params["from_"] = self._from
        if self._callback:
            # Our id in the URL (Twilio signs it too) lets a callback that
            # beats our own record of the MessageSid still find its row.
            params["status_callback"] = f"{self._callback}?m={out.id}"
        try:
            async with asyncio.timeout(SEND_TIMEOUT):
                message = await self._client.messages.create_async(**params)
        except TwilioRestException as exc:
            raise _twilio_error(exc) from exc
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise SendError(f"network error: {exc!r}") from exc
        return message.sid

    async def close(self) -> None:
        await self._http.close()


class WhatsAppSender(TwilioSender):
    """Sends WhatsApp messages through the same Twilio Messages API.

    Within 24 hours of the patient's last message any text may go; outside
    that window (a reminder, a notice, a waitlist offer) only an approved
    Content template, sent as ContentSid with ContentVariables: {"1": the text}.
    A plain body there would fail at Twilio with error 63016, so with no
    template for the purpose the send fails for good here and the message goes
    to the patient's next channel.
    """

    channel = "whatsapp"

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._from = settings.twilio_whatsapp_from
        self._service = ""  # a messaging service sends SMS; WhatsApp has its number
        self._templates = settings.whatsapp_templates

    def rate_keys(self, out: Outgoing) -> tuple[str, ...]:
        return (f"whatsapp:{self._from}",)

    def message_params(self, out: Outgoing) -> dict:
        if out.window_open or out.kind == "reply":
            return {"body": whatsapp_text(out.body, out.choices)}
        sid = self._templates.get((out.kind, out.lang)) or self._templates.get(
            (out.kind, "en")
        )
        if sid is None:
            raise SendError(
                f"whatsapp: no approved template for {out.kind}.{out.lang}"
                " outside the 24-hour window",
                code="63016",
                permanent=True,
            )
        # Template variables may not hold line breaks (WhatsApp's rule).
        flat = " · ".join(line.strip() for line in out.body.splitlines() if line)
        return {"content_sid": sid, "content_variables": json.dumps({"1": flat})}


def configured_channels(settings: Settings) -> tuple[str, ...]:
    """The channels this service can send on, as configured."""
    found = {
        "sms": settings.sms_configured,
        "whatsapp": settings.whatsapp_configured,
        "telegram": settings.telegram_configured,
        "email": settings.email_configured,
    }
    return tuple(channel for channel, ready in found.items() if ready)


def _twilio_error(exc: TwilioRestException) -> SendError:
    code = str(exc.code) if exc.code else str(exc.status)
    text = f"twilio {exc.status} {exc.code}: {exc.msg}"
    if exc.status == 429 or exc.status >= 500:
        return SendError(text, code=code)
    if exc.status in (401, 403, 404) and exc.code not in TWILIO_PERMANENT:
        # Our credentials or account, not this message: rotated tokens get
        # fixed, and the queued texts must still go then.
        log.error("Twilio refused our credentials or account: %s", text)
        return SendError(text, code=code)
    # Any other 4xx is our request or the number: retrying sends the same.
    return SendError(text, code=code, permanent=True)


def make_bot(settings: Settings) -> telegram.Bot:
    """A Bot on the configured API server, pooled for parallel sends."""
    kwargs = {}
    if settings.telegram_api_base_url:
        kwargs["base_url"] = f"{settings.telegram_api_base_url}/bot"
        kwargs["base_file_url"] = f"{settings.telegram_api_base_url}/file/bot"
    return telegram.Bot(
        settings.telegram_bot_token,
        request=AiohttpRequest(pool_size=TELEGRAM_POOL),
        **kwargs,
    )


class TelegramSender:
    """Sends chat messages through python-telegram-bot's Bot."""

    channel = "telegram"

    def __init__(self, bot: telegram.Bot, *, owns_bot: bool = False) -> None:
        self.bot = bot
        self._owns_bot = owns_bot

    def rate_keys(self, out: Outgoing) -> tuple[str, ...]:
        # Telegram: about 30 msg/s per bot overall and 1 msg/s per chat.
        return ("telegram", f"telegram:{out.address}")

    async def send(self, out: Outgoing) -> str:
        """Send the text (with buttons); return "out:chat:message_id"."""
        try:
            if self._owns_bot:
                # Our own Bot opens its HTTP pool (and checks the token) once.
                await self.bot.initialize()
            message = await self.bot.send_message(
                chat_id=out.address,
                text=out.body or "…",
                reply_markup=telegram_markup(out.choices),
            )
        except RetryAfter as exc:
            wait = exc.retry_after
            seconds = wait.total_seconds() if hasattr(wait, "total_seconds") else wait
            raise SendError(
                f"telegram 429: retry after {seconds}s",
                code="429",
                retry_after=float(seconds),
            ) from exc
        except Forbidden as exc:
            raise SendError(f"telegram 403: {exc}", code="403", permanent=True) from exc
        except InvalidToken as exc:
            # Our token, not this message: keep the texts for a fixed token.
            log.error("Telegram refused the bot token: %s", exc)
            raise SendError(f"telegram: {exc}", code="401") from exc
        except BadRequest as exc:
            raise SendError(f"telegram: {exc}", code="400", permanent=True) from exc
        except telegram.error.TelegramError as exc:
            # NetworkError, TimedOut and 5xx answers: worth another try.
            raise SendError(f"telegram: {exc}") from exc
        return f"out:{message.chat_id}:{message.message_id}"

    async def close(self) -> None:
        if self._owns_bot:
            await self.bot.shutdown()


def senders_for(settings: Settings, bot: telegram.Bot | None = None) -> dict:
    """The configured senders by channel; a channel without credentials is absent."""
    senders: dict[str, Sender] = {}
    if settings.sms_configured:
        senders["sms"] = TwilioSender(settings)
    if settings.whatsapp_configured:
        senders["whatsapp"] = WhatsAppSender(settings)
    if settings.telegram_configured:
        if bot is None:
            senders["telegram"] = TelegramSender(make_bot(settings), owns_bot=True)
        else:
            senders["telegram"] = TelegramSender(bot)
    if settings.email_configured:
        senders["email"] = EmailSender(settings)
    return senders
