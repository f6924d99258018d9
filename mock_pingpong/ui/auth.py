"""Login, logout and the start page."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, redirect, render_template, request, url_for

from betyg_harness.mock_kit import logins
from betyg_harness.mock_kit.app import current_kit
from betyg_harness.mock_pingpong import store

auth = Blueprint("auth", __name__)


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapper


def authenticate(conn, username: str, password: str):
    """The account, or None; an unknown username costs one password check too (against a dummy hash)."""
    account = store.account(conn, username.strip())
    if not logins.password_matches(account.password_hash if account is not None else None, password):
        return None
    return account


@auth.get("/")
@login_required
def home():
    return render_template("home.html", title="Startsida")


@auth.route("/login", methods=["GET", "POST"])
def login():
    error = None
    if request.method == "POST":
        username = request.form.get("username", "")
        password = request.form.get("password", "")
        logins.check_allowed(username)  # too many failures: the 429 page, before any password is checked
        with current_kit().db.engine.connect() as conn:
            account = authenticate(conn, username, password)
        if account is not None:
            logins.start(account.username)
            return redirect(logins.safe_next(request.args.get("next"), url_for("auth.home")))
        logins.record_failure(username)
        error = "Fel användarnamn eller lösenord."
    status = 401 if error else 200
    return render_template(
        "login.html", title="Logga in", error=error, username=request.form.get("username", "")
    ), status


@auth.post("/logout")
def logout():
    logins.end()  # the login ends on the server: a copy of the cookie no longer works
    return redirect(url_for("auth.login"))
