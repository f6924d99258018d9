"""Every read and write of Ping Pong's tables: the only module of the mock that builds SQL.

The UI, the grade API and the BER sync (``jobs``) call these functions; the rules come from ``rules``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import Row, case, bindparam, delete, exists, func, select, update
from sqlalchemy.engine import Connection

from betyg_harness.mock_kit.app import current_kit
from betyg_harness.mock_kit.db import position_of, upsert
from betyg_harness.mock_pingpong import rules
from betyg_harness.mock_pingpong.errors import StaleForm
from betyg_harness.mock_pingpong.models import (
    accounts,
    confirmed_summaries,
    duties,
    grades,
    group_teachers,
    groups,
    memberships,
    organisations,
    persons,
    syllabuses,
)


def _local(dt: datetime) -> datetime:
    """Naive Stockholm local time, as stored (the mock clock is already in Europe/Stockholm)."""
    return dt.replace(tzinfo=None, microsecond=0)


# A save reads its timestamp (the mock clock) and commits under this lock, and the grade API reads
# under it too: so a grade the API does not see yet cannot carry a time inside the window it is
# answering — BER's next window, which starts at this one's end, would otherwise miss it for good.
@contextmanager
def grade_writes() -> Iterator[None]:
    """Held by every store of grades and by every read of the grade API (see above), across the
    processes serving Ping Pong when there are several."""
    locks = current_kit().locks
    assert locks is not None  # create_app gives every kit its locks
    with locks.hold("grade_writes"):
        yield


# -- derived columns ------------------------------------------------------------------------------
def refresh_derived(conn: Connection, group_ids: set[str] | None = None) -> None:
    """Recompute what search shows without joins: graders, search text and grade counts."""
    if group_ids is not None and not group_ids:
        return
    ids = sorted(group_ids) if group_ids is not None else None

    def where(column):
        return column.in_(ids) if ids is not None else True

    # A teacher's person comes from their duty, which may have synced after the activity.
    conn.execute(
        update(group_teachers)
        .where(where(group_teachers.c.group_id))
        .values(person_id=select(duties.c.person_id).where(duties.c.id == group_teachers.c.duty_id).scalar_subquery())
    )
    grader_rows = conn.execute(
        select(group_teachers.c.group_id, persons.c.given_name, persons.c.family_name)
        .join(persons, persons.c.id == group_teachers.c.person_id)
        .where(group_teachers.c.grader, where(group_teachers.c.group_id))
    ).all()
    graders = defaultdict(list)
    for gid, given, family in grader_rows:
        graders[gid].append((given, family))
    admitted: dict[str, int] = dict(
        conn.execute(
            select(memberships.c.group_id, func.count(func.distinct(memberships.c.person_id)))
            .where(memberships.c.admitted, where(memberships.c.group_id))
            .group_by(memberships.c.group_id)
        ).all()
    )
    admitted_grade = exists().where(
        memberships.c.group_id == grades.c.group_id,
        memberships.c.person_id == grades.c.person_id,
        memberships.c.admitted,
    )
    counts = {
        gid: (n, int(locked or 0))
        for gid, n, locked in conn.execute(
            # A count of the locked rows, not a sum over the Boolean column: SQLite would hand the sum back
            # as a Boolean (4 locked → True → 1) and PostgreSQL has no sum(boolean).
            select(grades.c.group_id, func.count(), func.count(case((grades.c.locked, 1))))
            .where(admitted_grade, where(grades.c.group_id))
            .group_by(grades.c.group_id)
        ).all()
    }
    rows = conn.execute(
        select(groups.c.id, groups.c.name, syllabuses.c.course_code, syllabuses.c.course_name)
        .select_from(groups.outerjoin(syllabuses, syllabuses.c.id == groups.c.syllabus_id))
        .where(where(groups.c.id))
    ).all()
    params = []
    for gid, name, code, course_name in rows:
        names = sorted(graders.get(gid, []), key=lambda gf: rules.student_order_key(gf[1], gf[0]))
        full = [f"{g} {f}" for g, f in names]
        params.append(
            {
                "gid": gid,
                "grader_count": len(full),
                "grader_names": ", ".join(full),
                "search_text": rules.search_fold(" | ".join([name, code or "", course_name or "", *full])),
                "admitted_count": admitted.get(gid, 0),
                "graded_count": counts.get(gid, (0, 0))[0],
                "locked_count": counts.get(gid, (0, 0))[1],
            }
        )
    if params:
        conn.execute(
            update(groups)
            .where(groups.c.id == bindparam("gid"))
            .values(
                grader_count=bindparam("grader_count"),
                grader_names=bindparam("grader_names"),
                search_text=bindparam("search_text"),
                admitted_count=bindparam("admitted_count"),
                graded_count=bindparam("graded_count"),
                locked_count=bindparam("locked_count"),
            ),
            params,
        )


# -- people and access ----------------------------------------------------------------------------
def person_id_for_civic(conn: Connection, civic_no: str | None) -> str | None:
    if not civic_no:
        return None
    return conn.execute(select(persons.c.id).where(persons.c.civic_no == civic_no).limit(1)).scalar()


def is_grading_teacher(conn: Connection, group_id: str, person_id: str | None) -> bool:
    if not person_id:
        return False
    return (
        conn.execute(
            select(group_teachers.c.id)
            .where(
                group_teachers.c.group_id == group_id, group_teachers.c.person_id == person_id, group_teachers.c.grader
            )
            .limit(1)
        ).first()
        is not None
    )


def grader_options(conn: Connection, only_groups_of: str | None = None) -> list[tuple[str, str]]:
    """(person id, full name) of every grading teacher, or of those sharing a group with a person."""
    graders = select(group_teachers.c.person_id).where(group_teachers.c.grader)
    if only_groups_of is not None:
        own = select(group_teachers.c.group_id).where(
            group_teachers.c.person_id == only_groups_of, group_teachers.c.grader
        )
        graders = graders.where(group_teachers.c.group_id.in_(own))
    # IN (subquery) rather than JOIN … DISTINCT: SQLite then needs no temporary B-tree (1,600 graders).
    rows = sorted(
        conn.execute(
            select(persons.c.id, persons.c.given_name, persons.c.family_name).where(persons.c.id.in_(graders))
        ).all(),
        key=lambda r: rules.student_order_key(r.given_name, r.family_name),
    )
    return [(r.id, f"{r.given_name} {r.family_name}") for r in rows]


def terms(conn: Connection) -> list[str]:
    """The terms ("HT 2026") in which searchable groups end, in time order."""
    months = conn.execute(select(groups.c.end_date).distinct().where(groups.c.grader_count > 0)).scalars()
    return sorted({rules.term_of(d) for d in months}, key=rules.term_sort_key)


# -- search ---------------------------------------------------------------------------------------
def search_groups(
    conn: Connection,
    *,
    text: str = "",
    teacher_id: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    visible_to: str | None = None,
    limit: int = 500,
) -> tuple[Sequence[Row], bool]:
    """Searchable groups matching the criteria; ``visible_to`` = a teacher's person id (else all).

    Returns (rows, truncated)."""
    query = (
        select(
            groups.c.id,
            groups.c.name,
            groups.c.end_date,
            groups.c.grader_names,
            groups.c.admitted_count,
            groups.c.graded_count,
            groups.c.locked_count,
            syllabuses.c.course_code,
            syllabuses.c.course_name,
        )
        .select_from(groups.outerjoin(syllabuses, syllabuses.c.id == groups.c.syllabus_id))
        .where(groups.c.grader_count > 0)
    )  # rules.is_searchable, as SQL
    if text.strip():
        query = query.where(position_of(groups.c.search_text, rules.search_fold(text.strip())) > 0)
    if date_from:
        query = query.where(groups.c.end_date >= date_from)
    if date_to:
        query = query.where(groups.c.end_date <= date_to)
    for person_id in (teacher_id, visible_to):
        if person_id:
            query = query.where(
                groups.c.id.in_(
                    select(group_teachers.c.group_id).where(
                        group_teachers.c.person_id == person_id, group_teachers.c.grader
                    )
                )
            )
    rows = conn.execute(query.order_by(groups.c.end_date.desc(), groups.c.name).limit(limit + 1)).all()
    return rows[:limit], len(rows) > limit


# -- one group ------------------------------------------------------------------------------------
# The grading view's statements are built once (building one costs about what running it does).
_SHEET_GROUP = (
    select(
        groups,
        syllabuses.c.course_code,
        syllabuses.c.course_name,
        syllabuses.c.points,
        syllabuses.c.school_type,
        organisations.c.name.label("unit_name"),
        organisations.c.school_unit_code,
    )
    .select_from(
        groups.outerjoin(syllabuses, syllabuses.c.id == groups.c.syllabus_id).outerjoin(
            organisations, organisations.c.id == groups.c.organisation_id
        )
    )
    .where(groups.c.id == bindparam("group_id"))
)
_SHEET_GRADES = select(grades).where(grades.c.group_id == bindparam("group_id"))
_SHEET_PEOPLE = (
    select(
        memberships.c.person_id, memberships.c.admitted, persons.c.given_name, persons.c.family_name, persons.c.civic_no
    )
    .join(persons, persons.c.id == memberships.c.person_id)
    .where(memberships.c.group_id == bindparam("group_id"))
)
_SHEET_TEACHERS = (
    select(persons.c.id, persons.c.given_name, persons.c.family_name)
    .distinct()
    .join(group_teachers, group_teachers.c.person_id == persons.c.id)
    .where(group_teachers.c.group_id == bindparam("group_id"), group_teachers.c.grader)
)


def load_sheet(conn: Connection, group_id: str) -> rules.Sheet | None:
    key = {"group_id": group_id}
    row = conn.execute(_SHEET_GROUP, key).first()
    if row is None:
        return None
    stored = {
        g.person_id: rules.StoredGrade(g.value, bool(g.locked), g.locked_at, g.locked_by, list(g.deciders))
        for g in conn.execute(_SHEET_GRADES, key)
    }
    people = conn.execute(_SHEET_PEOPLE, key).all()
    admitted: dict[str, rules.Student] = {}
    others: dict[str, rules.Student] = {}
    for p in people:
        student = rules.Student(p.person_id, p.given_name, p.family_name, p.civic_no or "", stored.get(p.person_id))
        (admitted if p.admitted else others)[p.person_id] = student
    for pid in admitted:
        others.pop(pid, None)
    order = lambda s: rules.student_order_key(s.family_name, s.given_name, s.civic_no)  # noqa: E731
    teacher_rows = conn.execute(_SHEET_TEACHERS, key).all()
    teachers = sorted(
        (rules.Teacher(t.id, t.given_name, t.family_name) for t in teacher_rows),
        key=lambda t: rules.student_order_key(t.family_name, t.given_name),
    )
    return rules.Sheet(
        id=row.id,
        name=row.name,
        start_date=row.start_date,
        end_date=row.end_date,
        course_code=row.course_code or "",
        course_name=row.course_name or "",
        points=row.points,
        school_type=row.school_type or "VUXGY",
        school_unit_id=row.organisation_id,
        school_unit_name=row.unit_name or "",
        school_unit_code=row.school_unit_code or "",
        version=row.version,
        students=sorted(admitted.values(), key=order),
        not_admitted=sorted(others.values(), key=order),
        teachers=teachers,
    )


def save_grades(
    conn: Connection,
    sheet: rules.Sheet,
    rows: list[tuple[rules.Student, str, bool]],
    teachers: list[str],
    form_version: int,
    now: datetime,
    user_name: str,
) -> None:
    """Store a validated submission in one transaction; StaleForm if the group moved on."""
    bumped = conn.execute(
        update(groups)
        .where(groups.c.id == sheet.id, groups.c.version == form_version)
        .values(version=groups.c.version + 1)
    )
    if bumped.rowcount != 1:
        raise StaleForm(sheet.id)
    at = _local(now)
    existing = {r.person_id: r for r in conn.execute(select(grades).where(grades.c.group_id == sheet.id))}
    for student, value, lock in rows:
        values = {
            "value": value,
            "locked": lock,
            "deciders": list(teachers),
            "course_code": sheet.course_code,
            "school_unit_id": sheet.school_unit_id,
            "saved_at": at,
            "saved_by": user_name,
            "locked_at": at if lock else None,
            "locked_by": user_name if lock else None,
            "changed_at": at if lock else None,
        }
        old = existing.get(student.person_id)
        if old is None:
            conn.execute(grades.insert().values(group_id=sheet.id, person_id=student.person_id, **values))
        elif not old.locked:
            conn.execute(update(grades).where(grades.c.id == old.id).values(**values))
    refresh_derived(conn, {sheet.id})


def confirmed(conn: Connection, token: str | None):
    """The recorded confirm of a summary's one-time token, or None."""
    if not token:
        return None
    return conn.execute(select(confirmed_summaries).where(confirmed_summaries.c.token == token)).first()


def record_confirm(
    conn: Connection, token: str | None, group_id: str, user_name: str, now: datetime, locked: int
) -> None:
    if token:
        conn.execute(
            confirmed_summaries.insert().values(
                token=token, group_id=group_id, saved_by=user_name, saved_at=_local(now), locked=locked
            )
        )


# -- the grade API --------------------------------------------------------------------------------
def students_changed(conn: Connection, start: datetime, end: datetime) -> list[str]:
    """Person ids with a locked grade locked or changed at a mock time in [start, end)."""
    return list(
        conn.execute(
            select(grades.c.person_id)
            .distinct()
            .where(grades.c.locked, grades.c.changed_at >= start, grades.c.changed_at < end)
            .order_by(grades.c.person_id)
        ).scalars()
    )


def locked_grades_of(conn: Connection, person_ids: list[str]) -> dict[str, list]:
    """Every locked grade (never drafts) of each person, oldest first."""
    out: dict[str, list] = defaultdict(list)
    for i in range(0, len(person_ids), 500):
        chunk = person_ids[i : i + 500]
        for row in conn.execute(
            select(grades)
            .where(grades.c.locked, grades.c.person_id.in_(chunk))
            .order_by(grades.c.locked_at, grades.c.id)
        ):
            out[row.person_id].append(row)
    return out


def locked_dates(conn: Connection, group_id: str) -> list[date]:
    return [
        d.date()
        for d in conn.execute(
            select(grades.c.locked_at).where(
                grades.c.group_id == group_id, grades.c.locked, grades.c.locked_at.is_not(None)
            )
        ).scalars()
    ]


def huvudman_name(conn: Connection, unit_id: str | None) -> str:
    parent = conn.execute(select(organisations.c.parent_id).where(organisations.c.id == unit_id)).scalar()
    name = conn.execute(select(organisations.c.name).where(organisations.c.id == parent)).scalar() if parent else None
    return name or "Stockholms stad"


# -- accounts -------------------------------------------------------------------------------------
def add_accounts(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(accounts.insert(), rows)


def account(conn: Connection, username: str):
    return conn.execute(select(accounts).where(accounts.c.username == username)).first()


# -- the copy of BER, as the sync (``jobs``) writes it ----------------------------------------------
_COPY = {
    "organisations": organisations,
    "syllabuses": syllabuses,
    "persons": persons,
    "duties": duties,
    "groups": groups,
}


def upsert_copy(conn: Connection, resource: str, rows: list[dict]) -> None:
    """Insert or update rows of the copy by id, as one executemany."""
    upsert(conn, _COPY[resource], rows, key="id")


def _chunks(values: list[str], size: int = 500):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _replace(conn: Connection, table, group_ids: list[str], rows: list[dict]) -> None:
    """Replace every row of ``table`` belonging to ``group_ids`` with ``rows``."""
    for chunk in _chunks(group_ids):
        conn.execute(delete(table).where(table.c.group_id.in_(chunk)))
    if rows:
        conn.execute(table.insert(), rows)


def replace_memberships(conn: Connection, group_ids: list[str], rows: list[dict]) -> None:
    _replace(conn, memberships, group_ids, rows)


def replace_teachers(conn: Connection, group_ids: list[str], rows: list[dict]) -> None:
    _replace(conn, group_teachers, group_ids, rows)


def group_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(groups.c.id)).scalars())


def link_activities(conn: Connection, links: list[dict]) -> None:
    """Each link (``gid``, ``activity_id``, ``syllabus_id``) names a group's activity and syllabus."""
    if links:
        conn.execute(
            groups.update()
            .where(groups.c.id == bindparam("gid"))
            .values(activity_id=bindparam("activity_id"), syllabus_id=bindparam("syllabus_id"), ber_stamp=None),
            links,
        )


def groups_referring_to(
    conn: Connection, person_ids: set[str], duty_ids: set[str], syllabus_ids: list[str]
) -> set[str]:
    """The groups whose teachers or syllabus are among the given persons, duties or syllabuses."""
    affected: set[str] = set()
    if person_ids or duty_ids:
        affected |= set(
            conn.execute(
                select(group_teachers.c.group_id).where(
                    group_teachers.c.person_id.in_(person_ids) | group_teachers.c.duty_id.in_(duty_ids)
                )
            ).scalars()
        )
    affected |= set(conn.execute(select(groups.c.id).where(groups.c.syllabus_id.in_(syllabus_ids))).scalars())
    return affected


def apply_deletions(conn: Connection, deleted: dict[str, set[str]]) -> set[str]:
    """Remove what BER removed (deletedEntities keys); return the groups whose derived columns changed.

    A removed group goes with its memberships and teachers; a removed activity takes its teachers
    off its groups (so with no grader left the group is no longer searchable); a removed person
    leaves every group; a removed duty leaves every activity. Grades are Ping Pong's own and stay."""

    def ids(key: str) -> list[str]:
        return sorted(deleted.get(key, set()) | (deleted.get("activitites", set()) if key == "activities" else set()))

    affected: set[str] = set()
    gone_groups = ids("groups")
    for chunk in _chunks(gone_groups):
        conn.execute(delete(memberships).where(memberships.c.group_id.in_(chunk)))
        conn.execute(delete(group_teachers).where(group_teachers.c.group_id.in_(chunk)))
        conn.execute(delete(groups).where(groups.c.id.in_(chunk)))
    for chunk in _chunks(ids("activities")):
        owners = list(conn.execute(select(groups.c.id).where(groups.c.activity_id.in_(chunk))).scalars())
        affected |= set(owners)
        conn.execute(delete(group_teachers).where(group_teachers.c.group_id.in_(owners)))
        conn.execute(groups.update().where(groups.c.id.in_(owners)).values(activity_id=None, ber_stamp=None))
    for chunk in _chunks(ids("persons")):
        affected |= set(
            conn.execute(select(memberships.c.group_id).where(memberships.c.person_id.in_(chunk))).scalars()
        )
        affected |= set(
            conn.execute(select(group_teachers.c.group_id).where(group_teachers.c.person_id.in_(chunk))).scalars()
        )
        conn.execute(delete(memberships).where(memberships.c.person_id.in_(chunk)))
        conn.execute(delete(group_teachers).where(group_teachers.c.person_id.in_(chunk)))
        conn.execute(delete(persons).where(persons.c.id.in_(chunk)))
    for chunk in _chunks(ids("duties")):
        affected |= set(
            conn.execute(select(group_teachers.c.group_id).where(group_teachers.c.duty_id.in_(chunk))).scalars()
        )
        conn.execute(delete(group_teachers).where(group_teachers.c.duty_id.in_(chunk)))
        conn.execute(delete(duties).where(duties.c.id.in_(chunk)))
    for key, table in (("organisations", organisations), ("syllabuses", syllabuses)):
        for chunk in _chunks(ids(key)):
            conn.execute(delete(table).where(table.c.id.in_(chunk)))
    if affected:
        conn.execute(groups.update().where(groups.c.id.in_(sorted(affected))).values(ber_stamp=None))
    return affected - set(gone_groups)


def drop_missing(conn: Connection, seen: dict[str, set[str]]) -> None:
    """A full sync mirrors BER: what BER no longer has goes (grades are Ping Pong's own and stay)."""
    for name, table in _COPY.items():
        stored = set(conn.execute(select(table.c.id)).scalars())
        seen[f"gone_{name}"] = stored - seen[name]
    for name, table in _COPY.items():
        if name == "groups":
            continue
        ids = sorted(seen[f"gone_{name}"])
        for chunk in _chunks(ids):
            conn.execute(delete(table).where(table.c.id.in_(chunk)))
    gone = sorted(seen["gone_groups"])
    _replace(conn, memberships, gone, [])
    _replace(conn, group_teachers, gone, [])
    for chunk in _chunks(gone):
        conn.execute(delete(groups).where(groups.c.id.in_(chunk)))


def ber_stamp(conn: Connection, group_id: str) -> str | None:
    return conn.execute(select(groups.c.ber_stamp).where(groups.c.id == group_id)).scalar()


def set_ber_stamp(conn: Connection, group_id: str, stamp: str) -> None:
    conn.execute(groups.update().where(groups.c.id == group_id).values(ber_stamp=stamp))


def duty_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(duties.c.id)).scalars())


def known_person_ids(conn: Connection, person_ids: set[str]) -> set[str]:
    return set(conn.execute(select(persons.c.id).where(persons.c.id.in_(person_ids))).scalars())
