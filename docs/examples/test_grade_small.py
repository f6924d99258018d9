import pytest

GROUP = "SVESVE01 HT26 Skärholmen A"
GRADES = {"19870521-2382": "A", "19970516-2387": "C", "20030430-2383": "E"}


@pytest.mark.scenario("small")
def test_grade_group_and_check_catalogue(pingpong, assert_catalogue, tmp_path):
    pingpong.grade_group(GROUP, GRADES, teachers=["Lars Öhman"])
    pdf = pingpong.download_catalogue(GROUP, tmp_path)
    assert_catalogue(pdf, GRADES, teachers=["Lars Öhman"], Betygsgrupp=GROUP)
