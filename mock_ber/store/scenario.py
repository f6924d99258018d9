"""Filling BER's tables from a scenario document (the ``load_scenario`` callback of ``init_mock``).

The document comes checked by the floor's one validation (:func:`betyg_harness.scenario.validate`:
schema, references, civic numbers, graders, programmes, earlier grades); this module only loads.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import cast

from sqlalchemy import Table

from betyg_harness.mock_kit.clock import STOCKHOLM, parse_instant
from betyg_harness.scenario import stable_id
from betyg_harness.mock_ber import rules
from betyg_harness.mock_ber.models import (
    Activity,
    Base,
    BerUser,
    Duty,
    Enrolment,
    Organisation,
    Person,
    Programme,
    ReceivedGrade,
    SchoolUnitOffering,
    StudyPlan,
    Syllabus,
    TeacherAssignment,
    TeachingGroup,
)


def scenario_start(document: dict) -> datetime:
    """The instant the scenario's clock starts (the records' created/modified)."""
    start = (document.get("clock") or {}).get("start")
    return parse_instant(start) if start else datetime.now().astimezone()


class _Batch:
    """Rows inserted in foreign-key order, a few thousand at a time, so a 20,000-person scenario
    never holds every row of every table in memory at once."""

    ORDER = (
        Organisation,
        Syllabus,
        Programme,
        Person,
        Duty,
        TeachingGroup,
        Activity,
        Enrolment,
        TeacherAssignment,
        StudyPlan,
        SchoolUnitOffering,
        ReceivedGrade,
        BerUser,
    )
    SIZE = 5_000

    def __init__(self, session):
        self.session = session
        self.rows: dict[type[Base], list[dict]] = {model: [] for model in self.ORDER}

    def add(self, model, rows) -> None:
        self.rows[model].extend(rows)
        if sum(len(r) for r in self.rows.values()) >= self.SIZE:
            self.flush()

    def flush(self) -> None:
        for model in self.ORDER:  # parents before children, so the foreign keys hold
            if self.rows[model]:
                table = cast(Table, model.__table__)  # a declarative model's table
                self.session.execute(table.insert(), self.rows[model])  # Core executemany
                self.rows[model] = []


def load(kit, document: dict) -> None:
    with kit.db.session() as session, session.begin():
        _load(_Batch(session), document)


def _load(batch: _Batch, document: dict) -> None:
    stamp = scenario_start(document)
    today = stamp.date()
    meta = {"created": stamp, "modified": stamp}
    organisations, units = _organisations(document, meta)
    batch.add(Organisation, organisations)
    syllabuses = {c["code"]: stable_id("syllabus", c["code"]) for c in document["courses"]}
    batch.add(Syllabus, _syllabus_rows(document, syllabuses, meta))
    programmes, programme_units = _programmes(document, syllabuses, units, meta)
    batch.add(Programme, programmes)
    group_starts = [date.fromisoformat(g["startDate"]) for g in document["groups"]]
    duty_start = min(group_starts + [today])
    people_keys = _add_people(batch, document, units, duty_start, meta)
    plans: dict[str, list[date]] = {}  # student key → [first start, last end]
    offered: dict[str, dict] = {}  # unit key → {"syllabuses": [...], "start": d, "end": d}
    for group in document["groups"]:
        gid = stable_id("group", group["key"])
        start, end = date.fromisoformat(group["startDate"]), date.fromisoformat(group["endDate"])
        enrolments = _enrolment_rows(group, start, end, people_keys, plans, today)
        _note_offer(offered, group, syllabuses[group["course"]], start, end)
        assignments = _assignment_rows(group, meta)
        batch.add(
            TeachingGroup,
            [
                dict(
                    id=gid,
                    key=group["key"],
                    name=group["name"],
                    syllabus_id=syllabuses[group["course"]],
                    organisation_id=units[group["schoolUnit"]],
                    start_date=start,
                    end_date=end,
                    **meta,
                )
            ],
        )
        batch.add(Activity, [dict(id=stable_id("activity", group["key"]), group_id=gid, **meta)])
        batch.add(Enrolment, enrolments)
        batch.add(TeacherAssignment, assignments)

    batch.add(
        StudyPlan,
        [
            dict(
                id=stable_id("studyplan", key), person_id=people_keys[key], start_date=span[0], end_date=span[1], **meta
            )
            for key, span in plans.items()
        ],
    )
    batch.add(SchoolUnitOffering, _offering_rows(document, offered, programmes, programme_units, units, meta))
    batch.add(ReceivedGrade, _earlier_grades(document, people_keys, syllabuses, units, stamp))

    users = [
        dict(username=a["username"], name=a["name"], password_hash=a["passwordHash"])
        for a in document["accounts"].get("ber", [])
    ]
    batch.add(BerUser, users)
    batch.flush()


def _organisations(document: dict, meta: dict) -> tuple[list[dict], dict[str, str]]:
    """The huvudman and its school units as rows, and each unit's id by key."""
    huvudman = document.get("huvudman") or {"name": "Stockholms stad"}
    huvudman_id = stable_id("huvudman", huvudman["name"])
    organisations = [
        dict(
            id=huvudman_id,
            key="huvudman",
            display_name=huvudman["name"],
            organisation_type="Huvudman",
            school_unit_code=None,
            organisation_number=huvudman.get("organisationNumber"),
            municipality_code=huvudman.get("municipalityCode"),
            parent_id=None,
            **meta,
        )
    ]
    units = {}
    for unit in document["schoolUnits"]:
        units[unit["key"]] = stable_id("organisation", unit["key"])
        organisations.append(
            dict(
                id=units[unit["key"]],
                key=unit["key"],
                display_name=unit["name"],
                organisation_type="Skolenhet",
                school_unit_code=unit["schoolUnitCode"],
                organisation_number=None,
                municipality_code=huvudman.get("municipalityCode"),
                parent_id=huvudman_id,
                **meta,
            )
        )
    return organisations, units


def _syllabus_rows(document: dict, syllabuses: dict, meta: dict) -> list[dict]:
    return [
        dict(
            id=syllabuses[c["code"]],
            code=c["code"],
            name=c["name"],
            points=c["points"],
            level=c["level"],
            subject_code=rules.subject_code(c["code"], c["level"]),
            subject_name=rules.subject_name(c["name"]),
            **meta,
        )
        for c in document["courses"]
    ]


def _add_people(batch: _Batch, document: dict, units: dict, duty_start: date, meta: dict) -> dict[str, str]:
    """Staff (each with a duty at their unit) and students; return each person's id by key."""
    people_keys = {}
    for kind, items in (("staff", document["staff"]), ("student", document["students"])):
        for item in items:
            pid = stable_id("person", item["key"])
            people_keys[item["key"]] = pid
            batch.add(
                Person,
                [
                    dict(
                        id=pid,
                        key=item["key"],
                        given_name=item["givenName"],
                        family_name=item["familyName"],
                        civic_no=item["civicNo"],  # valid and 12 digits: the validation saw to it
                        email=item.get("email"),
                        folded_name=rules.fold_name(item["givenName"], item["familyName"]),
                        is_staff=kind == "staff",
                        **meta,
                    )
                ],
            )
            if kind == "staff":
                batch.add(
                    Duty,
                    [
                        dict(
                            id=stable_id("duty", item["key"]),
                            person_id=pid,
                            organisation_id=units[item["schoolUnit"]],
                            duty_role=item["dutyRole"],
                            start_date=duty_start,
                            **meta,
                        )
                    ],
                )
    return people_keys


def _enrolment_rows(
    group: dict, start: date, end: date, people_keys: dict, plans: dict[str, list[date]], today: date
) -> list[dict]:
    """The group's enrolments as rows; each member's study plan span in ``plans`` widened to the group's."""
    gid = stable_id("group", group["key"])
    shell = TeachingGroup(start_date=start, end_date=end)
    rows = []
    for enrolment in group.get("enrolments", []):
        status = enrolment["status"]
        status_date = None
        if status in rules.ENDED_STATUSES:
            status_date = (
                date.fromisoformat(enrolment["date"])
                if enrolment.get("date")
                else rules.default_status_date(shell, today)
            )
        rows.append(
            dict(
                id=stable_id("membership", f"{group['key']}:{enrolment['student']}"),
                group_id=gid,
                person_id=people_keys[enrolment["student"]],
                status=status,
                status_date=status_date,
                start_date=start,
            )
        )
        if rules.has_membership(status):
            span = plans.setdefault(enrolment["student"], [start, end])
            span[0], span[1] = min(span[0], start), max(span[1], end)
    return rows


def _note_offer(offered: dict[str, dict], group: dict, syllabus_id: str, start: date, end: date) -> None:
    """The group's unit offers its course, over at least the group's dates."""
    offer = offered.setdefault(group["schoolUnit"], {"syllabuses": [], "start": start, "end": end})
    if syllabus_id not in offer["syllabuses"]:
        offer["syllabuses"].append(syllabus_id)
    offer["start"], offer["end"] = min(offer["start"], start), max(offer["end"], end)


def _assignment_rows(group: dict, meta: dict) -> list[dict]:
    """The group's teachers and graders as rows."""
    aid = stable_id("activity", group["key"])
    teachers, graders = group.get("teachers", []), group.get("graders", [])
    rows = []
    for staff_key in list(dict.fromkeys(teachers + graders)):
        rows.append(
            dict(
                id=stable_id("assignment", f"{group['key']}:{staff_key}"),
                activity_id=aid,
                duty_id=stable_id("duty", staff_key),
                teaching=staff_key in teachers,
                grader=staff_key in graders,
                **meta,
            )
        )
    return rows


def _offering_rows(
    document: dict, offered: dict, programmes: list[dict], programme_units: dict, units: dict, meta: dict
) -> list[dict]:
    rows = []
    for unit in document["schoolUnits"]:
        offer = offered.get(unit["key"], {"syllabuses": [], "start": None, "end": None})
        given = [p["id"] for p in programmes if unit["key"] in programme_units[p["id"]]]
        rows.append(
            dict(
                id=stable_id("offering", unit["key"]),
                organisation_id=units[unit["key"]],
                start_date=offer["start"],
                end_date=offer["end"],
                syllabus_ids=offer["syllabuses"],
                programme_ids=given,
                **meta,
            )
        )
    return rows


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(8, 0), tzinfo=STOCKHOLM)


def _programmes(document: dict, syllabuses: dict, units: dict, meta: dict) -> tuple[list[dict], dict]:
    rows, where_given = [], {}
    for programme in document.get("programmes") or []:
        rows.append(
            dict(
                id=stable_id("programme", programme["key"]),
                key=programme["key"],
                name=programme["name"],
                code=programme.get("code"),
                programme_type=programme["type"],
                school_type=programme.get("schoolType", "VUXGY"),
                syllabus_ids=[syllabuses[c] for c in programme["courses"]],
                points=None,
                **meta,
            )
        )
        where_given[rows[-1]["id"]] = set(programme.get("schoolUnits", []))
    return rows, where_given


def _earlier_grades(document: dict, people: dict, syllabuses: dict, units: dict, stamp: datetime) -> list[dict]:
    """The students' earlier grades (origin ``history``)."""
    first_unit = document["schoolUnits"][0]["key"]
    rows = []
    for student in document["students"]:
        for n, item in enumerate(student.get("earlierGrades") or []):
            unit = item.get("schoolUnit", first_unit)
            rows.append(_earlier_grade_row(student, n, item, unit, people, syllabuses, units, stamp))
    return rows


def _earlier_grade_row(
    student: dict, n: int, item: dict, unit: str, people: dict, syllabuses: dict, units: dict, stamp: datetime
) -> dict:
    course = item["course"]
    correction = item.get("correction")
    day = date.fromisoformat(item["date"])
    changed = date.fromisoformat(correction["date"]) if correction else day
    # Earlier grades are in BER from the scenario's start; their stamps are their own dates.
    created = min(stamp, _day_start(day))
    modified = min(stamp, max(created, _day_start(changed)))
    return dict(
        id=stable_id("grade", f"history:{student['key']}:{n}"),
        student_id=people[student["key"]],
        course_code=course,
        group_ref=f"history:{n}",
        group_id=None,
        syllabus_id=syllabuses[course],
        school_ref=units[unit],
        value=item["value"],
        grade_date=day,
        trial=bool(item.get("trial")),
        teacher_ids=[people[g] for g in item.get("graders", [])],
        received_at=created,
        import_run_id=None,
        origin="history",
        correction_type=correction["type"] if correction else None,
        previous_value=correction["previousValue"] if correction else None,
        remark=(correction or {}).get("reason"),
        created=created,
        modified=modified,
    )
