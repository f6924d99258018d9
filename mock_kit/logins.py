"""Who is logged in, kept on the server, the same for both mocks.

A login is a row in the mock's database (a random id, the username, when it started); the signed
session cookie carries only that id. Logging out deletes the row, so a copied cookie stops working
the moment its user logs out; ``DELETE /_mock/sessions`` ends every login at once (a session that
expires mid-run, for tests of re-login). Passwords are hashed with one method, here.
"""
from __future__ import annotations

import secrets
import time
from urllib.parse import urlsplit

from flask import g, session
from sqlalchemy import Column, Float, String, Table, delete, func, insert, select
from werkzeug.security import check_password_hash, generate_password_hash

from betyg_harness.mock_kit.db import state_metadata

# A mock's passwords guard test data only; a modest work factor keeps scenario loads fast.
PASSWORD_METHOD = "pbkdf2:sha256:20000"
SESSION_KEY = "login"

mock_login = Table(
    "mock_login", state_metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(200), nullable=False),
    Column("started", Float, nullable=False),
)


def safe_next(target: str | None, default: str) -> str:
    """Where to go after logging in: a path on this site, never elsewhere. Browsers read ``//host``
    and ``/\\host`` (and tabs or newlines inside them) as another site, so those go to ``default``."""
    if not target or not isinstance(target, str):
        return default
    if any(ch in target for ch in "\\\t\r\n\x00") or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target


def hash_password(password: str) -> str:
    return generate_password_hash(password, PASSWORD_METHOD)


def password_matches(stored_hash: str, password: str) -> bool:
    return check_password_hash(stored_hash, password)


def _engine():
    from betyg_harness.mock_kit.app import current_kit
    return current_kit().db.engine


def start(username: str) -> None:
    """Log ``username`` in: a fresh login row and a fresh cookie (no fixation of an older one)."""
    login_id = secrets.token_urlsafe(32)
    with _engine().begin() as conn:
        conn.execute(insert(mock_login), {"id": login_id, "username": username, "started": time.time()})
    session.clear()
    session[SESSION_KEY] = login_id
    g._mock_login_user = username


def current() -> str | None:
    """The logged-in username, or None (no cookie, or a login that has ended)."""
    if "_mock_login_user" in g:
        return g._mock_login_user
    login_id = session.get(SESSION_KEY)
    username = None
    if isinstance(login_id, str):
        with _engine().connect() as conn:
            username = conn.execute(select(mock_login.c.username).where(mock_login.c.id == login_id)).scalar()
        if username is None:
            # The login ended: forget it, but keep the rest of the session (the CSRF token), so the
            # user meets the login page rather than a refused form.
            session.pop(SESSION_KEY, None)
    g._mock_login_user = username
    return username


def end() -> None:
    """Log out: the login row goes, so the cookie (or a copy of it) no longer works."""
    login_id = session.get(SESSION_KEY)
    if isinstance(login_id, str):
        with _engine().begin() as conn:
            conn.execute(delete(mock_login).where(mock_login.c.id == login_id))
    session.clear()
    g._mock_login_user = None


def end_all(engine) -> int:
    """End every login (the control API); returns how many there were."""
    with engine.begin() as conn:
        return conn.execute(delete(mock_login)).rowcount


def count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(mock_login)).scalar_one()
