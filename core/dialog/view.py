"""What the dialog may read about the clinic: few, simple queries, no writes."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from core.clinic.calendar import (
    active_doctor_ids,
    load_calendars,
    load_closures,
    next_slots,
)
from core.clinic.queries import localized
from core.clinic.slots import day_slots
from core.clock import from_db, to_db
from core.dialog import queries
from core.dialog.catalog import Catalog, Named, catalog_of
from core.models import LIVE_STATUSES
from core.policy import Policy

Slot = tuple[dt.datetime, int]  # (aware UTC start, doctor id)


@dataclass(frozen=True)
class Visit:
    """An appointment as the dialog shows it."""

    id: int
    start: dt.datetime
    status: str
    doctor_id: int
    doctor: str
    department: str
    visit_type_id: int
    visit_type: str
    minutes: int

    @property
    def live(self) -> bool:
        return self.status in LIVE_STATUSES


def _distinct_times(slots: list[Slot]) -> list[Slot]:
    """One offer per start time: the patient picks a time, any doctor will do."""
    seen, kept = set(), []
    for start, doctor_id in sorted(slots):
        if start not in seen:
            seen.add(start)
            kept.append((start, doctor_id))
    return kept


MAX_LISTED = 9  # upcoming visits listed as numbered options


def _merged(spans: list[tuple[dt.time, dt.time]]) -> list[tuple[dt.time, dt.time]]:
    merged: list[tuple[dt.time, dt.time]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _entry(entries: list[Named], entry_id: int | None) -> Named | None:
    return next((entry for entry in entries if entry.id == entry_id), None)


def _read_catalog() -> Catalog:
    return catalog_of(
        tuple(queries.CATALOG_DOCTORS.rows(True, True)),
        tuple(queries.DEPARTMENTS.rows(True, True)),
        tuple(queries.CATALOG_VISIT_TYPES.rows(True)),
    )


@functools.lru_cache(maxsize=8)
def _catalog_at(stamp: int) -> Catalog:
    """The catalog as it was read under this stamp.

    A stamp names one state of the three tables, in any database (it is
    random), so the catalog read under it stays right for as long as the
    stamp does. A read that raced an edit holds the newer rows under the
    older stamp: harmless, as every later turn sees the new stamp and reads.
    """
    return _read_catalog()


class View:
    """Database reads for one turn, inside the caller's transaction."""

    def __init__(self, policy: Policy, now: dt.datetime) -> None:
        self.policy = policy
        self.now = now
        self._names: dict[tuple, tuple[str, str, str]] = {}
        self._catalog: Catalog | None = None

    def catalog(self) -> Catalog:
        """The names patients may use, as of this turn's policy row.

        Read again only when the row's catalog stamp has moved (a console
        edit does that in its own commit), so edits count at the next turn.
        """
        if self._catalog is None:
            stamp = self.policy.catalog_stamp
            self._catalog = _catalog_at(stamp) if stamp else _read_catalog()
        return self._catalog

    def departments(self, lang: str = "en") -> list[tuple[int, str]]:
        """Active departments with at least one active doctor, named in lang."""
        # The catalog's departments are exactly these rows, already read.
        return [(entry.id, entry.called(lang)) for entry in self.catalog().departments]

    def doctors(self, department_id: int | None = None) -> list[tuple[int, str]]:
        if department_id is None:
            return queries.DOCTORS.rows(True)
        return queries.DEPARTMENT_DOCTORS.rows(True, department_id)

    def doctor_ids(
        self,
        department_id: int | None,
        doctor_id: int | None,
        visit_type_id: int | None,
    ) -> list[int]:
        if doctor_id is not None:
            return [doctor_id]
        return active_doctor_ids(department_id, visit_type_id)

    def visit_types(
        self, doctor_ids: list[int], lang: str = "en"
    ) -> list[tuple[int, str, int]]:
        """(id, name in lang, minutes) of active visit types these doctors offer."""
        if not doctor_ids:
            return []
        return [
            (id_, localized(name, raw, lang), minutes)
            for id_, name, minutes, raw in queries.VISIT_TYPES.rows(
                list(doctor_ids), True
            )
        ]

    def names(
        self, doctor_id: int, visit_type_id: int | None, lang: str = "en"
    ) -> tuple[str, str, str]:
        """(doctor, department, visit type) names for a summary, in lang."""
        key = (doctor_id, visit_type_id, lang)
        if key not in self._names:  # asked several times a turn
            self._names[key] = self._catalog_names(
                doctor_id, visit_type_id, lang
            ) or self._stored_names(doctor_id, visit_type_id, lang)
        return self._names[key]

    def _catalog_names(self, doctor_id, visit_type_id, lang):
        """From the catalog, if it holds them all (active ones only)."""
        catalog = self.catalog()
        doctor = _entry(catalog.doctors, doctor_id)
        department = doctor and _entry(catalog.departments, doctor.department_id)
        visit_type = _entry(catalog.visit_types, visit_type_id)
        if department is None or (visit_type_id is not None and visit_type is None):
            return None
        kind = visit_type.called(lang) if visit_type else ""
        return doctor.name, department.called(lang), kind

    def _stored_names(self, doctor_id, visit_type_id, lang):
        """From the tables: a past visit's doctor may be inactive now."""
        doctor, department, raw = queries.DOCTOR_NAMES.first(doctor_id) or (
            "",
            "",
            "{}",
        )
        visit_type = ""
        if visit_type_id is not None:
            name, names = queries.VISIT_TYPE_NAME.first(visit_type_id) or ("", "")
            visit_type = localized(name, names, lang)
        return doctor, localized(department, raw, lang), visit_type

    def department_name(self, department_id: int, lang: str = "en") -> str:
        known = _entry(self.catalog().departments, department_id)
        if known is not None:
            return known.called(lang)
        name, raw = queries.DEPARTMENT_NAME.first(department_id) or ("", "{}")
        return localized(name, raw, lang)

    def free_on(self, doctor_ids: list[int], day: dt.date, minutes: int) -> list[Slot]:
        """Free times on one local day across these doctors, earliest first."""
        if not doctor_ids:
            return []
        length = dt.timedelta(minutes=minutes)
        calendars = load_calendars(doctor_ids, day, day, self.policy)
        closures = load_closures(day, day)
        slots = [
            (start, cal.doctor_id)
            for cal in calendars
            for start in day_slots(day, cal, closures, self.policy, self.now, length)
        ]
        return _distinct_times(slots)

    def next_free(
        self, doctor_ids: list[int], from_day: dt.date, minutes: int, count: int
    ) -> list[Slot]:
        """The next free times from a local day on, earliest first."""
        if not doctor_ids:
            return []
        found = next_slots(
            doctor_ids,
            self.policy,
            self.now,
            count * len(doctor_ids),
            dt.timedelta(minutes=minutes),
            from_day=from_day,
        )
        return _distinct_times(found)[:count]

    @staticmethod
    def _visits(rows: list[tuple], lang: str) -> list[Visit]:
        visits = []
        for row in rows:
            *visit, dept_names, vt_names = row
            id_, start, status, did, doc, dept, vtid, vt, minutes = visit
            department = localized(dept, dept_names, lang)
            kind = localized(vt, vt_names, lang)
            visits.append(
                Visit(
                    id_,
                    from_db(start),
                    status,
                    did,
                    doc,
                    department,
                    vtid,
                    kind,
                    minutes,
                )
            )
        return visits

    def upcoming(self, patient_id: int, lang: str = "en") -> list[Visit]:
        """The patient's live visits that have not started, soonest first."""
        rows = queries.UPCOMING.rows(
            patient_id, to_db(self.now), LIVE_STATUSES, MAX_LISTED
        )
        return self._visits(rows, lang)

    def today(self, patient_id: int, lang: str = "en") -> list[Visit]:
        """The patient's live visits today (clinic time), started or not."""
        tz = self.policy.tz
        local = self.now.astimezone(tz)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        rows = queries.UPCOMING.rows(
            patient_id, to_db(start.astimezone(dt.UTC)), LIVE_STATUSES, MAX_LISTED
        )
        visits = self._visits(rows, lang)
        return [v for v in visits if v.start.astimezone(tz).date() == local.date()]

    def visit(
        self, appointment_id: int, patient_id: int, lang: str = "en"
    ) -> Visit | None:
        """One of this patient's visits, or None."""
        found = self._visits(queries.VISIT.rows(appointment_id, patient_id), lang)
        return found[0] if found else None

    def open_hours(self, day: dt.date) -> list[tuple[dt.time, dt.time]]:
        """When the clinic is open on a local day: any active doctor working.

        Working hours minus closures and whole days off, merged; local times.
        """
        ids = active_doctor_ids(None, None)
        if not ids:
            return []
        if load_closures(day, day):
            return []
        tz = self.policy.tz
        spans = []
        for cal in load_calendars(ids, day, day, self.policy, with_busy=False):
            for start, end in cal.hours.get(day.weekday(), []):
                begin = dt.datetime.combine(day, start, tz)
                finish = dt.datetime.combine(day, end, tz)
                if not any(lo <= begin and finish <= hi for lo, hi in cal.time_off):
                    spans.append((start, end))
        return _merged(sorted(spans))
