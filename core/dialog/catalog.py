"""The clinic's doctors, departments and kinds of visit, found by what patients type.

Names come from the database (each turn reads them fresh, so a doctor added
in the console is understood at once); what patients call them comes from
lexicon.py. Typos are forgiven through rapidfuzz, but only where a name is
expected: after "dr", or when the message is little more than the name, so
"my heart hurts" never books Dr. Hart.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from core.clinic.queries import parse_names
from core.dialog.lexicon import SPECIALTIES, TITLES, VISIT_KINDS
from core.dialog.tokens import has, tokens

NAME_TYPO = 80  # rapidfuzz ratio a misspelt surname must reach after a title
BARE_TYPO = 85  # ... and without one, when the message is only the name
LOOSE_TYPO = 90  # ... or anywhere, for a long word ("okafr"; "heart" is 89)
WORD_TYPO = 88  # a misspelt one-word department or visit type ("pediatrcs")
_FILLER = frozenset(
    """with w the a an to see for please pls el la con al a ver por favor
    want i need like would prefer quiero prefiero necesito""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class Named:
    id: int
    name: str  # as staff wrote it
    names: dict  # per-language names: {"es": "Pediatría"}
    department_id: int | None = None  # doctors only
    minutes: int = 0  # visit types only

    def called(self, lang: str) -> str:
        return self.names.get(lang) or self.name


def _surname(name: str) -> str:
    words = [w for w in tokens(name).split() if w not in TITLES]
    return words[-1] if words else ""


def _aliases(entry: Named, groups: tuple[tuple[str, ...], ...]) -> list[str]:
    """The entry's own names, and the lexicon's words for the same thing."""
    own = [tokens(entry.name), *(tokens(n) for n in entry.names.values())]
    own = [name for name in own if name]
    found = list(own)
    for group in groups:
        words = [tokens(word) for word in group]
        if any(
            fuzz.token_set_ratio(name, words[0]) >= 90 or name in words for name in own
        ):
            found += words
    return sorted(set(found), key=len, reverse=True)  # longest phrase wins


class Catalog:
    """Everything a patient may name, with the words that find each."""

    def __init__(
        self,
        doctors: list[Named],
        departments: list[Named],
        visit_types: list[Named],
    ) -> None:
        self.doctors = doctors
        self.departments = departments
        self.visit_types = visit_types
        self._surnames = {d.id: _surname(d.name) for d in doctors}
        self._firsts = {}
        for doctor in doctors:
            words = [w for w in tokens(doctor.name).split() if w not in TITLES]
            if len(words) > 1:
                self._firsts[doctor.id] = words[0]
        self._dept_words = {d.id: _aliases(d, SPECIALTIES) for d in departments}
        self._kind_words = {v.id: _aliases(v, VISIT_KINDS) for v in visit_types}

    # Doctors ---------------------------------------------------------------

    def doctor_in(self, words: str) -> int | None:
        """The one doctor the message names, or None (none, or several)."""
        found = self.doctors_in(words)
        return found[0] if len(found) == 1 else None

    def doctors_in(self, words: str) -> list[int]:
        said = words.split()
        exact = [
            doctor.id
            for doctor in self.doctors
            if self._surnames[doctor.id] and has(words, self._surnames[doctor.id])
        ]
        if exact:
            return exact
        firsts = [i for i, first in self._firsts.items() if first in said]
        if firsts:
            return firsts
        return self._misspelt(said)

    def _misspelt(self, said: list[str]) -> list[int]:
        """A surname typed wrong, where a name is what the words must be."""
        surnames = {i: s for i, s in self._surnames.items() if len(s) >= 3}
        if not surnames:
            return []
        candidates = []
        for at, word in enumerate(said):
            after_title = at > 0 and said[at - 1] in TITLES
            alone = len([w for w in said if w not in _FILLER and w not in TITLES]) == 1
            if len(word) < 3 or not (after_title or alone or len(word) >= 5):
                continue
            cutoff = NAME_TYPO if after_title else BARE_TYPO if alone else LOOSE_TYPO
            match = process.extractOne(
                word, list(surnames.values()), scorer=fuzz.ratio, score_cutoff=cutoff
            )
            if match:
                candidates += [i for i, s in surnames.items() if s == match[0]]
        return sorted(set(candidates))

    def doctor(self, doctor_id: int) -> Named | None:
        return next((d for d in self.doctors if d.id == doctor_id), None)

    # Departments and kinds of visit ------------------------------------------

    def department_in(self, words: str) -> int | None:
        return self._one_of(words, self._dept_words)

    def visit_type_in(self, words: str) -> int | None:
        return self._one_of(words, self._kind_words)

    def _one_of(self, words: str, aliases: dict[int, list[str]]) -> int | None:
        hits = {}
        for entry_id, names in aliases.items():
            found = _alias_pattern(tuple(names)).findall(words)
            if found:
                hits[entry_id] = max(len(alias) for alias in found)
        if not hits:
            hits = _misspelt_word(words, aliases)
        if not hits:
            return None
        best = max(hits.values())
        winners = [i for i, length in hits.items() if length == best]
        return winners[0] if len(winners) == 1 else None


@functools.lru_cache(maxsize=512)
def _alias_pattern(aliases: tuple[str, ...]) -> re.Pattern[str]:
    """Any of the aliases on word boundaries; the longest are tried first."""
    alternatives = "|".join(re.escape(alias) for alias in aliases)
    return re.compile(rf"(?:^|(?<= ))(?:{alternatives})(?= |$)")


def _misspelt_word(words: str, aliases: dict[int, list[str]]) -> dict[int, int]:
    """One-word names typed wrong ("dermatolgy", "pediatrics" for paediatrics)."""
    singles = {
        alias: entry_id
        for entry_id, names in aliases.items()
        for alias in names
        if " " not in alias and len(alias) >= 6
    }
    if not singles:
        return {}
    hits: dict[int, int] = {}
    for word in words.split():
        if len(word) < 6:
            continue
        match = process.extractOne(
            word, list(singles), scorer=fuzz.ratio, score_cutoff=WORD_TYPO
        )
        if match:
            hits[singles[match[0]]] = len(match[0])
    return hits


@functools.lru_cache(maxsize=8)
def catalog_of(doctors: tuple, departments: tuple, visit_types: tuple) -> Catalog:
    """A Catalog for these rows, built once while the rows stay the same.

    Rows: doctors (id, name, department id), departments (id, name, names
    JSON), visit types (id, name, names JSON, minutes). Each turn reads them;
    building the words for them (lexicon synonyms, fuzzy matches) is the
    costly part, and is done again only when staff change a name.
    """
    return Catalog(
        [Named(i, name, {}, department_id=dept) for i, name, dept in doctors],
        [Named(i, name, parse_names(raw)) for i, name, raw in departments],
        [
            Named(i, name, parse_names(raw), minutes=minutes)
            for i, name, raw, minutes in visit_types
        ],
    )
