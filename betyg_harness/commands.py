"""The console commands that need an extra (pyproject.toml's ``[project.scripts]`` point here): each
says which extra is missing, in Swedish and with exit 2, before importing what needs it. The robot
and the catalogue checker need none and are entered directly."""

from __future__ import annotations

import sys

from betyg_harness import version_line
from betyg_harness.extras import require


def _asks_version(program: str, argv: list[str] | None) -> bool:
    """``--version`` is answered with or without the extra, as every command does."""
    if "--version" in (sys.argv[1:] if argv is None else argv):
        print(version_line(program))
        return True
    return False


def mocks(argv: list[str] | None = None) -> int:
    """``betyg-mocks`` and ``python -m betyg_harness``."""
    if _asks_version("betyg-mocks", argv):
        return 0
    require("mocks", "betyg-mocks")
    from betyg_harness.serve import main

    return main(argv)


def drift(argv: list[str] | None = None) -> int:
    """``betyg-drift``."""
    if _asks_version("betyg-drift", argv):
        return 0
    require("drift", "betyg-drift")
    from betyg_harness.drift.cli import main

    return main(argv)
