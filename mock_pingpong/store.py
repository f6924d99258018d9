"""Every read and write of Ping Pong's tables: the only module of the mock that builds SQL (2.0-style
``select``/``insert``/``update``/``delete`` on the classes of ``models``, on a connection of the kit's
engine).

The UI, the grade API and the BER sync (``jobs``) call these functions; the rules come from ``rules``.
Times go in and come out aware (stored as UTC); turning them into Stockholm days is ``rules.local_date``'s."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import cast

from sqlalchemy import DateTime, Row, Table, bindparam, case, delete, exists, func, insert, select, update
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.engine import Connection

from betyg_harness.mock_kit.app import current_kit
from betyg_harness.mock_kit.clock import STOCKHOLM
from betyg_harness.mock_kit.db import position_of, upsert
from betyg_harness.mock_pingpong import rules
from betyg_harness.mock_pingpong.errors import StaleForm
from betyg_harness.mock_pingpong.models import (
    Account,
    ConfirmedSummary,
    Duty,
    Grade,
    Group,
    GroupTeacher,
    Membership,
    Organisation,
    Person,
    Syllabus,
)


def _stored(dt: datetime) -> datetime:
    """An instant as stored: whole seconds (aware; the column keeps it as UTC)."""
    return dt.replace(microsecond=0)


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
        update(GroupTeacher)
        .where(where(GroupTeacher.group_id))
        .values(person_id=select(Duty.person_id).where(Duty.id == GroupTeacher.duty_id).scalar_subquery())
    )
    grader_rows = conn.execute(
        select(GroupTeacher.group_id, Person.given_name, Person.family_name)
        .join(Person, Person.id == GroupTeacher.person_id)
        .where(GroupTeacher.grader, where(GroupTeacher.group_id))
    ).all()
    graders = defaultdict(list)
    for gid, given, family in grader_rows:
        graders[gid].append((given, family))
    admitted: dict[str, int] = dict(
        conn.execute(
            select(Membership.group_id, func.count(func.distinct(Membership.person_id)))
            .where(Membership.admitted, where(Membership.group_id))
            .group_by(Membership.group_id)
        ).all()
    )
    admitted_grade = exists().where(
        Membership.group_id == Grade.group_id,
        Membership.person_id == Grade.person_id,
        Membership.admitted,
    )
    counts = {
        gid: (n, int(locked or 0))
        for gid, n, locked in conn.execute(
            # A count of the locked rows, not a sum over the Boolean column: SQLite would hand the sum back
            # as a Boolean (4 locked → True → 1) and PostgreSQL has no sum(boolean).
            select(Grade.group_id, func.count(), func.count(case((Grade.locked, 1))))
            .where(admitted_grade, where(Grade.group_id))
            .group_by(Grade.group_id)
        ).all()
    }
    rows = conn.execute(
        select(Group.id, Group.name, Syllabus.course_code, Syllabus.course_name)
        .select_from(Group)
        .outerjoin(Syllabus, Syllabus.id == Group.syllabus_id)
        .where(where(Group.id))
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
            update(Group)
            .where(Group.id == bindparam("gid"))
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
    return conn.execute(select(Person.id).where(Person.civic_no == civic_no).limit(1)).scalar()


def is_grading_teacher(conn: Connection, group_id: str, person_id: str | None) -> bool:
    if not person_id:
        return False
    return (
        conn.execute(
            select(GroupTeacher.id)
            .where(GroupTeacher.group_id == group_id, GroupTeacher.person_id == person_id, GroupTeacher.grader)
            .limit(1)
        ).first()
        is not None
    )


def grader_options(conn: Connection, only_groups_of: str | None = None) -> list[tuple[str, str]]:
    """(person id, full name) of every grading teacher, or of those sharing a group with a person."""
    graders = select(GroupTeacher.person_id).where(GroupTeacher.grader)
    if only_groups_of is not None:
        own = select(GroupTeacher.group_id).where(GroupTeacher.person_id == only_groups_of, GroupTeacher.grader)
        graders = graders.where(GroupTeacher.group_id.in_(own))
    # IN (subquery) rather than JOIN … DISTINCT: SQLite then needs no temporary B-tree (1,600 graders).
    rows = sorted(
        conn.execute(select(Person.id, Person.given_name, Person.family_name).where(Person.id.in_(graders))).all(),
        key=lambda r: rules.student_order_key(r.given_name, r.family_name),
    )
    return [(r.id, f"{r.given_name} {r.family_name}") for r in rows]


def terms(conn: Connection) -> list[str]:
    """The terms ("HT 2026") in which searchable groups end, in time order."""
    months = conn.execute(select(Group.end_date).distinct().where(Group.grader_count > 0)).scalars()
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
            Group.id,
            Group.name,
            Group.end_date,
            Group.grader_names,
            Group.admitted_count,
            Group.graded_count,
            Group.locked_count,
            Syllabus.course_code,
            Syllabus.course_name,
        )
        .select_from(Group)
        .outerjoin(Syllabus, Syllabus.id == Group.syllabus_id)
        .where(Group.grader_count > 0)
    )  # rules.is_searchable, as SQL
    if text.strip():
        query = query.where(position_of(Group.search_text, rules.search_fold(text.strip())) > 0)
    if date_from:
        query = query.where(Group.end_date >= date_from)
    if date_to:
        query = query.where(Group.end_date <= date_to)
    for person_id in (teacher_id, visible_to):
        if person_id:
            query = query.where(
                Group.id.in_(
                    select(GroupTeacher.group_id).where(GroupTeacher.person_id == person_id, GroupTeacher.grader)
                )
            )
    rows = conn.execute(query.order_by(Group.end_date.desc(), Group.name).limit(limit + 1)).all()
    return rows[:limit], len(rows) > limit


# -- one group ------------------------------------------------------------------------------------
# The grading view's statements are built once (building one costs about what running it does).
_SHEET_GROUP = (
    select(
        Group,
        Syllabus.course_code,
        Syllabus.course_name,
        Syllabus.points,
        Syllabus.school_type,
        Organisation.name.label("unit_name"),
        Organisation.school_unit_code,
    )
    .select_from(Group)
    .outerjoin(Syllabus, Syllabus.id == Group.syllabus_id)
    .outerjoin(Organisation, Organisation.id == Group.organisation_id)
    .where(Group.id == bindparam("group_id"))
)
_SHEET_GRADES = select(Grade).where(Grade.group_id == bindparam("group_id"))
_SHEET_PEOPLE = (
    select(Membership.person_id, Membership.admitted, Person.given_name, Person.family_name, Person.civic_no)
    .join(Person, Person.id == Membership.person_id)
    .where(Membership.group_id == bindparam("group_id"))
)
_SHEET_TEACHERS = (
    select(Person.id, Person.given_name, Person.family_name)
    .distinct()
    .join(GroupTeacher, GroupTeacher.person_id == Person.id)
    .where(GroupTeacher.group_id == bindparam("group_id"), GroupTeacher.grader)
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
        update(Group).where(Group.id == sheet.id, Group.version == form_version).values(version=Group.version + 1)
    )
    if bumped.rowcount != 1:
        raise StaleForm(sheet.id)
    at = _stored(now)
    existing = {r.person_id: r for r in conn.execute(select(Grade).where(Grade.group_id == sheet.id))}
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
            conn.execute(insert(Grade).values(group_id=sheet.id, person_id=student.person_id, **values))
        elif not old.locked:
            conn.execute(update(Grade).where(Grade.id == old.id).values(**values))
    refresh_derived(conn, {sheet.id})


def confirmed(conn: Connection, token: str | None):
    """The recorded confirm of a summary's one-time token, or None."""
    if not token:
        return None
    return conn.execute(select(ConfirmedSummary).where(ConfirmedSummary.token == token)).first()


def record_confirm(
    conn: Connection, token: str | None, group_id: str, user_name: str, now: datetime, locked: int
) -> None:
    if token:
        conn.execute(
            insert(ConfirmedSummary).values(
                token=token, group_id=group_id, saved_by=user_name, saved_at=_stored(now), locked=locked
            )
        )


# -- the grade API --------------------------------------------------------------------------------
def students_changed(conn: Connection, start: datetime, end: datetime) -> list[str]:
    """Person ids with a locked grade locked or changed at a mock time in [start, end) (aware instants)."""
    return list(
        conn.execute(
            select(Grade.person_id)
            .distinct()
            .where(Grade.locked, Grade.changed_at >= start, Grade.changed_at < end)
            .order_by(Grade.person_id)
        ).scalars()
    )


def locked_grades_of(conn: Connection, person_ids: list[str]) -> dict[str, list]:
    """Every locked grade (never drafts) of each person, oldest first."""
    out: dict[str, list] = defaultdict(list)
    for i in range(0, len(person_ids), 500):
        chunk = person_ids[i : i + 500]
        for row in conn.execute(
            select(Grade).where(Grade.locked, Grade.person_id.in_(chunk)).order_by(Grade.locked_at, Grade.id)
        ):
            out[row.person_id].append(row)
    return out


def locked_dates(conn: Connection, group_id: str) -> list[date]:
    """The Stockholm days on which the group's grades were locked."""
    return [
        rules.local_date(d)
        for d in conn.execute(
            select(Grade.locked_at).where(Grade.group_id == group_id, Grade.locked, Grade.locked_at.is_not(None))
        ).scalars()
        if d is not None  # never: the query asks for set times (said for the type checker)
    ]


def huvudman_name(conn: Connection, unit_id: str | None) -> str:
    parent = conn.execute(select(Organisation.parent_id).where(Organisation.id == unit_id)).scalar()
    name = conn.execute(select(Organisation.name).where(Organisation.id == parent)).scalar() if parent else None
    return name or "Stockholms stad"


# -- accounts -------------------------------------------------------------------------------------
def add_accounts(conn: Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(insert(Account), rows)


def account(conn: Connection, username: str):
    return conn.execute(select(Account).where(Account.username == username)).first()


# -- the copy of BER, as the sync (``jobs``) writes it ----------------------------------------------
_COPY: dict[str, type[Organisation] | type[Syllabus] | type[Person] | type[Duty] | type[Group]] = {
    "organisations": Organisation,
    "syllabuses": Syllabus,
    "persons": Person,
    "duties": Duty,
    "groups": Group,
}


def upsert_copy(conn: Connection, resource: str, rows: list[dict]) -> None:
    """Insert or update rows of the copy by id, as one executemany."""
    upsert(conn, cast(Table, _COPY[resource].__table__), rows, key="id")


def _chunks(values: list[str], size: int = 500):
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _replace(
    conn: Connection, model: type[Membership] | type[GroupTeacher], group_ids: list[str], rows: list[dict]
) -> None:
    """Replace every row of ``model`` belonging to ``group_ids`` with ``rows``."""
    for chunk in _chunks(group_ids):
        conn.execute(delete(model).where(model.group_id.in_(chunk)))
    if rows:
        conn.execute(insert(model), rows)


def replace_memberships(conn: Connection, group_ids: list[str], rows: list[dict]) -> None:
    _replace(conn, Membership, group_ids, rows)


def replace_teachers(conn: Connection, group_ids: list[str], rows: list[dict]) -> None:
    _replace(conn, GroupTeacher, group_ids, rows)


def group_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(Group.id)).scalars())


def link_activities(conn: Connection, links: list[dict]) -> None:
    """Each link (``gid``, ``activity_id``, ``syllabus_id``) names a group's activity and syllabus."""
    if links:
        conn.execute(
            update(Group)
            .where(Group.id == bindparam("gid"))
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
                select(GroupTeacher.group_id).where(
                    GroupTeacher.person_id.in_(person_ids) | GroupTeacher.duty_id.in_(duty_ids)
                )
            ).scalars()
        )
    affected |= set(conn.execute(select(Group.id).where(Group.syllabus_id.in_(syllabus_ids))).scalars())
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
        conn.execute(delete(Membership).where(Membership.group_id.in_(chunk)))
        conn.execute(delete(GroupTeacher).where(GroupTeacher.group_id.in_(chunk)))
        conn.execute(delete(Group).where(Group.id.in_(chunk)))
    for chunk in _chunks(ids("activities")):
        owners = list(conn.execute(select(Group.id).where(Group.activity_id.in_(chunk))).scalars())
        affected |= set(owners)
        conn.execute(delete(GroupTeacher).where(GroupTeacher.group_id.in_(owners)))
        conn.execute(update(Group).where(Group.id.in_(owners)).values(activity_id=None, ber_stamp=None))
    for chunk in _chunks(ids("persons")):
        affected |= set(conn.execute(select(Membership.group_id).where(Membership.person_id.in_(chunk))).scalars())
        affected |= set(conn.execute(select(GroupTeacher.group_id).where(GroupTeacher.person_id.in_(chunk))).scalars())
        conn.execute(delete(Membership).where(Membership.person_id.in_(chunk)))
        conn.execute(delete(GroupTeacher).where(GroupTeacher.person_id.in_(chunk)))
        conn.execute(delete(Person).where(Person.id.in_(chunk)))
    for chunk in _chunks(ids("duties")):
        affected |= set(conn.execute(select(GroupTeacher.group_id).where(GroupTeacher.duty_id.in_(chunk))).scalars())
        conn.execute(delete(GroupTeacher).where(GroupTeacher.duty_id.in_(chunk)))
        conn.execute(delete(Duty).where(Duty.id.in_(chunk)))
    for key, model in (("organisations", Organisation), ("syllabuses", Syllabus)):
        for chunk in _chunks(ids(key)):
            conn.execute(delete(model).where(model.id.in_(chunk)))
    if affected:
        conn.execute(update(Group).where(Group.id.in_(sorted(affected))).values(ber_stamp=None))
    return affected - set(gone_groups)


def drop_missing(conn: Connection, seen: dict[str, set[str]]) -> None:
    """A full sync mirrors BER: what BER no longer has goes (grades are Ping Pong's own and stay)."""
    for name, model in _COPY.items():
        stored = set(conn.execute(select(model.id)).scalars())
        seen[f"gone_{name}"] = stored - seen[name]
    for name, model in _COPY.items():
        if name == "groups":
            continue
        ids = sorted(seen[f"gone_{name}"])
        for chunk in _chunks(ids):
            conn.execute(delete(model).where(model.id.in_(chunk)))
    gone = sorted(seen["gone_groups"])
    _replace(conn, Membership, gone, [])
    _replace(conn, GroupTeacher, gone, [])
    for chunk in _chunks(gone):
        conn.execute(delete(Group).where(Group.id.in_(chunk)))


def ber_stamp(conn: Connection, group_id: str) -> str | None:
    return conn.execute(select(Group.ber_stamp).where(Group.id == group_id)).scalar()


def set_ber_stamp(conn: Connection, group_id: str, stamp: str) -> None:
    conn.execute(update(Group).where(Group.id == group_id).values(ber_stamp=stamp))


def duty_ids(conn: Connection) -> set[str]:
    return set(conn.execute(select(Duty.id)).scalars())


def known_person_ids(conn: Connection, person_ids: set[str]) -> set[str]:
    return set(conn.execute(select(Person.id).where(Person.id.in_(person_ids))).scalars())


# -- a database kept from an earlier release (PINGPONG_DATABASE) ---------------------------------
# 1: grade and summary times stored as Stockholm wall time; 2: as UTC (mock_kit.db.UTCDateTime).
DATA_FORMAT = 2
_TIMES = ((Grade, "id", ("saved_at", "locked_at", "changed_at")), (ConfirmedSummary, "token", ("saved_at",)))


def upgrade(conn: Connection, found: int) -> None:
    """Rewrite a kept database from data format ``found`` to :data:`DATA_FORMAT`, in the caller's
    transaction (mock_kit stamps the new format in the same one)."""
    if found < 2:
        for model, key, columns in _TIMES:
            _wall_times_to_utc(conn, model.__tablename__, key, columns)


def _wall_times_to_utc(conn: Connection, name: str, key: str, columns: tuple[str, ...]) -> None:
    # The raw columns, past UTCDateTime: the stored values are naive Stockholm wall times.
    raw = sa_table(name, sa_column(key), *(sa_column(c, DateTime()) for c in columns))
    rows = [
        {"k": row[0], **{f"new_{c}": _wall_to_utc(value) for c, value in zip(columns, row[1:])}}
        for row in conn.execute(select(raw))
    ]
    if rows:
        stmt = update(raw).where(raw.c[key] == bindparam("k")).values({c: bindparam(f"new_{c}") for c in columns})
        conn.execute(stmt, rows)


def _wall_to_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=STOCKHOLM).astimezone(timezone.utc).replace(tzinfo=None)
