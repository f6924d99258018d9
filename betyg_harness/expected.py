"""What a scenario says should happen when its groups are graded: the expectations that the demo
and the end-to-end suites check the systems against."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from betyg_harness import scales, statuses


@dataclass(frozen=True)
class GroupPlan:
    name: str
    course_code: str
    level: str
    end: dt.date
    grades: dict[str, str]  # civicNo (12 digits) → step, one per admitted student
    teachers: list[str]  # grading teachers' full names, as BER has them
    late: bool  # graded after course end + 14 days

    @property
    def size(self) -> int:
        return len(self.grades)


def grading_plan(document: dict, today: dt.date | None = None) -> list[GroupPlan]:
    """Every group gradeable on ``today`` (default: the clock's start) that has grading teachers,
    with a grade for each admitted ("Antagen") student, cycling through the course's scale."""
    courses = {c["code"]: c for c in document["courses"]}
    students = {s["key"]: s for s in document["students"]}
    staff = {s["key"]: s for s in document["staff"]}
    if today is None:
        start = (document.get("clock") or {}).get("start")
        if not start:
            return []
        today = dt.date.fromisoformat(start[:10])
    plans = []
    for group in document["groups"]:
        end = dt.date.fromisoformat(group["endDate"])
        if not group.get("graders") or end > today:
            continue
        course = courses[group["course"]]
        steps = scales.GYMNASIAL_SCALE[:6] if course["level"] == scales.GYMNASIAL else scales.GRUNDLAGGANDE_SCALE
        admitted = [students[e["student"]] for e in group.get("enrolments", []) if e["status"] == statuses.ADMITTED]
        plans.append(
            GroupPlan(
                name=group["name"],
                course_code=course["code"],
                level=course["level"],
                end=end,
                grades={s["civicNo"]: steps[i % len(steps)] for i, s in enumerate(admitted)},
                teachers=[f"{staff[k]['givenName']} {staff[k]['familyName']}" for k in group["graders"]],
                late=today > end + dt.timedelta(days=14),
            )
        )
    return plans
