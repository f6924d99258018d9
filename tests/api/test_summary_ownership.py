"""A summary's signed payload (with its one-time token) belongs to the group and the user it was made
for: posted to another group's Sammanfattning, or by another logged-in user, it is refused with a
Swedish message and a 4xx, and nothing is stored. (Before, a confirmed summary posted to another
group answered "Betygen är sparade." as a replay, although nothing was stored there.)"""

from __future__ import annotations

from sqlalchemy import select

from betyg_harness.mock_pingpong.models import grades
from tests.api.pingpong_support import gid, pid, text_of
from tests.support.pingpong_forms import PingPongForms

SVE = "svesve01-ht26-a"  # graded by anna.lindqvist, gradeable on the scenario's start
GRN = "grnmat2-ht26-a"  # graded by omar.haddad, gradeable on the scenario's start


def _summary(browser: PingPongForms, key: str, grades_by_student: dict[str, str], teacher: str) -> str:
    """Open the group, press the first Spara, and return the summary's payload."""
    first = browser.post_grading(key, browser.grading_form(key, grades_by_student, teachers=[teacher]))
    assert first.status_code == 200, text_of(first)
    return browser.payload()


def _post_summary(browser: PingPongForms, key: str, payload: str, action: str = "spara", *, stores: bool = True):
    """The summary's Spara (or Tillbaka) on ``key``'s Sammanfattning; with ``stores=False``, also that
    the post stored nothing (every row of Ping Pong the same before and after the post itself —
    opening the group first re-reads it from BER)."""
    token = browser.token(browser.open_group(key).get_data(as_text=True))
    before = _digest(browser.app)
    response = browser.post(
        f"/betyg/grupp/{gid(key)}/sammanfattning", {"csrf_token": token, "payload": payload, "action": action}
    )
    if not stores:
        assert _digest(browser.app) == before
    return response


def _digest(app) -> str:
    return app.extensions["mock_kit"].db.digest()


def _grades_of(app, key: str) -> list:
    with app.extensions["mock_kit"].db.engine.connect() as conn:
        return conn.execute(select(grades).where(grades.c.group_id == gid(key))).all()


def test_a_confirmed_summary_posted_to_another_group_is_refused_not_replayed(admin):
    payload = _summary(admin, SVE, {"s01": "A"}, "anna.lindqvist")
    saved = admin.second_save(SVE)
    assert saved.status_code == 302  # stored once, for SVE
    response = _post_summary(admin, GRN, payload, stores=False)
    assert response.status_code == 403, response.status_code
    text = text_of(response)
    assert "annan betygsgrupp" in text and "sparades inte" in text
    assert _grades_of(admin.app, GRN) == []
    follow = admin.open_group(GRN)
    assert "Betygen är sparade" not in text_of(follow)


def test_an_unconfirmed_summary_posted_to_another_group_is_refused_and_stays_usable(admin):
    payload = _summary(admin, SVE, {"s02": "B"}, "anna.lindqvist")
    for action in ("spara", "tillbaka"):  # Tillbaka never fills a group's form with another group's choices
        response = _post_summary(admin, GRN, payload, action, stores=False)
        assert response.status_code == 403 and "annan betygsgrupp" in text_of(response), action
    assert _post_summary(admin, SVE, payload).status_code == 302  # its own group still takes it
    assert [row.person_id for row in _grades_of(admin.app, SVE)] == [pid("s02")]


def test_another_users_summary_is_refused(fresh):
    anna = PingPongForms(fresh)
    anna.sign_in("anna.lindqvist")
    payload = _summary(anna, SVE, {"s03": "C"}, "anna.lindqvist")
    admin = PingPongForms(fresh)
    admin.sign_in("betygsadmin")  # may open SVE, but did not make this summary
    response = _post_summary(admin, SVE, payload, stores=False)
    assert response.status_code == 403
    assert "annan användare" in text_of(response)
    assert _grades_of(fresh, SVE) == []
    assert _post_summary(anna, SVE, payload).status_code == 302  # its maker still can
    assert [row.person_id for row in _grades_of(fresh, SVE)] == [pid("s03")]
