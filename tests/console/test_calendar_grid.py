"""The time-grid calendar through HTTP: rows, columns, what each cell says, moves.

The grid is read back as a (time, column) matrix with its rowspans, as a
browser lays it out, so a test says "Dr. Own at 10:00 is Ana's visit".
"""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

from core import audit
from core.clinic import booking
from core.models import Appointment, AuditLog, DoctorVisitType, VisitType
from core.policy import load_policy
from core.staff.hours import add_closure, add_time_off
from core.views.grid import needs_follow_up
from tests.factories import make_doctor, make_patient

TUESDAY = dt.date(2026, 11, 24)  # the day after the fixture's `now`


def at(hour: int, minute: int = 0, day: dt.date = TUESDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


class _Grid(HTMLParser):
    """Cells of table.tgrid: header texts, then rows of (time, [cell, ...])."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.headers: list[str] = []
        self.rows: list[tuple[str, list[dict]]] = []
        self.cell: dict | None = None
        self.head = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and "tgrid" in (attrs.get("class") or ""):
            self.inside = True
        if not self.inside:
            return
        if tag == "thead":
            self.head = True
        elif tag == "tr" and not self.head:
            self.rows.append(("", []))
        elif tag in ("th", "td"):
            self.cell = {
                "tag": tag,
                "class": attrs.get("class") or "",
                "span": int(attrs.get("rowspan", 1)),
                "text": "",
                "links": [],
                "buttons": [],
            }
        elif tag == "a" and self.cell is not None:
            self.cell["links"].append(attrs.get("href", ""))
        elif tag == "button" and self.cell is not None:
            self.cell["buttons"].append(attrs)

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "table":
            self.inside = False
        elif tag == "thead":
            self.head = False
        elif tag in ("th", "td") and self.cell is not None:
            cell, self.cell = self.cell, None
            cell["text"] = " ".join(cell["text"].split())
            if self.head:
                self.headers.append(cell["text"])
            elif tag == "th":
                self.rows[-1] = (cell["text"], self.rows[-1][1])
            else:
                self.rows[-1][1].append(cell)

    def handle_data(self, data):
        if self.cell is not None:
            self.cell["text"] += data


def grid(page: str) -> dict:
    """{"headers": [...], "times": [...], "at": {(time, column): cell}}."""
    parser = _Grid()
    parser.feed(page)
    columns = len(parser.headers) - 1
    taken: dict[tuple[int, int], dict] = {}
    for r, (_, cells) in enumerate(parser.rows):
        c = 0
        for cell in cells:
            while (r, c) in taken:
                c += 1
            assert c < columns, f"row {r} has a cell too many"
            for below in range(cell["span"]):
                assert (r + below, c) not in taken, "two cells overlap"
                taken[(r + below, c)] = cell
            c += 1
    times = [time for time, _ in parser.rows]
    assert all((r, c) in taken for r in range(len(times)) for c in range(columns)), (
        "every row of every column is drawn exactly once"
    )
    return {
        "headers": parser.headers[1:],
        "times": times,
        "at": {(times[r], c): cell for (r, c), cell in taken.items()},
    }


def _book(clinic, start, patient=None, doctor=None, visit_type=None):
    return booking.book(
        patient_id=(patient or clinic["patient"]).id,
        doctor_id=(doctor or clinic["doctor"]).id,
        start=start,
        policy=load_policy(),
        now=dt.datetime(2026, 11, 23, 8, tzinfo=dt.UTC),
        actor=audit.Actor("staff", clinic["users"]["staff"].id),
        visit_type_id=visit_type,
    )


async def _page(client, path: str) -> str:
    response = await client.get(path)
    assert response.status == 200, await response.text()
    return await response.text()


async def test_day_view_is_a_time_grid_with_a_column_per_doctor(
    client, login_as, clinic
):
    long = VisitType.create(name="New patient", minutes=60)
    DoctorVisitType.create(doctor=clinic["doctor"], visit_type=long)
    visit = _book(clinic, at(10), visit_type=long.id)
    await login_as("staff")
    g = grid(await _page(client, f"/calendar?date={TUESDAY}"))
    assert [h.split()[1] for h in g["headers"]] == ["Other", "Own"]  # name order
    own = next(i for i, h in enumerate(g["headers"]) if h.startswith("Dr. Own"))
    # Rows in the clinic's 30-minute steps over everyone's hours.
    assert g["times"][0] == "09:00" and g["times"][-1] == "16:30"
    assert len(g["times"]) == 16
    block = g["at"][("10:00", own)]
    assert block is g["at"][("10:30", own)] and block["span"] == 2  # 60 minutes
    assert "Ana Lopez" in block["text"] and "New patient" in block["text"]
    assert "Scheduled" in block["text"]  # status in words, not colour only
    assert f"/appointments/{visit.id}" in block["links"]
    free = g["at"][("11:00", own)]
    assert free["class"] == "g-free"
    (href,) = free["links"]
    assert href.startswith(f"/appointments/new?doctor={clinic['doctor'].id}&start=")
    assert "2026-11-24T11%3A00%3A00%2B00%3A00" in href
    other = 1 - own
    assert g["at"][("10:00", other)]["class"] == "g-free"  # the other doctor is free


async def test_breaks_time_off_closures_and_days_off_are_drawn_and_labelled(
    client, login_as, clinic
):
    policy = load_policy()
    split = make_doctor(
        name="Dr. Split",
        hours={1: [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(17))]},
    )
    add_time_off(split.id, at(14), at(15), "dentist", policy)
    await login_as("staff")
    g = grid(await _page(client, f"/calendar?date={TUESDAY}&doctor={split.id}"))
    assert g["at"][("12:00", 0)]["text"] == "Break"
    assert g["at"][("12:00", 0)]["span"] == 2
    assert g["at"][("14:00", 0)]["text"] == "Time off"
    assert g["at"][("14:30", 0)] is g["at"][("14:00", 0)]
    assert g["at"][("13:30", 0)]["class"] == "g-free"
    # Wednesday: Dr. Split does not work at all.
    wednesday = TUESDAY + dt.timedelta(days=1)
    off = grid(await _page(client, f"/calendar?date={wednesday}&doctor={split.id}"))
    assert {cell["text"] for cell in off["at"].values()} == {"Not working"}
    add_closure(wednesday, "Staff training", policy)
    closed = grid(await _page(client, f"/calendar?date={wednesday}"))
    texts = {cell["text"] for cell in closed["at"].values()}
    assert "Closed: Staff training" in texts
    assert not any(cell["links"] for cell in closed["at"].values())


async def test_visits_in_new_time_off_or_a_closure_are_flagged_for_follow_up(
    client, login_as, clinic, now
):
    policy = load_policy()
    in_time_off = _book(clinic, at(10))
    bo = make_patient(name="Bo Closure")
    thursday = TUESDAY + dt.timedelta(days=2)
    on_closure = _book(clinic, at(11, day=thursday), patient=bo)
    fine = _book(clinic, at(15), patient=make_patient(name="Cy Fine"))
    add_time_off(clinic["doctor"].id, at(9), at(12), "sick", policy)
    add_closure(thursday, "Thanksgiving", policy)
    follow = needs_follow_up(policy, now)
    assert [(f.visit.id, f.reason) for f in follow] == [
        (in_time_off.id, "Time off"),
        (on_closure.id, "Closed: Thanksgiving"),
    ]
    assert needs_follow_up(policy, now, [clinic["other"].id]) == []
    await login_as("staff")
    page = await _page(client, f"/calendar?date={TUESDAY}")
    follow_up = page.split('class="follow-up"')[1].split("</section>")[0]
    assert "Needs follow-up" in follow_up and "2 visits" in follow_up
    assert f"/appointments/{in_time_off.id}" in follow_up
    assert f"/appointments/{on_closure.id}" in follow_up
    assert f"/appointments/{fine.id}" not in follow_up
    g = grid(page)
    own = next(i for i, h in enumerate(g["headers"]) if h.startswith("Dr. Own"))
    assert "⚠ Time off" in g["at"][("10:00", own)]["text"]
    assert "⚠" not in g["at"][("15:00", own)]["text"]
    closed = grid(await _page(client, f"/calendar?date={thursday}"))
    assert "⚠ Closed: Thanksgiving" in closed["at"][("11:00", own)]["text"]


async def test_week_view_is_one_doctors_seven_days(client, login_as, clinic, clock):
    visit = _book(clinic, at(10))
    clock.advance(hours=3)  # Monday 11:00
    await login_as("staff")
    doctor = clinic["doctor"].id
    g = grid(await _page(client, f"/calendar?view=week&date={TUESDAY}&doctor={doctor}"))
    assert [h[:3] for h in g["headers"]] == [
        "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun",
    ]  # fmt: skip
    assert f"/appointments/{visit.id}" in g["at"][("10:00", 1)]["links"]
    assert g["at"][("10:00", 0)]["class"] == "g-open"  # Monday 10:00: past
    assert g["at"][("11:00", 0)]["class"] == "g-free"
    assert {g["at"][(t, 5)]["text"] for t in g["times"]} == {"Not working"}
    # Without one doctor: the week's visits day by day, and a link per doctor.
    agenda = await _page(client, f"/calendar?view=week&date={TUESDAY}")
    assert 'class="tgrid' not in agenda and "Ana Lopez" in agenda
    assert f"view=week&amp;date=2026-11-23&amp;doctor={doctor}" in agenda


async def test_a_doctor_sees_only_their_own_column_and_cannot_book_or_move(
    client, login_as, clinic
):
    visit = _book(clinic, at(10))
    await login_as("doctor")
    other = clinic["other"].id
    page = await _page(client, f"/calendar?date={TUESDAY}&doctor={other}")
    g = grid(page)
    assert len(g["headers"]) == 1 and g["headers"][0].startswith("Dr. Own")
    assert 'class="slot"' not in page and "11:00 free" in page
    week = grid(
        await _page(client, f"/calendar?view=week&date={TUESDAY}&doctor={other}")
    )
    assert len(week["headers"]) == 7
    assert f"/appointments/{visit.id}" in week["at"][("10:00", 1)]["links"]
    assert (await client.get(f"/calendar?move={visit.id}")).status == 403


async def test_move_mode_offers_every_doctor_of_the_visit_type_and_moves(
    client, login_as, clinic
):
    visit = _book(clinic, at(10))
    solo = VisitType.create(name="Solo", minutes=30)
    make_doctor(name="Dr. Elsewhere", visit_types=[solo])
    token = await login_as("staff")
    page = await _page(client, f"/calendar?move={visit.id}")  # the visit's day
    assert "Moving this visit" in page and page.count('name="dont_tell"') == 1
    g = grid(page)
    assert not any(h.startswith("Dr. Elsewhere") for h in g["headers"])
    other = next(i for i, h in enumerate(g["headers"]) if h.startswith("Dr. Other"))
    own = 1 - other
    assert not g["at"][("10:00", own)]["buttons"]  # its own time is not a move
    assert g["at"][("10:00", own)]["text"] == "Now here"  # where it is now
    (button,) = g["at"][("14:00", other)]["buttons"]
    assert button["name"] == "start" and button["value"] == at(14).isoformat()
    assert button["formaction"] == (
        f"/appointments/{visit.id}/reschedule?doctor={clinic['other'].id}"
    )
    moved = await client.post(
        button["formaction"],
        data={"csrf": token, "start": button["value"]},
        allow_redirects=False,
    )
    assert moved.status == 303
    row = Appointment.get_by_id(visit.id)
    assert (row.doctor_id, row.start) == (
        clinic["other"].id,
        at(14).replace(tzinfo=None),
    )
    detail = AuditLog.get(AuditLog.action == "reschedule").detail
    assert f'"old_doctor": {clinic["doctor"].id}' in detail


async def test_a_move_to_a_taken_or_closed_time_changes_nothing_and_links_back(
    client, login_as, clinic
):
    visit = _book(clinic, at(10))
    _book(clinic, at(14), patient=make_patient(name="Di Taken"))
    token = await login_as("staff")
    for start in (at(14), at(20), at(9, day=TUESDAY - dt.timedelta(days=7))):
        refused = await client.post(
            f"/appointments/{visit.id}/reschedule",
            data={"csrf": token, "start": start.isoformat()},
        )
        assert refused.status == 409, start
        text = await refused.text()
        assert "That changed meanwhile" in text
        assert f'href="/appointments/{visit.id}">Back to the visit' in text
    row = Appointment.get_by_id(visit.id)
    assert (row.start, row.status) == (at(10).replace(tzinfo=None), "scheduled")
    cancelled = await client.post(
        f"/appointments/{visit.id}/cancel", data={"csrf": token, "reason": "ill"}
    )
    assert cancelled.status == 200
    gone = await client.get(f"/calendar?move={visit.id}")
    assert gone.status == 409 and "can no longer be moved" in await gone.text()
    # A cancelled visit leaves the grid (listed below it) and frees its time.
    g = grid(
        await _page(client, f"/calendar?date={TUESDAY}&doctor={clinic['doctor'].id}")
    )
    assert g["at"][("10:00", 0)]["class"] == "g-free"


@pytest.mark.parametrize("path", ["/calendar?move=abc", "/calendar?move=999999"])
async def test_bad_move_links_are_refused_clearly(client, login_as, path):
    await login_as("staff")
    response = await client.get(path)
    assert response.status in (400, 409)
    assert re.search(r"whole number|can no longer be moved", await response.text())
