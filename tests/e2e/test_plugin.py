"""The plugin as our users meet it: its fixtures in a test (installed from the wheel: test_wheel.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from betyg_harness import flows

SVE = "SVESVE01 HT26 Kista A"
SVE_GRADES = {"19900602-2397": "A", "19910717-2380": "B", "19961020-2385": "C", "20000105-2380": "-"}


def test_fixtures_grade_check_the_catalogue_and_see_it_in_ber(pingpong, ber, mock_clock, assert_catalogue, tmp_path):
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
    assert_catalogue(pdf, SVE_GRADES, late=False)
    with pytest.raises(AssertionError, match="Försenad"):
        assert_catalogue(pdf, SVE_GRADES, late=True)


SAVE = "/betyg/grupp/*/sammanfattning"


@pytest.mark.fail_fast
def test_fail_fast_tries_each_step_once(pingpong, faults, journal):
    faults.pingpong(method="POST", path=SAVE, status=500)
    journal.clear()
    with pytest.raises(flows.ServerError):
        pingpong.grade_group(SVE, SVE_GRADES, teachers=["Anna Lindqvist"])
    assert len(journal.pingpong(method="POST", path=SAVE)) == 1  # no second attempt


TRACED = """
def test_three_pages(grade_admin_page, ber_admin_page, visual_page):
    for page in (grade_admin_page, ber_admin_page, visual_page):
        page.title()
"""


def test_tracing_records_every_context_the_plugin_opens(tmp_path):
    """pytest-playwright's --tracing on keeps one trace per context it knows of: the plugin's pages
    (Ping Pong's, BER's in a context of its own, the visual one) all go through its new_context."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_traced.py").write_text(TRACED)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "--tracing",
            "on",
            "--output",
            str(tmp_path / "out"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    traces = sorted(p.name for p in (tmp_path / "out").rglob("*.zip"))
    assert traces == ["trace-1.zip", "trace-2.zip", "trace-3.zip"], traces


def test_scenario_marker_loads_the_named_scenario(scenario, pingpong_server):
    assert scenario["name"] == "default"
    assert pingpong_server.state()["scenario"] == "default"


@pytest.mark.scenario("small")
def test_scenario_marker_switches_scenario(scenario, pingpong_server, ber_server):
    assert scenario["name"] == "small"
    assert pingpong_server.state()["scenario"] == ber_server.state()["scenario"] == "small"
