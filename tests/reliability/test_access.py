"""Access, enforced on the server for every route of both mocks (Flask test client).

Every rule of each app's URL map is classified — a new route without a class fails the first test —
and each class is checked: who may reach the Betyg routes (an Elev never; a teacher only their own
groups, GETs and POSTs alike; anyone else is sent to log in), a CSRF token on every form and a POST
without it refused, ``next=`` never leading off-site, the API tokens, and the control API switched
off or behind its token."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

import pytest

from betyg_harness.mock_ber import create_app as create_ber
from betyg_harness.scenario import stable_id
from tests.api.pingpong_support import gid
from tests.support.pingpong_forms import PingPongForms

BER_CONFIG = {"SCHEDULER": False, "LOG_REQUESTS": False, "PINGPONG_URL": "http://127.0.0.1:9"}
OWN, OTHER = "svesve01-ht26-a", "grnmat2-ht26-a"  # anna.lindqvist grades the first, omar.haddad the second
OFF_SITE = [
    "https://evil.example/",
    "//evil.example/x",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "http:evil.example",
    "https:/evil.example",
    "/%0A/evil.example",
    " //evil.example",
]


def classify(rule: str, endpoint: str) -> str:
    """Which access rule applies to a route (by its place, so new API routes are covered too)."""
    if endpoint in ("static", "ui.static") or rule.startswith("/static/") or rule == "/healthz":
        return "public"
    if rule.startswith("/_mock"):
        return "control"
    if rule.startswith(("/ss12000/", "/api/skolplattform/")):
        return "api-token"
    if rule.startswith("/api/ber/webhook/"):
        return "webhook"  # BER's notices to Ping Pong: the subscription's secret is the path itself
    if rule in ("/login",):
        return "login"
    if rule == "/logout":
        return "logout"
    if rule.startswith("/betyg"):
        return "betyg"
    return "logged-in"


@pytest.fixture
def ber_app(tmp_path):
    application = create_ber({**BER_CONFIG, "DATABASE": str(tmp_path / "ber.sqlite3")})
    yield application
    application.extensions["mock_kit"].db.dispose()


def _url(rule: str) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: gid(OWN) if "group" in m.group(1) else str(uuid.uuid4()), rule)


def test_every_route_of_both_mocks_has_an_access_class(fresh, ber_app):
    for application in (fresh, ber_app):
        for rule in application.url_map.iter_rules():
            assert classify(rule.rule, rule.endpoint) in (
                "public",
                "control",
                "api-token",
                "webhook",
                "login",
                "logout",
                "betyg",
                "logged-in",
            ), rule.rule


def _routes(application, wanted: str):
    for rule in application.url_map.iter_rules():
        if classify(rule.rule, rule.endpoint) == wanted:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule.rule


def _as(application, username: str | None) -> PingPongForms:
    browser = PingPongForms(application)
    if username:
        assert browser.sign_in(username).status_code == 302
    return browser


def _betyg_routes(application, group_key: str):
    for method, rule in _routes(application, "betyg"):
        yield method, rule.replace("<group_id>", gid(group_key))


def _call(browser: PingPongForms, method: str, url: str):
    """A request as the browser would send it: POSTs with the user's own valid CSRF token."""
    if method == "GET":
        return browser.client.get(url)
    token = browser.token(
        browser.client.get("/login" if browser.client.get_cookie("session") is None else "/").get_data(as_text=True)
    )
    return browser.client.open(url, method=method, data={"csrf_token": token, "payload": "x", "version": "1"})


def test_anonymous_users_are_sent_to_log_in_on_every_betyg_and_page_route(fresh):
    anonymous = _as(fresh, None)
    for method, url in list(_betyg_routes(fresh, OWN)) + [("GET", "/")]:
        response = anonymous.client.open(url, method=method)
        assert response.status_code in (302, 400), (method, url)  # 400: a POST without a token stops first
        if response.status_code == 302:
            assert "/login" in response.headers["Location"], (method, url)


def test_an_elev_gets_403_on_all_of_betyg(fresh):
    elev = _as(fresh, "elev.asa")
    for method, url in _betyg_routes(fresh, OWN):
        response = _call(elev, method, url)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "behörighet" in response.get_data(as_text=True)


def test_a_teacher_gets_403_on_every_url_and_post_of_another_teachers_group(fresh):
    teacher = _as(fresh, "anna.lindqvist")
    group_routes = [(m, u) for m, u in _betyg_routes(fresh, OTHER) if gid(OTHER) in u]
    assert len(group_routes) >= 5  # the view, both Spara, the preview, the PDF
    for method, url in group_routes:
        response = _call(teacher, method, url)
        assert response.status_code == 403, (method, url, response.status_code)
    assert teacher.client.get(f"/betyg/grupp/{gid(OWN)}").status_code == 200  # their own group opens
    result = teacher.client.get("/betyg/sok-grupp", query_string={"q": "", "sok": "1"}).get_data(as_text=True)
    assert "GRNMAT2 HT26 Kista A" not in result and "SVESVE01 HT26 Kista A" in result


def test_the_administrator_reaches_every_group(fresh):
    admin = _as(fresh, "betygsadmin")
    for key in (OWN, OTHER):
        assert admin.client.get(f"/betyg/grupp/{gid(key)}").status_code == 200


def test_ber_pages_need_a_ber_login(ber_app):
    client = ber_app.test_client()
    for method, rule in _routes(ber_app, "logged-in"):
        response = client.open(_url(rule), method=method)
        assert response.status_code in (302, 400), (method, rule, response.status_code)
        if method == "GET":
            assert "/login" in response.headers["Location"]


# -- CSRF -------------------------------------------------------------------------------------------
def _forms(html: str) -> list[str]:
    return re.findall(r"<form\b[^>]*method=\"post\"[^>]*>.*?</form>", html, flags=re.S | re.I)


def test_every_post_form_carries_a_csrf_token(fresh, ber_app):
    admin = _as(fresh, "betygsadmin")
    pages = [
        admin.client.get(u).get_data(as_text=True)
        for u in ("/", "/betyg", f"/betyg/grupp/{gid(OWN)}", "/betyg/sok-grupp?q=&sok=1")
    ]
    first = admin.post_grading(OWN, admin.grading_form(OWN, {"s01": "C"}, teachers=["anna.lindqvist"]))
    pages.append(first.get_data(as_text=True))  # the summary
    ber_client = ber_app.test_client()
    login_page = ber_client.get("/login").get_data(as_text=True)
    pages.append(login_page)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    ber_client.post("/login", data={"username": "beradmin", "password": "beradmin", "csrf_token": token})
    group = stable_id("group", OWN)
    pages += [ber_client.get(u).get_data(as_text=True) for u in ("/grupper", f"/grupper/{group}", "/betygsimport")]
    forms = [f for page in pages for f in _forms(page)]
    assert len(forms) >= 9
    for form in forms:
        assert 'name="csrf_token"' in form, form[:300]


@pytest.mark.parametrize("system", ["pingpong", "ber"])
def test_every_post_without_its_token_is_refused_and_changes_nothing(fresh, ber_app, system):
    application = fresh if system == "pingpong" else ber_app
    browser = _as(application, "betygsadmin") if system == "pingpong" else None
    client = browser.client if browser else application.test_client()
    before = application.extensions["mock_kit"].db.digest()
    posts = (
        [(m, r) for m, r in _routes(application, "betyg") if m == "POST"]
        + [(m, r) for m, r in _routes(application, "logged-in") if m == "POST"]
        + [(m, r) for kind in ("login", "logout") for m, r in _routes(application, kind) if m == "POST"]
    )
    assert len(posts) >= 3
    for method, rule in posts:
        response = client.post(_url(rule), data={"username": "beradmin", "password": "beradmin"})
        assert response.status_code == 400, (rule, response.status_code)
        assert "säkerhetstoken" in response.get_data(as_text=True)
    assert application.extensions["mock_kit"].db.digest() == before


# -- next= ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("target", OFF_SITE)
@pytest.mark.parametrize("system", ["pingpong", "ber"])
def test_next_never_leads_off_site(fresh, ber_app, system, target):
    application = fresh if system == "pingpong" else ber_app
    client = application.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    user = "betygsadmin" if system == "pingpong" else "beradmin"
    response = client.post(
        "/login", query_string={"next": target}, data={"username": user, "password": user, "csrf_token": token}
    )
    location = response.headers["Location"]
    assert response.status_code == 302
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location, location
    assert not urlsplit(location).netloc and not any(c in location for c in "\t\r\n")
    assert location in ("/", "/grupper", target)  # home, or (percent-encoded) a path of this site


def test_next_within_the_site_is_followed(fresh):
    client = fresh.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login",
        query_string={"next": "/betyg/sok-grupp?q=SVE"},
        data={"username": "betygsadmin", "password": "betygsadmin", "csrf_token": token},
    )
    assert response.headers["Location"] == "/betyg/sok-grupp?q=SVE"


# -- API tokens and the control API ---------------------------------------------------------------------------
@pytest.mark.parametrize("header", [None, "Bearer fel-token", "Basic YmV0eWc6YmV0eWc=", "Bearer ", "ber-dev-token"])
def test_every_api_route_needs_its_token(fresh, ber_app, header):
    headers = {"Authorization": header} if header else {}
    for application, fmt in ((fresh, "application/xml"), (ber_app, "application/json")):
        client = application.test_client()
        for method, rule in _routes(application, "api-token"):
            response = client.open(_url(rule), method=method, headers=headers, json={} if method != "GET" else None)
            assert response.status_code == 401, (rule, method, response.status_code)
            assert response.mimetype == fmt


def test_a_webhook_notice_needs_the_subscriptions_secret(fresh):
    """The only route of Ping Pong without a login or a bearer token: its secret is the path."""
    client = fresh.test_client()
    before = fresh.extensions["mock_kit"].db.digest()
    for method, rule in _routes(fresh, "webhook"):
        for secret in ("gissat", "x" * 300, "%27%20OR%201%3D1"):
            response = client.open(rule.replace("<token>", secret), method=method, json={"modifiedEntites": ["Person"]})
            assert response.status_code == 404 and response.is_json, (rule, secret)
    assert fresh.extensions["mock_kit"].db.digest() == before


@pytest.mark.parametrize("factory", ["pingpong", "ber"])
def test_the_control_api_is_refused_when_switched_off_or_without_its_token(tmp_path, factory):
    from betyg_harness.mock_pingpong import create_app as create_pingpong

    make = (
        (lambda c: create_pingpong({"SCHEDULER": False, "SYNC_ON_LOAD": False, "BER_URL": "http://127.0.0.1:9", **c}))
        if factory == "pingpong"
        else (lambda c: create_ber({**BER_CONFIG, **c}))
    )
    off = make({"CONTROL_API": False, "DATABASE": str(tmp_path / "off.sqlite3")})
    guarded = make({"CONTROL_TOKEN": "hemlig", "DATABASE": str(tmp_path / "guarded.sqlite3")})
    for method, rule in _routes(guarded, "control"):
        assert off.test_client().open(rule, method=method, json={}).status_code == 404, rule
        refused = guarded.test_client().open(rule, method=method, json={})
        assert refused.status_code == 401, rule
        wrong = guarded.test_client().open(rule, method=method, json={}, headers={"Authorization": "Bearer fel"})
        assert wrong.status_code == 401, rule
    allowed = guarded.test_client().get("/_mock/state", headers={"Authorization": "Bearer hemlig"})
    assert allowed.status_code == 200
    for application in (off, guarded):
        application.extensions["mock_kit"].db.dispose()
