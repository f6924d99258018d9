"""The drift probe's parts that need no browser: column and form comparisons, near matches, the
read-only guard's rule, the report's verdict and redaction, and the page objects' named locators."""

from __future__ import annotations

import inspect
import json

import pytest

from betyg_harness.drift import checks
from betyg_harness.drift.guard import ReadOnlyGuard
from betyg_harness.drift.probe import ProbeSettings, Target
from betyg_harness.drift.report import EXIT_COULD_NOT_RUN, EXIT_DRIFT, EXIT_OK, DriftReport, Finding
from betyg_harness.flows import aria
from betyg_harness.flows.pages import ber as ber_pages
from betyg_harness.flows.pages import pingpong as pingpong_pages
from betyg_harness.flows.pages.base import BasePage, Expectation
from betyg_harness.flows.pages.pingpong.search import RESULT_COLUMNS
from tests.unit.support import ROOT, imported_parts

COLUMNS = tuple(RESULT_COLUMNS)


def test_a_moved_column_is_named_alone():
    shown = ["Betygsgrupp", "Status", "Kurs", "Kursslut", "Betygssättande lärare"]
    drift, notes = checks.compare_columns(COLUMNS, shown)
    assert drift == ["kolumn flyttad: «Status» står som kolumn 2, väntad 5 (visas: " + ", ".join(shown) + ")"]
    assert notes == []


def test_a_missing_column_is_drift_and_a_new_one_only_a_note():
    drift, notes = checks.compare_columns(COLUMNS, ["Betygsgrupp", "Kurs", "Skola", "Kursslut", "Status"])
    assert drift == ["kolumn saknas: «Betygssättande lärare»"]
    assert notes == ["ny kolumn: «Skola»"]
    assert checks.compare_columns(COLUMNS, list(COLUMNS)) == ([], [])


def test_required_fields_the_flows_do_not_know_are_listed():
    fields = [
        {"name": "Användarnamn", "type": "text"},
        {"name": "Betyg för Åsa Öberg", "type": "radio"},
        {"name": "Skola", "type": "select-one"},
    ]
    assert checks.unknown_required(("Användarnamn", "Betyg för *"), fields) == ["«Skola» (select-one)"]
    assert checks.unknown_required((), []) == []


@pytest.mark.parametrize(
    "selector, target",
    [
        ('internal:role=button[name="Spara"s]', ("button", "Spara")),
        ('internal:role=heading[level=1][name="Betyg"s]', ("heading", "Betyg")),
        ('internal:role=navigation[name="Huvudmeny"i] >> internal:role=link[name="Betyg"s]', ("link", "Betyg")),
        ('internal:label="Fr.o.m."s', ("control", "Fr.o.m.")),
        ('internal:text="Inga betyg har tagits emot."s', ("text", "Inga betyg har tagits emot.")),
        ('internal:role=link[name="x"i] >> internal:or="internal:role=button[name=\\"x\\"i]"', ("link", "x")),
        ('internal:role=table >> internal:has="internal:role=columnheader[name=\\"A\\"s]"', ("table", "")),
        ("internal:text=/Betyg kan sättas/", None),
    ],
)
def test_what_a_selector_looks_for(selector, target):
    assert checks._target(selector) == target


class _FakeLocator:
    def __init__(self, selector):
        self.selector = selector

    def __str__(self):
        return f"<Locator frame=<Frame name= url='http://x/'> selector='{self.selector}'>"


def test_near_matches_suggest_the_renamed_control():
    root = aria.parse(
        '- button "Spara betyg"\n- button "Tillbaka"\n- heading "Spara" [level=2]\n- textbox "Betygsdatum"'
    )
    assert checks.near_matches(_FakeLocator('internal:role=button[name="Spara"s]'), root) == [
        'button "Spara betyg"',
        'heading "Spara"',
    ]
    assert checks.near_matches(_FakeLocator('internal:label="Betygsdatum"s'), root) == []  # itself: not a hint
    assert checks.near_matches(_FakeLocator('internal:role=button[name="Koppla"s]'), root) == []


@pytest.mark.parametrize(
    "method, url, login_open, allowed",
    [
        ("GET", "http://pp:1/betyg/grupp/1", False, True),
        ("HEAD", "http://pp:1/", False, True),
        ("POST", "http://pp:1/login", True, True),
        ("POST", "http://pp:1/login", False, False),  # outside the login step
        ("POST", "http://other:1/login", True, False),  # another origin
        ("POST", "http://pp:1/betyg/grupp/1", True, False),  # Spara, even while logging in
        ("POST", "http://pp:1/betyg/grupp/1/sammanfattning", False, False),
        ("PUT", "http://pp:1/login", True, False),
        ("DELETE", "http://pp:1/x", False, False),
    ],
)
def test_the_guard_lets_only_reads_and_the_login_through(method, url, login_open, allowed):
    guard = ReadOnlyGuard("Ping Pong", "http://pp:1", "/login")
    if login_open:
        with guard.login_window():
            assert guard.allows(method, url) is allowed
    else:
        assert guard.allows(method, url) is allowed
    assert guard.allows("POST", "http://pp:1/login") is False  # the window closes again


def _report(*statuses, fatal=""):
    report = DriftReport(targets={}, secrets=["hemligt-lösen", "tok-123"], fatal=fatal)
    for status in statuses:
        report.add(
            Finding(
                "locator",
                "Ping Pong",
                "GradingPage",
                "save_button «Spara»",
                status,
                detail="lösenordet hemligt-lösen och tok-123 i ett felmeddelande",
            )
        )
    return report


@pytest.mark.parametrize(
    "statuses, fatal, code",
    [
        (("ok", "absent", "note", "skipped"), "", EXIT_OK),
        (("ok", "missing"), "", EXIT_DRIFT),
        (("error", "changed"), "", EXIT_DRIFT),  # drift wins: something did change
        (("ok", "error"), "", EXIT_COULD_NOT_RUN),
        ((), "Ping Pong: inloggningen misslyckades", EXIT_COULD_NOT_RUN),
        (("multiple",), "BER: nåddes inte", EXIT_DRIFT),
    ],
)
def test_exit_codes(statuses, fatal, code):
    assert _report(*statuses, fatal=fatal).exit_code == code


def test_secrets_never_leave_the_report():
    report = _report("missing", "error")
    text = report.to_json() + report.describe()
    from rich.console import Console

    console = Console(record=True, width=300)
    console.print(report.table())
    text += console.export_text()
    assert "hemligt-lösen" not in text and "tok-123" not in text and "***" in text
    assert json.loads(report.to_json())["counts"] == {"checks": 2, "drift": 1, "errors": 1, "unchecked": 0}


def test_the_settings_shown_hold_no_password_or_token():
    settings = ProbeSettings(
        pingpong=Target("http://pp", "admin", "lösen-1"),
        ber=Target("http://ber", "b", "lösen-2"),
        pingpong_token="tok-a",
        ber_token=None,
    )
    shown = json.dumps(settings.public())
    assert "lösen" not in shown and "tok-a" not in shown and '"pingpong_token": "***"' in shown
    assert set(settings.secrets()) == {"lösen-1", "lösen-2", "tok-a"}


PAGES = [getattr(pingpong_pages, n) for n in pingpong_pages.__all__] + [
    getattr(ber_pages, n) for n in ber_pages.__all__
]


@pytest.mark.parametrize("page_cls", PAGES, ids=lambda c: c.__name__)
def test_every_page_object_names_its_locators(page_cls):
    named = page_cls.named_locators()
    assert "marker" in named  # BasePage's mark, kept by every override
    for attr, expectation in named.items():
        assert isinstance(expectation, Expectation) and expectation.count in ("one", "some", "maybe")
        assert list(inspect.signature(getattr(page_cls, attr)).parameters) == ["self"], attr
        for other in (expectation.unless, expectation.revealed_by):
            assert not other or other in named, f"{page_cls.__name__}.{attr}: {other} is not a named locator"


def test_a_subclass_override_keeps_the_mark_and_a_new_mark_wins():
    class Screen(BasePage):
        def marker(self):
            return "h1"

    assert Screen.named_locators()["marker"].label == "sidans kännetecken"
    assert pingpong_pages.LoginPage.named_locators()["marker"].label == "Logga in"
    assert list(pingpong_pages.GradingPage.named_locators())[:2] == ["marker", "students_table"]


def test_the_probe_imports_no_mock():
    """Like the flows, the probe runs against the real systems: it meets them over HTTP only."""
    offenders = {
        str(p.relative_to(ROOT)): sorted(bad)
        for p in sorted((ROOT / "betyg_harness" / "drift").rglob("*.py"))
        if (bad := imported_parts(p) & {"mock_kit", "mock_ber", "mock_pingpong"})
    }
    assert not offenders
