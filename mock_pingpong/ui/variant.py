"""A switchable "upgraded" Ping Pong, to prove the drift probe sees what real upgrades change.

``create_app({"UI_VARIANT": "upgrade"})`` (or ``PINGPONG_UI_VARIANT=upgrade``) turns on every
change below; the default ("") leaves every page byte for byte as it was. The templates test the
flags (``{% if variant.renamed_save %}``); nothing else behaves differently.
"""

from __future__ import annotations

UPGRADE = "upgrade"
VARIANTS = ("", UPGRADE)

# What the upgrade changes, as a person would describe it (tests/e2e/test_drift.py checks the
# probe names each one).
CHANGES = {
    "renamed_save": 'Betygsvyn: knappen "Spara" heter "Spara betyg"',
    "moved_status": 'Sökresultat: kolumnen "Status" står som andra kolumn',
    "grade_date_field": 'Betygsvyn: ett nytt obligatoriskt fält "Betygsdatum"',
    "preview_confirm": '"Förhandsgranska" ber om en bekräftelse först',
}


def variant_flags(name: str | None) -> dict[str, bool]:
    """Each change's flag for the variant ``name`` ("" or None: the normal pages)."""
    name = name or ""
    if name not in VARIANTS:
        raise ValueError(f"UI_VARIANT must be one of {VARIANTS}, not {name!r}")
    return {change: name == UPGRADE for change in CHANGES}
