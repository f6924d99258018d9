"""The BER UI in a real browser against both mocks as processes: log in, find a group, link a
grading teacher, and see a grade locked in Ping Pong arrive with the import 15 minutes later."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def test_ber_admin_links_a_grader_and_sees_a_received_grade(ber_admin_page, pingpong_server, ber_server, mock_clock):
    page = ber_admin_page
    # Find the group without a grading teacher and link one.
    page.goto(f"{ber_server.url}/grupper")
    expect(page.get_by_role("heading", level=1)).to_have_text("Undervisningsgrupper")
    page.get_by_label("Gruppnamn").fill("HISHIS01a1")
    page.get_by_role("button", name="Sök").click()
    page.get_by_role("link", name="HISHIS01a1 HT26 Kista A").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("HISHIS01a1 HT26 Kista A")
    expect(page.get_by_text("Inga betygssättande lärare är kopplade.")).to_be_visible()
    page.get_by_label("Lärare").select_option(label="Karin Östberg")
    page.get_by_role("button", name="Koppla", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Karin Östberg är kopplad som betygssättande lärare.")
    expect(page.get_by_role("button", name="Ta bort Karin Östberg")).to_be_visible()

    # Lock Åsa Öberg's grade in Ping Pong's grading view (two saves).
    page.goto(f"{pingpong_server.url}/login")
    page.get_by_label("Användarnamn").fill("betygsadmin")
    page.get_by_label("Lösenord").fill("betygsadmin")
    page.get_by_role("button", name="Logga in").click()
    page.goto(f"{pingpong_server.url}/betyg/sok-grupp")
    page.get_by_label("Gruppnamn, kurs eller lärare").fill("SVESVE01")
    page.get_by_role("button", name="Sök").click()
    page.get_by_role("link", name="SVESVE01 HT26 Kista A").click()
    page.get_by_role("radiogroup", name="Betyg för Åsa Öberg").get_by_role("radio", name="B", exact=True).check()
    page.get_by_role("checkbox", name="Lås betyg för Åsa Öberg").check()
    page.get_by_role("group", name="Betygssättande lärare").get_by_role("checkbox", name="Anna Lindqvist").check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sammanfattning")
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Betygen är sparade och låsta.")).to_be_visible()

    # BER has not imported yet; 15 minutes later it has.
    page.goto(f"{ber_server.url}/grupper?name=SVESVE01&submit=1")
    page.get_by_role("link", name="SVESVE01 HT26 Kista A").click()
    page.get_by_role("link", name="Åsa Öberg").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Åsa Öberg")
    expect(page.get_by_text("Inga betyg har tagits emot.")).to_be_visible()
    mock_clock.advance(minutes=15)
    page.reload()
    grades = page.get_by_role("table", name="Betyg")
    row = grades.get_by_role("row").filter(has_text="SVESVE01")
    expect(row.get_by_role("cell").nth(1)).to_have_text("B")
    expect(row).to_contain_text("Anna Lindqvist")
    expect(row.get_by_role("cell").nth(4)).to_have_text(re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$"))
    page.goto(f"{ber_server.url}/betygsimport")
    expect(page.get_by_role("table", name="Importkörningar").get_by_role("row").nth(1)).to_contain_text("OK")
