"""`clinicbot chat --phone ...`: talk to the dialog engine as a patient, in a terminal.

Uses the configured database and the same engine as SMS and Telegram, on the
"console" channel, so the patient's visits and language are the real ones.
"""

from __future__ import annotations

import sys
from typing import TextIO

from core.clock import Clock, system_clock
from core.dialog.service import handle_inbound
from core.errors import InvalidInput
from core.messaging.inbound import Inbound, Reply
from core.messaging.phones import normalize_phone
from core.settings import Settings

QUIT = ("/quit", "/exit")


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
    while True:
        if interactive:
            print("> ", end="", file=stdout, flush=True)
        line = stdin.readline()
        if not line or line.strip() in QUIT:
            return 0
        replies = handle_inbound(
            Inbound("console", address, line.rstrip("\n")), clock()
        )
        for reply in replies:
            print(format_reply(reply), file=stdout)
            print(file=stdout)
        stdout.flush()
