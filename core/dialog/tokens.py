"""A message as the words it means: the text every intent and detail reader uses.

"Can't make it tmrw, sorry 🙏" -> "cant make it tomorrow sorry 🙏". Accents go
(patients type "manana" as often as "mañana"), shorthand is spelled out,
emoji stay as words of their own, and digits keep their ":" so "10:30" is
still a time.
"""

from __future__ import annotations

import re
import unicodedata

from core.dialog.lexicon import KNOWN, SHORTHAND

MAX_READ = 400  # nobody asks for anything in more words than this

# "can t" (from "can't") and friends, joined back into one word.
_CONTRACTIONS = re.compile(
    r"\b(can|won|don|doesn|isn|aren|couldn|wouldn|shouldn|didn|haven|wasn)\s+t\b"
    r"|\b(i|it|that|what|there|he|she|let)\s+(m|s|ll|ve|d|re)\b"
)
_EXPANDED = {"m": "am", "ll": "will", "ve": "have", "d": "would", "re": "are"}
_DROPPED = {"Mn", "Me", "Sk", "Cf"}  # accents, skin tones, joiners, selectors


def _contraction(match: re.Match[str]) -> str:
    if match[1]:
        return match[1] + "t"
    subject, tail = match[2], match[3]
    if tail == "s":
        return subject + "s"
    return f"{subject} {_EXPANDED[tail]}"


def tokens(text: str) -> str:
    """The normalised words of a message, separated by single spaces."""
    text = unicodedata.normalize("NFKD", (text or "")[:MAX_READ].casefold())
    out = []
    for ch in text:
        kind = unicodedata.category(ch)
        if kind in _DROPPED:
            continue
        if ch.isalnum():
            out.append(ch)
        elif kind == "So":  # an emoji or symbol: a word on its own
            out.append(f" {ch} ")
        elif ch in ":" and out and out[-1].isdigit():
            out.append(ch)
        else:
            out.append(" ")
    joined = " ".join("".join(out).replace(": ", " ").split())
    joined = _CONTRACTIONS.sub(_contraction, joined)
    return " ".join(SHORTHAND.get(w, w) for w in map(_unstretched, joined.split()))


_STRETCHED = re.compile(r"(\w)\1+$")


def _unstretched(word: str) -> str:
    """ "holaa", "hiii", "yesss" -> the word they stretch, when it is one we know."""
    if word in KNOWN or not _STRETCHED.search(word):
        return word
    short = _STRETCHED.sub(r"\1", word)
    return short if short in KNOWN or short in SHORTHAND else word


def has(words: str, phrase: str) -> bool:
    """Whether the phrase occurs in the words, on word boundaries."""
    if phrase == words:
        return True
    at = words.find(phrase)
    while at >= 0:
        end = at + len(phrase)
        if (at == 0 or words[at - 1] == " ") and (
            end == len(words) or words[end] == " "
        ):
            return True
        at = words.find(phrase, at + 1)
    return False


_PATTERNS: dict[int, tuple[object, re.Pattern[str]]] = {}


def _pattern(phrases) -> re.Pattern[str]:
    """One regex for a whole list, built once per list (lists are constants)."""
    found = _PATTERNS.get(id(phrases))
    if found is None or found[0] is not phrases:
        alternatives = "|".join(
            re.escape(p) for p in sorted(set(phrases), key=len, reverse=True)
        )
        found = (phrases, re.compile(rf"(?:^| )(?:{alternatives})(?= |$)"))
        _PATTERNS[id(phrases)] = found
    return found[1]


def has_any(words: str, phrases) -> str | None:
    """The first of the phrases (in their order) the words contain, or None.

    phrases should be a module-level tuple: its regex is kept by identity, so
    the common case, no phrase at all, costs one regex search.
    """
    if not isinstance(phrases, tuple):
        phrases = tuple(phrases)
    elif not _pattern(phrases).search(words):
        return None
    for phrase in phrases:
        if has(words, phrase):
            return phrase
    return None
