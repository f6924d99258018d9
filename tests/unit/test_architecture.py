"""The house (docs/architecture.md), read from the import statements of every module: which part may
import which, kept in one table here. Among its rules: the mocks never import each other, and the
flows reach neither mock nor their shared machinery — they meet only over HTTP, so the flows run
unchanged against the real systems."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from tests.unit.support import PARTS, ROOT


def test_every_import_goes_through_the_one_namespace():
    """``import flows`` works in a checkout only by accident of the current folder; installed, every
    part is ``betyg_harness.<part>``."""
    offenders = []
    for folder in ("betyg_harness", *PARTS, "tests", "bench"):
        for source in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(source.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                modules = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module]
                    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                    else []
                )
                offenders += [
                    f"{source.relative_to(ROOT)}: {m}" for m in modules if m.split(".")[0] in (*PARTS, "harness")
                ]
    assert not offenders


# -- The whole house (issue 20) ------------------------------------------------------------------
# Every Python file of the repository belongs to one part; each part may import the parts listed
# for it, and nothing else. The picture of this table is docs/architecture.md (checked below).
FLOOR_MODULES = (
    "betyg_harness/__init__.py",
    "betyg_harness/identity.py",
    "betyg_harness/ports.py",
    "betyg_harness/scales.py",
    "betyg_harness/scenario.py",
    "betyg_harness/statuses.py",
    "betyg_harness/text.py",
    "betyg_harness/extras.py",
    "betyg_harness/reference/",
)
HOUSE: dict[str, set[str]] = {
    "floor": set(),  # what everything may use: version, identity numbers, grade scales, scenario checks, texts, …
    "fixtures": {"floor"},  # scenarios and the generator
    "flows": {"floor"},  # page objects, flows, the robot: over HTTP only
    "mock_kit": {"floor", "fixtures"},  # what both mocks share
    "mock_ber": {"floor", "fixtures", "mock_kit"},
    "mock_pingpong": {"floor", "fixtures", "mock_kit"},
    "roof": {"floor", "fixtures", "flows", "mock_kit", "mock_ber", "mock_pingpong"},  # plugin, launcher, tools
    "scripts": {"floor"},
    "docs": {"floor", "flows", "roof"},  # the examples a user copies
    "support": {"floor", "flows", "roof"},  # tests/support/: helpers the suites and the benchmarks share
    "bench": {"floor", "fixtures", "flows", "mock_kit", "mock_ber", "mock_pingpong", "roof", "support"},
    "tests": {"floor", "fixtures", "flows", "mock_kit", "mock_ber", "mock_pingpong", "roof", "support"},
}
# Imports the table does not allow yet, each with the change that removes it; the list only shrinks.
NOT_YET: dict[tuple[str, str], str] = {}
# Never reached, not even through another module (module by module, function-level imports too).
NEVER_REACHES = {
    "flows": {"mock_kit", "mock_ber", "mock_pingpong", "fixtures"},
    "mock_ber": {"mock_pingpong", "flows"},
    "mock_pingpong": {"mock_ber", "flows"},
    "floor": set(HOUSE) - {"floor"},
}
CODE_FOLDERS = (
    "betyg_harness",
    "flows",
    "fixtures",
    "mock_kit",
    "mock_ber",
    "mock_pingpong",
    "scripts",
    "docs",
    "bench",
    "tests",
)
# Parts inside a code folder (not shipped; bench uses them too): tests/support/ with the empty
# tests/__init__.py that ``import tests.support`` runs.
SUB_PARTS = {"support": ("tests/__init__.py", "tests/support/")}


def part_of(relative: str) -> str:
    """The part of the house a file (its path from the repository's top, with /) belongs to."""
    top = relative.split("/")[0]
    for part, prefixes in SUB_PARTS.items():
        if relative.startswith(prefixes):
            return part
    if top == "betyg_harness":
        return "floor" if relative.startswith(FLOOR_MODULES) or relative in FLOOR_MODULES else "roof"
    return top


def module_file(module: str) -> str | None:
    """The repository file of an installed module name (``betyg_harness.flows.api`` →
    ``flows/api.py``; ``tests.support.clock`` → ``tests/support/clock.py``), or None when it is
    not ours."""
    bits = module.split(".")
    if bits[0] in ("tests", "bench"):  # not installed: imported from the checkout by their path
        base = ROOT / Path(*bits)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate.relative_to(ROOT).as_posix()
        return None
    if bits[0] != "betyg_harness":
        return None
    folder = bits[1] if len(bits) > 1 and bits[1] in PARTS else "betyg_harness"
    rest = bits[2:] if folder != "betyg_harness" else bits[1:]
    base = ROOT / folder / Path(*rest) if rest else ROOT / folder
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate.relative_to(ROOT).as_posix()
    return None


def _imports(source: Path) -> set[str]:
    """Every module of ours a file imports, with the packages whose __init__ that runs."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        for name in names:
            bits = name.split(".")
            for cut in range(1, len(bits) + 1):  # importing a.b.c runs a, a.b and a.b.c
                path = module_file(".".join(bits[:cut]))
                if path:
                    found.add(path)
    if source.is_relative_to(ROOT):
        found.discard(source.relative_to(ROOT).as_posix())
    return found


@functools.cache
def _graph() -> dict[str, set[str]]:
    """File → the files of ours it imports, for every Python file of the house (read once)."""
    return {
        path.relative_to(ROOT).as_posix(): _imports(path)
        for folder in CODE_FOLDERS
        for path in sorted((ROOT / folder).rglob("*.py"))
        if ".venv" not in path.parts
    }


def _edges(graph: dict[str, set[str]]) -> dict[tuple[str, str], set[str]]:
    edges: dict[tuple[str, str], set[str]] = {}
    for source, targets in graph.items():
        for target in targets:
            pair = (part_of(source), part_of(target))
            if pair[0] != pair[1]:
                edges.setdefault(pair, set()).add(f"{source} → {target}")
    return edges


def test_every_code_folder_is_a_part_of_the_house():
    tops = {p.relative_to(ROOT).parts[0] for p in ROOT.glob("*/**/*.py") if ".venv" not in p.parts}
    tops -= {"build", "artifacts", "betyg_harness.egg-info"}
    assert tops <= set(CODE_FOLDERS), f"folders the house does not place: {sorted(tops - set(CODE_FOLDERS))}"
    assert {part_of(f"{folder}/x.py") for folder in CODE_FOLDERS} | {"floor", *SUB_PARTS} == set(HOUSE)


def test_each_part_imports_only_what_the_house_allows():
    edges = _edges(_graph())
    wrong = {
        f"{a} → {b}": sorted(files)[:3]
        for (a, b), files in edges.items()
        if b not in HOUSE[a] and (a, b) not in NOT_YET
    }
    assert not wrong, wrong


def test_the_list_of_imports_not_yet_allowed_only_shrinks():
    edges = _edges(_graph())
    gone = [pair for pair in NOT_YET if pair not in edges]
    assert not gone, f"no longer imported, take them off NOT_YET: {gone}"


def test_the_house_has_no_cycles():
    """The table has none, so imports it allows cannot make one."""

    def visit(part: str, path: tuple[str, ...]) -> None:
        assert part not in path, f"cycle: {' → '.join((*path, part))}"
        for below in sorted(HOUSE[part]):
            visit(below, (*path, part))

    for part in sorted(HOUSE):
        visit(part, ())


def test_what_must_never_be_reached_is_not_reached_through_any_module():
    graph = _graph()

    def reached(start: str) -> set[str]:
        seen, todo = set(), [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    offenders = {}
    for source in graph:
        banned = NEVER_REACHES.get(part_of(source), set())
        hit = sorted(t for t in reached(source) if part_of(t) in banned)
        if hit:
            offenders[source] = hit[:3]
    assert not offenders, offenders


def test_the_map_in_the_docs_is_this_table():
    """docs/architecture.md draws the house: its table lists each part and what it may import."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] in HOUSE:
            rows[cells[0]] = {c.strip().strip("`") for c in cells[2].split(",") if c.strip() not in ("", "—")}
    assert rows == HOUSE


def test_the_house_sees_imports_and_the_packages_they_run(tmp_path):
    """The measure itself: a lazy import of mock_kit.config is an import of mock_kit (its __init__
    runs), and each file lands in its part."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from betyg_harness.mock_kit.config import build_config\n", encoding="utf-8")
    found = _imports(sample)
    assert found == {"betyg_harness/__init__.py", "mock_kit/__init__.py", "mock_kit/config.py"}
    assert [
        part_of(p)
        for p in (
            "betyg_harness/text.py",
            "betyg_harness/reference/__init__.py",
            "betyg_harness/plugin.py",
            "flows/api.py",
        )
    ] == ["floor", "floor", "roof", "flows"]
    assert ("flows", "mock_kit") not in {(a, b) for a in HOUSE for b in HOUSE[a]}


def test_the_readme_layout_names_every_folder():
    """A newcomer's first map: every folder of code at the top, and every folder of tests/."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme[readme.index("## Layout") :].split("\n## ", 1)[0]
    folders = [f"`{f}/`" for f in CODE_FOLDERS]
    folders += [f"`{p.name}/`" for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name != "__pycache__"]
    assert not [f for f in folders if f not in layout]


# -- Inside each mock: the same file roles (docs/architecture.md, "Inside each mock") ----------------
MOCK_ROLES: dict[str, dict[str, str]] = {
    "factory": {"mock_pingpong": "__init__.py", "mock_ber": "__init__.py"},
    "models": {"mock_pingpong": "models.py", "mock_ber": "models.py"},
    "store": {"mock_pingpong": "store.py", "mock_ber": "store/"},
    "rules": {"mock_pingpong": "rules.py", "mock_ber": "rules.py"},
    "api": {"mock_pingpong": "api.py", "mock_ber": "ss12000/"},
    "ui": {"mock_pingpong": "ui/", "mock_ber": "ui/"},
    "errors": {"mock_pingpong": "errors.py", "mock_ber": "errors.py"},
    "jobs": {"mock_pingpong": "jobs.py", "mock_ber": "jobs/"},
}
MOCKS = ("mock_pingpong", "mock_ber")
# What a mock has beyond the roles: its entry points, and Ping Pong's catalogue document.
MOCK_EXTRAS = {"mock_pingpong": ("__main__.py", "wsgi.py", "catalogue/"), "mock_ber": ("__main__.py", "wsgi.py")}
# Statements that build SQL: only a mock's store may call them (a role's file that grows a query
# moves it to the store). SQL built outside the store today, each with what moves it; only shrinks.
SQL_BUILDERS = {"select", "insert", "update", "delete", "text", "func", "exists", "case", "bindparam"}
SQL_NOT_YET: set[str] = set()


def _role_files(mock: str, role: str) -> list[Path]:
    return _files_of(mock, MOCK_ROLES[role][mock])


def test_both_mocks_have_every_role_where_the_table_says():
    missing = [f"{mock}/{MOCK_ROLES[role][mock]}" for role in MOCK_ROLES for mock in MOCKS]
    missing = [m for m in missing if not (ROOT / m.rstrip("/")).exists()]
    assert not missing
    packages = [f for mock in MOCKS for f in _role_files(mock, "store") + _role_files(mock, "api")]
    assert all(f.is_file() for f in packages)


def test_every_file_of_a_mock_has_a_role_or_is_an_entry_point():
    for mock in MOCKS:
        entries = [MOCK_ROLES[role][mock] for role in MOCK_ROLES] + list(MOCK_EXTRAS[mock])
        owned = {f for entry in entries for f in _files_of(mock, entry)}
        loose = sorted(str(f.relative_to(ROOT)) for f in (ROOT / mock).rglob("*.py") if f not in owned)
        assert not loose, f"{mock}: no role in MOCK_ROLES or MOCK_EXTRAS (docs/architecture.md): {loose}"


def _files_of(mock: str, entry: str) -> list[Path]:
    path = ROOT / mock / entry.rstrip("/")
    return sorted(path.rglob("*.py")) if entry.endswith("/") else [path]


def _sql_built(source: Path) -> list[str]:
    """Calls of SQLAlchemy's statement builders (``select(...)``, ``func.count()``, ``text(...)``)
    imported from sqlalchemy in ``source``."""
    tree = ast.parse(source.read_text(encoding="utf-8"))
    builders = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy")
        for alias in node.names
        if alias.name in SQL_BUILDERS
    }
    hits = []
    for node in ast.walk(tree):
        target = node.func if isinstance(node, ast.Call) else None
        while isinstance(target, ast.Attribute):
            target = target.value
        if isinstance(target, ast.Name) and target.id in builders:
            hits.append(f"{target.id}() line {node.lineno}")
    return hits


def test_only_a_mocks_store_builds_sql():
    store_files = {f for mock in MOCKS for f in _role_files(mock, "store")} | {ROOT / m / "models.py" for m in MOCKS}
    offenders = {}
    for mock in MOCKS:
        for source in sorted((ROOT / mock).rglob("*.py")):
            relative = str(source.relative_to(ROOT))
            if source in store_files or relative in SQL_NOT_YET:
                continue
            if hits := _sql_built(source):
                offenders[relative] = hits[:3]
    assert not offenders, offenders
    still = [f for f in SQL_NOT_YET if not _sql_built(ROOT / f)]
    assert not still, f"no longer builds SQL, take it off SQL_NOT_YET: {still}"


def test_the_sql_check_sees_a_query_outside_the_store(tmp_path):
    view = tmp_path / "view.py"
    view.write_text("from sqlalchemy import func, select\n\ndef f(s):\n    return s.execute(select(func.count()))\n")
    assert len(_sql_built(view)) == 2


def test_the_docs_table_of_mock_roles_is_this_one():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rows = {}
    for line in text[text.index("## Inside each mock") :].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0].strip("`") in MOCK_ROLES:
            rows[cells[0].strip("`")] = {
                "mock_pingpong": cells[2].split()[0].strip("`"),
                "mock_ber": cells[3].split()[0].strip("`"),
            }
    assert rows == MOCK_ROLES
