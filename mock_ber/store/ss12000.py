"""The SQL behind BER's SS 12000 API (:mod:`betyg_harness.mock_ber.ss12000`): one function per question
the API asks — a page of a resource's list with its filters, one record by id, a lookup, the removals
of ``/deletedEntities``, a client's subscriptions — each taking parameters the API has already parsed
and checked, and returning rows. The API parses, validates and serialises; it builds no SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable

from sqlalchemy import and_, exists, false, func, or_, select
from sqlalchemy.orm import Session

from betyg_harness import scales
from betyg_harness.mock_kit import app as kit_app
from betyg_harness.mock_kit.db import position_of
from betyg_harness.mock_ber import rules
from betyg_harness.mock_ber.errors import InvalidPosition
from betyg_harness.mock_ber.models import (
    Activity,
    DeletedEntity,
    Duty,
    Enrolment,
    Organisation,
    Person,
    Programme,
    ReceivedGrade,
    SchoolUnitOffering,
    StudyPlan,
    Subscription,
    Syllabus,
    TeacherAssignment,
    TeachingGroup,
)

FAR_FUTURE = date(9999, 12, 31)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else kit_app.now()


def _dates(query, p: dict, start_col, end_col):
    """The spec's date filters; a record without an end date is ongoing (ends after any day)."""
    if "startDate.onOrBefore" in p:
        query = query.where(start_col <= p["startDate.onOrBefore"])
    if "startDate.onOrAfter" in p:
        query = query.where(start_col >= p["startDate.onOrAfter"])
    if end_col is None:
        if "endDate.onOrBefore" in p:
            query = query.where(false())
        return query
    if "endDate.onOrBefore" in p:
        query = query.where(end_col <= p["endDate.onOrBefore"])
    if "endDate.onOrAfter" in p:
        query = query.where(or_(end_col.is_(None), end_col >= p["endDate.onOrAfter"]))
    return query


# -- filters, one function per resource -------------------------------------------------------------
def _organisations(query, p, now):
    if p.get("parent"):
        query = query.where(Organisation.parent_id.in_(p["parent"]))
    if p.get("schoolUnitCode"):
        query = query.where(Organisation.school_unit_code.in_(p["schoolUnitCode"]))
    if p.get("organisationCode"):
        query = query.where(false())  # BER's organisations carry no organisationCode
    if p.get("type"):
        query = query.where(Organisation.organisation_type.in_(p["type"]))
    if p.get("schoolTypes"):
        # School units are VUX units (schoolTypes ["VUX"]); the huvudman has no school types.
        query = query.where(Organisation.school_unit_code.is_not(None) if "VUX" in p["schoolTypes"] else false())
    if "municipalityCode" in p:
        query = query.where(Organisation.municipality_code == p["municipalityCode"])
    return query  # organisations have no start or end date: "poster utan datum tas alltid med"


_MEMBER = Enrolment.status.in_([s for s in rules.STATUSES if rules.has_membership(s)])


def _membership_relation(p):
    """EXISTS a group membership of the person matching the relationship.* filters."""
    conditions = [Enrolment.person_id == Person.id, _MEMBER]
    if "relationship.organisation" in p:
        conditions.append(
            Enrolment.group_id.in_(
                select(TeachingGroup.id).where(TeachingGroup.organisation_id == p["relationship.organisation"])
            )
        )
    if "relationship.startDate.onOrBefore" in p:
        conditions.append(Enrolment.start_date <= p["relationship.startDate.onOrBefore"])
    if "relationship.startDate.onOrAfter" in p:
        conditions.append(Enrolment.start_date >= p["relationship.startDate.onOrAfter"])
    ended = Enrolment.status.in_(rules.ENDED_STATUSES)
    if "relationship.endDate.onOrBefore" in p:
        conditions += [ended, Enrolment.status_date <= p["relationship.endDate.onOrBefore"]]
    if "relationship.endDate.onOrAfter" in p:
        conditions.append(or_(~ended, Enrolment.status_date >= p["relationship.endDate.onOrAfter"]))
    return exists().where(*conditions)


def _duty_relation(p):
    conditions = [Duty.person_id == Person.id]
    if "relationship.organisation" in p:
        conditions.append(Duty.organisation_id == p["relationship.organisation"])
    if "relationship.startDate.onOrBefore" in p:
        conditions.append(Duty.start_date <= p["relationship.startDate.onOrBefore"])
    if "relationship.startDate.onOrAfter" in p:
        conditions.append(Duty.start_date >= p["relationship.startDate.onOrAfter"])
    if "relationship.endDate.onOrBefore" in p:
        conditions.append(false())  # duties run on (no end date)
    return exists().where(*conditions)


def _persons(query, p, now):
    if "civicNo" in p:
        query = query.where(Person.civic_no == p["civicNo"].replace("-", ""))
    for part in p.get("nameContains") or []:  # every value must match one of the name fields
        query = query.where(position_of(Person.folded_name, part.casefold().replace("\n", " ")) > 0)
    if any(name in p for name in ("eduPersonPrincipalName", "identifier.value", "identifier.context")):
        query = query.where(false())  # BER records no eduPersonPrincipalNames or external identifiers
    relation_filters = [k for k in p if k.startswith("relationship.")]
    if relation_filters:
        kind = p.get("relationship.entity.type")
        if kind in ("enrolment", "groupMembership"):
            query = query.where(_membership_relation(p))
        elif kind == "duty":
            query = query.where(_duty_relation(p))
        elif kind is not None:
            query = query.where(false())  # no placements or guardians in a komvux registry
        else:
            query = query.where(or_(_membership_relation(p), _duty_relation(p)))
    return query


def _duties(query, p, now):
    if "organisation" in p:
        query = query.where(Duty.organisation_id == p["organisation"])
    if "dutyRole" in p:
        query = query.where(Duty.duty_role == p["dutyRole"])
    if "person" in p:
        query = query.where(Duty.person_id == p["person"])
    return _dates(query, p, Duty.start_date, None)


def _groups(query, p, now):
    query = query.join(Syllabus, Syllabus.id == TeachingGroup.syllabus_id)
    if p.get("groupType") and "Undervisning" not in p["groupType"]:
        query = query.where(false())
    if p.get("organisation"):
        query = query.where(TeachingGroup.organisation_id.in_(p["organisation"]))
    if p.get("schoolTypes"):
        levels = [lvl for lvl, st in scales.SCHOOL_TYPES.items() if st in p["schoolTypes"] or "VUX" in p["schoolTypes"]]
        query = query.where(Syllabus.level.in_(levels))
    return _dates(query, p, TeachingGroup.start_date, TeachingGroup.end_date)


def _activities(query, p, now):
    query = query.join(TeachingGroup, TeachingGroup.id == Activity.group_id)
    if "teacher" in p:  # the spec: a duty id (teachers[].duty.id)
        query = query.where(
            exists().where(TeacherAssignment.activity_id == Activity.id, TeacherAssignment.duty_id == p["teacher"])
        )
    if "group" in p:
        query = query.where(Activity.group_id == p["group"])
    if "member" in p:
        query = query.where(
            exists().where(Enrolment.group_id == Activity.group_id, Enrolment.person_id == p["member"], _MEMBER)
        )
    if "organisation" in p:
        query = query.where(TeachingGroup.organisation_id == p["organisation"])
    return _dates(query, p, TeachingGroup.start_date, TeachingGroup.end_date)


def _visible_grades(query, now):
    return query.where(ReceivedGrade.received_at <= _now(now))


def _grades(query, p, now):
    query = _visible_grades(query, now)
    if "student" in p:
        query = query.where(ReceivedGrade.student_id == p["student"])
    if "organisation" in p:
        query = query.where(ReceivedGrade.school_ref == p["organisation"])
    first_teacher = ReceivedGrade.teacher_ids[0].as_string()  # json_extract in SQLite, ->> in PostgreSQL
    if "gradingTeacher" in p:
        query = query.where(first_teacher == p["gradingTeacher"])
    if "registeredBy" in p:
        query = query.where(first_teacher == p["registeredBy"])
    if "registeredDate.onOrAfter" in p:
        query = query.where(ReceivedGrade.grade_date >= p["registeredDate.onOrAfter"])
    if "registeredDate.onOrBefore" in p:
        query = query.where(ReceivedGrade.grade_date <= p["registeredDate.onOrBefore"])
    return query


def _studyplans(query, p, now):
    if p.get("student"):
        query = query.where(StudyPlan.person_id.in_(p["student"]))
    return _dates(query, p, StudyPlan.start_date, StudyPlan.end_date)


def _offerings(query, p, now):
    if "organisation" in p:
        query = query.where(SchoolUnitOffering.organisation_id == p["organisation"])
    return query


def _programmes(query, p, now):
    if p.get("schoolType"):
        query = query.where(Programme.school_type.in_(p["schoolType"]))
    if "code" in p:
        query = query.where(Programme.code == p["code"])
    if "parentProgramme" in p:
        query = query.where(false())  # BER's programmes are yrkespaket without a parent programme
    return query


def _no_filters(query, p, now):
    return query


# -- lookups (POST /{resource}/lookup): the body's lists → OR-ed conditions -----------------------------
def _by_ids(model):
    def lookup(values):
        return [model.id.in_(values["ids"])]

    return lookup


def _lookup_persons(values):
    civic = [v.replace("-", "") for v in values["civicNos"]]
    return [Person.id.in_(values["ids"]), Person.civic_no.in_(civic)]


def _lookup_organisations(values):
    # organisationCodes match nothing: BER's organisations carry no organisationCode
    return [Organisation.id.in_(values["ids"]), Organisation.school_unit_code.in_(values["schoolUnitCodes"])]


def _lookup_activities(values):
    teachers, members = values["teachers"], values["members"]
    return [
        Activity.id.in_(values["ids"]),
        exists().where(TeacherAssignment.activity_id == Activity.id, TeacherAssignment.duty_id.in_(teachers)),
        exists().where(Enrolment.group_id == Activity.group_id, Enrolment.person_id.in_(members), _MEMBER),
    ]


# -- sort orders (sortkey → ((column, descending), ...)) ----------------------------------------------
def _asc(col):
    return ((col, False),)


def _desc(col):
    return ((col, True),)


def _modified(model):
    return {"ModifiedDesc": _desc(model.modified)}


_SYLLABUS_SORTS = {
    "SubjectName": Syllabus.subject_name,
    "SubjectCode": Syllabus.subject_code,
    "CourseName": Syllabus.name,
    "CourseCode": Syllabus.code,
    # BER keeps no separate subject designation: it sorts as the subject code.
    "SubjectDesignation": Syllabus.subject_code,
}
_PLAN_END = func.coalesce(StudyPlan.end_date, FAR_FUTURE)
_OFFER_START = func.coalesce(SchoolUnitOffering.start_date, date.min)
_OFFER_END = func.coalesce(SchoolUnitOffering.end_date, FAR_FUTURE)


@dataclass(frozen=True)
class Table:
    """How one resource is asked: its mapped class, its list filters, its sort orders (in the order
    the API names them), its lookup and what a read by id or a lookup keeps hidden."""

    model: type[Any]  # a mapped class with an ``id`` column
    filters: Callable = _no_filters  # (query, parsed parameters, now) → query
    sorts: dict = field(default_factory=dict)  # sortkey → ((column, descending), ...)
    lookup: Callable | None = None  # the body's lists → OR-ed conditions
    hidden: Callable | None = None  # (query, now) → query without what is not visible yet


TABLES: dict[str, Table] = {
    "organisations": Table(
        Organisation,
        _organisations,
        sorts={**_modified(Organisation), "DisplayNameAsc": _asc(Organisation.display_name)},
        lookup=_lookup_organisations,
    ),
    "persons": Table(
        Person,
        _persons,
        sorts={
            "DisplayNameAsc": ((Person.given_name, False), (Person.family_name, False)),
            "GivenNameDesc": _desc(Person.given_name),
            "GivenNameAsc": _asc(Person.given_name),
            "FamilyNameDesc": _desc(Person.family_name),
            "FamilyNameAsc": _asc(Person.family_name),
            "CivicNoAsc": _asc(Person.civic_no),
            "CivicNoDesc": _desc(Person.civic_no),
            **_modified(Person),
        },
        lookup=_lookup_persons,
    ),
    "duties": Table(
        Duty,
        _duties,
        sorts={"StartDateDesc": _desc(Duty.start_date), "StartDateAsc": _asc(Duty.start_date), **_modified(Duty)},
        lookup=_by_ids(Duty),
    ),
    "groups": Table(
        TeachingGroup,
        _groups,
        sorts={
            **_modified(TeachingGroup),
            "DisplayNameAsc": _asc(TeachingGroup.name),
            "StartDateAsc": _asc(TeachingGroup.start_date),
            "StartDateDesc": _desc(TeachingGroup.start_date),
            "EndDateAsc": _asc(TeachingGroup.end_date),
            "EndDateDesc": _desc(TeachingGroup.end_date),
        },
        lookup=_by_ids(TeachingGroup),
    ),
    "activities": Table(
        Activity,
        _activities,
        sorts={**_modified(Activity), "DisplayNameAsc": _asc(TeachingGroup.name)},
        lookup=_lookup_activities,
    ),
    "syllabuses": Table(
        Syllabus,
        sorts={
            **_modified(Syllabus),
            **{f"{k}{d}": ((c, d == "Desc"),) for k, c in _SYLLABUS_SORTS.items() for d in ("Asc", "Desc")},
        },
        lookup=_by_ids(Syllabus),
    ),
    "grades": Table(
        ReceivedGrade,
        _grades,
        sorts={
            "registeredDateAsc": _asc(ReceivedGrade.grade_date),
            "registeredDateDesc": _desc(ReceivedGrade.grade_date),
            **_modified(ReceivedGrade),
        },
        lookup=_by_ids(ReceivedGrade),
        hidden=_visible_grades,
    ),
    "studyplans": Table(
        StudyPlan,
        _studyplans,
        sorts={
            **_modified(StudyPlan),
            "StartDateAsc": _asc(StudyPlan.start_date),
            "StartDateDesc": _desc(StudyPlan.start_date),
            "EndDateAsc": _asc(_PLAN_END),
            "EndDateDesc": _desc(_PLAN_END),
        },
    ),
    "schoolUnitOfferings": Table(
        SchoolUnitOffering,
        _offerings,
        sorts={
            **_modified(SchoolUnitOffering),
            "StartDateAsc": _asc(_OFFER_START),
            "StartDateDesc": _desc(_OFFER_START),
            "EndDateAsc": _asc(_OFFER_END),
            "EndDateDesc": _desc(_OFFER_END),
        },
        lookup=_by_ids(SchoolUnitOffering),
    ),
    "programmes": Table(
        Programme,
        _programmes,
        sorts={
            "NameAsc": _asc(Programme.name),
            "CodeAsc": _asc(func.coalesce(Programme.code, "")),
            **_modified(Programme),
        },
        lookup=_by_ids(Programme),
    ),
}


def sort_keys(name: str) -> tuple[str, ...]:
    """The ``sortkey`` values of a resource's list, in the order its 400 names them."""
    return tuple(TABLES[name].sorts)


def _order(name: str, sortkey: str | None):
    table = TABLES[name]
    return table.sorts.get(sortkey, ()) + ((table.model.id, False),)


def _python_type(column) -> type | None:
    kind = getattr(column.type, "impl_instance", column.type)  # a TypeDecorator: the type it stores as
    try:
        return kind.python_type
    except NotImplementedError:
        return None


def position_types(name: str, sortkey: str | None) -> list[type | None]:
    """The Python type of each keyset column of a list in this order (None: any value compares), what a
    page token's position must hold."""
    return [_python_type(column) for column, _ in _order(name, sortkey)]


def _meta_filters(query, model, p):
    for name, column, op in (
        ("meta.created.before", model.created, "le"),
        ("meta.created.after", model.created, "gt"),
        ("meta.modified.before", model.modified, "le"),
        ("meta.modified.after", model.modified, "gt"),
    ):
        if name in p:
            query = query.where(column <= p[name] if op == "le" else column > p[name])
    return query


def _after(order, position):
    """Rows after ``position`` in ``order`` (lexicographic keyset: each column ascending or descending)."""
    clauses = []
    for i, (column, descending) in enumerate(order):
        equal = [c == v for (c, _), v in zip(order[:i], position[:i])]
        beyond = column < position[i] if descending else column > position[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def resource_page(
    session: Session, name: str, p: dict, after: list | None, limit: int, *, now: datetime | None = None
) -> tuple[list, list | None]:
    """One page of a resource's list: the records matching the parsed filters ``p`` in the order of
    ``p["sortkey"]`` (then id) after the keyset position ``after`` (checked against
    :func:`position_types`), and the last record's position when more follow (None: the last page).
    InvalidPosition when the position cannot be compared with the order's columns."""
    table = TABLES[name]
    model = table.model
    order = _order(name, p.get("sortkey"))
    query = _meta_filters(table.filters(select(model), p, now), model, p)
    if after is not None:
        try:
            query = query.where(_after(order, after))
        except (TypeError, ValueError):
            raise InvalidPosition("bad position") from None
    query = query.order_by(*[c.desc() if d else c.asc() for c, d in order]).limit(limit + 1)
    rows = list(session.execute(query.add_columns(*[c for c, _ in order])).unique())
    page = rows[:limit]
    return [row[0] for row in page], (list(page[-1][1:]) if len(rows) > limit else None)


def one(session: Session, name: str, rid: str, *, now: datetime | None = None):
    """The record ``rid`` of a resource (None when there is none, or it is not visible yet)."""
    table = TABLES[name]
    query = select(table.model).where(table.model.id == rid)
    if table.hidden:
        query = table.hidden(query, now)
    return session.scalars(query).unique().first()


def lookup(session: Session, name: str, values: dict[str, list[str]], most: int, *, now: datetime | None = None):
    """The records matching any of a lookup body's lists (``values``: each list the resource's lookup
    takes, by name), in id order, at most ``most + 1`` of them (more than ``most``: too many)."""
    table = TABLES[name]
    assert table.lookup is not None  # the lookup route exists only for resources with one
    query = select(table.model).where(or_(*table.lookup(values)))
    if table.hidden:
        query = table.hidden(query, now)
    return list(session.scalars(query.order_by(table.model.id).limit(most + 1)).unique())


# -- keyset pages on one key (/deletedEntities, /subscriptions) -----------------------------------------
def _keyset_page(session: Session, query, key, after, limit: int) -> tuple[list, bool]:
    """One page of ``query`` in ``key`` order after the key value ``after`` (None: the first page): the
    rows and whether more follow."""
    if after is not None:
        query = query.where(key > after)
    rows = list(session.scalars(query.order_by(key).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def deleted_entities(
    session: Session,
    since: datetime | None,
    endpoints: list[str] | None,
    after: int | None,
    limit: int,
    *,
    now: datetime | None = None,
) -> tuple[list[DeletedEntity], bool]:
    """Removals recorded after ``since`` and by now, of the ``endpoints`` (None or empty: all), in the
    order they were recorded after the row ``after``: the page and whether more follow."""
    query = select(DeletedEntity)
    if since is not None:
        query = query.where(DeletedEntity.deleted_at > since)
    if endpoints:
        query = query.where(DeletedEntity.endpoint.in_(endpoints))
    query = query.where(DeletedEntity.deleted_at <= _now(now))
    return _keyset_page(session, query, DeletedEntity.row, after, limit)


def subscriptions_page(session: Session, owner: str, after: str | None, limit: int) -> tuple[list[Subscription], bool]:
    """One API client's subscriptions in id order after the id ``after``: the page and whether more follow."""
    query = select(Subscription).where(Subscription.owner == owner)
    return _keyset_page(session, query, Subscription.id, after, limit)
