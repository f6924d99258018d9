"""A student named ``<img src=x onerror=alert(1)>`` is shown as text — escaped — on every page of
both systems and printed literally in the catalogue; names in any Latin script (Łukasz, Şahin,
Nguyễn) are shown and printed as themselves."""

from __future__ import annotations

import copy
import json

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from betyg_harness import fixtures
from betyg_harness.flows import ber_login
from betyg_harness.flows.pages.ber import BerGroupPage, BerStudentPage
from betyg_harness.scenario import stable_id

ATTACK = "<img src=x onerror=alert(1)>"
GROUP = "SVESVE01 HT26 Kista A"
GRADES = {"19900602-2397": "A", "19910717-2380": "B", "19961020-2385": "C", "20000105-2380": "E"}


def hostile_default() -> dict:
    doc = copy.deepcopy(json.loads(fixtures.scenario_path("default").read_text(encoding="utf-8")))
    doc["name"] = "hostile-names"
    names = {
        "s01": (ATTACK, "Öberg"),
        "s02": ("Łukasz", "Nowak"),
        "s03": ("Ayşe", "Şahin"),
        "s04": ("Thị Lan", "Nguyễn"),
    }
    for student in doc["students"]:
        if student["key"] in names:
            student["givenName"], student["familyName"] = names[student["key"]]
    return doc


HOSTILE = hostile_default()


@pytest.mark.scenario(HOSTILE)
def test_a_script_in_a_name_is_text_everywhere_and_latin_names_are_themselves(
    pingpong, browser, mock_servers, tmp_path
):
    page = pingpong.page
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    failed_images = []
    page.on("requestfailed", lambda r: failed_images.append(r.url) if r.resource_type == "image" else None)
    state = pingpong.grade_group(GROUP, GRADES, teachers=["Anna Lindqvist"]).state
    names = {s.name for s in state.students}
    assert {f"{ATTACK} Öberg", "Łukasz Nowak", "Ayşe Şahin", "Thị Lan Nguyễn"} <= names
    raw = page.content()
    assert ATTACK not in raw and "&lt;img src=x onerror=alert(1)&gt;" in raw
    expect(page.get_by_role("img")).to_have_count(0)  # no element was made from the name
    preview = pingpong.preview_catalogue(GROUP)
    assert ATTACK in preview and "Şahin" in preview and "Nguyễn" in preview
    pdf = pingpong.download_catalogue(GROUP, tmp_path)
    text = "".join(p.extract_text() for p in PdfReader(pdf).pages)
    for literal in (ATTACK, "Łukasz", "Nowak", "Şahin", "Ayşe", "Nguyễn", "Thị Lan", "Öberg"):
        assert literal in text, literal

    context = browser.new_context(base_url=mock_servers.ber.url)
    ber_page = context.new_page()
    ber_page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ber_login(ber_page, base_url=mock_servers.ber.url)
    BerGroupPage(ber_page, mock_servers.ber.url, name=GROUP).goto(f"/grupper/{stable_id('group', 'svesve01-ht26-a')}")
    assert ATTACK not in ber_page.content() and ATTACK in ber_page.inner_text("main")
    assert "Şahin" in ber_page.inner_text("main") and "Nguyễn" in ber_page.inner_text("main")
    BerStudentPage(ber_page, mock_servers.ber.url, path=f"/elever/{stable_id('person', 's01')}").goto()
    assert ATTACK in ber_page.inner_text("main") and ATTACK not in ber_page.content()
    context.close()
    assert dialogs == [] and failed_images == []  # no alert ran, no image was requested
