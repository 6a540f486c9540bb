"""Bearer tokens for the API: who is calling, may they, and not too often.

`api_allow(*roles)` wraps every token-gated handler, as `allow` does the
console's: it reads `Authorization: Bearer <token>`, refuses an unknown or
revoked token (401), a role not named (403) and a caller over its rate
(429, with Retry-After). The roles are the console's (admin, staff, doctor)
plus `read`, for software that only looks (no patients, no changes).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable

from aiohttp import web

from console.api.errors import ApiError
from console.auth import Handler, now
from console.keys import GATEWAY, SETTINGS
from core.integrations.tokens import Caller, authenticate

CALLER = web.RequestKey("api_caller", Caller)

EVERY_ROLE = ("admin", "staff", "doctor", "read")
PATIENT_ROLES = ("admin", "staff", "doctor")  # may see patients
STAFF_ROLES = ("admin", "staff")  # may change what the front desk changes
ADMIN_ROLE = ("admin",)

RATE_LIMITER = web.AppKey("api_rate_limiter", object)


class RateLimiter:
    """A token bucket (GCRA) per API token, in this process.

    Per process on purpose: a database round trip per request would cost
    more than most requests. N web processes allow N times the rate.
    """

    def __init__(self, per_second: float, burst: int, clock=time.monotonic) -> None:
        self.interval = 1 / per_second if per_second > 0 else 0.0
        self.tolerance = self.interval * max(burst - 1, 0)
        self.clock = clock
        self._tat: dict[int, float] = {}

    def wait(self, key: int) -> float:
        """0 if the request may go now (and count it), else seconds to wait."""
        if not self.interval:
            return 0.0
        moment = self.clock()
        tat = max(self._tat.get(key, moment), moment)
        if tat - self.tolerance > moment:
            return tat - self.tolerance - moment
        self._tat[key] = tat + self.interval
        return 0.0


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def caller_of(request: web.Request) -> Caller | None:
    """The token's caller (looked up once per request), or None without one."""
    if CALLER in request:
        return request[CALLER]
    token = bearer_token(request)
    if token is None or len(token) > 200:
        return None
    caller = await request.app[GATEWAY].run(authenticate, token, now(request))
    if caller is not None:
        request[CALLER] = caller
    return caller


def _unauthorized(message: str) -> ApiError:
    return ApiError(
        401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="api"'}
    )


async def require_caller(request: web.Request, roles: tuple[str, ...]) -> Caller:
    if bearer_token(request) is None:
        raise _unauthorized("Send an API token: Authorization: Bearer <token>.")
    caller = await caller_of(request)
    if caller is None:
        raise _unauthorized("This API token is unknown or was revoked.")
    wait = limiter(request.app).wait(caller.token_id)
    if wait:
        raise ApiError(
            429,
            "rate_limited",
            "Too many requests with this token; try again shortly.",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    if caller.role not in roles:
        raise ApiError(403, "forbidden", f"A {caller.role} token cannot do this.")
    return caller


def install_limiter(app: web.Application) -> None:
    """Give the app its per-token rate limiter (before it starts: then it is frozen)."""
    settings = app[SETTINGS]
    app[RATE_LIMITER] = RateLimiter(
        settings.api_rate_per_second, settings.api_rate_burst
    )


def limiter(app: web.Application) -> RateLimiter:
    return app[RATE_LIMITER]


def api_allow(*roles: str) -> Callable[[Handler], Handler]:
    """Serve this handler to tokens of these roles only."""
    unknown = set(roles) - set(EVERY_ROLE)
    if unknown or not roles:
        raise ValueError(f"unknown API roles {unknown or roles}")

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def gate(request: web.Request) -> web.StreamResponse:
            await require_caller(request, roles)
            return await handler(request)

        gate.api_roles = roles  # type: ignore[attr-defined]
        return gate

    return decorate


def api_public(handler: Handler) -> Handler:
    """Served without a token (the OpenAPI document, the FHIR manifest)."""
    handler.api_roles = ()  # type: ignore[attr-defined]
    return handler
