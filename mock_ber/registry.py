"""BER's rules: grade scales, personnummer, enrolment statuses, who is admitted, grading-teacher links.

Each rule lives in exactly one function here; the UI, the SS 12000 API and the scenario loader call them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from typing import cast

from sqlalchemy import Table, func, or_, select
from sqlalchemy.orm import Session

from betyg_harness import identity, scales, statuses
from betyg_harness.text import is_digit, is_digits
from betyg_harness.mock_kit import app as kit_app
from betyg_harness.mock_kit.scenario import stable_id
from betyg_harness.mock_ber.models import (
    Activity,
    DeletedEntity,
    Duty,
    Enrolment,
    Organisation,
    Person,
    ReceivedGrade,
    StudyPlan,
    Syllabus,
    TeacherAssignment,
    TeachingGroup,
)

STATUSES = statuses.ENROLMENT_STATUSES
CORRECTION_TYPES = ("Rättelse", "Ändring")
ENDED_STATUSES = statuses.ENDED_STATUSES
GRADER_ROLE = "Lärare"


class RegistryError(ValueError):
    """A rule said no; the message is Swedish and shown as is."""


def _now(now: datetime | None) -> datetime:
    return now if now is not None else kit_app.now()


def touch(record, now: datetime | None = None) -> None:
    """Mark a record changed at the mock clock's now (Ping Pong syncs on meta.modified)."""
    record.modified = _now(now)


# -- courses -------------------------------------------------------------------------------------
def grade_scale(level: str) -> tuple[str, ...]:
    """The grade steps of a course level: gymnasial A–F and "-", grundläggande G/IG."""
    try:
        return scales.scale(level)
    except KeyError:
        raise RegistryError(f"Okänd kursnivå: {level}.") from None


def school_type(level: str) -> str:
    return scales.school_type(level)


def subject_name(course_name: str) -> str:
    """'Matematik 1a' → 'Matematik': the course name without its trailing level."""
    words = course_name.split()
    while len(words) > 1 and any(is_digit(ch) for ch in words[-1]):
        words.pop()
    return " ".join(words)


def subject_code(course_code: str, level: str) -> str:
    """The subject's code: gymnasial 'MATMAT01a' → 'MAT'; grundläggande 'GRNENGA' → 'GRNENG'."""
    return course_code[:6] if level == scales.GRUNDLAGGANDE else course_code[:3]


# -- persons -------------------------------------------------------------------------------------
def validate_civic_no(value: str) -> str:
    """A personnummer or samordningsnummer as 12 digits YYYYMMDDNNNC (the one rule:
    :mod:`betyg_harness.identity`, python-stdnum underneath)."""
    digits = (value or "").replace("-", "").replace("+", "")
    if len(digits) != 12 or not is_digits(digits):
        raise RegistryError(f"Personnumret {value!r} ska ha 12 siffror (ÅÅÅÅMMDDNNNN).")
    try:
        return identity.normalize(digits)
    except ValueError:
        raise RegistryError(f"Personnumret {value} är ogiltigt (fel datum eller kontrollsiffra).") from None


def fold_name(given: str, family: str) -> str:
    """The name fields as nameContains searches them: case-folded, one per line."""
    return f"{given.casefold()}\n{family.casefold()}"


def format_civic_no(value: str) -> str:
    """12 digits shown as YYYYMMDD-NNNN."""
    return f"{value[:8]}-{value[8:]}"


def grade_rank(level: str, value: str) -> int:
    """A grade's place on its scale, higher = better (A > … > F > "-"; G > IG)."""
    scale = grade_scale(level)
    if value not in scale:
        raise RegistryError(f"Betyget {value} finns inte i betygsskalan ({', '.join(scale)}).")
    return len(scale) - scale.index(value)


def check_grade_change(level: str, old: str, new: str, kind: str) -> None:
    """A changed locked grade (skollagen 3 kap. 19–20 §§): a rättelse may go either way; an ändring
    may never lower the grade; either must change the value."""
    if kind not in CORRECTION_TYPES:
        raise RegistryError(f"Okänd ändringstyp: {kind}. Tillåtna: {', '.join(CORRECTION_TYPES)}.")
    if old == new:
        raise RegistryError(f"En {kind.lower()} måste ändra betyget (det var redan {new}).")
    if kind == "Ändring" and grade_rank(level, new) < grade_rank(level, old):
        raise RegistryError(f"En ändring får aldrig sänka betyget ({old} → {new}); det kan bara en rättelse.")


# -- enrolments ----------------------------------------------------------------------------------
def has_membership(status: str) -> bool:
    """Only enrolments that were ever "Antagen" are group members ("Ej antagen" never was)."""
    return status in ("Antagen", *ENDED_STATUSES)


def membership_end(enrolment: Enrolment) -> date | None:
    """An ended enrolment (Avbrott, Avslutad) keeps its membership, ending on its status date."""
    return enrolment.status_date if enrolment.status in ENDED_STATUSES else None


def is_admitted(enrolment: Enrolment, group: TeachingGroup, on: date | None = None) -> bool:
    """Admitted ("Antagen") on ``on`` (default: the course-end day): a membership not ended before it."""
    if not has_membership(enrolment.status):
        return False
    day = on or group.end_date
    end = membership_end(enrolment)
    return enrolment.start_date <= day and (end is None or end >= day)


def default_status_date(group: TeachingGroup, today: date) -> date:
    """When an Avbrott/Avslutad comes without a date: today, but before the course end."""
    return max(group.start_date, min(today, group.end_date - timedelta(days=1)))


def set_enrolment_status(
    session: Session, enrolment: Enrolment, status: str, on: date | None = None, *, now: datetime | None = None
) -> None:
    """Change a student's BER status in a group; ending statuses need (or get) their date."""
    if status not in STATUSES:
        raise RegistryError(f"Okänd status: {status}. Tillåtna: {', '.join(STATUSES)}.")
    group = session.get(TeachingGroup, enrolment.group_id)
    assert group is not None  # a foreign key
    stamp = _now(now)
    if status in ENDED_STATUSES:
        on = on or default_status_date(group, stamp.date())
        if on < group.start_date:
            raise RegistryError("Datumet kan inte ligga före gruppens startdatum.")
    elif status == "Ej antagen" and enrolment.status != "Ej antagen":
        raise RegistryError("En elev som har varit antagen kan inte få status Ej antagen.")
    enrolment.status = status
    enrolment.status_date = on if status in ENDED_STATUSES else None
    touch(group, stamp)
    _touch_study_plan(session, enrolment.person_id, stamp)


def _touch_study_plan(session: Session, person_id: str, stamp: datetime) -> None:
    plan = session.scalars(select(StudyPlan).where(StudyPlan.person_id == person_id)).first()
    if plan is not None:
        touch(plan, stamp)


# -- removals (recorded for GET /deletedEntities) ----------------------------------------------------
def record_deletion(session: Session, endpoint: str, entity_id: str, stamp: datetime) -> None:
    session.add(DeletedEntity(entity_id=entity_id, endpoint=endpoint, deleted_at=stamp))


def remove_enrolment(session: Session, enrolment: Enrolment, *, now: datetime | None = None) -> None:
    """Take a student out of a group altogether (an enrolment registered by mistake).

    A membership is not an entity of its own in SS 12000: its removal is a change of the group
    (``meta.modified``) and of the student's study plan, stamped now."""
    stamp = _now(now)
    group = session.get(TeachingGroup, enrolment.group_id)
    session.delete(enrolment)
    touch(group, stamp)
    _touch_study_plan(session, enrolment.person_id, stamp)


def delete_person(session: Session, person: Person, *, now: datetime | None = None) -> None:
    """Remove a person from the registry with everything that hangs on them: memberships (their
    groups change), duties and their places on activities (the activities and groups change),
    the study plan and the grades — each removal recorded at now."""
    stamp = _now(now)
    for enrolment in session.scalars(select(Enrolment).where(Enrolment.person_id == person.id)).all():
        touch(session.get(TeachingGroup, enrolment.group_id), stamp)
        session.delete(enrolment)
    for duty in session.scalars(select(Duty).where(Duty.person_id == person.id)).all():
        for assignment in session.scalars(select(TeacherAssignment).where(TeacherAssignment.duty_id == duty.id)).all():
            activity = session.get(Activity, assignment.activity_id)
            assert activity is not None  # a foreign key
            touch(activity, stamp)
            touch(session.get(TeachingGroup, activity.group_id), stamp)
            session.delete(assignment)
        session.delete(duty)
        record_deletion(session, "duties", duty.id, stamp)
    for plan in session.scalars(select(StudyPlan).where(StudyPlan.person_id == person.id)).all():
        session.delete(plan)
        record_deletion(session, "studyPlans", plan.id, stamp)
    for grade in session.scalars(select(ReceivedGrade).where(ReceivedGrade.student_id == person.id)).all():
        session.delete(grade)
        record_deletion(session, "grades", grade.id, stamp)
    session.flush()
    session.delete(person)
    record_deletion(session, "persons", person.id, stamp)


def delete_group(session: Session, group: TeachingGroup, *, now: datetime | None = None) -> None:
    """Remove a teaching group: its memberships and its activity (with the teachers on it) go too;
    the group and the activity are recorded as removed at now. Grades keep their group id."""
    stamp = _now(now)
    for enrolment in session.scalars(select(Enrolment).where(Enrolment.group_id == group.id)).all():
        _touch_study_plan(session, enrolment.person_id, stamp)
        session.delete(enrolment)
    for activity in session.scalars(select(Activity).where(Activity.group_id == group.id)).all():
        for assignment in session.scalars(
            select(TeacherAssignment).where(TeacherAssignment.activity_id == activity.id)
        ):
            session.delete(assignment)
        session.flush()
        session.delete(activity)
        record_deletion(session, "activities", activity.id, stamp)
    received_grades = cast(Table, ReceivedGrade.__table__)  # a declarative model's table
    session.execute(received_grades.update().where(ReceivedGrade.group_id == group.id).values(group_id=None))
    session.flush()
    session.delete(group)
    record_deletion(session, "groups", group.id, stamp)


# -- grading teachers ----------------------------------------------------------------------------
def activity_for(session: Session, group: TeachingGroup) -> Activity:
    return session.scalars(select(Activity).where(Activity.group_id == group.id)).one()


def graders(session: Session, group: TeachingGroup) -> list[Person]:
    """The group's linked grading teachers, by name."""
    rows = (
        session.scalars(
            select(Person)
            .join(Duty, Duty.person_id == Person.id)
            .join(TeacherAssignment, TeacherAssignment.duty_id == Duty.id)
            .join(Activity, Activity.id == TeacherAssignment.activity_id)
            .where(Activity.group_id == group.id, TeacherAssignment.grader.is_(True))
            .order_by(Person.family_name, Person.given_name)
        )
        .unique()
        .all()
    )
    return list(rows)


def teacher_duty(session: Session, person: Person, group: TeachingGroup) -> Duty | None:
    """The person's Lärare duty (at the group's school unit if they have one there)."""
    duties = session.scalars(select(Duty).where(Duty.person_id == person.id)).all()
    teaching = [d for d in duties if d.duty_role == GRADER_ROLE]
    teaching.sort(key=lambda d: d.organisation_id != group.organisation_id)
    return teaching[0] if teaching else None


def link_grader(
    session: Session,
    group: TeachingGroup,
    person: Person,
    *,
    now: datetime | None = None,
    assignment_id: str | None = None,
) -> TeacherAssignment:
    """Link a grading teacher: only staff with the duty role Lärare; bumps the group and activity."""
    duty = teacher_duty(session, person, group)
    if duty is None:
        raise RegistryError(
            f"{person.full_name} har inte rollen Lärare och kan inte kopplas som betygssättande lärare."
        )
    activity = activity_for(session, group)
    stamp = _now(now)
    assignment = session.scalars(
        select(TeacherAssignment).where(
            TeacherAssignment.activity_id == activity.id, TeacherAssignment.duty_id == duty.id
        )
    ).first()
    if assignment is not None and assignment.grader:
        raise RegistryError(f"{person.full_name} är redan betygssättande lärare i gruppen.")
    if assignment is None:
        assignment = TeacherAssignment(
            id=assignment_id or stable_id("assignment", f"{group.key}:{person.key}"),
            activity_id=activity.id,
            duty_id=duty.id,
            teaching=False,
            created=stamp,
            modified=stamp,
        )
        session.add(assignment)
    assignment.grader = True
    touch(assignment, stamp)
    touch(activity, stamp)
    touch(group, stamp)
    return assignment


def unlink_grader(session: Session, group: TeachingGroup, person: Person, *, now: datetime | None = None) -> None:
    """Unlink a grading teacher; one who does not teach the group leaves the activity altogether.

    With no grader left the group is no longer findable in Ping Pong (no teacher with grader true).
    """
    activity = activity_for(session, group)
    assignment = session.scalars(
        select(TeacherAssignment)
        .join(Duty, Duty.id == TeacherAssignment.duty_id)
        .where(
            TeacherAssignment.activity_id == activity.id,
            Duty.person_id == person.id,
            TeacherAssignment.grader.is_(True),
        )
    ).first()
    if assignment is None:
        raise RegistryError(f"{person.full_name} är inte betygssättande lärare i gruppen.")
    stamp = _now(now)
    if assignment.teaching:
        assignment.grader = False
        touch(assignment, stamp)
    else:
        session.delete(assignment)
    touch(activity, stamp)
    touch(group, stamp)


def linkable_teachers(session: Session, group: TeachingGroup) -> list[Person]:
    """Staff who may be linked (role Lärare) and are not linked yet, by name."""
    linked = {p.id for p in graders(session, group)}
    people = (
        session.scalars(
            select(Person)
            .join(Duty, Duty.person_id == Person.id)
            .where(Duty.duty_role == GRADER_ROLE)
            .order_by(Person.family_name, Person.given_name)
        )
        .unique()
        .all()
    )
    return [p for p in people if p.id not in linked]


# -- search --------------------------------------------------------------------------------------
def search_groups(
    session: Session,
    *,
    name: str = "",
    course: str = "",
    school_unit: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 200,
):
    """Teaching groups matching the search (dates: the course period overlaps [from, to])."""
    query = select(TeachingGroup).join(Syllabus, Syllabus.id == TeachingGroup.syllabus_id)
    if name:
        query = query.where(func.lower(TeachingGroup.name).contains(name.lower()))
    if course:
        query = query.where(
            or_(func.lower(Syllabus.code).contains(course.lower()), func.lower(Syllabus.name).contains(course.lower()))
        )
    if school_unit:
        query = query.where(TeachingGroup.organisation_id == school_unit)
    if date_from:
        query = query.where(TeachingGroup.end_date >= date_from)
    if date_to:
        query = query.where(TeachingGroup.start_date <= date_to)
    query = query.order_by(TeachingGroup.name).limit(limit + 1)
    rows = list(session.scalars(query).unique())
    return rows[:limit], len(rows) > limit


def school_units(session: Session) -> list[Organisation]:
    return list(
        session.scalars(
            select(Organisation)
            .where(Organisation.organisation_type == "Skolenhet")
            .order_by(Organisation.display_name)
        )
    )


def graders_by_group(session: Session, group_ids) -> dict[str, list[Person]]:
    """Linked grading teachers for many groups in one query (search results)."""
    out: dict[str, list[Person]] = {}
    rows = session.execute(
        select(Activity.group_id, Person)
        .join(TeacherAssignment, TeacherAssignment.activity_id == Activity.id)
        .join(Duty, Duty.id == TeacherAssignment.duty_id)
        .join(Person, Person.id == Duty.person_id)
        .where(Activity.group_id.in_(list(group_ids)), TeacherAssignment.grader.is_(True))
        .order_by(Person.family_name, Person.given_name)
    ).all()
    for group_id, person in rows:
        out.setdefault(group_id, []).append(person)
    return out
