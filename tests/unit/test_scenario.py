"""``betyg_harness.scenario``: the one validation of a scenario document, its lint and its stable ids."""

from __future__ import annotations

import copy
import json

import pytest

from betyg_harness import fixtures, identity, scales, scenario
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


# -- the domain's refusals, once BER's own while loading: each refused by the one validation ------
GRADE = {"course": "SVESVE01", "value": "C", "date": "2026-01-10"}


def refused(doc: dict) -> scenario.ScenarioError:
    with pytest.raises(scenario.ScenarioError) as error:
        fixtures.validate(doc)
    return error.value


def test_an_invalid_civic_number_is_refused_naming_the_person(small):
    small["students"][1]["civicNo"] = "198705212383"  # wrong check digit
    error = refused(small)
    assert str(error) == "student s2: Personnumret 198705212383 är ogiltigt (fel datum eller kontrollsiffra)."
    assert error.field == "student"
    small["students"][1]["civicNo"] = "198705212382"
    small["staff"][0]["civicNo"] = "197913179191"  # month 13
    error = refused(small)
    assert str(error).startswith("staff lars.ohman: Personnumret") and error.field == "staff"


def test_a_grader_without_the_role_larare_is_refused(small):
    small["staff"][0]["dutyRole"] = "Rektor"
    error = refused(small)
    assert "lars.ohman har inte rollen Lärare och kan inte vara betygssättande lärare" in str(error)
    assert error.field == "groups/svesve01-ht26-skarholmen-a"
    small["groups"][0]["graders"] = []  # a Rektor may still teach
    assert fixtures.validate(small) is small


@pytest.mark.parametrize(
    "programme, message",
    [
        ({"courses": ["MATMAT01a"]}, "Okänd kurs MATMAT01a i programmes/p1."),
        ({"schoolUnits": ["ingenstans"]}, "Okänd skolenhet ingenstans i programmes/p1."),
    ],
)
def test_a_programme_of_unknown_courses_or_units_is_refused(small, programme, message):
    small["programmes"] = [
        {"key": "p1", "name": "Paket", "type": "Nationellt yrkespaket", "courses": ["SVESVE01"]} | programme
    ]
    error = refused(small)
    assert str(error) == message and error.field == "programmes/p1"


def test_a_programme_of_known_courses_and_units_is_accepted(small):
    small["programmes"] = [
        {
            "key": "p1",
            "name": "Paket",
            "type": "Nationellt yrkespaket",
            "courses": ["SVESVE01"],
            "schoolUnits": [small["schoolUnits"][0]["key"]],
        }
    ]
    assert fixtures.validate(small) is small


WHERE = "students/s3/earlierGrades/1"


@pytest.mark.parametrize(
    "change, message",
    [
        ({"course": "MATMAT01a"}, f"Okänd kurs MATMAT01a i {WHERE}."),
        ({"schoolUnit": "ingenstans"}, f"Okänd skolenhet ingenstans i {WHERE}."),
        ({"graders": ["ingen.sadan"]}, f"Okänd lärare i {WHERE}."),
        ({"value": "G"}, f"Betyget G finns inte i betygsskalan (A, B, C, D, E, F, -). ({WHERE})"),
        (
            {"correction": {"type": "Ändring", "previousValue": "B", "date": "2026-02-01"}},
            f"En ändring får aldrig sänka betyget (B → C); det kan bara en rättelse. ({WHERE})",
        ),
        (
            {"correction": {"type": "Rättelse", "previousValue": "C", "date": "2026-02-01"}},
            f"En rättelse måste ändra betyget (det var redan C). ({WHERE})",
        ),
        (
            {"correction": {"type": "Rättelse", "previousValue": "D", "date": "2026-01-09"}},
            f"Rättelsen kan inte ligga före betygsdatumet ({WHERE}).",
        ),
    ],
)
def test_a_bad_earlier_grade_is_refused_naming_its_place(small, change, message):
    small["students"][2]["earlierGrades"] = [{"course": "SVESVE01", "value": "A", "date": "2025-06-01"}, GRADE | change]
    error = refused(small)
    assert (str(error), error.field) == (message, WHERE)


def test_good_earlier_grades_are_accepted(small):
    small["students"][2]["earlierGrades"] = [
        GRADE | {"graders": ["lars.ohman"], "schoolUnit": small["schoolUnits"][0]["key"]},
        GRADE | {"correction": {"type": "Ändring", "previousValue": "D", "date": "2026-01-10"}},
        GRADE | {"value": "D", "correction": {"type": "Rättelse", "previousValue": "B", "date": "2026-03-01"}},
    ]
    assert fixtures.validate(small) is small


def test_the_grade_rules_live_in_the_floor():
    assert (
        scales.grade_rank("gymnasial", "A") > scales.grade_rank("gymnasial", "F") > scales.grade_rank("gymnasial", "-")
    )
    assert scales.grade_rank("grundläggande", "G") > scales.grade_rank("grundläggande", "IG")
    with pytest.raises(ValueError, match="Okänd kursnivå"):
        scales.grade_rank("grund", "G")
    scales.check_grade_change("gymnasial", "C", "E", "Rättelse")  # a rättelse may lower
    scales.check_grade_change("gymnasial", "E", "C", "Ändring")
    with pytest.raises(ValueError, match="Okänd ändringstyp"):
        scales.check_grade_change("gymnasial", "E", "C", "Omprövning")
    assert identity.twelve_digits("19870521-2382") == "198705212382"
    with pytest.raises(ValueError, match="ska ha 12 siffror"):
        identity.twelve_digits("870521-2382")


# -- what a registry holds once: refused by the validation, not by a table's constraint (a 500) ----
def _student_twice(doc: dict) -> None:
    doc["groups"][0]["enrolments"].append(doc["groups"][0]["enrolments"][0])


def _staff_key_of_a_student(doc: dict) -> None:
    doc["staff"].append({**doc["staff"][0], "key": doc["students"][0]["key"]})


def _username_twice(doc: dict) -> None:
    doc["accounts"]["ber"].append(doc["accounts"]["ber"][0])


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (_student_twice, "groups/", "Eleven s1 står två gånger i groups/"),
        (_staff_key_of_a_student, "students", "Nyckeln s1 används både för personal och för en elev"),
        (_username_twice, "accounts/ber", "Användarnamnet beradmin står två gånger i accounts/ber"),
    ],
)
def test_what_a_registry_holds_once_is_refused_naming_it(small, change, field, message):
    change(small)
    error = refused(small)
    assert message in str(error) and error.field.startswith(field)


def test_two_records_with_one_personnummer_are_allowed_and_linted(small):
    small["students"][1]["civicNo"] = small["students"][0]["civicNo"]
    assert fixtures.validate(small) is small
