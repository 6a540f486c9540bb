"""More scripted conversations (same format as conversations.py), written blind.

See conversations.py for the format and the demo clinic's doctors and hours.
Dates from NOW (Mon 23 Nov 2026): Tue 24, Wed 25, Thu 26, Fri 27, Sat 28,
Mon 30 Nov, Tue 1 Dec; Thu 3 Dec is a clinic holiday; Berg is on leave from
Thu 26 Nov. Follow-up is offered by Hart, Velasco and Okafor only.
"""

from __future__ import annotations

MORE: list[dict] = [
    # ---- booking in one or two sentences
    {
        "name": "new_patient_new_visit_hart_friday_2pm",
        "patient": "new",
        "says": [
            "hi my name is tom baker, im new and id like a new patient visit with dr"
            " hart on friday at 3pm",
            "yes",
            "yes",
        ],
        "goal": {
            "booked": {
                "doctor": "Hart",
                "day": "2026-11-27",
                "time": "15:00",
                "visit_type": "New patient",
            },
            "name": "Tom Baker",
        },
    },
    {
        "name": "new_patient_primera_visita_moreno_es",
        "patient": "new",
        "says": [
            "hola soy lucia fernandez, quiero una primera visita con la dra moreno el"
            " martes a las 4 de la tarde",
            "si",
            "sí",
        ],
        "goal": {
            "booked": {
                "doctor": "Moreno",
                "day": "2026-11-24",
                "time": "16:00",
                "visit_type": "New patient",
            },
            "name": "Lucia Fernandez",
            "language": "es",
        },
    },
    {
        "name": "can_i_get_an_apointment_family_practice",
        "says": [
            "can i get an apointment",
            "family practice",
            "wednesday morning",
            "the earliest",
            "yes",
        ],
        "goal": {"booked": {"day": "2026-11-25", "before": "12:00"}},
    },
    {
        "name": "see_someone_about_my_knee",
        "says": [
            "need to see someone about my knee",
            "whoever is free thursday",
            "the first one",
            "yes",
        ],
        "goal": {"booked": {"day": "2026-11-26"}},
    },
    {
        "name": "pediatra_viernes_por_la_manana_es",
        "lang": "es",
        "says": [
            "necesito pediatra para mi hija el viernes por la mañana",
            "me da igual",
            "la primera",
            "si",
        ],
        "goal": {
            "booked": {"doctor": "Velasco", "day": "2026-11-27", "before": "12:30"}
        },
    },
    {
        "name": "skin_doctor_tuesday_afternoon",
        "says": [
            "do u have a skin doctor tuesday afternoon",
            "no preference",
            "the earliest",
            "yes",
        ],
        "goal": {"booked": {"day": "2026-11-24", "after": "12:00"}},
    },
    {
        "name": "pediatrics_us_spelling_berg_tomorrow",
        "says": ["pediatrics appt for my son tmrw w dr berg", "the earliest", "yes"],
        "goal": {"booked": {"doctor": "Berg", "day": "2026-11-24"}},
    },
    {
        "name": "surname_typo_natarjan",
        "says": ["can i see dr natarjan friday at 3", "yes"],
        "goal": {
            "booked": {"doctor": "Natarajan", "day": "2026-11-27", "time": "15:00"}
        },
    },
    {
        "name": "dra_moreno_miercoles_1030_es",
        "lang": "es",
        "says": [
            "hola buenas, me gustaria una cita con la dra moreno el miercoles a las"
            " 10:30",
            "sí",
        ],
        "goal": {"booked": {"doctor": "Moreno", "day": "2026-11-25", "time": "10:30"}},
    },
    {
        "name": "doctor_velazco_typo_jueves_es",
        "lang": "es",
        "says": ["cita con el doctor velazco para el jueves a las 3 de la tarde", "si"],
        "goal": {"booked": {"doctor": "Velasco", "day": "2026-11-26", "time": "15:00"}},
    },
    {
        "name": "dermatologia_lunes_que_viene_cualquiera_es",
        "lang": "es",
        "says": [
            "necesito cita para dermatologia el lunes que viene",
            "cualquiera",
            "la primera",
            "sí",
        ],
        "goal": {"booked": {"day": "2026-11-30"}},
    },
    {
        "name": "follow_up_hart_dec_1st_morning",
        "says": [
            "need a follow up w dr hart on dec 1st in the morning",
            "earliest",
            "yes",
        ],
        "goal": {
            "booked": {
                "doctor": "Hart",
                "day": "2026-12-01",
                "before": "12:30",
                "visit_type": "Follow-up",
            }
        },
    },
    {
        "name": "revision_okafor_lunes_30_es",
        "lang": "es",
        "says": ["quisiera una revision con el dr okafor el lunes 30 a las 9", "si"],
        "goal": {
            "booked": {
                "doctor": "Okafor",
                "day": "2026-11-30",
                "time": "09:00",
                "visit_type": "Follow-up",
            }
        },
    },
    # ---- time-of-day wishes
    {
        "name": "evenings_only_gp_wednesday",
        "says": [
            "need a gp appt wednesday, evenings only pls",
            "whoever",
            "the latest one",
            "yes",
        ],
        "goal": {
            "booked": {"doctor": "Natarajan", "day": "2026-11-25", "after": "17:00"}
        },
    },
    {
        "name": "before_work_friday_ortiz",
        "says": ["can i come in before work friday? dr ortiz", "the earliest", "yep"],
        "goal": {"booked": {"doctor": "Ortiz", "day": "2026-11-27", "before": "09:00"}},
    },
    {
        "name": "hart_jueves_por_la_manana_es",
        "lang": "es",
        "says": [
            "hola, una consulta con la dra hart el jueves por la mañana",
            "la primera",
            "si",
        ],
        "goal": {"booked": {"doctor": "Hart", "day": "2026-11-26", "before": "12:30"}},
    },
    {
        "name": "any_time_after_2_okafor_wednesday",
        "says": [
            "any time after 2 on wednesday with dr okafor?",
            "the first one",
            "yes",
        ],
        "goal": {"booked": {"doctor": "Okafor", "day": "2026-11-25", "after": "14:00"}},
    },
    {
        "name": "liu_viernes_antes_de_las_11_es",
        "lang": "es",
        "says": [
            "necesito cita con la doctora liu el viernes antes de las 11",
            "la primera",
            "vale",
        ],
        "goal": {"booked": {"doctor": "Liu", "day": "2026-11-27", "before": "11:00"}},
    },
    {
        "name": "moreno_lunes_30_por_la_tarde_es",
        "lang": "es",
        "says": [
            "quiero ver a la dra moreno el lunes 30 por la tarde",
            "la más temprana",
            "si",
        ],
        "goal": {"booked": {"doctor": "Moreno", "day": "2026-11-30", "after": "14:00"}},
    },
    {
        "name": "natarajan_despues_de_las_5_sin_acentos_es",
        "lang": "es",
        "says": [
            "me pueden dar cita con natarajan el viernes despues de las 5",
            "la primera",
            "si",
        ],
        "goal": {
            "booked": {"doctor": "Natarajan", "day": "2026-11-27", "after": "17:00"}
        },
    },
    # ---- answering a list in words
    {
        "name": "liu_this_week_the_one_on_wednesday",
        "says": ["what does dr liu have this week", "the one on wednesday", "yes"],
        "goal": {"booked": {"doctor": "Liu", "day": "2026-11-25"}},
    },
    {
        "name": "hart_tomorrow_morning_the_11_30",
        "says": [
            "book a consultation with dr hart tomorrow morning",
            "the 11:30",
            "yes",
        ],
        "goal": {
            "booked": {
                "doctor": "Hart",
                "day": "2026-11-24",
                "time": "11:30",
                "visit_type": "Consultation",
            }
        },
    },
    {
        "name": "medicina_general_manana_dr_ortiz_es",
        "lang": "es",
        "says": ["necesito medicina general mañana", "dr ortiz", "la primera", "si"],
        "goal": {"booked": {"doctor": "Ortiz", "day": "2026-11-24"}},
    },
    {
        "name": "velasco_friday_forget_it",
        "says": ["book me with dr velasco friday", "forget it"],
        "goal": {"not_flagged": True},
    },
    {
        "name": "okafor_martes_olvidalo_es",
        "lang": "es",
        "says": ["quiero cita con okafor el martes", "olvidalo, gracias"],
        "goal": {"not_flagged": True},
    },
    # ---- reminder replies in words
    {
        "name": "reminder_will_do",
        "visit": {"doctor": "Hart", "day": "2026-11-24", "time": "10:00"},
        "reminder": True,
        "says": ["will do"],
        "goal": {"confirmed": True},
    },
    {
        "name": "reminder_yep_see_u",
        "visit": {"doctor": "Ortiz", "day": "2026-11-24", "time": "09:00"},
        "reminder": True,
        "says": ["yep see u then 👍"],
        "goal": {"confirmed": True},
    },
    {
        "name": "reminder_ahi_estare_es",
        "lang": "es",
        "visit": {"doctor": "Velasco", "day": "2026-11-24", "time": "10:00"},
        "reminder": True,
        "says": ["ahí estaré, gracias"],
        "goal": {"confirmed": True},
    },
    {
        "name": "reminder_ahi_estare_sin_falta_sin_acentos_es",
        "lang": "es",
        "visit": {"doctor": "Moreno", "day": "2026-11-24", "time": "11:00"},
        "reminder": True,
        "says": ["ahi estare sin falta"],
        "goal": {"confirmed": True},
    },
    {
        "name": "reminder_thumbs_up",
        "visit": {"doctor": "Hart", "day": "2026-11-24", "time": "10:00"},
        "reminder": True,
        "says": ["👍"],
        "goal": {"confirmed": True},
    },
    {
        "name": "reminder_confirmo_es",
        "lang": "es",
        "visit": {"doctor": "Okafor", "day": "2026-11-24", "time": "09:30"},
        "reminder": True,
        "says": ["confirmo 👍"],
        "goal": {"confirmed": True},
    },
    {
        "name": "reminder_no_puedo_estoy_enfermo_es",
        "lang": "es",
        "visit": {"doctor": "Hart", "day": "2026-11-24", "time": "10:00"},
        "reminder": True,
        "says": ["no puedo ir, estoy enfermo", "si"],
        "goal": {"cancelled": True},
    },
    {
        "name": "reminder_no_puedo_ir_cancelala_es",
        "lang": "es",
        "visit": {"doctor": "Ortiz", "day": "2026-11-24", "time": "09:00"},
        "reminder": True,
        "says": ["no puedo ir, cancélala", "sí"],
        "goal": {"cancelled": True},
    },
    {
        "name": "reminder_work_came_up_please_cancel",
        "visit": {"doctor": "Hart", "day": "2026-11-24", "time": "10:00"},
        "reminder": True,
        "says": [
            "Hi, so sorry but something came up at work and I won't be able to "
            "make it tomorrow, please cancel it",
            "yes",
        ],
        "goal": {"cancelled": True},
    },
    {
        "name": "reminder_could_we_do_thursday_instead",
        "visit": {"doctor": "Hart", "day": "2026-11-24", "time": "10:00"},
        "reminder": True,
        "says": ["could we do thursday instead", "the 2pm", "yes"],
        "goal": {"moved": {"day": "2026-11-26", "time": "14:00"}},
    },
    {
        "name": "reminder_pasar_al_viernes_por_la_tarde_es",
        "lang": "es",
        "visit": {"doctor": "Velasco", "day": "2026-11-24", "time": "10:00"},
        "reminder": True,
        "says": ["se puede pasar al viernes por la tarde?", "la primera", "si"],
        "goal": {"moved": {"day": "2026-11-27"}},
    },
    # ---- cancelling or moving from the menu
    {
        "name": "cancel_my_appt_on_thursday",
        "visit": {"doctor": "Moreno", "day": "2026-11-26", "time": "11:00"},
        "says": ["cancel my appt on thursday", "yes"],
        "goal": {"cancelled": True},
    },
    {
        "name": "move_to_friday_afternoon",
        "visit": {"doctor": "Hart", "day": "2026-11-24", "time": "10:00"},
        "says": [
            "i need to move my appointment to friday afternoon",
            "the earliest",
            "yes",
        ],
        "goal": {"moved": {"day": "2026-11-27"}},
    },
    {
        "name": "cambiar_mi_cita_al_jueves_es",
        "lang": "es",
        "visit": {"doctor": "Ortiz", "day": "2026-11-24", "time": "09:00"},
        "says": ["quiero cambiar mi cita al jueves", "la primera", "si"],
        "goal": {"moved": {"day": "2026-11-26"}},
    },
    {
        "name": "cancelar_cita_del_miercoles_es",
        "lang": "es",
        "visit": {"doctor": "Okafor", "day": "2026-11-25", "time": "11:30"},
        "says": ["hola quiero cancelar mi cita del miercoles", "si"],
        "goal": {"cancelled": True},
    },
    {
        "name": "push_wed_appt_to_noon",
        "visit": {"doctor": "Liu", "day": "2026-11-25", "time": "10:00"},
        "says": ["can u push my wed appt to 12", "yes"],
        "goal": {"moved": {"day": "2026-11-25", "time": "12:00"}},
    },
    {
        "name": "cancel_then_keep_it",
        "visit": {"doctor": "Hart", "day": "2026-11-24", "time": "10:00"},
        "says": ["cancel my appointment tomorrow", "actually no keep it"],
        "goal": {"kept": True},
    },
    # ---- running late
    {
        "name": "stuck_in_traffic_be_there_in_15",
        "visit": {"doctor": "Hart", "day": "2026-11-23", "time": "11:00"},
        "at": "2026-11-23T10:50:00+00:00",
        "says": ["stuck in traffic be there in 15"],
        "goal": {"late": True, "not_flagged": True},
    },
    {
        "name": "voy_10_min_tarde_es",
        "lang": "es",
        "visit": {"doctor": "Velasco", "day": "2026-11-23", "time": "16:00"},
        "at": "2026-11-23T15:52:00+00:00",
        "says": ["voy 10 min tarde perdon"],
        "goal": {"late": True, "not_flagged": True},
    },
    {
        "name": "omw_running_behind_telegram",
        "channel": "telegram",
        "visit": {"doctor": "Ortiz", "day": "2026-11-23", "time": "09:30"},
        "at": "2026-11-23T09:25:00+00:00",
        "says": ["omw running a bit behind, 5 mins"],
        "goal": {"late": True, "not_flagged": True},
    },
    # ---- questions
    {
        "name": "cual_es_la_direccion_es",
        "lang": "es",
        "says": ["cual es la direccion?"],
        "goal": {"answered": "Riverside Avenue", "not_flagged": True},
    },
    {
        "name": "hay_estacionamiento_es",
        "lang": "es",
        "says": ["hay estacionamiento?"],
        "goal": {"answered": "Oak Street", "not_flagged": True},
    },
    {
        "name": "clinic_phone_number",
        "says": ["what's the clinic's phone number"],
        "goal": {"answered": "555 0100", "not_flagged": True},
    },
    {
        "name": "what_to_bring_first_visit",
        "says": ["what do i need to bring to my first visit"],
        "goal": {"answered": "Photo ID", "not_flagged": True},
    },
    {
        "name": "que_tengo_que_llevar_es",
        "lang": "es",
        "says": ["que tengo que llevar a la cita?"],
        "goal": {"answered": "tarjeta del seguro", "not_flagged": True},
    },
    {
        "name": "what_time_do_you_open",
        "says": ["what time do you open"],
        "goal": {"answered": "8:00", "not_flagged": True},
    },
    {
        "name": "abren_los_sabados_es",
        "lang": "es",
        "says": ["abren los sabados?"],
        "goal": {"answered": "9:00", "not_flagged": True},
    },
    {
        "name": "do_u_take_medicaid",
        "says": ["do u take medicaid"],
        "goal": {"answered": "Medicaid", "not_flagged": True},
    },
    {
        "name": "aceptan_mi_seguro_medicare_es",
        "lang": "es",
        "says": ["aceptan mi seguro? tengo medicare"],
        "goal": {"answered": "Medicare", "not_flagged": True},
    },
    {
        "name": "mom_uses_wheelchair",
        "says": ["my mom uses a wheelchair, can she get in ok?"],
        "goal": {"answered": "step-free", "not_flagged": True},
    },
    {
        "name": "acceso_silla_de_ruedas_es",
        "lang": "es",
        "says": ["tienen acceso para silla de ruedas"],
        "goal": {"answered": "sin escalones", "not_flagged": True},
    },
    {
        "name": "son_has_a_fever",
        "says": ["my son has a fever should i bring him in"],
        "goal": {"flagged": "fever"},
    },
    {
        "name": "ibuprofeno_antes_de_la_cita_es",
        "lang": "es",
        "says": ["puedo tomar ibuprofeno antes de la cita?"],
        "goal": {"flagged": "ibuprofeno"},
    },
    {
        "name": "sarpullido_despues_de_la_vacuna_es",
        "lang": "es",
        "says": ["me salio un sarpullido despues de la vacuna, es normal?"],
        "goal": {"flagged": "sarpullido"},
    },
    {
        "name": "covid_tests_for_travel",
        "says": ["do you do covid tests for travel"],
        "goal": {"flagged": "covid tests"},
    },
    # ---- small talk and greetings
    {
        "name": "hola_book_ortiz_gracias_es",
        "lang": "es",
        "says": [
            "hola!",
            "quiero una cita con el dr ortiz el viernes a las 10",
            "si",
            "gracias!!",
        ],
        "goal": {
            "booked": {"doctor": "Ortiz", "day": "2026-11-27", "time": "10:00"},
            "not_flagged": True,
        },
    },
    {
        "name": "buenos_dias_a_que_hora_abren_es",
        "lang": "es",
        "says": ["buenos dias", "a que hora abren?"],
        "goal": {"answered": "8:00", "not_flagged": True},
    },
    {
        "name": "good_morning_then_booking_then_ty",
        "says": [
            "good morning 😊",
            "could i see dr liu saturday at 10",
            "yes",
            "ty so much",
        ],
        "goal": {
            "booked": {"doctor": "Liu", "day": "2026-11-28", "time": "10:00"},
            "not_flagged": True,
        },
    },
    # ---- leaving, and asking for a person
    {
        "name": "talk_to_a_real_person",
        "says": ["can i talk to a real person pls"],
        "goal": {"flagged": "asked for a person"},
    },
    {
        "name": "hablar_con_una_persona_es",
        "lang": "es",
        "says": ["quiero hablar con una persona"],
        "goal": {"flagged": "asked for a person"},
    },
    {
        "name": "mejor_no_olvidalo_mid_booking_es",
        "lang": "es",
        "says": ["quiero una cita", "pediatria", "mejor no, olvídalo"],
        "goal": {"not_flagged": True},
    },
    {
        "name": "confusing_let_me_talk_to_someone",
        "says": [
            "book me in w dr moreno",
            "ugh this is confusing, let me talk to someone",
        ],
        "goal": {"flagged": "asked for a person"},
    },
    # ---- switching language
    {
        "name": "english_please_then_book_hart",
        "lang": "es",
        "says": [
            "hola",
            "english please",
            "can i book with dr hart friday at 10",
            "yes",
        ],
        "goal": {
            "language": "en",
            "booked": {"doctor": "Hart", "day": "2026-11-27", "time": "10:00"},
        },
    },
    {
        "name": "new_patient_espanol_por_favor",
        "patient": "new",
        "says": ["hi", "español por favor", "soy carlos ruiz", "sí"],
        "goal": {"name": "Carlos Ruiz", "language": "es"},
    },
    # ---- opting out in words
    {
        "name": "stop_texting_me",
        "says": ["stop texting me"],
        "goal": {"opted_out": True},
    },
    {
        "name": "no_me_manden_mas_mensajes_es",
        "lang": "es",
        "says": ["por favor no me manden mas mensajes"],
        "goal": {"opted_out": True},
    },
]
