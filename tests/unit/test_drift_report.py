"""The drift report's coverage, built by hand: what was not reached is listed with why, makes the
probe incomplete (exit 2 unless accepted), and keeps "Inga avvikelser" for a complete walk; one
change seen twice is one finding."""

from __future__ import annotations

import json

import pytest

from betyg_harness.drift import coverage
from betyg_harness.drift.cli import build_parser, settings_from
from betyg_harness.drift.report import EXIT_COULD_NOT_RUN, EXIT_DRIFT, EXIT_OK, DriftReport, Finding, PageVisit
from betyg_harness.flows.pages.base import BasePage, named
from betyg_harness.flows.pages.pingpong import CataloguePreviewPage, GradingPage


class Screen(BasePage):
    @named("Skärmen")
    def marker(self):
        return None

    @named("Spara", unless="not_yet")
    def save(self):
        return None

    @named("Betyg kan sättas från och med …", count="maybe")
    def not_yet(self):
        return None


def _locator(attr: str, status: str, *, label: str | None = None, where: str = "Screen", detail: str = "") -> Finding:
    label = label or Screen.named_locators()[attr].label
    return Finding("locator", "Ping Pong", where, f"{attr} «{label}»", status, detail=detail)


def _assessed(*findings: Finding, visited=("Screen",), reasons=None, **options) -> DriftReport:
    report = DriftReport(targets={}, reasons=dict(reasons or {}), **options)
    report.pages = [PageVisit("Ping Pong", page, "http://pp/") for page in visited]
    for finding in findings:
        report.add(finding)
    coverage.assess(report, [("Ping Pong", Screen), ("Ping Pong", CataloguePreviewPage)])
    return report


def test_a_spara_hidden_by_its_unless_is_not_checked():
    report = _assessed(
        _locator("marker", "ok"),
        _locator("not_yet", "ok"),
        _locator("save", "absent", detail="visas inte, eftersom «Betyg kan sättas …» visas"),
        _locator("marker", "ok", label="sidans kännetecken", where="CataloguePreviewPage"),
        visited=("Screen", "CataloguePreviewPage"),
        reasons={"Ping Pong/Screen.save": "ingen betygsättningsbar grupp hittades"},
    )
    coverage.assess(report, [("Ping Pong", Screen), ("Ping Pong", CataloguePreviewPage)])  # again: the same
    assert [(f.where, f.what, f.detail) for f in report.unchecked] == [
        ("Screen", "save «Spara»", "ingen betygsättningsbar grupp hittades")
    ]
    assert not report.complete and report.exit_code == EXIT_COULD_NOT_RUN and not report.ok
    assert report.verdict().startswith("Ofullständig: 1 namngiven lokator kunde inte kontrolleras")
    assert "save «Spara»: ej kontrollerad – ingen betygsättningsbar grupp hittades" in report.describe()


def test_an_allowed_absence_counts_as_reached_and_a_complete_walk_says_so():
    report = _assessed(
        _locator("marker", "ok"),
        _locator("save", "ok"),
        _locator("not_yet", "absent"),
        _locator("marker", "ok", label="sidans kännetecken", where="CataloguePreviewPage"),
        visited=("Screen", "CataloguePreviewPage"),
    )
    assert report.unchecked == [] and report.complete and report.exit_code == EXIT_OK
    assert report.verdict() == "Inga avvikelser (4 kontroller, alla 4 namngivna lokatorer nådda)."
    assert [(p["page"], p["reached"], p["locators"]) for p in report.coverage] == [
        ("Screen", 3, 3),
        ("CataloguePreviewPage", 1, 1),
    ]


def test_a_screen_never_shown_leaves_each_locator_unchecked_with_the_walks_reason():
    why = "ingen avslutad grupp (alla antagna elever med låsta betyg) hittades bland träffarna"
    report = _assessed(
        _locator("marker", "ok"),
        _locator("save", "ok"),
        _locator("not_yet", "absent"),
        reasons={"Ping Pong/CataloguePreviewPage": why},
    )
    assert [(f.where, f.detail) for f in report.unchecked] == [("CataloguePreviewPage", why)]
    saved = json.loads(report.to_json())
    assert saved["complete"] is False and saved["exit_code"] == 2 and saved["counts"]["unchecked"] == 1
    assert saved["coverage"][1] == {
        "system": "Ping Pong",
        "page": "CataloguePreviewPage",
        "visited": False,
        "locators": 1,
        "reached": 0,
        "unchecked": ["marker"],
        "reason": why,
    }
    # Without a reason from the walk: still listed, never silent.
    bare = _assessed(_locator("marker", "ok"), _locator("save", "ok"), _locator("not_yet", "absent"))
    assert [f.detail for f in bare.unchecked] == ["sidan nåddes inte"]


def test_a_locator_that_could_not_be_counted_is_unchecked_with_the_error():
    report = _assessed(
        _locator("marker", "ok"),
        _locator("save", "error", detail="Timeout 4000ms"),
        _locator("not_yet", "absent"),
        visited=("Screen", "CataloguePreviewPage"),
    )
    assert ("save «Spara»", "kunde inte räknas: Timeout 4000ms") in [(f.what, f.detail) for f in report.unchecked]


@pytest.mark.parametrize(
    "statuses, unchecked, allow, code",
    [
        (("ok",), 0, False, EXIT_OK),
        (("ok",), 1, False, EXIT_COULD_NOT_RUN),  # incomplete: not "no drift"
        (("ok",), 1, True, EXIT_OK),  # ... unless accepted
        (("missing",), 1, False, EXIT_DRIFT),  # drift wins
        (("missing",), 1, True, EXIT_DRIFT),
        (("error",), 1, True, EXIT_COULD_NOT_RUN),  # a failed step is not accepted by allow_partial
    ],
)
def test_exit_codes_with_coverage(statuses, unchecked, allow, code):
    report = DriftReport(targets={}, allow_partial=allow)
    for status in statuses:
        report.add(Finding("locator", "Ping Pong", "GradingPage", "students_table «Elever»", status))
    for n in range(unchecked):
        report.add(
            Finding(
                "coverage",
                "Ping Pong",
                "GradingPage",
                f"save_button{n} «Spara»",
                "unchecked",
                detail="ingen betygsättningsbar grupp hittades",
            )
        )
    assert report.exit_code == code
    assert report.ok is (code == EXIT_OK)
    assert report.verdict().startswith("Inga avvikelser") is (code == EXIT_OK and not unchecked)
    assert report.complete is (unchecked == 0)


def test_the_partial_verdict_is_not_inga_avvikelser():
    report = DriftReport(targets={}, allow_partial=True)
    report.add(Finding("coverage", "BER", "BerStudentPage", "grades_table «Betyg»", "unchecked", detail="inga betyg"))
    assert report.verdict().startswith("Delvis kontrollerad (godtaget): 1 namngiven lokator ej kontrollerad")
    assert "inga avvikelser" not in report.verdict().lower()


def test_one_change_seen_on_two_visits_is_one_finding():
    report = DriftReport(targets={})
    moved = "kolumn flyttad: «Status» står som kolumn 2, väntad 5"
    for _ in range(2):
        report.add(
            Finding(
                "locator", "Ping Pong", "SearchResults", "table «tabellen med sökresultat»", "changed", detail=moved
            )
        )
        report.add(Finding("locator", "Ping Pong", "SearchResults", "marker «Sökresultat»", "ok"))
    assert len(report.drift) == 1 and report.drift[0].seen == 2
    assert len(report.checks) == 3  # the checks that went well are all counted
    assert report.verdict() == "Avvikelser: 1 (av 3 kontroller)."
    assert f"{moved} (2 gånger)" in report.describe()
    assert json.loads(report.to_json())["findings"][0]["seen"] == 2


def test_the_groups_used_are_said():
    report = DriftReport(targets={}, groups={"betygsvyn (Spara)": "A", "Förhandsgranska": None, "BER": "A"})
    assert report.groups_line() == "Grupper: betygsvyn (Spara) «A»; Förhandsgranska: ingen; BER «A»."
    assert report.groups_line() in report.describe()
    assert json.loads(report.to_json())["groups"] == report.groups


def test_the_summary_is_left_out_by_design_and_every_other_page_object_is_covered():
    pages = {cls.__name__ for _, cls in coverage.page_objects()}
    assert {"GradingPage", "CataloguePreviewPage", "SummaryPage", "BerStudentPage"} <= pages
    assert set(coverage.LEFT_OUT) == {("Ping Pong", "SummaryPage")}
    report = DriftReport(targets={})
    coverage.assess(report)
    grading = next(p for p in report.coverage if p["page"] == "GradingPage")
    assert grading["reached"] == 0 and grading["locators"] == len(GradingPage.named_locators())
    assert next(p for p in report.coverage if p["page"] == "SummaryPage")["left_out"]
    assert "Utanför sonden: Ping Pong · SummaryPage" in report.describe()


def test_the_command_takes_allow_partial_and_documents_its_exit_codes():
    parser = build_parser()
    assert settings_from(parser.parse_args(["--allow-partial"])).allow_partial is True
    assert settings_from(parser.parse_args([])).allow_partial is False
    text = " ".join(parser.format_help().split())
    assert "--allow-partial" in text
    for code in ("0 inga avvikelser", "1 avvikelser", "2 kunde inte köras"):
        assert code in text
