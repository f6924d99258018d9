"""``betyg_harness.text``: digits read one way, and the one "Menade du «…»?"."""

from __future__ import annotations

from hypothesis import given, strategies as st

from betyg_harness.text import close_matches, is_digits, only_digits, parse_int

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
