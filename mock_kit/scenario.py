"""Scenario documents: loading by name or path, validation against the JSON Schema, stable ids."""

from __future__ import annotations

import json
import uuid
from functools import lru_cache
from pathlib import Path

import fastjsonschema
import jsonschema

from betyg_harness import fixtures

# Ids are derived from the scenario's keys so that a reload or a restart gives the same GUIDs.
ID_NAMESPACE = uuid.UUID("6f1c2b1e-5d1a-4c55-9a57-3c1d0b7e2f10")


class ScenarioError(ValueError):
    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def stable_id(kind: str, key: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, f"{kind}:{key}"))


@lru_cache(maxsize=1)
def _schema() -> dict:
    return json.loads(fixtures.SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _fast_validator():
    return fastjsonschema.compile(_schema(), use_default=False)  # validate only; never fill in defaults


def validate(document: object) -> dict:
    """Check ``document`` against the schema and its cross-references; return it unchanged.

    The compiled validator keeps a 20,000-person scenario to about a second; when it refuses,
    jsonschema names the first fault precisely."""
    try:
        _fast_validator()(document)
    except fastjsonschema.JsonSchemaException as fast_error:
        validator = jsonschema.Draft202012Validator(_schema(), format_checker=jsonschema.FormatChecker())
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


def protect_secrets(document: dict) -> dict:
    """The document as a mock keeps it: every account's ``password`` replaced by its hash
    (``passwordHash``), so neither the accounts table nor the stored scenario holds a password."""
    from betyg_harness.mock_kit.logins import hash_password

    accounts = document.get("accounts")
    if not accounts:
        return document

    def hashed(account: dict) -> dict:
        if "password" not in account:
            return account
        kept = {k: v for k, v in account.items() if k != "password"}
        kept["passwordHash"] = hash_password(account["password"])
        return kept

    return {**document, "accounts": {system: [hashed(a) for a in items] for system, items in accounts.items()}}


def load_named(name: object) -> dict:
    """A validated scenario by its bare name in ``fixtures/scenarios`` (the control API's way: a name
    never reaches outside that folder; any other document is posted whole)."""
    if not isinstance(name, str) or not fixtures.is_scenario_name(name):
        raise ScenarioError(
            "name måste vara namnet på ett scenario i fixtures/scenarios "
            f"({', '.join(fixtures.scenario_names())}); skicka annars hela dokumentet.",
            field="name",
        )
    path = fixtures.scenario_path(name)
    if not path.is_file():
        raise ScenarioError(
            f"Scenariot finns inte: {name} (finns: {', '.join(fixtures.scenario_names())}).", field="name"
        )
    return validate(json.loads(path.read_text(encoding="utf-8")))


def load(name_or_path: str | Path | dict) -> dict:
    """A validated scenario from a document, a bare name in ``fixtures/scenarios`` or, for the
    operator's own command line and configuration, a file path."""
    if isinstance(name_or_path, dict):
        return validate(name_or_path)
    if isinstance(name_or_path, str) and fixtures.is_scenario_name(name_or_path) and not name_or_path.endswith(".json"):
        return load_named(name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise ScenarioError(f"Scenariot finns inte: {name_or_path}", field="scenario")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScenarioError(f"Scenariofilen {path} är inte JSON i UTF-8: {exc}", field="scenario") from None
    return validate(document)
