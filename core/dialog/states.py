"""The conversation's states and the transitions between them.

This table is the source of docs/dialog.mmd (a test checks they agree) and
of the check that every transition step() makes is one it declares. MENU and
a re-prompt (staying put) are open from every state, through the keywords
and the re-prompt rule, and HANDOFF after two replies not understood.

A sentence may also ask for something else altogether ("actually, cancel my
friday visit" while choosing a time): the understanding step then starts
that flow wherever the patient is. ROUTED lists the states such a jump can
land in; they are open from every state but ASK_NAME, as MENU is.
"""

from __future__ import annotations

START = "start"
ASK_NAME = "ask_name"
ASK_CONSENT = "ask_consent"
MENU = "menu"
HANDOFF = "handoff"
PICK_DEPARTMENT = "pick_department"
PICK_DOCTOR = "pick_doctor"
PICK_VISIT_TYPE = "pick_visit_type"
PICK_DAY = "pick_day"
PICK_TIME = "pick_time"
NO_TIMES = "no_times"
CONFIRM_BOOKING = "confirm_booking"
MY_APPOINTMENTS = "my_appointments"
APPOINTMENT_ACTIONS = "appointment_actions"
CANCEL_CHECK = "cancel_check"
REMINDER = "reminder"  # opened by the scheduler: {"appointment_id": N}, or
# {"appointment_ids": [...]} when a patient has several visits reminded
WAITLIST_OFFER = "waitlist_offer"  # opened by the scheduler with {"offer_id": N}

_BOOKING_ENTRY = (PICK_DEPARTMENT, PICK_DOCTOR, PICK_VISIT_TYPE, PICK_DAY)

TRANSITIONS: dict[str, tuple[str, ...]] = {
    START: (ASK_NAME, ASK_CONSENT, MENU),
    ASK_NAME: (ASK_CONSENT,),
    ASK_CONSENT: (MENU,),
    MENU: (*_BOOKING_ENTRY, MY_APPOINTMENTS, HANDOFF),
    HANDOFF: (MENU,),
    PICK_DEPARTMENT: (PICK_DOCTOR, PICK_VISIT_TYPE, PICK_DAY, MENU),
    PICK_DOCTOR: (PICK_VISIT_TYPE, PICK_DAY, MENU),
    PICK_VISIT_TYPE: (PICK_DAY,),
    PICK_DAY: (PICK_TIME, NO_TIMES),
    PICK_TIME: (CONFIRM_BOOKING, PICK_DAY, NO_TIMES),
    NO_TIMES: (PICK_TIME, PICK_DAY, MENU),
    CONFIRM_BOOKING: (MENU, PICK_TIME, NO_TIMES),
    MY_APPOINTMENTS: (APPOINTMENT_ACTIONS, MENU),
    APPOINTMENT_ACTIONS: (MENU, CANCEL_CHECK, PICK_DAY),
    CANCEL_CHECK: (MENU,),
    # Several visits reminded at once: ask which one first.
    REMINDER: (MENU, CANCEL_CHECK, PICK_DAY, MY_APPOINTMENTS),
    # Anything but "yes" is read as if it came from the menu.
    WAITLIST_OFFER: (MENU, *_BOOKING_ENTRY, MY_APPOINTMENTS, HANDOFF),
}
STATES = frozenset(TRANSITIONS)
# Where a sentence can take a patient from anywhere (flows/route.py): the
# first step of booking, of moving or of cancelling a visit, and a person.
ROUTED = frozenset(
    {*_BOOKING_ENTRY, PICK_TIME, NO_TIMES, CONFIRM_BOOKING, MY_APPOINTMENTS,
     APPOINTMENT_ACTIONS, CANCEL_CHECK, HANDOFF}
)  # fmt: skip
# Where a conversation can begin: first contact, or a context the scheduler opens.
ENTRY_STATES = (START, REMINDER, WAITLIST_OFFER)
# Mid-flow states that lapse back to the menu after the idle timeout. Reminder
# and offer contexts do not: their replies may come hours later.
EXPIRING = STATES - {START, MENU, REMINDER, WAITLIST_OFFER}
# A job that expires idle conversations ahead of time may store MENU with
# data {EXPIRED_MARK: true}; the next message then says it timed out, rather
# than reading a late "1" (meant as a time) as a menu choice.
EXPIRED_MARK = "expired"


def allowed(before: str, after: str) -> bool:
    """Whether step() may move from before to after."""
    if after in TRANSITIONS.get(before, ()) or after in (before, MENU, HANDOFF):
        return True
    return before != ASK_NAME and before in STATES and after in ROUTED


def mermaid() -> str:
    """The state diagram in Mermaid syntax, generated from TRANSITIONS."""
    lines = ["stateDiagram-v2"]
    lines += [f"    [*] --> {state}" for state in ENTRY_STATES]
    for state, targets in TRANSITIONS.items():
        lines += [f"    {state} --> {target}" for target in targets]
    lines.append("    note right of menu : MENU, 0 and the idle timeout lead here")
    lines.append(
        "    note left of pick_time : a sentence can start any flow from any state"
    )
    return "\n".join(lines) + "\n"
