"""The contract checkers: grade XML against betyg.xsd and docs/contracts.md, JSON against SS 12000."""

from __future__ import annotations

import copy
import uuid

import pytest

from betyg_harness import contracts
from betyg_harness.contracts import ContractError, validate_betyg_xml, validate_ss12000
from betyg_harness import reference

EXAMPLE = (reference.betyg_xsd().parent / "betyg-exempel.xml").read_bytes()
NS = contracts.BETYG_NS


_ids = (str(uuid.uuid5(uuid.NAMESPACE_URL, f"test-contracts/{n}")) for n in range(10_000))


def _id() -> str:
    """A fixed (uuid5) id: parameter ids must be the same in every xdist worker."""
    return next(_ids)


def _guid() -> str:
    return "{" + _id() + "}"


STUDENT, SCHOOL, GROUP, TEACHER = _guid(), _guid(), _guid(), _guid()


ROOT_ATTRS = 'from="2026-12-18T08:00:00" tom="2026-12-18T08:15:00"'


def elev_xml(
    value="A",
    datum="<datum>2026-12-18</datum>",
    skolform="VUX",
    roll="LÄRARE",
    person=TEACHER,
    skola=SCHOOL,
    student=STUDENT,
) -> str:
    return f"""
  <elev id="{student}">
    <kursbetyg>
      <value>{value}</value>
      {datum}
      <prövning>false</prövning>
      <betygsgrupp>{GROUP}</betygsgrupp>
      <skola>{skola}</skola>
      <beslutsfattare roll="{roll}"><person>{person}</person></beslutsfattare>
      <skolform>{skolform}</skolform>
      <kurskod>SVESVE01</kurskod>
      <omdöme>false</omdöme>
    </kursbetyg>
  </elev>"""


def answer(*elevs: str, ns=NS, root_attrs=ROOT_ATTRS) -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<betyg xmlns="{ns}" {root_attrs}>{"".join(elevs)}\n</betyg>'


def grade_xml(ns=NS, root_attrs=ROOT_ATTRS, **kwargs) -> str:
    """One student with one kursbetyg, as docs/contracts.md describes; kwargs change a field."""
    return answer(elev_xml(**kwargs), ns=ns, root_attrs=root_attrs)


# -- grade XML against the XSD ---------------------------------------------------------------------
def test_the_published_example_validates_against_the_xsd_as_bytes_and_text():
    for document in (EXAMPLE, EXAMPLE.decode("utf-8")):
        validate_betyg_xml(document)  # raises ContractError listing every fault
        assert len(contracts.betyg_records(document)) == 7  # read whole: 7 grades for 3 students


def test_the_published_example_breaks_our_stricter_contract():
    # The example is schema-valid, but has ids our contract forbids: a GUID missing its closing
    # brace and one with nine hex digits in its first part, and GY/GR grades, EXTERN decisions.
    with pytest.raises(ContractError) as info:
        contracts.check_betyg_contract(EXAMPLE)
    text = str(info.value)
    assert "'{96ab211c-4937-49e3-8fdc-e144447c2138' is not a GUID in braces" in text
    assert "'{abdcacf8c-0930-11e5-a6c0-1697f925ec7b}' is not a GUID in braces" in text
    assert "skolform 'GY', expected 'VUX'" in text and "roll LÄRARE" in text


def test_a_komvux_answer_as_the_contract_describes_passes_both_checks():
    validate_betyg_xml(grade_xml())
    contracts.check_betyg_contract(grade_xml())
    validate_betyg_xml(grade_xml(value="IG").encode("utf-8"))
    validate_betyg_xml(answer())  # no student changed in the interval


def test_betyg_records_flattens_the_grades():
    (record,) = contracts.betyg_records(grade_xml(value="-"))
    assert record == {
        "elev": STUDENT,
        "kind": "kursbetyg",
        "value": "-",
        "datum": "2026-12-18",
        "prövning": False,
        "betygsgrupp": GROUP,
        "skola": SCHOOL,
        "roll": "LÄRARE",
        "beslutsfattare": [TEACHER],
        "skolform": "VUX",
        "kurskod": "SVESVE01",
        "omdöme": False,
    }
    assert len(contracts.betyg_records(EXAMPLE)) == 7


@pytest.mark.parametrize(
    "xml, expected",
    [
        (grade_xml(value="Godkänt"), "value must be one of"),
        (grade_xml(datum=""), "datum"),
        (grade_xml(datum="<datum>18/12/2026</datum>"), "datum"),
        (grade_xml(ns="http://pingpong.se/schemas/grades/v1.0"), "v1.0"),
        (grade_xml(skolform="KOMVUX"), "skolform"),
        (grade_xml(roll="LARARE"), "roll"),
        (grade_xml(root_attrs='from="2026-12-18T08:00:00"'), "tom"),
    ],
)
def test_invalid_grade_xml_is_refused_with_the_fault_named(xml, expected):
    with pytest.raises(ContractError) as info:
        validate_betyg_xml(xml)
    assert "betyg.xsd" in str(info.value)
    assert expected in str(info.value)


def test_every_error_is_listed_not_only_the_first():
    with pytest.raises(ContractError) as info:
        validate_betyg_xml(answer(elev_xml(value="X"), elev_xml(value="Y", student=_guid())))
    assert len(info.value.errors) == 2


def test_malformed_xml_is_refused():
    with pytest.raises(ContractError, match="not well-formed"):
        validate_betyg_xml("<betyg><elev></betyg>")
    with pytest.raises(AssertionError):  # ContractError is an AssertionError for pytest ...
        validate_betyg_xml(b"")
    with pytest.raises(ValueError):  # ... and a ValueError for application code
        validate_betyg_xml(b"not xml")


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        (dict(skolform="GY"), "skolform 'GY', expected 'VUX'"),
        (dict(roll="EXTERN"), "roll LÄRARE"),
        (dict(person="96ab211c-4937-49e3-8fdc-e144447c2138"), "is not a GUID in braces"),
        (dict(skola="skola-1"), "skola 'skola-1' is not a GUID in braces"),
    ],
)
def test_contract_check_refuses_schema_valid_answers_that_break_the_contract(kwargs, expected):
    validate_betyg_xml(grade_xml(**kwargs))
    with pytest.raises(ContractError, match=expected):
        contracts.check_betyg_contract(grade_xml(**kwargs))


# -- SS 12000 ---------------------------------------------------------------------------------------
META = {"created": "2026-08-01T08:00:00+02:00", "modified": "2026-12-18T08:00:00+01:00"}
UNIT, HUVUDMAN, PERSON, DUTY, GROUP_ID, SYLLABUS = (_id() for _ in range(6))

VALID = {
    "Organisation": {
        "id": UNIT,
        "meta": META,
        "displayName": "Vuxenutbildningscentrum Kista",
        "organisationType": "Skolenhet",
        "schoolUnitCode": "41236987",
        "schoolTypes": ["VUX"],
        "parentOrganisation": {"id": HUVUDMAN},
    },
    "Person": {
        "id": PERSON,
        "meta": META,
        "givenName": "Åsa",
        "familyName": "Öberg",
        "civicNo": {"value": "199006022397"},
    },
    "Syllabus": {
        "id": SYLLABUS,
        "meta": META,
        "courseCode": "SVESVE01",
        "courseName": "Svenska 1",
        "points": 100,
        "subjectName": "Svenska",
        "official": True,
        "schoolType": "VUXGY",
    },
    "Duty": {
        "id": DUTY,
        "meta": META,
        "person": {"id": PERSON},
        "dutyAt": {"id": UNIT},
        "dutyRole": "Lärare",
        "startDate": "2026-01-01",
    },
    "Group": {
        "id": GROUP_ID,
        "meta": META,
        "displayName": "SVESVE01 HT26 Kista A",
        "groupType": "Undervisning",
        "organisation": {"id": UNIT},
        "startDate": "2026-08-17",
        "endDate": "2026-12-17",
        "groupMemberships": [
            {"person": {"id": PERSON}, "startDate": "2026-08-17"},
            {"person": {"id": _id()}, "startDate": "2026-08-17", "endDate": "2026-10-05"},
        ],
    },
    "Activity": {
        "id": _id(),
        "meta": META,
        "displayName": "SVESVE01 HT26 Kista A",
        "calendarEventsRequired": False,
        "activityType": "Undervisning",
        "startDate": "2026-08-17",
        "endDate": "2026-12-17",
        "groups": [{"id": GROUP_ID}],
        "syllabus": {"id": SYLLABUS},
        "organisation": {"id": UNIT},
        "teachers": [{"duty": {"id": DUTY}, "grader": True}],
    },
    "Grade": {
        "id": _id(),
        "meta": META,
        "student": {"id": PERSON},
        "organisation": {"id": UNIT},
        "registeredBy": {"id": PERSON},
        "gradingTeacher": {"id": PERSON},
        "group": {"id": GROUP_ID},
        "registeredDate": "2026-12-18",
        "gradeValue": "A",
        "finalGrade": True,
        "adaptedStudyPlan": "",
        "syllabus": {"id": SYLLABUS},
    },
    "Error": {"code": "not_found", "message": "Gruppen finns inte."},
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_minimal_instances_pass(name):
    validate_ss12000(VALID[name], name)
    assert contracts.ss12000_errors(VALID[name], name) == []


@pytest.mark.parametrize(
    "name, wrapper",
    [
        ("Group", "Groups"),
        ("Group", "GroupsExpanded"),
        ("Activity", "Activities"),
        ("Person", "Persons"),
        ("Organisation", "Organisations"),
        ("Syllabus", "Syllabuses"),
        ("Duty", "Duties"),
        ("Grade", "Grades"),
    ],
)
def test_list_answers_pass_and_check_their_items(name, wrapper):
    validate_ss12000({"data": [VALID[name]], "pageToken": None}, wrapper)
    validate_ss12000({"data": [], "pageToken": "abc"}, wrapper)
    broken = dict(VALID[name], id="not-a-uuid")
    with pytest.raises(ContractError, match=r"/data/1/id: 'not-a-uuid' is not a 'uuid'"):
        validate_ss12000({"data": [VALID[name], broken]}, wrapper)
    with pytest.raises(ContractError, match="'data' is a required property"):
        validate_ss12000({"pageToken": None}, wrapper)


def _without(instance: dict, key: str) -> dict:
    out = copy.deepcopy(instance)
    del out[key]
    return out


@pytest.mark.parametrize(
    "name, instance, expected",
    [
        ("Group", _without(VALID["Group"], "displayName"), "'displayName' is a required property"),
        ("Group", dict(VALID["Group"], groupType="Undervisningsgrupp"), "is not one of"),
        ("Group", dict(VALID["Group"], id="{" + GROUP_ID + "}"), "is not a 'uuid'"),
        ("Group", dict(VALID["Group"], startDate="2026-13-01"), "is not a 'date'"),
        ("Group", dict(VALID["Group"], groupMemberships=[{"startDate": "2026-08-17"}]), "'person' is a required"),
        (
            "Group",
            dict(VALID["Group"], meta={"created": "2026-08-01 08:00", "modified": META["modified"]}),
            "is not a 'date-time'",
        ),
        ("Group", _without(VALID["Group"], "meta"), "'meta' is a required property"),
        ("Activity", dict(VALID["Activity"], teachers=[{"grader": True}]), "'duty' is a required property"),
        (
            "Activity",
            dict(VALID["Activity"], teachers=[{"duty": {"id": DUTY}, "grader": "ja"}]),
            "is not of type 'boolean'",
        ),
        ("Activity", dict(VALID["Activity"], groups=[]), "should be non-empty"),
        ("Activity", _without(VALID["Activity"], "calendarEventsRequired"), "'calendarEventsRequired' is a required"),
        ("Person", dict(VALID["Person"], civicNo="199006022397"), "is not of type 'object'"),
        ("Organisation", dict(VALID["Organisation"], organisationType="Skolan"), "is not one of"),
        ("Syllabus", dict(VALID["Syllabus"], schoolType="KOMVUX"), "is not one of"),
        ("Syllabus", dict(VALID["Syllabus"], points="100"), "is not of type 'integer'"),
        ("Duty", dict(VALID["Duty"], dutyRole="Betygsadministratör"), "is not one of"),
        ("Grade", _without(VALID["Grade"], "organisation"), "'organisation' is a required property"),
        ("Grade", _without(VALID["Grade"], "adaptedStudyPlan"), "'adaptedStudyPlan' is a required property"),
        ("Error", {"message": "x"}, "'code' is a required property"),
    ],
)
def test_invalid_instances_fail_with_the_fault_named(name, instance, expected):
    with pytest.raises(ContractError) as info:
        validate_ss12000(instance, name)
    assert expected in str(info.value)


def test_all_errors_are_listed():
    bad = dict(_without(VALID["Group"], "displayName"), id="x", groupType="?", startDate="igår")
    assert len(contracts.ss12000_errors(bad, "Group")) == 4


def test_grade_schoolunit_defect_is_worked_around_without_dropping_the_requirement():
    raw = contracts.yaml.load(reference.ss12000_openapi().read_text(encoding="utf-8"), Loader=contracts._NoDatesLoader)
    assert "schoolUnit" in raw["components"]["schemas"]["Grade"]["required"]  # the defect, as published
    assert "schoolUnit" not in raw["components"]["schemas"]["Grade"]["properties"]
    required = contracts.ss12000_spec()["components"]["schemas"]["Grade"]["required"]
    assert "organisation" in required and "schoolUnit" not in required
    assert set(required) - {"organisation"} == set(raw["components"]["schemas"]["Grade"]["required"]) - {"schoolUnit"}


def test_the_yaml_keeps_dates_as_strings():
    example = contracts.ss12000_spec()["components"]["schemas"]["GroupFragment"]["example"]
    assert example["startDate"] == "2000-01-23"


@pytest.mark.parametrize(
    "path, status, expected",
    [
        ("/groups", 200, "GroupsExpanded"),
        ("/ss12000/v2.1/groups?limit=2&pageToken=x", 200, "GroupsExpanded"),
        (f"/ss12000/v2.1/groups/{GROUP_ID}", 200, "GroupExpanded"),
        ("/activities", 200, "Activities"),
        (f"/activities/{GROUP_ID}", 200, "ActivityExpanded"),
        ("/persons", 200, "PersonsExpanded"),
        ("/organisations", 200, "Organisations"),
        ("/syllabuses/x", 200, "Syllabus"),
        ("/duties", 200, "Duties"),
        ("/grades", 200, "Grades"),
        ("/grades/x", 200, "Grade"),
        ("/groups", 401, "Error"),
        ("/nothing", 200, None),
    ],
)
def test_schema_for_path(path, status, expected):
    assert contracts.ss12000_schema_for(path, status) == expected


def test_list_schema_helper_and_unknown_names():
    assert contracts.ss12000_list_schema_for("/ss12000/v2.1/groups") == "GroupsExpanded"
    with pytest.raises(KeyError):
        contracts.ss12000_list_schema_for("/classes")
    with pytest.raises(KeyError, match="No SS 12000 schema 'Klass'"):
        validate_ss12000({}, "Klass")
    assert {"Group", "Groups", "Activity", "Error"} <= set(contracts.ss12000_schema_names())


def test_validate_response_by_path_and_status():
    contracts.validate_ss12000_response("/ss12000/v2.1/groups", 200, {"data": [VALID["Group"]], "pageToken": None})
    contracts.validate_ss12000_response("/ss12000/v2.1/groups/x", 404, VALID["Error"])
    with pytest.raises(ContractError, match="'code' is a required"):
        contracts.validate_ss12000_response("/ss12000/v2.1/groups/x", 404, {"error": "not found"})
    with pytest.raises(ContractError, match="not a path"):
        contracts.validate_ss12000_response("/ss12000/v2.1/klasser", 200, {})
