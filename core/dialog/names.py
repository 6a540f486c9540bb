"""People's names in what they text: "this is ben", "Jane Roe here", "soy ana".

A name is stored as the patient would write it on a form: each part
capitalised, with the particles and prefixes names really have ("de la
Cruz", "O'Brien", "McDonald").
"""

from __future__ import annotations

import re

from core.dialog.lexicon import NOT_NAMES

MAX_NAME = 60
_PARTICLES = {"de", "del", "la", "las", "los", "da", "das", "do", "dos", "di",
              "van", "von", "der", "den", "le", "du", "y", "bin", "al"}  # fmt: skip
_LETTERS = r"[^\W\d_]"
_WORD = rf"{_LETTERS}(?:(?:{_LETTERS}|['’.-])*{_LETTERS})?"
_INTRO = re.compile(
    r"(?:^|[\s,.!])(?:my\s+name\s+is|my\s+name's|name\s+is|this\s+is|it\s+is|it's"
    r"|its|i\s+am|i'm|im|me\s+llamo|mi\s+nombre\s+es|soy|habla|les\s+habla"
    r"|le\s+escribe)\s+(?P<name>" + _WORD + r"(?:\s+" + _WORD + r"){0,4})",
    re.IGNORECASE,
)
_HERE = re.compile(
    r"^(?:(?:hi|hello|hey|hola|buenas|buenos\s+dias)[\s,!.]+)?(?P<name>"
    + _WORD
    + r"(?:\s+"
    + _WORD
    + r"){0,3})\s+(?:here|aqui|aquí)\b",
    re.IGNORECASE,
)
_QUESTION = re.compile(
    r"\?|^(?:why|what|who|how|where|when|do|does|is|are|can|could|por\s*que|que"
    r"|quien|como|para\s+que|donde)\b",
    re.IGNORECASE,
)


def _cap(word: str) -> str:
    """One part of a name, capitalised as such names are written."""
    low = word.lower()
    if low in _PARTICLES:
        return low
    for prefix in ("o'", "o’", "d'", "d’"):
        if low.startswith(prefix) and len(low) > 2:
            return word[0].upper() + word[1] + word[2:].capitalize()
    if low.startswith("mc") and len(low) > 3:
        return "Mc" + low[2:].capitalize()
    return "-".join(part.capitalize() for part in low.split("-"))


def proper(name: str) -> str:
    """'JANE o'brien' -> "Jane O'Brien"; names typed with care are kept as typed."""
    words = name.split()
    if not words:
        return ""
    careful = not name.islower() and not name.isupper()
    if careful:
        return " ".join(words)
    capped = [_cap(word) for word in words]
    capped[0] = capped[0][0].upper() + capped[0][1:]  # "de la Cruz" alone: "De"
    return " ".join(capped)


def _plausible(words: list[str]) -> list[str]:
    """The leading words that can be a name: stop at the first that cannot."""
    kept = []
    for word in words:
        low = word.lower().strip(".")
        if low in _PARTICLES and kept:
            kept.append(word)
            continue
        if low in NOT_NAMES or not re.fullmatch(_WORD, word):
            break
        kept.append(word)
    while kept and kept[-1].lower() in _PARTICLES:
        kept.pop()
    return kept


def name_in(text: str) -> str | None:
    """A name the patient introduced themselves with, anywhere in the message."""
    for pattern in (_HERE, _INTRO):
        match = pattern.search(text or "")
        if match:
            kept = _plausible(match["name"].split())
            if kept:
                return proper(" ".join(kept))[:MAX_NAME]
    return None


def is_question(text: str) -> bool:
    return bool(_QUESTION.search((text or "").strip()))


def name_answer(text: str) -> str | None:
    """The name in an answer to "what is your name?", or None if it holds none."""
    text = " ".join((text or "").split())
    if not text or is_question(text):
        return None
    introduced = name_in(text)
    if introduced:
        return introduced
    words = text.strip(" .!,").split()
    if not 1 <= len(words) <= 5 or len(text) > MAX_NAME:
        return None
    kept = _plausible(words)
    if len(kept) != len(words):
        return None  # "not now", "i dont want to say": not a name
    return proper(" ".join(kept))
