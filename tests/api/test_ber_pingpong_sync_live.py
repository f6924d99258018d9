"""BER's changes and removals reach Ping Pong within one cycle: by its incremental poll
(``meta.modified.after`` + ``deletedEntities``) and, where BER offers subscriptions, at once by a
webhook notice — including a notice lost while Ping Pong is down (BER retries; the poll catches up).

The real BER and the real Ping Pong, each behind its own HTTP server (tests/api/live_pair.py).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from betyg_harness.scenario import stable_id
from betyg_harness.mock_ber import store
from betyg_harness.mock_ber.models import Enrolment, Person, TeachingGroup
from tests.api.live_pair import Pair

pytestmark = pytest.mark.xdist_group("ber_pingpong_live")
SVE, MAT = "SVESVE01 HT26 Kista A", "GRNMAT2 HT26 Kista A"


@pytest.fixture(scope="module")
def pair():
    live = Pair()
    yield live
    live.close()


@pytest.fixture
def fresh(pair):
    for served in (pair.ber, pair.pingpong):
        if served.server is None:  # a test that stopped it failed before starting it again
            served.start()
    pair.load()
    pair.ber.kit.journal.clear()
    return pair


def _group(session, key):
    return session.get(TeachingGroup, stable_id("group", key))


def _person(session, key):
    return session.get(Person, stable_id("person", key))


def _enrolment(session, group_key, student_key):
    return session.scalars(
        select(Enrolment).where(
            Enrolment.group_id == stable_id("group", group_key), Enrolment.person_id == stable_id("person", student_key)
        )
    ).one()


# Each change, made in BER by the registry's own function, and what Ping Pong's copy shows after it.
CHANGES = {
    "student removed from the group": (
        lambda s: store.remove_enrolment(s, _enrolment(s, "svesve01-ht26-a", "s02")),
        lambda c: "Łukasz" not in c["svesve01-ht26-a"]["admitted"],
    ),
    "Avbrott": (
        lambda s: store.set_enrolment_status(s, _enrolment(s, "svesve01-ht26-a", "s03"), "Avbrott", date(2026, 12, 1)),
        lambda c: "Ayşe" not in c["svesve01-ht26-a"]["admitted"],
    ),
    "grading teacher unlinked": (
        lambda s: store.unlink_grader(s, _group(s, "svesve01-ht26-a"), _person(s, "anna.lindqvist")),
        lambda c: SVE not in c["searchable"] and c["svesve01-ht26-a"]["teachers"] == [],
    ),
    "person removed (deletedEntities)": (
        lambda s: store.delete_person(s, _person(s, "s01")),
        lambda c: "Åsa" not in c["svesve01-ht26-a"]["admitted"] and "Åsa" not in c["persons"],
    ),
    "group removed (deletedEntities)": (
        lambda s: store.delete_group(s, _group(s, "grnmat2-ht26-a")),
        lambda c: MAT not in c["searchable"] and c["grnmat2-ht26-a"] is None,
    ),
}


def _before(pair):
    copy = pair.copy()
    assert {SVE, MAT} <= set(copy["searchable"])
    assert {"Åsa", "Łukasz", "Ayşe"} <= set(copy["svesve01-ht26-a"]["admitted"])
    assert copy["svesve01-ht26-a"]["teachers"] == ["Anna"]
    return copy


@pytest.mark.parametrize("kind", list(CHANGES))
def test_one_incremental_poll_brings_the_change(fresh, kind):
    change, shows = CHANGES[kind]
    _before(fresh)
    fresh.ber.shift_clock(minutes=1)  # BER's clock only: no webhook round runs
    fresh.in_ber(change)
    assert not shows(fresh.copy())  # not before Ping Pong looks
    ran = fresh.pingpong.advance(minutes=5)  # one incremental cycle of Ping Pong's poll
    assert [r["job"] for r in ran] == ["ber_sync"]
    assert shows(fresh.copy())
    assert fresh.ber_deliveries() == []  # the poll did it, not a notice


@pytest.mark.parametrize("kind", list(CHANGES))
def test_a_webhook_notice_syncs_at_once(fresh, kind):
    change, shows = CHANGES[kind]
    _before(fresh)
    fresh.ber.shift_clock(seconds=1)
    fresh.in_ber(change)
    pingpong_now = fresh.pingpong.kit.clock.now()
    ran = fresh.ber.advance(seconds=30)  # BER's webhook round, on BER's clock
    assert "webhooks" in [r["job"] for r in ran]
    assert fresh.pingpong.kit.clock.now() == pingpong_now  # Ping Pong's own poll never ran
    assert shows(fresh.copy())
    [delivery] = fresh.ber_deliveries()
    assert delivery["status"] == 200 and delivery["target"].startswith(fresh.pingpong.url + "/api/ber/webhook/")
    assert delivery["body"]["modifiedEntites"] or delivery["body"]["deletedEntities"]


def test_pingpong_subscribes_once_to_what_it_copies(fresh):
    import requests

    listed = requests.get(
        f"{fresh.ber.url}/ss12000/v2.1/subscriptions", headers={"Authorization": "Bearer ber-dev-token"}, timeout=5
    ).json()["data"]
    [sub] = listed  # a reload replaced, not added, the subscription
    assert {r["resource"] for r in sub["resourceTypes"]} == {
        "Organisation",
        "Syllabus",
        "Person",
        "Duty",
        "Group",
        "Activity",
    }
    state = fresh.pingpong.app.extensions["pingpong_syncer"].state()
    assert state["webhook"]["id"] == sub["id"] and state["webhooks_offered"] is True


def test_a_notice_lost_while_pingpong_is_down_is_retried(fresh):
    change, shows = CHANGES["student removed from the group"]
    fresh.ber.shift_clock(seconds=1)
    fresh.in_ber(change)
    fresh.pingpong.stop()  # Ping Pong down: connection refused
    fresh.ber.advance(seconds=30)
    [lost] = fresh.ber_deliveries()
    assert lost["status"] is None and "kunde inte nås" in lost["error"]
    assert not shows(fresh.copy())
    fresh.pingpong.start()
    fresh.ber.advance(seconds=30)  # the back-off (1 minute) has not passed: no new try yet
    assert len(fresh.ber_deliveries()) == 1
    fresh.ber.advance(seconds=30)
    retried = fresh.ber_deliveries()[-1]
    assert retried["status"] == 200 and retried["attempt"] == 2
    assert shows(fresh.copy())


def test_a_lost_notice_is_caught_up_by_the_poll(fresh):
    change, shows = CHANGES["group removed (deletedEntities)"]
    fresh.ber.shift_clock(seconds=1)
    fresh.in_ber(change)
    fresh.pingpong.stop()
    fresh.ber.advance(seconds=30)  # the notice is lost; BER would retry in a minute
    fresh.pingpong.start()
    fresh.pingpong.advance(minutes=5)  # but Ping Pong's own poll comes first
    assert shows(fresh.copy())
    assert [d["status"] for d in fresh.ber_deliveries()] == [None]


def test_a_notice_with_a_wrong_token_is_refused(fresh):
    import requests

    answer = requests.post(f"{fresh.pingpong.url}/api/ber/webhook/fel", json={"modifiedEntites": ["Group"]}, timeout=5)
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


def test_without_webhooks_pingpong_only_polls():
    live = Pair(pingpong_config={"BER_WEBHOOKS": False})
    try:
        import requests

        listed = requests.get(
            f"{live.ber.url}/ss12000/v2.1/subscriptions", headers={"Authorization": "Bearer ber-dev-token"}, timeout=5
        ).json()["data"]
        assert listed == []
        change, shows = CHANGES["Avbrott"]
        live.ber.shift_clock(minutes=1)
        live.in_ber(change)
        assert live.ber.advance(seconds=30) == []  # no subscription: no webhook round
        live.pingpong.advance(minutes=5)
        assert shows(live.copy())
    finally:
        live.close()
