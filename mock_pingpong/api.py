"""Ping Pong's HTTP APIs: the grade API BER polls, ``GET /api/skolplattform/betyg`` (XML valid
against betyg.xsd), and the receiver of BER's change notices, ``POST /api/ber/webhook/<token>``.

The notice's token in the path is the one Ping Pong put in the subscription's target (only BER
knows it). It is checked first: an unknown token is 404 before a byte of the body is read. A known
one's body is read only as far as ``MAX_NOTICE_BYTES`` (413 beyond) and parsed leniently — a notice
that is no JSON, or JSON nested too deep, is still a notice (Ping Pong syncs incrementally whatever
it says; the body is only logged). A notice makes Ping Pong sync at once (incremental: changes and
removals); the answer comes when the sync is done, so BER's journal shows the delivery after Ping
Pong has the change.
"""

from __future__ import annotations

import hmac
import json
from datetime import datetime
from functools import lru_cache
from typing import cast

from flask import Blueprint, Response, current_app, jsonify, request
from lxml import etree

from betyg_harness.mock_kit.app import current_kit
from betyg_harness.mock_kit.clock import STOCKHOLM
from betyg_harness.mock_pingpong import rules, store

NS = "http://pingpong.se/schemas/grades/v1.1"
PARAM_FORMAT = "%Y-%m-%dT%H:%M"
# A komvux grade is issued in the school form VUX whatever the course level.
SCHOOL_FORM = "VUX"

PREFIX = "/api/skolplattform"
grade_api = Blueprint("grade_api", __name__, url_prefix=PREFIX)


@lru_cache(maxsize=1)
def school_forms() -> frozenset[str]:
    """The Skolform values the reference XSD allows (read from the schema, never copied)."""
    import xmlschema
    from betyg_harness.reference import betyg_xsd

    skolform = xmlschema.XMLSchema(str(betyg_xsd())).types["Skolform"]
    # A restriction of xs:string by enumeration: simple, with string values.
    assert isinstance(skolform, xmlschema.validators.XsdSimpleType) and skolform.enumeration is not None
    return frozenset(cast("list[str]", skolform.enumeration))


def _xml(root: etree._Element, status: int = 200, headers: dict | None = None) -> Response:
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return Response(body, status=status, mimetype="application/xml", headers=headers or {})


def _error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    root = etree.Element("error")
    etree.SubElement(root, "code").text = code
    etree.SubElement(root, "message").text = message
    return _xml(root, status, headers)


def error_response(status: int, code: str, message: str) -> Response:
    """An error of the grade API (any status under its prefix, 404 and 405 included), as XML."""
    return _error(status, code, message)


def parse_instant(name: str, value: str | None) -> datetime:
    if not value:
        raise ValueError(f"Parametern {name} saknas. Ange den som yyyy-MM-ddTHH:mm.")
    try:
        if not value.isascii():  # strptime reads '٢٠٢٦' as 2026: only ASCII digits are digits here
            raise ValueError(value)
        return datetime.strptime(value, PARAM_FORMAT)
    except ValueError:
        raise ValueError(f"Parametern {name} har fel format: {value!r}. Ange den som yyyy-MM-ddTHH:mm.") from None


def _braced(guid: str | None) -> str:
    return f"{{{guid}}}" if guid else ""


def build_document(start: datetime, end: datetime, grades_by_student: dict[str, list]) -> etree._Element:
    def sub(parent, tag, text=None, **attrs):
        element = etree.SubElement(parent, f"{{{NS}}}{tag}", **attrs)
        if text is not None:
            element.text = text
        return element

    # None is lxml's prefix of the default namespace; lxml-stubs allow only str prefixes.
    root = etree.Element(
        f"{{{NS}}}betyg",
        nsmap={None: NS},  # type: ignore[dict-item]
        attrib={"from": start.isoformat(timespec="seconds"), "tom": end.isoformat(timespec="seconds")},
    )
    for person_id, rows in grades_by_student.items():
        elev = sub(root, "elev", id=_braced(person_id))
        for row in rows:
            kurs = sub(elev, "kursbetyg")
            sub(kurs, "value", row.value)
            sub(kurs, "datum", rules.local_date(row.locked_at).isoformat())
            sub(kurs, "prövning", "false")
            sub(kurs, "betygsgrupp", _braced(row.group_id))
            sub(kurs, "skola", _braced(row.school_unit_id))
            deciders = sub(kurs, "beslutsfattare", roll="LÄRARE")
            for teacher in row.deciders:
                sub(deciders, "person", _braced(teacher))
            sub(kurs, "skolform", SCHOOL_FORM)
            sub(kurs, "kurskod", row.course_code)
            sub(kurs, "omdöme", "false")
    return root


@grade_api.get("/betyg")
def betyg():
    """Students whose locked grades were locked or changed in [from, tom), each with all their locked grades."""
    token = current_app.config["PINGPONG_API_TOKEN"]
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return _error(
            401,
            "unauthorized",
            "Åtkomst kräver en giltig token (Authorization: Bearer …).",
            {"WWW-Authenticate": 'Bearer realm="pingpong"'},
        )
    try:
        start = parse_instant("from", request.args.get("from"))
        end = parse_instant("tom", request.args.get("tom"))
    except ValueError as exc:
        return _error(400, "bad_request", str(exc))
    if end < start:
        return _error(400, "bad_request", "tom får inte vara före from.")
    school_type = request.args.get("schoolType")
    if school_type is not None and school_type not in school_forms():
        return _error(
            400,
            "bad_request",
            f"Okänd schoolType: {school_type!r}. Tillåtna värden: {', '.join(sorted(school_forms()))}.",
        )
    grades_by_student: dict[str, list] = {}
    if school_type in (None, SCHOOL_FORM):
        with store.grade_writes(), current_kit().db.engine.connect() as conn:  # no save half-done meanwhile
            # The window is Stockholm local time by contract; the grades' times are stored as UTC.
            students = store.students_changed(conn, start.replace(tzinfo=STOCKHOLM), end.replace(tzinfo=STOCKHOLM))
            found = store.locked_grades_of(conn, students)
            grades_by_student = {person_id: found[person_id] for person_id in students}
    return _xml(build_document(start, end, grades_by_student))


# -- BER's change notices ------------------------------------------------------------------------
ber_webhook = Blueprint("ber_webhook", __name__, url_prefix="/api/ber")
MAX_NOTICE_BYTES = 64 * 1024  # the file's callback body is a few type names and a boolean
TOO_LARGE = object()


def _unknown():
    return jsonify({"code": "not_found", "message": "Okänd prenumeration."}), 404


def _notice_body() -> object | None:
    """The notice's JSON, None when it is none (or too deep to parse), ``TOO_LARGE`` beyond the bound."""
    if request.content_length is not None and request.content_length > MAX_NOTICE_BYTES:
        return TOO_LARGE
    raw = request.stream.read(MAX_NOTICE_BYTES + 1)
    if len(raw) > MAX_NOTICE_BYTES:
        return TOO_LARGE
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


@ber_webhook.post("/webhook/<token>")
def notice(token: str):
    from betyg_harness.mock_pingpong import get_syncer

    syncer = get_syncer(current_app)
    if not syncer.expects(token):
        return _unknown()
    body = _notice_body()
    if body is TOO_LARGE:
        return jsonify({"code": "too_large", "message": f"En notis får vara högst {MAX_NOTICE_BYTES} byte."}), 413
    synced = syncer.notified(token, body)
    if synced is None:
        return _unknown()
    # 200 even when BER could not be read back: the notice was received; the poll catches up.
    return jsonify({"received": True, "synced": bool(synced)})
