"""The grading steps as the UI runs them: open, validate (first Spara), store (second Spara), and
the catalogue's data. Rules come from ``grading``; storage from ``repository``."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError, OperationalError

from betyg_harness.mock_kit.app import current_kit, now
from betyg_harness.mock_pingpong import grading, repository
from betyg_harness.mock_pingpong.errors import StaleForm
from betyg_harness.mock_pingpong.catalogue.model import CatalogueData, CatalogueRow


# A save reads its timestamp (the mock clock) and commits under this lock, and the grade API reads
# under it too: so a grade the API does not see yet cannot carry a time inside the window it is
# answering — BER's next window, which starts at this one's end, would otherwise miss it for good.
@contextmanager
def grade_writes():
    """Held by every store of grades and by every read of the grade API (see above), across the
    processes serving Ping Pong when there are several."""
    locks = current_kit().locks
    assert locks is not None  # create_app gives every kit its locks
    with locks.hold("grade_writes"):
        yield


def _opened(sheet: grading.Sheet | None) -> grading.Sheet:
    """The sheet of a group the request has already found (the view answers 404 for no group)."""
    assert sheet is not None
    return sheet


def _locked_grade(student: grading.Student) -> grading.StoredGrade:
    """A student's grade on a sheet whose catalogue is ready (every admitted student locked)."""
    assert student.grade is not None
    return student.grade


@dataclass
class Outcome:
    """What a step decided: ``kind`` is "summary", "errors", "stale" or "saved"."""

    kind: str
    sheet: grading.Sheet
    submission: grading.Submission
    errors: list[grading.FieldError] = field(default_factory=list)
    locked: int = 0


def load(group_id: str) -> grading.Sheet | None:
    with current_kit().db.engine.connect() as conn:
        return repository.load_sheet(conn, group_id)


def initial_choices(sheet: grading.Sheet) -> grading.Submission:
    """A fresh form: the stored drafts pre-chosen, nothing ticked."""
    drafts = {s.person_id: s.grade.value for s in sheet.students if s.grade and not s.grade.locked}
    return grading.Submission(version=sheet.version, grades=drafts)


def check(sheet: grading.Sheet, submission: grading.Submission) -> Outcome:
    """The first Spara: validate only; nothing is stored."""
    if grading.is_stale(sheet.version, submission.version):
        return Outcome("stale", sheet, initial_choices(sheet))
    errors = grading.validate(sheet, submission, now().date())
    return Outcome("errors" if errors else "summary", sheet, submission, errors)


def save(group_id: str, submission: grading.Submission, user_name: str) -> Outcome:
    """The summary's Spara: validate again against the stored state, then store in one transaction.

    Idempotent: the summary's one-time token is recorded with the grades, so a confirm that is
    sent again (a retry after a lost answer, a resubmitted page) answers with what the first one
    stored ("replayed") and never stores twice."""
    kit = current_kit()
    try:
        with grade_writes(), kit.db.engine.begin() as conn:
            replayed = repository.confirmed(conn, submission.token)
            if replayed is not None:
                return Outcome(
                    "replayed", _opened(repository.load_sheet(conn, group_id)), submission, locked=replayed.locked
                )
            sheet = _opened(repository.load_sheet(conn, group_id))
            outcome = check(sheet, submission)
            if outcome.kind != "summary":
                return outcome
            rows = grading.changes(sheet, submission)
            locked = sum(1 for _, _, lock in rows if lock)
            repository.store(conn, sheet, rows, submission.teachers, submission.version, now(), user_name)
            repository.record_confirm(conn, submission.token, group_id, user_name, now(), locked)
    except (StaleForm, OperationalError, IntegrityError):
        # OperationalError: SQLite refused our write because another save committed meanwhile;
        # IntegrityError: the same token was confirmed by a concurrent request. Either the token is
        # now recorded (a replay that raced its original) or someone else saved first (stale).
        with kit.db.engine.connect() as conn:
            replayed = repository.confirmed(conn, submission.token)
        fresh = _opened(load(group_id))
        if replayed is not None:
            return Outcome("replayed", fresh, submission, locked=replayed.locked)
        return Outcome("stale", fresh, initial_choices(fresh))
    return Outcome("saved", _opened(load(group_id)), submission, locked=locked)


def catalogue_data(sheet: grading.Sheet) -> CatalogueData:
    """The catalogue of a fully locked group (the caller checks ``sheet.catalogue_ready()``)."""
    with current_kit().db.engine.connect() as conn:
        huvudman = repository.huvudman_name(conn, sheet.school_unit_id)
        late = grading.graded_late(repository.locked_dates(conn, sheet.id), sheet.end_date)
    names = {t.person_id: t for t in sheet.teachers}
    decided: list[str] = []
    for student in sheet.students:
        for person_id in _locked_grade(student).deciders:
            if person_id not in decided:
                decided.append(person_id)
    signers = [names[p] for p in decided if p in names] or list(sheet.teachers)
    signers.sort(key=lambda t: grading.student_order_key(t.family_name, t.given_name))
    return CatalogueData(
        huvudman=huvudman,
        school_unit=sheet.school_unit_name,
        school_unit_code=sheet.school_unit_code,
        course_code=sheet.course_code,
        course_name=sheet.course_name,
        points=sheet.points or 0,
        points_kind=grading.points_kind(sheet.school_type),
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


def catalogue_filename(sheet: grading.Sheet) -> str:
    """betygskatalog_<kurskod>_<grupp-slug>_<yyyy-mm-dd>.pdf (the date is the betygsdatum)."""
    return f"betygskatalog_{sheet.course_code}_{slug(sheet.name)}_{sheet.end_date.isoformat()}.pdf"


def slug(text: str) -> str:
    import re
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "grupp"
