"""BER flows: log in, link a grading teacher, read a student's grades, wait for grades to arrive.

BER learns grades by polling Ping Pong's grade API ("up to 15 minutes"). Python Playwright has
no ``expect.poll``, so :func:`wait_until_visible_in_ber` re-opens the student pages with a
bounded back-off — advancing the mock clock instead of waiting when given a ``mock`` that
:class:`AdvancesClock` (``flows.MockControl``, the pytest plugin's ``mock_clock``).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol, runtime_checkable

from playwright.sync_api import Page

from betyg_harness.flows import aria
from betyg_harness.flows.errors import BerError, NotVisibleInBer, Stopped
from betyg_harness.flows.models import BerGrade, person_key
from betyg_harness.flows.pages.ber import BerGroupPage, BerGroupSearchPage, BerLoginPage, BerStudentPage
from betyg_harness.flows.scales import display_personnummer, normalize_personnummer
from betyg_harness.text import only_digits


@runtime_checkable
class AdvancesClock(Protocol):
    """What ``mock=`` of :func:`wait_until_visible_in_ber` needs: something that moves a mock clock
    forward by ``seconds`` without real waiting. :class:`flows.MockControl` (one mock) and the
    pytest plugin's ``mock_clock`` fixture (both mocks together) satisfy it; so does any object of
    your own with such a method. Its return value is ignored."""

    def advance(self, *, seconds: float) -> object: ...


@dataclass(frozen=True)
class ExpectedGrade:
    """A grade that should show up on the student's page in BER. ``personnummer`` is given in any
    written form and held as ``YYYYMMDD-NNNN`` (ValueError when it is not a valid number)."""

    group: str
    personnummer: str
    course_code: str
    grade: str

    def __post_init__(self):
        object.__setattr__(self, "personnummer", person_key(self.personnummer))


def ber_login(page: Page, username: str = "beradmin", password: str = "beradmin", *, base_url: str = "") -> None:
    """Log in to BER."""
    BerLoginPage(page, base_url).goto().login(username, password)


def open_ber_group(page: Page, group: str, *, base_url: str = "") -> BerGroupPage:
    """Undervisningsgrupper → search by name → the group's page."""
    return BerGroupSearchPage(page, base_url).goto().search(group).open(group)


def link_grading_teacher(page: Page, group: str, teacher: str, *, base_url: str = "") -> None:
    """ "Koppla betygsättande lärare i BER": make ``teacher`` (full name) a grading teacher of ``group``.
    Linking one already linked is a no-op."""
    page_obj = open_ber_group(page, group, base_url=base_url)
    if teacher in page_obj.grading_teachers():
        return
    page_obj.link_teacher(teacher)


def unlink_grading_teacher(page: Page, group: str, teacher: str, *, base_url: str = "") -> None:
    """ "Ta bort <name>" on the group's page. Unlinking one not linked is a no-op."""
    page_obj = open_ber_group(page, group, base_url=base_url)
    if teacher not in page_obj.grading_teachers():
        return
    page_obj.unlink_teacher(teacher)


def student_grades(page: Page, student_url: str, *, base_url: str = "") -> list[BerGrade]:
    """The table "Betyg" of a student page."""
    return BerStudentPage(page, base_url, path=student_url).load()


def student_url(page: Page, personnummer: str, group: str | None = None, *, base_url: str = "") -> str:
    """The BER student page of ``personnummer`` (any written form): found in ``group``'s table
    "Elever" (one search, one group page), or without ``group`` in every group BER's "Sök" lists
    (one page per group until found: pass ``group`` when you know it). BerError when not found."""
    shown = person_key(personnummer)
    wanted = shown.replace("-", "")
    if group is not None:
        url = open_ber_group(page, group, base_url=base_url).student_url(wanted)
        if url is None:
            raise BerError(f"{shown} finns inte i gruppen «{group}» i BER.")
        return url
    BerGroupSearchPage(page, base_url).goto().search("")
    table = aria.parse(page.get_by_role("table").first.aria_snapshot()).find("table")
    links = [link.prop("url") for link in (table.find_all("link") if table else [])]
    for href in (h for h in links if h):
        url = BerGroupPage(page, base_url, name=None).goto(href).student_url(wanted)
        if url is not None:
            return url
    raise BerError(f"{shown} finns inte i någon undervisningsgrupp i BER.")


def grades_of(page: Page, personnummer: str, group: str | None = None, *, base_url: str = "") -> list[BerGrade]:
    """A student's grades in BER (the table "Betyg" of their student page), each with
    ``personnummer`` as ``YYYYMMDD-NNNN``; the page is found as :func:`student_url` finds it."""
    url = student_url(page, personnummer, group, base_url=base_url)
    shown = person_key(personnummer)
    return [dataclasses.replace(g, personnummer=shown) for g in student_grades(page, url, base_url=base_url)]


def _student_urls(page: Page, expected: list[ExpectedGrade], base_url: str) -> dict[ExpectedGrade, str]:
    urls: dict[ExpectedGrade, str] = {}
    for group in sorted({e.group for e in expected}):
        group_page = open_ber_group(page, group, base_url=base_url)
        rows = group_page.students()
        for e in (e for e in expected if e.group == group):
            pnr = normalize_personnummer(e.personnummer)
            url = next(
                (r["url"] for r in rows if r["url"] and normalize_digits(r.get("Personnummer", "")) in (pnr, pnr[2:])),
                None,
            )
            if url is None:
                raise BerError(f"{display_personnummer(pnr)} finns inte i gruppen «{group}» i BER.")
            urls[e] = url
    return urls


def normalize_digits(value: str) -> str:
    return only_digits(value)


@dataclass(frozen=True)
class BerWait:
    """Where a wait for BER stands: ``missing`` of ``total`` grades not shown yet after ``waited``
    (mock time when ``mock_clock``) of at most ``timeout``."""

    missing: int
    total: int
    waited: timedelta
    timeout: timedelta
    mock_clock: bool = False

    def __str__(self) -> str:
        def minutes(d: timedelta) -> str:
            s = int(d.total_seconds())
            return f"{s // 60} min {s % 60:02d} s" if s >= 60 else f"{s} s"

        clock = " (mockens klocka)" if self.mock_clock else ""
        return (
            f"Väntar på BER: {self.missing} av {self.total} betyg syns inte än — {minutes(self.waited)} av "
            f"högst {minutes(self.timeout)}{clock}. BER hämtar betyg från Ping Pong upp till 15 minuter "
            "efter låsningen."
        )


def _still_missing(
    page: Page, pending: list[ExpectedGrade], urls: dict[ExpectedGrade, str], base_url: str
) -> list[ExpectedGrade]:
    """The grades of ``pending`` that their students' BER pages do not show yet (one round)."""
    still: list[ExpectedGrade] = []
    for i, e in enumerate(pending):
        shown = student_grades(page, urls[e], base_url=base_url)
        if not any(g.course_code == e.course_code and g.grade == e.grade for g in shown):
            if not still and i == 0:
                # BER imports in batches: while the first is missing, the rest are too — wait.
                return list(pending)
            still.append(e)
    return still


def wait_until_visible_in_ber(
    page: Page,
    grades: Iterable[ExpectedGrade],
    *,
    timeout: timedelta = timedelta(minutes=20),
    mock: AdvancesClock | None = None,
    step: timedelta = timedelta(minutes=5),
    base_url: str = "",
    stop: Callable[[], bool] | None = None,
    on_wait: Callable[[BerWait], None] | None = None,
) -> int:
    """Re-open each student's BER page until every grade shows, within ``timeout``.

    With ``mock`` (:class:`AdvancesClock`: ``flows.MockControl``, the plugin's ``mock_clock``) the
    mock clock is advanced by ``step`` between rounds, as ``mock.advance(seconds=...)``
    (``timeout`` is mock time): no real waiting. Without it, a real-time back-off from 2 s doubling
    to 60 s. Returns the number of rounds; NotVisibleInBer lists what is still missing at the end
    (each as ``YYYYMMDD-NNNN <kurskod> <betyg>``).

    ``on_wait`` hears a :class:`BerWait` after every round and about once a second while waiting
    (a real wait is up to 15 minutes: say what it waits for). ``stop`` is asked as often; when it
    answers true the wait ends with :class:`Stopped`.
    """
    if mock is not None and not callable(getattr(mock, "advance", None)):
        raise TypeError(
            f"mock= måste kunna flytta klockan fram med advance(seconds=...) (AdvancesClock, t.ex. "
            f"flows.MockControl eller pluginens mock_clock), inte {type(mock).__name__}."
        )
    pending = list(dict.fromkeys(grades))
    total = len(pending)
    urls = _student_urls(page, pending, base_url)
    waited = timedelta()
    delay = timedelta(seconds=2)
    rounds = 0
    deadline = time.monotonic() + timeout.total_seconds()

    def tell() -> None:
        if stop is not None and stop():
            raise Stopped("BER", f"Väntan på BER avbröts: {len(pending)} av {total} betyg syntes inte än.")
        if on_wait is not None:
            on_wait(BerWait(len(pending), total, waited, timeout, mock is not None))

    while True:
        rounds += 1
        pending = _still_missing(page, pending, urls, base_url)
        if not pending:
            return rounds
        tell()
        if mock is not None:
            if waited >= timeout:
                break
            mock.advance(seconds=step.total_seconds())
            waited += step
        else:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            until = time.monotonic() + min(delay.total_seconds(), remaining)
            while (left := until - time.monotonic()) > 0:
                # In slices of a second: the live line moves and a stop is heard at once.
                page.wait_for_timeout(min(left, 1.0) * 1000)  # sleep-ok: real-time back-off against a real BER
                waited = timedelta(seconds=timeout.total_seconds() - max(0.0, deadline - time.monotonic()))
                tell()
            delay = min(delay * 2, timedelta(seconds=60))
    missing = [
        f"{display_personnummer(normalize_personnummer(e.personnummer))} {e.course_code} {e.grade}" for e in pending
    ]
    raise NotVisibleInBer(missing, f"{waited.total_seconds() / 60:.0f} min")
