"""Patients for the console: search, and a patient's page with their transcript."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from peewee import fn

from core.clock import from_db
from core.errors import NotFound
from core.messaging.delivery import WHATSAPP_WINDOW
from core.messaging.outbox import routes, shown_body
from core.models import Appointment, Doctor, Message, Patient
from core.policy import Policy
from core.storage.db import db, is_sqlite


def _plain_letters() -> tuple[str, str]:
    """Accented Latin letters and their plain ones, for SQL translate()."""
    accented, plain = [], []
    for code in range(0xC0, 0x250):
        letter = chr(code)
        base = unicodedata.normalize("NFKD", letter)[0]
        if base != letter and base.isascii() and base.isalpha():
            accented.append(letter)
            plain.append(base)
    return "".join(accented), "".join(plain)


ACCENTED, PLAIN = _plain_letters()
UNACCENT = str.maketrans(ACCENTED, PLAIN)
FOLD_FUNCTION = "clinicbot_fold"


def fold(text: str) -> str:
    """How search compares text: "García" and "GARCIA" both read "garcia"."""
    return (text or "").translate(UNACCENT).lower()


def _folded(column):
    """column folded in SQL as fold() does in Python, on SQLite and PostgreSQL.

    PostgreSQL has translate() built in (unaccent is an extension a managed
    database may not allow); SQLite gets fold() itself as a function.
    """
    if is_sqlite():
        # Cheap, and covers connections the gateway opened before this ran.
        db.obj.register_function(fold, FOLD_FUNCTION, 1, deterministic=True)
        return fn.clinicbot_fold(column)
    return fn.LOWER(fn.TRANSLATE(column, ACCENTED, PLAIN))


def search_patients(
    query: str, limit: int = 50, doctor_id: int | None = None
) -> list[dict]:
    """Patients whose name, phone or email contains query (digits match phones).

    Case and accents do not matter: "garcia" finds "García".
    """
    query = query.strip()[:100]
    if not query:
        return []
    digits = re.sub(r"\D", "", query)
    condition = _folded(Patient.name).contains(fold(query))
    condition |= fn.LOWER(Patient.email).contains(query.lower())
    if len(digits) >= 3:
        condition |= Patient.phone.contains(digits)
    rows = Patient.select(
        Patient.id, Patient.name, Patient.phone, Patient.telegram_chat_id, Patient.email
    ).where(condition)
    if doctor_id is not None:
        rows = rows.where(Patient.id.in_(_patients_of(doctor_id)))
    found = rows.order_by(Patient.name, Patient.id).limit(limit).tuples()
    return [
        {
            "id": i,
            "name": n or "(no name)",
            "phone": p or "",
            "telegram": bool(t),
            "email": e or "",
        }
        for i, n, p, t, e in found
    ]


def _patients_of(doctor_id: int):
    return Appointment.select(Appointment.patient).where(
        Appointment.doctor == doctor_id
    )


def is_patient_of(patient_id: int, doctor_id: int) -> bool:
    return (
        Appointment.select()
        .where(Appointment.patient == patient_id, Appointment.doctor == doctor_id)
        .exists()
    )


def patient_page(
    patient_id: int,
    policy: Policy,
    doctor_id: int | None = None,
    *,
    configured: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> dict:
    """A patient's details, how they are reached, visits and whole transcript.

    configured: the channels this clinic sends on (the others are "not set up").
    """
    patient = Patient.get_or_none(Patient.id == patient_id)
    if patient is None or (
        doctor_id is not None and not is_patient_of(patient_id, doctor_id)
    ):
        raise NotFound("That patient does not exist.")
    tz = policy.tz
    visits = (
        Appointment.select(
            Appointment.id, Appointment.start, Appointment.status, Doctor.name
        )
        .join(Doctor)
        .where(Appointment.patient == patient_id)
        .order_by(Appointment.start.desc())
    )
    if doctor_id is not None:
        visits = visits.where(Appointment.doctor == doctor_id)
    transcript = (
        Message.select(
            Message.id,
            Message.fallback_of,
            Message.created_at,
            Message.direction,
            Message.channel,
            Message.kind,
            Message.body,
            Message.status,
            Message.error_code,
        )
        .where(Message.patient == patient_id)
        .order_by(Message.created_at, Message.id)
    )
    if doctor_id is not None:
        # A doctor reads only what was said about their own visits.
        own = Appointment.select(Appointment.id).where(
            Appointment.doctor == doctor_id, Appointment.patient == patient_id
        )
        transcript = transcript.where(Message.appointment.in_(own))
    order = [channel for channel, _ in routes(patient)]
    set_up = set(configured)
    return {
        "patient": {
            "id": patient.id,
            "name": patient.name or "(no name)",
            "phone": patient.phone or "",
            "telegram": patient.telegram_chat_id or "",
            "language": patient.language,
            "sms_opt_out": patient.sms_opt_out,
            "telegram_blocked": patient.telegram_blocked,
            "email": patient.email or "",
            "preferred_channel": patient.preferred_channel or "",
            "reachable_on": order[0] if order else "",
        },
        "reach": reach(patient, set_up, now or dt.datetime.now(dt.UTC), policy),
        # Where messages go, best first; a channel not set up here is passed over.
        "route_order": [{"channel": c, "set_up": c in set_up} for c in order],
        "visits": [
            {
                "id": i,
                "start": from_db(s).astimezone(tz),
                "status": st,
                "doctor": d,
            }
            for i, s, st, d in visits.tuples()
        ],
        "transcript": [
            {
                "id": mid,
                "fallback_of": fallback_of,
                "at": from_db(at).astimezone(tz),
                "direction": direction,
                "channel": channel,
                "kind": kind,
                "body": shown_body(kind, body),
                "status": status,
                "error_code": code or "",
            }
            for (
                mid,
                fallback_of,
                at,
                direction,
                channel,
                kind,
                body,
                status,
                code,
            ) in transcript.tuples()
        ],
    }


def reach(patient: Patient, set_up: set[str], now: dt.datetime, policy: Policy):
    """Each way of reaching the patient, with its state in words.

    state is "open", "closed" (opted out, blocked, turned off) or "none" (no
    address, or never used); set_up says whether the clinic sends on it at all.
    """
    phone, chosen = patient.phone or "", patient.preferred_channel or ""

    def way(channel, address, state, words, detail=""):
        return {
            "channel": channel,
            "address": address,
            "state": state,
            "words": words,
            "detail": detail,
            "set_up": channel in set_up,
        }

    if not phone:
        sms = way("sms", "", "none", "no number")
    elif patient.sms_opt_out:
        sms = way("sms", phone, "closed", "opted out (texted STOP)")
    else:
        sms = way("sms", phone, "open", "open")
    seen = from_db(patient.whatsapp_seen_at) if patient.whatsapp_seen_at else None
    if seen is None:
        window = "has not written on WhatsApp: only approved templates can go"
    elif seen + WHATSAPP_WINDOW > now:
        until = (seen + WHATSAPP_WINDOW).astimezone(policy.tz)
        window = f"24-hour window open until {until:%Y-%m-%d %H:%M}"
    else:
        window = "24-hour window closed: only approved templates can go"
    if seen is not None:
        window = f"last wrote {seen.astimezone(policy.tz):%Y-%m-%d %H:%M}; {window}"
    if not phone:
        whatsapp = way("whatsapp", "", "none", "no number")
    elif patient.whatsapp_opt_out:
        whatsapp = way("whatsapp", phone, "closed", "opted out (sent STOP)", window)
    elif seen is None and chosen != "whatsapp":
        whatsapp = way("whatsapp", phone, "none", "not used", window)
    else:
        whatsapp = way("whatsapp", phone, "open", "open", window)
    if not patient.telegram_chat_id:
        telegram = way("telegram", "", "none", "not linked")
    elif patient.telegram_blocked:
        telegram = way("telegram", "linked", "closed", "blocked the bot")
    else:
        telegram = way("telegram", "linked", "open", "open")
    if not patient.email:
        email = way("email", "", "none", "no address")
    elif patient.email_opt_out:
        words = "turned off (bounced or opted out)"
        email = way("email", patient.email, "closed", words)
    else:
        email = way("email", patient.email, "open", "open")
    return [sms, whatsapp, telegram, email]
