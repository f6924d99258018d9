"""``betyg_harness.scales``: one grade scale per course level, reached from a level, a school type
or a course code alike."""

from __future__ import annotations

import pytest

from betyg_harness import scales

A_TO_F = ("A", "B", "C", "D", "E", "F", "-")


def test_each_level_has_its_scale_and_school_type():
    assert scales.scale("gymnasial") == A_TO_F and scales.school_type("gymnasial") == "VUXGY"
    assert scales.scale("grundläggande") == ("G", "IG") and scales.school_type("grundläggande") == "VUXGR"


def test_the_three_keys_lead_to_the_same_scale():
    for level in scales.LEVELS:
        same = {
            scales.scale(level),
            scales.scale_of_school_type(scales.school_type(level)),
            scales.scale_of_course("GRNENGA" if level == scales.GRUNDLAGGANDE else "MATMAT01a"),
        }
        assert len(same) == 1


@pytest.mark.parametrize("code", ["SVESVE01", "MATMAT01a", "HISHIS01a1", "GRNSVE2", "GRNENGA"])
def test_national_course_codes_are_recognised(code):
    assert scales.is_course_code(code)


@pytest.mark.parametrize("code", ["SVE01", "GRNSVE01", "svesve01", "GRN", "MATMAT01abcd", ""])
def test_other_codes_are_not(code):
    assert not scales.is_course_code(code)
    with pytest.raises(ValueError, match="okänd kurskod"):
        scales.scale_of_course(code)


def test_the_level_of_a_course_is_read_from_its_code():
    assert scales.level_of_course("GRNMAT2") == "grundläggande"
    assert scales.level_of_course("SVESVE01") == "gymnasial"


def test_unknown_keys_are_refused():
    for lookup, key in ((scales.scale, "VUXGY"), (scales.school_type, "gy"), (scales.scale_of_school_type, "GY")):
        with pytest.raises(KeyError):
            lookup(key)
