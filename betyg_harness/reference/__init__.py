"""The reference files that travel with the package: Ping Pong's grade-API XSD and example, the
official SS 12000 v2.1 OpenAPI file and Skatteverket's test personnummer (see ``PROVENANCE.md``).

They are package data, read through :mod:`importlib.resources`, so a clone or an installed wheel
needs nothing beside it. ``BETYG_REFERENCE_DIR`` points at another folder of the same layout instead
(say, to test against a newer schema); a folder that lacks a file is an error, never a silent mix.
"""

from __future__ import annotations

import atexit
import os
from contextlib import ExitStack
from functools import cache
from importlib import resources
from pathlib import Path

ENV = "BETYG_REFERENCE_DIR"
BETYG_XSD = "pingpong-skolplattform-api/betyg-r11/betyg.xsd"
BETYG_EXAMPLE = "pingpong-skolplattform-api/betyg-r11/betyg-exempel.xml"
SS12000_OPENAPI = "ss12000-v2.1/openapi_ss12000_version2_1_0.yaml"
TEST_PERSONNUMMER = "skatteverket-testpersonnummer.txt"
FILES = (BETYG_XSD, BETYG_EXAMPLE, SS12000_OPENAPI, TEST_PERSONNUMMER)

_extracted = ExitStack()  # only used when the package is not on a file system (a zip import)
atexit.register(_extracted.close)


class ReferenceNotFound(FileNotFoundError):
    pass


@cache
def _packaged_dir() -> Path:
    root = resources.files(__name__)
    if isinstance(root, Path):
        return root
    return _extracted.enter_context(resources.as_file(root))


def reference_dir() -> Path:
    """``$BETYG_REFERENCE_DIR`` when set, else the copies shipped in this package."""
    override = os.environ.get(ENV)
    if override:
        folder = Path(override)
        if not folder.is_dir():
            raise ReferenceNotFound(f"{ENV}={override} är ingen mapp.")
        return folder
    return _packaged_dir()


def path(relative: str) -> Path:
    """The file ``relative`` (one of :data:`FILES`) in :func:`reference_dir`."""
    target = reference_dir() / relative
    if not target.is_file():
        raise ReferenceNotFound(
            f"Referensfilen {relative} saknas i {reference_dir()}{f' (från {ENV})' if os.environ.get(ENV) else ''}."
        )
    return target


def packaged_path(relative: str) -> Path:
    """The shipped copy of ``relative``, whatever ``BETYG_REFERENCE_DIR`` says."""
    return _packaged_dir() / relative


def betyg_xsd() -> Path:
    return path(BETYG_XSD)


def ss12000_openapi() -> Path:
    return path(SS12000_OPENAPI)


def test_personnummer() -> list[str]:
    lines = path(TEST_PERSONNUMMER).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
