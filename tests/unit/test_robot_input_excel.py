"""What Excel and admins do to a CSV: extra columns, scientific notation, names written two ways."""

from __future__ import annotations

import pytest

from betyg_harness.flows.robot.csvinput import BadInput, parse_grades, suggest

SVE = "SVESVE01 HT26 Kista A"


def problems(text: str) -> list[str]:
    with pytest.raises(BadInput) as bad:
        parse_grades(text.encode("utf-8"))
    return [str(p) for p in bad.value.problems]


def test_extra_columns_in_any_order_are_ignored_and_named():
    jobs = parse_grades(
        (
            "Namn;Lärare;Betyg;Grupp;Kurskod;Personnummer;\r\n"
            f"Ada Berg;Anna Lindqvist;A;{SVE};SVESVE01;19900602-2397;\r\n"
        ).encode("utf-8-sig")
    )
    assert [j.grades for j in jobs] == [{"199006022397": "A"}]
    assert jobs.notes == ["1 kolumn utöver personnummer, kurskod, grupp, betyg, larare lästes inte: «Namn»."]


def test_a_row_may_leave_out_ignored_columns_at_its_end_but_not_more():
    header = "personnummer;kurskod;grupp;betyg;larare;Namn;Klass\n"
    jobs = parse_grades((header + f"19900602-2397;SVESVE01;{SVE};A;Anna Lindqvist\n").encode())
    assert [j.grades for j in jobs] == [{"199006022397": "A"}]
    assert problems(header + f"19900602-2397;SVESVE01;{SVE};A\n") == [
        "rad 2: väntade 7 fält, fick 4 (fel avgränsare eller ett kommatecken i ett namn utan citattecken?)."
    ]


def test_a_required_column_is_still_required():
    [message] = problems("personnummer;kurskod;grupp;betyg;Namn\n19900602-2397;SVESVE01;G;A;Ada\n")
    assert message.startswith("rad 1: fel rubrikrad") and "saknar larare" in message


@pytest.mark.parametrize("raw", ["1,96606E+11", "1.96606E+11", "1,99006E+11", "2E+11"])
def test_scientific_notation_is_explained_not_blamed_on_the_check_digit(raw):
    [message] = problems(f"personnummer;kurskod;grupp;betyg;larare\n{raw};SVESVE01;{SVE};A;Anna Lindqvist\n")
    assert message.startswith(f"rad 2: personnumret «{raw}»: Excel har gjort personnumret till ett tal i exponentform")
    assert "formatera kolumnen som text och exportera igen".casefold() in message.casefold()
    assert "kontrollsiffran" not in message


def test_a_number_that_lost_its_leading_zero_is_explained():
    [message] = problems(f"personnummer,kurskod,grupp,betyg,larare\n106022395,SVESVE01,{SVE},A,Anna Lindqvist\n")
    assert "inledande nolla" in message


def test_a_group_name_written_another_way_in_some_rows_gets_a_hint():
    rows = [
        f"19900602-2397,SVESVE01,{SVE},A,Anna Lindqvist",
        f"19910717-2380,SVESVE01,{SVE},B,Anna Lindqvist",
        "20010602-2395,SVESVE01,svesve01 ht26  kista a,C,Anna Lindqvist",
    ]
    assert problems("personnummer,kurskod,grupp,betyg,larare\n" + "\n".join(rows) + "\n") == [
        (
            "rad 4: gruppnamnet «svesve01 ht26  kista a» skrivs «SVESVE01 HT26 Kista A» på rad 2 och 1 rad till "
            "(bara stora och små bokstäver eller mellanslag skiljer). Menade du «SVESVE01 HT26 Kista A»?"
        )
    ]


def test_a_teacher_written_another_way_gets_a_hint_not_a_teacher_conflict():
    rows = [
        f"19900602-2397,SVESVE01,{SVE},A,Anna Lindqvist",
        f"19910717-2380,SVESVE01,{SVE},B,anna  lindqvist",
        "20000103-2382,GRNMAT2,GRNMAT2 HT26 Kista A,G,Omar Haddad | Anna Lindqvist",
    ]
    [message] = problems("personnummer,kurskod,grupp,betyg,larare\n" + "\n".join(rows) + "\n")
    assert message.startswith("rad 3: läraren «anna  lindqvist» skrivs «Anna Lindqvist»")
    assert message.endswith("Menade du «Anna Lindqvist»?")


def test_different_groups_with_close_names_are_not_flagged():
    rows = [
        f"19900602-2397,SVESVE01,{SVE},A,Anna Lindqvist",
        "19910717-2380,SVESVE01,SVESVE01 HT26 Kista B,B,Anna Lindqvist",
    ]
    assert len(parse_grades(("personnummer,kurskod,grupp,betyg,larare\n" + "\n".join(rows)).encode())) == 2


KNOWN = ["SVESVE01 HT26 Kista A", "SVESVE01 HT26 Kista B", "ENGENG05 HT26 Kista A", "GRNMAT2 HT26 Kista A"]


@pytest.mark.parametrize(
    "wanted, expected",
    [
        ("svesve01 ht26  kista a", ["SVESVE01 HT26 Kista A"]),  # case and spacing first, alone
        ("SVESVE01 HT26\u00a0Kista A", ["SVESVE01 HT26 Kista A"]),  # Excel's non-breaking space
        ("SVESVE01 HT26 Ksita A", ["SVESVE01 HT26 Kista A", "SVESVE01 HT26 Kista B"]),  # a typo: the closest first
        ("Matematik för vuxna", []),
    ],
)
def test_suggest(wanted, expected):
    assert suggest(wanted, KNOWN)[: len(expected) or None] == expected
    assert len(suggest(wanted, KNOWN)) <= 3
    assert set(suggest(wanted, KNOWN)) <= set(KNOWN)
