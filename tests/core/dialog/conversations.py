"""Scripted conversations for test_conversations.py: what patients text, and their goal.

Each script:
  name      a short id
  lang      "en" or "es" (the known patient's stored language)
  patient   "known" (Ana Lopez, consented; the default) or "new" (never texted)
  channel   "sms" (default) or "telegram"
  visit     a visit the known patient already has: {"doctor", "day", "time"}
  reminder  True: the scheduler's reminder for that visit was just sent
  at        ISO time the conversation happens, if not NOW
  says      the patient's texts, in order, written without reading the replies
  goal      checked in the database afterwards (see _check in the test)

The demo clinic (core/demo.py) at NOW, Monday 23 Nov 2026 08:00 UTC:
  General Practice: Hart (Mon-Fri 9-12:30, 13:30-17), Ortiz (Mon-Fri 8-14),
    Natarajan (Mon, Wed, Fri 12-19), Liu (Wed-Sat 9-13)
  Paediatrics: Velasco (Mon-Fri 9-12:30, 13:30-17), Berg (Tue, Thu 9-13)
  Dermatology: Moreno (Mon-Thu 10-13, 14-18), Okafor (Mon-Wed 9-15)
"""

from __future__ import annotations

import datetime as dt

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)

CONVERSATIONS = [
    # One sentence with everything in it, from someone the clinic has never seen.
    {
        "name": "new_patient_one_sentence_en",
        "patient": "new",
        "says": [
            "hello, Jane Roe here, could I get a checkup with Dr Liu on wednesday"
            " around 9?",
            "yes",
            "yes please",
        ],
        "goal": {
            "booked": {"doctor": "Liu", "day": "2026-11-25", "time": "09:00"},
            "name": "Jane Roe",
        },
    },
    {
        "name": "known_patient_after_work_en",
        # Hart stops at 17:00: nothing fits, so the nearest times are offered.
        "says": ["can i come in tmrw after work w dr hart??", "the last one", "yep"],
        "goal": {"booked": {"doctor": "Hart", "day": "2026-11-24", "after": "16:00"}},
    },
    {
        "name": "okafor_thursday_at_11_es",
        "lang": "es",
        "says": ["hola, el dr okafor me puede ver el miercoles a las 11?", "sí"],
        "goal": {"booked": {"doctor": "Okafor", "day": "2026-11-25", "time": "11:00"}},
    },
    {
        "name": "plain_request_in_spanish",
        "lang": "es",
        "says": [
            "necesito una consulta el lunes",
            "medicina general",
            "me da igual",
            "la primera",
            "si",
        ],
        "goal": {"booked": {"day": "2026-11-30"}},
    },
    {
        "name": "reminder_can_t_come_sick",
        "visit": {"doctor": "Hart", "day": "2026-11-24", "time": "10:00"},
        "reminder": True,
        "says": ["cant come, sick 🤒", "yes"],
        "goal": {"cancelled": True},
    },
    {
        "name": "reminder_could_we_make_it_wednesday",
        "visit": {"doctor": "Hart", "day": "2026-11-24", "time": "10:00"},
        "reminder": True,
        "says": ["could we make it wednesday instead", "the 11:00 one", "yes"],
        "goal": {"moved": {"day": "2026-11-25", "time": "11:00"}},
    },
    {
        "name": "reminder_vale_gracias",
        "lang": "es",
        "visit": {"doctor": "Velasco", "day": "2026-11-24", "time": "10:00"},
        "reminder": True,
        "says": ["vale, gracias"],
        "goal": {"confirmed": True},
    },
    {
        "name": "running_late_today",
        "visit": {"doctor": "Ortiz", "day": "2026-11-23", "time": "10:00"},
        "at": "2026-11-23T09:50:00+00:00",
        "says": ["running 10 min late sorry!!"],
        "goal": {"late": True, "not_flagged": True},
    },
    {
        "name": "where_are_you_and_parking",
        "says": ["where r u guys located", "is there parking"],
        "goal": {"answered": "Oak Street", "not_flagged": True},
    },
    {
        "name": "open_saturday",
        "says": ["is the clinic open saturday"],
        "goal": {"answered": "09:00", "not_flagged": True},
    },
    {
        "name": "medical_question_goes_to_staff",
        "says": ["is it normal to have a rash after the flu shot?"],
        "goal": {"flagged": "rash after the flu shot"},
    },
    {
        "name": "thanks_after_booking_is_not_a_miss",
        "says": ["book me w dr ortiz tomorrow at 9", "yes", "thanks!", "🙏"],
        "goal": {
            "booked": {"doctor": "Ortiz", "day": "2026-11-24", "time": "09:00"},
            "not_flagged": True,
        },
    },
    {
        "name": "cancel_word_on_telegram",
        "channel": "telegram",
        "visit": {"doctor": "Moreno", "day": "2026-11-26", "time": "11:00"},
        "says": ["my appointments", "the thursday one", "cancel", "yes"],
        "goal": {"cancelled": True},
    },
    {
        "name": "never_mind_mid_booking",
        "says": ["i want to book", "dermatology", "forget it"],
        "goal": {"not_flagged": True},
    },
    {
        "name": "this_is_ben",
        "patient": "new",
        "says": ["hi", "this is ben", "yes"],
        "goal": {"name": "Ben"},
    },
    {
        "name": "why_my_name",
        "patient": "new",
        "says": [
            "hola",
            "para qué necesitan mi nombre?",
            "me llamo maría de la cruz",
            "sí",
        ],
        "goal": {"name": "María de la Cruz", "language": "es"},
    },
]

from tests.core.dialog.conversations_more import MORE  # noqa: E402

CONVERSATIONS += MORE
