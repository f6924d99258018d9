"""``betyg_harness.statuses``: the enrolment statuses BER, the scenarios and the generator share."""

from __future__ import annotations

import json

from betyg_harness import fixtures, statuses
from betyg_harness.mock_ber import rules


def test_the_schema_allows_exactly_these_statuses():
    schema = json.loads(fixtures.SCHEMA_PATH.read_text(encoding="utf-8"))
    enums = []

    def walk(node):
        if isinstance(node, dict):
            if "enum" in node and statuses.ADMITTED in node["enum"]:
                enums.append(tuple(node["enum"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert enums and all(set(e) == set(statuses.ENROLMENT_STATUSES) for e in enums)


def test_only_the_dated_statuses_end_a_membership():
    assert set(statuses.ENDED_STATUSES) == {"Avbrott", "Avslutad"}
    assert rules.STATUSES is statuses.ENROLMENT_STATUSES
    assert [rules.has_membership(s) for s in statuses.ENROLMENT_STATUSES] == [True, True, True, False]
