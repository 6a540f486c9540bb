"""The webhook sender: posts due deliveries, signed, and records the answers.

Runs in the scheduler role (console/scheduling.py adds webhooks_ctx). Each
round claims due deliveries through the gateway
(core.integrations.deliveries.due, leased, safe with several schedulers),
posts them in parallel and records each answer: a 2xx is sent; any other
status, a timeout or a connection error is retried with backoff. Redirects
are not followed (a 3xx is a failure): a receiver must not bounce our
signed events elsewhere.

No requests into the clinic's network unless webhooks_allow_private: a URL
was checked when registered, and here every address its host RESOLVES to
is checked too, inside aiohttp's resolver (so the address checked is the
address connected to; a DNS answer that changes after the check cannot
slip through). Such a delivery fails at once with the reason as its
response body.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import ipaddress
import logging
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from aiohttp.resolver import ThreadedResolver

from bot import metrics
from bot.keys import CLOCK, GATEWAY, SETTINGS
from core.clock import Clock, system_clock
from core.integrations.deliveries import Due, due, record
from core.integrations.endpoints import private_address, private_host
from core.integrations.signing import HEADER, header
from core.storage.db import DATABASE_ERRORS
from core.storage.gateway import Gateway

log = logging.getLogger(__name__)

TIMEOUT = 10.0  # seconds for a whole request, as Stripe and GitHub give receivers
BATCH = 50
CONCURRENCY = 16
POLL = 2.0  # seconds between rounds when nothing woke the sender
READ_LIMIT = 2048  # bytes of an answer read; the first 500 characters are kept
USER_AGENT = "ClinicBot-Webhooks/1"

GetAddrInfo = Callable[..., Awaitable[list]]


class PrivateAddressRefused(OSError):
    """The host resolved to an address webhooks may not go to."""


class GuardedResolver(ThreadedResolver):
    """aiohttp's threaded resolver (the loop's getaddrinfo), refusing private answers.

    getaddrinfo: the loop's by default; tests pass one that answers as DNS
    they control would.
    """

    def __init__(self, getaddrinfo: GetAddrInfo | None = None) -> None:
        super().__init__()
        if getaddrinfo is not None:
            self._loop = _LoopWith(self._loop, getaddrinfo)

    async def resolve(self, host: str, port: int = 0, family=socket.AF_INET):
        found = await super().resolve(host, port, family)
        refused = [
            r["host"] for r in found if private_address(ipaddress.ip_address(r["host"]))
        ]
        if refused or not found:
            raise PrivateAddressRefused(
                f"refused: {host} resolves to a private address ({refused[0]})"
                if refused
                else f"refused: {host} resolves to no address"
            )
        return found


class _LoopWith:
    """The event loop with another getaddrinfo (only the resolver sees it)."""

    def __init__(self, loop, getaddrinfo: GetAddrInfo) -> None:
        self._loop, self.getaddrinfo = loop, getaddrinfo

    def __getattr__(self, name):
        return getattr(self._loop, name)


@dataclass(frozen=True)
class Answer:
    """What came of one post."""

    ok: bool
    status: int | None
    body: str
    permanent: bool = False


class WebhookSender:
    """Claims, signs, posts and records webhook deliveries."""

    def __init__(
        self,
        gateway: Gateway,
        *,
        allow_private: bool,
        clock: Clock = system_clock,
        batch: int = BATCH,
        timeout: float = TIMEOUT,
        getaddrinfo: GetAddrInfo | None = None,
    ) -> None:
        self.gateway = gateway
        self.allow_private = allow_private
        self.clock = clock
        self.batch = batch
        self.timeout = timeout
        self._getaddrinfo = getaddrinfo
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(CONCURRENCY)
        self._wake = asyncio.Event()
        self._stopping = False

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            resolver = (
                None if self.allow_private else GuardedResolver(self._getaddrinfo)
            )
            connector = aiohttp.TCPConnector(
                resolver=resolver,
                use_dns_cache=False,  # every send checks what the name is now
                limit=CONCURRENCY,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                headers={"User-Agent": USER_AGENT},
            )
        return self._session

    def wake(self) -> None:
        """Start the next round now: something may be due."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def deliver_due(self, now: dt.datetime | None = None) -> int:
        """Post one batch of due deliveries; return how many were accepted (2xx)."""
        now = self.clock() if now is None else now
        claimed = await self.gateway.run_write(due, now, self.batch)
        if not claimed:
            return 0
        answers = await asyncio.gather(*(self._post(d) for d in claimed))
        for delivery, answer in zip(claimed, answers, strict=True):
            await self.gateway.run_write(
                record,
                delivery.id,
                answer.ok,
                answer.status,
                answer.body,
                self.clock(),
                permanent=answer.permanent,
            )
        return sum(answer.ok for answer in answers)

    async def _post(self, delivery: Due) -> Answer:
        async with self._slots:
            answer = await self._attempt(delivery)
        log.info(
            "webhook delivery %s (%s, attempt %s) to endpoint %s: %s",
            delivery.id,
            delivery.event,
            delivery.attempt,
            delivery.endpoint_id,
            answer.status if answer.status is not None else "no answer",
        )
        return answer

    async def _attempt(self, delivery: Due) -> Answer:
        host = urlsplit(delivery.url).hostname or ""
        if not self.allow_private and private_host(host):
            # An address literal never reaches the resolver.
            return Answer(False, None, f"refused: {host} is a private address", True)
        body = delivery.body.encode()
        # Signed at the wall clock's time, not the app clock's: receivers
        # compare t with their own clocks.
        headers = {
            "Content-Type": "application/json",
            HEADER: header(delivery.secret, int(time.time()), body),
            "ClinicBot-Event": delivery.event,
            "ClinicBot-Delivery": str(delivery.id),
        }
        try:
            async with self._client().post(
                delivery.url, data=body, headers=headers, allow_redirects=False
            ) as response:
                raw = await response.content.read(READ_LIMIT)
                text = raw.decode("utf-8", errors="replace")
                return Answer(200 <= response.status < 300, response.status, text)
        except aiohttp.ClientConnectorError as error:
            if isinstance(error.os_error, PrivateAddressRefused):
                return Answer(False, None, str(error.os_error), True)
            return Answer(False, None, f"connection failed: {error.os_error}")
        except TimeoutError:
            return Answer(False, None, f"no answer within {self.timeout:g} s")
        except aiohttp.ClientError as error:
            return Answer(False, None, f"request failed: {error!r}"[:200])

    async def run_forever(self) -> None:
        """Rounds until stopped; a full batch goes again at once."""
        while not self._stopping:
            try:
                count = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.exception("webhook round failed; retrying shortly")
                if isinstance(error, DATABASE_ERRORS):
                    metrics.database_error("webhooks")
                count = 0
            if count >= self.batch:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL):
                    await self._wake.wait()
            self._wake.clear()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


# The scheduler process's webhook sender, when one runs.
WEBHOOK_SENDER = web.AppKey("webhook_sender", WebhookSender)


async def webhooks_ctx(app: web.Application) -> AsyncIterator[None]:
    """Send webhooks in the background while the scheduler runs."""
    sender = WebhookSender(
        app[GATEWAY],
        allow_private=app[SETTINGS].webhooks_allow_private,
        clock=app[CLOCK],
    )
    app[WEBHOOK_SENDER] = sender
    task = asyncio.create_task(sender.run_forever(), name="webhook-sender")
    yield
    # Posts time out within TIMEOUT: let the round finish so answers are recorded.
    sender.stop()
    try:
        async with asyncio.timeout(TIMEOUT + 5):
            await task
    except TimeoutError:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    await sender.close()
