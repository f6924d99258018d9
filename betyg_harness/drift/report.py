"""What the drift probe found: findings, the pages it saw, a Rich table, a JSON file, an exit code."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Outcomes that mean "the real system no longer looks the way the harness expects".
DRIFT = {"missing": "saknas", "multiple": "flera träffar", "changed": "ändrad", "dialog": "oväntad dialog",
         "refused": "skrivning stoppad", "contract": "bryter kontraktet"}
# Outcomes that mean "this could not be checked" (nothing known either way).
ERRORS = {"error": "kunde inte kontrolleras"}
OTHER = {"ok": "ok", "absent": "visas inte (väntat)", "note": "notering", "skipped": "hoppades över"}
WORDS = {**OTHER, **DRIFT, **ERRORS}

EXIT_OK, EXIT_DRIFT, EXIT_COULD_NOT_RUN = 0, 1, 2


@dataclass
class Finding:
    """One observation. ``kind``: "locator" (a named locator of a page object), "page", "step"
    (a flow step of the walk), "dialog", "request" (a refused write) or "api"."""
    kind: str
    system: str
    where: str                     # page object class, step name or API path
    what: str                      # the locator's method and label, the step, ...
    status: str                    # a key of WORDS
    detail: str = ""
    count: int | None = None
    selector: str = ""
    hints: list[str] = field(default_factory=list)
    screenshot: str | None = None  # relative to the report folder
    snapshot: str = ""             # the accessible (ARIA) snapshot of that region

    @property
    def is_drift(self) -> bool:
        return self.status in DRIFT

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
    fatal: str = ""                # why the probe could not run at all
    started: str = ""
    finished: str = ""
    folder: Path | None = None
    secrets: list[str] = field(default_factory=list, repr=False)  # redacted from every output

    def add(self, finding: Finding) -> Finding:
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
    def exit_code(self) -> int:
        """0: no drift; 1: drift (whatever else happened); 2: could not run, or parts could not be
        checked and no drift was seen in the rest."""
        if self.drift:
            return EXIT_DRIFT
        if self.fatal or self.errors:
            return EXIT_COULD_NOT_RUN
        return EXIT_OK

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    def verdict(self) -> str:
        if self.exit_code == EXIT_DRIFT:
            return f"Avvikelser: {len(self.drift)} (av {len(self.findings)} kontroller)."
        if self.exit_code == EXIT_COULD_NOT_RUN:
            return "Kunde inte köras: " + (self.fatal or f"{len(self.errors)} kontroller kunde inte göras.")
        return f"Inga avvikelser ({len(self.findings)} kontroller)."

    def describe(self, *, only_problems: bool = True) -> str:
        """Plain text, one line a finding (drift and errors only, by default): for an assertion."""
        lines = [self.verdict()]
        for f in self.findings:
            if only_problems and not (f.is_drift or f.is_error):
                continue
            hint = f" (liknande: {', '.join(f.hints)})" if f.hints else ""
            lines.append(f"- {f.system} · {f.where} · {f.what}: {WORDS[f.status]}"
                         f"{' – ' + f.detail if f.detail else ''}{hint}")
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
            "verdict": self.verdict(), "exit_code": self.exit_code, "fatal": self.fatal,
            "started": self.started, "finished": self.finished, "targets": self.targets, "options": self.options,
            "counts": {"checks": len(self.findings), "drift": len(self.drift), "errors": len(self.errors)},
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
        styles = {**{k: "bold red" for k in DRIFT}, **{k: "yellow" for k in ERRORS}, "ok": "green",
                  "absent": "green", "note": "cyan", "skipped": "dim"}
        for f in self.findings:
            if only_problems and not (f.is_drift or f.is_error):
                continue
            if f.kind == "step" and f.status == "ok":
                continue  # the walk's steps that went well: in the JSON report, not the table
            detail = f.detail + (f" (liknande: {', '.join(f.hints)})" if f.hints else "")
            table.add_row(escape(f.system), escape(f.where), escape(f.what),
                          f"[{styles[f.status]}]{WORDS[f.status]}[/]", escape(self.redact(detail)))
        return table
