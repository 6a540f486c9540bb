"""Reading what a patient typed: keywords, yes/no, numbered choices, times."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence

MAX_READ = 400  # nobody picks an option in more words than this; the rest is noise

# Whole-message keywords that work in every state (after normalising).
KEYWORDS = {
    "help": "help",
    "ayuda": "help",
    "info": "help",
    "menu": "menu",
    "0": "menu",
    "inicio": "menu",
    "restart": "menu",
    "start over": "menu",
    "stop": "opt_out",
    "stopall": "opt_out",
    "unsubscribe": "opt_out",
    "parar": "opt_out",
    "baja": "opt_out",
    "start": "opt_in",
    "unstop": "opt_in",
    "alta": "opt_in",
    "espanol": "lang_es",
    "spanish": "lang_es",
    "english": "lang_en",
    "ingles": "lang_en",
}
YES = {
    "y", "yes", "yeah", "yep", "yup", "ok", "okay", "k", "sure", "confirm",
    "confirmed", "si", "s", "vale", "claro", "confirmo", "confirmar", "correct",
    "please", "yes please", "si por favor", "de acuerdo", "👍", "✅", "👌",
}  # fmt: skip
NO = {
    "n", "no", "nope", "nah", "no thanks", "no gracias", "not now", "keep",
    "keep it", "👎", "❌",
}  # fmt: skip

_EMOJI_KEEP = {"👍", "✅", "👌", "👎", "❌"}
_NUMBER_RE = re.compile(
    r"^(?:#|number\s+|numero\s+|opcion\s+|option\s+)?(\d{1,2})(?=$|\s)(?!\s*[ap]\.?m\b)"
)
_TIME_RE = re.compile(r"(?<![\d/])(\d{1,2})(?::(\d{2}))?\s*(am|pm|a|p|h)?(?![\d/])")


def normalize(text: str) -> str:
    """Lower-case, accent-free words; a few meaningful emoji kept."""
    text = unicodedata.normalize("NFKD", (text or "")[:MAX_READ].casefold())
    kept = []
    for ch in text:
        if unicodedata.combining(ch):
            continue
        if ch in _EMOJI_KEEP or ch.isalnum() or ch in ":#.":
            kept.append(ch)
        else:
            kept.append(" ")
    words = "".join(kept).split()
    return " ".join(word.strip(".") or word for word in words)


# Telegram bot commands; /start is how every Telegram chat begins, not START.
COMMANDS = {"/start": None, "/help": "help", "/menu": "menu", "/stop": "opt_out"}


def keyword(words: str, text: str = "") -> str | None:
    """The keyword the whole message is, if it is one."""
    command = text.strip().split("@", 1)[0].casefold()  # /start@ClinicBot
    if command in COMMANDS:
        return COMMANDS[command]
    return KEYWORDS.get(words)


def yes_no(words: str) -> bool | None:
    """True for yes, False for no, None if the message is neither."""
    stripped = words.removesuffix(" please").removesuffix(" gracias")
    if words in YES or stripped in YES:
        return True
    if words in NO or stripped in NO:
        return False
    first = words.split(" ", 1)[0] if words else ""
    if first in ("yes", "si", "ok", "okay", "sure", "👍"):
        return True
    if first in ("no", "nope"):
        return False
    return None


GREETINGS = {
    "hi", "hello", "hey", "hiya", "good morning", "good afternoon", "hola",
    "buenas", "buenos dias", "buenas tardes", "start", "/start",
}  # fmt: skip


def is_greeting(words: str) -> bool:
    return words in GREETINGS


def number(words: str) -> int | None:
    """The option number a message starts with ("2", "#2", "2 please")."""
    match = _NUMBER_RE.match(words)
    return int(match.group(1)) if match else None


def said_time(words: str) -> dt.time | None:
    """A clock time named in the message ("the 10:30 one", "3pm"), if any."""
    for match in _TIME_RE.finditer(words):
        hour, minute, meridiem = int(match[1]), int(match[2] or 0), match[3]
        if match[2] is None and meridiem is None:
            continue  # a bare number is an option, not a time
        if meridiem in ("pm", "p") and hour < 12:
            hour += 12
        elif meridiem in ("am", "a") and hour == 12:
            hour = 0
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    return None


ORDINALS = {
    "first": 1, "1st": 1, "primera": 1, "primero": 1, "primer": 1,
    "second": 2, "2nd": 2, "segunda": 2, "segundo": 2,
    "third": 3, "3rd": 3, "tercera": 3, "tercero": 3, "tercer": 3,
    "fourth": 4, "4th": 4, "cuarta": 4, "cuarto": 4,
    "fifth": 5, "5th": 5, "quinta": 5, "quinto": 5,
}  # fmt: skip
_ORDINAL_FILLER = {"the", "one", "option", "la", "el", "opcion", "please", "de",
                   "una", "uno", "pls", "por", "favor"}  # fmt: skip


def ordinal(words: str) -> int | None:
    """ "the second one", "la primera": the option's number, or None."""
    said = [w for w in words.split() if w not in _ORDINAL_FILLER]
    return ORDINALS.get(said[0]) if len(said) == 1 else None


def pick(words: str, labels: Sequence[str]) -> int | None:
    """Index of the option the message chose: by number, ordinal or label words."""
    chosen = number(words) or ordinal(words)
    if chosen is not None:
        return chosen - 1 if 1 <= chosen <= len(labels) else None
    if not words:
        return None
    matches = [
        i
        for i, label in enumerate(labels)
        if words == (norm := normalize(label)) or (len(words) >= 4 and words in norm)
    ]
    return matches[0] if len(matches) == 1 else None


def pick_word(words: str, vocabulary: dict[str, Sequence[str]]) -> str | None:
    """Which option's trigger words the message contains, if exactly one."""
    found = {
        option
        for option, triggers in vocabulary.items()
        if any(re.search(rf"\b{re.escape(t)}\b", words) for t in triggers)
    }
    return found.pop() if len(found) == 1 else None


# An email address inside a message ("my email is Ana.Ruiz@Mail.com thanks").
_EMAIL_IN = re.compile(r"[\w.+'-]{1,64}@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
_EMAIL_WORDS = re.compile(r"\b(e-?mail|mail|correo|invite|calendar|calendario)\b", re.I)


def email_in(text: str) -> tuple[str, bool] | None:
    """(the address, whether they ask to hear by email) if the text has one.

    Giving only the address, or naming email ("email me the reminders",
    "mi correo es ..."), both mean: send confirmations and reminders there.
    """
    found = _EMAIL_IN.search(text or "")
    if found is None:
        return None
    rest = (text[: found.start()] + text[found.end() :]).strip(" .,!:;-")
    return found.group(0).rstrip("."), not rest or bool(_EMAIL_WORDS.search(rest))
