"""What grade_group decides from the screen before clicking: no browser needed."""

from __future__ import annotations

import pytest

from betyg_harness.flows import aria
from betyg_harness.flows.errors import GradeConflict, GradeNotInScale, StudentNotAdmitted, SummaryMismatch
from betyg_harness.flows.models import GradingState, StudentRow, Summary, SummaryRow
from betyg_harness.flows.pingpong import check_summary, plan_grades
from betyg_harness.flows.scales import normalize_personnummer, scale_for

STEPS = ["A", "B", "C", "D", "E", "F", "-"]


def state(*rows: StudentRow, teachers=("Anna Lindqvist",)) -> GradingState:
    return GradingState(
        name="SVESVE01 HT26 Kista A",
        facts={"Kurs": "SVESVE01 Svenska 1"},
        students=list(rows),
        teachers=list(teachers),
        teachers_ticked=[],
        status_text="",
        alerts=[],
        can_save=True,
        not_before=None,
        catalogue_ready=False,
    )


def row(pnr="19900602-2397", name="Åsa Öberg", grade=None, locked=False) -> StudentRow:
    return StudentRow(personnummer=pnr, name=name, grade=grade, steps=STEPS, locked=locked)


def test_plan_sets_new_skips_same_locked_and_accepts_any_personnummer_form():
    s = state(row(), row("19910717-2380", "Łukasz Nowak", grade="B", locked=True))
    plan = plan_grades(s, {"900602-2397": "A", "199107172380": "B"}, lock=True)
    assert plan.to_set == {"199006022397": "A"}
    assert plan.already == {"199107172380": "B"}


def test_other_locked_grade_is_a_conflict_and_nothing_is_planned():
    s = state(row(grade="C", locked=True))
    with pytest.raises(GradeConflict, match="Åsa Öberg .* har låst C, inte A"):
        plan_grades(s, {"199006022397": "A"}, lock=True)


def test_student_not_listed_is_not_admitted():
    with pytest.raises(StudentNotAdmitted, match="19910717-2380"):
        plan_grades(state(row()), {"199107172380": "A"}, lock=True)


def test_step_outside_the_shown_scale():
    with pytest.raises(GradeNotInScale, match="«G»"):
        plan_grades(state(row()), {"199006022397": "G"}, lock=True)


def test_draft_with_the_same_grade_is_locked_but_not_reset_when_not_locking():
    s = state(row(grade="A"))
    assert plan_grades(s, {"199006022397": "A"}, lock=True).to_set == {"199006022397": "A"}
    assert plan_grades(s, {"199006022397": "A"}, lock=False).to_set == {}


def summary(*rows, teachers=("Anna Lindqvist",)) -> Summary:
    return Summary(rows=list(rows), counts={}, teachers=list(teachers))


def test_summary_must_match_exactly():
    s = state(row(), row("19910717-2380", "Łukasz Nowak"))
    plan = plan_grades(s, {"199006022397": "A"}, lock=True)
    good = SummaryRow("Åsa Öberg", "19900602-2397", "A", True)
    check_summary(summary(good), plan, s, lock=True, teachers=["Anna Lindqvist"])
    for bad in (
        summary(SummaryRow("Åsa Öberg", "19900602-2397", "B", True)),
        summary(SummaryRow("Åsa Öberg", "19900602-2397", "A", False)),
        summary(),
        summary(good, SummaryRow("Łukasz Nowak", "19910717-2380", "C", True)),
        summary(good, teachers=()),
    ):
        with pytest.raises(SummaryMismatch):
            check_summary(bad, plan, s, lock=True, teachers=["Anna Lindqvist"])


def test_scales_and_personnummer():
    assert scale_for("GRNENGA") == ["G", "IG"]
    assert scale_for("HISHIS01a1") == STEPS
    with pytest.raises(ValueError):
        scale_for("SVE01")
    assert normalize_personnummer("19900602-2397") == "199006022397"
    with pytest.raises(ValueError):
        normalize_personnummer("19900602-2398")


SNAPSHOT = """- table "Elever":
  - rowgroup:
    - row "Personnummer Namn Betyg Lås":
      - columnheader "Personnummer"
      - columnheader "Namn"
      - columnheader "Betyg"
      - columnheader "Lås"
  - rowgroup:
    - 'row "19900602-2397 Patrick O''Brien"':
      - cell "19900602-2397"
      - 'cell "Patrick O''Brien: \\"x\\""'
      - cell "Betyg för Patrick O'Brien":
        - radiogroup "Betyg för Patrick O'Brien":
          - radio "A" [checked] [disabled]
          - text: A
          - radio "-"
      - cell "Lås":
        - checkbox "Lås betyg för Patrick O'Brien" [checked] [disabled]
        - text: Låst 2026-12-18 av Maria
        - link "Mer":
          - /url: /x
"""


def test_aria_snapshot_is_read_as_a_tree_of_roles_and_names():
    table = aria.parse(SNAPSHOT).find("table", "Elever")
    headers, rows = aria.table_rows(table)
    assert headers == ["Personnummer", "Namn", "Betyg", "Lås"]
    assert rows[0][1].name == 'Patrick O\'Brien: "x"'
    radios = rows[0][2].find_all("radio")
    assert [(r.name, r.checked, r.disabled) for r in radios] == [("A", True, True), ("-", False, False)]
    assert rows[0][3].find("link").prop("url") == "/x"
    assert "Låst 2026-12-18 av Maria" in rows[0][3].all_text()
