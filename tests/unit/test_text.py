"""``betyg_harness.text``: digits read one way, and the one "Menade du «…»?"."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from betyg_harness.text import (
    ASCII_LOWER,
    PORTABLE,
    SWEDISH_WORD,
    WORD,
    ascii_fold,
    close_matches,
    is_digits,
    only_digits,
    parse_int,
    slug,
)

GROUPS = ["SVESVE01 HT26 Kista A", "ENGENG05 HT26 Kista B", "GRNMAT2 HT26 Kista A"]


def test_case_and_spacing_win_over_spelling():
    assert close_matches("svesve01  ht26 kista a", GROUPS) == ["SVESVE01 HT26 Kista A"]


def test_a_typo_gets_the_closest_names_first():
    assert close_matches("SVESVE01 HT26 Kista B", GROUPS)[0] == "SVESVE01 HT26 Kista A"
    assert close_matches("Omar Hadad", ["Anna Lindqvist", "Omar Haddad", "Karin Östberg"]) == ["Omar Haddad"]


def test_nothing_close_suggests_nothing():
    assert close_matches("Ingen Sådan Person", ["Anna Lindqvist", "Omar Haddad"]) == []
    assert close_matches("x", []) == []


@given(st.text(), st.lists(st.text(), max_size=8))
def test_suggestions_are_always_among_the_offered(wanted, offered):
    found = close_matches(wanted, offered)
    assert len(found) <= 3 and set(found) <= set(offered) and len(found) == len(set(found))


def test_only_ascii_digits_are_digits():
    assert only_digits("19900602-2397") == "199006022397"
    assert not is_digits("²٣") and parse_int("٣") is None and parse_int("0042") == 42


@pytest.mark.parametrize(
    "keep, options, written, expected",
    [
        (SWEDISH_WORD, {}, "Åsa Öberg/2b", "Åsa_Öberg_2b"),
        (SWEDISH_WORD, {}, "::test[a-b]", "test_a-b"),
        (WORD, {}, "Łukasz  O'Brien", "Łukasz_O_Brien"),
        (PORTABLE, {}, "Åsa Öberg/2b", "sa_berg_2b"),
        (PORTABLE, {"sep": "-", "strip": "-."}, ".tests/x.py::t[a b]", "tests-x.py-t-a-b"),
        (r"\w", {"runs": False}, "a  b/c", "a__b_c"),
        (SWEDISH_WORD, {}, "//", ""),
    ],
)
def test_a_slug_keeps_what_it_is_told_and_joins_the_rest(keep, options, written, expected):
    assert slug(written, keep, **options) == expected


def test_ascii_fold_drops_accents_and_what_has_no_ascii_form():
    assert slug(ascii_fold("Åsa Öberg/2b").lower(), ASCII_LOWER, sep="-") == "asa-oberg-2b"
    assert ascii_fold("Łukasz Ødegård") == "ukasz degard"
