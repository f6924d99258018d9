"""No password or session cookie in the robot's artefacts (issue 21, point 5): a run with full
traces (``--trace-snapshots --keep-traces``) and a failed group, then every file of the output
folder — traces unzipped, binary resources included — and the robot's own output searched."""

from __future__ import annotations

import copy
import json
import re
import zipfile
from urllib.parse import quote, quote_plus

import pytest

from betyg_harness.mock_kit import scenario as scenarios
from tests.support.robot import robot

PASSWORD = "Hemligt-Lösen 7391!"
SVE = "SVESVE01 HT26 Kista A"


def _admin_with_a_distinctive_password() -> dict:
    document = copy.deepcopy(scenarios.load("default"))
    document["accounts"]["pingpong"].append(
        {"username": "maria.admin", "password": PASSWORD, "name": "Maria Hemlig", "role": "Betygsadministratör"}
    )
    return document


def _every_byte(folder) -> dict[str, bytes]:
    found = {}
    for path in folder.rglob("*"):
        if path.is_file():
            found[str(path)] = path.read_bytes()
            if path.suffix == ".zip":
                with zipfile.ZipFile(path) as trace:
                    for name in trace.namelist():
                        found[f"{path}!{name}"] = trace.read(name)
    return found


@pytest.mark.scenario(_admin_with_a_distinctive_password())
def test_no_password_or_session_cookie_in_any_artefact(scenario, pingpong_server, ber_server, faults, tmp_path):
    csv = tmp_path / "betyg.csv"
    csv.write_text(
        "personnummer,kurskod,grupp,betyg,larare\n"
        f"19900602-2397,SVESVE01,{SVE},A,Anna Lindqvist\n"
        "20000103-2382,GRNMAT2,GRNMAT2 HT26 Kista A,G,Omar Haddad\n",
        encoding="utf-8",
    )
    faults.pingpong(method="POST", path="/betyg/grupp/*/sammanfattning", status=500)  # every group fails
    run = robot(
        [
            "grade",
            "--input",
            str(csv),
            "--out",
            str(tmp_path / "ut"),
            "--trace-snapshots",
            "--keep-traces",
            "--pingpong-user",
            "maria.admin",
            "--pingpong-password",
            PASSWORD,
        ],
        pingpong_server,
        ber_server,
    )
    out, err = run.communicate(timeout=300)
    assert run.returncode == 1, out + err
    report = json.loads((tmp_path / "ut" / "rapport.json").read_text(encoding="utf-8"))
    assert any(g["trace"] for g in report["groups"]), "a trace was kept"
    artefacts = _every_byte(tmp_path / "ut")
    artefacts["stdout"], artefacts["stderr"] = out.encode(), err.encode()
    forms = {PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD, safe=""), json.dumps(PASSWORD)[1:-1]}
    leaks = [(where, form) for where, data in artefacts.items() for form in forms if form.encode() in data]
    assert not leaks, leaks
    # The session cookie: every Cookie / Set-Cookie header the traces hold is masked.
    header = re.compile(rb'"name"\s*:\s*"(cookie|set-cookie)"\s*,\s*"value"\s*:\s*"([^"]*)"', re.IGNORECASE)
    values = [m.group(2) for data in artefacts.values() for m in header.finditer(data)]
    assert values and all(v == b"***" for v in values), values[:3]
