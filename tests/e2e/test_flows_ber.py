"""BER flows against the running mocks: linking a grading teacher, grades arriving in BER."""

from __future__ import annotations

from datetime import timedelta

import pytest

from betyg_harness.flows import (
    ExpectedGrade,
    MockControl,
    NotVisibleInBer,
    ber_login,
    find_groups,
    grade_group,
    link_grading_teacher,
    login,
    unlink_grading_teacher,
    wait_until_visible_in_ber,
)
from betyg_harness.flows.pages.ber import BerGroupSearchPage

HIS = "HISHIS01a1 HT26 Kista A"  # no grading teacher linked in BER: not searchable in Ping Pong


@pytest.fixture
def two_pages(browser, scenario, pingpong_server, ber_server):
    """Ping Pong and BER in separate contexts: both mocks sit on 127.0.0.1, and cookies ignore ports."""
    pp = browser.new_context(base_url=pingpong_server.url).new_page()
    ber = browser.new_context(base_url=ber_server.url).new_page()
    login(pp)
    ber_login(ber)
    yield pp, ber
    pp.context.close()
    ber.context.close()


def test_linking_a_grading_teacher_makes_the_group_gradeable_and_grades_reach_ber(two_pages, mock_clock, ber_server):
    pp, ber = two_pages
    assert find_groups(pp, group=HIS) == []
    link_grading_teacher(ber, HIS, "Karin Östberg")
    link_grading_teacher(ber, HIS, "Karin Östberg")  # already linked: nothing to do
    group = BerGroupSearchPage(ber).goto().search(HIS).open(HIS)
    assert group.grading_teachers() == ["Karin Östberg"]
    mock_clock.advance(minutes=5)  # Ping Pong's next sync from BER
    assert [h.teachers for h in find_groups(pp, group=HIS)] == ["Karin Östberg"]

    grade_group(pp, HIS, {"19900602-2397": "E", "19961020-2385": "F"})
    expected = [
        ExpectedGrade(HIS, "19900602-2397", "HISHIS01a1", "E"),
        ExpectedGrade(HIS, "19961020-2385", "HISHIS01a1", "F"),
    ]
    with pytest.raises(NotVisibleInBer, match="19900602-2397 HISHIS01a1 E"):
        wait_until_visible_in_ber(ber, expected, timeout=timedelta(0), mock=MockControl(ber_server.url))
    rounds = wait_until_visible_in_ber(ber, expected, timeout=timedelta(minutes=30), mock=MockControl(ber_server.url))
    assert 1 < rounds <= 7  # BER imports every 15 mock minutes, the flow advances 5 at a time


def test_unlinking_removes_the_grading_teacher(two_pages):
    _, ber = two_pages
    unlink_grading_teacher(ber, "GRNMAT2 HT26 Kista A", "Omar Haddad")
    group = BerGroupSearchPage(ber).goto().search("GRNMAT2 HT26 Kista A").open("GRNMAT2 HT26 Kista A")
    assert group.grading_teachers() == []
