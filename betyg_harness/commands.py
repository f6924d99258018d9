"""The console commands that need an extra (pyproject.toml's ``[project.scripts]`` point here): each
says which extra is missing, in Swedish and with exit 2, before importing what needs it. The robot
and the catalogue checker need none and are entered directly."""
from __future__ import annotations

from betyg_harness.extras import require


def mocks(argv: list[str] | None = None) -> int:
    """``betyg-mocks`` and ``python -m betyg_harness``."""
    require("mocks", "betyg-mocks")
    from betyg_harness.serve import main
    return main(argv)


def drift(argv: list[str] | None = None) -> int:
    """``betyg-drift``."""
    require("drift", "betyg-drift")
    from betyg_harness.drift.cli import main
    return main(argv)
