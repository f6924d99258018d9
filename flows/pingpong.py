"""Ping Pong flows, composed from the page objects: login, search, grade, catalogue.

Every function takes a Playwright ``page``; ``base_url`` is Ping Pong's address ("" when the
page's context already has it as ``base_url``). Use a context of its own for BER: both systems
may sit on one host, and browsers share cookies across ports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from betyg_harness.flows.errors import (
    AmbiguousGroup,
    BadPersonnummer,
    GradeConflict,
    GradeNotInScale,
    GroupNotFound,
    GroupNotYetGradeable,
    NotLockedAfterSave,
    Stopped,
    StudentNotAdmitted,
    SummaryMismatch,
    TransientError,
    WrongCourse,
)
from betyg_harness.flows.models import GradeResult, GradingState, GroupHit, PersonGrades, StudentRow, Summary
from betyg_harness.flows.pages.pingpong import BetygSearchByGroupPage, BetygSearchByTeacherPage, GradingPage, LoginPage
from betyg_harness.flows.scales import display_personnummer, normalize_personnummer
from betyg_harness.identity import same_number
from betyg_harness.text import close_matches, same_but_for_case_and_spacing, slug

Group = str | GroupHit | GradingPage


def login(page: Page, username: str = "betygsadmin", password: str = "betygsadmin", *, base_url: str = "") -> None:
    """Log in to Ping Pong (LoginFailed on a bad login)."""
    LoginPage(page, base_url).goto().login(username, password)


def find_groups(
    page: Page,
    *,
    teacher: str | None = None,
    group: str | None = None,
    term: str | None = None,
    date_from: date | str | None = None,
    date_to: date | str | None = None,
    base_url: str = "",
) -> list[GroupHit]:
    """Search grade groups: "Sök lärare" when ``teacher`` is given, else "Sök grupp" with ``group``
    (a group name, course or teacher; "" for all). ``term`` is e.g. "HT 2026"."""
    if teacher is not None and group is not None:
        raise ValueError("Ange lärare eller grupp, inte båda.")
    if teacher is not None:
        results = (
            BetygSearchByTeacherPage(page, base_url)
            .goto()
            .search(teacher, term=term, date_from=date_from, date_to=date_to)
        )
    else:
        results = (
            BetygSearchByGroupPage(page, base_url)
            .goto()
            .search(group or "", term=term, date_from=date_from, date_to=date_to)
        )
    return results.hits()


def open_group(
    page: Page, group: Group, *, term: str | None = None, date_from=None, date_to=None, base_url: str = ""
) -> GradingPage:
    """The grading view of ``group``: a name (searched, then clicked), a search hit (its link), or
    an already open grading view."""
    if isinstance(group, GradingPage):
        return group.expect_loaded()
    if isinstance(group, GroupHit) and group.href:
        return GradingPage(page, base_url, name=group.name).goto(group.href)
    name = group.name if isinstance(group, GroupHit) else group
    results = (
        BetygSearchByGroupPage(page, base_url).goto().search(name, term=term, date_from=date_from, date_to=date_to)
    )
    hits = results.hits()
    matches = [h for h in hits if h.name == name]
    if not matches:
        suggestions = close_matches(name, [h.name for h in hits])
        if not suggestions:  # a typo finds nothing: look among every group of the same search
            every = (
                BetygSearchByGroupPage(page, base_url)
                .goto()
                .search("", term=term, date_from=date_from, date_to=date_to)
                .hits()
            )
            suggestions = close_matches(name, [h.name for h in every])
        written_otherwise = bool(suggestions) and same_but_for_case_and_spacing(suggestions[0], name)
        raise GroupNotFound(
            name,
            "sökningen i Ping Pong gav ingen sådan betygsgrupp"
            + ("" if written_otherwise else " (har den betygssättande lärare kopplade i BER?)"),
            suggestions,
        )
    if len(matches) > 1:
        raise AmbiguousGroup(name, len(matches))
    return results.open(name)


@dataclass
class GradeEdits:
    """The grade edits to make in one grading view (what to click), from what it shows and what was
    asked: :func:`plan_grades` makes them, :func:`grade_group` clicks them."""

    to_set: dict[str, str]  # personnummer12 → grade
    already: dict[str, str]
    rows: dict[str, StudentRow]  # personnummer12 → the row the grading view shows


def plan_grades(state: GradingState, grades: Mapping[str, str], *, lock: bool) -> GradeEdits:
    """Compare the asked grades with the screen; raise on students not listed, steps outside the
    scale, or other locked grades (a conflict: nothing is overwritten)."""
    to_set, already, rows, missing, conflicts, names = {}, {}, {}, [], {}, {}
    for raw, grade in grades.items():
        try:
            pnr = normalize_personnummer(raw)
        except ValueError as exc:
            raise BadPersonnummer(str(exc)) from exc
        row = state.student(pnr)
        if row is None:
            missing.append(display_personnummer(pnr))
            continue
        rows[pnr] = row
        who = f"{row.name} ({row.personnummer})"
        if grade not in row.steps:
            raise GradeNotInScale(who, grade, row.steps)
        if row.locked:
            if row.grade == grade:
                already[pnr] = grade
            else:
                conflicts[row.personnummer] = (row.grade or "inget", grade)
                names[row.personnummer] = row.name
        elif row.grade == grade and not lock:
            already[pnr] = grade  # the same draft is already saved
        else:
            to_set[pnr] = grade
    if missing:
        raise StudentNotAdmitted(state.name, missing)
    if conflicts:
        raise GradeConflict(state.name, conflicts, names)
    return GradeEdits(to_set=to_set, already=already, rows=rows)


def check_summary(summary: Summary, plan: GradeEdits, state: GradingState, *, lock: bool, teachers: list[str]) -> None:
    """The summary must show exactly what was asked: each student's grade and lock, the teachers."""
    problems = _summary_row_problems(summary, plan, state, lock=lock)
    shown = set(summary.teachers)
    for t in teachers:
        if t not in shown:
            problems.append(f"läraren {t} saknas i sammanfattningen")
    for t in set(state.teachers) - set(teachers):
        if t in shown:
            problems.append(f"läraren {t} är ibockad men begärdes inte")
    if problems:
        raise SummaryMismatch("Sammanfattningen stämmer inte: " + "; ".join(problems) + ". Inget sparades.")


def _summary_row_problems(summary: Summary, plan: GradeEdits, state: GradingState, *, lock: bool) -> list[str]:
    """Where the summary's rows differ from the plan: a row not asked for (and not as it was),
    another grade or lock than asked, a student asked for and not shown."""
    problems = []
    seen = set()
    for row in summary.rows:
        pnr = next((p for p in plan.to_set if same_number(row.personnummer, p)), None)
        if pnr is None:
            current = next((s for s in state.students if same_number(row.personnummer, s.personnummer)), None)
            if current is None or current.grade != row.grade or current.locked != row.locks:
                problems.append(f"{row.name} {row.grade} finns i sammanfattningen men begärdes inte")
            continue
        seen.add(pnr)
        if row.grade != plan.to_set[pnr] or row.locks != lock:
            problems.append(
                f"{row.name}: {row.grade}/{'Ja' if row.locks else 'Nej'}, "
                f"begärt {plan.to_set[pnr]}/{'Ja' if lock else 'Nej'}"
            )
    for pnr in plan.to_set.keys() - seen:
        problems.append(f"{plan.rows[pnr].name} saknas i sammanfattningen")
    return problems


def grade_group(
    page: Page,
    group: Group,
    grades: Mapping[str, str],
    *,
    lock: bool = True,
    teachers: list[str] | None = None,
    course_code: str | None = None,
    dry_run: bool = False,
    screenshot_dir: Path | str | None = None,
    base_url: str = "",
    term: str | None = None,
    stop: Callable[[], bool] | None = None,
) -> GradeResult:
    """Set ``grades`` (personnummer → step) in ``group``, lock them, tick ``teachers`` (default: all
    the group's grading teachers), Spara, check the summary, Spara, check every grade shows locked.

    Idempotent: students already locked with the asked grade are left alone; another locked grade
    raises GradeConflict before anything is clicked. ``dry_run`` stops at the summary (nothing
    stored) and takes a screenshot into ``screenshot_dir``. Leaves the page on the grading view
    (``result.view``). Every control is clicked by role and accessible name; a summary that differs
    from the request raises SummaryMismatch before anything is stored.

    Round trips per group: three documents (the view, the summary, the view after saving), each
    read in one evaluation (:func:`betyg_harness.flows.aria.read`), and one click per control.

    ``stop``: asked before each student, before the first Spara and before the storing one; when it
    answers true the flow raises :class:`Stopped` and the group is left untouched. Once the storing
    Spara is clicked the flow finishes, so a group is never left half done. When that Spara's answer
    is lost (a timeout, a 5xx, a dropped connection), the error carries ``unconfirmed_save``: the
    grades it sent, which may be stored (``PingPong.grade_group`` counts them as set when its retry
    finds them locked).
    """

    def checkpoint() -> None:
        if stop is not None and stop():
            raise Stopped(getattr(group, "name", str(group)))

    view = open_group(page, group, term=term, base_url=base_url)
    state = view.state()
    _refuse_to_grade(state, course_code)
    plan = plan_grades(state, grades, lock=lock)
    result = GradeResult(
        group=state.name,
        already=PersonGrades(plan.already),
        locked=lock,
        dry_run=dry_run,
        state=state,
        late=state.late,
        view=view,
    )
    if not plan.to_set:
        return result
    chosen = list(state.teachers) if teachers is None else list(teachers)
    names = Counter(st.name for st in state.students)
    for pnr, grade in plan.to_set.items():
        checkpoint()
        row = plan.rows[pnr]
        view.set_grade(row, grade, lock=lock, unique_name=names[row.name] == 1)
    view.tick_teachers(chosen, state)
    checkpoint()
    summary_page = view.save()
    summary = summary_page.read()
    result.summary = summary
    check_summary(summary, plan, state, lock=lock, teachers=chosen)
    if dry_run:
        if screenshot_dir is not None:
            result.screenshot = _screenshot(page, Path(screenshot_dir), state.name)
        return result
    checkpoint()
    try:
        after = summary_page.confirm()
        after.name = state.name
        final = after.state(after.loaded)
    except (TransientError, PlaywrightError) as exc:
        # The storing Spara went out and its answer did not come back: the grades may be stored.
        # Both kinds of error, ours and Playwright's, carry it (read with getattr by the session).
        setattr(exc, "unconfirmed_save", dict(plan.to_set))
        raise
    result.view = after
    wrong = _not_shown_as_saved(plan, final, lock=lock)
    if wrong:
        raise NotLockedAfterSave(
            f"«{state.name}»: efter Spara visas inte betyget som {'låst' if lock else 'sparat'} för {', '.join(wrong)}."
        )
    result.set = PersonGrades(plan.to_set)
    result.state = final
    return result


def _refuse_to_grade(state: GradingState, course_code: str | None) -> None:
    """GroupNotYetGradeable before its first day; WrongCourse when the view shows another course."""
    if state.not_before and not state.can_save:
        raise GroupNotYetGradeable(state.name, f"Betyg kan sättas från och med {state.not_before}.")
    if course_code:
        shown = state.facts.get("Kurs", "")
        if course_code not in shown.replace(",", " ").split():
            raise WrongCourse(state.name, course_code, shown)


def _screenshot(page: Page, directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{_slug(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _not_shown_as_saved(plan: GradeEdits, final: GradingState, *, lock: bool) -> list[str]:
    """The students whose grade the view after Spara does not show as asked (and locked)."""
    return [
        f"{plan.rows[p].name}"
        for p, g in plan.to_set.items()
        if (row := final.student(p)) is None or row.grade != g or (lock and not row.locked)
    ]


def download_catalogue(page: Page, group: Group, directory: Path | str = ".", *, base_url: str = "") -> Path:
    """ "Ladda ned pdf" of the group's betygskatalog into ``directory`` (CatalogueNotReady while any
    admitted student lacks a locked grade)."""
    return open_group(page, group, base_url=base_url).download_catalogue(Path(directory))


def preview_catalogue(page: Page, group: Group, *, base_url: str = "") -> str:
    """ "Förhandsgranska": the preview's text."""
    return open_group(page, group, base_url=base_url).preview_catalogue().text()


def _slug(name: str) -> str:
    return slug(name) or "grupp"
