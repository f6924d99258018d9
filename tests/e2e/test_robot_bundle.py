"""`betygsrobot print` on a real run: the robot grades the embedded default scenario (one student
left out of one group), then the print bundle is built from its folder and read back."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from pathlib import Path

from pypdf import PdfReader
from rich.console import Console

from betyg_harness.catalogue import read_catalogue
from betyg_harness.flows.robot import bundle
from tests.support.robot import grades_csv, robot


def test_bundle_from_a_real_run_prints_the_complete_groups_and_names_the_waiting_one(
    scenario, pingpong_server, ber_server, tmp_path
):
    csv = tmp_path / "betyg.csv"
    grades_csv(scenario, csv)
    waiting_group = "SVESVE01 HT26 Kista A"  # four admitted students: one is left without a grade
    lines = csv.read_text(encoding="utf-8").splitlines()
    left_out = next(x for x in lines if x.split(",")[2] == waiting_group)
    lines.remove(left_out)
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "ut"
    run = robot(["grade", "--input", str(csv), "--out", str(out), "--no-trace"], pingpong_server, ber_server)
    stdout, stderr = run.communicate(timeout=240)
    report = json.loads((out / "rapport.json").read_text(encoding="utf-8"))
    complete = [g for g in report["groups"] if g["catalogue"]]
    assert complete and len(complete) < len(report["groups"]), stdout + stderr
    assert run.returncode in (0, 1), stdout + stderr  # 1 once the robot itself reports the group incomplete

    parser = argparse.ArgumentParser()
    bundle.add_print_arguments(parser)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    code = bundle.run_print(parser.parse_args(["--out", str(out)]), console)
    said = console.file.getvalue()
    assert code == bundle.EXIT_INCOMPLETE, said
    assert waiting_group in said and "Vuxenutbildningscentrum" in said

    manifest = json.loads((out / "utskrift" / "utskrift.json").read_text(encoding="utf-8"))
    printed = [g for b in manifest["bundles"] for g in b["groups"]]
    assert sorted(g["group"] for g in printed) == sorted(g["group"] for g in complete)
    waiting = {w["group"]: w for w in manifest["waiting"]}
    assert waiting_group in waiting and waiting_group not in {g["group"] for g in printed}
    assert "MATMAT01a VT27 Kista A" in waiting  # not gradeable yet: failed, so not printed either
    if waiting[waiting_group]["missing_students"]:  # once the robot names them in its report
        digits = "".join(c for c in left_out.split(",")[0] if c.isdigit())[-10:]
        assert any(digits in "".join(c for c in m if c.isdigit()) for m in waiting[waiting_group]["missing_students"])
    for b in manifest["bundles"]:
        pdf = PdfReader(out / "utskrift" / b["file"])
        first = " ".join(" ".join(pdf.pages[i].extract_text() for i in range(b["cover_pages"])).split())
        assert f"Skola: {b['name']}" in first and waiting_group in first
        assert "Skicka de underskrivna originalen till Vuxenutbildningscentrum" in first
        assert [g["group"] for g in b["groups"]] == sorted((g["group"] for g in b["groups"]), key=bundle.sv_key)
        for g in b["groups"]:
            source = Path(g["catalogue"]).read_bytes()
            assert g["sha256"] == hashlib.sha256(source).hexdigest() and g["sha256"][:12] in first
            assert g["group"] in first and all(t in first for t in g["teachers"]) and g["teachers"]
            # The catalogue's pages are in the bundle where the first page says, whole and unchanged.
            at = g["first_page"] - 1
            in_bundle = [pdf.pages[at + i].extract_text() for i in range(g["pages"])]
            assert in_bundle == [p.extract_text() for p in PdfReader(io.BytesIO(source)).pages]
            assert read_catalogue(source).fields["Skolenhet"] == b["name"]
        assert len(pdf.pages) == b["cover_pages"] + sum(g["pages"] for g in b["groups"])
