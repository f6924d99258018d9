"""Login, CSRF, roles and search in Ping Pong (Flask test client; the real BER over HTTP)."""

from __future__ import annotations

import re

from tests.api.pingpong_support import gid, text_of
from tests.support.pingpong_forms import PingPongForms


def result_names(response) -> list[str]:
    section = response.get_data(as_text=True).split("Sökresultat", 1)[-1]
    return re.findall(r'<a href="/betyg/grupp/[^"]+">([^<]+)</a>', section)


# -- login and CSRF -------------------------------------------------------------------------------
def test_login_page_and_bad_password(fresh):
    browser = PingPongForms(fresh)
    page = browser.get("/login")
    assert "<h1>Logga in</h1>" in page.get_data(as_text=True)
    response = browser.post("/login", {"username": "betygsadmin", "password": "fel", "csrf_token": browser.token()})
    assert response.status_code == 401
    assert 'role="alert"' in response.get_data(as_text=True)
    assert "Fel användarnamn eller lösenord." in text_of(response)


def test_login_then_menu_then_logout(fresh):
    browser = PingPongForms(fresh)
    assert browser.sign_in("betygsadmin").status_code == 302
    home = browser.get("/")
    html = home.get_data(as_text=True)
    assert 'aria-label="Huvudmeny"' in html and "<summary>Verktyg</summary>" in html
    assert 'href="/betyg">Betyg</a>' in html and "Logga ut" in html
    browser.post("/logout", {"csrf_token": browser.token()})
    assert browser.get("/betyg").status_code == 302  # back to the login page


def test_pages_need_login(fresh):
    response = fresh.test_client().get(f"/betyg/grupp/{gid('svesve01-ht26-a')}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_post_without_csrf_token_is_refused_and_nothing_happens(fresh):
    assert fresh.config["WTF_CSRF_ENABLED"]
    client = fresh.test_client()
    response = client.post("/login", data={"username": "betygsadmin", "password": "betygsadmin"})
    assert response.status_code == 400
    assert "säkerhetstoken" in text_of(response)
    assert client.get("/betyg").status_code == 302  # not logged in


def test_grading_post_without_csrf_token_is_refused(admin):
    data = admin.grading_form("svesve01-ht26-a", {"s01": "C"}, teachers=["anna.lindqvist"])
    del data["csrf_token"]
    response = admin.post_grading("svesve01-ht26-a", data)
    assert response.status_code == 400
    assert "Sammanfattning" not in text_of(response)


# -- roles ----------------------------------------------------------------------------------------
def test_student_account_has_no_access_to_betyg(fresh):
    browser = PingPongForms(fresh)
    browser.sign_in("elev.asa")
    for url in ("/betyg", "/betyg/sok-grupp?sok=1", f"/betyg/grupp/{gid('svesve01-ht26-a')}"):
        response = browser.get(url)
        assert response.status_code == 403
        assert "Du har inte behörighet till Betyg." in text_of(response)
        assert "<h1>Betyg</h1>" in response.get_data(as_text=True)


def test_teacher_sees_only_groups_where_they_grade(fresh):
    browser = PingPongForms(fresh)
    browser.sign_in("omar.haddad")
    names = result_names(browser.get("/betyg/sok-grupp?sok=1&q="))
    assert sorted(names) == ["GRNMAT2 HT26 Kista A", "MATMAT01a VT27 Kista A"]
    assert browser.get(f"/betyg/grupp/{gid('svesve01-ht26-a')}").status_code == 403
    assert browser.get(f"/betyg/grupp/{gid('grnmat2-ht26-a')}").status_code == 200


def test_teacher_dropdown_offers_only_reachable_teachers(fresh):
    browser = PingPongForms(fresh)
    browser.sign_in("omar.haddad")
    html = browser.get("/betyg/sok-larare").get_data(as_text=True)
    options = re.findall(r"<option value=\"[^\"]+\"[^>]*>([^<]+)</option>", html)
    assert options == ["Omar Haddad"]


def test_admin_sees_every_searchable_group(admin):
    names = result_names(admin.get("/betyg/sok-grupp?sok=1&q="))
    assert sorted(names) == [
        "ENGENG05 HT26 Kista B",
        "GRNMAT2 HT26 Kista A",
        "MATMAT01a VT27 Kista A",
        "SVESVE01 HT26 Kista A",
    ]


# -- search ---------------------------------------------------------------------------------------
def test_group_without_grading_teacher_is_not_searchable(admin):
    assert result_names(admin.get("/betyg/sok-grupp?sok=1&q=HISHIS")) == []
    assert "Inga betygsgrupper hittades." in text_of(admin.last)
    assert admin.get(f"/betyg/grupp/{gid('hishis01a1-ht26-utan')}").status_code == 404


def test_search_by_partial_name_course_or_teacher_case_insensitive(admin):
    assert result_names(admin.get("/betyg/sok-grupp?sok=1&q=svesve")) == ["SVESVE01 HT26 Kista A"]
    assert result_names(admin.get("/betyg/sok-grupp?sok=1&q=MATEMATIK")) == [
        "MATMAT01a VT27 Kista A",
        "GRNMAT2 HT26 Kista A",
    ]
    assert result_names(admin.get("/betyg/sok-grupp?sok=1&q=engelska")) == ["ENGENG05 HT26 Kista B"]


def test_search_by_teacher_is_aware_of_swedish_letters(admin):
    assert result_names(admin.get("/betyg/sok-grupp?sok=1&q=%C3%96STBERG")) == ["ENGENG05 HT26 Kista B"]
    assert result_names(admin.get("/betyg/sok-grupp?sok=1&q=ostberg")) == []  # ö is not o


def test_search_by_term(admin):
    assert result_names(admin.get("/betyg/sok-grupp?sok=1&termin=VT+2027")) == ["MATMAT01a VT27 Kista A"]
    assert len(result_names(admin.get("/betyg/sok-grupp?sok=1&termin=HT+2026"))) == 3
    html = admin.get("/betyg/sok-grupp").get_data(as_text=True)
    assert re.findall(r'<select id="termin".*?</select>', html, re.S)[0].count("<option") == 3
    assert ">Alla terminer</option>" in html and "<option>HT 2026</option>" in html


def test_search_by_course_end_dates(admin):
    names = result_names(admin.get("/betyg/sok-grupp?sok=1&from=2026-12-17&tom=2026-12-18"))
    assert sorted(names) == ["GRNMAT2 HT26 Kista A", "SVESVE01 HT26 Kista A"]
    both = result_names(admin.get("/betyg/sok-grupp?sok=1&termin=HT+2026&from=2026-12-18"))
    assert both == ["GRNMAT2 HT26 Kista A"]


def test_search_with_bad_dates_says_so_near_the_field(admin):
    for bad in ("18/12/2026", "2026-02-30", "20261218", "2026-W51-1"):
        response = admin.get(f"/betyg/sok-grupp?sok=1&from={bad}")
        assert response.status_code == 400 and "Ange ett datum som finns, som åååå-mm-dd." in text_of(response)
    response = admin.get("/betyg/sok-grupp?sok=1&from=2026-12-18&tom=2026-12-01")
    assert response.status_code == 400 and "T.o.m. får inte vara före Fr.o.m." in text_of(response)


def test_search_by_teacher_dropdown(admin):
    from tests.api.pingpong_support import pid

    url = f"/betyg/sok-larare?sok=1&larare={pid('karin.ostberg')}&from=2026-08-01&tom=2026-12-31"
    assert result_names(admin.get(url)) == ["ENGENG05 HT26 Kista B"]
    assert "Välj en lärare." in text_of(admin.get("/betyg/sok-larare?sok=1"))


def test_results_show_course_end_teachers_and_status(admin):
    text = text_of(admin.get("/betyg/sok-grupp?sok=1&q=kista"))
    for header in ("Betygsgrupp", "Kurs", "Kursslut", "Betygssättande lärare", "Status"):
        assert header in text
    assert "ENGENG05 HT26 Kista B ENGENG05 Engelska 5 2026-11-27 Anna Lindqvist, Karin Östberg Försenad" in text
    assert "SVESVE01 HT26 Kista A SVESVE01 Svenska 1 2026-12-17 Anna Lindqvist Ej påbörjad" in text


def test_many_hits_are_capped_with_a_note(admin, app):
    app.config["SEARCH_LIMIT"] = 2
    try:
        response = admin.get("/betyg/sok-grupp?sok=1")
        assert len(result_names(response)) == 2
        assert "Visar de 2 första träffarna. Förfina sökningen för att se fler." in text_of(response)
    finally:
        app.config["SEARCH_LIMIT"] = 200
