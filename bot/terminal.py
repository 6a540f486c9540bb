"""`clinicbot chat --phone ...`: talk to the dialog engine as a patient, in a terminal.

Uses the configured database and the same engine as SMS and Telegram, on the
"console" channel, so the patient's visits and language are the real ones.
What staff send the chat from the console inbox is printed as it arrives,
between the patient's lines.
"""

from __future__ import annotations

import queue
import sys
import threading
from typing import TextIO

from core.clock import Clock, system_clock
from core.dialog.service import handle_inbound
from core.errors import InvalidInput
from core.messaging.inbound import Inbound, Reply
from core.messaging.phones import normalize_phone
from core.settings import Settings
from core.views.simulator import console_news

QUIT = ("/quit", "/exit")
POLL_SECONDS = 1.0  # how soon a staff reply shows while the patient is idle
CLINIC = "[clinic] "  # marks a message the bot did not send as a reply


def format_reply(reply: Reply) -> str:
    """A reply as an SMS shows it: the text, then one numbered line per choice."""
    lines = [reply.text]
    lines += [f"{value} {label}" for label, value in reply.choices]
    return "\n".join(lines)


def run_chat(
    settings: Settings,
    phone: str,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    clock: Clock = system_clock,
) -> int:
    """Read the patient's lines from stdin and print the bot's replies; 0 at EOF."""
    stdin, stdout = stdin or sys.stdin, stdout or sys.stdout
    try:
        address = normalize_phone(phone)
    except InvalidInput as error:
        print(f"clinicbot: {error} Use E.164, e.g. +15551234567.", file=sys.stderr)
        return 2
    interactive = stdin.isatty()
    if interactive:
        print(
            f"Chatting as {address}. Type a message; /quit or Ctrl-D to leave.",
            file=stdout,
        )
    lines = _lines_of(stdin)
    _, seen = console_news(address, None)
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        while True:
            try:
                line = lines.get(timeout=POLL_SECONDS)
                break
            except queue.Empty:
                seen = _print_news(address, seen, stdout)
        if not line or line.strip() in QUIT:
            return 0
        seen = _print_news(address, seen, stdout)
        replies = handle_inbound(
            Inbound("console", address, line.rstrip("\n")), clock()
        )
        for reply in replies:
            print(format_reply(reply), file=stdout)
            print(file=stdout)
        # The replies just printed are stored too; news is only what came besides.
        seen = _print_news(address, seen, stdout)
        stdout.flush()


def _lines_of(stdin: TextIO) -> queue.Queue:
    """The patient's lines, read in a thread so staff replies can show meanwhile."""
    lines: queue.Queue = queue.Queue()

    def read() -> None:
        while line := stdin.readline():
            lines.put(line)
        lines.put("")  # end of input

    threading.Thread(target=read, daemon=True, name="chat-stdin").start()
    return lines


def _print_news(address: str, seen: int, stdout: TextIO) -> int:
    news, seen = console_news(address, seen)
    for body in news:
        print(CLINIC + body, file=stdout)
        print(file=stdout)
    stdout.flush()
    return seen
