"""The shared inbox: the list beside the selected thread, replies, assignment, done.

Every action is a plain form (POST, then a redirect back to the thread);
templates/console/static/inbox.js only fills a saved reply in place. The
unread count in the nav comes from `unread_in_nav`, one prepared COUNT per
staff page.
"""

from __future__ import annotations

from aiohttp import web

from console import common, forms
from console.auth import ADMIN, STAFF, allow, current_user, is_console_path
from console.auth import now as clock_now
from console.keys import GATEWAY
from console.render import UNREAD, render
from core import audit
from core.errors import DomainError, InvalidInput
from core.messaging import conversations
from core.messaging.texts import LANGUAGE_NAMES, LANGUAGES
from core.staff import saved_replies
from core.staff.patients import MAX_REPLY, reply_in_conversation
from core.views import inbox as inbox_view

# GETs that draw no nav: static files, the live stream, fragments, exports.
NO_NAV = ("/static/", "/events", "/today/board", "/stats.csv", "/login", "/password")
SHOW_NAMES = {"open": "Open", "mine": "Mine", "all": "All recent"}

# What staff are told after a reply, by the message's status.
REPLY_NOTICES = dict(queued="reply_queued", sent="reply_sent")


@web.middleware
async def unread_in_nav(request: web.Request, handler):
    """Put the inbox's unread count on the request, for staff pages' nav."""
    path = request.path
    if (
        request.method == "GET"
        and is_console_path(path)
        and not path.startswith(NO_NAV)
    ):
        user = await current_user(request)
        if user is not None and user.role in STAFF:
            request[UNREAD] = await request.app[GATEWAY].run(inbox_view.unread_count)
    return await handler(request)


def _inbox_url(request: web.Request, conversation_id: int | None = None, **query):
    """/inbox, with the thread selected and a notice; route names, never strings."""
    url = request.app.router["inbox"].url_for()
    if conversation_id is not None:
        query = {"c": str(conversation_id), **query}
    return url.with_query({k: v for k, v in query.items() if v})


def _show(query) -> str:
    show = query.get("show", "open")
    if show not in inbox_view.SHOWS:
        raise forms.bad(f"show must be one of: {', '.join(inbox_view.SHOWS)}.")
    return show


def _replies_for(replies: list[dict], language: str) -> list[dict]:
    """The thread's language first: those are the ones staff will pick."""
    return sorted(replies, key=lambda r: (r["language"] != language, r["title"]))


async def _page(
    request: web.Request,
    conversation_id: int | None,
    *,
    show: str = "open",
    draft: str = "",
    errors: dict | None = None,
    status: int = 200,
) -> web.Response:
    user = await common.user(request)
    policy = await common.policy(request)
    thread = None
    if conversation_id is not None:
        thread = await common.db(request, inbox_view.thread, conversation_id, policy)
        if request.method == "GET":
            # Opening a thread reads it: the count drops on this very page.
            await request.app[GATEWAY].run_write(
                conversations.mark_seen, conversation_id, clock_now(request)
            )
            request[UNREAD] = await request.app[GATEWAY].run(inbox_view.unread_count)
    rows = await common.db(request, inbox_view.conversations, policy, show, user.id)
    replies = await common.db(request, saved_replies.listing)
    context = {
        "rows": rows,
        "show": show,
        "shows": SHOW_NAMES,
        "thread": thread,
        "me": user.id,
        "draft": draft,
        "errors": errors or {},
        "max_reply": MAX_REPLY,
        "replies": _replies_for(replies, thread["language"]) if thread else [],
        "language_names": LANGUAGE_NAMES,
    }
    return render("inbox.html", request, context, status=status)


@allow(*STAFF)
async def inbox(request: web.Request) -> web.StreamResponse:
    """The list, and the thread of ?c=<id> beside it; ?use=<saved reply> drafts it."""
    show = _show(request.query)
    selected = forms.integer(request.query, "c", required=False)
    draft = ""
    use = forms.integer(request.query, "use", required=False)
    if use is not None:
        found = await common.db(request, saved_replies.listing)
        chosen = next((r for r in found if r["id"] == use), None)
        if chosen is None:
            raise web.HTTPNotFound(text="That saved reply does not exist.")
        draft = chosen["body"]
    return await _page(request, selected, show=show, draft=draft)


@allow(*STAFF)
async def inbox_reply(request: web.Request) -> web.StreamResponse:
    """Send a staff reply in this chat, on the patient's own channel."""
    conversation_id = forms.route_id(request)
    form = await request.post()
    body = forms.text(form, "body", required=False, limit=4000)
    try:
        message = await request.app[GATEWAY].run_write(
            reply_in_conversation, conversation_id, body, clock_now(request)
        )
    except InvalidInput as exc:
        if exc.field != "body":
            raise forms.domain_http_error(exc) from None
        errors = {"body": str(exc)}  # shown by the box, with what was typed
        return await _page(
            request, conversation_id, draft=body, errors=errors, status=400
        )
    except DomainError as exc:
        raise forms.domain_http_error(exc) from None
    notice = REPLY_NOTICES.get(message.status, "reply_not_sent")
    raise web.HTTPSeeOther(_inbox_url(request, conversation_id, notice=notice))


async def _assign(request: web.Request, to_me: bool) -> web.StreamResponse:
    user = await common.user(request)
    conversation_id = forms.route_id(request)
    actor = audit.Actor("staff", user.id)
    await common.db(
        request,
        conversations.assign,
        conversation_id,
        user.id if to_me else None,
        actor,
        clock_now(request),
    )
    notice = "assigned" if to_me else "unassigned"
    raise web.HTTPSeeOther(_inbox_url(request, conversation_id, notice=notice))


@allow(*STAFF)
async def inbox_assign(request: web.Request) -> web.StreamResponse:
    """Take the chat: the others see who is answering."""
    return await _assign(request, to_me=True)


@allow(*STAFF)
async def inbox_unassign(request: web.Request) -> web.StreamResponse:
    return await _assign(request, to_me=False)


@allow(*STAFF)
async def inbox_resolve(request: web.Request) -> web.StreamResponse:
    """Done: out of the open list until the bot flags it again."""
    user = await common.user(request)
    actor = audit.Actor("staff", user.id)
    await common.db(
        request,
        conversations.resolve,
        forms.route_id(request),
        actor,
        clock_now(request),
    )
    raise web.HTTPSeeOther(_inbox_url(request, notice="resolved"))


@allow(*STAFF)
async def inbox_unread(request: web.Request) -> web.StreamResponse:
    """Unread again, and back to the list (opening it would read it)."""
    await common.db(request, conversations.mark_unread, forms.route_id(request))
    raise web.HTTPSeeOther(_inbox_url(request, notice="marked_unread"))


# Saved replies: admins keep them; staff pick them in the reply box.
def _reply_fields(form) -> tuple[str, str, str]:
    return (
        forms.text(form, "language", required=False, limit=10),
        forms.text(form, "title", required=False, limit=200),
        forms.text(form, "body", required=False, limit=4000),
    )


async def _replies_page(
    request: web.Request,
    *,
    errors: dict | None = None,
    typed: dict | None = None,
    status: int = 200,
) -> web.Response:
    replies = await common.db(request, saved_replies.listing)
    context = {
        "replies": replies,
        "languages": [(lang, LANGUAGE_NAMES.get(lang, lang)) for lang in LANGUAGES],
        "language_names": LANGUAGE_NAMES,
        "errors": errors or {},
        "typed": typed
        or {"id": None, "language": LANGUAGES[0], "title": "", "body": ""},
        "max_reply": MAX_REPLY,
    }
    return render("inbox_replies.html", request, context, status=status)


@allow(*ADMIN)
async def replies_page(request: web.Request) -> web.StreamResponse:
    """Every saved reply, each editable, and a form for a new one."""
    return await _replies_page(request)


async def _save_reply(request: web.Request, reply_id: int | None):
    form = await request.post()
    language, title, body = _reply_fields(form)
    now = clock_now(request)
    try:
        if reply_id is None:
            await request.app[GATEWAY].run_write(
                saved_replies.create, language, title, body, now
            )
        else:
            await request.app[GATEWAY].run_write(
                saved_replies.update, reply_id, language, title, body, now
            )
    except InvalidInput as exc:
        typed = {"id": reply_id, "language": language, "title": title, "body": body}
        errors = {exc.field or "body": str(exc)}
        return await _replies_page(request, errors=errors, typed=typed, status=400)
    except DomainError as exc:  # it was deleted meanwhile
        raise forms.domain_http_error(exc) from None
    raise common.redirect(request, "saved_replies", "saved_reply_saved")


@allow(*ADMIN)
async def reply_create(request: web.Request) -> web.StreamResponse:
    return await _save_reply(request, None)


@allow(*ADMIN)
async def reply_update(request: web.Request) -> web.StreamResponse:
    return await _save_reply(request, forms.route_id(request))


@allow(*ADMIN)
async def reply_delete(request: web.Request) -> web.StreamResponse:
    await common.db(request, saved_replies.delete, forms.route_id(request))
    raise common.redirect(request, "saved_replies", "saved_reply_deleted")
