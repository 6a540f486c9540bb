"""What the bot tells patients: Policy.fact's fallbacks and the Settings validation."""

from __future__ import annotations

import json

import pytest

from core.errors import InvalidInput
from core.models import ClinicPolicy
from core.policy import FACT_KEYS, Policy, load_policy
from core.staff.policy_edit import (
    ANSWER_LIMIT,
    CUSTOM_LIMIT,
    EMPTY_ROWS,
    FACT_LABELS,
    QUESTION_LIMIT,
    facts_form,
    update_facts,
)
from tests.factories import make_policy

FACTS = {
    "en": {
        "address": "1 Main St",
        "phone": "+1 555 0100",
        "custom": [{"q": "Insurance?", "a": "Most plans."}],
    },
    "es": {"address": "Calle Mayor 1", "parking": "Detrás del edificio"},
}


def policy(facts=FACTS, **fields) -> Policy:
    return Policy(facts=json.dumps(facts), **fields)


def test_a_fact_in_the_language_asked():
    assert policy().fact("es", "address") == "Calle Mayor 1"
    assert policy().fact("en", "address") == "1 Main St"


def test_a_missing_fact_falls_back_to_the_default_language_then_english():
    assert policy().fact("es", "phone") == "+1 555 0100"  # es -> en (the default)
    spanish_clinic = policy(default_language="es")
    assert spanish_clinic.fact("en", "parking") == "Detrás del edificio"  # en -> es
    assert spanish_clinic.fact("fr", "address") == "Calle Mayor 1"  # fr -> es
    only_english = policy({"en": {"hours": "9-5"}}, default_language="es")
    assert only_english.fact("es", "hours") == "9-5"  # es -> es -> en
    assert policy().fact("es", "bring") == ""
    assert policy().fact("en", "no such key") == ""


def test_a_blank_answer_counts_as_missing():
    assert (
        policy({"es": {"phone": "  "}, "en": {"phone": "555"}}).fact("es", "phone")
        == "555"
    )


def test_custom_facts_fall_back_as_a_whole():
    assert policy().custom_facts("en") == [("Insurance?", "Most plans.")]
    assert policy().custom_facts("es") == [("Insurance?", "Most plans.")]
    own = policy({**FACTS, "es": {"custom": [{"q": "¿Seguro?", "a": "Sí."}]}})
    assert own.custom_facts("es") == [("¿Seguro?", "Sí.")]
    assert policy({}).custom_facts("en") == []


@pytest.mark.parametrize(
    "stored", ["", "not json", "[1, 2]", '{"en": "x"}', '{"en": {"custom": "x"}}']
)
def test_malformed_stored_facts_read_as_none(stored):
    broken = Policy(facts=stored)
    assert broken.fact("en", "address") == "" and broken.custom_facts("en") == []


def test_facts_are_loaded_with_the_policy(database):
    make_policy()
    update_facts(FACTS)
    loaded = load_policy()
    assert loaded.fact("es", "address") == "Calle Mayor 1"
    assert loaded.custom_facts("es") == [("Insurance?", "Most plans.")]
    assert json.loads(ClinicPolicy.get_by_id(1).facts) == FACTS


def test_saving_drops_blanks_and_empty_rows_and_strips(database):
    make_policy()
    update_facts(
        {
            "en": {
                "address": "  1 Main St ",
                "phone": "",
                "custom": [{"q": "", "a": ""}, {"q": " Q? ", "a": " A. "}],
            },
            "es": {"address": "", "custom": [{"q": " ", "a": ""}]},
        }
    )
    stored = json.loads(ClinicPolicy.get_by_id(1).facts)
    assert stored == {
        "en": {"address": "1 Main St", "custom": [{"q": "Q?", "a": "A."}]}
    }


def _many(n: int) -> list[dict]:
    return [{"q": f"Question {i}?", "a": f"Answer {i}."} for i in range(n)]


@pytest.mark.parametrize(
    "facts,message",
    [
        ({"en": {"address": "x" * (ANSWER_LIMIT + 1)}}, "English Address is too long"),
        ({"es": {"bring": "x" * (ANSWER_LIMIT + 1)}}, "Spanish What to bring"),
        (
            {"en": {"custom": [{"q": "q" * (QUESTION_LIMIT + 1), "a": "a"}]}},
            "English question 1 is too long",
        ),
        (
            {"en": {"custom": [{"q": "Q?", "a": "a" * (ANSWER_LIMIT + 1)}]}},
            "answer to English question 1 is too long",
        ),
        ({"es": {"custom": _many(CUSTOM_LIMIT + 1)}}, "At most 20 Spanish questions"),
        ({"en": {"custom": [{"q": "Q?", "a": ""}]}}, "needs both"),
        ({"en": {"custom": [{"q": "", "a": "A."}]}}, "needs both"),
        ({"fr": {"address": "Rue 1"}}, "Language must be one of en, es"),
        ({"en": {"fax": "123"}}, "not a fact"),
        ({"en": {"phone": 555}}, "must be text"),
    ],
)
def test_bad_facts_are_refused_and_nothing_changes(database, facts, message):
    make_policy()
    update_facts(FACTS)
    before = ClinicPolicy.get_by_id(1).facts
    with pytest.raises(InvalidInput, match=message):
        update_facts({**FACTS, **facts})
    assert ClinicPolicy.get_by_id(1).facts == before


def test_the_limits_themselves_are_accepted(database):
    make_policy()
    custom = [{"q": "q" * QUESTION_LIMIT, "a": "a" * ANSWER_LIMIT}] * CUSTOM_LIMIT
    update_facts({"en": {"address": "x" * ANSWER_LIMIT, "custom": custom}})
    assert len(load_policy().custom_facts("en")) == CUSTOM_LIMIT


def test_the_form_shows_each_languages_own_facts_and_room_for_more():
    form = facts_form(policy())
    assert form["es"]["phone"] == ""  # the form shows no fallbacks
    assert (
        form["en"]["custom"]
        == [("Insurance?", "Most plans.")] + [("", "")] * EMPTY_ROWS
    )
    assert set(FACT_LABELS) == set(FACT_KEYS)
