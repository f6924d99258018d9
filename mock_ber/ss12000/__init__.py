"""The SS 12000 v2.1 API under ``/ss12000/v2.1``: every operation of the official file for the
resources BER publishes — lists with every documented filter, ``sortkey``, ``expand`` and
``expandReferenceNames``; ``/{id}``; ``POST /{resource}/lookup`` — plus ``/deletedEntities`` and
``/subscriptions`` (webhooks, :mod:`.subscriptions`). An operation of the file that BER does not
offer answers 404 with an Error object (code ``not_offered``); a method the path does not have, 405.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

from flask import Blueprint, current_app, g, jsonify, request
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter

from betyg_harness.mock_kit.app import current_kit
from betyg_harness.mock_ber.jobs import grade_import
from betyg_harness.mock_ber.errors import ApiError, InvalidPosition
from betyg_harness.mock_ber.store import ss12000 as queries
from betyg_harness.mock_ber.ss12000 import serializers as ser
from betyg_harness.mock_ber.ss12000.params import (
    Param,
    bad,
    check_position,
    encode_token,
    key_after,
    parse_uuid,
    read_list_args,
)

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


RELATIONS = (
    "enrolment",
    "duty",
    "placement.child",
    "placement.owner",
    "responsibleFor.enrolment",
    "responsibleFor.placement",
    "groupMembership",
)


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


# A lookup body's lists as (name, kind) in the order they are checked (the first bad one is the 400).
IDS = (("ids", "uuid"),)
PERSON_LOOKUP = (("civicNos", "string"), ("ids", "uuid"))
# organisationCodes are checked, though BER's organisations carry no organisationCode
ORGANISATION_LOOKUP = (("organisationCodes", "string"), ("ids", "uuid"), ("schoolUnitCodes", "string"))
ACTIVITY_LOOKUP = (("teachers", "uuid"), ("members", "uuid"), ("ids", "uuid"))


def _lookup_values(body: dict, lists: tuple[tuple[str, str], ...]) -> dict[str, list[str]]:
    """The body's lists a resource's lookup takes, each checked (UUIDs or strings; absent: empty)."""
    return {name: _uuid_list(body, name) if kind == "uuid" else _string_list(body, name) for name, kind in lists}


@dataclass(frozen=True)
class Resource:
    name: str  # its path and its table in :mod:`betyg_harness.mock_ber.store.ss12000`
    batch: Callable
    params: tuple[Param, ...] = ()
    expand: tuple[str, ...] = ()
    lookup: tuple[tuple[str, str], ...] = ()  # the lookup body's lists; (): no lookup in the file
    before_read: Callable | None = None

    @property
    def sorts(self) -> tuple[str, ...]:
        return queries.sort_keys(self.name)

    @property
    def all_params(self):
        sort = (Param("sortkey", "enum", False, self.sorts),) if self.sorts else ()
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

RESOURCES: dict[str, Resource] = {
    "organisations": Resource(
        "organisations",
        ser.organisation_batch,
        (
            Param("parent", "uuid", True),
            Param("schoolUnitCode", array=True),
            Param("organisationCode", array=True),
            Param("type", "enum", True, ORG_TYPES),
            Param("schoolTypes", "enum", True, SCHOOL_TYPES),
            Param("municipalityCode"),
            *DATE_PARAMS,
        ),
        lookup=ORGANISATION_LOOKUP,
    ),
    "persons": Resource(
        "persons",
        ser.person_batch,
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
        lookup=PERSON_LOOKUP,
    ),
    "duties": Resource(
        "duties",
        ser.duty_batch,
        (
            Param("organisation", "uuid"),
            Param("dutyRole", "enum", False, DUTY_ROLES),
            Param("person", "uuid"),
            *DATE_PARAMS,
        ),
        expand=("person",),
        lookup=IDS,
    ),
    "groups": Resource(
        "groups",
        ser.group_batch,
        (
            Param("groupType", "enum", True, GROUP_TYPES),
            Param("organisation", "uuid", True),
            Param("schoolTypes", "enum", True, SCHOOL_TYPES),
            *DATE_PARAMS,
        ),
        expand=("assignmentRoles",),
        lookup=IDS,
    ),
    "activities": Resource(
        "activities",
        ser.activity_batch,
        (
            Param("member", "uuid"),
            Param("teacher", "uuid"),
            Param("organisation", "uuid"),
            Param("group", "uuid"),
            *DATE_PARAMS,
        ),
        expand=("groups", "teachers", "syllabus"),
        lookup=ACTIVITY_LOOKUP,
    ),
    "syllabuses": Resource(
        "syllabuses",
        ser.syllabus_batch,
        lookup=IDS,
    ),
    "grades": Resource(
        "grades",
        ser.grade_batch,
        (
            Param("organisation", "uuid"),
            Param("student", "uuid"),
            Param("registeredBy", "uuid"),
            Param("gradingTeacher", "uuid"),
            Param("registeredDate.onOrAfter", "date"),
            Param("registeredDate.onOrBefore", "date"),
        ),
        lookup=IDS,
        before_read=grade_import.before_read,
    ),
    "studyplans": Resource(
        "studyplans",
        ser.studyplan_batch,
        (Param("student", "uuid", True), *DATE_PARAMS),
    ),
    "schoolUnitOfferings": Resource(
        "schoolUnitOfferings",
        ser.offering_batch,
        (Param("organisation", "uuid"),),
        lookup=IDS,
    ),
    "programmes": Resource(
        "programmes",
        ser.programme_batch,
        (Param("schoolType", "enum", True, SCHOOL_TYPES), Param("code"), Param("parentProgramme")),
        lookup=IDS,
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


def _list(name: str):
    resource = RESOURCES[name]
    parsed, limit, after, raw_query = read_list_args(
        request.args, resource.all_params, max_limit=current_app.config["SS12000_MAX_PAGE_SIZE"]
    )
    if resource.before_read:
        resource.before_read()
    if after is not None:
        check_position(queries.position_types(name, parsed.get("sortkey")), after)
    with current_kit().db.session() as session:
        try:
            records, last = queries.resource_page(session, name, parsed, after, limit)
        except InvalidPosition:
            raise bad("pageToken är ogiltig.", "invalid_page_token") from None
        refs = ser.Refs(session, parsed.get("expandReferenceNames", False))
        data = resource.batch(records, refs, set(parsed.get("expand", [])))
    token = encode_token(last, raw_query) if last is not None else None
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
    with current_kit().db.session() as session:
        row = queries.one(session, name, rid)
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
    values = _lookup_values(body, resource.lookup)
    if resource.before_read:
        resource.before_read()
    most = current_app.config["SS12000_MAX_PAGE_SIZE"]
    with current_kit().db.session() as session:
        rows = queries.lookup(session, name, values, most)
        if len(rows) > most:
            raise ApiError(503, "response_too_large", f"Svaret är för stort (fler än {most} poster); dela upp frågan.")
        refs = ser.Refs(session, parsed.get("expandReferenceNames", False))
        return jsonify(resource.batch(rows, refs, set(parsed.get("expand", []))))


for _name, _resource in RESOURCES.items():
    api.add_url_rule(f"/{_name}", f"list_{_name}", (lambda n: lambda: _list(n))(_name), methods=["GET"])
    api.add_url_rule(
        f"/{_name}/<rid:rid>", f"get_{_name}", (lambda n: lambda rid: _one(n, rid))(_name), methods=["GET"]
    )
    if _resource.lookup:
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
    since = parsed.get("after", parsed.get("meta.modified.after"))
    endpoints = [ENTITY_KEYS[e] for e in parsed["entities"]] if parsed.get("entities") else None
    after = key_after(position, int)
    with current_kit().db.session() as session:
        page, more = queries.deleted_entities(session, since, endpoints, after, limit)
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
