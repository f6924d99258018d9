"""The grading steps as the UI runs them: open, validate (first Spara), store (second Spara), and
the catalogue's data. Rules come from ``rules``; storage from ``store``."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError, OperationalError

from betyg_harness.mock_kit.app import current_kit, now
from betyg_harness.text import ASCII_LOWER, ascii_fold
from betyg_harness.text import slug as text_slug
from betyg_harness.mock_pingpong import rules, store
from betyg_harness.mock_pingpong.catalogue.model import CatalogueData, CatalogueRow
from betyg_harness.mock_pingpong.errors import StaleForm


def _opened(sheet: rules.Sheet | None) -> rules.Sheet:
    """The sheet of a group the request has already found (the view answers 404 for no group)."""
    assert sheet is not None
    return sheet


def _locked_grade(student: rules.Student) -> rules.StoredGrade:
    """A student's grade on a sheet whose catalogue is ready (every admitted student locked)."""
    assert student.grade is not None
    return student.grade


@dataclass
class Outcome:
    """What a step decided: ``kind`` is "summary", "errors", "stale" or "saved"."""

    kind: str
    sheet: rules.Sheet
    submission: rules.Submission
    errors: list[rules.FieldError] = field(default_factory=list)
    locked: int = 0


def load(group_id: str) -> rules.Sheet | None:
    with current_kit().db.engine.connect() as conn:
        return store.load_sheet(conn, group_id)


def initial_choices(sheet: rules.Sheet) -> rules.Submission:
    """A fresh form: the stored drafts pre-chosen, nothing ticked."""
    drafts = {s.person_id: s.grade.value for s in sheet.students if s.grade and not s.grade.locked}
    return rules.Submission(version=sheet.version, grades=drafts)


def check(sheet: rules.Sheet, submission: rules.Submission) -> Outcome:
    """The first Spara: validate only; nothing is stored."""
    if rules.is_stale(sheet.version, submission.version):
        return Outcome("stale", sheet, initial_choices(sheet))
    errors = rules.validate(sheet, submission, now().date())
    return Outcome("errors" if errors else "summary", sheet, submission, errors)


def save(group_id: str, submission: rules.Submission, user_name: str) -> Outcome:
    """The summary's Spara: validate again against the stored state, then store in one transaction.

    Idempotent: the summary's one-time token is recorded with the grades, so a confirm that is
    sent again (a retry after a lost answer, a resubmitted page) answers with what the first one
    stored ("replayed") and never stores twice."""
    kit = current_kit()
    try:
        with store.grade_writes(), kit.db.engine.begin() as conn:
            replayed = store.confirmed(conn, submission.token)
            if replayed is not None:
                return Outcome(
                    "replayed", _opened(store.load_sheet(conn, group_id)), submission, locked=replayed.locked
                )
            sheet = _opened(store.load_sheet(conn, group_id))
            outcome = check(sheet, submission)
            if outcome.kind != "summary":
                return outcome
            rows = rules.changes(sheet, submission)
            locked = sum(1 for _, _, lock in rows if lock)
            store.save_grades(conn, sheet, rows, submission.teachers, submission.version, now(), user_name)
            store.record_confirm(conn, submission.token, group_id, user_name, now(), locked)
    except (StaleForm, OperationalError, IntegrityError):
        # OperationalError: SQLite refused our write because another save committed meanwhile;
        # IntegrityError: the same token was confirmed by a concurrent request. Either the token is
        # now recorded (a replay that raced its original) or someone else saved first (stale).
        with kit.db.engine.connect() as conn:
            replayed = store.confirmed(conn, submission.token)
        fresh = _opened(load(group_id))
        if replayed is not None:
            return Outcome("replayed", fresh, submission, locked=replayed.locked)
        return Outcome("stale", fresh, initial_choices(fresh))
    return Outcome("saved", _opened(load(group_id)), submission, locked=locked)


def catalogue_data(sheet: rules.Sheet) -> CatalogueData:
    """The catalogue of a fully locked group (the caller checks ``sheet.catalogue_ready()``)."""
    with current_kit().db.engine.connect() as conn:
        huvudman = store.huvudman_name(conn, sheet.school_unit_id)
        late = rules.graded_late(store.locked_dates(conn, sheet.id), sheet.end_date)
    names = {t.person_id: t for t in sheet.teachers}
    decided: list[str] = []
    for student in sheet.students:
        for person_id in _locked_grade(student).deciders:
            if person_id not in decided:
                decided.append(person_id)
    signers = [names[p] for p in decided if p in names] or list(sheet.teachers)
    signers.sort(key=lambda t: rules.student_order_key(t.family_name, t.given_name))
    return CatalogueData(
        huvudman=huvudman,
        school_unit=sheet.school_unit_name,
        school_unit_code=sheet.school_unit_code,
        course_code=sheet.course_code,
        course_name=sheet.course_name,
        points=sheet.points or 0,
        points_kind=rules.points_kind(sheet.school_type),
        group_name=sheet.name,
        period_start=sheet.start_date,
        period_end=sheet.end_date,
        grade_date=sheet.end_date,
        rows=[
            CatalogueRow(s.civic_display, s.family_name, s.given_name, _locked_grade(s).value) for s in sheet.students
        ],
        teachers=[t.full_name for t in signers],
        printed_at=now(),
        late=late,
    )


def catalogue_filename(sheet: rules.Sheet) -> str:
    """betygskatalog_<kurskod>_<grupp-slug>_<yyyy-mm-dd>.pdf (the date is the betygsdatum)."""
    return f"betygskatalog_{sheet.course_code}_{slug(sheet.name)}_{sheet.end_date.isoformat()}.pdf"


def slug(text: str) -> str:
    return text_slug(ascii_fold(text).lower(), ASCII_LOWER, sep="-") or "grupp"
