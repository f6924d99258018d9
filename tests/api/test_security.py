"""Secrets, sessions, headers and error pages of both mocks (Flask test client).

Logging out ends the login on the server (a copied cookie stops working); the signing key is
random per database unless configured; cookies are HttpOnly and SameSite; every answer says it may
not be framed and runs no foreign script; no password is kept in plain text anywhere; and every
error a user can meet is Swedish, in the system's layout.
"""

from __future__ import annotations

import json
import re

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from betyg_harness.mock_ber import create_app as create_ber
from tests.api.pingpong_support import text_of
from tests.support.pingpong_forms import PingPongForms

BER_CONFIG = {"SCHEDULER": False, "LOG_REQUESTS": False, "PINGPONG_URL": "http://127.0.0.1:9"}


def _csrf(html: str) -> str:
    return (
        re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html)
        .group(0)
        .rsplit('value="', 1)[1]
        .rstrip('"')
    )


@pytest.fixture
def ber_app(tmp_path):
    application = create_ber({**BER_CONFIG, "DATABASE": str(tmp_path / "ber.sqlite3")})
    yield application
    application.extensions["mock_kit"].db.dispose()


def ber_login(client):
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"username": "beradmin", "password": "beradmin", "csrf_token": _csrf(page)})
    assert response.status_code == 302
    return response


def _cookie(client, name: str) -> str:
    return client.get_cookie(name).value


# -- logging out ends the login --------------------------------------------------------------------
def test_pingpong_a_copied_cookie_stops_working_after_logout(fresh):
    user = PingPongForms(fresh)
    user.sign_in("betygsadmin")
    stolen = _cookie(user.client, "session")
    assert user.get("/betyg").status_code == 200
    home = user.get("/").get_data(as_text=True)
    assert user.post("/logout", {"csrf_token": user.token(home)}).status_code == 302
    thief = fresh.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/betyg")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_ber_a_copied_cookie_stops_working_after_logout(ber_app):
    client = ber_app.test_client()
    ber_login(client)
    stolen = _cookie(client, "ber_session")
    page = client.get("/grupper").get_data(as_text=True)
    assert client.post("/logout", data={"csrf_token": _csrf(page)}).status_code == 302
    thief = ber_app.test_client()
    thief.set_cookie("ber_session", stolen)
    response = thief.get("/grupper")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_control_api_ends_every_login(ber_app):
    client = ber_app.test_client()
    ber_login(client)
    assert client.get("/_mock/sessions").get_json() == {"logins": 1}
    assert client.delete("/_mock/sessions", json={}).get_json() == {"status": "ended", "logins": 1}
    assert client.get("/grupper").status_code == 302  # back to the login page


# -- the signing key --------------------------------------------------------------------------------
def _forged(key: str, data: dict) -> str:
    """A session cookie signed with ``key`` the way Flask signs them."""
    forger = Flask("forger")
    forger.secret_key = key
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(data)


def test_the_signing_key_is_random_per_database_and_kept_in_it(tmp_path):
    first = create_ber({**BER_CONFIG, "DATABASE": str(tmp_path / "a.sqlite3")})
    key = first.config["SECRET_KEY"]
    first.extensions["mock_kit"].db.dispose()
    again = create_ber({**BER_CONFIG, "DATABASE": str(tmp_path / "a.sqlite3")})  # a restart
    other = create_ber({**BER_CONFIG, "DATABASE": str(tmp_path / "b.sqlite3")})
    assert len(key) >= 64 and again.config["SECRET_KEY"] == key != other.config["SECRET_KEY"]
    assert key not in ("ber-dev-secret", "pingpong-dev-secret")
    configured = create_ber({**BER_CONFIG, "DATABASE": str(tmp_path / "c.sqlite3"), "SECRET_KEY": "vår-egen-nyckel"})
    assert configured.config["SECRET_KEY"] == "vår-egen-nyckel"
    for application in (again, other, configured):
        application.extensions["mock_kit"].db.dispose()


def test_a_cookie_forged_with_the_old_fixed_keys_does_not_get_in(fresh, ber_app):
    """The cookies that got in before: the old fixed keys and the old session formats."""
    pingpong = fresh.test_client()
    pingpong.set_cookie("session", _forged("pingpong-dev-secret", {"user": "betygsadmin"}))
    assert pingpong.get("/betyg").status_code == 302
    ber_client = ber_app.test_client()
    ber_client.set_cookie("ber_session", _forged("ber-dev-secret", {"ber_user": {"username": "beradmin", "name": "x"}}))
    assert ber_client.get("/grupper").status_code == 302


def test_even_the_right_key_cannot_forge_a_login(ber_app):
    """The cookie carries only a random login id: signing one with the real key gets nowhere."""
    intruder = ber_app.test_client()
    intruder.set_cookie("ber_session", _forged(ber_app.config["SECRET_KEY"], {"login": "gissat-id"}))
    assert intruder.get("/grupper").status_code == 302


# -- cookies and headers ------------------------------------------------------------------------------
def test_session_cookies_are_httponly_and_samesite_on_both(fresh, ber_app):
    pp = PingPongForms(fresh).sign_in("betygsadmin")
    ber_answer = ber_login(ber_app.test_client())
    for answer in (pp, ber_answer):
        cookie = answer.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie


@pytest.mark.parametrize(
    "system, path",
    [
        ("pingpong", "/login"),
        ("pingpong", "/api/skolplattform/betyg"),
        ("pingpong", "/finns-inte"),
        ("ber", "/login"),
        ("ber", "/ss12000/v2.1/groups"),
        ("ber", "/grupper/finns-inte"),
    ],
)
def test_every_answer_forbids_framing_and_foreign_scripts(fresh, ber_app, system, path):
    client = (fresh if system == "pingpong" else ber_app).test_client()
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "default-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- no password in plain text ---------------------------------------------------------------------------
def _walk(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


@pytest.mark.parametrize("system", ["pingpong", "ber"])
def test_no_password_is_kept_in_plain_text(fresh, ber_app, system):
    application = fresh if system == "pingpong" else ber_app
    kit = application.extensions["mock_kit"]
    stored = kit.db.get_state("scenario")
    keys = [key for key, _ in _walk(stored)]
    assert "password" not in keys and "passwordHash" in keys
    assert "betygsadmin" not in json.dumps([v for k, v in _walk(stored) if k == "passwordHash"])
    kit.reset()  # a reset loads from the stored document: logging in still works
    if system == "pingpong":
        assert PingPongForms(application).sign_in("betygsadmin").status_code == 302
    else:
        ber_login(application.test_client())


# -- error pages in Swedish, in the system's layout ---------------------------------------------------------
def test_ber_refuses_a_form_without_csrf_in_swedish_in_its_layout(ber_app):
    client = ber_app.test_client()
    ber_login(client)
    group = client.get("/grupper").get_data(as_text=True)
    link = re.search(r'href="(/grupper/[^"]+)"', group).group(1)
    response = client.post(f"{link}/betygssattande", data={"teacher": "x"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "säkerhetstoken" in page and "BER – Barn- och elevregistret" in page and 'lang="sv"' in page
    assert "Bad Request" not in page and "CSRF" not in page


@pytest.mark.parametrize(
    "path, status, words",
    [
        ("/grupper/finns-inte", 404, "Sidan finns inte"),
        ("/elever/finns-inte", 404, "Sidan finns inte"),
        ("/finns-inte", 404, "Sidan finns inte"),
    ],
)
def test_ber_error_pages_are_swedish(ber_app, path, status, words):
    client = ber_app.test_client()
    ber_login(client)
    response = client.get(path)
    page = response.get_data(as_text=True)
    assert response.status_code == status and words in page
    assert "BER – Barn- och elevregistret" in page and "Not Found" not in page


def test_an_unexpected_error_answers_in_the_format_of_the_part_asked(ber_app, monkeypatch):
    """A bug is a 500 in each part's own words: JSON from the control API, an Error object from SS
    12000, the Swedish page from the screens — never the screens' HTML to a JSON client."""
    from betyg_harness.mock_ber import store
    from betyg_harness.mock_ber.store import ss12000 as ss12000_store

    def broken(*_args, **_kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(ber_app.extensions["mock_kit"], "load_scenario", broken)
    monkeypatch.setattr(ss12000_store, "resource_page", broken)
    monkeypatch.setattr(store, "search_groups", broken)
    client = ber_app.test_client()
    control = client.post("/_mock/reset", json={})
    assert control.status_code == 500 and control.is_json and control.get_json()["code"]
    api = client.get("/ss12000/v2.1/groups", headers={"Authorization": "Bearer ber-dev-token"})
    assert (
        api.status_code == 500 and api.is_json and api.get_json()["code"] and "<html" not in api.get_data(as_text=True)
    )
    ber_login(client)
    page = client.get("/grupper")
    assert page.status_code == 500 and "BER – Barn- och elevregistret" in page.get_data(as_text=True)


def test_ber_wrong_method_is_swedish_and_the_api_keeps_json(ber_app):
    client = ber_app.test_client()
    ber_login(client)
    page = client.delete("/grupper")
    assert page.status_code == 405 and "Det går inte att göra så" in page.get_data(as_text=True)
    api = client.get("/ss12000/v2.1/finns-inte", headers={"Authorization": "Bearer ber-dev-token"})
    assert api.status_code == 404 and api.is_json and set(api.get_json()) >= {"code", "message"}


@pytest.mark.parametrize("system, path", [("pingpong", "/betyg/sok-grupp?sok=1&q="), ("ber", "/grupper?name=")])
def test_a_too_long_query_string_is_a_swedish_414(fresh, ber_app, system, path):
    if system == "pingpong":
        browser = PingPongForms(fresh)
        browser.sign_in("betygsadmin")
        client = browser.client
    else:
        client = ber_app.test_client()
        ber_login(client)
    response = client.get(path + "x" * 10_000)
    page = response.get_data(as_text=True)
    assert response.status_code == 414 and "Adressen är för lång" in page and 'lang="sv"' in page


def test_pingpong_unknown_group_and_wrong_method_are_swedish(admin):
    missing = admin.get("/betyg/grupp/finns-inte")
    assert missing.status_code == 404 and "finns inte" in text_of(missing)
    wrong = admin.client.put("/betyg/sok-grupp")
    assert wrong.status_code == 405 and "Det går inte att göra så" in text_of(wrong)
    api = admin.client.delete("/api/skolplattform/betyg")
    assert api.status_code == 405 and api.mimetype == "application/xml"
