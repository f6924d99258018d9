"""What the drift probe found: findings, the pages it saw, what it could not check and why, a Rich
table, a JSON file, an exit code."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Outcomes that mean "the real system no longer looks the way the harness expects".
DRIFT = {
    "missing": "saknas",
    "multiple": "flera träffar",
    "changed": "ändrad",
    "dialog": "oväntad dialog",
    "refused": "skrivning stoppad",
    "contract": "bryter kontraktet",
}
# Outcomes that mean "this could not be checked" (nothing known either way).
ERRORS = {"error": "kunde inte kontrolleras"}
# A named locator the walk never checked (its screen not reached, or only its "unless" shown):
# no drift seen, but none ruled out either.
UNCHECKED = {"unchecked": "ej kontrollerad"}
OTHER = {"ok": "ok", "absent": "visas inte (väntat)", "note": "notering", "skipped": "hoppades över"}
WORDS = {**OTHER, **DRIFT, **ERRORS, **UNCHECKED}

EXIT_OK, EXIT_DRIFT, EXIT_COULD_NOT_RUN = 0, 1, 2
# 2 also means: a named locator was not reached (unless ``allow_partial``).
EXIT_CODES = {
    EXIT_OK: "inga avvikelser, och varje namngiven lokator kontrollerades (med --allow-partial: "
    "inga avvikelser i det som nåddes)",
    EXIT_DRIFT: "avvikelser (oavsett vad som inte kunde kontrolleras)",
    EXIT_COULD_NOT_RUN: "kunde inte köras, ett steg misslyckades, eller någon namngiven lokator kunde "
    "inte kontrolleras (utan --allow-partial)",
}


@dataclass
class Finding:
    """One observation. ``kind``: "locator" (a named locator of a page object), "page", "step"
    (a flow step of the walk), "dialog", "request" (a refused write) or "api"."""

    kind: str
    system: str
    where: str  # page object class, step name or API path
    what: str  # the locator's method and label, the step, ...
    status: str  # a key of WORDS
    detail: str = ""
    count: int | None = None
    selector: str = ""
    hints: list[str] = field(default_factory=list)
    screenshot: str | None = None  # relative to the report folder
    snapshot: str = ""  # the accessible (ARIA) snapshot of that region
    seen: int = 1  # how often the walk met this same finding (a screen visited twice)

    @property
    def is_drift(self) -> bool:
        return self.status in DRIFT

    @property
    def is_unchecked(self) -> bool:
        return self.status in UNCHECKED

    @property
    def key(self) -> tuple[str, str, str, str, str]:
        """One change: the same locator (or step, dialog, request) with the same kind of outcome."""
        return (self.kind, self.system, self.where, self.what, self.status)

    @property
    def is_error(self) -> bool:
        return self.status in ERRORS


@dataclass
class PageVisit:
    system: str
    page: str
    url: str
    screenshot: str | None = None
    snapshot_file: str | None = None


@dataclass
class DriftReport:
    targets: dict[str, str]
    options: dict = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    pages: list[PageVisit] = field(default_factory=list)
    fatal: str = ""  # why the probe could not run at all
    started: str = ""
    finished: str = ""
    folder: Path | None = None
    secrets: list[str] = field(default_factory=list, repr=False)  # redacted from every output
    allow_partial: bool = False  # the user accepts that some named locators were not reached
    groups: dict[str, str | None] = field(default_factory=dict)  # what each group was used for
    coverage: list[dict] = field(default_factory=list)  # per page object: reached, not, or left out
    reasons: dict[str, str] = field(default_factory=dict, repr=False)  # the walk's "why not" (see coverage)

    def add(self, finding: Finding) -> Finding:
        """Record ``finding``; a drift or unchecked finding already recorded (the same locator, the
        same kind of change: a screen visited twice) is counted, not listed again."""
        if finding.is_drift or finding.is_unchecked:
            same = next((f for f in self.findings if f.key == finding.key), None)
            if same is not None:
                same.seen += 1
                return same
        self.findings.append(finding)
        return finding

    # -- verdict ------------------------------------------------------------------------------
    @property
    def drift(self) -> list[Finding]:
        return [f for f in self.findings if f.is_drift]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def unchecked(self) -> list[Finding]:
        """The named locators the walk did not reach, each with why (``detail``)."""
        return [f for f in self.findings if f.is_unchecked]

    @property
    def checks(self) -> list[Finding]:
        """What was looked at (everything but the list of what was not)."""
        return [f for f in self.findings if not f.is_unchecked]

    @property
    def complete(self) -> bool:
        """Every named locator of every page object the probe walks was reached: checked on its
        screen, or its absence allowed there (``count="maybe"``)."""
        return not self.fatal and not self.unchecked

    @property
    def exit_code(self) -> int:
        """0: no drift and everything reached (or ``allow_partial``); 1: drift (whatever else
        happened); 2: could not run, a step failed, or a named locator was not reached."""
        if self.drift:
            return EXIT_DRIFT
        if self.fatal or self.errors:
            return EXIT_COULD_NOT_RUN
        if self.unchecked and not self.allow_partial:
            return EXIT_COULD_NOT_RUN
        return EXIT_OK

    @property
    def ok(self) -> bool:
        """No drift, and nothing left unchecked unless that was accepted (``allow_partial``)."""
        return self.exit_code == EXIT_OK

    @staticmethod
    def _locators(n: int) -> str:
        return f"{n} namngiven lokator" if n == 1 else f"{n} namngivna lokatorer"

    def _reached(self) -> str:
        expected = sum(p.get("locators", 0) for p in self.coverage)
        return f", alla {expected} namngivna lokatorer nådda" if expected else ""

    def verdict(self) -> str:
        n, unchecked = len(self.checks), len(self.unchecked)
        missing = f" Ej kontrollerat: {self._locators(unchecked)}." if unchecked else ""
        if self.exit_code == EXIT_DRIFT:
            return f"Avvikelser: {len(self.drift)} (av {n} kontroller).{missing}"
        if self.fatal or self.errors:
            return "Kunde inte köras: " + (self.fatal or f"{len(self.errors)} kontroller kunde inte göras.") + missing
        if unchecked and self.allow_partial:
            return (
                f"Delvis kontrollerad (godtaget): {self._locators(unchecked)} ej kontrollerad(e); "
                f"det som kontrollerades ({n} kontroller) stämmer."
            )
        if unchecked:
            return (
                f"Ofullständig: {self._locators(unchecked)} kunde inte kontrolleras; "
                f"det som kontrollerades ({n} kontroller) stämmer."
            )
        return f"Inga avvikelser ({n} kontroller{self._reached()})."

    def groups_line(self) -> str:
        """Which group the walk used for what (empty when none was chosen)."""
        used = [f"{what} «{name}»" if name else f"{what}: ingen" for what, name in self.groups.items()]
        return "Grupper: " + "; ".join(used) + "." if used else ""

    def describe(self, *, only_problems: bool = True) -> str:
        """Plain text, one line a finding (drift, errors and what was not checked, by default): for
        an assertion."""
        lines = [self.verdict()]
        if self.groups:
            lines.append(self.groups_line())
        for f in self.findings:
            if only_problems and not (f.is_drift or f.is_error or f.is_unchecked):
                continue
            hint = f" (liknande: {', '.join(f.hints)})" if f.hints else ""
            times = f" ({f.seen} gånger)" if f.seen > 1 else ""
            lines.append(
                f"- {f.system} · {f.where} · {f.what}: {WORDS[f.status]}"
                f"{' – ' + f.detail if f.detail else ''}{hint}{times}"
            )
        for page in self.coverage:
            if page.get("left_out"):
                lines.append(f"(Utanför sonden: {page['system']} · {page['page']} – {page['left_out']})")
        if self.folder:
            lines.append(f"Rapport: {self.folder / 'drift-report.json'}")
        return self.redact("\n".join(lines))

    # -- output -------------------------------------------------------------------------------
    def redact(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def as_dict(self) -> dict:
        return {
            "verdict": self.verdict(),
            "exit_code": self.exit_code,
            "fatal": self.fatal,
            "complete": self.complete,
            "allow_partial": self.allow_partial,
            "started": self.started,
            "finished": self.finished,
            "targets": self.targets,
            "options": self.options,
            "counts": {
                "checks": len(self.checks),
                "drift": len(self.drift),
                "errors": len(self.errors),
                "unchecked": len(self.unchecked),
            },
            "groups": self.groups,
            "coverage": self.coverage,
            "pages": [asdict(p) for p in self.pages],
            "findings": [{**asdict(f), "drift": f.is_drift, "words": WORDS[f.status]} for f in self.findings],
        }

    def to_json(self) -> str:
        # Redacted as a whole: a secret can hide in any message (a URL, an error, a snapshot).
        return self.redact(json.dumps(self.as_dict(), ensure_ascii=False, indent=2))

    def write(self, folder: Path | None = None) -> Path:
        folder = Path(folder or self.folder or ".")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "drift-report.json"
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    def table(self, *, only_problems: bool = False):
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=f"betyg-drift: {self.verdict()}", show_lines=False)
        for column in ("System", "Var", "Vad", "Utfall", "Detalj"):
            table.add_column(column, overflow="fold")
        styles = {
            **{k: "bold red" for k in DRIFT},
            **{k: "yellow" for k in {**ERRORS, **UNCHECKED}},
            "ok": "green",
            "absent": "green",
            "note": "cyan",
            "skipped": "dim",
        }
        for f in self.findings:
            if only_problems and not (f.is_drift or f.is_error or f.is_unchecked):
                continue
            if f.kind == "step" and f.status == "ok":
                continue  # the walk's steps that went well: in the JSON report, not the table
            detail = (
                f.detail
                + (f" (liknande: {', '.join(f.hints)})" if f.hints else "")
                + (f" ({f.seen} gånger)" if f.seen > 1 else "")
            )
            table.add_row(
                escape(f.system),
                escape(f.where),
                escape(f.what),
                f"[{styles[f.status]}]{WORDS[f.status]}[/]",
                escape(self.redact(detail)),
            )
        return table
