"""Who is logged in, kept on the server, the same for both mocks.

A login is a row in the mock's database (a random id, the username, when it started); the signed
session cookie carries only that id. Logging out deletes the row, so a copied cookie stops working
the moment its user logs out; ``DELETE /_mock/sessions`` ends every login at once (a session that
expires mid-run, for tests of re-login). Passwords are hashed with one method, here.

Guarded as real systems guard logins (config keys, each also ``PINGPONG_<KEY>`` / ``BER_<KEY>`` in
the environment; 0 switches a limit off):

* **Throttling.** After ``LOGIN_MAX_FAILURES`` (5) failed logins for one username from one client
  address within ``LOGIN_FAILURE_WINDOW_MINUTES`` (15, real time), or ``LOGIN_MAX_FAILURES_PER_ADDRESS``
  (50) failures from one address across usernames, every further attempt — even with the right
  password — is the Swedish 429 page with ``Retry-After`` until the window has passed. The failures
  are rows in the mock's database (every worker of a mock sees them); a success clears the user's
  count, a scenario load or reset clears them all.
* **The same work for every username.** An unknown username is checked against a fixed dummy hash
  of the same method, so its answer takes as long as a known one's with a wrong password.
* **Lifetimes.** A login ends after ``LOGIN_IDLE_MINUTES`` (60) without a request and after
  ``LOGIN_MAX_HOURS`` (12) in all, on real time (``time.time()``, never the mock clock, which tests
  move by days). Its last request is written at most once a minute (``SEEN_EVERY_SECONDS``).
"""

from __future__ import annotations

import math
import secrets
import time
from urllib.parse import urlsplit

from flask import current_app, g, request, session
from sqlalchemy import Column, Float, Index, Integer, String, Table, and_, delete, func, insert, select, update
from werkzeug.exceptions import TooManyRequests
from werkzeug.security import check_password_hash, generate_password_hash

from betyg_harness.mock_kit.db import state_metadata

# A mock's passwords guard test data only; a modest work factor keeps scenario loads fast.
PASSWORD_METHOD = "pbkdf2:sha256:20000"
SESSION_KEY = "login"

# The guards' settings (see the module's docstring); app.config overrides them, 0 switches one off.
LOGIN_DEFAULTS = {
    "LOGIN_MAX_FAILURES": 5,  # failed logins per username and client address in the window
    "LOGIN_MAX_FAILURES_PER_ADDRESS": 50,  # failed logins per client address, any username, in the window
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "LOGIN_IDLE_MINUTES": 60,  # a login with no request for this long has ended
    "LOGIN_MAX_HOURS": 12,  # and any login after this long
}
SEEN_EVERY_SECONDS = 60  # a login's last request is written at most this often (one write a minute, not per request)
# The check an unknown username gets: a hash of a random password with PASSWORD_METHOD, so it costs
# what a known user's check costs (the salt does not change the work; nothing ever matches it).
DUMMY_HASH = "pbkdf2:sha256:20000$0j0kZKWDj9P6O5DZ$ffcc0b116e0c08a6603dbdfa2a2f896b403a027bed2878cbecf41c51a60b982b"

mock_login = Table(
    "mock_login",
    state_metadata,
    Column("id", String(64), primary_key=True),
    Column("username", String(200), nullable=False),
    Column("started", Float, nullable=False),
    Column("last_seen", Float, nullable=True),  # nullable: added to databases made before it
)

# One row per failed login (real time), kept for the throttling window.
mock_login_failure = Table(
    "mock_login_failure",
    state_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("address", String(64), nullable=False),
    Column("username", String(200), nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_mock_login_failure_address_at", "address", "at"),
)


def wall_clock() -> float:
    """Real time for logins (tests replace this, never the mock clock)."""
    return time.time()


def setting(name: str) -> float:
    """A guard's setting from the app's config (an environment value arrives as text)."""
    value = current_app.config.get(name)
    try:
        return float(LOGIN_DEFAULTS[name] if value is None or value == "" else value)
    except (TypeError, ValueError):
        return float(LOGIN_DEFAULTS[name])


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


def password_matches(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; ``stored_hash`` None (no such user) does the same work against
    DUMMY_HASH and is False, so the answer's time does not tell which usernames exist."""
    if not stored_hash:
        check_password_hash(DUMMY_HASH, password)
        return False
    return check_password_hash(stored_hash, password)


# -- throttling ------------------------------------------------------------------------------------
def _address() -> str:
    return (request.remote_addr or "-")[:64]


def _username_key(username: str) -> str:
    return (username or "").replace("\x00", "").strip().casefold()[:200]


def check_allowed(username: str) -> None:
    """Before a password is looked at: raise the 429 (with Retry-After) while this address has too
    many recent failures for ``username``, or in all."""
    window = setting("LOGIN_FAILURE_WINDOW_MINUTES") * 60
    per_user, per_address = setting("LOGIN_MAX_FAILURES"), setting("LOGIN_MAX_FAILURES_PER_ADDRESS")
    if window <= 0 or (per_user <= 0 and per_address <= 0):
        return
    now = wall_clock()
    address, key = _address(), _username_key(username)
    recent = and_(mock_login_failure.c.address == address, mock_login_failure.c.at > now - window)
    with _engine().connect() as conn:
        times = conn.execute(
            select(mock_login_failure.c.username, mock_login_failure.c.at)
            .where(recent)
            .order_by(mock_login_failure.c.at)
        ).all()
    waits = []
    for limit, ats in ((per_user, [at for name, at in times if name == key]), (per_address, [at for _, at in times])):
        limit = int(limit)
        if limit > 0 and len(ats) >= limit:
            waits.append(ats[len(ats) - limit] + window - now)  # when enough of them have left the window
    if waits:
        raise TooManyRequests(retry_after=max(1, math.ceil(max(waits))))


def record_failure(username: str) -> None:
    """A failed login from this address (and the window's older failures go)."""
    window = setting("LOGIN_FAILURE_WINDOW_MINUTES") * 60
    if window <= 0:
        return
    now = wall_clock()
    with _engine().begin() as conn:
        conn.execute(delete(mock_login_failure).where(mock_login_failure.c.at <= now - window))
        conn.execute(
            insert(mock_login_failure), {"address": _address(), "username": _username_key(username), "at": now}
        )


def clear_failures_of(username: str) -> None:
    """A successful login: this user's failures from this address are forgotten."""
    with _engine().begin() as conn:
        conn.execute(
            delete(mock_login_failure).where(
                and_(
                    mock_login_failure.c.address == _address(), mock_login_failure.c.username == _username_key(username)
                )
            )
        )


def clear_failures(engine) -> None:
    """Every failure forgotten (a scenario load or reset)."""
    with engine.begin() as conn:
        conn.execute(delete(mock_login_failure))


def _engine():
    from betyg_harness.mock_kit.app import current_kit

    return current_kit().db.engine


def start(username: str) -> None:
    """Log ``username`` in: a fresh login row and a fresh cookie (no fixation of an older one)."""
    login_id = secrets.token_urlsafe(32)
    now = wall_clock()
    with _engine().begin() as conn:
        max_hours = setting("LOGIN_MAX_HOURS")
        if max_hours > 0:  # logins past their lifetime that nobody came back to
            conn.execute(delete(mock_login).where(mock_login.c.started < now - max_hours * 3600))
        conn.execute(insert(mock_login), {"id": login_id, "username": username, "started": now, "last_seen": now})
    clear_failures_of(username)
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
            row = conn.execute(
                select(mock_login.c.username, mock_login.c.started, mock_login.c.last_seen).where(
                    mock_login.c.id == login_id
                )
            ).first()
        username = _still_valid(login_id, row)
        if username is None:
            # The login ended: forget it, but keep the rest of the session (the CSRF token), so the
            # user meets the login page rather than a refused form.
            session.pop(SESSION_KEY, None)
    g._mock_login_user = username
    return username


def _still_valid(login_id: str, row) -> str | None:
    """The login's username while it is within both lifetimes (its last request noted at most once a
    minute); an expired login is ended, as a logout ends it."""
    if row is None:
        return None
    now = wall_clock()
    last_seen = row.last_seen if row.last_seen is not None else row.started
    idle, max_hours = setting("LOGIN_IDLE_MINUTES"), setting("LOGIN_MAX_HOURS")
    if (idle > 0 and now - last_seen > idle * 60) or (max_hours > 0 and now - row.started > max_hours * 3600):
        with _engine().begin() as conn:
            conn.execute(delete(mock_login).where(mock_login.c.id == login_id))
        return None
    if now - last_seen >= SEEN_EVERY_SECONDS:
        with _engine().begin() as conn:
            conn.execute(update(mock_login).where(mock_login.c.id == login_id).values(last_seen=now))
    return row.username


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
