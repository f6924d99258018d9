"""The BER user interface (Swedish), as a BER administrator sees it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for

from betyg_harness.mock_kit import logins
from betyg_harness.mock_kit.app import current_kit, now
from betyg_harness.mock_kit.error_pages import ErrorPages
from betyg_harness.mock_kit.clock import STOCKHOLM
from betyg_harness.mock_ber import rules, store
from betyg_harness.mock_ber.jobs import grade_import
from betyg_harness.mock_ber.errors import RegistryError
from betyg_harness.mock_ber.models import BerUser, Person, TeachingGroup
from betyg_harness.mock_ber.ui.forms import LinkForm, LoginForm, LogoutForm, RunImportForm, SearchForm, UnlinkForm

bp = Blueprint("ui", __name__, template_folder="../templates", static_folder="../static", static_url_path="/static/ber")

PUBLIC = {"ui.login", "ui.static"}


@bp.app_template_filter("local")
def local_time(value) -> str:
    return value.astimezone(STOCKHOLM).strftime("%Y-%m-%d %H:%M") if value else ""


@bp.app_template_filter("pnr")
def pnr(value: str) -> str:
    return rules.format_civic_no(value)


@bp.before_app_request
def _load_user():
    g.user = None
    if request.blueprint != "ui":
        return None
    username = logins.current()
    if username:
        with db() as s:
            account = s.get(BerUser, username)
        if account is None:
            logins.end()  # the account is gone (another scenario)
        else:
            g.user = {"username": account.username, "name": account.name}
            g.logout_form = LogoutForm()
    if g.user is None and request.endpoint not in PUBLIC:
        return redirect(url_for("ui.login", next=request.full_path.rstrip("?")))
    return None


def error_pages() -> ErrorPages:
    """Errors as BER's own message page; the SS 12000 API answers with its Error object."""
    from betyg_harness.mock_ber import ss12000

    def page(status: int, title: str, message: str):
        g.setdefault("user", None)
        if g.user and "logout_form" not in g:
            g.logout_form = LogoutForm()
        return make_response(render_template("ber/message.html", title=title, message=message), status)

    return ErrorPages(
        page=page, apis={ss12000.PREFIX: ss12000.error}, api_exceptions={ss12000.PREFIX: ss12000.http_error}
    )


def db():
    return current_kit().db.session()


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        username, password = form.username.data, form.password.data
        assert username is not None and password is not None  # both DataRequired, so validated
        logins.check_allowed(username)  # too many failures: the 429 page, before any password is checked
        with db() as s:
            user = s.get(BerUser, username.strip())
            # An unknown username is checked against a dummy hash: the same work as a known one.
            if logins.password_matches(user.password_hash if user is not None else None, password):
                logins.start(user.username)
                return redirect(logins.safe_next(request.args.get("next"), url_for("ui.groups")))
        logins.record_failure(username)
        error = "Fel användarnamn eller lösenord."
    status = 401 if error else (400 if form.errors else 200)
    return render_template("ber/login.html", form=form, error=error), status


@bp.post("/logout")
def logout():
    if LogoutForm().validate_on_submit():
        logins.end()  # the login ends on the server: a copy of the cookie no longer works
    return redirect(url_for("ui.login"))


@bp.get("/")
def index():
    return redirect(url_for("ui.groups"))


@bp.get("/grupper")
def groups():
    with db() as s:
        units = store.school_units(s)
        form = SearchForm(request.args)
        form.school.choices = [("", "Alla skolenheter")] + [(u.id, u.display_name) for u in units]
        searched = "submit" in request.args or any(request.args.get(k) for k in ("name", "course", "school"))
        results: list
        graders: dict
        results, more, graders = [], False, {}
        if form.validate() if request.args else True:
            results, more, graders = _search(s, form)
        _swedish_errors(form)
        if form.date_from.data and form.date_to.data and form.date_to.data < form.date_from.data:
            form.date_to.errors = ["T.o.m. får inte vara före Fr.o.m."]
            results, more, graders = [], False, {}
        status = 400 if form.errors else 200
        return render_template(
            "ber/groups.html", form=form, results=results, more=more, graders=graders, searched=searched
        ), status


def _search(s, form: SearchForm) -> tuple[list, bool, dict]:
    """The groups the search form asks for, whether more follow, and their grading teachers."""
    results, more = store.search_groups(
        s,
        name=(form.name.data or "").strip(),
        course=(form.course.data or "").strip(),
        school_unit=form.school.data or "",
        date_from=form.date_from.data,
        date_to=form.date_to.data,
    )
    return results, more, store.graders_by_group(s, [r.id for r in results])


def _swedish_errors(form: SearchForm) -> None:
    """WTForms' messages for a bad school or date, as BER words them."""
    if form.school.errors:
        form.school.errors = ["Välj en skolenhet i listan."]
    for field in (form.date_from, form.date_to):
        if field.errors:
            field.errors = ["Ange ett datum som ÅÅÅÅ-MM-DD."]


def _group_page(
    s, group: TeachingGroup, link_form: LinkForm | None = None, error: str | None = None, status: int = 200
):
    enrolments = store.group_enrolments(s, group.id)
    enrolments = sorted(enrolments, key=lambda e: (e.person.family_name.casefold(), e.person.given_name.casefold()))
    linked = store.graders(s, group)
    choices = store.linkable_teachers(s, group)
    form = link_form or LinkForm()
    form.teacher.choices = [("", "Välj lärare")] + [(p.id, p.full_name) for p in choices]
    return render_template(
        "ber/group.html",
        group=group,
        enrolments=enrolments,
        linked=linked,
        form=form,
        unlink_form=UnlinkForm(),
        error=error,
    ), status


@bp.get("/grupper/<group_id>")
def group(group_id):
    with db() as s:
        group = s.get(TeachingGroup, group_id) or abort(404)
        return _group_page(s, group)


def _change_grader(
    group_id: str,
    form,
    person_field: str,
    change,
    done: str,
    missing: str,
    invalid: str = "Formuläret har gått ut. Försök igen.",
):
    """Link or unlink a grading teacher from a posted form; any refusal re-renders the group page
    with a Swedish message and stores nothing."""
    with db() as s:
        group = s.get(TeachingGroup, group_id) or abort(404)
        shown_form = form if isinstance(form, LinkForm) else None
        if not form.validate_on_submit():
            no_choice = shown_form is not None and getattr(form, person_field).errors  # the link form's dropdown
            return _group_page(s, group, shown_form, "Välj en lärare." if no_choice else invalid, 400)
        person = s.get(Person, getattr(form, person_field).data)
        if person is None:
            return _group_page(s, group, shown_form, missing, 400)
        try:
            change(s, group, person)
        except RegistryError as exc:
            s.rollback()
            return _group_page(s, group, shown_form, str(exc), 400)
        s.commit()
        flash(done.format(name=person.full_name), "status")
        return redirect(url_for("ui.group", group_id=group.id))


@bp.post("/grupper/<group_id>/betygssattande")
def link(group_id):
    return _change_grader(
        group_id,
        LinkForm(),
        "teacher",
        store.link_grader,
        "{name} är kopplad som betygssättande lärare.",
        "Den valda läraren finns inte i BER.",
    )


@bp.post("/grupper/<group_id>/betygssattande/ta-bort")
def unlink(group_id):
    return _change_grader(
        group_id,
        UnlinkForm(),
        "person",
        store.unlink_grader,
        "{name} är inte längre betygssättande lärare.",
        "Läraren finns inte i BER.",
    )


@bp.get("/elever/<person_id>")
def student(person_id):
    grade_import.before_read()
    with db() as s:
        person = s.get(Person, person_id) or abort(404)
        return render_template("ber/student.html", person=person, **store.student_record(s, person, now()))


@bp.get("/betygsimport")
def imports():
    with db() as s:
        runs = store.import_runs(s, 500)
        job = next((j for j in current_kit().scheduler.jobs if j.name == grade_import.JOB_NAME), None)
        start, _ = grade_import.next_window(s, now())
        return render_template("ber/imports.html", runs=runs, job=job, next_from=start, form=RunImportForm())


@bp.post("/betygsimport")
def run_import_now():
    if RunImportForm().validate_on_submit():
        run = grade_import.run_import()
        if run is None:
            flash("Ingen import behövdes: ingen ny hel minut sedan förra importen.", "status")
        elif run.status == "ok":
            flash(f"Importen är klar: {run.applied} betyg tagna emot, {run.removed} borttagna.", "status")
        else:
            flash(f"Importen misslyckades: {run.error}", "error")
    return redirect(url_for("ui.imports"))
