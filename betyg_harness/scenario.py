"""Scenario documents, the floor's part: the one validation every part calls, and the stable ids.

:func:`validate` is the one place a scenario is refused, with a Swedish message naming the field:
the JSON Schema (``fixtures/scenario.schema.json``, whose path the caller gives), the
cross-references between sections, and the domain's rules (valid civic numbers, programmes of
known courses and units, graders who are Lärare, earlier grades on their course's scale and
changed by the rule for changing a grade). Whatever it lets through, either mock loads.
:func:`problems` is the generator's lint: every fault it finds at once, as short English lines,
and a few things no system refuses (duplicate civic numbers, a dated status without its date, …).
Ids are derived from the scenario's keys, so that a reload or a restart gives the same GUIDs.
"""

from __future__ import annotations

import collections
import json
import uuid
from functools import lru_cache
from pathlib import Path

from betyg_harness import identity, scales, statuses
from betyg_harness.text import is_digits

ID_NAMESPACE = uuid.UUID("6f1c2b1e-5d1a-4c55-9a57-3c1d0b7e2f10")


class ScenarioError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def stable_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{key}"))


@lru_cache(maxsize=4)
def _schema(schema_path: Path) -> dict:
    return json.loads(schema_path.read_text(encoding="utf-8"))


@lru_cache(maxsize=4)
def _fast_validator(schema_path: Path):
    import fastjsonschema  # the mocks' extra: the robot's plain install validates no scenario

    return fastjsonschema.compile(_schema(schema_path), use_default=False)  # validate only; never fill in defaults


def validate(document: object, schema_path: Path) -> dict:
    """Check ``document`` against the schema in ``schema_path`` (the fixtures' scenario schema) and
    its cross-references; return it unchanged.

    The compiled validator keeps a 20,000-person scenario to about a second; when it refuses,
    jsonschema names the first fault precisely."""
    import fastjsonschema
    import jsonschema

    try:
        _fast_validator(schema_path)(document)
    except fastjsonschema.JsonSchemaException as fast_error:
        validator = jsonschema.Draft202012Validator(_schema(schema_path), format_checker=jsonschema.FormatChecker())
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            error = errors[0]
            where = "/".join(str(p) for p in error.absolute_path) or "(dokument)"
            raise ScenarioError(f"Ogiltigt scenario vid {where}: {error.message}", field=where) from None
        # Once compiled, the validator raises only value errors, which name the path.
        assert isinstance(fast_error, fastjsonschema.JsonSchemaValueException)
        where = "/".join(str(p) for p in (fast_error.path or [])[1:]) or "(dokument)"
        raise ScenarioError(f"Ogiltigt scenario vid {where}: {fast_error.message}", field=where) from None
    assert isinstance(document, dict)  # the schema's root is an object
    _check_references(document)
    _check_rules(document)
    return document


def _check_references(doc: dict) -> None:
    def keys(section: str, key: str = "key") -> set[str]:
        values = [item[key] for item in doc.get(section, [])]
        if len(values) != len(set(values)):
            raise ScenarioError(f"Dubbla nycklar i {section}.", field=section)
        return set(values)

    units, courses = keys("schoolUnits"), keys("courses", "code")
    staff, students = keys("staff"), keys("students")
    keys("groups")
    _check_once(doc, staff & students)
    for person in doc.get("staff", []):
        if person["schoolUnit"] not in units:
            raise ScenarioError(f"Okänd skolenhet {person['schoolUnit']} för {person['key']}.", field="staff")
    for group in doc.get("groups", []):
        where = f"groups/{group['key']}"
        if group["course"] not in courses:
            raise ScenarioError(f"Okänd kurs {group['course']} i {where}.", field=where)
        if group["schoolUnit"] not in units:
            raise ScenarioError(f"Okänd skolenhet {group['schoolUnit']} i {where}.", field=where)
        for teacher in group.get("teachers", []) + group.get("graders", []):
            if teacher not in staff:
                raise ScenarioError(f"Okänd lärare {teacher} i {where}.", field=where)
        for enrolment in group.get("enrolments", []):
            if enrolment["student"] not in students:
                raise ScenarioError(f"Okänd elev {enrolment['student']} i {where}.", field=where)
        if group["endDate"] < group["startDate"]:
            raise ScenarioError(f"Slutdatum före startdatum i {where}.", field=where)
    for account in doc.get("accounts", {}).get("pingpong", []):
        if account.get("staff") and account["staff"] not in staff:
            raise ScenarioError(
                f"Okänd personal {account['staff']} för kontot {account['username']}.", field="accounts/pingpong"
            )


def _check_once(doc: dict, both: set[str]) -> None:
    """What a registry holds once: a person's key, a student in a group, a username (the mocks'
    tables refuse a second one; refused here first, naming it). Two records with one personnummer
    are allowed: registries have them, and the lint (:func:`problems`) names them."""
    if both:
        key = sorted(both)[0]
        raise ScenarioError(f"Nyckeln {key} används både för personal och för en elev.", field="students")
    for group in doc.get("groups", []):
        seen: set[str] = set()
        for enrolment in group.get("enrolments", []):
            if enrolment["student"] in seen:
                where = f"groups/{group['key']}"
                raise ScenarioError(f"Eleven {enrolment['student']} står två gånger i {where}.", field=where)
            seen.add(enrolment["student"])
    for system, accounts in doc.get("accounts", {}).items():
        names = [account.get("username") for account in accounts]
        twice = sorted({n for n in names if names.count(n) > 1}, key=str)
        if twice:
            raise ScenarioError(
                f"Användarnamnet {twice[0]} står två gånger i accounts/{system}.", field=f"accounts/{system}"
            )


def _check_rules(doc: dict) -> None:
    """The domain's refusals of a well-referenced document: civic numbers, programmes, graders,
    earlier grades (what BER once checked while loading; every message names the field)."""
    for kind, section in (("staff", "staff"), ("student", "students")):
        for person in doc.get(section, []):
            try:
                identity.twelve_digits(person["civicNo"])
            except ValueError as exc:
                raise ScenarioError(f"{kind} {person['key']}: {exc}", field=kind) from None
    courses = {c["code"]: c["level"] for c in doc.get("courses", [])}
    units = {u["key"] for u in doc.get("schoolUnits", [])}
    for programme in doc.get("programmes") or []:
        _check_programme(programme, courses, units)
    roles = {p["key"]: p["dutyRole"] for p in doc.get("staff", [])}
    for group in doc.get("groups", []):
        _check_graders(group, roles)
    first_unit = doc["schoolUnits"][0]["key"] if doc.get("schoolUnits") else None
    for student in doc.get("students", []):
        for n, grade in enumerate(student.get("earlierGrades") or []):
            where = f"students/{student['key']}/earlierGrades/{n}"
            _check_earlier_grade(grade, where, grade.get("schoolUnit", first_unit), courses, units, roles)


def _check_programme(programme: dict, courses: dict, units: set[str]) -> None:
    where = f"programmes/{programme['key']}"
    unknown = [c for c in programme["courses"] if c not in courses]
    if unknown:
        raise ScenarioError(f"Okänd kurs {unknown[0]} i {where}.", field=where)
    missing = [u for u in programme.get("schoolUnits", []) if u not in units]
    if missing:
        raise ScenarioError(f"Okänd skolenhet {missing[0]} i {where}.", field=where)


def _check_graders(group: dict, roles: dict[str, str]) -> None:
    """A grader must have the duty role Lärare (the references are already known to exist)."""
    for key in group.get("graders", []):
        if roles[key] != statuses.GRADER_ROLE:
            raise ScenarioError(
                f"{key} har inte rollen Lärare och kan inte vara betygssättande lärare i {group['key']}.",
                field=f"groups/{group['key']}",
            )


def _check_earlier_grade(
    grade: dict, where: str, unit: str | None, courses: dict[str, str], units: set[str], staff: dict
) -> None:
    """Refuse an earlier grade naming an unknown course, unit or teacher, off its course's scale, or
    corrected against the rule for changing a grade or before its own date."""
    course = grade["course"]
    if course not in courses:
        raise ScenarioError(f"Okänd kurs {course} i {where}.", field=where)
    if unit not in units:
        raise ScenarioError(f"Okänd skolenhet {unit} i {where}.", field=where)
    if any(g not in staff for g in grade.get("graders", [])):
        raise ScenarioError(f"Okänd lärare i {where}.", field=where)
    correction = grade.get("correction")
    try:
        scales.grade_rank(courses[course], grade["value"])
        if correction:
            scales.check_grade_change(courses[course], correction["previousValue"], grade["value"], correction["type"])
    except ValueError as exc:
        raise ScenarioError(f"{exc} ({where})", field=where) from None
    if correction and correction["date"] < grade["date"]:  # ISO dates: their order is the text's
        raise ScenarioError(f"Rättelsen kan inte ligga före betygsdatumet ({where}).", field=where)


def is_valid_civic_no(value: str) -> bool:
    """A 12-digit personnummer or samordningsnummer (the one rule: :mod:`betyg_harness.identity`)."""
    return len(value) == 12 and is_digits(value) and identity.is_valid(value)


def problems(doc: dict) -> list[str]:
    """Every fault found, as messages ([] = fine), beyond the first one :func:`validate` refuses:
    duplicate civic numbers, invalid personnummer/samordningsnummer, a student twice in one
    group, a grader who is not a Lärare, a dated status without its date or dated outside the
    course, duplicate group names or usernames, unknown keys, an earlier grade off its course's scale."""
    out = _civic_no_problems(doc.get("staff", []) + doc.get("students", []))
    staff = {p["key"]: p for p in doc.get("staff", [])}
    students = {p["key"] for p in doc.get("students", [])}
    names = [g["name"] for g in doc.get("groups", [])]
    if len(set(names)) != len(names):
        out.append("group names are not unique")
    for g in doc.get("groups", []):
        out += _group_problems(g, staff, students)
    levels = {c["code"]: c["level"] for c in doc.get("courses", [])}
    for p in doc.get("students", []):
        for n, grade in enumerate(p.get("earlierGrades", [])):
            out += _earlier_grade_problems(f"{p['key']} earlier grade {n}", grade, levels, staff)
    accounts = doc.get("accounts", {})
    for system in ("pingpong", "ber"):
        users = [a["username"] for a in accounts.get(system, [])]
        if len(set(users)) != len(users):
            out.append(f"{system} usernames are not unique")
    return out


def _civic_no_problems(people: list[dict]) -> list[str]:
    counts = collections.Counter(p["civicNo"] for p in people)
    out = [f"civicNo {c} used {n} times" for c, n in sorted(counts.items()) if n > 1]
    out += [f"{p['key']}: invalid civicNo {p['civicNo']}" for p in people if not is_valid_civic_no(p["civicNo"])]
    return out


def _group_problems(g: dict, staff: dict, students: set[str]) -> list[str]:
    """A student twice or unknown, staff unknown or grading without being a Lärare, a dated status
    without its date or dated outside the course."""
    where = f"group {g['key']}"
    out = []
    enrolled = [e["student"] for e in g.get("enrolments", [])]
    if len(set(enrolled)) != len(enrolled):
        out.append(f"{where}: a student is enrolled twice")
    out += [f"{where}: unknown student {s}" for s in enrolled if s not in students]
    for key in g.get("teachers", []) + g.get("graders", []):
        if key not in staff:
            out.append(f"{where}: unknown staff {key}")
        elif key in g.get("graders", []) and staff[key]["dutyRole"] != statuses.GRADER_ROLE:
            out.append(f"{where}: grader {key} is not a Lärare")
    for e in g.get("enrolments", []):
        if e["status"] not in statuses.ENDED_STATUSES:
            continue
        if "date" not in e:
            out.append(f"{where}: {e['status']} of {e['student']} has no date")
        elif not g["startDate"] <= e["date"] <= g["endDate"]:
            out.append(f"{where}: {e['status']} of {e['student']} dated outside the course")
    return out


def _earlier_grade_problems(where: str, grade: dict, levels: dict, staff: dict) -> list[str]:
    if grade["course"] not in levels:
        return [f"{where}: unknown course {grade['course']}"]
    scale = scales.scale(levels[grade["course"]])
    values = [grade["value"]] + ([grade["correction"]["previousValue"]] if "correction" in grade else [])
    out = [f"{where}: {v} is not on the scale of {grade['course']}" for v in values if v not in scale]
    out += [f"{where}: unknown staff {g}" for g in grade.get("graders", []) if g not in staff]
    return out
