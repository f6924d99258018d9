"""The reference files travel with the package: byte-for-byte copies of ``shared/reference`` (never
drifting from it), found through importlib.resources, and overridable with BETYG_REFERENCE_DIR."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import pytest

from betyg_harness import reference
from betyg_harness.mock_kit import webfonts

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = Path(reference.__file__).parent


def shared_reference() -> Path | None:
    """``$BETYG_SHARED_DIR/reference`` (CI sets it when it runs in a clone with nothing beside it),
    else ``shared/reference`` beside this checkout; None where neither exists (a user's clone)."""
    for base in filter(None, (os.environ.get("BETYG_SHARED_DIR"), str(ROOT.parent / "shared"))):
        if (Path(base) / "reference").is_dir():
            return Path(base) / "reference"
    return None


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_shipped_copies_equal_shared_reference_byte_for_byte():
    shared = shared_reference()
    if shared is None:
        pytest.skip("no shared/reference here to compare with (set BETYG_SHARED_DIR to compare)")
    theirs = _files(shared)
    ours = {name: data for name, data in _files(PACKAGED).items() if name in reference.FILES}
    assert sorted(theirs) == sorted(reference.FILES), "shared/reference holds other files: ship them too"
    changed = [name for name in theirs if ours.get(name) != theirs[name]]
    assert not changed, f"the shipped copies differ from {shared}: {changed}"


def test_provenance_names_every_file_with_its_hash():
    note = (PACKAGED / "PROVENANCE.md").read_text(encoding="utf-8")
    for name in reference.FILES:
        digest = hashlib.sha256((PACKAGED / name).read_bytes()).hexdigest()
        assert f"`{name}`" in note, f"PROVENANCE.md does not name {name}"
        assert digest in note, f"PROVENANCE.md gives another sha256 for {name}"
    for word in ("source", "licence"):
        assert word in note.lower()


def test_by_default_every_file_comes_from_the_package(monkeypatch):
    monkeypatch.delenv(reference.ENV, raising=False)
    assert reference.reference_dir() == PACKAGED
    for name in reference.FILES:
        assert reference.path(name) == PACKAGED / name
    assert reference.betyg_xsd().read_bytes().lstrip(b"\xef\xbb\xbf").startswith(b"<?xml")
    assert b"openapi: 3.0" in reference.ss12000_openapi().read_bytes()[:100]
    numbers = reference.test_personnummer()
    assert len(numbers) > 20 and all(re.fullmatch(r"\d{12}", n) for n in numbers)


def test_betyg_reference_dir_overrides_the_package(monkeypatch, tmp_path):
    for name in reference.FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes((PACKAGED / name).read_bytes())
    (tmp_path / reference.TEST_PERSONNUMMER).write_text("# newer list\n199006022397\n", encoding="utf-8")
    monkeypatch.setenv(reference.ENV, str(tmp_path))
    assert reference.betyg_xsd() == tmp_path / reference.BETYG_XSD
    assert reference.test_personnummer() == ["199006022397"]
    assert reference.packaged_path(reference.BETYG_XSD) == PACKAGED / reference.BETYG_XSD


def test_an_override_missing_a_file_is_an_error_not_a_silent_mix(monkeypatch, tmp_path):
    monkeypatch.setenv(reference.ENV, str(tmp_path))
    with pytest.raises(reference.ReferenceNotFound, match="betyg.xsd saknas"):
        reference.betyg_xsd()
    monkeypatch.setenv(reference.ENV, str(tmp_path / "finns-inte"))
    with pytest.raises(reference.ReferenceNotFound, match="ingen mapp"):
        reference.reference_dir()


def test_no_product_code_looks_for_the_shared_folder():
    """Nothing but this test may know about ``shared/`` beside the checkout."""
    offenders = []
    for folder in ("betyg_harness", "mock_kit", "mock_ber", "mock_pingpong", "flows", "fixtures"):
        for source in (ROOT / folder).rglob("*.py"):
            if re.search(r"""["'/]shared["'/]""", source.read_text(encoding="utf-8")):
                offenders.append(str(source.relative_to(ROOT)))
    assert not offenders


def test_the_catalogue_fonts_are_shipped_with_their_licence():
    fonts = webfonts.font_dir()
    note = (fonts / "PROVENANCE.md").read_text(encoding="utf-8")
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        data = (fonts / name).read_bytes()
        assert data[:4] == b"\x00\x01\x00\x00", f"{name} is not a TrueType font"
        assert hashlib.sha256(data).hexdigest() in note
    assert "Bitstream" in (fonts / "LICENSE.txt").read_text(encoding="utf-8")
