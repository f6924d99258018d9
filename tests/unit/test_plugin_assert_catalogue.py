"""``assert_catalogue`` checks everything the catalogue checker can: the students in order, the
head fields, the signature blocks, the page count, the late mark ("Försenad") and the print date."""

from __future__ import annotations

import dataclasses

import pytest

from betyg_harness.catalogue import ExpectedStudent
from betyg_harness.mock_pingpong.catalogue import render_pdf
from tests.unit.support import make_catalogue


@pytest.fixture(scope="module")
def on_time():
    data = make_catalogue(3)
    return data, render_pdf(data)


@pytest.fixture(scope="module")
def late():
    data = make_catalogue(3, late=True)
    return data, render_pdf(data)


def _grades(data):
    return {row.civic_no: row.grade for row in data.rows}


def test_the_late_flag(assert_catalogue, on_time, late):
    assert_catalogue(on_time[1], _grades(on_time[0]), late=False)
    assert_catalogue(late[1], _grades(late[0]), late=True)
    with pytest.raises(AssertionError, match="Försenad"):
        assert_catalogue(on_time[1], _grades(on_time[0]), late=True)
    with pytest.raises(AssertionError, match="Försenad"):
        assert_catalogue(late[1], _grades(late[0]), late=False)


def test_students_in_order_pages_and_print_date(assert_catalogue, on_time):
    data, pdf = on_time
    students = [ExpectedStudent(r.civic_no, r.grade, r.family_name, r.given_name) for r in data.rows]
    parsed = assert_catalogue(
        pdf,
        students=students,
        pages=1,
        printed_at="2026-12-21 09:05",
        teachers=list(data.teachers),
        Kurskod=data.course_code,
    )
    assert len(parsed.rows) == 3
    with pytest.raises(AssertionError, match="2026-12-22"):
        assert_catalogue(pdf, printed_at="2026-12-22 09:05")
    with pytest.raises(AssertionError):
        assert_catalogue(pdf, students=list(reversed(students)))
    with pytest.raises(AssertionError):
        assert_catalogue(pdf, pages=2)


def test_every_field_of_the_expectation_is_a_keyword(assert_catalogue):
    """A field added to ExpectedCatalogue must reach assert_catalogue too."""
    import inspect

    from betyg_harness.catalogue import ExpectedCatalogue

    parameters = inspect.signature(assert_catalogue).parameters
    for expected in dataclasses.fields(ExpectedCatalogue):
        assert expected.name in parameters, f"assert_catalogue has no {expected.name}="
