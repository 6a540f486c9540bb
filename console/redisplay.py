"""A refused form comes back as its page: the reason beside the field, the typing kept.

Instead of a separate "That request was not understood" page and the Back
button, a POST handler wrapped in `redisplay(page)` answers a 400 by
rendering `page` (the GET view the form lives on) with the problem and what
was typed. Templates show both through the macros in `_form.html`.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from console.auth import Handler

# {"action": the form's path, "field": the bad field or "", "message", "typed"}
FORM_PROBLEM = web.RequestKey("form_problem", dict)
Page = Callable[[web.Request], Awaitable[web.StreamResponse]]
NEVER_KEPT = frozenset({"csrf", "password", "password2", "new_password", "confirm"})


def redisplay(page: Page) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def answer(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except web.HTTPBadRequest as refused:
                form = await request.post()
                request[FORM_PROBLEM] = {
                    "action": request.path,
                    "field": getattr(refused, "field", ""),
                    "message": refused.text or "",
                    "typed": {
                        name: value
                        for name, value in form.items()
                        if isinstance(value, str) and name not in NEVER_KEPT
                    },
                }
                response = await page(request)
                response.set_status(400)
                return response

        return answer

    return decorate
