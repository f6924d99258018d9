"""The SS 12000 v2.1 API under ``/ss12000/v2.1``: every operation of the official file for the
resources BER publishes — lists with every documented filter, ``sortkey``, ``expand`` and
``expandReferenceNames``; ``/{id}``; ``POST /{resource}/lookup`` — plus ``/deletedEntities`` and
``/subscriptions`` (webhooks, :mod:`.subscriptions`). An operation of the file that BER does not
offer answers 404 with an Error object (code ``not_offered``); a method the path does not have, 405.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Callable

from flask import Blueprint, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter
from sqlalchemy import and_, exists, false, func, or_, select

from betyg_harness import scales
from betyg_harness.mock_kit.app import current_kit, now
from betyg_harness.mock_ber import rules
from betyg_harness.mock_ber.jobs import grade_import
from betyg_harness.mock_ber.errors import ApiError
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
    Syllabus,
    TeacherAssignment,
    TeachingGroup,
)
from betyg_harness.mock_ber.ss12000 import serializers as ser
from betyg_harness.mock_ber.ss12000.params import (
    Param,
    bad,
    check_position,
    encode_token,
    keyset_page,
    parse_uuid,
    read_list_args,
)
from betyg_harness.mock_kit.db import position_of

PREFIX = "/ss12000/v2.1"
api = Blueprint("ss12000", __name__, url_prefix=PREFIX)


class RecordId(BaseConverter):
    """A record id in a path: anything but ``lookup`` (``/x/lookup`` is POST only, never ``GET /x/{id}``)."""

    regex = r"(?!lookup$)[^/]+"


def _register_record_id(state: BlueprintSetupState) -> None:
    state.app.url_map.converters.setdefault("rid", RecordId)


api.record_once(_register_record_id)

DATE_PARAMS = (
    Param("startDate.onOrBefore", "date"),
    Param("startDate.onOrAfter", "date"),
    Param("endDate.onOrBefore", "date"),
    Param("endDate.onOrAfter", "date"),
)
FAR_FUTURE = date(9999, 12, 31)


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
def _organisations(query, p):
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
_MEMBER_END = func.coalesce(Enrolment.status_date, FAR_FUTURE)


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


RELATIONS = (
    "enrolment",
    "duty",
    "placement.child",
    "placement.owner",
    "responsibleFor.enrolment",
    "responsibleFor.placement",
    "groupMembership",
)


def _persons(query, p):
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


def _duties(query, p):
    if "organisation" in p:
        query = query.where(Duty.organisation_id == p["organisation"])
    if "dutyRole" in p:
        query = query.where(Duty.duty_role == p["dutyRole"])
    if "person" in p:
        query = query.where(Duty.person_id == p["person"])
    return _dates(query, p, Duty.start_date, None)


def _groups(query, p):
    query = query.join(Syllabus, Syllabus.id == TeachingGroup.syllabus_id)
    if p.get("groupType") and "Undervisning" not in p["groupType"]:
        query = query.where(false())
    if p.get("organisation"):
        query = query.where(TeachingGroup.organisation_id.in_(p["organisation"]))
    if p.get("schoolTypes"):
        levels = [lvl for lvl, st in scales.SCHOOL_TYPES.items() if st in p["schoolTypes"] or "VUX" in p["schoolTypes"]]
        query = query.where(Syllabus.level.in_(levels))
    return _dates(query, p, TeachingGroup.start_date, TeachingGroup.end_date)


def _activities(query, p):
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


def _visible_grades(query):
    return query.where(ReceivedGrade.received_at <= now())


def _grades(query, p):
    query = _visible_grades(query)
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


def _studyplans(query, p):
    if p.get("student"):
        query = query.where(StudyPlan.person_id.in_(p["student"]))
    return _dates(query, p, StudyPlan.start_date, StudyPlan.end_date)


def _offerings(query, p):
    if "organisation" in p:
        query = query.where(SchoolUnitOffering.organisation_id == p["organisation"])
    return query


def _programmes(query, p):
    if p.get("schoolType"):
        query = query.where(Programme.school_type.in_(p["schoolType"]))
    if "code" in p:
        query = query.where(Programme.code == p["code"])
    if "parentProgramme" in p:
        query = query.where(false())  # BER's programmes are yrkespaket without a parent programme
    return query


# -- lookups (POST /{resource}/lookup) --------------------------------------------------------------
def _bounded(body: dict) -> None:
    """The file sets no length for a lookup's lists and answers 503 when the answer would be too big
    for the server; BER bounds the question instead (a 400 the client can act on): at most
    ``SS12000_MAX_LOOKUP`` values in all the body's lists together, as many as one page holds."""
    most = current_app.config["SS12000_MAX_LOOKUP"]
    given = sum(len(v) for v in body.values() if isinstance(v, list))
    if given > most:
        raise bad(f"Högst {most} värden per uppslagning (nu {given}); dela upp frågan.", "too_many_values")


def _uuid_list(body: dict, name: str) -> list[str]:
    values = body.get(name, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise bad(f"{name} måste vara en lista med UUID:n.", "invalid_body")
    return [parse_uuid(name, v) for v in values]


def _string_list(body: dict, name: str) -> list[str]:
    values = body.get(name, [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise bad(f"{name} måste vara en lista med strängar.", "invalid_body")
    return values


def _by_ids(model):
    def lookup(body):
        return [model.id.in_(_uuid_list(body, "ids"))]

    return lookup


def _lookup_persons(body):
    civic = [v.replace("-", "") for v in _string_list(body, "civicNos")]
    return [Person.id.in_(_uuid_list(body, "ids")), Person.civic_no.in_(civic)]


def _lookup_organisations(body):
    _string_list(body, "organisationCodes")  # checked; BER's organisations carry no organisationCode
    return [
        Organisation.id.in_(_uuid_list(body, "ids")),
        Organisation.school_unit_code.in_(_string_list(body, "schoolUnitCodes")),
    ]


def _lookup_activities(body):
    teachers, members = _uuid_list(body, "teachers"), _uuid_list(body, "members")
    return [
        Activity.id.in_(_uuid_list(body, "ids")),
        exists().where(TeacherAssignment.activity_id == Activity.id, TeacherAssignment.duty_id.in_(teachers)),
        exists().where(Enrolment.group_id == Activity.group_id, Enrolment.person_id.in_(members), _MEMBER),
    ]


@dataclass(frozen=True)
class Resource:
    model: type[Any]  # a mapped class with an ``id`` column
    batch: Callable
    filters: Callable
    params: tuple[Param, ...] = ()
    expand: tuple[str, ...] = ()
    sorts: dict = field(default_factory=dict)  # sortkey → ((column, descending), ...)
    lookup: Callable | None = None  # body → OR-ed conditions; None: no lookup in the file
    before_read: Callable | None = None
    one_filters: Callable | None = None  # what a /{id} read keeps hidden (grades not yet visible)

    @property
    def all_params(self):
        sort = (Param("sortkey", "enum", False, tuple(self.sorts)),) if self.sorts else ()
        return self.params + sort + ((Param("expand", "enum", True, self.expand),) if self.expand else ())


DUTY_ROLES = (
    "Rektor",
    "Lärare",
    "Förskollärare",
    "Barnskötare",
    "Bibliotekarie",
    "Lärarassistent",
    "Fritidspedagog",
    "Annan personal",
    "Studie- och yrkesvägledare",
    "Förstelärare",
    "Kurator",
    "Skolsköterska",
    "Skolläkare",
    "Skolpsykolog",
    "Speciallärare/specialpedagog",
    "Skoladministratör",
    "Övrig arbetsledning",
    "Övrig pedagogisk personal",
    "Förskolechef",
)
ORG_TYPES = (
    "Huvudman",
    "Verksamhetsområde",
    "Förvaltning",
    "Rektorsområde",
    "Skola",
    "Skolenhet",
    "Varumärke",
    "Bolag",
    "Övrigt",
)
GROUP_TYPES = ("Undervisning", "Klass", "Mentor", "Provgrupp", "Schema", "Avdelning", "Personalgrupp", "Övrigt")
SCHOOL_TYPES = (
    "FS",
    "FKLASS",
    "FTH",
    "OPPFTH",
    "GR",
    "GRS",
    "TR",
    "SP",
    "SAM",
    "GY",
    "GYS",
    "VUX",
    "VUXSFI",
    "VUXGR",
    "VUXGY",
    "VUXSARGR",
    "VUXSARTR",
    "VUXSARGY",
    "SFI",
    "SARVUX",
    "SARVUXGR",
    "SARVUXGY",
    "KU",
    "YH",
    "FHS",
    "STF",
    "KKU",
    "HS",
    "ABU",
    "AU",
)


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

RESOURCES: dict[str, Resource] = {
    "organisations": Resource(
        Organisation,
        ser.organisation_batch,
        _organisations,
        (
            Param("parent", "uuid", True),
            Param("schoolUnitCode", array=True),
            Param("organisationCode", array=True),
            Param("type", "enum", True, ORG_TYPES),
            Param("schoolTypes", "enum", True, SCHOOL_TYPES),
            Param("municipalityCode"),
            *DATE_PARAMS,
        ),
        sorts={**_modified(Organisation), "DisplayNameAsc": _asc(Organisation.display_name)},
        lookup=_lookup_organisations,
    ),
    "persons": Resource(
        Person,
        ser.person_batch,
        _persons,
        (
            Param("civicNo"),
            Param("nameContains", array=True),
            Param("eduPersonPrincipalName"),
            Param("identifier.value"),
            Param("identifier.context"),
            Param("relationship.entity.type", "enum", False, RELATIONS),
            Param("relationship.organisation", "uuid"),
            Param("relationship.startDate.onOrBefore", "date"),
            Param("relationship.startDate.onOrAfter", "date"),
            Param("relationship.endDate.onOrBefore", "date"),
            Param("relationship.endDate.onOrAfter", "date"),
        ),
        expand=("duties", "responsibleFor", "placements", "ownedPlacements", "groupMemberships"),
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
    "duties": Resource(
        Duty,
        ser.duty_batch,
        _duties,
        (
            Param("organisation", "uuid"),
            Param("dutyRole", "enum", False, DUTY_ROLES),
            Param("person", "uuid"),
            *DATE_PARAMS,
        ),
        expand=("person",),
        sorts={"StartDateDesc": _desc(Duty.start_date), "StartDateAsc": _asc(Duty.start_date), **_modified(Duty)},
        lookup=_by_ids(Duty),
    ),
    "groups": Resource(
        TeachingGroup,
        ser.group_batch,
        _groups,
        (
            Param("groupType", "enum", True, GROUP_TYPES),
            Param("organisation", "uuid", True),
            Param("schoolTypes", "enum", True, SCHOOL_TYPES),
            *DATE_PARAMS,
        ),
        expand=("assignmentRoles",),
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
    "activities": Resource(
        Activity,
        ser.activity_batch,
        _activities,
        (
            Param("member", "uuid"),
            Param("teacher", "uuid"),
            Param("organisation", "uuid"),
            Param("group", "uuid"),
            *DATE_PARAMS,
        ),
        expand=("groups", "teachers", "syllabus"),
        sorts={**_modified(Activity), "DisplayNameAsc": _asc(TeachingGroup.name)},
        lookup=_lookup_activities,
    ),
    "syllabuses": Resource(
        Syllabus,
        ser.syllabus_batch,
        lambda q, p: q,
        sorts={
            **_modified(Syllabus),
            **{f"{k}{d}": ((c, d == "Desc"),) for k, c in _SYLLABUS_SORTS.items() for d in ("Asc", "Desc")},
        },
        lookup=_by_ids(Syllabus),
    ),
    "grades": Resource(
        ReceivedGrade,
        ser.grade_batch,
        _grades,
        (
            Param("organisation", "uuid"),
            Param("student", "uuid"),
            Param("registeredBy", "uuid"),
            Param("gradingTeacher", "uuid"),
            Param("registeredDate.onOrAfter", "date"),
            Param("registeredDate.onOrBefore", "date"),
        ),
        sorts={
            "registeredDateAsc": _asc(ReceivedGrade.grade_date),
            "registeredDateDesc": _desc(ReceivedGrade.grade_date),
            **_modified(ReceivedGrade),
        },
        lookup=_by_ids(ReceivedGrade),
        before_read=grade_import.before_read,
        one_filters=_visible_grades,
    ),
    "studyplans": Resource(
        StudyPlan,
        ser.studyplan_batch,
        _studyplans,
        (Param("student", "uuid", True), *DATE_PARAMS),
        sorts={
            **_modified(StudyPlan),
            "StartDateAsc": _asc(StudyPlan.start_date),
            "StartDateDesc": _desc(StudyPlan.start_date),
            "EndDateAsc": _asc(_PLAN_END),
            "EndDateDesc": _desc(_PLAN_END),
        },
    ),
    "schoolUnitOfferings": Resource(
        SchoolUnitOffering,
        ser.offering_batch,
        _offerings,
        (Param("organisation", "uuid"),),
        sorts={
            **_modified(SchoolUnitOffering),
            "StartDateAsc": _asc(_OFFER_START),
            "StartDateDesc": _desc(_OFFER_START),
            "EndDateAsc": _asc(_OFFER_END),
            "EndDateDesc": _desc(_OFFER_END),
        },
        lookup=_by_ids(SchoolUnitOffering),
    ),
    "programmes": Resource(
        Programme,
        ser.programme_batch,
        _programmes,
        (Param("schoolType", "enum", True, SCHOOL_TYPES), Param("code"), Param("parentProgramme")),
        sorts={
            "NameAsc": _asc(Programme.name),
            "CodeAsc": _asc(func.coalesce(Programme.code, "")),
            **_modified(Programme),
        },
        lookup=_by_ids(Programme),
    ),
}


def error(status: int, code: str, message: str, headers: dict | None = None):
    response = jsonify({"code": code, "message": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ss12000"'
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


@api.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error(exc.status, exc.code, exc.message)


@api.before_request
def _authenticate():
    """The caller is one of the API's clients (:func:`betyg_harness.mock_ber.api_clients`), its name
    in ``g.ber_api_client`` (what owns a subscription); every token is compared, in constant time."""
    from betyg_harness.mock_ber import api_clients

    given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
    client = None
    for name, token in api_clients(current_app.config).items():
        if hmac.compare_digest(given, f"Bearer {token}".encode("utf-8", "surrogateescape")) and client is None:
            client = name
    if client is None:
        return error(401, "unauthorized", "Giltig bearer-token krävs (Authorization: Bearer <token>).")
    g.ber_api_client = client
    return None


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
    check_position([column for column, _ in order], position)
    clauses = []
    for i, (column, descending) in enumerate(order):
        equal = [c == v for (c, _), v in zip(order[:i], position[:i])]
        beyond = column < position[i] if descending else column > position[i]
        clauses.append(and_(*equal, beyond))
    return or_(*clauses)


def _list(name: str):
    resource = RESOURCES[name]
    parsed, limit, after, raw_query = read_list_args(
        request.args, resource.all_params, max_limit=current_app.config["SS12000_MAX_PAGE_SIZE"]
    )
    if resource.before_read:
        resource.before_read()
    model = resource.model
    order = resource.sorts.get(parsed.get("sortkey"), ()) + ((model.id, False),)
    query = _meta_filters(resource.filters(select(model), parsed), model, parsed)
    if after is not None:
        try:
            query = query.where(_after(order, after))
        except (TypeError, ValueError):
            raise bad("pageToken är ogiltig.", "invalid_page_token") from None
    query = query.order_by(*[c.desc() if d else c.asc() for c, d in order]).limit(limit + 1)
    columns = [c for c, _ in order]
    with current_kit().db.session() as session:
        rows = list(session.execute(query.add_columns(*columns)).unique())
        page, more = rows[:limit], len(rows) > limit
        records = [row[0] for row in page]
        refs = ser.Refs(session, parsed.get("expandReferenceNames", False))
        data = resource.batch(records, refs, set(parsed.get("expand", [])))
    token = encode_token(list(page[-1][1:]), raw_query) if more else None
    return jsonify({"data": data, "pageToken": token})


def _read_params(resource: Resource) -> dict:
    params = tuple(p for p in resource.all_params if p.name == "expand") + (Param("expandReferenceNames", "bool"),)
    return {p.name: p.parse(request.args.getlist(p.name)) for p in params if p.name in request.args}


def _one(name: str, rid: str):
    resource = RESOURCES[name]
    rid = parse_uuid("id", rid)
    parsed = _read_params(resource)
    if resource.before_read:
        resource.before_read()
    model = resource.model
    query = select(model).where(model.id == rid)
    if resource.one_filters:
        query = resource.one_filters(query)
    with current_kit().db.session() as session:
        row = session.scalars(query).unique().first()
        if row is None:
            raise ApiError(404, "not_found", f"Det finns ingen post med id {rid} i {name}.")
        refs = ser.Refs(session, parsed.get("expandReferenceNames", False))
        return jsonify(resource.batch([row], refs, set(parsed.get("expand", [])))[0])


def _lookup(name: str):
    """``POST /{resource}/lookup``: the records matching any of the body's lists, as an array."""
    resource = RESOURCES[name]
    parsed = _read_params(resource)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise bad('Kroppen måste vara ett JSON-objekt, t.ex. {"ids": ["…"]}.', "invalid_body")
    _bounded(body)
    assert resource.lookup is not None  # the lookup route exists only for resources with one
    conditions = resource.lookup(body)
    if resource.before_read:
        resource.before_read()
    model = resource.model
    query = select(model).where(or_(*conditions))
    if resource.one_filters:
        query = resource.one_filters(query)
    most = current_app.config["SS12000_MAX_PAGE_SIZE"]
    with current_kit().db.session() as session:
        rows = list(session.scalars(query.order_by(model.id).limit(most + 1)).unique())
        if len(rows) > most:
            raise ApiError(503, "response_too_large", f"Svaret är för stort (fler än {most} poster); dela upp frågan.")
        refs = ser.Refs(session, parsed.get("expandReferenceNames", False))
        return jsonify(resource.batch(rows, refs, set(parsed.get("expand", []))))


for _name, _resource in RESOURCES.items():
    api.add_url_rule(f"/{_name}", f"list_{_name}", (lambda n: lambda: _list(n))(_name), methods=["GET"])
    api.add_url_rule(
        f"/{_name}/<rid:rid>", f"get_{_name}", (lambda n: lambda rid: _one(n, rid))(_name), methods=["GET"]
    )
    if _resource.lookup is not None:
        api.add_url_rule(f"/{_name}/lookup", f"lookup_{_name}", (lambda n: lambda: _lookup(n))(_name), methods=["POST"])


# -- deleted entities --------------------------------------------------------------------------------
# EndPointsEnum → the key of DeletedEntities.data. The official file spells the activities' key
# "activitites"; BER sends both spellings (the same list), as it sends Grade.schoolUnit beside organisation.
ENTITY_KEYS = {
    "Absence": "absences",
    "AttendanceEvent": "attendanceEvents",
    "Attendance": "attendances",
    "Grade": "grades",
    "CalendarEvent": "calendarEvents",
    "AttendanceSchedule": "attendanceSchedules",
    "Resource": "resources",
    "Room": "rooms",
    "Activity": "activities",
    "Duty": "duties",
    "Placement": "placements",
    "StudyPlan": "studyPlans",
    "Programme": "programmes",
    "Syllabus": "syllabuses",
    "SchoolUnitOffering": "schoolUnitOfferings",
    "Group": "groups",
    "Person": "persons",
    "Organisation": "organisations",
}
FILE_SPELLING = {"activities": "activitites"}
DELETED_PARAMS = (
    Param("after", "datetime"),
    Param("meta.modified.after", "datetime"),
    Param("entities", "enum", True, tuple(ENTITY_KEYS)),
)


@api.get("/deletedEntities")
def deleted_entities():
    """Removals recorded after ``after`` (``meta.modified.after`` is taken as the same), by type."""
    parsed, limit, position, raw_query = read_list_args(
        request.args, DELETED_PARAMS, max_limit=current_app.config["SS12000_MAX_PAGE_SIZE"], common=()
    )
    query = select(DeletedEntity)
    since = parsed.get("after", parsed.get("meta.modified.after"))
    if since is not None:
        query = query.where(DeletedEntity.deleted_at > since)
    if parsed.get("entities"):
        query = query.where(DeletedEntity.endpoint.in_([ENTITY_KEYS[e] for e in parsed["entities"]]))
    query = query.where(DeletedEntity.deleted_at <= now())
    page, more = keyset_page(query, DeletedEntity.row, position, limit, int)
    data: dict[str, list[str]] = {}
    for row in page:
        data.setdefault(row.endpoint, [])
        if row.entity_id not in data[row.endpoint]:
            data[row.endpoint].append(row.entity_id)
    for key, spelled in FILE_SPELLING.items():
        if key in data:
            data[spelled] = list(data[key])
    return jsonify({"data": data, "pageToken": encode_token([page[-1].row], raw_query) if more else None})


from betyg_harness.mock_ber.ss12000 import subscriptions  # noqa: E402,F401  (routes on the same blueprint)


# -- what BER does not offer ------------------------------------------------------------------------
@lru_cache(maxsize=1)
def spec_operations() -> dict[str, frozenset[str]]:
    """Path template → the methods the official file gives it (read from the reference file once)."""
    import yaml

    from betyg_harness import reference

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(reference.ss12000_openapi(), encoding="utf-8") as f:
        spec = yaml.load(f, Loader=loader)
    methods = {"get", "post", "put", "patch", "delete"}
    return {
        path.rstrip("/") or "/": frozenset(m.upper() for m in ops if m in methods)
        for path, ops in spec["paths"].items()
    }


def spec_template(path: str) -> str | None:
    """The official file's path template for a concrete path under the prefix, if any."""
    rest = path[len(PREFIX) :].rstrip("/") or "/"
    parts = rest.strip("/").split("/")
    # A literal segment wins over a placeholder: /x/lookup before /x/{id}.
    for template in sorted(spec_operations(), key=lambda t: t.count("{")):
        tparts = template.strip("/").split("/")
        if len(tparts) == len(parts) and all(t == p or t.startswith("{") for t, p in zip(tparts, parts)):
            return template
    return None


def offered_operations() -> dict[str, set[str]]:
    """Template → methods BER serves, read from its own URL map (what the report counts)."""
    out: dict[str, set[str]] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/"):
            continue
        template = re.sub(r"<[^>]+>", "{id}", rule.rule[len(PREFIX) :])
        assert rule.methods is not None  # Flask gives every rule its methods
        out.setdefault(template, set()).update(m for m in rule.methods if m not in ("HEAD", "OPTIONS"))
    return out


def http_error(exc):
    """An HTTP error under the API prefix as an Error object (mock_kit's error pages call this first):
    who may not read the API learns nothing of it, an operation of the official file that BER does
    not offer says so, a wrong method names the allowed ones."""
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    refused = _authenticate()
    if refused is not None:
        return refused
    if isinstance(exc, NotFound):
        template = spec_template(request.path)
        if template is not None and request.method in spec_operations()[template]:
            return error(
                404,
                "not_offered",
                f"BER erbjuder inte {request.method} {template} (SS 12000 v2.1): "
                "ett register för vuxenutbildning har inga sådana uppgifter.",
            )
        if template is not None:
            return error(
                405,
                "method_not_allowed",
                f"{request.method} finns inte för {template}.",
                {"Allow": ", ".join(sorted(spec_operations()[template]))},
            )
        return error(404, "not_found", f"{request.path} finns inte i SS 12000 v2.1.")
    if isinstance(exc, MethodNotAllowed):
        allowed = sorted(m for m in (exc.valid_methods or ()) if m not in ("OPTIONS", "HEAD"))
        return error(
            405,
            "method_not_allowed",
            f"{request.method} finns inte för {request.path}; tillåtna: {', '.join(allowed)}.",
            {"Allow": ", ".join(allowed)},
        )
    return None  # the other statuses: the Swedish default message as an Error object
