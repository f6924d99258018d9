"""Checking one screen against its page object: every named locator (``BasePage.named_locators``)
counted, tables' columns compared, forms' required fields listed, unexpected dialogs noticed.

Nothing here knows a selector: the locators come from the page objects themselves, so the probe
checks exactly what the flows use.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import re
from typing import Any
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError, Locator

from betyg_harness.flows import aria
from betyg_harness.flows.pages.base import BasePage, Expectation
from betyg_harness.drift.report import Finding, PageVisit

# The accessible name of each required control of the form around an element (DOM, read-only).
_REQUIRED_FIELDS = """el => {
  const form = el.closest('form') || el.form;
  if (!form) return null;
  const text = n => (n && (n.innerText || n.textContent) || '').trim().replace(/\\s+/g, ' ');
  const name = e => {
    if (e.getAttribute('aria-label')) return e.getAttribute('aria-label').trim();
    const by = e.getAttribute('aria-labelledby');
    if (by) return by.split(/\\s+/).map(id => text(document.getElementById(id))).join(' ').trim();
    if (e.labels && e.labels.length) return text(e.labels[0]);
    if (e.type === 'radio') {
      const group = e.closest('[role=radiogroup],fieldset');
      if (group) return group.getAttribute('aria-label') || text(group.querySelector('legend'));
    }
    return e.title || e.placeholder || e.name || e.tagName.toLowerCase();
  };
  return Array.from(form.elements)
    .filter(e => e.type !== 'hidden' && (e.required || e.getAttribute('aria-required') === 'true'))
    .map(e => ({name: name(e), type: (e.type || e.tagName).toLowerCase()}));
}"""
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_PART = re.compile(rf"internal:(?P<kind>role|label|text)=(?P<rest>[a-z]+(?:\[[^\]]*\])*|{_QUOTED}[is]?|/[^/]*/)")
_NAME = re.compile(rf"\[name=(?P<q>{_QUOTED})[is]?\]")
_CONTROLS = ("textbox", "combobox", "checkbox", "radio", "spinbutton", "searchbox", "slider", "listbox", "switch")
SNAPSHOT_LINES = 60


def describe_selector(locator: Locator) -> str:
    """The Playwright selector of a locator, as text (for the report)."""
    match = re.search(r"selector='(.*)'>$", str(locator))
    return match.group(1) if match else str(locator)


def _target(selector: str) -> tuple[str, str] | None:
    """(role, name) the selector finally looks for — best effort, for suggesting near matches.
    Nested ``internal:has`` / ``internal:or`` parts are ignored; the last plain part counts."""
    plain = re.split(r" >> internal:(?:has|has-not|or|and)=", selector)[0]
    parts = list(_PART.finditer(plain))
    if not parts:
        return None
    part = parts[-1]
    kind, rest = part["kind"], part["rest"]
    if kind == "role":
        role_match = re.match(r"[a-z]+", rest)
        assert role_match is not None  # _PART's role= alternative starts with [a-z]+
        role = role_match.group(0)
        name = _NAME.search(rest)
        return role, json.loads(name["q"]) if name else ""
    if rest.startswith('"'):
        return ("control" if kind == "label" else "text"), json.loads(re.sub(r"[is]$", "", rest))
    return None


def near_matches(locator: Locator, root: aria.Node, limit: int = 3) -> list[str]:
    """What the page shows that looks like the locator's target: the same role with a similar name
    ('button "Spara betyg"' for 'button "Spara"'), or any role with that name."""
    target = _target(describe_selector(locator))
    if not target:
        return []
    role, name = target
    if not name:
        return []
    scored = [score for node in root.walk() if (score := _near_score(node, role, name)) is not None]
    seen, out = set(), []
    for _, text in sorted(scored, key=lambda s: -s[0]):
        if text not in seen and len(label_of(text)) <= 120:
            seen.add(text)
            out.append(text)
    return out[:limit]


def _near_score(node: aria.Node, role: str, name: str) -> tuple[float, str] | None:
    """How much ``node`` looks like the target (``role`` "``name``"), with how it is shown; None
    when it does not, or when it is the target itself."""
    wanted = name.lower()
    label = node.name or node.text
    if not label or node.role in ("root", "prop"):
        return None
    same_role = node.role == role or (role == "control" and node.role in _CONTROLS) or role == "text"
    similar = wanted in label.lower() or label.lower() in wanted
    ratio = difflib.SequenceMatcher(None, wanted, label.lower()).ratio()
    if label == name and same_role:
        return None  # the thing itself (matched elsewhere, or hidden)
    if same_role and (similar or ratio >= 0.6):
        return 2 + ratio, f'{node.role} "{label}"'
    if label == name:
        return 1.5, f'{node.role} "{label}"'
    return None


def label_of(text: str) -> str:
    return text.split(" ", 1)[-1]


def compare_columns(expected: tuple[str, ...], found: list[str]) -> tuple[list[str], list[str]]:
    """(drift, notes): missing or reordered columns are drift; a new column is only noted (the
    flows read cells by header, so it breaks nothing they do)."""
    drift, notes = [], []
    missing = [c for c in expected if c not in found]
    if missing:
        drift.append("kolumn saknas: " + ", ".join(f"«{c}»" for c in missing))
    present = [c for c in expected if c in found]
    shown = [c for c in found if c in expected]
    if shown != present:
        drift.append(_moved(expected, found, present, shown))
    extra = [c for c in found if c not in expected]
    if extra:
        notes.append("ny kolumn: " + ", ".join(f"«{c}»" for c in extra))
    return drift, notes


def _moved(expected: tuple[str, ...], found: list[str], present: list[str], shown: list[str]) -> str:
    """The columns that moved: those outside the longest run kept in the expected order."""
    kept = set(_longest_common_subsequence(present, shown))
    moved = [
        f"«{c}» står som kolumn {found.index(c) + 1}, väntad {expected.index(c) + 1}" for c in present if c not in kept
    ]
    return "kolumn flyttad: " + "; ".join(moved) + f" (visas: {', '.join(found)})"


def _longest_common_subsequence(a: list[str], b: list[str]) -> list[str]:
    table: list[list[list[str]]] = [[[] for _ in range(len(b) + 1)] for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = (
                [a[i]] + table[i + 1][j + 1] if a[i] == b[j] else max(table[i + 1][j], table[i][j + 1], key=len)
            )
    return table[0][0]


def unknown_required(known: tuple[str, ...], fields: list[dict]) -> list[str]:
    return [
        f"«{f['name']}» ({f['type']})"
        for f in fields
        if not any(fnmatch.fnmatchcase(f["name"], pattern) for pattern in known)
    ]


class Shots:
    """Where screenshots and snapshots go, and which to take ("all", "drift" or "none")."""

    def __init__(self, folder: Path | None, mode: str = "all"):
        self.folder = folder
        self.mode = mode if folder else "none"
        self.n = 0

    def name(self, stem: str, suffix: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem).strip("_")
        assert self.folder is not None  # without a folder the mode is "none": nothing is named
        return self.folder / f"{safe}{suffix}"

    def page(self, page, stem: str) -> str | None:
        if self.mode == "none":
            return None
        self.n += 1
        path = self.name(f"{self.n:02d}-{stem}", ".png")
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            page.screenshot(path=str(path), full_page=True, animations="disabled", timeout=10_000)
        except PlaywrightError:
            return None
        return path.name

    def element(self, locator: Locator, stem: str, *, drift: bool) -> str | None:
        if self.mode == "none" or (self.mode == "drift" and not drift):
            return None
        path = self.name(stem, ".png")
        try:
            if not locator.is_visible():
                return None
            locator.screenshot(path=str(path), animations="disabled", timeout=3_000)
        except PlaywrightError:
            return None
        return path.name

    def text(self, stem: str, text: str) -> str | None:
        if self.mode == "none":
            return None
        path = self.name(stem, ".aria.yml")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path.name


def _excerpt(snapshot: str, needles: list[str]) -> str:
    """The lines of a page snapshot around the near matches (or its start)."""
    lines = snapshot.splitlines()
    hits = [i for i, line in enumerate(lines) if any(label_of(n) in line for n in needles)]
    if not hits:
        return "\n".join(lines[:SNAPSHOT_LINES])
    keep = sorted({j for i in hits for j in range(max(0, i - 3), min(len(lines), i + 4))})
    return "\n".join(lines[j] for j in keep[:SNAPSHOT_LINES])


def check_page(obj: BasePage, *, system: str, shots: Shots) -> tuple[PageVisit, list[Finding]]:
    """Every named locator of ``obj`` on the screen now shown, and the screen itself."""
    page = obj.page
    where = type(obj).__name__
    stem = f"{system}-{where}".replace(" ", "")
    visit = PageVisit(system=system, page=where, url=page.url)
    findings: list[Finding] = []
    try:
        body = page.locator("body").aria_snapshot(timeout=obj.timeout)
    except PlaywrightError as exc:
        findings.append(Finding("page", system, where, "sidan", "error", detail=_first_line(exc)))
        return visit, findings
    root = aria.parse(body)
    visit.screenshot = shots.page(page, stem)
    visit.snapshot_file = shots.text(f"{shots.n:02d}-{stem}", body)
    page_shot, stem = visit.screenshot, f"{shots.n:02d}-{stem}"
    for dialog in root.find_all("dialog") + root.find_all("alertdialog"):
        findings.append(
            Finding(
                "page",
                system,
                where,
                "dialog",
                "dialog",
                detail=f"en dialog visas: «{dialog.name or dialog.all_text()[:80]}»",
                screenshot=visit.screenshot,
                snapshot=_excerpt(body, [f'dialog "{dialog.name}"']),
            )
        )

    expectations = obj.named_locators()
    locators = obj.locators()
    counts = {}
    for attr, locator in locators.items():
        try:
            revealer = expectations[attr].revealed_by
            if revealer and not locator.count() and locators[revealer].count():
                # A menu item shows once its menu is opened: a click on a toggle, no request.
                locators[revealer].first.click(timeout=obj.timeout)
            counts[attr] = locator.count()
        except PlaywrightError as exc:
            counts[attr] = -1
            findings.append(
                Finding(
                    "locator",
                    system,
                    where,
                    f"{attr} «{expectations[attr].label}»",
                    "error",
                    detail=_first_line(exc),
                    selector=describe_selector(locator),
                )
            )
    for attr, expectation in expectations.items():
        n = counts[attr]
        if n < 0:
            continue
        findings.extend(
            _check_locator(
                obj,
                attr,
                expectation,
                locators[attr],
                n,
                counts,
                root,
                body,
                system=system,
                where=where,
                stem=stem,
                shots=shots,
                page_shot=page_shot,
            )
        )
    return visit, findings


def _check_locator(
    obj,
    attr: str,
    exp: Expectation,
    locator: Locator,
    n: int,
    counts: dict,
    root,
    body: str,
    *,
    system: str,
    where: str,
    stem: str,
    shots: Shots,
    page_shot: str | None,
) -> list[Finding]:
    what = f"{attr} «{exp.label}»"
    selector = describe_selector(locator)
    base: dict[str, Any] = dict(kind="locator", system=system, where=where, what=what, count=n, selector=selector)
    if n == 0:
        return [_absent(obj, exp, locator, counts, root, body, page_shot, base)]
    out: list[Finding] = []
    first = locator.first
    if n > 1 and exp.count == "one":
        status, detail = "multiple", f"matchar {n} element, väntat exakt ett"
    else:
        status, detail = "ok", f"matchar {n}" if n > 1 else "matchar"
    notes: list[str] = []
    if exp.columns:
        drift, notes = _column_drift(obj, exp.columns, first)
        if drift:
            status, detail = "changed", "; ".join(drift)
    if exp.form_fields is not None:
        unknown = _unknown_fields(exp.form_fields, first)
        if unknown:
            message = "nytt obligatoriskt fält i formuläret: " + ", ".join(unknown)
            status, detail = "changed", (message if status == "ok" else f"{detail}; {message}")
    try:
        snapshot = first.aria_snapshot(timeout=obj.timeout)
    except PlaywrightError:
        snapshot = ""
    drifted = status != "ok"
    shot = shots.element(first, f"{stem}-{attr}", drift=drifted) or (page_shot if drifted else None)
    out.append(Finding(status=status, detail=detail, screenshot=shot, snapshot=_trim(snapshot), **base))
    for note in notes:
        out.append(Finding(status="note", detail=note, **{**base, "count": n}))
    return out


def _absent(
    obj, exp: Expectation, locator: Locator, counts: dict, root, body: str, page_shot: str | None, base: dict[str, Any]
) -> Finding:
    """A locator that matches nothing: allowed, hidden by what shows instead, or missing."""
    if exp.count == "maybe":
        return Finding(status="absent", detail="visas inte (tillåtet)", **base)
    if exp.unless and counts.get(exp.unless, 0) > 0:
        other = obj.named_locators()[exp.unless].label
        return Finding(status="absent", detail=f"visas inte, eftersom «{other}» visas", **base)
    hints = near_matches(locator, root)
    # Nothing to photograph: the screen it should be on, and the part of its snapshot that
    # holds what looks like it.
    return Finding(
        status="missing",
        detail="matchar inte längre",
        hints=hints,
        screenshot=page_shot,
        snapshot=_excerpt(body, hints),
        **base,
    )


def _column_drift(obj, expected: tuple[str, ...], first: Locator) -> tuple[list[str], list[str]]:
    """(drift, notes) of a table's columns (:func:`compare_columns`); one that cannot be read is noted."""
    notes: list[str] = []
    try:
        table = aria.parse(first.aria_snapshot(timeout=obj.timeout))
        headers, _ = aria.table_rows(table)
    except PlaywrightError as exc:
        headers = []
        notes.append(f"kolumnerna kunde inte läsas: {_first_line(exc)}")
    drift, extra = compare_columns(expected, headers)
    return drift, notes + extra


def _unknown_fields(known: tuple[str, ...], first: Locator) -> list[str]:
    try:
        fields = first.evaluate(_REQUIRED_FIELDS)
    except PlaywrightError:
        fields = None
    return unknown_required(known, fields or [])


def _trim(snapshot: str) -> str:
    lines = snapshot.splitlines()
    return "\n".join(lines[:SNAPSHOT_LINES] + (["  …"] if len(lines) > SNAPSHOT_LINES else []))


def _first_line(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
