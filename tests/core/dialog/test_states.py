"""The state table: diagram in sync, every state reachable, none a dead end."""

from __future__ import annotations

from pathlib import Path

from core.dialog import states as S
from core.dialog.step import HANDLERS

DIAGRAM = Path(__file__).resolve().parents[3] / "docs" / "dialog.mmd"


def test_diagram_is_generated_from_the_table():
    assert DIAGRAM.read_text(encoding="utf-8") == S.mermaid(), (
        "docs/dialog.mmd is stale: regenerate it with "
        "python -c 'from core.dialog.states import mermaid; print(mermaid(), end=\"\")'"
    )


def test_every_state_is_reachable_from_an_entry():
    seen, todo = set(S.ENTRY_STATES), list(S.ENTRY_STATES)
    while todo:
        for target in S.TRANSITIONS[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    assert seen == S.STATES, f"unreachable: {sorted(S.STATES - seen)}"


def test_every_state_has_a_way_out():
    for state, targets in S.TRANSITIONS.items():
        assert set(targets) - {state}, f"{state} has no way out"


def test_menu_is_reachable_from_every_state():
    """Not only through the MENU keyword: following the table itself."""
    for start in S.STATES:
        seen, todo = {start}, [start]
        while todo:
            for target in S.TRANSITIONS[todo.pop()]:
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        assert S.MENU in seen or start == S.MENU, f"{start} never returns to the menu"


def test_transitions_name_only_known_states():
    for targets in S.TRANSITIONS.values():
        assert set(targets) <= S.STATES


def test_every_state_has_a_handler_and_a_reprompt_template():
    from core.messaging.texts import MESSAGES_DIR

    assert set(HANDLERS) == S.STATES
    for handler in HANDLERS.values():
        for lang in ("en", "es"):
            assert (MESSAGES_DIR / lang / f"reprompt_{handler.accepts}.txt").is_file()
