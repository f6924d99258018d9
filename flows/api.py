"""Small clients for the two systems' APIs, for tests and checks that read what the screens do not show.

- :class:`Ss12000Client`: BER's SS 12000 v2.1 API (JSON, bearer token, page tokens).
- :class:`GradeApiClient`: Ping Pong's grade API ``/api/skolplattform/betyg`` (XML, bearer token),
  parsed into :class:`GradeRecord`.

    ss = Ss12000Client("http://127.0.0.1:5002", token)
    student = ss.person_by_civic_no("900602-2397")       # any written form
    ss.grades(student=student["id"])                      # every page, as one list

Both raise :class:`ApiError` on an answer other than 2xx, carrying the API's error object
(``code``, ``message``). Like the rest of flows, they meet the systems over HTTP only; the tokens
are the caller's (the pytest plugin's ``ss12000`` and ``grade_api`` fixtures pass the mocks' ones).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo
from typing import Any

import requests
from lxml import etree

from betyg_harness import identity

SS12000_PREFIX = "/ss12000/v2.1"
GRADE_API_PATH = "/api/skolplattform/betyg"
GRADE_NS = "http://pingpong.se/schemas/grades/v1.1"
GRADE_TIME_FORMAT = "%Y-%m-%dT%H:%M"
MAX_PAGES = 10_000  # a server that hands out page tokens forever must not keep a test running


class ApiError(Exception):
    """A non-2xx answer: ``status``, the API's error object's ``code`` and ``message`` (``""`` when the
    answer carried none), ``body`` (its text) and the request ``method`` and ``url``."""

    def __init__(self, status: int, code: str, message: str, *, method: str = "GET", url: str = "", body: str = ""):
        self.status, self.code, self.message = status, code, message
        self.method, self.url, self.body = method, url, body
        detail = f"{code}: {message}" if code or message else body[:200]
        super().__init__(f"{method} {url} → {status} {detail}".rstrip())


def _param(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_param(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


class _Client:
    def __init__(
        self, base_url: str, token: str | None, *, timeout: float = 30, session: requests.Session | None = None
    ):
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = session or requests.Session()
        self.token = token

    def _request(self, method: str, url: str, *, accept: str, **kwargs) -> requests.Response:
        headers = {"Accept": accept}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self.http.request(
            method, url, headers=headers, timeout=self.timeout, allow_redirects=False, **kwargs
        )
        if not 200 <= response.status_code < 300:
            code, message = self._error_object(response)
            raise ApiError(
                response.status_code, code, message, method=method, url=response.url or url, body=response.text
            )
        return response

    @staticmethod
    def _error_object(response: requests.Response) -> tuple[str, str]:
        raise NotImplementedError


class Ss12000Client(_Client):
    """BER's SS 12000 API under ``prefix``. ``get`` is one request; ``items``/``all`` follow the
    answers' ``pageToken`` (the first request's filters travel inside the token, so later requests
    send only ``pageToken`` and ``limit``). List filters are keyword arguments as the API names them
    (``ss.all("/groups", **{"startDate.onOrAfter": "2026-08-01"})``); lists repeat the parameter,
    booleans are ``true``/``false``, dates ISO."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        prefix: str = SS12000_PREFIX,
        timeout: float = 30,
        session: requests.Session | None = None,
    ):
        super().__init__(base_url, token, timeout=timeout, session=session)
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""

    @staticmethod
    def _error_object(response: requests.Response) -> tuple[str, str]:
        try:
            body = response.json()
        except ValueError:
            return "", ""
        if isinstance(body, dict):
            return str(body.get("code", "")), str(body.get("message", ""))
        return "", ""

    def url(self, path: str) -> str:
        return f"{self.base_url}{self.prefix}/{path.lstrip('/')}"

    def get(self, path: str, **params: Any) -> Any:
        """``GET {prefix}{path}`` with ``params``: the answer's JSON (one page of a list)."""
        return self._request(
            "GET",
            self.url(path),
            accept="application/json",
            params={k: _param(v) for k, v in params.items() if v is not None},
        ).json()

    def post(self, path: str, body: dict) -> Any:
        """``POST {prefix}{path}`` with a JSON body (``/persons/lookup``, ``/subscriptions``): the answer's JSON."""
        return self._request("POST", self.url(path), accept="application/json", json=body).json()

    def items(self, path: str, **params: Any) -> Iterator[dict]:
        """Every item of a list, page after page."""
        answer = self.get(path, **params)
        for _ in range(MAX_PAGES):
            yield from answer.get("data", [])
            token = answer.get("pageToken")
            if not token:
                return
            answer = self.get(path, pageToken=token, limit=params.get("limit"))
        raise ApiError(0, "too_many_pages", f"fler än {MAX_PAGES} sidor", url=self.url(path))

    def all(self, path: str, **params: Any) -> list[dict]:
        """Every item of a list (all pages) as one list."""
        return list(self.items(path, **params))

    def one(self, resource: str, record_id: str, **params: Any) -> dict:
        """``GET /{resource}/{id}`` (ApiError 404 ``not_found`` when there is none)."""
        return self.get(f"/{resource.strip('/')}/{record_id}", **params)

    # -- typed helpers -----------------------------------------------------------------------
    def persons(self, **filters: Any) -> list[dict]:
        return self.all("/persons", **filters)

    def person(self, person_id: str, **params: Any) -> dict:
        return self.one("persons", person_id, **params)

    def person_by_civic_no(self, personnummer: str) -> dict | None:
        """The person with this personnummer or samordningsnummer (any written form; sent as the 12
        digits ``civicNo.value`` holds), None when BER has none."""
        found = self.all("/persons", civicNo=identity.normalize(personnummer))
        return found[0] if found else None

    def groups(self, **filters: Any) -> list[dict]:
        return self.all("/groups", **filters)

    def group(self, group_id: str, **params: Any) -> dict:
        return self.one("groups", group_id, **params)

    def group_by_name(self, name: str) -> dict | None:
        """The teaching group whose ``displayName`` is ``name`` (the API has no name filter: reads all)."""
        return next((g for g in self.items("/groups") if g.get("displayName") == name), None)

    def activities(self, **filters: Any) -> list[dict]:
        return self.all("/activities", **filters)

    def duties(self, **filters: Any) -> list[dict]:
        return self.all("/duties", **filters)

    def organisations(self, **filters: Any) -> list[dict]:
        return self.all("/organisations", **filters)

    def syllabuses(self, **filters: Any) -> list[dict]:
        return self.all("/syllabuses", **filters)

    def grades(self, **filters: Any) -> list[dict]:
        """BER's grades (``student=<person id>``, ``organisation=``, ``registeredDate.onOrAfter=``, …)."""
        return self.all("/grades", **filters)

    def grades_of(self, personnummer: str) -> list[dict]:
        """A student's grades in BER, by personnummer (any written form); [] when BER has no such person."""
        person = self.person_by_civic_no(personnummer)
        return self.grades(student=person["id"]) if person else []


@dataclass(frozen=True)
class GradeRecord:
    """One ``kursbetyg`` of the grade API's answer. Ids are the GUIDs without braces."""

    student_id: str
    course_code: str
    grade: str
    date: str  # yyyy-mm-dd, the day it was locked
    group_id: str
    school_id: str
    teacher_ids: tuple[str, ...]  # the ticked grading teachers (beslutsfattare)
    school_form: str
    trial: bool  # prövning
    remark: bool  # omdöme


def _unbrace(value: str | None) -> str:
    return (value or "").strip().removeprefix("{").removesuffix("}")


class GradeApiClient(_Client):
    """Ping Pong's grade API: ``grades(start, end)`` → the records of every student listed in
    ``[start, end)`` (minute precision, Stockholm time), each student with all their locked grades."""

    @staticmethod
    def _error_object(response: requests.Response) -> tuple[str, str]:
        try:
            root = etree.fromstring(response.content, parser=_PARSER)
        except (etree.XMLSyntaxError, ValueError):
            return "", ""
        return (root.findtext("code") or "").strip(), (root.findtext("message") or "").strip()

    def document(
        self, start: datetime | date | str, end: datetime | date | str, *, school_type: str | None = "VUX"
    ) -> bytes:
        """The answer's XML as sent. ``start``/``end``: a datetime, a date (its midnight) or an ISO
        text ("2026-12-01", "2026-12-01T08:00:00"), sent in the API's minute format; any other text
        goes as it is (the API's 400 then says what it wants)."""
        params = {"from": _grade_time(start), "tom": _grade_time(end)}
        if school_type is not None:
            params["schoolType"] = school_type
        return self._request("GET", self.base_url + GRADE_API_PATH, accept="application/xml", params=params).content

    def grades(
        self, start: datetime | date | str, end: datetime | date | str, *, school_type: str | None = "VUX"
    ) -> list[GradeRecord]:
        return parse_grades(self.document(start, end, school_type=school_type))


def _grade_time(value: datetime | date | str) -> str:
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            return text
    if not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    if value.tzinfo is not None:  # the API counts in Stockholm's time
        value = value.astimezone(ZoneInfo("Europe/Stockholm"))
    return value.strftime(GRADE_TIME_FORMAT)


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


def parse_grades(xml: bytes) -> list[GradeRecord]:
    """The records of a grade API answer (namespace ``http://pingpong.se/schemas/grades/v1.1``)."""
    root = etree.fromstring(xml, parser=_PARSER)
    ns = {"b": GRADE_NS}

    def text(element, tag: str) -> str:
        return (element.findtext(f"b:{tag}", namespaces=ns) or "").strip()

    records = []
    for elev in root.findall("b:elev", ns):
        student = _unbrace(elev.get("id"))
        for kurs in elev.findall("b:kursbetyg", ns):
            teachers = tuple(_unbrace(p.text) for p in kurs.findall("b:beslutsfattare/b:person", ns))
            records.append(
                GradeRecord(
                    student_id=student,
                    course_code=text(kurs, "kurskod"),
                    grade=text(kurs, "value"),
                    date=text(kurs, "datum"),
                    group_id=_unbrace(text(kurs, "betygsgrupp")),
                    school_id=_unbrace(text(kurs, "skola")),
                    teacher_ids=teachers,
                    school_form=text(kurs, "skolform"),
                    trial=text(kurs, "prövning") == "true",
                    remark=text(kurs, "omdöme") == "true",
                )
            )
    return records
