"""Fault rules and the request journal, without HTTP."""

import pytest

from betyg_harness.mock_kit.faults import FaultRule, FaultRuleError, Faults
from betyg_harness.mock_kit.request_journal import RequestJournal


def test_rule_for_next_n_requests_then_gone():
    faults = Faults()
    faults.add(FaultRule.from_json({"path": "/ss12000/*", "status": 503, "times": 2}))
    assert faults.take("GET", "/ss12000/v2.1/groups").status == 503
    assert faults.take("GET", "/ss12000/v2.1/groups").status == 503
    assert faults.take("GET", "/ss12000/v2.1/groups") is None
    assert faults.rules() == []


def test_rule_matches_method_and_path():
    faults = Faults()
    faults.add(FaultRule.from_json({"path": "/api/skolplattform/betyg", "method": "get", "drop": True}))
    assert faults.take("POST", "/api/skolplattform/betyg") is None
    assert faults.take("GET", "/login") is None
    assert faults.take("GET", "/api/skolplattform/betyg").drop


def test_seeded_probability_is_reproducible():
    def pattern():
        faults = Faults()
        faults.add(FaultRule.from_json({"path": "/*", "status": 500, "probability": 0.5, "seed": 7}))
        return [faults.take("GET", "/x") is not None for _ in range(40)]

    first = pattern()
    assert first == pattern()
    assert 5 < sum(first) < 35


@pytest.mark.parametrize(
    "body, field",
    [
        ({"status": 500}, "path"),
        ({"path": "nope", "status": 500}, "path"),
        ({"path": "/x", "status": 200}, "status"),
        ({"path": "/x", "latency_ms": -1}, "latency_ms"),
        ({"path": "/x", "status": 500, "times": 0}, "times"),
        ({"path": "/x", "status": 500, "probability": 2}, "probability"),
        ({"path": "/x"}, "body"),
        ({"path": "/x", "status": 500, "colour": "red"}, "colour"),
        ([], "body"),
    ],
)
def test_bad_rules_name_the_field(body, field):
    with pytest.raises(FaultRuleError) as error:
        FaultRule.from_json(body)
    assert error.value.field == field


def test_journal_filters_and_keeps_order():
    journal = RequestJournal()
    for method, path in [("GET", "/a"), ("POST", "/b/1"), ("GET", "/b/2")]:
        journal.record({"method": method, "path": path})
    assert [e["path"] for e in journal.entries(path="/b")] == ["/b/1", "/b/2"]
    assert [e["path"] for e in journal.entries(method="get", path="/b/*")] == ["/b/2"]
    last = journal.entries()[-1]["id"]
    journal.record({"method": "GET", "path": "/c"})
    assert [e["path"] for e in journal.entries(since=last)] == ["/c"]


def test_journal_is_bounded():
    journal = RequestJournal(capacity=3)
    for i in range(5):
        journal.record({"method": "GET", "path": f"/{i}"})
    assert [e["path"] for e in journal.entries()] == ["/2", "/3", "/4"]
