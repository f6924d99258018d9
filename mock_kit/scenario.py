"""Scenario documents as the mocks load them: by name or path, validated, with their secrets hashed.

The validation, the lint and the stable ids are the floor's (:mod:`betyg_harness.scenario`, with the
schema bound in :func:`betyg_harness.fixtures.validate`); this module only finds and loads documents.
"""

from __future__ import annotations

import json
from pathlib import Path

from betyg_harness import fixtures
from betyg_harness.fixtures import validate
from betyg_harness.scenario import ScenarioError


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
