"""The robot's report flags late groups ("Försenad"), as DOMAIN.md asks of any report."""

import json

from rich.console import Console

from betyg_harness.flows.robot.report import print_table, write_json
from betyg_harness.flows.robot.runner import Outcome


def outcomes():
    return [
        Outcome("ENGENG05 HT26 Kista B", "ENGENG05", "done", grades_set={"199007282388": "A"}, late=True),
        Outcome("SVESVE01 HT26 Kista A", "SVESVE01", "done", grades_set={"199006022397": "B"}),
    ]


def test_json_report_marks_each_late_group(tmp_path):
    path = write_json(tmp_path / "rapport.json", outcomes(), input_path=tmp_path / "in.csv", dry_run=False, seconds=2.0)
    body = json.loads(path.read_text(encoding="utf-8"))
    assert [g["late"] for g in body["groups"]] == [True, False]
    assert body["totals"]["late"] == 1 and body["totals"]["grades_set"] == 2


def test_final_table_says_forsenad_for_late_groups_only():
    console = Console(record=True, width=200)
    print_table(console, outcomes())
    lines = console.export_text().splitlines()
    assert any("ENGENG05" in line and "Försenad" in line for line in lines)
    assert not any("SVESVE01" in line and "Försenad" in line for line in lines)
