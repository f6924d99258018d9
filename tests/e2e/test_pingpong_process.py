"""The seed's routine in a real browser against both mocks, by its own words:
Verktyg → Betyg → Sök grupp / Sök lärare → Sök → the group → grades → locks → teachers →
Spara → Sammanfattning → Spara → Förhandsgranska → Ladda ned pdf; then BER picks the grades up."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from betyg_harness.scenario import stable_id

pytestmark = pytest.mark.e2e


def open_betyg(page: Page) -> None:
    page.get_by_role("navigation", name="Huvudmeny").get_by_text("Verktyg", exact=True).click()
    page.get_by_role("link", name="Betyg", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Betyg")


def grade_rows(page: Page, grades: dict[str, str]) -> None:
    """Click a step of the scale for each student, then tick the lock box in the right-hand column."""
    for name, step in grades.items():
        page.get_by_role("radiogroup", name=f"Betyg för {name}").get_by_role("radio", name=step, exact=True).check()
    for name in grades:
        page.get_by_role("checkbox", name=f"Lås betyg för {name}").check()


def save_twice(page: Page, teacher: str, expected_rows: int) -> None:
    page.get_by_role("group", name="Betygssättande lärare").get_by_role("checkbox", name=teacher).check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sammanfattning")
    expect(page.get_by_role("table", name="Betyg som sparas").locator("tbody tr")).to_have_count(expected_rows)
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("status").filter(has_text="Betygen är sparade och låsta.")).to_be_visible()


def download_catalogue(page: Page, expected_name: str) -> str:
    page.get_by_role("button", name="Förhandsgranska").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Betygskatalog")
    page.go_back()
    with page.expect_download() as info:
        page.get_by_role("button", name="Ladda ned pdf").click()
    download = info.value
    assert download.suggested_filename == expected_name
    with open(download.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return "\n".join(p.extract_text() for p in reader.pages)


def test_gymnasial_group_by_sok_grupp(grade_admin_page: Page, mock_servers):
    page = grade_admin_page
    open_betyg(page)
    page.get_by_role("navigation", name="Betygsmeny").get_by_role("link", name="Sök grupp").click()
    page.get_by_label("Gruppnamn, kurs eller lärare").fill("svesve01")
    page.get_by_label("Termin").select_option("HT 2026")
    page.get_by_role("button", name="Sök").click()
    expect(page.get_by_role("heading", name="Sökresultat")).to_be_visible()
    page.get_by_role("link", name="SVESVE01 HT26 Kista A").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("SVESVE01 HT26 Kista A")
    students = page.get_by_role("table", name="Elever").locator("tbody tr")
    expect(students).to_have_count(4)  # only "Antagen"
    expect(page.get_by_role("button", name="Ladda ned pdf")).to_be_disabled()

    grades = {"Łukasz Nowak": "B", "Nguyễn Thị Lan": "-", "Ayşe Yılmaz": "C", "Åsa Öberg": "A"}
    grade_rows(page, grades)
    save_twice(page, "Anna Lindqvist", 4)
    expect(page.get_by_text(re.compile(r"Låst 2026-12-18 av Maria Betygsadministratör"))).to_have_count(4)
    expect(
        page.get_by_role("radiogroup", name="Betyg för Åsa Öberg").get_by_role("radio", name="A", exact=True)
    ).to_be_disabled()

    text = download_catalogue(page, "betygskatalog_SVESVE01_svesve01-ht26-kista-a_2026-12-17.pdf")
    for needle in ("Betygskatalog", "SVESVE01", "Łukasz", "Nguyễn", "Ayşe", "Öberg", "Anna Lindqvist", "Sida 1 av 1"):
        assert needle in text

    # "Det kan ta upp till 15 min innan betygen blir synliga i BER": BER polls the grade API.
    mock_servers.pingpong.clear_journal()
    mock_servers.advance(minutes=15)
    polls = mock_servers.pingpong.journal(path="/api/skolplattform/betyg")
    assert polls and all(entry["status"] == 200 for entry in polls)
    ber = page.context.new_page()
    ber.goto(f"{mock_servers.ber.url}/login")
    ber.get_by_label("Användarnamn").fill("beradmin")
    ber.get_by_label("Lösenord").fill("beradmin")
    ber.get_by_role("button", name="Logga in").click()
    ber.goto(f"{mock_servers.ber.url}/elever/{stable_id('person', 's01')}")
    expect(ber.get_by_role("table", name="Betyg")).to_contain_text("SVESVE01")
    expect(ber.get_by_role("table", name="Betyg").get_by_role("row").nth(1)).to_contain_text("Anna Lindqvist")


def test_grundlaggande_group_by_sok_larare(grade_admin_page: Page):
    page = grade_admin_page
    open_betyg(page)
    page.get_by_role("link", name="Sök lärare").click()
    page.get_by_label("Lärare").select_option(label="Omar Haddad")
    page.get_by_label("Fr.o.m.").fill("2026-12-01")
    page.get_by_label("T.o.m.").fill("2026-12-31")
    page.get_by_role("button", name="Sök").click()
    page.get_by_role("link", name="GRNMAT2 HT26 Kista A").click()
    group = page.get_by_role("radiogroup", name="Betyg för Eva Andersson")
    expect(group.get_by_role("radio")).to_have_count(2)  # G / IG

    grades = {"Fatima Al-Sayed": "G", "Eva Andersson": "IG", "Mikael Zetterlund": "G"}
    grade_rows(page, grades)
    save_twice(page, "Omar Haddad", 3)
    text = download_catalogue(page, "betygskatalog_GRNMAT2_grnmat2-ht26-kista-a_2026-12-18.pdf")
    assert "verksamhetspoäng" in text and "Al-Sayed" in text and "Zetterlund" in text


def test_validation_and_tillbaka_in_the_browser(grade_admin_page: Page):
    page = grade_admin_page
    open_betyg(page)
    page.get_by_role("link", name="Sök grupp").click()
    page.get_by_label("Gruppnamn, kurs eller lärare").fill("Engelska")
    page.get_by_role("button", name="Sök").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="ENGENG05 HT26 Kista B"))
    expect(row).to_contain_text("Försenad")
    row.get_by_role("link").click()

    page.get_by_role("checkbox", name="Lås betyg för Jonas Berg").check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("alert")).to_contain_text("Betygen sparades inte.")
    expect(page.get_by_text("Välj ett betyg för Jonas Berg innan du låser det.")).to_be_visible()
    expect(page.get_by_text("Bocka i minst en betygssättande lärare.")).to_be_visible()

    page.get_by_role("radiogroup", name="Betyg för Jonas Berg").get_by_role("radio", name="E", exact=True).check()
    page.get_by_role("checkbox", name="Karin Östberg").check()
    page.get_by_role("button", name="Spara").click()
    page.get_by_role("button", name="Tillbaka").click()
    expect(
        page.get_by_role("radiogroup", name="Betyg för Jonas Berg").get_by_role("radio", name="E", exact=True)
    ).to_be_checked()
    expect(page.get_by_role("checkbox", name="Lås betyg för Jonas Berg")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Karin Östberg")).to_be_checked()


def test_ber_unreachable_is_said_and_work_goes_on(grade_admin_page: Page, mock_servers, faults):
    page = grade_admin_page
    faults.ber(path="/ss12000/*", status=503)
    mock_servers.advance(minutes=5)  # the periodic sync fails
    open_betyg(page)
    page.get_by_role("link", name="Sök grupp").click()
    page.get_by_role("button", name="Sök").click()
    expect(page.get_by_role("status").filter(has_text="BER kunde inte nås")).to_contain_text("5 minuter gamla")
    page.get_by_role("link", name="SVESVE01 HT26 Kista A").click()
    expect(page.get_by_role("table", name="Elever").locator("tbody tr")).to_have_count(4)  # from the copy
    faults.clear()
    mock_servers.advance(minutes=5)
    page.reload()
    expect(page.get_by_text("BER kunde inte nås")).to_have_count(0)


def test_teacher_and_student_accounts(page: Page, scenario, mock_servers):
    def log_in(username):
        page.goto(f"{mock_servers.pingpong.url}/login")
        page.get_by_label("Användarnamn").fill(username)
        page.get_by_label("Lösenord").fill(username)
        page.get_by_role("button", name="Logga in").click()

    log_in("anna.lindqvist")
    open_betyg(page)
    page.get_by_role("link", name="Sök grupp").click()
    page.get_by_role("button", name="Sök").click()
    links = page.get_by_role("table").get_by_role("link")
    expect(links).to_have_text(["SVESVE01 HT26 Kista A", "ENGENG05 HT26 Kista B"])
    page.get_by_role("button", name="Logga ut").click()
    log_in("elev.asa")
    page.goto(f"{mock_servers.pingpong.url}/betyg")
    expect(page.get_by_role("alert")).to_have_text("Du har inte behörighet till Betyg.")
