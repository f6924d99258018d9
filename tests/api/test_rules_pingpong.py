"""DOMAIN.md rules that no other test would notice missing (found by mutating a copy; see docs/rules.md)."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from betyg_harness.contracts import betyg_records, validate_betyg_xml
from betyg_harness.mock_kit.clock import STOCKHOLM
from betyg_harness.mock_pingpong import store
from betyg_harness.mock_pingpong.errors import StaleForm
from betyg_harness.mock_pingpong.models import grades
from tests.api.pingpong_support import API_AUTH, gid, pid, text_of
from tests.support.pingpong_forms import PingPongForms

SVE = "svesve01-ht26-a"  # ends 2026-12-17 (on time on 2026-12-18): s01–s04 admitted
ENG = "engeng05-ht26-sen"  # ends 2026-11-27: last day on time 2026-12-11, late on 2026-12-18
SVE_ALL = {"s01": "A", "s02": "B", "s03": "C", "s04": "-"}
ENG_ALL = {"s11": "C", "s12": "E", "s02": "B"}


def set_clock(app, iso: str) -> None:
    app.extensions["mock_kit"].clock.set(datetime.fromisoformat(iso).astimezone(STOCKHOLM))


def stored(app) -> list:
    with app.extensions["mock_kit"].db.engine.connect() as conn:
        return conn.execute(select(grades).order_by(grades.c.id)).all()


def pdf_text(response) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)


# -- "Försenad" in any report: the catalogue of a group graded after course end + 14 days -----------
def test_catalogue_of_a_late_group_says_forsenad_and_a_timely_one_does_not(admin):
    admin.save_by_key(ENG, ENG_ALL, locks=list(ENG_ALL), teachers=["karin.ostberg"])
    admin.save_by_key(SVE, SVE_ALL, locks=list(SVE_ALL), teachers=["anna.lindqvist"])
    late_preview = text_of(admin.get(f"/betyg/grupp/{gid(ENG)}/betygskatalog"))
    late_pdf = pdf_text(admin.get(f"/betyg/grupp/{gid(ENG)}/betygskatalog.pdf"))
    assert "Försenad" in late_preview and "Försenad" in late_pdf
    assert "Försenad" not in text_of(admin.get(f"/betyg/grupp/{gid(SVE)}/betygskatalog"))
    assert "Försenad" not in pdf_text(admin.get(f"/betyg/grupp/{gid(SVE)}/betygskatalog.pdf"))


# -- betygsdatum is the course-end date, not the day the grades were locked or printed --------------
def test_catalogue_betygsdatum_is_the_course_end_day(admin):
    set_clock(admin.app, "2026-12-22T10:00:00+01:00")
    admin.save_by_key(SVE, SVE_ALL, locks=list(SVE_ALL), teachers=["anna.lindqvist"])
    preview = text_of(admin.get(f"/betyg/grupp/{gid(SVE)}/betygskatalog"))
    assert "Betygsdatum 2026-12-17" in preview
    assert "Utskriven 2026-12-22" in preview
    pdf = " ".join(pdf_text(admin.get(f"/betyg/grupp/{gid(SVE)}/betygskatalog.pdf")).split())
    assert "Betygsdatum 2026-12-17" in pdf and "Utskriven 2026-12-22" in pdf


# -- a draft is not sent to BER, even beside a locked grade of the same student ---------------------
def test_a_draft_is_not_published_beside_the_same_students_locked_grade(admin):
    # Łukasz Nowak (s02) is in ENGENG05 (locked B) and SVESVE01 (draft C).
    admin.save_by_key(ENG, {"s02": "B"}, locks=["s02"], teachers=["karin.ostberg"])
    admin.save_by_key(SVE, {"s02": "C"}, teachers=["anna.lindqvist"])
    response = admin.client.get(
        "/api/skolplattform/betyg",
        headers=API_AUTH,
        query_string={"from": "2026-12-18T00:00", "tom": "2026-12-19T00:00"},
    )
    assert response.status_code == 200
    validate_betyg_xml(response.data)
    assert [(r["elev"], r["kurskod"], r["value"]) for r in betyg_records(response.data)] == [
        (f"{{{pid('s02')}}}", "ENGENG05", "B")
    ]


# -- the summary's Spara validates again: nothing is stored when the group changed in between -------
def test_summary_spara_refuses_a_student_who_is_no_longer_antagen(fresh, ber):
    first, other = PingPongForms(fresh), PingPongForms(fresh)
    first.sign_in("betygsadmin")
    other.sign_in("betygsadmin")
    summary = first.post_grading(SVE, first.grading_form(SVE, {"s01": "A", "s02": "B"}, teachers=["anna.lindqvist"]))
    assert summary.status_code == 200 and "Sammanfattning" in text_of(summary)
    # BER: s01 (Åsa Öberg) dropped out before course end; another user's opening of the group syncs it.
    ber.end_membership(SVE, "s01", "2026-12-01", at="2026-12-18T08:03:00+01:00")
    other.open_group(SVE)
    response = first.second_save(SVE)
    assert response.status_code == 422
    assert "Åsa Öberg har inte status Antagen i gruppen och kan inte få betyg." in text_of(response)
    assert stored(fresh) == []


# -- the store itself guards the rules (a save racing another one, a crafted row) -------------------
def test_store_refuses_a_form_version_that_is_not_the_groups(fresh):
    engine = fresh.extensions["mock_kit"].db.engine
    with pytest.raises(StaleForm):
        with engine.begin() as conn:
            sheet = store.load_sheet(conn, gid(SVE))
            rows = [(sheet.students[0], "A", True)]
            store.save_grades(
                conn, sheet, rows, [pid("anna.lindqvist")], sheet.version - 1, datetime(2026, 12, 18, 9, 0), "test"
            )
    assert stored(fresh) == []


def test_store_never_overwrites_a_locked_grade(admin):
    admin.save_by_key(SVE, {"s01": "A"}, locks=["s01"], teachers=["anna.lindqvist"])
    engine = admin.app.extensions["mock_kit"].db.engine
    with engine.begin() as conn:
        sheet = store.load_sheet(conn, gid(SVE))
        s01 = next(s for s in sheet.students if s.person_id == pid("s01"))
        store.save_grades(
            conn,
            sheet,
            [(s01, "F", True)],
            [pid("anna.lindqvist")],
            sheet.version,
            datetime(2026, 12, 18, 9, 0),
            "test",
        )
    assert [(r.person_id, r.value, r.locked) for r in stored(admin.app)] == [(pid("s01"), "A", True)]
