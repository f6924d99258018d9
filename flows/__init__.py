"""The grading process as a library: Playwright page objects and flows for Ping Pong and BER.

    from playwright.sync_api import sync_playwright
    from betyg_harness.flows import open_browser, login, grade_group, download_catalogue
    with sync_playwright() as p:
        page = open_browser(p).new_page(base_url="http://127.0.0.1:5001")
        login(page, "betygsadmin", "betygsadmin")
        grade_group(page, "SVESVE01 HT26 Kista A", {"19900602-2397": "A"}, teachers=["Anna Lindqvist"])
        print(download_catalogue(page, "SVESVE01 HT26 Kista A", "katalog/"))

Personnummer: every input accepts any usual written form of a personnummer or samordningsnummer
(``YYYYMMDD-NNNN``, ``YYYYMMDDNNNN``, ``YYMMDD-NNNN``, ``YYMMDDNNNN``, ``+`` for 100 or older), and
every result holds ONE form, ``YYYYMMDD-NNNN`` (as the screens and the catalogue show it):
``StudentRow.personnummer``, ``SummaryRow.personnummer``, ``ExpectedGrade.personnummer``,
``BerGrade.personnummer``, the missing items of ``NotVisibleInBer``, and the keys of
``GradeResult.set`` / ``.already`` — :class:`PersonGrades`, whose ``[]``, ``in``, ``get`` and ``==``
accept any form (``result.set["199006022397"] == result.set["19900602-2397"]``). The rule is
:mod:`betyg_harness.identity`; :func:`person_key` applies it.

Sessions (:class:`PingPong`, :class:`Ber`) add retries and the helpers a suite needs:
``PingPong.group_state(group)``, ``Ber.grades_of(personnummer, group=None)``,
``Ber.unlink_grading_teacher(group, teacher)``. ``wait_until_visible_in_ber(mock=...)`` takes
anything that :class:`AdvancesClock` (``MockControl``, the pytest plugin's ``mock_clock``).
:mod:`flows.api <betyg_harness.flows.api>` holds clients for BER's SS 12000 API
(:class:`Ss12000Client`) and Ping Pong's grade API (:class:`GradeApiClient`).

flows never imports the mocks: it meets Ping Pong and BER over HTTP only.
"""

from betyg_harness.flows.api import ApiError, GradeApiClient, GradeRecord, Ss12000Client
from betyg_harness.flows.browser import find_browser, open_browser
from betyg_harness.flows.ber import (
    AdvancesClock,
    BerWait,
    ExpectedGrade,
    ber_login,
    grades_of,
    link_grading_teacher,
    student_grades,
    student_url,
    unlink_grading_teacher,
    wait_until_visible_in_ber,
)
from betyg_harness.flows import errors as _errors
from betyg_harness.flows.errors import *  # noqa: F401,F403 — the error classes are part of the API
from betyg_harness.flows.mockctl import MockControl
from betyg_harness.flows.models import (
    BerGrade,
    GradeResult,
    GradingState,
    GroupHit,
    PersonGrades,
    StudentRow,
    Summary,
    SummaryRow,
    person_key,
)
from betyg_harness.flows.pingpong import (
    download_catalogue,
    find_groups,
    grade_group,
    login,
    open_group,
    preview_catalogue,
)
from betyg_harness.flows.pages.base import set_timeout
from betyg_harness.flows.session import Ber, PingPong

__all__ = [
    "find_browser",
    "open_browser",
    "login",
    "find_groups",
    "open_group",
    "grade_group",
    "download_catalogue",
    "preview_catalogue",
    "ber_login",
    "link_grading_teacher",
    "unlink_grading_teacher",
    "student_grades",
    "wait_until_visible_in_ber",
    "ExpectedGrade",
    "MockControl",
    "PingPong",
    "Ber",
    "BerWait",
    "set_timeout",
    "GroupHit",
    "GradeResult",
    "GradingState",
    "StudentRow",
    "Summary",
    "BerGrade",
    "SummaryRow",
    "PersonGrades",
    "person_key",
    "AdvancesClock",
    "grades_of",
    "student_url",
    "Ss12000Client",
    "GradeApiClient",
    "GradeRecord",
    "ApiError",
]
__all__ += [n for n, v in vars(_errors).items() if isinstance(v, type) and issubclass(v, Exception)]
