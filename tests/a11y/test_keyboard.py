"""The whole routine with the keyboard alone — log in, Verktyg › Betyg, Sök grupp, open the group,
choose each grade step, lock, tick the grading teacher, Spara, Spara — then download the catalogue.
Only key presses act; the page is read (which element has focus, what is shown) but never clicked."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from betyg_harness.flows.pages.pingpong import GradingPage

GROUP = "SVESVE01 HT26 Kista A"
GRADES = {"19900602-2397": "A", "19910717-2380": "C", "19961020-2385": "F", "20000105-2380": "-"}
STEPS = ["A", "B", "C", "D", "E", "F", "-"]
MAX_TABS = 60


def focused(locator: Locator) -> bool:
    return locator.evaluate("e => e === document.activeElement")


def tab_to(page: Page, locator: Locator, *, backwards: bool = False) -> None:
    """Press Tab until ``locator`` has focus (every control must be reachable this way)."""
    for _ in range(MAX_TABS):
        if locator.count() == 1 and focused(locator):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"{locator} cannot be reached with Tab")


def test_a_group_is_graded_locked_and_printed_with_the_keyboard_only(page, scenario, pingpong_server, tmp_path):
    page.goto(f"{pingpong_server.url}/login")
    tab_to(page, page.get_by_label("Användarnamn"))
    page.keyboard.type("betygsadmin")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Lösenord")).to_be_focused()
    page.keyboard.type("betygsadmin")
    page.keyboard.press("Enter")

    menu = page.get_by_role("navigation", name="Huvudmeny")
    tab_to(page, menu.get_by_text("Verktyg", exact=True))
    page.keyboard.press("Enter")  # opens the menu
    tab_to(page, menu.get_by_role("link", name="Betyg", exact=True))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name="Sök grupp", exact=True))
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Gruppnamn, kurs eller lärare"))
    page.keyboard.type("SVESVE01")
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_role("link", name=GROUP, exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=GROUP)).to_be_visible()

    table = page.get_by_role("table", name="Elever")
    for pnr, grade in GRADES.items():
        row = table.get_by_role("row").filter(has=page.get_by_role("cell", name=pnr, exact=True))
        group = row.get_by_role("radiogroup")
        tab_to(page, group.get_by_role("radio", name="A", exact=True))  # Tab enters a group at its first step
        page.keyboard.press("Space")
        for _ in range(STEPS.index(grade)):
            page.keyboard.press("ArrowRight")  # moves to the next step and chooses it
        expect(group.get_by_role("radio", name=grade, exact=True)).to_be_checked()
        page.keyboard.press("Tab")
        lock = row.get_by_role("checkbox")
        expect(lock).to_be_focused()
        page.keyboard.press("Space")
        expect(lock).to_be_checked()
    teacher = page.get_by_role("group", name="Betygssättande lärare").get_by_role("checkbox", name="Anna Lindqvist")
    tab_to(page, teacher)
    page.keyboard.press("Space")
    tab_to(page, page.get_by_role("button", name="Spara", exact=True))
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1, name="Sammanfattning")).to_be_visible()
    tab_to(page, page.get_by_role("button", name="Spara", exact=True))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Betygen är sparade och låsta.")).to_be_visible()

    state = GradingPage(page, name=GROUP).state()
    assert {s.personnummer: (s.grade, s.locked) for s in state.students} == {p: (g, True) for p, g in GRADES.items()}
    download_button = page.get_by_role("button", name="Ladda ned pdf")
    tab_to(page, download_button)
    with page.expect_download() as info:
        page.keyboard.press("Enter")
    assert info.value.suggested_filename.endswith(".pdf")
