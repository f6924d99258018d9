"""Verktyg → Betyg: search (Sök lärare, Sök grupp), the grading view, the summary and the catalogue."""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import wraps
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Row

from betyg_harness.mock_kit.app import current_kit, now
from betyg_harness.mock_pingpong import get_syncer, rules, store
from betyg_harness.mock_pingpong.ui import steps
from betyg_harness.mock_pingpong.ui.auth import login_required
from betyg_harness.mock_pingpong.ui.grading_rows import student_rows

betyg = Blueprint("betyg", __name__, url_prefix="/betyg")

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CATALOGUE_NOT_READY = "Betygskatalogen kan skrivas ut först när alla betyg i gruppen är registrerade och låsta."


def betyg_required(view):
    """Logged in, and a role that may use Betyg (else 403 with the Swedish message)."""

    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if rules.betyg_scope(g.user.role) is None:
            return render_template("no_access.html", title="Betyg", message=rules.NO_ACCESS), 403
        return view(*args, **kwargs)

    return wrapper


def _conn():
    return current_kit().db.engine.connect()


def _own_person_id(conn) -> str | None:
    """For a teacher account: their BER person; None for an administrator (all groups)."""
    if rules.betyg_scope(g.user.role) == "all":
        return None
    return store.person_id_for_civic(conn, g.user.civic_no) or "-"


def _may_open_group(conn, account, group_id: str) -> bool:
    scope = rules.betyg_scope(account.role)
    if scope == "all":
        return True
    if scope == "own":
        person_id = store.person_id_for_civic(conn, account.civic_no)
        return store.is_grading_teacher(conn, group_id, person_id)
    return False


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="betyg-sammanfattning")


# -- Betyg start ----------------------------------------------------------------------------------
@betyg.get("")
@betyg_required
def index():
    return render_template("betyg_index.html", title="Betyg")


# -- search ---------------------------------------------------------------------------------------
@dataclass
class SearchForm:
    text: str = ""
    teacher: str = ""
    term: str = ""
    date_from: str = ""
    date_to: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    searched: bool = False

    @classmethod
    def from_args(cls, args, *, need_teacher: bool) -> "SearchForm":
        form = cls(
            text=args.get("q", "").strip(),
            teacher=args.get("larare", ""),
            term=args.get("termin", ""),
            date_from=args.get("from", "").strip(),
            date_to=args.get("tom", "").strip(),
            searched="sok" in args,
        )
        if form.searched:
            form.validate(need_teacher)
        return form

    def _date(self, key: str, value: str) -> date | None:
        if not value:
            return None
        try:
            if not ISO_DATE.fullmatch(value):
                raise ValueError(value)  # fromisoformat also reads 20261218 and week dates
            return date.fromisoformat(value)
        except ValueError:
            self.errors[key] = "Ange ett datum som finns, som åååå-mm-dd."
            return None

    def validate(self, need_teacher: bool) -> None:
        if need_teacher and not self.teacher:
            self.errors["larare"] = "Välj en lärare."
        if self.term:
            try:
                rules.term_range(self.term)
            except ValueError:
                self.errors["termin"] = "Välj en termin i listan."
        start, end = self._date("from", self.date_from), self._date("tom", self.date_to)
        if start and end and end < start:
            self.errors["tom"] = "T.o.m. får inte vara före Fr.o.m."

    def window(self) -> tuple[date | None, date | None]:
        """Termin and Fr.o.m./T.o.m. together: course end within both."""
        start = date.fromisoformat(self.date_from) if self.date_from else None
        end = date.fromisoformat(self.date_to) if self.date_to else None
        if self.term:
            term_start, term_end = rules.term_range(self.term)
            start = max(start, term_start) if start else term_start
            end = min(end, term_end) if end else term_end
        return start, end


def _search(form: SearchForm, teacher_id: str | None, *, with_teachers: bool):
    syncer = get_syncer(current_app)
    syncer.ensure_current()
    today = now().date()
    with _conn() as conn:
        visible_to = _own_person_id(conn)
        rows: Sequence[Row] = []
        truncated = False
        if form.searched and not form.errors:
            start, end = form.window()
            rows, truncated = store.search_groups(
                conn,
                text=form.text,
                teacher_id=teacher_id,
                date_from=start,
                date_to=end,
                visible_to=visible_to,
                limit=int(current_app.config["SEARCH_LIMIT"]),
            )
        # Only "Sök lärare" shows the teacher list (1,600 names at 5,000 groups): not built for "Sök grupp".
        teachers = store.grader_options(conn, visible_to) if with_teachers else []
        terms = store.terms(conn)
    # url_for once, not per row (200 rows): every group link has the same shape.
    link = url_for("betyg.group", group_id="GROUP_ID")
    results = []
    for r in rows:
        status = rules.group_status(today, r.end_date, r.admitted_count, r.graded_count, r.locked_count)
        results.append(
            {
                "id": r.id,
                "href": link.replace("GROUP_ID", quote(r.id, safe="")),
                "name": r.name,
                "course": f"{r.course_code or ''} {r.course_name or ''}".strip(),
                "end": r.end_date.isoformat(),
                "teachers": r.grader_names,
                "status": status,
                "status_class": status.lower().replace(" ", "-"),
            }
        )
    return results, truncated, teachers, terms, syncer.notice()


@betyg.get("/sok-larare")
@betyg_required
def search_teacher():
    form = SearchForm.from_args(request.args, need_teacher=True)
    results, truncated, teachers, terms, notice = _search(form, form.teacher or None, with_teachers=True)
    if form.searched and form.teacher and form.teacher not in {pid for pid, _ in teachers}:
        # Not one of the listed teachers (a forged id, or a teacher outside the caller's reach).
        form.errors["larare"] = "Välj en lärare i listan."
        results = []
    return render_template(
        "search.html",
        title="Sök lärare",
        mode="larare",
        form=form,
        results=results,
        truncated=truncated,
        teachers=teachers,
        terms=terms,
        ber_notice=notice,
    ), 400 if form.errors else 200


@betyg.get("/sok-grupp")
@betyg_required
def search_group():
    form = SearchForm.from_args(request.args, need_teacher=False)
    results, truncated, teachers, terms, notice = _search(form, None, with_teachers=False)
    return render_template(
        "search.html",
        title="Sök grupp",
        mode="grupp",
        form=form,
        results=results,
        truncated=truncated,
        teachers=teachers,
        terms=terms,
        ber_notice=notice,
    ), 400 if form.errors else 200


# -- the grading view -----------------------------------------------------------------------------
def _open(group_id: str, *, refresh: bool) -> rules.Sheet:
    """The group's sheet for this user: 404 if unknown or not searchable, 403 if not theirs."""
    syncer = get_syncer(current_app)
    if refresh:
        syncer.ensure_current()
        if current_app.config["GROUP_REFRESH"]:
            syncer.refresh_group(group_id)
    sheet = steps.load(group_id)  # None: no such group
    if sheet is None:
        abort(404)
    with _conn() as conn:
        if not _may_open_group(conn, g.user, group_id):
            abort(
                Response(
                    render_template(
                        "no_access.html", title="Betyg", message="Du har inte behörighet till den här betygsgruppen."
                    ),
                    403,
                )
            )
    if not rules.is_searchable(len(sheet.teachers)):
        abort(404)
    return sheet


def _render_sheet(
    sheet: rules.Sheet, choices: rules.Submission, *, errors=(), alert: str | None = None, status: int = 200
):
    today = now().date()
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error.field, []).append(error.message)
    gradeable = rules.is_gradeable(today, sheet.end_date)
    saved = get_flashed_messages(category_filter=["saved"])
    return render_template(
        "grading.html",
        title=sheet.name,
        sheet=sheet,
        choices=choices,
        errors=by_field,
        alert=alert,
        student_rows=student_rows(sheet, choices, by_field, gradeable),
        gradeable=gradeable,
        opens=rules.opens_message(sheet.end_date),
        status=sheet.status(today),
        scale=sheet.scale,
        points_kind=rules.points_kind(sheet.school_type),
        saved=saved,
        catalogue_ready=sheet.catalogue_ready(),
        catalogue_reason=CATALOGUE_NOT_READY,
        ber_notice=get_syncer(current_app).notice(),
    ), status


@betyg.get("/grupp/<group_id>")
@betyg_required
def group(group_id: str):
    sheet = _open(group_id, refresh=True)
    return _render_sheet(sheet, steps.initial_choices(sheet))


@betyg.post("/grupp/<group_id>")
@betyg_required
def first_save(group_id: str):
    """The first Spara: validate and show the summary; nothing is stored."""
    sheet = _open(group_id, refresh=False)
    outcome = steps.check(sheet, rules.Submission.from_form(request.form))
    return _after_check(outcome)


def _after_check(outcome: steps.Outcome):
    if outcome.kind == "stale":
        return _render_sheet(outcome.sheet, outcome.submission, alert=rules.MSG_STALE, status=409)
    if outcome.kind == "errors":
        return _render_sheet(
            outcome.sheet,
            outcome.submission,
            errors=outcome.errors,
            alert=f"{rules.MSG_NOT_SAVED} Rätta uppgifterna som är markerade nedan.",
            status=422,
        )
    sheet, submission = outcome.sheet, outcome.submission
    submission.token = secrets.token_urlsafe(24)  # this summary's confirm is stored once, however often sent
    rows = rules.changes(sheet, submission)
    teachers = [t for t in sheet.teachers if t.person_id in submission.teachers]
    return render_template(
        "summary.html",
        title="Sammanfattning",
        sheet=sheet,
        rows=rows,
        teachers=teachers,
        counts=rules.count_per_grade(sheet.scale, [value for _, value, _ in rows]),
        payload=_signer().dumps(_bound_payload(sheet.id, submission)),
    )


# The summary's signed payload belongs to the group and the user it was made for: posted to another
# group's Sammanfattning, or by another user, it is refused and nothing is stored (its one-time token
# would otherwise answer "Betygen är sparade." there as a replay of what was stored elsewhere).
MSG_OTHER_GROUP = "Sammanfattningen gäller en annan betygsgrupp och sparades inte här. Öppna gruppen och försök igen."
MSG_OTHER_USER = (
    "Sammanfattningen gjordes av en annan användare och sparades inte. Öppna gruppen och gör en egen sammanfattning."
)


def _bound_payload(group_id: str, submission: rules.Submission) -> dict:
    return {**submission.to_payload(), "grp": group_id, "u": g.user.username}


def _binding_refusal(group_id: str, data: dict) -> str | None:
    """Why this payload may not be used here (a Swedish message), or None when it is this group's and user's."""
    if data.get("grp") != group_id:
        return MSG_OTHER_GROUP
    if data.get("u") != g.user.username:
        return MSG_OTHER_USER
    return None


@betyg.post("/grupp/<group_id>/sammanfattning")
@betyg_required
def summary_action(group_id: str):
    """The summary's "Spara" stores; "Tillbaka" returns to the form with every choice intact."""
    sheet = _open(group_id, refresh=False)
    try:
        data = _signer().loads(request.form.get("payload", ""))
        submission = rules.Submission.from_payload(data)
    except (BadSignature, KeyError, TypeError, ValueError):
        return render_template(
            "message.html",
            title="Sammanfattning",
            message="Sammanfattningen kunde inte läsas. Öppna gruppen och försök igen.",
        ), 400
    refusal = _binding_refusal(group_id, data)
    if refusal is not None:  # for Tillbaka too: another group's choices never fill this group's form
        return render_template("message.html", title="Sammanfattning", message=refusal), 403
    action = request.form.get("action", "spara")
    if action == "tillbaka":
        return _render_sheet(sheet, submission)
    if action != "spara":
        return render_template(
            "message.html",
            title="Sammanfattning",
            message="Okänd åtgärd. Klicka på Spara eller Tillbaka i sammanfattningen.",
        ), 400
    outcome = steps.save(group_id, submission, g.user.name)
    if outcome.kind not in ("saved", "replayed"):
        return _after_check(outcome)
    flash("Betygen är sparade och låsta." if outcome.locked else "Betygen är sparade.", "saved")
    return redirect(url_for("betyg.group", group_id=group_id))


# -- the grade catalogue --------------------------------------------------------------------------
def _ready_sheet(group_id: str) -> rules.Sheet:
    """The group's sheet; the request ends with 409 and the reason while any grade is unlocked."""
    sheet = _open(group_id, refresh=False)
    if not sheet.catalogue_ready():
        abort(Response(render_template("message.html", title="Betygskatalog", message=CATALOGUE_NOT_READY), 409))
    return sheet


@betyg.get("/grupp/<group_id>/betygskatalog")
@betyg_required
def catalogue_preview(group_id: str):
    sheet = _ready_sheet(group_id)
    from betyg_harness.mock_pingpong.catalogue.preview import render_preview

    body = render_preview(steps.catalogue_data(sheet))
    return render_template(
        "catalogue_preview.html", title="Betygskatalog", sheet=sheet, body=body, has_h1="<h1" in body.lower()
    )


@betyg.get("/grupp/<group_id>/betygskatalog.pdf")
@betyg_required
def catalogue_pdf(group_id: str):
    sheet = _ready_sheet(group_id)
    from betyg_harness.mock_pingpong.catalogue.pdf import render_pdf

    pdf = render_pdf(steps.catalogue_data(sheet))
    filename = steps.catalogue_filename(sheet)
    return Response(
        pdf, mimetype="application/pdf", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
