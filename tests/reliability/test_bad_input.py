"""Bad input, over real HTTP to the running mocks and into the robot's CSV check: every case is
refused with a clear Swedish message and a 4xx (or, for the robot, exit 2 before any browser opens),
nothing is stored (each mock's fingerprint of every row is the same before and after), no 500 and
no stack trace. Search texts with SQL or HTML metacharacters are not errors: they are searched
literally and shown escaped — a name like O'Brien must stay findable."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

import pytest
import requests

from betyg_harness.flows.robot import cli, runner
from betyg_harness.scenario import stable_id
from tests.support.pingpong_forms import PingPongForms

SVE = stable_id("group", "svesve01-ht26-a")
MAT = stable_id("group", "matmat01a-vt27-a")  # ends 2027-01-22: not gradeable yet
HIS = stable_id("group", "hishis01a1-ht26-utan")  # no grading teacher: not searchable
S01, S02, S05 = (stable_id("person", k) for k in ("s01", "s02", "s05"))
ANNA, OMAR = stable_id("person", "anna.lindqvist"), stable_id("person", "omar.haddad")
HUGE = "x" * 100_000
NOT_SAVED = "Betygen sparades inte."
BER_TOKEN = {"Authorization": "Bearer ber-dev-token"}
PP_TOKEN = {"Authorization": "Bearer pingpong-dev-token"}
BER_GROUPS = "/ss12000/v2.1/groups"


@dataclass
class Ctx:
    pp_url: str
    ber_url: str
    pp: requests.Session
    ber: requests.Session
    pp_csrf: str
    ber_csrf: str
    version: str


@dataclass
class Case:
    id: str
    system: str  # which mock is asked (and must store nothing)
    method: str
    path: str
    body: Callable[[Ctx], dict] = field(default=lambda c: {})  # requests keyword arguments
    status: tuple[int, ...] = (400,)
    words: tuple[str, ...] = ()
    session: str = "user"  # user: the logged-in session; none: a bare request


def grading(c: Ctx, **fields) -> dict:
    data = {"csrf_token": c.pp_csrf, "version": c.version, "teacher": [ANNA], f"grade-{S01}": "C"}
    data.update(fields)
    return {"data": {k: v for k, v in data.items() if v is not None}}


def summary(c: Ctx, payload: str = "x", action: str = "spara") -> dict:
    return {"data": {"csrf_token": c.pp_csrf, "payload": payload, "action": action}}


def ber_form(c: Ctx, **fields) -> dict:
    return {"data": {"csrf_token": c.ber_csrf, **fields}}


def scenario_body(**changes) -> Callable[[Ctx], dict]:
    def build(c: Ctx) -> dict:
        import json
        from betyg_harness import fixtures

        doc = json.loads(fixtures.scenario_path("default").read_text(encoding="utf-8"))
        for path, value in changes.items():
            target = doc
            *parts, last = path.split(".")
            for part in parts:
                target = target[int(part)] if part.isdigit() else target[part]
            target[int(last) if last.isdigit() else last] = value
        return {"json": doc}

    return build


UI = [
    # -- Ping Pong: login --------------------------------------------------------------------
    Case(
        "pp-login-empty",
        "pingpong",
        "POST",
        "/login",
        lambda c: {"data": {"csrf_token": c.pp_csrf}},
        (401,),
        ("Fel användarnamn eller lösenord.",),
        "user",
    ),
    Case(
        "pp-login-100kb",
        "pingpong",
        "POST",
        "/login",
        lambda c: {"data": {"csrf_token": c.pp_csrf, "username": HUGE, "password": HUGE}},
        (401, 413),
        ("Fel användarnamn eller lösenord.",),
    ),
    Case(
        "pp-login-nul",
        "pingpong",
        "POST",
        "/login",
        lambda c: {"data": {"csrf_token": c.pp_csrf, "username": "betyg\x00admin", "password": "betygsadmin"}},
        (401,),
        ("Fel användarnamn eller lösenord.",),
    ),
    Case(
        "pp-login-sql",
        "pingpong",
        "POST",
        "/login",
        lambda c: {"data": {"csrf_token": c.pp_csrf, "username": "' OR '1'='1' --", "password": "' OR 1=1 --"}},
        (401,),
        ("Fel användarnamn eller lösenord.",),
    ),
    Case(
        "pp-login-no-csrf",
        "pingpong",
        "POST",
        "/login",
        lambda c: {"data": {"username": "betygsadmin", "password": "betygsadmin"}},
        (400,),
        ("säkerhetstoken",),
    ),
    Case(
        "pp-login-json",
        "pingpong",
        "POST",
        "/login",
        lambda c: {"json": {"username": "betygsadmin", "password": "betygsadmin"}},
        (400,),
        ("säkerhetstoken",),
    ),
    # -- Ping Pong: search -------------------------------------------------------------------
    Case(
        "pp-search-impossible-date",
        "pingpong",
        "GET",
        "/betyg/sok-grupp?sok=1&from=2026-02-30",
        words=("Ange ett datum som finns",),
    ),
    Case(
        "pp-search-month-13",
        "pingpong",
        "GET",
        "/betyg/sok-grupp?sok=1&tom=2026-13-01",
        words=("Ange ett datum som finns",),
    ),
    Case(
        "pp-search-from-after-tom",
        "pingpong",
        "GET",
        "/betyg/sok-grupp?sok=1&from=2026-12-18&tom=2026-12-01",
        words=("T.o.m. får inte vara före Fr.o.m.",),
    ),
    Case(
        "pp-search-term-unknown",
        "pingpong",
        "GET",
        "/betyg/sok-grupp?sok=1&termin=XT+2026",
        words=("Välj en termin i listan.",),
    ),
    Case(
        "pp-search-term-nul",
        "pingpong",
        "GET",
        "/betyg/sok-grupp?sok=1&termin=HT%002026",
        words=("Välj en termin i listan.",),
    ),
    Case(
        "pp-search-100kb",
        "pingpong",
        "GET",
        "/betyg/sok-grupp?sok=1&q=" + HUGE,
        status=(414,),
        words=("Adressen är för lång",),
    ),
    Case(
        "pp-search-teacher-unknown",
        "pingpong",
        "GET",
        f"/betyg/sok-larare?sok=1&larare={S01}",
        words=("Välj en lärare i listan.",),
    ),
    Case("pp-search-teacher-missing", "pingpong", "GET", "/betyg/sok-larare?sok=1&larare=", words=("Välj en lärare.",)),
    # -- Ping Pong: the grading view's first Spara ----------------------------------------------
    Case(
        "pp-grade-outside-scale",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, **{f"grade-{S01}": "Z"}),
        (422,),
        (NOT_SAVED, "Betyget Z finns inte i betygsskalan"),
    ),
    Case(
        "pp-grade-grundlaggande-step",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, **{f"grade-{S01}": "G"}),
        (422,),
        ("Betyget G finns inte i betygsskalan",),
    ),
    Case(
        "pp-grade-100kb",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, **{f"grade-{S01}": HUGE}),
        (413, 422),
        ("finns inte i betygsskalan",),
    ),
    Case(
        "pp-grade-nul",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, **{f"grade-{S01}": "A\x00"}),
        (422,),
        ("finns inte i betygsskalan",),
    ),
    Case(
        "pp-grade-html",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, **{f"grade-{S01}": "<script>alert(1)</script>"}),
        (422,),
        ("finns inte i betygsskalan",),
    ),
    Case(
        "pp-grade-unknown-student",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, **{f"grade-{stable_id('person', 'finns-inte')}": "A"}),
        (422,),
        ("som inte finns i gruppen",),
    ),
    Case(
        "pp-grade-not-admitted",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, **{f"grade-{S05}": "A"}),
        (422,),
        ("har inte status Antagen",),
    ),
    Case(
        "pp-grade-lock-without-grade",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, **{f"lock-{S02}": "1"}),
        (422,),
        ("innan du låser det",),
    ),
    Case(
        "pp-grade-no-teacher",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, teacher=None),
        (422,),
        ("Bocka i minst en betygssättande lärare.",),
    ),
    Case(
        "pp-grade-teacher-not-linked",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, teacher=[OMAR]),
        (422,),
        ("Endast lärare som är kopplade",),
    ),
    Case(
        "pp-grade-teacher-forged",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, teacher=["x" * 500]),
        (422,),
        ("Endast lärare som är kopplade",),
    ),
    Case(
        "pp-grade-nothing-chosen",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, **{f"grade-{S01}": None}),
        (422,),
        ("Inga betyg att spara",),
    ),
    Case(
        "pp-grade-forged-version",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, version="999"),
        (409,),
        ("Någon annan har sparat betyg",),
    ),
    Case(
        "pp-grade-version-not-a-number",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, version="ett"),
        (409,),
        ("Någon annan har sparat betyg",),
    ),
    Case(
        "pp-grade-before-course-end",
        "pingpong",
        "POST",
        f"/betyg/grupp/{MAT}",
        lambda c: grading(c),
        (409, 422),
        ("Betyg kan sättas från och med 2027-01-22.",),
    ),
    Case(
        "pp-grade-unsearchable-group",
        "pingpong",
        "POST",
        f"/betyg/grupp/{HIS}",
        lambda c: grading(c),
        (404,),
        ("finns inte",),
    ),
    Case(
        "pp-grade-unknown-group",
        "pingpong",
        "POST",
        "/betyg/grupp/finns-inte",
        lambda c: grading(c),
        (404,),
        ("finns inte",),
    ),
    Case(
        "pp-grade-5000-junk-fields",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, **{f"grade-junk{i}": "A" for i in range(5000)}),
        (413, 422),
        ("som inte finns i gruppen",),
    ),
    Case(
        "pp-grade-no-csrf",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: grading(c, csrf_token=None),
        (400,),
        ("säkerhetstoken",),
    ),
    Case(
        "pp-grade-latin1-body",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: {
            "data": f"csrf_token={c.pp_csrf}&version={c.version}&grade-{S01}=\xc5&teacher={ANNA}".encode("latin-1"),
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        (400,),
        ("säkerhetstoken",),
    ),  # a form that is not UTF-8 cannot be read at all, its token included
    Case(
        "pp-grade-wrong-content-type",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}",
        lambda c: {"data": b"\x00\x01binary", "headers": {"Content-Type": "application/octet-stream"}},
        (400,),
        ("säkerhetstoken",),
    ),
    # -- Ping Pong: the summary's Spara --------------------------------------------------------
    Case(
        "pp-summary-forged-payload",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}/sammanfattning",
        lambda c: summary(c),
        (400,),
        ("Sammanfattningen kunde inte läsas.",),
    ),
    Case(
        "pp-summary-empty-payload",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}/sammanfattning",
        lambda c: summary(c, payload=""),
        (400,),
        ("Sammanfattningen kunde inte läsas.",),
    ),
    Case(
        "pp-summary-100kb-payload",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}/sammanfattning",
        lambda c: summary(c, payload=HUGE),
        (400, 413),
        ("Sammanfattningen kunde inte läsas.",),
    ),
    Case(
        "pp-summary-no-csrf",
        "pingpong",
        "POST",
        f"/betyg/grupp/{SVE}/sammanfattning",
        lambda c: {"data": {"payload": "x", "action": "spara"}},
        (400,),
        ("säkerhetstoken",),
    ),
    Case(
        "pp-catalogue-not-ready",
        "pingpong",
        "GET",
        f"/betyg/grupp/{SVE}/betygskatalog.pdf",
        status=(409,),
        words=("Betygskatalogen kan skrivas ut först när alla betyg",),
    ),
    Case(
        "pp-preview-not-ready",
        "pingpong",
        "GET",
        f"/betyg/grupp/{SVE}/betygskatalog",
        status=(409,),
        words=("Betygskatalogen kan skrivas ut först när alla betyg",),
    ),
    Case(
        "pp-wrong-method",
        "pingpong",
        "DELETE",
        f"/betyg/grupp/{SVE}",
        status=(405,),
        words=("Det går inte att göra så",),
    ),
    # -- BER UI ------------------------------------------------------------------------------
    Case("ber-login-empty", "ber", "POST", "/login", lambda c: ber_form(c), (400, 401), ("Ange användarnamn.",)),
    Case(
        "ber-login-wrong",
        "ber",
        "POST",
        "/login",
        lambda c: ber_form(c, username="beradmin", password="fel"),
        (401,),
        ("Fel användarnamn eller lösenord.",),
    ),
    Case(
        "ber-login-nul",
        "ber",
        "POST",
        "/login",
        lambda c: ber_form(c, username="ber\x00admin", password="beradmin"),
        (401,),
        ("Fel användarnamn eller lösenord.",),
    ),
    Case(
        "ber-login-no-csrf",
        "ber",
        "POST",
        "/login",
        lambda c: {"data": {"username": "beradmin", "password": "beradmin"}},
        (400,),
        ("säkerhetstoken",),
    ),
    Case(
        "ber-search-impossible-date",
        "ber",
        "GET",
        "/grupper?date_from=2026-02-30&submit=S%C3%B6k",
        words=("Ange ett datum som ÅÅÅÅ-MM-DD.",),
    ),
    Case(
        "ber-search-from-after-tom",
        "ber",
        "GET",
        "/grupper?date_from=2026-12-18&date_to=2026-12-01&submit=S%C3%B6k",
        words=("T.o.m. får inte vara före Fr.o.m.",),
    ),
    Case(
        "ber-search-forged-school",
        "ber",
        "GET",
        f"/grupper?school={S01}&submit=S%C3%B6k",
        words=("Välj en skolenhet i listan.",),
    ),
    Case("ber-search-100kb", "ber", "GET", "/grupper?name=" + HUGE, status=(414,), words=("Adressen är för lång",)),
    Case(
        "ber-link-no-teacher",
        "ber",
        "POST",
        f"/grupper/{SVE}/betygssattande",
        lambda c: ber_form(c, teacher=""),
        (400,),
        ("Välj en lärare.",),
    ),
    Case(
        "ber-link-unknown-person",
        "ber",
        "POST",
        f"/grupper/{SVE}/betygssattande",
        lambda c: ber_form(c, teacher=stable_id("person", "finns-inte")),
        (400,),
        ("Den valda läraren finns inte i BER.",),
    ),
    Case(
        "ber-link-a-student",
        "ber",
        "POST",
        f"/grupper/{SVE}/betygssattande",
        lambda c: ber_form(c, teacher=S01),
        (400,),
        ("har inte rollen Lärare",),
    ),
    Case(
        "ber-link-already-linked",
        "ber",
        "POST",
        f"/grupper/{SVE}/betygssattande",
        lambda c: ber_form(c, teacher=ANNA),
        (400,),
        ("är redan betygssättande lärare",),
    ),
    Case(
        "ber-link-100kb",
        "ber",
        "POST",
        f"/grupper/{SVE}/betygssattande",
        lambda c: ber_form(c, teacher=HUGE),
        (400, 413),
        ("finns inte i BER",),
    ),
    Case(
        "ber-unlink-not-linked",
        "ber",
        "POST",
        f"/grupper/{SVE}/betygssattande/ta-bort",
        lambda c: ber_form(c, person=OMAR),
        (400,),
        ("är inte betygssättande lärare",),
    ),
    Case(
        "ber-link-no-csrf",
        "ber",
        "POST",
        f"/grupper/{SVE}/betygssattande",
        lambda c: {"data": {"teacher": OMAR}},
        (400,),
        ("säkerhetstoken",),
    ),
    Case(
        "ber-link-unknown-group",
        "ber",
        "POST",
        "/grupper/finns-inte/betygssattande",
        lambda c: ber_form(c, teacher=OMAR),
        (404,),
        ("Sidan finns inte",),
    ),
    Case("ber-unknown-student", "ber", "GET", "/elever/finns-inte", status=(404,), words=("Sidan finns inte",)),
]

APIS = [
    # -- Ping Pong's grade API (XML errors) -----------------------------------------------------
    Case(
        "grade-api-no-token",
        "pingpong",
        "GET",
        "/api/skolplattform/betyg?from=2026-12-18T00:00&tom=2026-12-19T00:00",
        status=(401,),
        words=("giltig token",),
        session="none",
    ),
    Case(
        "grade-api-wrong-token",
        "pingpong",
        "GET",
        "/api/skolplattform/betyg?from=2026-12-18T00:00&tom=2026-12-19T00:00",
        lambda c: {"headers": {"Authorization": "Bearer fel"}},
        (401,),
        ("giltig token",),
        "none",
    ),
    Case(
        "grade-api-missing-from",
        "pingpong",
        "GET",
        "/api/skolplattform/betyg?tom=2026-12-19T00:00",
        lambda c: {"headers": PP_TOKEN},
        words=("Parametern from saknas",),
        session="none",
    ),
    Case(
        "grade-api-bad-format",
        "pingpong",
        "GET",
        "/api/skolplattform/betyg?from=18/12/2026&tom=2026-12-19T00:00",
        lambda c: {"headers": PP_TOKEN},
        words=("har fel format",),
        session="none",
    ),
    Case(
        "grade-api-impossible-date",
        "pingpong",
        "GET",
        "/api/skolplattform/betyg?from=2026-02-30T00:00&tom=2026-12-19T00:00",
        lambda c: {"headers": PP_TOKEN},
        words=("har fel format",),
        session="none",
    ),
    Case(
        "grade-api-from-after-tom",
        "pingpong",
        "GET",
        "/api/skolplattform/betyg?from=2026-12-19T00:00&tom=2026-12-18T00:00",
        lambda c: {"headers": PP_TOKEN},
        words=("tom får inte vara före from",),
        session="none",
    ),
    Case(
        "grade-api-school-type",
        "pingpong",
        "GET",
        "/api/skolplattform/betyg?from=2026-12-18T00:00&tom=2026-12-19T00:00&schoolType=HOGSKOLA",
        lambda c: {"headers": PP_TOKEN},
        words=("Okänd schoolType",),
        session="none",
    ),
    Case(
        "grade-api-nul",
        "pingpong",
        "GET",
        "/api/skolplattform/betyg?from=2026-12-18T00:00%00&tom=2026-12-19T00:00",
        lambda c: {"headers": PP_TOKEN},
        words=("har fel format",),
        session="none",
    ),
    Case(
        "grade-api-post",
        "pingpong",
        "POST",
        "/api/skolplattform/betyg",
        lambda c: {"headers": PP_TOKEN},
        (401, 405),
        (),
        "none",
    ),
    # -- BER's SS 12000 API (JSON Error objects) ------------------------------------------------------
    Case("ss12000-no-token", "ber", "GET", BER_GROUPS, status=(401,), words=("bearer-token",), session="none"),
    Case(
        "ss12000-limit-0",
        "ber",
        "GET",
        BER_GROUPS + "?limit=0",
        lambda c: {"headers": BER_TOKEN},
        words=("limit måste vara ett heltal",),
        session="none",
    ),
    Case(
        "ss12000-limit-text",
        "ber",
        "GET",
        BER_GROUPS + "?limit=tio",
        lambda c: {"headers": BER_TOKEN},
        words=("limit måste vara ett heltal",),
        session="none",
    ),
    Case(
        "ss12000-page-token",
        "ber",
        "GET",
        BER_GROUPS + "?pageToken=%3Cscript%3E",
        lambda c: {"headers": BER_TOKEN},
        words=("pageToken är ogiltig",),
        session="none",
    ),
    Case(
        "ss12000-modified-after",
        "ber",
        "GET",
        BER_GROUPS + "?meta.modified.after=ig%C3%A5r",
        lambda c: {"headers": BER_TOKEN},
        words=("RFC 3339",),
        session="none",
    ),
    Case(
        "ss12000-impossible-date",
        "ber",
        "GET",
        BER_GROUPS + "?startDate.onOrAfter=2026-02-30",
        lambda c: {"headers": BER_TOKEN},
        words=("RFC 3339",),
        session="none",
    ),
    Case(
        "ss12000-group-type",
        "ber",
        "GET",
        BER_GROUPS + "?groupType=Okänd",
        lambda c: {"headers": BER_TOKEN},
        words=("groupType måste vara ett av",),
        session="none",
    ),
    Case(
        "ss12000-bad-uuid",
        "ber",
        "GET",
        "/ss12000/v2.1/persons/inte-ett-uuid",
        lambda c: {"headers": BER_TOKEN},
        words=("måste vara ett UUID",),
        session="none",
    ),
    Case(
        "ss12000-unknown-id",
        "ber",
        "GET",
        f"/ss12000/v2.1/persons/{stable_id('person', 'finns-inte')}",
        lambda c: {"headers": BER_TOKEN},
        (404,),
        ("Det finns ingen post",),
        "none",
    ),
    Case(
        "ss12000-organisation-uuid",
        "ber",
        "GET",
        BER_GROUPS + "?organisation=%27%20OR%201%3D1",
        lambda c: {"headers": BER_TOKEN},
        words=("måste vara ett UUID",),
        session="none",
    ),
    # -- the control API (JSON errors naming the field) ------------------------------------------------
    Case(
        "control-scenario-path",
        "pingpong",
        "POST",
        "/_mock/scenario",
        lambda c: {"json": {"name": "/etc/passwd"}},
        words=("name måste vara namnet på ett scenario",),
        session="none",
    ),
    Case(
        "control-scenario-invalid-pnr",
        "ber",
        "POST",
        "/_mock/scenario",
        scenario_body(**{"students.0.civicNo": "19900602"}),
        words=("Ogiltigt scenario",),
        session="none",
    ),
    Case(
        "control-scenario-bad-personnummer",
        "ber",
        "POST",
        "/_mock/scenario",
        scenario_body(**{"students.0.civicNo": "199006022398"}),
        words=("ogiltigt",),
        session="none",
    ),
    Case(
        "control-scenario-unknown-course",
        "pingpong",
        "POST",
        "/_mock/scenario",
        scenario_body(**{"groups.0.course": "XYZXYZ99"}),
        words=("Okänd kurs",),
        session="none",
    ),
    Case(
        "control-scenario-end-before-start",
        "pingpong",
        "POST",
        "/_mock/scenario",
        scenario_body(**{"groups.0.endDate": "2020-01-01"}),
        words=("Slutdatum före startdatum",),
        session="none",
    ),
    Case(
        "control-scenario-text",
        "pingpong",
        "POST",
        "/_mock/scenario",
        lambda c: {"data": "name=default", "headers": {"Content-Type": "text/plain"}},
        status=(415,),
        words=("JSON-objekt",),
        session="none",
    ),
    Case(
        "control-scenario-latin1",
        "ber",
        "POST",
        "/_mock/scenario",
        lambda c: {"data": '{"name": "Östermalm"}'.encode("latin-1"), "headers": {"Content-Type": "application/json"}},
        words=("JSON-objekt",),
        session="none",
    ),
    Case(
        "control-scenario-utf16",
        "ber",
        "POST",
        "/_mock/scenario",
        lambda c: {"data": '{"name": "default"}'.encode("utf-16"), "headers": {"Content-Type": "application/json"}},
        words=("JSON-objekt",),
        session="none",
    ),
    Case(
        "control-clock-garbage",
        "pingpong",
        "POST",
        "/_mock/clock",
        lambda c: {"json": {"now": "igår"}},
        words=("ISO-8601",),
        session="none",
    ),
    Case(
        "control-advance-negative",
        "pingpong",
        "POST",
        "/_mock/clock/advance",
        lambda c: {"json": {"days": -1}},
        words=("måste vara ett tal",),
        session="none",
    ),
    Case(
        "control-advance-too-far",
        "ber",
        "POST",
        "/_mock/clock/advance",
        lambda c: {"json": {"days": 5000}},
        words=("högst 400 dagar",),
        session="none",
    ),
    Case(
        "control-fault-status",
        "pingpong",
        "POST",
        "/_mock/faults",
        lambda c: {"json": {"path": "/x", "status": 200}},
        words=("felstatus",),
        session="none",
    ),
    Case(
        "control-fault-unknown-field",
        "ber",
        "POST",
        "/_mock/faults",
        lambda c: {"json": {"path": "/x", "drop": True, "x": 1}},
        words=("Okänt fält",),
        session="none",
    ),
    Case("control-journal-since", "ber", "GET", "/_mock/journal?since=igår", words=("heltal",), session="none"),
]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def ctx(scenario, mock_servers) -> Ctx:
    pp = PingPongForms(mock_servers.pingpong.url).login()
    version = pp.open(SVE).version
    pp_csrf = _csrf(pp.http.get(f"{mock_servers.pingpong.url}/betyg", timeout=30).text)
    ber = requests.Session()
    token = _csrf(ber.get(f"{mock_servers.ber.url}/login", timeout=30).text)
    assert (
        ber.post(
            f"{mock_servers.ber.url}/login",
            data={"username": "beradmin", "password": "beradmin", "csrf_token": token},
            timeout=30,
        ).status_code
        == 200
    )
    ber_csrf = _csrf(ber.get(f"{mock_servers.ber.url}/grupper/{SVE}", timeout=30).text)
    return Ctx(mock_servers.pingpong.url, mock_servers.ber.url, pp.http, ber, pp_csrf, ber_csrf, version)


@pytest.mark.parametrize("case", UI + APIS, ids=lambda c: c.id)
def test_bad_input_is_refused_in_swedish_and_nothing_is_stored(ctx, mock_servers, case):
    server = getattr(mock_servers, case.system)
    before = server.state(digest=True)
    base = ctx.pp_url if case.system == "pingpong" else ctx.ber_url
    client = requests if case.session == "none" else (ctx.pp if case.system == "pingpong" else ctx.ber)
    response = client.request(case.method, base + case.path, timeout=60, allow_redirects=False, **case.body(ctx))
    text = response.text
    assert response.status_code in case.status, (response.status_code, text[-800:])
    for words in case.words:
        assert words in text, (words, text[-1500:])
    for leak in ("Traceback", "Internal Server Error", "werkzeug", "sqlalchemy", 'File "'):
        assert leak not in text
    after = server.state(digest=True)
    assert after["digest"] == before["digest"], "something was stored"
    assert after["scenario"] == before["scenario"]


def test_there_are_at_least_sixty_distinct_bad_inputs():
    assert len({c.id for c in UI + APIS}) == len(UI + APIS) >= 60


# -- metacharacters are searched literally, and shown escaped ------------------------------------------------
@pytest.mark.parametrize(
    "text", ["' OR '1'='1", "%' --", '"; DROP TABLE grades; --', "<script>alert(1)</script>", "_%_", "\\x00"]
)
def test_sql_and_html_metacharacters_in_searches_find_nothing_and_break_nothing(ctx, mock_servers, text):
    before = (mock_servers.pingpong.state(digest=True)["digest"], mock_servers.ber.state(digest=True)["digest"])
    pp = ctx.pp.get(f"{ctx.pp_url}/betyg/sok-grupp", params={"q": text, "sok": "1"}, timeout=30)
    ber = ctx.ber.get(f"{ctx.ber_url}/grupper", params={"name": text, "course": text}, timeout=30)
    for response in (pp, ber):
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.text  # shown escaped, if at all
    assert "Inga betygsgrupper" in pp.text or "inga" in pp.text.lower()
    assert "SVESVE01 HT26 Kista A" not in pp.text.split("Sökresultat", 1)[-1]
    after = (mock_servers.pingpong.state(digest=True)["digest"], mock_servers.ber.state(digest=True)["digest"])
    assert after == before


def test_an_apostrophe_name_stays_findable(ctx):
    found = ctx.pp.get(f"{ctx.pp_url}/betyg/sok-grupp", params={"q": "Kista", "sok": "1"}, timeout=30)
    assert found.status_code == 200 and "SVESVE01 HT26 Kista A" in found.text


# -- the robot's CSV ------------------------------------------------------------------------------------------
HEADER = "personnummer,kurskod,grupp,betyg,larare\n"
ROW = "19900602-2397,SVESVE01,SVESVE01 HT26 Kista A,A,Anna Lindqvist\n"
CSV_CASES = {
    "latin-1": ((HEADER + ROW.replace("Kista", "Östermalm")).encode("latin-1"), "inte UTF-8"),
    "utf-16": ((HEADER + ROW).encode("utf-16"), "UTF-16"),
    "nul-bytes": ((HEADER + ROW.replace("A,Anna", "A\x00,Anna")).encode(), "NUL"),
    "huge-field": (
        (HEADER + "19900602-2397,SVESVE01," + "x" * 200_000 + ",A,Anna Lindqvist\n").encode(),
        "raden kan inte läsas som CSV",
    ),
    "long-field": ((HEADER + "19900602-2397,SVESVE01," + "x" * 100_000 + ",A,Anna Lindqvist\n").encode(), "för långt"),
    "empty-field-group": ((HEADER + "19900602-2397,SVESVE01,,A,Anna Lindqvist\n").encode(), "gruppnamn saknas"),
    "impossible-date-pnr": ((HEADER + ROW.replace("19900602-2397", "19900230-2392")).encode(), "ogiltigt personnummer"),
    "html-in-teacher": ((HEADER + ROW.replace("Anna Lindqvist", "")).encode(), "betygssättande lärare saknas"),
    "grade-outside-scale": ((HEADER + ROW.replace(",A,", ",G,")).encode(), "finns inte i betygsskalan"),
}


@pytest.fixture
def no_browser(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("the browser was opened")

    monkeypatch.setattr(runner, "sync_playwright", boom)


@pytest.mark.parametrize("name", sorted(CSV_CASES))
def test_a_bad_csv_exits_2_in_swedish_before_any_browser_opens(tmp_path, capsys, no_browser, name):
    content, words = CSV_CASES[name]
    path = tmp_path / "betyg.csv"
    path.write_bytes(content)
    code = cli.main(["grade", "--input", str(path), "--out", str(tmp_path / "ut")])
    err = capsys.readouterr().err
    assert code == 2, err
    assert words in err, err
    assert "Traceback" not in err and not (tmp_path / "ut").exists()
