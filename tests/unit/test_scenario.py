"""``betyg_harness.scenario``: the one validation of a scenario document, its lint and its stable ids."""

from __future__ import annotations

import copy
import json

import pytest

from betyg_harness import fixtures, scenario
from betyg_harness.fixtures import generator


@pytest.fixture
def small() -> dict:
    return json.loads(fixtures.scenario_path("small").read_text(encoding="utf-8"))


def test_ids_are_stable_and_the_same_everywhere():
    assert scenario.stable_id("group", "g1") == scenario.stable_id("group", "g1") != scenario.stable_id("group", "g2")
    assert scenario.stable_id("group", "g1") != scenario.stable_id("person", "g1")


def test_a_valid_document_comes_back_unchanged(small):
    before = copy.deepcopy(small)
    assert scenario.validate(small, fixtures.SCHEMA_PATH) is small and small == before
    assert fixtures.validate(small) is small


def test_the_schema_refuses_with_the_field_named(small):
    del small["groups"][0]["endDate"]
    with pytest.raises(scenario.ScenarioError, match="Ogiltigt scenario vid groups/0") as refused:
        fixtures.validate(small)
    assert refused.value.field == "groups/0"


def test_a_reference_to_nothing_is_refused_in_swedish(small):
    small["groups"][0]["graders"] = ["ingen.sadan"]
    with pytest.raises(scenario.ScenarioError, match="Okänd lärare ingen.sadan"):
        fixtures.validate(small)


def test_problems_lists_what_the_validation_lets_through(small):
    assert scenario.problems(small) == [] and generator.problems is scenario.problems
    small["students"][1]["civicNo"] = small["students"][0]["civicNo"]
    small["students"][2]["earlierGrades"] = [
        {"course": small["courses"][0]["code"], "value": "X", "date": "2026-01-01"}
    ]
    found = "\n".join(scenario.problems(small))
    assert f"civicNo {small['students'][0]['civicNo']} used 2 times" in found
    assert "X is not on the scale" in found
