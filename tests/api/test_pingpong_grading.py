"""The grading view, both Spara steps, every validation message, staleness and the catalogue."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import func, select

from betyg_harness.mock_kit.clock import STOCKHOLM
from betyg_harness.mock_pingpong.models import grades
from tests.api.pingpong_support import gid, pid, text_of
from tests.support.pingpong_forms import PingPongForms

SVE = "svesve01-ht26-a"  # gymnasial, ends 2026-12-17: s01–s04 admitted, s05 Avbrott, s06 Ej antagen
GRN = "grnmat2-ht26-a"  # grundläggande, ends 2026-12-18: s07–s09 admitted, s10 Avslutad
ENG = "engeng05-ht26-sen"  # ended 2026-11-27: late on 2026-12-18
MAT = "matmat01a-vt27-a"  # ends 2027-01-22: not yet gradeable
SVE_ALL = {"s01": "A", "s02": "B", "s03": "C", "s04": "-"}


def stored(app) -> list:
    with app.extensions["mock_kit"].db.engine.connect() as conn:
        return conn.execute(select(grades).order_by(grades.c.id)).all()


def set_clock(app, iso: str) -> None:
    app.extensions["mock_kit"].clock.set(datetime.fromisoformat(iso).astimezone(STOCKHOLM))


# -- the view -------------------------------------------------------------------------------------
def test_view_lists_admitted_students_in_swedish_order(admin):
    response = admin.open_group(SVE)
    html = response.get_data(as_text=True)
    assert "<h1>SVESVE01 HT26 Kista A</h1>" in html
    names = re.findall(r'role="radiogroup" aria-label="Betyg för ([^"]+)"', html)
    assert names == ["Łukasz Nowak", "Nguyễn Thị Lan", "Ayşe Yılmaz", "Åsa Öberg"]  # no Søren, no Íñigo
    text = text_of(response)
    for label in ("Kurs", "Period", "Kursslut", "Betygssättande lärare", "Status", "Personnummer", "Namn", "Lås"):
        assert label in text
    assert "19900602-2397" in text and "2026-08-17 – 2026-12-17" in text


def test_gymnasial_and_grundlaggande_scales(admin):
    sve = admin.open_group(SVE).get_data(as_text=True)
    assert re.findall(rf'name="grade-{pid("s01")}" value="([^"]+)"', sve) == ["A", "B", "C", "D", "E", "F", "-"]
    grn = admin.open_group(GRN).get_data(as_text=True)
    assert re.findall(rf'name="grade-{pid("s07")}" value="([^"]+)"', grn) == ["G", "IG"]
    assert "Lås betyg för Eva Andersson" in grn
    assert re.search(
        r'<legend>Betygssättande lärare</legend>\s*<label><input type="checkbox" name="teacher" '
        rf'value="{pid("omar.haddad")}"> Omar Haddad</label>',
        grn,
    )


def test_before_course_end_the_view_is_read_only(admin):
    response = admin.open_group(MAT)
    html = response.get_data(as_text=True)
    assert "Betyg kan sättas från och med 2027-01-22." in text_of(response)
    assert '<button type="submit" class="primary">Spara</button>' not in html
    assert re.search(rf'name="grade-{pid("s07")}" value="A" disabled', html)


def test_grading_before_course_end_is_refused_by_the_server(admin):
    data = admin.grading_form(MAT, {"s07": "C"}, teachers=["omar.haddad"])
    response = admin.post_grading(MAT, data)
    assert response.status_code == 422
    assert "Betygen sparades inte." in text_of(response)
    assert "Betyg kan sättas från och med 2027-01-22." in text_of(response)
    assert stored(admin.app) == []


def test_late_group_is_flagged(admin):
    assert "Försenad" in text_of(admin.open_group(ENG))
    assert "Försenad" not in text_of(admin.open_group(SVE))


# -- two-step save --------------------------------------------------------------------------------
def test_first_spara_shows_summary_and_stores_nothing(admin):
    data = admin.grading_form(SVE, SVE_ALL, locks=["s01", "s02"], teachers=["anna.lindqvist"])
    response = admin.post_grading(SVE, data)
    assert response.status_code == 200
    text = text_of(response)
    assert "<h1>Sammanfattning</h1>" in response.get_data(as_text=True)
    assert "Åsa Öberg 19900602-2397 A Ja" in text and "Nguyễn Thị Lan 20000105-2380 - Nej" in text
    assert "Antal per betyg" in text and "A 1 B 1 C 1 D 0 E 0 F 0 - 1" in text
    assert "Betygssättande lärare Anna Lindqvist" in text
    assert stored(admin.app) == []


def test_tillbaka_returns_with_every_choice_intact(admin):
    data = admin.grading_form(SVE, {"s01": "B", "s03": "F"}, locks=["s03"], teachers=["anna.lindqvist"])
    admin.post_grading(SVE, data)
    back = admin.second_save(SVE, action="tillbaka")
    html = back.get_data(as_text=True)
    assert re.search(rf'name="grade-{pid("s01")}" value="B" checked', html)
    assert re.search(rf'name="grade-{pid("s03")}" value="F" checked', html)
    assert re.search(rf'name="lock-{pid("s03")}" value="1" checked', html)
    assert not re.search(rf'name="lock-{pid("s01")}" value="1" checked', html)
    assert re.search(rf'name="teacher" value="{pid("anna.lindqvist")}" checked', html)
    assert stored(admin.app) == []


def test_second_spara_stores_and_locks(admin):
    set_clock(admin.app, "2026-12-18T09:30:00+01:00")
    response = admin.save_by_key(SVE, SVE_ALL, locks=list(SVE_ALL), teachers=["anna.lindqvist"])
    assert response.status_code == 302
    page = admin.get(response.headers["Location"])
    text = text_of(page)
    assert "Betygen är sparade och låsta." in text
    assert text.count("Låst 2026-12-18 av Maria Betygsadministratör") == 4
    assert "Klar" in text
    rows = stored(admin.app)
    assert {(r.person_id, r.value, r.locked) for r in rows} == {(pid(k), v, True) for k, v in SVE_ALL.items()}
    assert all(r.deciders == [pid("anna.lindqvist")] for r in rows)
    assert rows[0].changed_at == datetime(2026, 12, 18, 9, 30, tzinfo=STOCKHOLM)  # stored as UTC
    html = page.get_data(as_text=True)
    assert re.search(rf'name="grade-{pid("s01")}" value="A" checked disabled', html)  # read-only


def test_unlocked_save_is_a_draft_that_stays_editable(admin):
    response = admin.save_by_key(GRN, {"s07": "G", "s08": "IG"}, teachers=["omar.haddad"])
    page = admin.get(response.headers["Location"])
    assert "Betygen är sparade." in text_of(page) and "Pågår" in text_of(page)
    html = page.get_data(as_text=True)
    assert re.search(rf'name="grade-{pid("s07")}" value="G" checked>', html)  # pre-chosen, not disabled
    assert "Utkast" in text_of(page)
    # Change a draft and lock everything.
    final = admin.save_by_key(
        GRN, {"s07": "IG", "s08": "IG", "s09": "G"}, locks=["s07", "s08", "s09"], teachers=["omar.haddad"]
    )
    assert final.status_code == 302
    assert {(r.person_id, r.value, r.locked) for r in stored(admin.app)} == {
        (pid("s07"), "IG", True),
        (pid("s08"), "IG", True),
        (pid("s09"), "G", True),
    }


def test_locked_grade_cannot_be_changed_by_a_crafted_form(admin):
    admin.save_by_key(SVE, {"s01": "A"}, locks=["s01"], teachers=["anna.lindqvist"])
    data = admin.grading_form(SVE, {"s01": "F", "s02": "C"}, teachers=["anna.lindqvist"])
    response = admin.post_grading(SVE, data)
    assert response.status_code == 422
    assert "Betyget för Åsa Öberg är låst och kan inte ändras." in text_of(response)


# -- validation messages over HTTP ----------------------------------------------------------------
def assert_refused(admin, key, data, message):
    response = admin.post_grading(key, data)
    assert response.status_code == 422, text_of(response)
    text = text_of(response)
    assert "Betygen sparades inte." in text and message in text
    assert "Sammanfattning" not in text
    assert stored(admin.app) == []
    return response


def test_lock_without_grade(admin):
    data = admin.grading_form(SVE, {"s01": "C"}, locks=["s02"], teachers=["anna.lindqvist"])
    response = assert_refused(admin, SVE, data, "Välj ett betyg för Łukasz Nowak innan du låser det.")
    html = response.get_data(as_text=True)
    assert f'id="err-lock-{pid("s02")}"' in html  # next to the field
    assert re.search(rf'name="grade-{pid("s01")}" value="C" checked', html)  # choices kept


def test_no_grading_teacher_ticked(admin):
    data = admin.grading_form(SVE, {"s01": "C"})
    assert_refused(admin, SVE, data, "Bocka i minst en betygssättande lärare.")


def test_teacher_who_is_not_a_grader_cannot_be_ticked(admin):
    data = admin.grading_form(SVE, {"s01": "C"}, teachers=["omar.haddad"])
    assert_refused(admin, SVE, data, "Endast lärare som är kopplade som betygssättande lärare till gruppen i BER")


def test_grade_outside_the_scale(admin):
    data = admin.grading_form(GRN, {"s07": "A"}, teachers=["omar.haddad"])
    response = assert_refused(admin, GRN, data, "Betyget A finns inte i betygsskalan för GRNMAT2 (G, IG).")
    assert f'id="err-grade-{pid("s07")}"' in response.get_data(as_text=True)


def test_student_not_admitted(admin):
    data = admin.grading_form(SVE, {"s05": "C"}, teachers=["anna.lindqvist"])  # Avbrott 2026-10-05
    assert_refused(admin, SVE, data, "Søren Ødegård har inte status Antagen i gruppen och kan inte få betyg.")
    data = admin.grading_form(GRN, {"s10": "G"}, teachers=["omar.haddad"])  # Avslutad
    assert_refused(admin, GRN, data, "Patrick O'Brien har inte status Antagen")


def test_nothing_chosen(admin):
    data = admin.grading_form(SVE, {}, teachers=["anna.lindqvist"])
    assert_refused(admin, SVE, data, "Inga betyg att spara. Välj minst ett betyg.")


def test_tampered_summary_is_refused(admin):
    admin.post_grading(SVE, admin.grading_form(SVE, {"s01": "C"}, teachers=["anna.lindqvist"]))
    data = {"csrf_token": admin.token(), "payload": admin.payload() + "x", "action": "spara"}
    response = admin.post(f"/betyg/grupp/{gid(SVE)}/sammanfattning", data)
    assert response.status_code == 400
    assert stored(admin.app) == []


# -- staleness ------------------------------------------------------------------------------------
def test_stale_form_is_refused_and_reloads_with_the_other_save(fresh):
    first, second = PingPongForms(fresh), PingPongForms(fresh)
    first.sign_in("betygsadmin")
    second.sign_in("anna.lindqvist")
    opened = first.open_group(SVE)
    old_form = first.grading_form(SVE, {"s01": "F"}, teachers=["anna.lindqvist"], page=opened)
    second.save_by_key(SVE, {"s01": "A", "s02": "B"}, locks=["s01"], teachers=["anna.lindqvist"])
    response = first.post_grading(SVE, old_form)
    assert response.status_code == 409
    text = text_of(response)
    assert (
        "Någon annan har sparat betyg i gruppen sedan du öppnade den. Sidan har laddats om med deras ändringar."
    ) in text
    assert "Låst 2026-12-18 av Anna Lindqvist" in text
    html = response.get_data(as_text=True)
    assert re.search(rf'name="grade-{pid("s02")}" value="B" checked', html)
    assert {(r.person_id, r.value) for r in stored(fresh)} == {(pid("s01"), "A"), (pid("s02"), "B")}


def test_stale_at_the_summary_step_too(fresh):
    first, second = PingPongForms(fresh), PingPongForms(fresh)
    first.sign_in("betygsadmin")
    second.sign_in("betygsadmin")
    first.post_grading(SVE, first.grading_form(SVE, {"s03": "E"}, teachers=["anna.lindqvist"]))
    second.save_by_key(SVE, {"s03": "D"}, teachers=["anna.lindqvist"])
    response = first.second_save(SVE)
    assert response.status_code == 409
    assert "Någon annan har sparat betyg i gruppen" in text_of(response)
    assert [(r.person_id, r.value) for r in stored(fresh)] == [(pid("s03"), "D")]


# -- the catalogue --------------------------------------------------------------------------------
def test_catalogue_disabled_until_every_grade_is_locked(admin):
    html = admin.open_group(SVE).get_data(as_text=True)
    assert '<button type="button" disabled aria-describedby="catalogue-reason">Förhandsgranska</button>' in html
    assert '<button type="button" disabled aria-describedby="catalogue-reason">Ladda ned pdf</button>' in html
    assert "Betygskatalogen kan skrivas ut först när alla betyg i gruppen är registrerade och låsta." in html
    for suffix in ("betygskatalog", "betygskatalog.pdf"):
        response = admin.get(f"/betyg/grupp/{gid(SVE)}/{suffix}")
        assert response.status_code == 409
        assert "Betygskatalogen kan skrivas ut först när alla betyg" in text_of(response)
    admin.save_by_key(
        SVE, {"s01": "A", "s02": "B", "s03": "C"}, locks=["s01", "s02", "s03"], teachers=["anna.lindqvist"]
    )
    assert admin.get(f"/betyg/grupp/{gid(SVE)}/betygskatalog.pdf").status_code == 409  # s04 still open


def test_catalogue_preview_and_pdf_when_all_locked(admin):
    admin.save_by_key(SVE, SVE_ALL, locks=list(SVE_ALL), teachers=["anna.lindqvist"])
    html = admin.open_group(SVE).get_data(as_text=True)
    assert '<button type="submit">Förhandsgranska</button>' in html
    preview = admin.get(f"/betyg/grupp/{gid(SVE)}/betygskatalog")
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert page.count("<h1") == 1 and "Betygskatalog" in page
    text = text_of(preview)
    assert "41236987" in text and "Nowak" in text and "Öberg" in text and "Anna Lindqvist" in text
    assert text.index("Nowak") < text.index("Thị Lan") < text.index("Yılmaz") < text.index("Öberg")
    pdf = admin.get(f"/betyg/grupp/{gid(SVE)}/betygskatalog.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == (
        'attachment; filename="betygskatalog_SVESVE01_svesve01-ht26-kista-a_2026-12-17.pdf"'
    )
    assert pdf.data.startswith(b"%PDF")


def test_catalogue_pdf_text_holds_the_rows(admin):
    import io

    from pypdf import PdfReader

    admin.save_by_key(GRN, {"s07": "G", "s08": "IG", "s09": "G"}, locks=["s07", "s08", "s09"], teachers=["omar.haddad"])
    pdf = admin.get(f"/betyg/grupp/{gid(GRN)}/betygskatalog.pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    for needle in (
        "Betygskatalog",
        "GRNMAT2",
        "Al-Sayed",
        "Andersson",
        "Zetterlund",
        "Omar Haddad",
        "Sida 1 av 1",
        "20000103-2382",
    ):
        assert needle in text


# -- speed ----------------------------------------------------------------------------------------
def test_nothing_stored_in_other_groups(admin):
    admin.save_by_key(SVE, {"s01": "A"}, teachers=["anna.lindqvist"])
    with admin.app.extensions["mock_kit"].db.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(grades).where(grades.c.group_id != gid(SVE))).scalar() == 0


def test_search_results_follow_the_saved_grades(admin):
    """The status in Sökresultat moves with what is stored: Ej påbörjad → Pågår (drafts) → Klar."""

    def status():
        text = text_of(admin.get("/betyg/sok-grupp?sok=1&q=SVESVE01"))
        return re.search(r"SVESVE01 HT26 Kista A .* (Ej påbörjad|Pågår|Klar|Försenad)", text).group(1)

    set_clock(admin.app, "2026-12-18T09:30:00+01:00")
    assert status() == "Ej påbörjad"
    admin.save_by_key(SVE, {"s01": "A"}, teachers=["anna.lindqvist"])
    assert status() == "Pågår"
    admin.save_by_key(SVE, SVE_ALL, locks=list(SVE_ALL), teachers=["anna.lindqvist"])
    assert status() == "Klar"
