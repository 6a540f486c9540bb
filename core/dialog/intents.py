"""Understanding one message: what the patient wants, and every detail it carries.

read() is deterministic and offline: word lists (lexicon.py), the clinic's
own names (catalog.py), the day and time reader (dateparse.py) and the
time-of-day wishes (wishes.py). The state machine decides what to do with a
Reading; nothing here writes or replies.

Intents are tried in a fixed order, most specific first, so that "cancel
my appointment" is a cancellation although it names "my appointment", and
"need to see someone about my rash" is a booking although it names a rash.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field

from core.dialog import lexicon as L
from core.dialog.catalog import Catalog
from core.dialog.dateparse import normalize as date_words
from core.dialog.dateparse import parse_day_phrase
from core.dialog.names import name_in
from core.dialog.tokens import has, has_any, tokens
from core.dialog.wishes import Wish, read_wish

INTENTS = (
    "book", "my_visits", "cancel", "move", "confirm", "late", "question",
    "smalltalk", "leave", "staff", "opt_out", "language",
)  # fmt: skip
CONTEXTS = ("menu", "reminder", "after_task")  # where a message arrives (Turn.reading)


@dataclass(frozen=True)
class Reading:
    """What one message says, as far as the words tell."""

    words: str
    intent: str | None = None
    doctor_id: int | None = None
    department_id: int | None = None
    visit_type_id: int | None = None
    any_doctor: bool = False  # "no preference", "whoever is free"
    day: dt.date | None = None
    open_ended: bool = False  # the day is where to start looking ("next week")
    at: dt.time | None = None
    wish: Wish = field(default_factory=Wish)
    name: str | None = None  # "Jane Roe here"
    topic: str | None = None  # what a question is about (lexicon.TOPICS, ...)
    minutes: int | None = None  # how late, when running late
    small: str | None = None  # "greeting" or "thanks", for small talk
    lang: str | None = None  # the language asked for, or the one the words are in
    answer: bool | None = None  # a plain yes or no

    @property
    def when(self) -> bool:
        """Whether the message says anything about when."""
        return bool(self.day or self.at or self.wish.limits or self.wish.around)

    @property
    def who(self) -> bool:
        return bool(self.doctor_id or self.department_id or self.visit_type_id)


# Spanish and English words that give a message's language away.
_SPANISH = frozenset(
    """hola buenas buenos cita citas quiero necesito gracias puedo tengo para
    por favor manana lunes martes miercoles jueves viernes sabado domingo el la
    los las de del mi mis con que una un consulta semana dia hora tarde noche
    llamo soy es esta estoy hoy pasado cuando donde como si no voy llego
    puede pueden podria ver cancelar cambiar doctora medico hijo hija""".split()  # noqa: SIM905 - a word list reads better as text
)
_ENGLISH = frozenset(
    """the i you my can need want appointment please with tomorrow is and to
    hi hello hey thanks thank when where what how today next week morning
    afternoon evening see book cancel change late am will be doctor""".split()  # noqa: SIM905 - a word list reads better as text
)
_STRONG_SPANISH = frozenset(
    """hola gracias cita citas quiero necesito buenas buenos favor manana puedo
    tengo llamo soy donde cuando""".split()  # noqa: SIM905
)


def language_of(words: str) -> str | None:
    """'es' or 'en' when the words clearly are one of them; None if unclear."""
    said = words.split()
    spanish = sum(word in _SPANISH for word in said)
    english = sum(word in _ENGLISH for word in said)
    strong = any(word in _STRONG_SPANISH for word in said)
    if spanish > english and (spanish >= 2 or strong):
        return "es"
    if english >= 3 and spanish == 0:  # "hi" alone does not make a patient English
        return "en"
    return None


_MINUTES_RE = re.compile(
    r"\b(\d{1,3})\s*(?:min|m)\b|\b(?:in|en|about|like|unos|como)\s+(\d{1,2})\b"
)
_HOUR_WORDS = {
    "half an hour": 30, "half hour": 30, "media hora": 30, "quarter of an hour": 15,
    "quarter hour": 15, "cuarto de hora": 15, "an hour": 60, "una hora": 60,
    "few min": 5, "couple min": 5, "un rato": 15,
}  # fmt: skip


def _late_minutes(words: str) -> int | None:
    for phrase, minutes in _HOUR_WORDS.items():
        if has(words, phrase):
            return minutes
    match = _MINUTES_RE.search(words)
    if match:
        minutes = int(match[1] or match[2])
        return minutes if 0 < minutes <= 180 else None
    return None


def _only(words: str, phrases) -> bool:
    """The whole message is one of the phrases, give or take please/thanks/emoji."""
    said = [w for w in words.split() if w not in _POLITE]
    return " ".join(said) in phrases or words in phrases


_POLITE = ("please", "thanks", "now", "pls", "gracias", "por favor", "thank you")


def _short(words: str, limit: int = 4) -> bool:
    return len(words.split()) <= limit


_MOVING = re.compile(r"\b(?:push|move|change|switch|make it|pasar|cambiar|mover)")
_MAKE_IT = re.compile(
    r"(?<!cant )(?<!cannot )(?<!wont )(?<!not )\bmake it "
    r"(?:on|for|at|earlier|later|another|a different|\d)"
)
# Book cues that are only nouns: a medical question or a price question may
# name "the appointment" without asking for one.
_WEAK_BOOK = frozenset(
    ("appointment", "visit", "cita", "consulta", "checkup", "check up", "chequeo",
     "revision", "an appointment", "una cita", "turno", "slot", "spot", "space",
     "opening", "any time", "free time", "cita el", "cita con", "cita para",
     "appointment on", "appointment with", "appointment for", "primera vez")
)  # fmt: skip
# Questions about health, by how they are asked.
_MEDICAL_ASKS = (
    "is that normal", "is it normal", "is this normal", "normal to", "es normal",
    "should i take", "should i stop", "should i use", "should i bring him",
    "should i bring her", "should i be worried", "can i take", "can i shower",
    "can i eat", "can i drink", "can i exercise", "supposed to take",
    "how often do i", "how many times a day", "le doy", "puedo tomar",
    "debo tomar", "puedo comer", "puedo ducharme", "cada cuanto", "side effect",
    "biopsy", "surgery", "procedure", "diarrhea", "diarrea", "amoxicillin",
    "antibiotics", "suero", "shot", "gave me", "me dio", "me receto",
)  # fmt: skip
# Questions only a person can answer: money, insurance, who the doctors are.
_OTHER_ASKS = (
    "how much", "cost", "costs", "price", "prices", "fee", "fees", "charge",
    "charged", "pay", "payment", "insurance", "insured", "medicare", "medicaid",
    "cuanto cuesta", "cuanto vale", "precio", "precios", "cobran", "pagar",
    "seguro", "aceptan", "do you take", "do you accept", "wheelchair",
    "silla de ruedas", "accesible", "accessible",
)  # fmt: skip
_FILLER_START = ("no", "ok", "actually", "oh", "hmm", "ah", "um", "well", "sorry",
                 "oops", "uy", "ay", "pues", "bueno", "mm", "hm")  # fmt: skip
_NOT_LATE = ("late afternoon", "late in the day", "late appointment", "late slot")
_SINGLE_OPT_OUT = {"stop", "stopall", "unsubscribe", "baja", "parar", "end", "quit"}
_SINGLE_LANGUAGE = {"espanol", "spanish", "english", "ingles", "castellano"}


_SMALL_TALK = re.compile(
    r"(?:^|(?<= ))(?:"
    + "|".join(
        re.escape(p) for p in sorted({*L.THANKS, *L.GREETINGS}, key=len, reverse=True)
    )
    + r")(?= |$)"
)
_SMALL_FILLER = frozenset(("and", "y", "you", "so", "much", "very"))


def _is_smalltalk(words: str) -> str | None:
    """'greeting' or 'thanks' when the message is only that (and emoji); else None."""
    if not words:
        return None
    rest = _SMALL_TALK.sub(" ", words).split()
    if any(w.isalnum() and w not in _SMALL_FILLER for w in rest):
        return None
    return "greeting" if has_any(words, L.GREETINGS) else "thanks"


_WARM = ("thanks", "thank you", "thank", "gracias", "cheers", "bendiciones",
         "muy amable", "appreciate", "feliz", "happy", "merry")  # fmt: skip
_CANCEL_WORDS = ("cancel", "cancelar", "cancela", "cancelala", "cancelalo",
                 "cancelame", "cancelen", "cancelarla", "cancelarlo", "anular",
                 "anula", "anulen", "anulala")  # fmt: skip
_STRONG_MOVES = ("reschedule", "move", "change", "cambiar", "mover", "reprogramar",
                 "instead", "en vez de", "pasar al", "cambiarla")  # fmt: skip
_REMINDER_NUMBERS = {"1": "confirm", "2": "cancel", "3": "move"}


def _starts(words: str, phrase: str) -> bool:
    return words == phrase or words.startswith(phrase + " ")


def _without_filler(words: str) -> str:
    said = words.split()
    while len(said) > 1 and said[0] in _FILLER_START:
        said = said[1:]
    return " ".join(said)


def _yes_no(words: str) -> bool | None:
    if _only(words, L.NO_WORDS) or words.split()[:1] in (["no"], ["nope"]):
        return False
    if _only(words, L.YES_WORDS) or words.split()[:1] in (["yes"], ["si"], ["ok"]):
        return True
    return None


def _topic(words: str, day: dt.date | None) -> str | None:
    for topic in ("parking", "phone", "bring", "hours", "address"):
        if has_any(words, L.TOPICS[topic]):
            if topic == "hours" and day is not None:
                return "open_day"
            return topic
    return None


def _intent(words: str, reading: dict, context: str) -> tuple[str | None, dict]:
    """The intent and extra fields (topic, small, lang), in priority order."""
    said = words.split()
    if not said:
        return None, {}
    if context == "reminder" and words in _REMINDER_NUMBERS:
        return _REMINDER_NUMBERS[words], {}
    standing, lang = _standing(words)
    if standing is not None:
        return standing, {"lang": lang} if lang else {}
    if has_any(words, L.STAFF):
        return "staff", {}
    question_form = "?" in reading["text"] or said[0] in L.QUESTION_STARTS
    if (
        has_any(words, _OTHER_ASKS)
        and (question_form or len(said) <= 6)
        and not has_any(words, L.TOPICS["bring"])
    ):
        return "question", {"topic": "other"}
    if question_form and has_any(words, L.TOPICS["phone"]):
        return "question", {"topic": "phone"}
    if has_any(words, _LATE_PHRASES) or (
        has(words, "late")
        and not has_any(words, _NOT_LATE)
        and (_short(words) or reading.get("minutes"))
    ):
        return "late", {}
    unfilled = _without_filler(words)
    # "cancel that" just after booking means the visit, not the flow.
    leaves = _LEAVES_AFTER_TASK if context == "after_task" else L.LEAVE
    leave = has_any(unfilled, leaves)
    starts = next((p for p in leaves if _starts(unfilled, p)), None)
    vague = starts in ("nothing", "nada", "back") and not _short(unfilled, 5)
    if (starts or (leave and _short(unfilled, 3))) and not vague:
        return "leave", {}
    cancel = has_any(words, L.CANCEL)
    move = has_any(words, _HARD_MOVES)
    alternative = has_any(words, _SOFT_MOVES) or has_any(
        words, ("any chance", "is there", "do you have", "can i get", "hay algo")
    )
    negated = re.search(r"\b(?:cant|cannot|wont|not|no)\s+make it\b", words)
    if negated:
        alternative = has_any(words, _SOFTER_MOVES)
    soft_move = not negated and has_any(words, _SOFT_MOVES) and reading.get("when")
    if not negated and (
        _MAKE_IT.search(words) or (has(words, "make it") and reading.get("when"))
    ):
        move = "make it"
    explicit = has_any(words, _CANCEL_WORDS)
    if explicit and not has_any(words, _STRONG_MOVES):
        return "cancel", {}  # "won't be able to make it, please cancel it"
    if cancel and reading.get("when") and alternative:
        return "move", {}  # "can't do the morning, any chance of 1pm?"
    if cancel and not move:
        return "cancel", {}
    if move or soft_move or (_short(words, 3) and has(words, "change")):
        return "move", {}
    topic = _topic(words, reading.get("day"))
    confirm = has_any(words, L.CONFIRM)
    if confirm and not (topic and confirm in ("confirm", "confirmar")):
        return "confirm", {}
    strong_book = has_any(words, _STRONG_BOOK)
    medical = has_any(words, L.MEDICAL) or has_any(words, _MEDICAL_ASKS)
    if medical and not strong_book:
        return "question", {"topic": "medical"}
    if topic in ("parking", "phone", "bring", "address") or (
        topic in ("hours", "open_day") and (not strong_book or question_form)
    ):
        return "question", {"topic": topic}
    if has_any(words, L.MY_VISITS):
        return "my_visits", {}
    if context == "reminder":
        answer = _yes_no(words)
        if answer is True:
            return "confirm", {}
        if answer is False or said[0] in ("cant", "cannot") or has(words, "no puedo"):
            return "cancel", {}
    booking = strong_book or has_any(words, L.BOOK)
    if not strong_book and question_form and len(said) >= 3 and not booking:
        booking = None  # "is dr hart a woman?": a question that names a doctor
    elif reading.get("who") and not (question_form and "?" in reading["text"]):
        booking = booking or "who"
    if booking or (reading.get("when") and not _is_smalltalk(words)):
        return "book", {}
    small = _is_smalltalk(words)
    if small or _yes_no(words) is not None:
        return "smalltalk", {"small": small or "thanks"}
    if has_any(words, _WARM):
        return "smalltalk", {"small": "thanks"}
    if len(said) >= 3 and ("?" in reading["text"] or said[0] in L.QUESTION_STARTS):
        return "question", {"topic": "other"}  # "purple?" is no question: a miss
    if medical:
        return "question", {"topic": "medical"}
    return None, {}


# Move cues that only mean a move when a day or time comes with them.
_SOFT_MOVES = (
    "how about", "what about", "can we do", "could we do", "instead", "rather",
    "mejor el", "se puede el", "puede ser el", "podria ser", "en vez de", "make it",
)  # fmt: skip


_OPT_OUT_PHRASES = tuple(p for p in L.OPT_OUT if " " in p)
_LANGUAGE_PHRASES = {
    lang: (
        tuple(p for p in phrases if " " in p),
        tuple(p for p in phrases if p in _SINGLE_LANGUAGE),
    )
    for lang, phrases in L.LANGUAGE.items()
}
_LATE_PHRASES = tuple(p for p in L.LATE if p != "late")
_HARD_MOVES = tuple(p for p in L.MOVE if p not in _SOFT_MOVES)
_SOFTER_MOVES = tuple(p for p in _SOFT_MOVES if p != "make it")
_STRONG_BOOK = tuple(p for p in L.BOOK if p not in _WEAK_BOOK)
_LEAVES_AFTER_TASK = tuple(p for p in L.LEAVE if p != "cancel that")


def standing_request(text: str) -> tuple[str | None, str | None]:
    """("opt_out", None) or ("language", lang) if the text asks for one; else Nones.

    These hold in every state, so step() asks before anything else; unlike
    read() this needs no clinic names, and costs a few microseconds.
    """
    if text.strip().isdigit():  # an option number: the common case, and quick
        return None, None
    return _standing(tokens(text))


def _standing(words: str) -> tuple[str | None, str | None]:
    if not words or words.isdigit():
        return None, None
    if _only(words, _SINGLE_OPT_OUT) or has_any(words, _OPT_OUT_PHRASES):
        return "opt_out", None
    for lang, (multi, single) in _LANGUAGE_PHRASES.items():
        if has_any(words, multi) or (_short(words, 3) and has_any(words, single)):
            return "language", lang
    return None, None


def read(
    text: str,
    catalog: Catalog,
    today: dt.date,
    lang: str = "en",
    date_order: str = "MDY",
    context: str = "menu",
) -> Reading:
    """Everything one message says: its intent and its details."""
    text = (text or "")[:400]
    words = tokens(text)
    name = name_in(text)
    if lang == "es":
        date_order = "DMY"  # "3/12" from a Spanish speaker is 3 December
    when_text = date_words(text)
    if name:  # "its tom nguyen" is not "tomorrow"
        when_text = re.sub(rf"\b{re.escape(date_words(name))}\b", " ", when_text)
    when_text = re.sub(r"\bmake it (\d{1,2})\b", r"make it at \1", when_text)
    if _MOVING.search(words):  # "push my wed appt to 12": 12 is a time
        when_text = re.sub(
            r"\b(to|para|a) (\d{1,2})\b"
            r"(?!\s*(?:min|day|dia|week|semana|hour|hora|:|/))",
            r"\1 at \2",
            when_text,
        )
    wish, rest = read_wish(when_text)
    phrase = parse_day_phrase(rest, today, lang, date_order) if rest.strip() else None
    doctor_ids = catalog.doctors_in(words)
    doctor_id = doctor_ids[0] if len(doctor_ids) == 1 else None
    department_id = catalog.department_in(words)
    if doctor_id and department_id is None:
        department_id = catalog.doctor(doctor_id).department_id
    visit_type_id = catalog.visit_type_in(words)
    part = wish.part or (phrase.part if phrase else None)
    wish = Wish(wish.after, wish.before, part, wish.around)
    at = (phrase.at if phrase else None) or wish.around
    found = {
        "text": text,
        "day": phrase.day if phrase else None,
        "when": bool((phrase and (phrase.day or phrase.at)) or wish.limits or at),
        "who": bool(doctor_ids or department_id or visit_type_id),
        "minutes": _late_minutes(words),
    }
    intent, extra = _intent(words, found, context)
    return Reading(
        words=words,
        intent=intent,
        doctor_id=doctor_id,
        department_id=department_id,
        visit_type_id=visit_type_id,
        any_doctor=bool(has_any(words, L.NO_PREFERENCE)),
        day=found["day"],
        open_ended=bool(phrase and phrase.open_ended),
        at=at,
        wish=wish,
        name=name,
        topic=extra.get("topic"),
        minutes=found["minutes"] if intent == "late" else None,
        small=extra.get("small"),
        lang=extra.get("lang") or language_of(words),
        answer=_yes_no(words),
    )


# Short replies repeat from patient to patient ("1", "yes", "ok", "hi",
# "thanks"): each is read once per catalog and day, then remembered. Sentences
# seldom repeat and are read afresh. Reading is frozen, and the catalog is
# one object per state of its tables (view._catalog_at), so a remembered
# reading is the one read() would give.
SHORT_TEXT = 24
_REMEMBERED = 4096


_read_short = functools.lru_cache(maxsize=_REMEMBERED)(read)


def read_remembered(text: str, *args, **kwargs) -> Reading:
    """read(text, ...), remembered when the text is short."""
    reader = read if len(text) > SHORT_TEXT else _read_short
    return reader(text, *args, **kwargs)
