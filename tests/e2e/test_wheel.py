"""The wheel is the product: built from the checkout, installed into a fresh venv in a folder with no
checkout beside it, and run there with nothing set — the README's plugin example, both mocks on the
embedded default, the robot, the catalogue checker, and ``--version`` on every command."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import sys
import time
import venv
import zipfile
from pathlib import Path

import pytest
import requests

import betyg_harness
from betyg_harness.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "test_grade_small.py"
pytestmark = [
    pytest.mark.xdist_group("wheel"),
    pytest.mark.skipif(shutil.which("git") is None, reason="needs git to list the checkout's files"),
]
GROUP = "SVESVE01 HT26 Kista A"
CSV = (
    "personnummer,kurskod,grupp,betyg,larare\n"
    f"19900602-2397,SVESVE01,{GROUP},A,Anna Lindqvist\n"
    f"19910717-2380,SVESVE01,{GROUP},C,Anna Lindqvist\n"
    f"19961020-2385,SVESVE01,{GROUP},E,Anna Lindqvist\n"
    f"20000105-2380,SVESVE01,{GROUP},F,Anna Lindqvist\n"
)


class Installed:
    def __init__(self, wheel: Path, venv_dir: Path, home: Path):
        self.wheel, self.bin, self.home = wheel, venv_dir / "bin", home

    def env(self) -> dict:
        """Nothing of ours set: a PATH with the venv first, a HOME, a locale."""
        return {"PATH": f"{self.bin}:/usr/bin:/bin", "HOME": os.environ.get("HOME", str(self.home)), "LANG": "C.UTF-8"}

    def run(self, *cmd, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.bin / cmd[0]) if (self.bin / cmd[0]).exists() else cmd[0], *cmd[1:]],
            cwd=cwd or self.home,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )


# Session, not module: pytest regroups parametrized tests ([chromium]) across modules, which would
# tear a module fixture down and build it again mid-module.
@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"  # the tracked files, so building leaves the checkout untouched
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    dist = base / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "-w",
            str(dist),
            str(source),
        ],
        check=True,
        cwd=base,
        timeout=600,
    )
    wheel = next(dist.glob("betyg_harness-*.whl"))
    venv_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(venv_dir)
    subprocess.run(
        [
            str(venv_dir / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"{wheel}[pytest]",
        ],
        check=True,
        cwd=base,
        timeout=900,
    )
    home = base / "elsewhere"  # no checkout, no shared/ beside it
    home.mkdir()
    return Installed(wheel, venv_dir, home)


@pytest.fixture(scope="session")
def robot_only(installed, tmp_path_factory) -> Installed:
    """The same wheel as an administrator installs it for the robot: no extra at all."""
    base = tmp_path_factory.mktemp("robot-only")
    venv_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(venv_dir)
    subprocess.run(
        [
            str(venv_dir / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(installed.wheel),
        ],
        check=True,
        cwd=base,
        timeout=900,
    )
    home = base / "elsewhere"
    home.mkdir()
    return Installed(installed.wheel, venv_dir, home)


def test_the_wheel_holds_one_top_level_name(installed):
    names = {n.split("/")[0] for n in zipfile.ZipFile(installed.wheel).namelist()}
    assert names == {"betyg_harness", f"betyg_harness-{betyg_harness.__version__}.dist-info"}
    listing = zipfile.ZipFile(installed.wheel).namelist()
    for needed in (
        "betyg_harness/reference/pingpong-skolplattform-api/betyg-r11/betyg.xsd",
        "betyg_harness/reference/ss12000-v2.1/openapi_ss12000_version2_1_0.yaml",
        "betyg_harness/reference/PROVENANCE.md",
        "betyg_harness/mock_kit/fonts/DejaVuSans.ttf",
        "betyg_harness/mock_pingpong/templates/grading.html",
        "betyg_harness/mock_ber/templates/ber/group.html",
        "betyg_harness/mock_pingpong/static/style.css",
        "betyg_harness/fixtures/scenarios/default.json",
        "betyg_harness/fixtures/scenario.schema.json",
        "betyg_harness/py.typed",
    ):
        assert needed in listing


def test_the_wheel_holds_no_helper_only_the_suites_and_benchmarks_use(installed):
    """The HTTP form client and the throwaway PostgreSQL live in tests/support/, not in the wheel."""
    listing = zipfile.ZipFile(installed.wheel).namelist()
    only_ours = {"formclient.py", "localpg.py", "pingpong_forms.py"}
    assert not [name for name in listing if name.rsplit("/", 1)[-1] in only_ours]


@pytest.mark.parametrize(
    "command",
    [
        ("betygsrobot",),
        ("betygskatalog-check",),
        ("betyg-mocks",),
        ("betyg-drift",),
        ("python", "-m", "betyg_harness"),
        ("python", "-m", "betyg_harness.mock_pingpong"),
        ("python", "-m", "betyg_harness.mock_ber"),
        ("python", "-m", "betyg_harness.flows"),
        ("python", "-m", "betyg_harness.fixtures.generator"),
        ("python", "-m", "betyg_harness.demo"),
    ],
    ids=lambda c: " ".join(c),
)
def test_every_command_tells_its_version(installed, command):
    result = installed.run(*command, "--version", timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"betyg-harness) {betyg_harness.__version__}" in result.stdout


def test_the_readme_plugin_example_passes_with_nothing_set(installed):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert EXAMPLE.read_text(encoding="utf-8").strip() in readme, "the README shows docs/examples/ verbatim"
    suite = installed.home / "qa-suite"
    suite.mkdir()
    shutil.copy(EXAMPLE, suite / EXAMPLE.name)
    result = installed.run(
        "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", EXAMPLE.name, cwd=suite, timeout=600
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "1 passed" in result.stdout


USER_SUITE = ROOT / "tests" / "user_suite"


def test_the_kept_user_suite_passes_against_the_wheel(installed):
    """A QA engineer's suite written from the README alone (tests/user_suite/: no conftest, no
    helper code of its own), copied into an empty folder and run with the installed wheel."""
    suite = installed.home / "user-suite"
    suite.mkdir()
    tests = sorted(USER_SUITE.glob("test_*.py"))
    for path in tests:
        shutil.copy(path, suite / path.name)
    assert not list(USER_SUITE.glob("conftest.py")), "the user's suite needs no helper code"
    result = installed.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=suite, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    collected = sum(path.read_text(encoding="utf-8").count("\ndef test_") for path in tests)
    assert f"{collected} passed" in result.stdout, result.stdout[-2000:]


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.parametrize("robot_install", ["with-extras", "robot-only"])
def test_the_mocks_and_the_robot_on_the_embedded_default(installed, robot_install, request):
    """``betyg-mocks`` serves both mocks; ``betygsrobot`` grades the default's group with no option but
    its input (on the conventional ports 5001/5002 when they are free, as a user runs it), and
    ``betygskatalog-check`` reads the catalogue — the robot and the checker from the full install and
    from the plain one an administrator has."""
    robot = request.getfixturevalue("robot_only") if robot_install == "robot-only" else installed
    conventional = _free(5001) and _free(5002)
    ports = (5001, 5002) if conventional else (free_port(), free_port())
    work = robot.home / f"run-{robot_install}"
    work.mkdir()
    log = open(work / "mocks.log", "w")
    mocks = subprocess.Popen(
        [
            str(installed.bin / "betyg-mocks"),
            "--pingpong-port",
            str(ports[0]),
            "--ber-port",
            str(ports[1]),
            "--data",
            str(work / "data"),
        ],
        cwd=work,
        env=installed.env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    urls = [f"http://127.0.0.1:{p}" for p in ports]
    try:
        _wait_until_healthy(urls, mocks, work / "mocks.log")
        (work / "betyg.csv").write_text(CSV, encoding="utf-8")
        options = [] if conventional else ["--pingpong-url", urls[0], "--ber-url", urls[1]]
        graded = robot.run(
            "betygsrobot",
            "grade",
            "--input",
            "betyg.csv",
            "--out",
            "ut",
            "--verify-ber",
            "--advance-mock-clock",
            *options,
            cwd=work,
            timeout=300,
        )
        assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
        pdfs = list((work / "ut" / "betygskataloger").glob("*.pdf"))
        assert len(pdfs) == 1
        check = robot.run("betygskatalog-check", str(pdfs[0]), cwd=work)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "19900602-2397" in check.stdout and GROUP in check.stdout
        for url in urls:  # each mock's own page, templates and static files come from the wheel
            assert requests.get(f"{url}/login", timeout=10).status_code == 200
        css = requests.get(f"{urls[0]}/static/style.css", timeout=10)
        assert css.status_code == 200 and "body" in css.text
    finally:
        mocks.terminate()
        mocks.wait(timeout=20)
        log.close()


# What the mocks, the plugin and our own suites need, and an administrator's PC does not.
NOT_FOR_THE_ROBOT = {
    "flask",
    "flask-wtf",
    "sqlalchemy",
    "faker",
    "jsonschema",
    "fastjsonschema",
    "xmlschema",
    "openapi-schema-validator",
    "filelock",
    "pytest",
    "pytest-playwright",
    "pytest-xdist",
    "pypdfium2",
    "psycopg",
    "gunicorn",
}


def test_the_plain_install_holds_the_robot_and_nothing_of_the_mocks(robot_only):
    listed = robot_only.run("python", "-m", "pip", "list", "--format", "json", "--disable-pip-version-check")
    names = {p["name"].lower().replace("_", "-") for p in json.loads(listed.stdout)}
    assert "betyg-harness" in names and "playwright" in names
    assert not names & NOT_FOR_THE_ROBOT, sorted(names & NOT_FOR_THE_ROBOT)
    for command in (
        ("betygsrobot", "--help"),
        ("betygsrobot", "grade", "--help"),
        ("betygskatalog-check", "--help"),
        ("python", "-c", "import betyg_harness.flows, betyg_harness.flows.robot.cli"),
    ):
        done = robot_only.run(*command, timeout=120)
        assert done.returncode == 0, (command, done.stdout[-2000:], done.stderr[-2000:])


@pytest.mark.parametrize(
    "command, extra",
    [
        (("betyg-mocks",), "mocks"),
        (("python", "-m", "betyg_harness"), "mocks"),
        (("python", "-m", "betyg_harness.demo"), "mocks"),
        (("betyg-drift", "--pingpong-url", "http://x"), "drift"),
    ],
    ids=lambda c: " ".join(c) if isinstance(c, tuple) else c,
)
def test_a_command_that_needs_an_extra_says_which(robot_only, command, extra):
    done = robot_only.run(*command, timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f'pip install "betyg-harness[{extra}]"' in done.stderr and "saknas" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    version = robot_only.run(*command[: 1 if command[0] != "python" else 3], "--version", timeout=120)
    assert version.returncode == 0 and betyg_harness.__version__ in version.stdout, version.stdout + version.stderr


@pytest.mark.parametrize(
    "module", ["betyg_harness.mock_ber", "betyg_harness.mock_pingpong", "betyg_harness.fixtures.generator"]
)
def test_a_module_of_the_mocks_run_without_the_extra_ends_saying_which(robot_only, module):
    """The mocks' own ``python -m`` forms import Flask before any code of theirs runs: Python's
    traceback stays, and its last line says what to install."""
    done = robot_only.run("python", "-m", module, "--help", timeout=120)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == 'Installera det: pip install "betyg-harness[mocks]"', done.stderr


def test_pytest_beside_the_plain_install_stays_undisturbed(robot_only):
    """A robot venv where someone also runs their own pytest suite: the entry point loads no plugin
    (no Flask to import, no option or fixture of ours), and a test that asks for one of the plugin's
    fixtures is told which extra to install."""
    pip = robot_only.run(
        "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "pytest", timeout=600
    )
    assert pip.returncode == 0, pip.stderr[-2000:]
    suite = robot_only.home / "own-suite"
    suite.mkdir()
    (suite / "test_own.py").write_text("def test_own_thing():\n    assert 1 + 1 == 2\n", encoding="utf-8")
    (suite / "test_wants_mocks.py").write_text("def test_needs_the_mocks(mock_servers):\n    pass\n", encoding="utf-8")
    own = robot_only.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_own.py", cwd=suite)
    assert own.returncode == 0 and "1 passed" in own.stdout, own.stdout[-3000:] + own.stderr[-3000:]
    wants = robot_only.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_wants_mocks.py", cwd=suite)
    assert wants.returncode == 1, wants.stdout[-3000:] + wants.stderr[-3000:]
    assert 'pip install "betyg-harness[pytest]"' in wants.stdout and "ModuleNotFoundError" not in wants.stdout


def test_one_mock_alone_from_the_wheel(installed):
    port = free_port()
    log = open(installed.home / "ber.log", "w")
    process = subprocess.Popen(
        [str(installed.bin / "python"), "-m", "betyg_harness.mock_ber", "--port", str(port)],
        cwd=installed.home,
        env=installed.env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_healthy([f"http://127.0.0.1:{port}"], process, installed.home / "ber.log")
        groups = requests.get(
            f"http://127.0.0.1:{port}/ss12000/v2.1/groups",
            headers={"Authorization": "Bearer ber-dev-token"},
            timeout=10,
        )
        assert groups.status_code == 200 and groups.json()["data"]
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _wait_until_healthy(urls: list[str], process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(_healthy(u) for u in urls):
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"{urls} did not answer within {timeout} s"
        time.sleep(0.2)  # sleep-ok: polling a process we started, which has no other readiness signal


def _healthy(url: str) -> bool:
    try:
        return requests.get(f"{url}/healthz", timeout=2).ok
    except requests.RequestException:
        return False


ORDINARY_USER = "cloudsdk"  # an ordinary account of this machine's image


def _as_ordinary_user() -> bool:
    import pwd

    try:
        pwd.getpwnam(ORDINARY_USER)
    except KeyError:
        return False
    return (
        os.geteuid() == 0
        and Path("/usr/bin/python3").exists()
        and shutil.which("runuser", path="/usr/sbin:/sbin:/usr/bin") is not None
    )


@pytest.mark.skipif(not _as_ordinary_user(), reason=f"needs root, runuser and the account {ORDINARY_USER}")
def test_an_ordinary_user_with_playwrights_own_chromium_runs_the_readme_example(installed):
    """Not root, a venv of their own, the wheel, and the only Chromium where Playwright keeps its own
    (the machine's headless shell placed there, at the path Playwright names): the README example
    passes and the browser comes from Playwright, not from Debian's folder."""
    from betyg_harness.flows.browser import DEBIAN_HEADLESS_SHELL

    if not DEBIAN_HEADLESS_SHELL.exists():
        pytest.skip("no Chromium on this machine to place where Playwright keeps its own")
    base = Path(tempfile.mkdtemp(prefix="betyg-ordinary-"))  # pytest's own tmp is root's only
    try:
        home = base / "home"
        home.mkdir()
        shutil.copy(installed.wheel, base)
        shutil.copy(EXAMPLE, home)
        subprocess.run(["chown", "-R", ORDINARY_USER, str(base)], check=True)
        base.chmod(0o755)
        env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            **{k: v for k, v in os.environ.items() if k.startswith("PIP_")},
        }

        def as_user(*cmd: str, timeout: float = 600) -> subprocess.CompletedProcess:
            return subprocess.run(
                [
                    shutil.which("runuser", path="/usr/sbin:/sbin:/usr/bin"),
                    "-u",
                    ORDINARY_USER,
                    # runuser sets HOME to the account's own: ours, through env
                    "--",
                    "env",
                    f"HOME={home}",
                    *cmd,
                ],
                cwd=home,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )

        venv_bin = base / "venv" / "bin"
        for step in (
            ("/usr/bin/python3", "-m", "venv", str(base / "venv")),
            (str(venv_bin / "python"), "-m", "pip", "install", "--quiet", f"{base / installed.wheel.name}[pytest]"),
        ):
            done = as_user(*step, timeout=900)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        probe = as_user(
            str(venv_bin / "python"),
            "-c",
            "from playwright.sync_api import sync_playwright\n"
            "with sync_playwright() as p: print(p.chromium.executable_path)",
        )
        own = Path(probe.stdout.strip())
        # Headless runs take Playwright's headless shell, kept beside its Chromium.
        launch = as_user(
            str(venv_bin / "python"),
            "-c",
            "from playwright.sync_api import sync_playwright\n"
            "with sync_playwright() as p:\n    try: p.chromium.launch().close()\n"
            "    except Exception as e: print(e)",
        )
        import re

        named = re.search(r"Executable doesn't exist at (\S+)", launch.stdout)
        assert named and home in Path(named.group(1)).parents, launch.stdout + launch.stderr
        for target in {Path(named.group(1)), own}:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.symlink_to(DEBIAN_HEADLESS_SHELL)
        subprocess.run(["chown", "-R", "-h", ORDINARY_USER, str(home)], check=True)
        source = as_user(
            str(venv_bin / "python"),
            "-c",
            "from betyg_harness.flows.browser import find_browser; print(find_browser().source)",
        )
        assert source.stdout.strip() == "Playwrights egen nedladdning", source.stdout + source.stderr
        run = as_user(str(venv_bin / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", EXAMPLE.name)
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-3000:]
        assert "1 passed" in run.stdout
    finally:
        shutil.rmtree(base, ignore_errors=True)
