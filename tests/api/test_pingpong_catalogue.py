"""The catalogue downloaded through Ping Pong, read back from the PDF: every field, every row in
Swedish order, "Sida N av M" on every page — for a group of 3 and a group of 200."""

from __future__ import annotations

import copy

import pytest
from stdnum import luhn

from betyg_harness.catalogue import read_catalogue
from betyg_harness.mock_pingpong import create_app
from tests.api.pingpong_support import Ber, frozen_default, gid, text_of
from tests.support.pingpong_forms import PingPongForms

SURNAMES = ["Öberg", "Andersson", "Åkesson", "Nowak", "Ärlig", "Zetterlund", "Yılmaz", "Ødegård", "Berg", "Muñoz"]


def _civic_no(nine: str) -> str:
    """A valid personnummer born 19YYMMDD from its first nine digits (BER refuses a wrong check digit)."""
    return f"19{nine}{luhn.calc_check_digit(nine)}"


def big_scenario() -> dict:
    doc = copy.deepcopy(frozen_default())
    students = [
        {
            "key": f"b{i:03d}",
            "givenName": f"Elev{i:03d}",
            "familyName": SURNAMES[i % len(SURNAMES)],
            "civicNo": _civic_no(f"90{(i % 12) + 1:02d}{(i % 28) + 1:02d}{i:03d}"),
        }
        for i in range(200)
    ]
    doc["students"] += students
    doc["groups"].append(
        {
            "key": "stor-grupp",
            "name": "SVESVE01 HT26 Stor grupp",
            "course": "SVESVE01",
            "schoolUnit": "vux-kista",
            "startDate": "2026-08-17",
            "endDate": "2026-12-17",
            "teachers": ["anna.lindqvist"],
            "graders": ["anna.lindqvist", "karin.ostberg"],
            "enrolments": [{"student": s["key"], "status": "Antagen"} for s in students],
        }
    )
    return doc


@pytest.fixture(scope="module")
def big_app():
    doc = big_scenario()
    ber = Ber(doc, page_size=100)
    application = create_app({"BER_URL": ber.url, "SCENARIO": doc, "SCHEDULER": False})
    yield application, doc
    application.extensions["mock_kit"].db.dispose()
    ber.stop()


def lock_all(browser: PingPongForms, key: str, grades: dict[str, str], teachers: list[str]):
    response = browser.save_by_key(key, grades, locks=list(grades), teachers=teachers)
    assert response.status_code == 302


def test_three_students(big_app):
    app, _ = big_app
    browser = PingPongForms(app)
    browser.sign_in("betygsadmin")
    lock_all(browser, "grnmat2-ht26-a", {"s07": "G", "s08": "IG", "s09": "G"}, ["omar.haddad"])
    pdf = browser.get(f"/betyg/grupp/{gid('grnmat2-ht26-a')}/betygskatalog.pdf")
    parsed = read_catalogue(pdf.data)
    assert [(r.efternamn, r.fornamn, r.personnummer, r.betyg) for r in parsed.rows] == [
        ("Al-Sayed", "Fatima", "19931216-2390", "G"),
        ("Andersson", "Eva", "20000103-2382", "G"),
        ("Zetterlund", "Mikael", "20000104-2399", "IG"),
    ]
    assert parsed.footers == [(1, 1)]
    text = " ".join(parsed.page_texts)
    for needle in (
        "Stockholms stad",
        "Vuxenutbildningscentrum Kista",
        "41236987",
        "GRNMAT2",
        "Matematik",
        "600",
        "verksamhetspoäng",
        "GRNMAT2 HT26 Kista A",
        "2026-08-17",
        "2026-12-18",
    ):
        assert needle in text
    assert [s.name for s in parsed.signatures] == ["Omar Haddad"]


def test_two_hundred_students_paginate(big_app):
    app, doc = big_app
    browser = PingPongForms(app)
    browser.sign_in("betygsadmin")
    steps = ["A", "B", "C", "D", "E", "F", "-"]
    grades = {f"b{i:03d}": steps[i % 7] for i in range(200)}
    lock_all(browser, "stor-grupp", grades, ["anna.lindqvist", "karin.ostberg"])
    view = browser.open_group("stor-grupp")
    assert "Klar" in text_of(view)
    pdf = browser.get(f"/betyg/grupp/{gid('stor-grupp')}/betygskatalog.pdf")
    assert pdf.status_code == 200
    parsed = read_catalogue(pdf.data)
    assert len(parsed.rows) == 200
    assert parsed.page_count > 1
    assert parsed.footers == [(n, parsed.page_count) for n in range(1, parsed.page_count + 1)]
    assert parsed.headerless_row_pages == []  # the table header is repeated on each page
    people = {s["key"]: s for s in doc["students"]}
    expected = {f"{people[k]['civicNo'][:8]}-{people[k]['civicNo'][8:]}": v for k, v in grades.items()}
    assert parsed.grades == expected
    from betyg_harness.mock_pingpong.rules import student_order_key

    keys = [student_order_key(r.efternamn, r.fornamn) for r in parsed.rows]
    assert keys == sorted(keys)
    assert parsed.rows[-1].efternamn == "Ødegård" and parsed.rows[0].efternamn == "Andersson"
    assert sorted(s.name for s in parsed.signatures) == ["Anna Lindqvist", "Karin Östberg"]
