"""`betygsrobot print` (flows/robot/bundle.py): print bundles from a run's folder, read back with pypdf.

The catalogues are rendered by Ping Pong's own renderer (tests may use the mocks; the module may not),
the report is written as the robot writes it."""

from __future__ import annotations

import argparse
import hashlib
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from rich.console import Console

from betyg_harness.flows.robot import bundle
from betyg_harness.mock_pingpong.catalogue import CatalogueData, CatalogueRow, render_pdf


def catalogue(group: str, school: str, teachers: list[str], students: int = 3) -> bytes:
    rows = [
        CatalogueRow(f"1990010{i + 1}-{1000 + i:04d}", f"Efternamn{i}", "Łukasz" if i == 0 else "Anna", "ABC"[i % 3])
        for i in range(students)
    ]
    return render_pdf(
        CatalogueData(
            huvudman="Stockholms stad",
            school_unit=school,
            school_unit_code="29573519",
            course_code="MATMAT01a",
            course_name="Matematik 1a",
            points=100,
            points_kind="gymnasiepoäng",
            group_name=group,
            period_start=date(2026, 8, 17),
            period_end=date(2026, 12, 18),
            grade_date=date(2026, 12, 18),
            rows=rows,
            teachers=teachers,
            printed_at=datetime(2026, 12, 21, 9, 5),
        )
    )


def make_run(out: Path, groups: list[dict], **report) -> Path:
    """A robot's output folder: catalogues under betygskataloger/, rapport.json naming them."""
    (out / "betygskataloger").mkdir(parents=True, exist_ok=True)
    entries = []
    for g in groups:
        entry = {
            "group": g["group"],
            "course": "MATMAT01a",
            "status": g.get("status", "done"),
            "catalogue": None,
            "error": g.get("error"),
            "warning": None,
        }
        if "school" in g:
            path = out / "betygskataloger" / f"{g['group'].replace(' ', '_')}.pdf"
            path.write_bytes(catalogue(g["group"], g["school"], g["teachers"], g.get("students", 3)))
            entry["catalogue"] = str(path)
        if "missing_students" in g:
            entry["missing_students"] = g["missing_students"]
        entries.append(entry)
    (out / "rapport.json").write_text(
        json.dumps(
            {"dry_run": False, "finished": "2026-12-21T09:00:00+00:00", "groups": entries, **report}, ensure_ascii=False
        ),
        "utf-8",
    )
    return out


def run(out: Path, *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    bundle.add_print_arguments(parser)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    code = bundle.run_print(parser.parse_args(["--out", str(out), *argv]), console)
    return code, console.file.getvalue()


def pages(path: Path) -> list[str]:
    return [p.extract_text() for p in PdfReader(path).pages]


GROUPS = [
    {"group": "SVESVE01 Kista B", "school": "Kista vux", "teachers": ["Anna Lindqvist"]},
    {
        "group": "MATMAT01a Östra",
        "school": "Åsö vuxengymnasium",
        "teachers": ["Nguyễn Văn An", "Per Ödmark"],
        "students": 40,
    },
    {"group": "SVESVE01 Kista A", "school": "Kista vux", "teachers": ["Omar Haddad"]},
    {
        "group": "ENGENG05 Kista",
        "status": "incomplete",
        "missing_students": ["Łukasz Nowak (19900602-2397)", "Nguyễn Thị Ngọc (20000103-2382)"],
    },
    {"group": "BIOBIO01 Kista", "status": "done"},  # stored, no catalogue: some student still unlocked
]


def test_one_bundle_per_school_in_order_with_a_first_page_and_the_waiting_groups(tmp_path):
    out = make_run(tmp_path / "ut", GROUPS)
    code, console = run(out)
    assert code == bundle.EXIT_INCOMPLETE  # the complete ones are printed all the same
    made = sorted(p.name for p in (out / "utskrift").glob("*.pdf"))
    assert made == ["skola-Kista_vux.pdf", "skola-Åsö_vuxengymnasium.pdf"]

    kista = pages(out / "utskrift" / "skola-Kista_vux.pdf")
    first = " ".join(kista[0].split())  # lines wrap at spaces
    assert "Skola: Kista vux" in first and "Vuxenutbildningscentrum" in first
    assert first.index("SVESVE01 Kista A") < first.index("SVESVE01 Kista B")  # group name order
    assert "Omar Haddad" in first and "Anna Lindqvist" in first
    for name in ("SVESVE01_Kista_A", "SVESVE01_Kista_B"):
        digest = hashlib.sha256((out / "betygskataloger" / f"{name}.pdf").read_bytes()).hexdigest()
        assert digest[:12] in first
    # The catalogues follow the first page in that order, the waiting groups are on it by name.
    assert "SVESVE01 Kista A" in kista[1] and "SVESVE01 Kista B" in kista[2] and len(kista) == 3
    assert "1 (s. 2)" in first and "1 (s. 3)" in first
    assert "ENGENG05 Kista" in first and "Łukasz Nowak (19900602-2397)" in first
    assert "Nguyễn Thị Ngọc (20000103-2382)" in first
    assert "BIOBIO01 Kista" in first and "elever som rapporten inte namnger" in first
    # ... and in the console, with the students they wait for.
    assert "ENGENG05 Kista" in console and "Łukasz Nowak (19900602-2397)" in console
    assert "BIOBIO01 Kista" in console and "Vuxenutbildningscentrum" in console

    aso = pages(out / "utskrift" / "skola-Åsö_vuxengymnasium.pdf")
    assert "Nguyễn Văn An, Per Ödmark" in " ".join(aso[0].split())  # outside Latin-1: the wide font, read back as text
    catalogue_pages = len(PdfReader(out / "betygskataloger" / "MATMAT01a_Östra.pdf").pages)
    assert catalogue_pages > 1 and len(aso) == 1 + catalogue_pages
    assert f"{catalogue_pages} (s. 2–{1 + catalogue_pages})" in aso[0]

    manifest = json.loads((out / "utskrift" / "utskrift.json").read_text("utf-8"))
    assert [b["name"] for b in manifest["bundles"]] == ["Kista vux", "Åsö vuxengymnasium"]
    assert (out / "utskrift").stat().st_mode & 0o077 == 0  # personal data: the owner's only
    assert [w["group"] for w in manifest["waiting"]] == ["ENGENG05 Kista", "BIOBIO01 Kista"]


def test_the_first_page_uses_a_font_with_wide_coverage_embedded(tmp_path):
    out = make_run(tmp_path / "ut", GROUPS[1:2])
    assert run(out)[0] == bundle.EXIT_OK
    reader = PdfReader(out / "utskrift" / "skola-Åsö_vuxengymnasium.pdf")
    fonts = {f["/BaseFont"] for f in reader.pages[0]["/Resources"]["/Font"].values()}
    assert all("DejaVuSans" in str(f) for f in fonts), fonts


def test_per_teacher_each_catalogue_once_with_its_first_teacher(tmp_path):
    out = make_run(tmp_path / "ut", GROUPS[:3])
    code, _ = run(out, "--per", "larare", "--posta-till", "Betygsenheten, Vuxenutbildningscentrum")
    assert code == bundle.EXIT_OK
    made = sorted(p.name for p in (out / "utskrift").glob("*.pdf"))
    assert made == ["larare-Anna_Lindqvist.pdf", "larare-Nguyễn_Văn_An.pdf", "larare-Omar_Haddad.pdf"]
    first = " ".join(pages(out / "utskrift" / "larare-Nguyễn_Văn_An.pdf")[0].split())  # cells wrap at spaces
    assert "Lärare: Nguyễn Văn An" in first and "Åsö vuxengymnasium" in first
    assert "Betygsenheten, Vuxenutbildningscentrum" in first
    assert "lämna dem vidare" in first
    assert not any("Ödmark" in p.name for p in (out / "utskrift").iterdir())  # co-signer: no second copy


def test_a_moved_run_folder_still_finds_its_catalogues(tmp_path):
    out = make_run(tmp_path / "ut", GROUPS[:1])
    moved = tmp_path / "flyttad"
    out.rename(moved)
    assert run(moved)[0] == bundle.EXIT_OK
    assert (moved / "utskrift" / "skola-Kista_vux.pdf").is_file()


def test_failed_groups_and_unreadable_catalogues_wait_with_their_reason(tmp_path):
    out = make_run(
        tmp_path / "ut",
        [
            *GROUPS[:1],
            {"group": "X", "status": "failed", "error": "Timeout: borta"},
            {"group": "Y", "school": "Kista vux", "teachers": ["A B"]},
        ],
    )
    (out / "betygskataloger" / "Y.pdf").write_bytes(b"inte en pdf")
    code, console = run(out)
    assert code == bundle.EXIT_INCOMPLETE
    assert "X (MATMAT01a): misslyckades: Timeout: borta. Kör «betygsrobot grade» igen" in console
    assert "Y (MATMAT01a): betygskatalogen Y.pdf går inte att läsa" in console
    assert len(pages(out / "utskrift" / "skola-Kista_vux.pdf")) == 2


@pytest.mark.parametrize("case", ["no folder", "no report", "not json", "no groups", "dry run"])
def test_bad_input_is_exit_2_with_a_swedish_message(tmp_path, case):
    out = tmp_path / "ut"
    if case != "no folder":
        out.mkdir()
    if case == "not json":
        (out / "rapport.json").write_text("{inte json", "utf-8")
    elif case == "no groups":
        (out / "rapport.json").write_text('{"totals": {}}', "utf-8")
    elif case == "dry run":
        make_run(out, GROUPS[:1], dry_run=True)
    code, console = run(out)
    assert code == bundle.EXIT_BAD_INPUT
    assert "Kan inte skriva ut:" in console
    assert {
        "no folder": "finns inte",
        "no report": "Kör `betygsrobot grade` först",
        "not json": "går inte att läsa",
        "no groups": "ingen robotrapport",
        "dry run": "provkörning",
    }[case] in console
    assert not (out / "utskrift").exists()


def test_defaults_and_swedish_order():
    parser = argparse.ArgumentParser()
    bundle.add_print_arguments(parser)
    args = parser.parse_args([])
    assert (args.out, args.per, args.posta_till) == (Path("betygsrobot-ut"), "skola", "Vuxenutbildningscentrum")
    assert sorted(["Östra", "Åsö", "Ängby", "Zinkensdamm", "alby"], key=bundle.sv_key) == [
        "alby",
        "Zinkensdamm",
        "Åsö",
        "Ängby",
        "Östra",
    ]


def test_a_first_page_that_runs_long_still_gives_each_catalogue_its_true_pages(tmp_path):
    many = [
        {"group": f"Grupp {i:02d}", "school": "Kista vux", "teachers": [f"Lärare {i}"], "students": 1 + i % 2 * 30}
        for i in range(45)
    ]
    waiting = [
        {"group": f"Väntar {i:02d}", "status": "incomplete", "missing_students": [f"Elev {i} (19900101-0000)"]}
        for i in range(30)
    ]
    out = make_run(tmp_path / "ut", many + waiting)
    assert run(out)[0] == bundle.EXIT_INCOMPLETE
    manifest = json.loads((out / "utskrift" / "utskrift.json").read_text("utf-8"))
    (made,) = manifest["bundles"]
    assert made["cover_pages"] >= 2
    text = pages(out / "utskrift" / made["file"])
    assert len(text) == made["cover_pages"] + sum(g["pages"] for g in made["groups"])
    cover = " ".join(" ".join(text[: made["cover_pages"]]).split())
    for g in made["groups"]:
        assert f"Betygsgrupp {g['group']}" in " ".join(text[g["first_page"] - 1].split())
        last = g["first_page"] + g["pages"] - 1
        assert (f"(s. {g['first_page']})" if g["pages"] == 1 else f"(s. {g['first_page']}–{last})") in cover
    assert "Väntar 29" in cover and "Elev 29 (19900101-0000)" in cover


def test_without_the_font_file_the_first_page_falls_back_to_helvetica(tmp_path, monkeypatch):
    monkeypatch.setattr(bundle, "FONT_FILE", "saknas.ttf")
    monkeypatch.setattr(bundle, "FONT_NAME", "BetygsrobotSansSaknas")
    out = make_run(tmp_path / "ut", GROUPS[:1])
    assert run(out)[0] == bundle.EXIT_OK
    reader = PdfReader(out / "utskrift" / "skola-Kista_vux.pdf")
    assert {str(f["/BaseFont"]) for f in reader.pages[0]["/Resources"]["/Font"].values()} == {"/Helvetica"}
    assert "Skola: Kista vux" in reader.pages[0].extract_text()


def test_betygsrobot_print_is_a_command(tmp_path, capsys):
    from betyg_harness.flows.robot.cli import main

    assert main(["print", "--out", str(tmp_path / "finns-inte")]) == 2
    assert "finns inte" in capsys.readouterr().out
