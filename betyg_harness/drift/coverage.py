"""What the walk reached: for every named locator of every page object, checked, or not and why.

A locator counts as reached when some visit of its screen checked it (matched, matched too often,
changed or gone: all say something about drift) or found it absent where that is allowed
(``count="maybe"``). Absent "because «…» shows" (``unless``) is *not* reached: a "Spara" hidden by
"Betyg kan sättas från och med …" says nothing about whether "Spara" was renamed. A screen never
shown leaves all its locators unreached. Each gets an "unchecked" finding with the walk's reason
(:attr:`DriftReport.reasons`: "System/Page" for a screen, "System/Page.attr" for one locator).
"""

from __future__ import annotations

from betyg_harness.drift.report import DriftReport, Finding
from betyg_harness.flows.pages import ber as ber_pages
from betyg_harness.flows.pages import pingpong as pingpong_pages
from betyg_harness.flows.pages.base import BasePage

# The statuses that say a locator was looked at on its screen.
CHECKED = frozenset({"ok", "multiple", "changed", "missing"})
# Page objects a read-only walk cannot reach, and why (listed in the report, never counted).
LEFT_OUT = {("Ping Pong", "SummaryPage"): "nås bara genom betygsvyns första Spara (en POST): sonden skriver aldrig"}
NOT_SHOWN = "sidan nåddes inte"


def page_objects() -> list[tuple[str, type[BasePage]]]:
    """Every page object of both systems, as the flows export them."""
    return [("Ping Pong", getattr(pingpong_pages, n)) for n in pingpong_pages.__all__] + [
        ("BER", getattr(ber_pages, n)) for n in ber_pages.__all__
    ]


def reason_key(system: str, page: str, attr: str | None = None) -> str:
    return f"{system}/{page}" + (f".{attr}" if attr else "")


def assess(report: DriftReport, pages: list[tuple[str, type[BasePage]]] | None = None) -> None:
    """Add an "unchecked" finding for each named locator not reached and fill ``report.coverage``
    (anew: a second call replaces what the first found)."""
    report.findings = [f for f in report.findings if f.kind != "coverage"]
    by_locator: dict[tuple[str, str, str], list[Finding]] = {}
    for f in report.findings:
        if f.kind == "locator":
            by_locator.setdefault((f.system, f.where, f.what), []).append(f)
    visited = {(v.system, v.page) for v in report.pages}
    report.coverage = []
    for system, cls in pages if pages is not None else page_objects():
        page = cls.__name__
        if (system, page) in LEFT_OUT:
            report.coverage.append(
                {"system": system, "page": page, "locators": 0, "reached": 0, "left_out": LEFT_OUT[(system, page)]}
            )
            continue
        report.coverage.append(_assess_page(report, system, cls, by_locator, visited))


def _assess_page(
    report: DriftReport,
    system: str,
    cls: type[BasePage],
    by_locator: dict[tuple[str, str, str], list[Finding]],
    visited: set[tuple[str, str]],
) -> dict:
    """One page object's coverage; an "unchecked" finding for each of its locators not reached."""
    page = cls.__name__
    expectations = cls.named_locators()
    page_reason = report.reasons.get(reason_key(system, page)) or (
        "" if (system, page) in visited else f"sonden avbröts: {report.fatal}" if report.fatal else NOT_SHOWN
    )
    unreached = []
    for attr, exp in expectations.items():
        what = f"{attr} «{exp.label}»"
        seen = by_locator.get((system, page, what), [])
        if any(f.status in CHECKED or (f.status == "absent" and exp.count == "maybe") for f in seen):
            continue
        why = report.reasons.get(reason_key(system, page, attr)) or _unreached_reason(seen, page_reason)
        unreached.append(attr)
        report.add(Finding("coverage", system, page, what, "unchecked", detail=why))
    return {
        "system": system,
        "page": page,
        "visited": (system, page) in visited,
        "locators": len(expectations),
        "reached": len(expectations) - len(unreached),
        "unchecked": unreached,
        **({"reason": page_reason} if page_reason else {}),
    }


def _unreached_reason(seen: list[Finding], page_reason: str) -> str:
    """Why a locator was not reached, from what its visits found (none: the screen's reason)."""
    errors = [f.detail for f in seen if f.status == "error"]
    absent = [f.detail for f in seen if f.status == "absent"]
    if errors:
        return "kunde inte räknas: " + errors[0]
    if absent:
        return absent[0] + (f" ({page_reason})" if page_reason else "")
    return page_reason or "sidan kunde inte läsas"
