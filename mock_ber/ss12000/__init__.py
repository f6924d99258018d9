"""The SS 12000 v2.1 read API under ``/ss12000/v2.1`` (what Ping Pong reads)."""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import exists, func, or_, select

from betyg_harness.mock_kit.app import current_kit, now
from betyg_harness.mock_ber import grade_import
from betyg_harness.mock_ber.models import (Activity, Duty, Enrolment, Organisation, Person, ReceivedGrade, Syllabus,
                                           TeacherAssignment, TeachingGroup)
from betyg_harness.mock_ber.ss12000 import serializers as ser
from betyg_harness.mock_ber.ss12000.params import ApiError, Param, encode_token, parse_uuid, read_list_args

PREFIX = "/ss12000/v2.1"
api = Blueprint("ss12000", __name__, url_prefix=PREFIX)

DATE_PARAMS = (Param("startDate.onOrBefore", "date"), Param("startDate.onOrAfter", "date"),
               Param("endDate.onOrBefore", "date"), Param("endDate.onOrAfter", "date"))


def _dates(query, p: dict, start_col, end_col):
    if "startDate.onOrBefore" in p:
        query = query.where(start_col <= p["startDate.onOrBefore"])
    if "startDate.onOrAfter" in p:
        query = query.where(start_col >= p["startDate.onOrAfter"])
    if "endDate.onOrBefore" in p:
        query = query.where(end_col <= p["endDate.onOrBefore"])
    if "endDate.onOrAfter" in p:
        query = query.where(end_col >= p["endDate.onOrAfter"])
    return query


def _organisations(query, p):
    if p.get("parent"):
        query = query.where(Organisation.parent_id.in_(p["parent"]))
    if p.get("schoolUnitCode"):
        query = query.where(Organisation.school_unit_code.in_(p["schoolUnitCode"]))
    if p.get("type"):
        query = query.where(Organisation.organisation_type.in_(p["type"]))
    if "municipalityCode" in p:
        query = query.where(Organisation.municipality_code == p["municipalityCode"])
    return query


def _persons(query, p):
    if "civicNo" in p:
        query = query.where(Person.civic_no == p["civicNo"].replace("-", ""))
    if p.get("nameContains"):
        full = func.lower(Person.given_name + " " + Person.family_name)
        query = query.where(or_(*[full.contains(n.lower()) for n in p["nameContains"]]))
    return query


def _duties(query, p):
    if "organisation" in p:
        query = query.where(Duty.organisation_id == p["organisation"])
    if "dutyRole" in p:
        query = query.where(Duty.duty_role == p["dutyRole"])
    if "person" in p:
        query = query.where(Duty.person_id == p["person"])
    return _dates(query, p, Duty.start_date, Duty.start_date)


def _groups(query, p):
    if p.get("groupType") and "Undervisning" not in p["groupType"]:
        query = query.where(False)
    if p.get("organisation"):
        query = query.where(TeachingGroup.organisation_id.in_(p["organisation"]))
    if p.get("schoolTypes"):
        levels = [lvl for lvl, st in (("gymnasial", "VUXGY"), ("grundläggande", "VUXGR"))
                  if st in p["schoolTypes"] or "VUX" in p["schoolTypes"]]
        query = query.where(TeachingGroup.syllabus.has(Syllabus.level.in_(levels)))
    return _dates(query, p, TeachingGroup.start_date, TeachingGroup.end_date)


def _activities(query, p):
    query = query.join(TeachingGroup, TeachingGroup.id == Activity.group_id)
    if "teacher" in p:  # the spec: a duty id (teachers[].duty.id)
        query = query.where(exists().where(TeacherAssignment.activity_id == Activity.id,
                                           TeacherAssignment.duty_id == p["teacher"]))
    if "group" in p:
        query = query.where(Activity.group_id == p["group"])
    if "member" in p:
        query = query.where(exists().where(Enrolment.group_id == Activity.group_id,
                                           Enrolment.person_id == p["member"],
                                           Enrolment.status != "Ej antagen"))
    if "organisation" in p:
        query = query.where(TeachingGroup.organisation_id == p["organisation"])
    return _dates(query, p, TeachingGroup.start_date, TeachingGroup.end_date)


def _grades(query, p):
    query = query.where(ReceivedGrade.received_at <= now())
    if "student" in p:
        query = query.where(ReceivedGrade.student_id == p["student"])
    if "organisation" in p:
        query = query.where(ReceivedGrade.school_ref == p["organisation"])
    if "gradingTeacher" in p:
        query = query.where(func.json_extract(ReceivedGrade.teacher_ids, "$[0]") == p["gradingTeacher"])
    if "registeredBy" in p:
        query = query.where(func.json_extract(ReceivedGrade.teacher_ids, "$[0]") == p["registeredBy"])
    if "registeredDate.onOrAfter" in p:
        query = query.where(ReceivedGrade.grade_date >= p["registeredDate.onOrAfter"])
    if "registeredDate.onOrBefore" in p:
        query = query.where(ReceivedGrade.grade_date <= p["registeredDate.onOrBefore"])
    return query


@dataclass(frozen=True)
class Resource:
    model: type
    batch: Callable
    filters: Callable
    params: tuple[Param, ...] = ()
    expand: tuple[str, ...] = ()
    before_read: Callable | None = None

    @property
    def all_params(self):
        return self.params + ((Param("expand", "enum", True, self.expand),) if self.expand else ())


DUTY_ROLES = ("Rektor", "Lärare", "Förskollärare", "Barnskötare", "Bibliotekarie", "Lärarassistent",
              "Fritidspedagog", "Annan personal", "Studie- och yrkesvägledare", "Förstelärare", "Kurator",
              "Skolsköterska", "Skolläkare", "Skolpsykolog", "Speciallärare/specialpedagog",
              "Skoladministratör", "Övrig arbetsledning", "Övrig pedagogisk personal", "Förskolechef")
ORG_TYPES = ("Huvudman", "Verksamhetsområde", "Förvaltning", "Rektorsområde", "Skola", "Skolenhet",
             "Varumärke", "Bolag", "Övrigt")
GROUP_TYPES = ("Undervisning", "Klass", "Mentor", "Provgrupp", "Schema", "Avdelning", "Personalgrupp", "Övrigt")

RESOURCES: dict[str, Resource] = {
    "organisations": Resource(Organisation, ser.organisation_batch, _organisations, (
        Param("parent", "uuid", True), Param("schoolUnitCode", array=True),
        Param("type", "enum", True, ORG_TYPES), Param("municipalityCode"))),
    "persons": Resource(Person, ser.person_batch, _persons, (
        Param("civicNo"), Param("nameContains", array=True)),
        expand=("duties", "responsibleFor", "placements", "ownedPlacements", "groupMemberships")),
    "duties": Resource(Duty, ser.duty_batch, _duties, (
        Param("organisation", "uuid"), Param("dutyRole", "enum", False, DUTY_ROLES), Param("person", "uuid"),
        *DATE_PARAMS), expand=("person",)),
    "groups": Resource(TeachingGroup, ser.group_batch, _groups, (
        Param("groupType", "enum", True, GROUP_TYPES), Param("organisation", "uuid", True),
        Param("schoolTypes", array=True), *DATE_PARAMS), expand=("assignmentRoles",)),
    "activities": Resource(Activity, ser.activity_batch, _activities, (
        Param("member", "uuid"), Param("teacher", "uuid"), Param("organisation", "uuid"), Param("group", "uuid"),
        *DATE_PARAMS), expand=("groups", "teachers", "syllabus")),
    "syllabuses": Resource(Syllabus, ser.syllabus_batch, lambda q, p: q),
    "grades": Resource(ReceivedGrade, ser.grade_batch, _grades, (
        Param("organisation", "uuid"), Param("student", "uuid"), Param("registeredBy", "uuid"),
        Param("gradingTeacher", "uuid"), Param("registeredDate.onOrAfter", "date"),
        Param("registeredDate.onOrBefore", "date")), before_read=grade_import.before_read),
}


def error(status: int, code: str, message: str):
    response = jsonify({"code": code, "message": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="ss12000"'
    return response


@api.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return error(exc.status, exc.code, exc.message)


@api.before_request
def _authenticate():
    token = current_app.config["BER_API_TOKEN"]
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return error(401, "unauthorized", "Giltig bearer-token krävs (Authorization: Bearer <token>).")
    return None


def _meta_filters(query, model, p):
    for name, column, op in (("meta.created.before", model.created, "le"), ("meta.created.after", model.created, "gt"),
                             ("meta.modified.before", model.modified, "le"),
                             ("meta.modified.after", model.modified, "gt")):
        if name in p:
            query = query.where(column <= p[name] if op == "le" else column > p[name])
    return query


def _list(name: str):
    resource = RESOURCES[name]
    parsed, limit, after, raw_query = read_list_args(
        request.args, resource.all_params, max_limit=current_app.config["SS12000_MAX_PAGE_SIZE"])
    if resource.before_read:
        resource.before_read()
    model = resource.model
    query = _meta_filters(resource.filters(select(model), parsed), model, parsed)
    if after is not None:
        query = query.where(model.id > after)
    query = query.order_by(model.id).limit(limit + 1)
    with current_kit().db.session() as session:
        rows = list(session.scalars(query).unique())
        page, more = rows[:limit], len(rows) > limit
        refs = ser.Refs(session, parsed.get("expandReferenceNames", False))
        data = resource.batch(page, refs, set(parsed.get("expand", [])))
    return jsonify({"data": data, "pageToken": encode_token(page[-1].id, raw_query) if more else None})


def _one(name: str, rid: str):
    resource = RESOURCES[name]
    rid = parse_uuid("id", rid)
    params = tuple(p for p in resource.all_params if p.name == "expand") + (Param("expandReferenceNames", "bool"),)
    parsed = {p.name: p.parse(request.args.getlist(p.name)) for p in params if p.name in request.args}
    if resource.before_read:
        resource.before_read()
    model = resource.model
    query = resource.filters(select(model), {}).where(model.id == rid)
    with current_kit().db.session() as session:
        row = session.scalars(query).unique().first()
        if row is None:
            raise ApiError(404, "not_found", f"Det finns ingen post med id {rid} i {name}.")
        refs = ser.Refs(session, parsed.get("expandReferenceNames", False))
        return jsonify(resource.batch([row], refs, set(parsed.get("expand", [])))[0])


for _name in RESOURCES:
    api.add_url_rule(f"/{_name}", f"list_{_name}", (lambda n: lambda: _list(n))(_name), methods=["GET"])
    api.add_url_rule(f"/{_name}/<rid>", f"get_{_name}", (lambda n: lambda rid: _one(n, rid))(_name), methods=["GET"])
