"""The grades file is checked in full before any browser opens: each bad file → its message, exit 2."""

from __future__ import annotations

import pytest

from betyg_harness.flows.robot import cli
from betyg_harness.flows.robot.csvinput import parse_grades

HEADER = "personnummer,kurskod,grupp,betyg,larare\n"
GOOD = "19900602-2397,SVESVE01,SVESVE01 HT26 Kista A,A,Anna Lindqvist\n"


def run_cli(tmp_path, content: bytes, capsys) -> tuple[int, str]:
    path = tmp_path / "betyg.csv"
    path.write_bytes(content)
    code = cli.main(["grade", "--input", str(path), "--out", str(tmp_path / "ut")])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    "content, message",
    [
        (HEADER + "19900602-2397,SVE01,G,A,Anna Lindqvist\n", "rad 2: okänd kurskod «SVE01»"),
        (
            HEADER + GOOD + "19900602-2398,SVESVE01,SVESVE01 HT26 Kista A,B,Anna Lindqvist\n",
            "rad 3: ogiltigt personnummer «19900602-2398»",
        ),
        (
            HEADER + "19900602-2397,SVESVE01,G,G,Anna Lindqvist\n",
            "rad 2: betyget «G» finns inte i betygsskalan för SVESVE01 (A, B, C, D, E, F, -)",
        ),
        (
            HEADER + "19900602-2397,GRNMAT2,G,C,Omar Haddad\n",
            "rad 2: betyget «C» finns inte i betygsskalan för GRNMAT2 (G, IG)",
        ),
        (
            HEADER + GOOD + GOOD.replace(",A,", ",B,"),
            "rad 3: dubblett: 19900602-2397 har redan ett betyg i SVESVE01 i gruppen «SVESVE01 HT26 Kista A» på rad 2",
        ),
        (b"", "filen är tom"),
        (HEADER, "filen har en rubrikrad men inga betyg"),
        (
            (HEADER + "19900602-2397,SVESVE01,Grupp Östermalm,A,Anna Lindqvist\n").encode("cp1252"),
            "rad 2: filen är inte UTF-8",
        ),
        ("personnummer\tkurskod\tgrupp\tbetyg\tlarare\n", "rad 1: fel avgränsare (tabb)"),
        ("personnummer,kurs,grupp,betyg,larare\n" + GOOD, "rad 1: fel rubrikrad"),
        (HEADER + "19900602-2397;SVESVE01;G;A;Anna Lindqvist\n", "rad 2: väntade 5 fält, fick 1"),
        (
            HEADER + GOOD + "199107172380,SVESVE01,SVESVE01 HT26 Kista A,B,Omar Haddad\n",
            "rad 3: andra betygssättande lärare än rad 2",
        ),
    ],
)
def test_bad_file_exits_2_with_message_and_no_browser(tmp_path, capsys, no_browser, content, message):
    raw = content if isinstance(content, bytes) else content.encode("utf-8")
    code, err = run_cli(tmp_path, raw, capsys)
    assert code == 2
    assert message in err
    assert not (tmp_path / "ut").exists()  # nothing written either


def test_every_bad_row_is_reported_with_its_line(tmp_path, capsys, no_browser):
    content = HEADER + "1,SVESVE01,G,A,Anna Lindqvist\n" + GOOD + "19900602-2397,XYZ,G,A,Anna Lindqvist\n"
    code, err = run_cli(tmp_path, content.encode(), capsys)
    assert code == 2
    assert "rad 2: ogiltigt personnummer «1»" in err
    assert "rad 4: okänd kurskod «XYZ»" in err


def test_a_huge_bad_file_lists_the_first_problems_and_counts_the_rest(tmp_path, capsys, no_browser):
    """A 10 MB file of bad rows: the first 50 problems with their lines, then the count — not 200,000 lines."""
    bad_row = "19900602-2398,SVESVE01,SVESVE01 HT26 Kista A,A,Anna Lindqvist\n"
    rows = 10 * 1024 * 1024 // len(bad_row)
    code, err = run_cli(tmp_path, (HEADER + bad_row * rows).encode(), capsys)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) <= cli.MAX_LISTED_PROBLEMS + 5
    assert f"({rows} fel)" in lines[0].replace("\u00a0", " ")
    assert "rad 2: ogiltigt personnummer" in err and f"rad {cli.MAX_LISTED_PROBLEMS + 1}:" in err
    assert f"… och {rows - cli.MAX_LISTED_PROBLEMS} fel till" in err


def test_excel_file_semicolon_bom_crlf_and_blank_rows_is_read():
    data = (
        "\ufeffpersonnummer;kurskod;grupp;betyg;lärare\r\n"
        "900602-2397;SVESVE01;SVESVE01 HT26 Kista A;a;Anna Lindqvist\r\n"
        "199107172380;SVESVE01;SVESVE01 HT26 Kista A;–;Anna Lindqvist\r\n"
        "200001032382;GRNMAT2;GRNMAT2 HT26 Kista A;ig;Omar Haddad | Anna Lindqvist\r\n"
        ";;;;\r\n"
    ).encode("utf-8")
    jobs = {j.key: j for j in parse_grades(data)}
    sve = jobs["SVESVE01 HT26 Kista A|SVESVE01"]
    assert sve.grades == {"199006022397": "A", "199107172380": "-"}  # 10 digits get their century
    assert sve.lines == {"199006022397": 2, "199107172380": 3}
    grn = jobs["GRNMAT2 HT26 Kista A|GRNMAT2"]
    assert grn.grades == {"200001032382": "IG"}
    assert grn.teachers == ("Omar Haddad", "Anna Lindqvist")


def test_same_student_in_two_groups_of_a_course_is_not_a_duplicate():
    # Generated scenarios admit a student to two groups of one course; each group grades its own.
    data = (HEADER + GOOD + "19900602-2397,SVESVE01,SVESVE01 HT26 Kista B,B,Anna Lindqvist\n").encode()
    assert len(parse_grades(data)) == 2


def test_validate_command_reports_counts(tmp_path, capsys, no_browser):
    path = tmp_path / "b.csv"
    path.write_text(HEADER + GOOD, encoding="utf-8")
    assert cli.main(["validate", "--input", str(path)]) == 0
    assert "1 betyg i 1 betygsgrupper, inga fel" in capsys.readouterr().out
