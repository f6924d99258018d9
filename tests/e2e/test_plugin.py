"""The plugin as our users meet it: its fixtures in a test (installed from the wheel: test_wheel.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from betyg_harness import flows

SVE = "SVESVE01 HT26 Kista A"
SVE_GRADES = {"19900602-2397": "A", "19910717-2380": "B", "19961020-2385": "C", "20000105-2380": "-"}


def test_fixtures_grade_check_the_catalogue_and_see_it_in_ber(pingpong, ber, mock_clock, assert_catalogue,
                                                              tmp_path):
    pingpong.grade_group(SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    pdf = pingpong.download_catalogue(SVE, tmp_path)
    assert_catalogue(pdf, SVE_GRADES, teachers=["Anna Lindqvist"], Kurskod="SVESVE01", Betygsgrupp=SVE)
    expected = [flows.ExpectedGrade(SVE, pnr, "SVESVE01", grade) for pnr, grade in SVE_GRADES.items()]
    # One look each (no waiting): absent before BER's next import, present after it.
    with pytest.raises(flows.NotVisibleInBer):
        ber.wait_until_visible(expected, timeout=timedelta(0))
    mock_clock.advance(minutes=15)
    assert ber.wait_until_visible(expected, timeout=timedelta(0)) == 1


def test_assert_catalogue_fails_on_a_wrong_grade(pingpong, assert_catalogue, tmp_path):
    pingpong.grade_group(SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    pdf = pingpong.download_catalogue(SVE, tmp_path)
    with pytest.raises(AssertionError, match="19900602-2397"):
        assert_catalogue(pdf, {**SVE_GRADES, "19900602-2397": "B"})


def test_scenario_marker_loads_the_named_scenario(scenario, pingpong_server):
    assert scenario["name"] == "default"
    assert pingpong_server.state()["scenario"] == "default"


@pytest.mark.scenario("small")
def test_scenario_marker_switches_scenario(scenario, pingpong_server, ber_server):
    assert scenario["name"] == "small"
    assert pingpong_server.state()["scenario"] == ber_server.state()["scenario"] == "small"
