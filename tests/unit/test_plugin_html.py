"""With pytest-html and --html, a failing test's golden-image evidence and drift report are linked
from the report (pytest-playwright links its screenshots and traces the same way)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytest.importorskip("pytest_html")

TESTS = """
from pathlib import Path

from PIL import Image


def test_looks_wrong(assert_matches_golden):
    assert_matches_golden(Image.new("RGB", (40, 20), "blue"), "banner")


def test_drifted(request, tmp_path):
    report = Path("drift") / "drift-report.json"
    report.parent.mkdir(exist_ok=True)
    report.write_text("{}")
    # What drift_probe records (without a probe run: no mocks, no browser).
    request.node.user_properties.append(("drift_report", str(report.resolve())))
    assert False, "drift"
"""


def _run(tmp_path, *args):
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_report.py").write_text(TESTS)
    golden = tmp_path / "golden"
    golden.mkdir()
    from PIL import Image

    Image.new("RGB", (40, 20), "red").save(golden / "banner.png")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:randomly",
            "--golden-dir",
            str(golden),
            "--golden-artifacts",
            str(tmp_path / "artifacts" / "visual"),
            *args,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_the_html_report_links_golden_evidence_and_the_drift_report(tmp_path):
    proc = _run(tmp_path, "--html", "artifacts/report.html")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "2 failed" in proc.stdout
    html = (tmp_path / "artifacts" / "report.html").read_text(encoding="utf-8")
    evidence = sorted(p.name for p in (tmp_path / "artifacts" / "visual").rglob("*.png"))
    assert any("diff" in name for name in evidence), evidence
    for name in evidence:
        # relative to the report, not copied into its assets
        link = (tmp_path / "artifacts" / "visual").rglob(name).__next__().relative_to(tmp_path / "artifacts")
        assert link.as_posix() in html, f"{link} is not linked from the report"
    assert "../drift/drift-report.json" in html
    assert "Driftrapport" in html


def test_without_html_nothing_changes(tmp_path):
    proc = _run(tmp_path)
    assert proc.returncode == 1 and "2 failed" in proc.stdout, proc.stdout + proc.stderr
    assert not (tmp_path / "artifacts" / "report.html").exists()
