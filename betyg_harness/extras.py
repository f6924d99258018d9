"""Which of the distribution's extras are installed, read from its own metadata (the lists live in
pyproject.toml only).

The robot and the flows need nothing beyond the plain install; the mocks, the pytest plugin and the
drift probe each need an extra. A command that needs one says which, in Swedish, instead of
failing with an ImportError deep inside Flask or pytest-playwright.
"""

from __future__ import annotations

import importlib.metadata as metadata
import sys

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

DISTRIBUTION = "betyg-harness"

#: What each extra gives (also in docs/install.md, checked by tests/unit/test_extras.py).
WHAT_EACH_GIVES = {
    "mocks": "Ping Pong- och BER-mockarna, demon och scenariogeneratorn",
    "pytest": "pytest-pluginet med mockarna (mock_servers, grade_admin_page, …)",
    "drift": "avvikelsesonden betyg-drift mot en riktig Ping Pong och BER",
    "scale": "PostgreSQL-kön och mockarna under gunicorn",
    "parallel": "din svit på flera arbetare (pytest -n)",
}


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def missing(extra: str, distribution: str = DISTRIBUTION) -> list[str] | None:
    """The distributions that ``extra`` needs and this environment lacks (``[]`` when it is complete),
    or ``None`` when the distribution's metadata cannot be read (run from a bare checkout: then
    nothing can be told and nothing is refused). Extras that name the distribution itself
    (``betyg-harness[mocks]``) are followed."""
    try:
        declared = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:
        return None
    lacking: list[str] = []
    for line in declared:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.marker is None or not requirement.marker.evaluate({"extra": extra}):
            continue
        if canonicalize_name(requirement.name) == canonicalize_name(distribution):
            for inner in sorted(requirement.extras):
                lacking += [name for name in missing(inner, distribution) or [] if name not in lacking]
        elif not _installed(requirement.name) and requirement.name not in lacking:
            lacking.append(requirement.name)
    return lacking


def install_hint(extra: str) -> str:
    return f'pip install "{DISTRIBUTION}[{extra}]"'


def message(extra: str, program: str, lacking: list[str]) -> str:
    return (
        f"{program} behöver tillägget «{extra}» ({WHAT_EACH_GIVES.get(extra, extra)}), som inte är "
        f"installerat: {', '.join(lacking)} saknas.\nInstallera det: {install_hint(extra)}"
    )


class ExtraMissing(ModuleNotFoundError):
    """Raised where a part that needs an extra is imported without it (``python -m
    betyg_harness.mock_ber`` in the robot's venv): the message says which extra to install."""

    def __init__(self, extra: str, part: str, cause: ModuleNotFoundError):
        lacking = missing(extra) or [cause.name or str(cause)]
        super().__init__(message(extra, part, lacking), name=cause.name)


def require(extra: str, program: str) -> None:
    """Exit 2 with a Swedish message when ``extra`` is not installed; call it before importing what
    needs the extra."""
    lacking = missing(extra)
    if lacking:
        print(message(extra, program, lacking), file=sys.stderr)
        raise SystemExit(2)
