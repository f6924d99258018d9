"""Where the read-only reference files (``shared/reference``) are: the XSD and the SS 12000 YAML."""
from __future__ import annotations

import os
from pathlib import Path


class ReferenceNotFound(FileNotFoundError):
    pass


def reference_dir() -> Path:
    """``BETYG_REFERENCE_DIR``, else ``../shared/reference`` beside the checkout or the cwd."""
    env = os.environ.get("BETYG_REFERENCE_DIR")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve().parent
    for base in (here.parent, Path.cwd(), *Path.cwd().parents):
        candidates += [base.parent / "shared" / "reference", base / "shared" / "reference"]
    for candidate in candidates:
        if (candidate / "pingpong-skolplattform-api").is_dir():
            return candidate
    raise ReferenceNotFound(
        "Hittar inte referensfilerna (shared/reference). Sätt BETYG_REFERENCE_DIR till mappen.")


def betyg_xsd() -> Path:
    return reference_dir() / "pingpong-skolplattform-api" / "betyg-r11" / "betyg.xsd"


def ss12000_openapi() -> Path:
    return reference_dir() / "ss12000-v2.1" / "openapi_ss12000_version2_1_0.yaml"


def test_personnummer() -> list[str]:
    lines = (reference_dir() / "skatteverket-testpersonnummer.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
