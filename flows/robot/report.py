"""The final table and the JSON report."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.table import Table

from betyg_harness.flows.models import person_key
from betyg_harness.flows.robot.runner import Outcome

STATUS_SV = {
    "done": "klar",
    "already": "redan låst",
    "skipped": "klar sedan tidigare",
    "dry-run": "provkörd",
    "incomplete": "ofullständig",
    "unconfirmed": "lagrad men inte bekräftad",
    "conflict": "konflikt",
    "failed": "misslyckades",
    "stopped": "avbruten, inget sparat",
    "not-run": "ej körd",
}


NOT_STARTED = ("not-run", "stopped")


def write_json(
    path: Path, outcomes: list[Outcome], *, input_path: Path, dry_run: bool, seconds: float, stopped: bool = False
) -> Path:
    students = sum(len(o.grades_set) for o in outcomes)
    would = sum(len(o.would_set) for o in outcomes)
    body = {
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "input": str(input_path),
        "dry_run": dry_run,
        "seconds": round(seconds, 3),
        "stopped": stopped,
        # ok + failed + not_run = groups: a group not started (a stop, --max-groups) did not fail.
        "totals": {
            "groups": len(outcomes),
            "ok": sum(o.ok for o in outcomes),
            "failed": sum(not o.ok and o.status not in NOT_STARTED for o in outcomes),
            "not_run": sum(o.status in NOT_STARTED for o in outcomes),
            "late": sum(o.late for o in outcomes),
            "grades_set": students,
            "incomplete": sum(o.status == "incomplete" for o in outcomes),
            "unconfirmed": sum(o.status == "unconfirmed" for o in outcomes),
            **({"would_set": would} if dry_run else {}),
            "students_per_second": round(students / seconds, 2) if seconds else None,
        },
        "groups": [asdict(o) for o in outcomes],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def print_table(console: Console, outcomes: list[Outcome]) -> None:
    table = Table(title="Betygsrobot")
    for col in ("Grupp", "Kurs", "Status", "Satta", "Tid (s)", "Betygskatalog", "Fel", "Anmärkning"):
        table.add_column(col)
    for o in outcomes:
        status = STATUS_SV.get(o.status, o.status)
        if o.late:
            status += " · Försenad"
        if o.ber_visible is not None:
            status += " · syns i BER" if o.ber_visible else " · syns inte i BER"
        done = f"({len(o.would_set)} skulle sättas)" if o.status == "dry-run" else str(len(o.grades_set))
        table.add_row(
            o.group,
            o.course,
            status,
            done,
            f"{o.seconds:.1f}",
            Path(o.catalogue).name if o.catalogue else "",
            o.error or "",
            o.warning or "",
        )
    console.print(table)


def print_plan(console: Console, outcomes: list[Outcome]) -> None:
    """A dry run's plan: per group, every grade it would set, the teachers it would tick and how
    many are already locked."""
    table = Table(title="Provkörning: det här skulle sättas (inget har sparats)")
    for col in ("Grupp", "Personnummer", "Betyg", "Betygssättande lärare", "Redan låsta"):
        table.add_column(col)
    for o in outcomes:
        if o.status != "dry-run":
            continue
        if not o.would_set:
            table.add_row(o.group, "–", "–", "", str(len(o.already)))
            continue
        for i, (pnr, grade) in enumerate(sorted(o.would_set.items())):
            first = i == 0
            table.add_row(
                o.group if first else "",
                person_key(pnr),
                grade,
                ", ".join(o.teachers) if first else "",
                str(len(o.already)) if first else "",
            )
    console.print(table)
