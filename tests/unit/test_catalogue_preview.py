"""The catalogue's HTML preview ("Förhandsgranska"): the PDF's content, escaped, without an h1."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import lxml.html
import pytest
from markupsafe import Markup

from betyg_harness.mock_pingpong.catalogue import CatalogueData, CatalogueRow, render_preview


def make_catalogue(**changes) -> CatalogueData:
    rows = [
        CatalogueRow("19440813-9089", "Łukasiewicz", "Łucja", "A"),
        CatalogueRow("19900602-2397", "<script>alert('x')</script>", "Bo & Co", "-"),
        CatalogueRow("19910717-2380", "Östberg", "Åsa", "F"),
    ]
    data = CatalogueData(
        huvudman="Stockholms stad",
        school_unit="Vuxenutbildningscentrum",
        school_unit_code="29573519",
        course_code="GRNENG2",
        course_name="Engelska",
        points=600,
        points_kind="verksamhetspoäng",
        group_name="ENG <grund> & kväll",
        period_start=date(2026, 8, 17),
        period_end=date(2026, 12, 18),
        grade_date=date(2026, 12, 18),
        rows=rows,
        teachers=["Karin Lindqvist", "Per <b>Ödmark</b>"],
        printed_at=datetime(2026, 12, 21, 9, 5),
    )
    return dataclasses.replace(data, **changes)


@pytest.fixture(scope="module")
def html():
    return render_preview(make_catalogue())


@pytest.fixture(scope="module")
def doc(html):
    return lxml.html.fragment_fromstring(html)


def test_escapes_every_value(html, doc):
    assert isinstance(html, Markup)  # embeds as is in the Ping Pong page, no double escaping
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "Bo &amp; Co" in html and "ENG &lt;grund&gt; &amp; kväll" in html
    assert not doc.xpath("//script | //b")


def test_table_has_headers_and_every_row_in_order(doc):
    data = make_catalogue()
    (table,) = doc.xpath("//table")
    assert [th.text_content() for th in table.xpath("./thead/tr/th")] == [
        "Personnummer",
        "Efternamn",
        "Förnamn",
        "Betyg",
    ]
    assert all(th.get("scope") == "col" for th in table.xpath("./thead/tr/th"))
    assert table.xpath("string(./caption)") == "Elever"
    assert [[td.text_content() for td in tr.xpath("./td")] for tr in table.xpath("./tbody/tr")] == [
        [r.civic_no, r.family_name, r.given_name, r.grade] for r in data.rows
    ]


def test_head_fields_and_signature_blocks(doc):
    fields = {dt.text_content(): dt.getnext().text_content() for dt in doc.xpath("//dl[1]//dt")}
    assert fields == {
        "Huvudman": "Stockholms stad",
        "Skolenhet": "Vuxenutbildningscentrum",
        "Skolenhetskod": "29573519",
        "Betygsgrupp": "ENG <grund> & kväll",
        "Kurskod": "GRNENG2",
        "Kursnamn": "Engelska",
        "Poäng": "600 verksamhetspoäng",
        "Kursperiod": "2026-08-17 – 2026-12-18",
        "Betygsdatum": "2026-12-18",
        "Antal elever": "3",
    }
    assert "Utskriven 2026-12-21 09:05" in doc.text_content()
    blocks = doc.xpath("//dl[contains(@class, 'underskrift')]")
    assert len(blocks) == 2
    for block, name in zip(blocks, ["Karin Lindqvist", "Per <b>Ödmark</b>"]):
        assert [dt.text_content() for dt in block.xpath(".//dt")] == ["Underskrift", "Namnförtydligande", "Datum"]
        assert block.xpath("string(.//dt[.='Namnförtydligande']/following-sibling::dd)") == name
    assert doc.xpath("string(//h2)") == "Underskrift av betygssättande lärare"


def test_no_h1_the_page_has_it(doc):
    assert not doc.xpath("//h1")


def test_late_mark_only_when_late(doc):
    assert "Försenad" not in doc.text_content()
    late = lxml.html.fragment_fromstring(render_preview(make_catalogue(late=True)))
    assert "Försenad" in late.text_content()
