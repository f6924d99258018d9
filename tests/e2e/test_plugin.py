"""The plugin as our users meet it: its fixtures in a test, and installed with pip in a fresh venv."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from datetime import timedelta
from pathlib import Path

import pytest

import flows

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "test_grade_small.py"
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


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git to copy the checkout")
def test_pip_install_in_a_fresh_venv_and_a_ten_line_test_elsewhere(tmp_path):
    """`pip install .` into a new venv; the example test from the README, in another folder, using only
    the plugin's fixtures, grades a group and checks its catalogue."""
    source = tmp_path / "src"  # a copy of the tracked files, so the build leaves the checkout untouched
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
                   check=True, cwd=tmp_path, timeout=900)
    elsewhere = tmp_path / "qa-suite"
    elsewhere.mkdir()
    shutil.copy(EXAMPLE, elsewhere / "test_grade_small.py")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
    env["BETYG_REFERENCE_DIR"] = str(ROOT.parent / "shared" / "reference")
    result = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_grade_small.py"],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "1 passed" in result.stdout
