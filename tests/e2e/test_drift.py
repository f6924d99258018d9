"""The drift probe against the mocks: no drift on the normal Ping Pong and BER, every change of the
upgraded Ping Pong (``PINGPONG_UI_VARIANT=upgrade``) named once, nothing written on the way, no
secret in what it leaves behind, what it could not reach said (not passed over) — and
``betyg-drift``'s exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from betyg_harness.drift import EXIT_COULD_NOT_RUN, EXIT_DRIFT, EXIT_OK, ProbeSettings, Target, run_probe
from betyg_harness.launcher import start_mocks
from betyg_harness.ports import free_port
from betyg_harness.mock_pingpong.ui.variant import CHANGES
from tests.support.pingpong_forms import PingPongForms

SVE = "SVESVE01 HT26 Kista A"
NOT_YET = "MATMAT01a VT27 Kista A"  # the default scenario's group whose course ends 2027-01-22
WINDOW = {"grades_from": "2026-12-18T00:00+01:00", "grades_to": "2026-12-19T00:00+01:00"}
SECRETS = ("ber-dev-token", "pingpong-dev-token")


def _window():
    return {k: datetime.fromisoformat(v) for k, v in WINDOW.items()}


def lock_every_grade(pingpong_url: str, group: str = SVE) -> None:
    """Every admitted student of ``group`` graded and locked, over plain HTTP (the catalogue is ready)."""
    other = PingPongForms(pingpong_url).login()
    group_id = other.group_id(group)
    form = other.open(group_id)
    summary = other.first_save(form, {pnr: "A" for pnr in form.students}, lock=True, teachers=list(form.teachers))
    assert other.confirm(group_id, summary).status_code == 302


def import_into_ber(ber) -> None:
    """BER's grade import runs every 15 minutes of its clock: one run, so the locked grades show on
    its students' pages (the probe checks their table "Betyg")."""
    ber.advance(minutes=16)


def _settings(pair, folder: Path, **extra) -> ProbeSettings:
    return ProbeSettings(
        pingpong=Target(pair.pingpong.url, "betygsadmin", "betygsadmin"),
        ber=Target(pair.ber.url, "beradmin", "beradmin"),
        pingpong_token="pingpong-dev-token",
        ber_token="ber-dev-token",
        delay=0,
        timeout=4,
        report_dir=folder,
        **{"group": SVE, **_window(), **extra},
    )


def _no_secrets_in(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".yml"):
            text = path.read_text(encoding="utf-8")
            assert not [s for s in SECRETS if s in text], path


@pytest.fixture
def locked(scenario, mock_servers, journal):
    """The default scenario with SVESVE01's grades locked (its catalogue ready) and imported into
    BER, journals empty."""
    lock_every_grade(mock_servers.pingpong.url)
    import_into_ber(mock_servers.ber)
    journal.clear()


@pytest.mark.drift(group=SVE, screenshots="drift", **_window())
def test_no_drift_on_the_normal_mocks(locked, drift_report, journal):
    report = drift_report
    assert report.exit_code == EXIT_OK, report.describe()
    assert report.complete and report.unchecked == [] and report.ok
    assert report.verdict().startswith("Inga avvikelser")
    seen = {(p.system, p.page) for p in report.pages}
    assert seen >= {
        ("Ping Pong", name)
        for name in (
            "LoginPage",
            "BetygPage",
            "BetygSearchByGroupPage",
            "BetygSearchByTeacherPage",
            "SearchResults",
            "GradingPage",
            "CataloguePreviewPage",
        )
    }
    assert seen >= {
        ("BER", name)
        for name in ("BerLoginPage", "BerGroupSearchPage", "BerGroupPage", "BerStudentPage", "BerImportLogPage")
    }
    locators = [f for f in report.findings if f.kind == "locator"]
    assert len(locators) > 50 and all(f.status in ("ok", "absent") for f in locators)
    # The grade API (with this group's four locked grades) and SS 12000: checked and valid.
    apis = [f for f in report.findings if f.kind == "api"]
    assert len(apis) == 8 and all(f.status == "ok" for f in apis), [(f.what, f.detail) for f in apis]
    assert next(f for f in apis if "skolplattform" in f.what).count == 4
    # Read-only: the only writes either system saw are the two logins.
    assert [e["path"] for e in journal.pingpong(method="POST")] == ["/login"]
    assert [e["path"] for e in journal.ber(method="POST")] == ["/login"]
    saved = json.loads((report.folder / "drift-report.json").read_text(encoding="utf-8"))
    assert saved["exit_code"] == 0 and saved["counts"]["drift"] == 0
    assert saved["complete"] is True and saved["counts"]["unchecked"] == 0
    assert all(p["reached"] == p["locators"] for p in saved["coverage"])
    _no_secrets_in(report.folder)


def test_without_a_group_it_picks_one_for_each_screen_and_says_which(locked, drift_probe, journal):
    """No group given: a gradeable group for the grading view (Spara shows) and a finished one for
    Förhandsgranska, named in the report — and every named locator reached."""
    report = drift_probe(group=None, screenshots="none")
    assert report.exit_code == EXIT_OK, report.describe()
    assert report.groups == {"betygsvyn (Spara)": SVE, "Förhandsgranska": SVE, "BER": SVE}
    assert f"Förhandsgranska «{SVE}»" in report.describe()
    save = [f for f in report.findings if f.where == "GradingPage" and f.what.startswith("save_button")]
    assert save and all(f.status == "ok" for f in save)
    assert ("Ping Pong", "CataloguePreviewPage") in {(p.system, p.page) for p in report.pages}
    assert [e["path"] for e in journal.pingpong(method="POST")] == ["/login"]


def test_the_default_scenario_at_its_start_is_reported_incomplete(scenario, drift_probe):
    """At the embedded default's start no group is finished and BER has received no grade: the
    catalogue preview and BER's table "Betyg" are not reached. Said, with why, and exit 2."""
    report = drift_probe(group=None, screenshots="none")
    assert not report.drift, report.describe()
    assert report.exit_code == EXIT_COULD_NOT_RUN and not report.ok and not report.complete
    unchecked = {(f.where, f.what.split()[0]): f.detail for f in report.unchecked}
    assert set(unchecked) == {("CataloguePreviewPage", "marker"), ("BerStudentPage", "grades_table")}
    assert "ingen avslutad grupp" in unchecked[("CataloguePreviewPage", "marker")]
    assert "har mottagna betyg" in unchecked[("BerStudentPage", "grades_table")]
    # Spara was reached: a group whose course has ended was opened for the grading view.
    assert report.groups["Förhandsgranska"] is None and report.groups["betygsvyn (Spara)"] != NOT_YET
    assert not report.verdict().startswith("Inga avvikelser")
    assert "Ofullständig" in report.describe() and "ej kontrollerad" in report.describe()
    saved = json.loads((report.folder / "drift-report.json").read_text(encoding="utf-8"))
    assert saved["complete"] is False and saved["counts"]["unchecked"] == 2 and saved["exit_code"] == 2

    accepted = drift_probe(group=None, screenshots="none", allow_partial=True)
    assert accepted.exit_code == EXIT_OK and accepted.ok and len(accepted.unchecked) == 2
    assert accepted.verdict().startswith("Delvis kontrollerad")


def test_a_group_not_yet_gradeable_leaves_spara_unchecked(scenario, drift_probe):
    """The issue's case: a group whose "Spara" is hidden by "Betyg kan sättas från och med …" says
    nothing about "Spara" — it is listed as not checked, with why, never as fine."""
    report = drift_probe(group=NOT_YET, screenshots="none")
    assert report.exit_code == EXIT_COULD_NOT_RUN, report.describe()
    spara = next(f for f in report.unchecked if f.where == "GradingPage" and f.what.startswith("save_button"))
    assert spara.detail == f"gruppen «{NOT_YET}» är inte betygsättningsbar än (från och med 2027-01-22)"
    assert report.groups["betygsvyn (Spara)"] is None


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory):
    """A pair of mocks whose Ping Pong is the upgraded variant, one grade group locked."""
    pair = start_mocks("default", tmp_path_factory.mktemp("upgraded"), extra_env={"PINGPONG_UI_VARIANT": "upgrade"})
    try:
        lock_every_grade(pair.pingpong.url)
        import_into_ber(pair.ber)
        yield pair
    finally:
        pair.stop()


# Each change of ui/variant.py and how the probe must name it.
NAMED = {
    "renamed_save": lambda f: (
        (f.where, f.what.split()[0], f.status) == ("GradingPage", "save_button", "missing")
        and f.hints == ['button "Spara betyg"']
    ),
    "moved_status": lambda f: (
        f.where == "SearchResults" and f.status == "changed" and "«Status» står som kolumn 2, väntad 5" in f.detail
    ),
    "grade_date_field": lambda f: (
        f.where == "GradingPage"
        and f.status == "changed"
        and "nytt obligatoriskt fält i formuläret: «Betygsdatum» (date)" in f.detail
    ),
    "preview_confirm": lambda f: (
        f.kind == "dialog" and f.where == "Förhandsgranska" and "Förhandsgranskningen registreras i loggen" in f.detail
    ),
}


def test_the_upgraded_variant_is_named_change_by_change(upgraded, browser, tmp_path):
    assert set(NAMED) == set(CHANGES)  # a new change in the variant needs its line here
    upgraded.pingpong.clear_journal()
    # No group given: the probe finds the screens that show each change by itself.
    report = run_probe(_settings(upgraded, tmp_path / "report", screenshots="all", group=None), browser=browser)
    assert report.exit_code == EXIT_DRIFT
    named = {change: [f for f in report.drift if test(f)] for change, test in NAMED.items()}
    # Each change once: the results table is seen twice (Sök grupp, Sök lärare), its move named once.
    assert {c: len(v) for c, v in named.items()} == {c: 1 for c in NAMED}, report.describe()
    assert named["moved_status"][0].seen == 2 and len(report.drift) == len(NAMED)
    unexplained = [f for f in report.drift if not any(test(f) for test in NAMED.values())]
    assert not unexplained, report.describe()
    # Evidence: the screen (or the element) and its accessible snapshot, for each.
    for finding in (named["renamed_save"][0], named["moved_status"][0], named["grade_date_field"][0]):
        assert finding.screenshot and (report.folder / finding.screenshot).is_file()
        assert finding.snapshot
    assert "Spara betyg" in named["renamed_save"][0].snapshot
    # The dialog was dismissed, not accepted: the preview was never opened.
    assert upgraded.pingpong.journal(method="GET", path="/betyg/grupp/*/betygskatalog") == []
    assert [e["path"] for e in upgraded.pingpong.journal(method="POST")] == ["/login"]
    text = report.describe()
    for word in ('"Spara betyg"', "«Status»", "«Betygsdatum»", "Vill du fortsätta?"):
        assert word in text
    _no_secrets_in(report.folder)


# -- the command ----------------------------------------------------------------------------------
def _cli(*args: str, env: dict | None = None, timeout: float = 240) -> subprocess.CompletedProcess:
    command = shutil.which("betyg-drift", path=str(Path(sys.executable).parent)) or "betyg-drift"
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    for key in ("PINGPONG_PASSWORD", "BER_PASSWORD", "PINGPONG_API_TOKEN", "BER_API_TOKEN"):
        full_env.pop(key, None)
    full_env.update(env or {})
    return subprocess.run([command, *args], capture_output=True, text=True, env=full_env, timeout=timeout)


MOCK_ENV = {
    "PINGPONG_PASSWORD": "betygsadmin",
    "BER_PASSWORD": "beradmin",
    "PINGPONG_API_TOKEN": "pingpong-dev-token",
    "BER_API_TOKEN": "ber-dev-token",
}


def test_the_command_exits_2_on_the_default_start_and_prints_json(scenario, mock_servers, tmp_path):
    """The embedded default at its start: no drift, but the catalogue preview and BER's received
    grades cannot be reached — exit 2, and the JSON says what and why."""
    result = _cli(
        "--pingpong-url",
        mock_servers.pingpong.url,
        "--ber-url",
        mock_servers.ber.url,
        "--delay",
        "0",
        "--screenshots",
        "none",
        "--report",
        str(tmp_path),
        "--json",
        env=MOCK_ENV,
    )
    assert result.returncode == EXIT_COULD_NOT_RUN, result.stdout[-3000:] + result.stderr[-2000:]
    printed = json.loads(result.stdout)
    assert printed["exit_code"] == 2 and printed["counts"]["checks"] > 50 and printed["counts"]["drift"] == 0
    assert printed["complete"] is False and printed["counts"]["unchecked"] == 2
    assert {(f["where"], f["words"]) for f in printed["findings"] if f["status"] == "unchecked"} == {
        ("CataloguePreviewPage", "ej kontrollerad"),
        ("BerStudentPage", "ej kontrollerad"),
    }
    assert printed["groups"]["Förhandsgranska"] is None
    assert "betygsadmin" not in result.stdout and "dev-token" not in result.stdout
    assert (tmp_path / "drift-report.json").is_file()


def test_the_command_exits_0_with_allow_partial_and_says_what_it_left_out(scenario, mock_servers, tmp_path):
    result = _cli(
        "--pingpong-url",
        mock_servers.pingpong.url,
        "--ber-url",
        mock_servers.ber.url,
        "--delay",
        "0",
        "--screenshots",
        "none",
        "--report",
        str(tmp_path),
        "--allow-partial",
        env=MOCK_ENV,
    )
    assert result.returncode == EXIT_OK, result.stdout[-3000:] + result.stderr[-2000:]
    out = " ".join(result.stdout.split())
    assert "Delvis kontrollerad (godtaget)" in out and "Inga avvikelser" not in out
    reached, expected = map(int, re.search(r"Täckning: (\d+) av (\d+) namngivna lokatorer nådda\.", out).groups())
    assert expected - reached == 2
    assert "ej kontrollerad: Ping Pong · CataloguePreviewPage" in out and "ingen avslutad grupp" in out
    assert "Grupper: betygsvyn (Spara) «" in out


def test_the_command_exits_2_when_it_cannot_log_in(scenario, mock_servers, tmp_path):
    result = _cli(
        "--pingpong-url",
        mock_servers.pingpong.url,
        "--ber-url",
        mock_servers.ber.url,
        "--delay",
        "0",
        "--no-api",
        "--report",
        str(tmp_path),
        env={"PINGPONG_PASSWORD": "fel-lösen-1", "BER_PASSWORD": "fel-lösen-2"},
    )
    assert result.returncode == EXIT_COULD_NOT_RUN, result.stdout[-3000:]
    assert "Fel användarnamn eller lösenord." in result.stdout
    saved = (tmp_path / "drift-report.json").read_text(encoding="utf-8")
    assert "fel-lösen" not in saved and "fel-lösen" not in result.stdout + result.stderr


def test_the_command_exits_2_when_nothing_answers(tmp_path):
    closed = f"http://127.0.0.1:{free_port()}"
    result = _cli(
        "--pingpong-url",
        closed,
        "--ber-url",
        closed,
        "--delay",
        "0",
        "--timeout",
        "3",
        "--report",
        str(tmp_path),
        env={"PINGPONG_PASSWORD": "x", "BER_PASSWORD": "y", "PINGPONG_API_TOKEN": "t", "BER_API_TOKEN": "u"},
    )
    assert result.returncode == EXIT_COULD_NOT_RUN, result.stdout[-3000:]
    assert "Kunde inte köras" in result.stdout


def test_the_command_needs_the_passwords_for_a_real_system(tmp_path):
    result = _cli(
        "--pingpong-url", "https://pingpong.example", "--ber-url", "https://ber.example", "--report", str(tmp_path)
    )
    assert result.returncode == EXIT_COULD_NOT_RUN
    assert "PINGPONG_PASSWORD och BER_PASSWORD" in result.stderr


def test_the_probes_context_refuses_every_write_but_the_login(browser, scenario, mock_servers, journal):
    from betyg_harness.drift.guard import ReadOnlyGuard
    from betyg_harness.flows import TransientError
    from betyg_harness.flows.pages.pingpong import GradingPage, LoginPage

    url = mock_servers.pingpong.url
    context = browser.new_context(base_url=url)
    guard = ReadOnlyGuard("Ping Pong", url, LoginPage.path).install(context)
    page = context.new_page()
    group_id = PingPongForms(url).login().group_id(SVE)
    journal.clear()
    try:
        login = LoginPage(page, url, timeout=2_000)
        login.open_url()
        with pytest.raises(TransientError):  # outside the login window: refused in the browser
            login.login("betygsadmin", "betygsadmin")
        assert journal.pingpong(method="POST") == []
        login.open_url()
        with guard.login_window():
            login.login("betygsadmin", "betygsadmin")
        view = GradingPage(page, url, name=SVE, group_id=group_id, timeout=2_000).goto()
        with pytest.raises(TransientError):  # the first Spara: never reaches Ping Pong
            view.save()
        page.wait_for_load_state()  # the browser's own error page for the refused request
        view.goto()
        answer = page.evaluate(
            """url => fetch(url, {method: 'POST', body: 'x=1'}).then(r => r.status, e => 'stoppad')""",
            f"{url}/betyg/grupp/{group_id}/sammanfattning",
        )
        assert answer == "stoppad"
    finally:
        context.close()
    assert [e["path"] for e in journal.pingpong(method="POST")] == ["/login"]
    assert [(r["method"], r["url"].removeprefix(url)) for r in guard.refused] == [
        ("POST", "/login"),
        ("POST", f"/betyg/grupp/{group_id}"),
        ("POST", f"/betyg/grupp/{group_id}/sammanfattning"),
    ]
