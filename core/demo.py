"""A believable demo clinic: departments, doctors, patients and visits."""

from __future__ import annotations

import datetime as dt
import logging
import random
import secrets

from core.audit import SYSTEM, Actor
from core.clinic import booking, waitlist
from core.clock import UTC, to_db
from core.errors import DomainError
from core.messaging import conversations, outbox, patients
from core.models import LIVE_STATUSES, Appointment, Department, Patient
from core.policy import ensure_policy, load_policy, save_policy
from core.staff import doctors, hours, saved_replies
from core.staff.accounts import create_staff
from core.staff.policy_edit import update_facts
from core.storage.db import db

log = logging.getLogger(__name__)

T = dt.time
MORNING_AND_AFTERNOON = [(T(9), T(12, 30)), (T(13, 30), T(17))]
DOCTORS = [
    # name, department, specialisation, weekdays, intervals
    (
        "Dr. Amelia Hart",
        "General Practice",
        "Family medicine",
        range(5),
        MORNING_AND_AFTERNOON,
    ),
    (
        "Dr. Rafael Ortiz",
        "General Practice",
        "Internal medicine",
        range(5),
        [(T(8), T(14))],
    ),
    (
        "Dr. Priya Natarajan",
        "General Practice",
        "Family medicine",
        (0, 2, 4),
        [(T(12), T(19))],
    ),
    (
        "Dr. Tomás Velasco",
        "Paediatrics",
        "Paediatrics",
        range(5),
        MORNING_AND_AFTERNOON,
    ),
    ("Dr. Hannah Berg", "Paediatrics", "Neonatology", (1, 3), [(T(9), T(13))]),
    (
        "Dr. Lucía Moreno",
        "Dermatology",
        "Dermatology",
        range(4),
        [(T(10), T(13)), (T(14), T(18))],
    ),
    (
        "Dr. Samuel Okafor",
        "Dermatology",
        "Dermatologic surgery",
        (0, 1, 2),
        [(T(9), T(15))],
    ),
    (
        "Dr. Grace Liu",
        "General Practice",
        "Sports medicine",
        (2, 3, 4, 5),
        [(T(9), T(13))],
    ),
]
FIRST = [
    "Ana",
    "Ben",
    "Carla",
    "David",
    "Elena",
    "Farid",
    "Greta",
    "Hugo",
    "Iris",
    "Jon",
    "Kemal",
    "Lena",
    "Marco",
    "Nadia",
]
LAST = [
    "García",
    "Smith",
    "Müller",
    "Rossi",
    "Kowalski",
    "Nguyen",
    "Haddad",
    "Silva",
    "Johansson",
    "O'Brien",
]
# Names in Spanish, for patients who text in Spanish.
SPANISH = {
    "General Practice": "Medicina general",
    "Paediatrics": "Pediatría",
    "Dermatology": "Dermatología",
    "Consultation": "Consulta",
    "New patient": "Primera visita",
    "Follow-up": "Revisión",
}
VISIT_TYPES = [("Consultation", 30), ("New patient", 60), ("Follow-up", 30)]
ADDRESS = "1200 Riverside Avenue, Suite 300, Springfield, IL 62704"
# What the bot tells patients who ask (Settings, "What the bot tells patients").
FACTS = {
    "en": {
        "address": ADDRESS,
        "phone": "+1 555 0100",
        "hours": "Mon–Fri 8:00–19:00, Sat 9:00–13:00",
        "parking": "Free parking behind the building, entrance on Oak Street;"
        " two accessible spaces by the main door.",
        "bring": "Photo ID, your insurance card, a list of the medicines you"
        " take and any recent test results.",
        "custom": [
            {
                "q": "Which insurance do you accept?",
                "a": "Most major plans, including Medicare and Medicaid. Call"
                " us to check yours before your visit.",
            },
            {
                "q": "Is the clinic wheelchair accessible?",
                "a": "Yes: a step-free entrance, a lift to every floor and an"
                " accessible restroom on each floor.",
            },
        ],
    },
    "es": {
        "address": ADDRESS,
        "phone": "+1 555 0100",
        "hours": "Lun–Vie 8:00–19:00, Sáb 9:00–13:00",
        "parking": "Estacionamiento gratuito detrás del edificio, entrada por"
        " Oak Street; dos plazas accesibles junto a la puerta principal.",
        "bring": "Identificación con foto, su tarjeta del seguro, la lista de"
        " medicamentos que toma y resultados de pruebas recientes.",
        "custom": [
            {
                "q": "¿Qué seguros aceptan?",
                "a": "La mayoría de los planes, incluidos Medicare y Medicaid."
                " Llámenos para confirmar el suyo antes de la visita.",
            },
            {
                "q": "¿La clínica tiene acceso para sillas de ruedas?",
                "a": "Sí: entrada sin escalones, ascensor a todas las plantas y"
                " baño accesible en cada planta.",
            },
        ],
    },
}
SAVED_REPLIES = [
    ("en", "We will call you",
     "Thanks for your message. One of our team will call you today."),
    ("en", "Bring a family member",
     "Yes, you are welcome to bring them. Tell us at the desk if they need to"
     " be seen too."),
    ("en", "Billing questions",
     "For billing, please call +1 555 0100 (option 2), Mon-Fri 9:00-17:00."),
    ("es", "Le llamaremos",
     "Gracias por su mensaje. Alguien del equipo le llamará hoy."),
    ("es", "Preguntas de facturación",
     "Para facturación llame al +1 555 0100 (opción 2), de lunes a viernes de"
     " 9:00 a 17:00."),
]  # fmt: skip
DOCTOR_LOGIN = "hart@clinic.example"
REST_OF_TODAY = 4  # visits still to come today, if the hours allow
STATUSES_PAST = ["completed"] * 6 + ["no_show", "cancelled"]
STATUSES_FUTURE = ["scheduled"] * 4 + ["confirmed"] * 3 + ["cancelled"]


def seed_demo(
    now: dt.datetime, timezone: str = "UTC", rounds: int = 12
) -> dict[str, str] | None:
    """Seed the demo clinic once; return the new logins, or None if already seeded."""
    if Department.select().exists():
        return None
    rng = random.Random(20261122)
    with db.atomic():
        ensure_policy(timezone)
        save_policy({"clinic_name": "Riverside Family Clinic"})
        update_facts(FACTS)
        policy = load_policy()
        visit_types = [
            doctors.save_visit_type(name, minutes, names={"es": SPANISH[name]}).id
            for name, minutes in VISIT_TYPES
        ]
        staffed = _doctors(visit_types, policy, now)
        registered = _patients(now)
        _saved_replies(now)
    _appointments(rng, staffed, registered, now)
    _rest_of_today(rng, staffed, registered, now)
    _inbox_and_waitlist(staffed, registered, now)
    logins = {
        email: secrets.token_urlsafe(9)
        for email in ("admin@clinic.example", "staff@clinic.example", DOCTOR_LOGIN)
    }
    create_staff(
        "admin@clinic.example", logins["admin@clinic.example"], "admin", rounds=rounds
    )
    create_staff(
        "staff@clinic.example", logins["staff@clinic.example"], "staff", rounds=rounds
    )
    # Dr. Hart's own login: doctors see their own calendar and patients.
    create_staff(DOCTOR_LOGIN, logins[DOCTOR_LOGIN], "doctor", staffed[0], rounds)
    return logins


def _doctors(visit_types: list[int], policy, now: dt.datetime) -> list[int]:
    """The doctors' ids, each with a week of hours; one on leave, one closed day."""
    departments: dict[str, int] = {}
    ids: list[int] = []
    for name, department, specialisation, weekdays, intervals in DOCTORS:
        if department not in departments:
            departments[department] = doctors.save_department(
                department, names={"es": SPANISH[department]}
            ).id
        offered = visit_types[: 2 if len(ids) % 3 else 3]
        doctor = doctors.save_doctor(
            name, departments[department], specialisation, offered
        )
        week = {weekday: list(intervals) for weekday in weekdays}
        ids.append(doctor.id)
        if len(ids) == len(DOCTORS) and (late := _late_clinic(now, policy.tz)):
            week.setdefault(late[0], []).append(late[1])
        hours.set_weekly_hours(doctor.id, week, policy, now)
    on_leave = ids[4]
    leave = (now + dt.timedelta(days=3), now + dt.timedelta(days=17))
    hours.add_time_off(on_leave, *leave, "Annual leave", policy)
    hours.add_closure((now + dt.timedelta(days=10)).date(), "Clinic holiday", policy)
    return ids


def _late_clinic(now: dt.datetime, tz) -> tuple[int, tuple[dt.time, dt.time]] | None:
    """A few evening hours for the last doctor when the demo starts after hours.

    Started on a Sunday or at 20:00, the demo would show a Today with nothing
    to come; the last doctor then also works the next few hours of this
    weekday, so visits can be placed in them. None when hours remain anyway.
    """
    local = now.astimezone(tz).replace(tzinfo=None, second=0, microsecond=0)
    left = dt.timedelta(0)
    for *_, weekdays, intervals in DOCTORS:
        if local.weekday() in weekdays:
            for start, end in intervals:
                begins = dt.datetime.combine(local.date(), start)
                ends = dt.datetime.combine(local.date(), end)
                left = max(left, ends - max(local, begins))
    if left >= dt.timedelta(hours=2):
        return None
    start = local + dt.timedelta(minutes=30 - local.minute % 30)
    *_, weekdays, intervals = DOCTORS[-1]
    if local.weekday() in weekdays:  # after the doctor's own hours that day
        own_end = dt.datetime.combine(local.date(), intervals[-1][1])
        start = max(start, own_end)
    end = min(start + dt.timedelta(hours=4), dt.datetime.combine(local, T(23, 30)))
    if end - start < dt.timedelta(hours=1):
        return None  # too close to midnight for a believable clinic
    return local.weekday(), (start.time(), end.time())


def _saved_replies(now: dt.datetime) -> None:
    """Answers staff send often, in both languages (Inbox → Saved replies)."""
    for language, title, body in SAVED_REPLIES:
        saved_replies.create(language, title, body, now)


def _patients(now: dt.datetime) -> list[int]:
    ids = []
    for n in range(60):
        ids.append(
            patients.create(
                now,
                phone=f"+1555020{n:04d}",
                telegram_chat_id=str(700000 + n) if n % 4 == 0 else None,
                name=f"{FIRST[n % len(FIRST)]} {LAST[(n * 7) % len(LAST)]}",
                language="es" if n % 5 == 0 else "en",
                sms_opt_out=n == 59,
                consent_at=dt.datetime(2026, 1, 1, tzinfo=UTC) + dt.timedelta(days=n),
            )
        )
    return ids


def _appointments(rng, doctor_ids, patient_ids, now: dt.datetime) -> int:
    """Book ~300 visits through the real rules, then move them through statuses."""
    policy = load_policy()
    booked = 0
    for offset in range(-30, 31):
        day = (now + dt.timedelta(days=offset)).date()
        for doctor_id in rng.sample(doctor_ids, 5):
            booked += _book_day(rng, doctor_id, day, patient_ids, policy, now)
    log.info("demo: %d appointments", booked)
    return booked


def _book_day(rng, doctor_id, day, patient_ids, policy, now) -> int:
    count = 0
    for hour in rng.sample(range(8, 18), 3):
        start = dt.datetime.combine(
            day, dt.time(hour, rng.choice((0, 30))), tzinfo=policy.tz
        )
        start = start.astimezone(UTC)
        patient_id = rng.choice(patient_ids)
        try:
            appointment = booking.book(
                patient_id=patient_id,
                doctor_id=doctor_id,
                start=start,
                policy=policy,
                # Booked two days before, as a patient would have.
                now=min(now, start - dt.timedelta(days=2)),
                actor=Actor("patient", patient_id),
                via=rng.choice(("sms", "sms", "telegram", "console")),
            )
        except DomainError:
            continue  # outside this doctor's hours or already taken
        _settle(rng, appointment, start, now)
        count += 1
    return count


def _settle(rng, appointment, start: dt.datetime, now: dt.datetime) -> None:
    """Give a booked demo visit a believable status for its time."""
    past = start + dt.timedelta(hours=1) < now
    status = rng.choice(STATUSES_PAST if past else STATUSES_FUTURE)
    # Never dated after now: the audit log must not show tomorrow's news.
    day_before = min(start - dt.timedelta(days=1), now)
    if status in ("confirmed", "completed") or (past and status == "no_show"):
        booking.confirm(
            appointment.id, Actor("patient", appointment.patient_id), day_before
        )
    if status == "completed":
        booking.complete(
            appointment.id, Actor("staff"), start + dt.timedelta(minutes=30)
        )
    elif status == "no_show":
        booking.mark_no_show(appointment.id, SYSTEM, start + dt.timedelta(minutes=45))
    elif status == "cancelled":
        booking.cancel(
            appointment.id,
            Actor("patient", appointment.patient_id),
            "demo",
            day_before,
        )


def _rest_of_today(rng, doctor_ids, patient_ids, now: dt.datetime) -> int:
    """Visits in the doctors' remaining hours today, when few are left to come.

    The random days above may leave an evening Today empty; a demo started at
    18:43 should still show visits to come while any doctor is working.
    """
    policy = load_policy()
    to_come = (
        Appointment.select()
        .where(
            Appointment.start > to_db(now),
            Appointment.start < to_db(now + dt.timedelta(hours=12)),
            Appointment.status.in_(LIVE_STATUSES),
        )
        .count()
    )
    booked = 0
    step = dt.timedelta(minutes=30)
    start = (now + dt.timedelta(minutes=30 - now.minute % 30)).replace(
        second=0, microsecond=0
    )
    end_of_day = dt.datetime.combine(
        now.astimezone(policy.tz).date() + dt.timedelta(days=1),
        dt.time(0),
        tzinfo=policy.tz,
    )
    while start < end_of_day and to_come + booked < REST_OF_TODAY:
        for doctor_id in rng.sample(doctor_ids, len(doctor_ids)):
            patient_id = rng.choice(patient_ids)
            try:
                booking.book(
                    patient_id=patient_id,
                    doctor_id=doctor_id,
                    start=start,
                    policy=policy,
                    now=now - dt.timedelta(days=1),
                    actor=Actor("patient", patient_id),
                    via="sms",
                )
            except DomainError:
                continue  # this doctor is not working then, or is booked
            booked += 1
            break
        start += step
    return booked


INBOX = [
    # (patient index, channel, what they wrote, why the bot handed over)
    (3, "sms", "Hi, can I bring my son along to my visit on thursday? he has a"
     " rash too", "patient asked for a person"),
    (10, "sms", "necesito hablar con alguien sobre la factura por favor",
     "patient asked for a person"),
]  # fmt: skip


def _inbox_and_waitlist(doctor_ids, patient_ids, now: dt.datetime) -> None:
    """Conversations waiting for a person, and a patient waiting for a time."""
    for index, channel, said, reason in INBOX:
        patient = Patient.get_by_id(patient_ids[index])
        written = now - dt.timedelta(minutes=20 + 7 * index)
        outbox.record_inbound(
            channel, patient.phone, said, written, provider_id=None,
            patient_id=patient.id,
        )  # fmt: skip
        conversations.flag_or_start(
            channel, patient.phone, reason, written, patient_id=patient.id,
            language=patient.language or "en",
        )  # fmt: skip
    today = now.astimezone(load_policy().tz).date()
    waitlist.join(
        patient_ids[7],
        doctor_id=doctor_ids[0],
        department_id=None,
        visit_type_id=None,
        from_day=today,
        to_day=today + dt.timedelta(days=7),
    )
