"""The documentation site: it builds with ``mkdocs build --strict``, every relative link in the
README and the docs lands on a file of the repository, and the command reference keeps up with the
commands' ``--help``."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent

FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`[^`\n]*`")
INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
HTML_LINK = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)["']""")


def markdown_files() -> list[Path]:
    return [
        ROOT / "README.md",
        *sorted(p for p in DOCS.rglob("*.md") if "examples" not in p.relative_to(DOCS).parts),
    ]


def link_targets(text: str) -> list[str]:
    """Every link target outside code: inline, reference-style and raw HTML."""
    prose = INLINE_CODE.sub("", FENCE.sub("", text))
    return [m.group(1) for pattern in (INLINE_LINK, REFERENCE_LINK, HTML_LINK) for m in pattern.finditer(prose)]


def broken_links(files: list[Path]) -> list[str]:
    broken = []
    for path in files:
        for target in link_targets(path.read_text(encoding="utf-8")):
            if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("#"):
                if not re.match(r"(mailto|https?):", target, re.IGNORECASE) and not target.startswith("#"):
                    broken.append(f"{path.relative_to(ROOT)}: {target} (a scheme the site cannot follow)")
                continue
            if target.startswith("/"):
                broken.append(f"{path.relative_to(ROOT)}: {target} (absolute: points off the repository)")
                continue
            resolved = (path.parent / target.split("#", 1)[0]).resolve()
            if not resolved.is_relative_to(ROOT) or not resolved.exists():
                broken.append(f"{path.relative_to(ROOT)}: {target}")
    return broken


def test_the_link_checker_sees_links_and_ignores_code():
    text = '[a](docs/a.md) ![i](img.png) `[no](code.md)`\n```\n[no](fence.md)\n```\n[r]: docs/r.md\n<a href="h.md">'
    assert link_targets(text) == ["docs/a.md", "img.png", "docs/r.md", "h.md"]


def test_every_relative_link_in_the_readme_and_the_docs_resolves_in_the_repository():
    files = markdown_files()
    assert len(files) > 5, files
    assert not broken_links(files)


def test_the_readme_points_into_the_site():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    linked = {t.split("#", 1)[0] for t in link_targets(readme)}
    for page in (
        "docs/first-suite.md",
        "docs/term-end.md",
        "docs/ci.md",
        "docs/plugin.md",
        "docs/control-api.md",
        "docs/cli.md",
        "docs/ss12000.md",
    ):
        assert page in linked, f"README.md does not link {page}"


@pytest.mark.skipif(
    not (importlib.util.find_spec("mkdocs") and importlib.util.find_spec("material")),
    reason="mkdocs and mkdocs-material are not installed (pip install -e '.[test]')",
)
def test_the_site_builds_strictly(tmp_path):
    """Strict: a broken link, an anchor that is not there, a page outside the nav or a missing
    snippet fails the build."""
    assert (ROOT / "mkdocs.yml").is_file(), "no mkdocs.yml at the repository's top"
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(site),
        ],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (site / "index.html").is_file()
    # The plugin page shows the example file itself (a snippet), not a copy that could drift.
    assert "Skärholmen A" in (site / "plugin" / "index.html").read_text(encoding="utf-8")
    # Offline: no web fonts, no link to the theme's home.
    pages = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.html"))
    assert "fonts.googleapis.com" not in pages and "squidfunk" not in pages


# docs/cli.md is generated from these (``python tests/unit/test_docs_site.py`` rewrites it).
COMMANDS = [
    (
        ["betygsrobot"],
        (
            "The bulk-grading robot: the guide is [A term end](term-end.md); the print bundle is "
            "[Utskriftsbunt](print-bundle.md)."
        ),
    ),
    (["betygsrobot", "grade"], ""),
    (["betygsrobot", "validate"], ""),
    (["betygsrobot", "print"], "See [Utskriftsbunt](print-bundle.md)."),
    (
        ["betyg-mocks"],
        (
            "Both mocks in the foreground (`make serve`); the mocks' control API is in "
            "[The control API](control-api.md)."
        ),
    ),
    (
        ["betyg-drift"],
        "The read-only drift probe: [Drift probe and visual regression](drift-and-visual.md).",
    ),
    (
        ["betygskatalog-check"],
        "The catalogue checker, the same as the plugin's `assert_catalogue`.",
    ),
    (
        ["python", "-m", "betyg_harness.fixtures.generator"],
        "The scenario generator: see [Scenarios and test data](scenarios.md).",
    ),
]
CLI_HEAD = """# Commands

Every command the package installs, with its `--help` (the options' help is in Swedish, the UI's
language). Each also answers `--version`. Without the installed scripts: `python -m betyg_harness`
is `betyg-mocks`, `python -m betyg_harness.flows` is `betygsrobot`.
"""


def help_of(argv: list[str]) -> str | None:
    """The command's --help as a 100-column terminal shows it; None when it has no such command."""
    script = BIN / argv[0]
    if not script.exists() and script.with_suffix(".exe").exists():
        script = script.with_suffix(".exe")
    if not script.exists():
        return None
    done = subprocess.run(
        [str(script), *argv[1:], "--help"],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
        timeout=120,
    )
    return done.stdout if done.returncode == 0 else None


def render_cli_reference() -> str:
    parts = [CLI_HEAD]
    for argv, note in COMMANDS:
        shown = help_of(argv)
        if shown is not None:
            parts.append(
                f"## `{' '.join(argv)}`\n\n"
                + (note + "\n\n" if note else "")
                + "```text\n"
                + shown.rstrip()
                + "\n```\n"
            )
    return "\n".join(parts)


@pytest.mark.parametrize("argv", [argv for argv, _ in COMMANDS], ids=" ".join)
def test_the_command_reference_names_every_option(argv):
    """docs/cli.md is the commands' --help: an option added to a command shows up there or fails here."""
    shown = help_of(argv)
    if shown is None:
        pytest.skip(f"{' '.join(argv)} has no --help here (not installed, or no such subcommand yet)")
    reference = (DOCS / "cli.md").read_text(encoding="utf-8")
    assert f"## `{' '.join(argv)}`" in reference, f"docs/cli.md lacks {' '.join(argv)}: run python {__file__}"
    missing = sorted(
        set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]+", shown)) - set(re.findall(r"--[a-z][a-z0-9-]+", reference))
    )
    assert not missing, f"docs/cli.md lacks {missing} of {' '.join(argv)}: run python {__file__}"


if __name__ == "__main__":
    (DOCS / "cli.md").write_text(render_cli_reference(), encoding="utf-8")


def pytest_output(tmp_path: Path, *args: str) -> str:
    """What a user of the installed plugin sees from ``pytest <args>`` in an empty folder."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        check=False,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "100"},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_plugin_reference_names_every_fixture_option_and_marker(tmp_path):
    """docs/plugin.md covers what the plugin registers: its fixtures (``pytest --fixtures``), its
    options (``pytest --help``, the plugin's group) and its markers."""
    reference = (DOCS / "plugin.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"`([^`\s(]+)", reference))
    fixtures, section = [], ""
    for line in pytest_output(tmp_path, "--fixtures").splitlines():
        if line.startswith("-") and "fixtures defined from" in line:
            section = line.strip("- ").removeprefix("fixtures defined from ")
        elif section in {
            "betyg_harness.plugin",
            "betyg_harness.plugin_helpers",
        } and re.match(r"[a-z]\w* ", line):
            fixtures.append(line.split()[0])
    assert "mock_servers" in fixtures and "pingpong_as" in fixtures, fixtures
    help_text = pytest_output(tmp_path, "--help")
    group = help_text.split("(betyg-harness):", 1)[1].split("\n\n", 1)[0]
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]+", group))
    assert "--pingpong-url" in options, group
    markers = {
        m.split("(")[0].split(":")[0]
        for m in re.findall(r"^@pytest\.mark\.(\S+)", pytest_output(tmp_path, "--markers"), re.MULTILINE)
    }
    ours = {"scenario", "drift", "fail_fast"} & markers
    assert ours == {"scenario", "drift", "fail_fast"}, markers
    missing = sorted(
        {f for f in fixtures if f not in documented}
        | {o for o in options if o not in reference}
        | {m for m in ours if m not in reference}
    )
    assert not missing, f"docs/plugin.md does not mention {missing}"
