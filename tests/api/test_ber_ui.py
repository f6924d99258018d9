"""The BER UI through Flask's test client: login, CSRF, search, group page, grader links."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from betyg_harness.contracts import validate_ss12000_response
from betyg_harness.mock_ber import create_app
from betyg_harness.scenario import stable_id
from tests.support.clock import START

AUTH = {"Authorization": "Bearer ber-dev-token"}
SVE = stable_id("group", "svesve01-ht26-a")
HIS = stable_id("group", "hishis01a1-ht26-utan")


def csrf(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


@pytest.fixture
def client():
    app = create_app({"SCHEDULER": False, "LOG_REQUESTS": False, "PINGPONG_URL": "http://127.0.0.1:9"})
    client = app.test_client()
    client.post("/_mock/clock", json={"now": START, "freeze": True})
    return client


@pytest.fixture
def admin(client):
    token = csrf(client.get("/login").get_data(as_text=True))
    assert (
        client.post("/login", data={"username": "beradmin", "password": "beradmin", "csrf_token": token}).status_code
        == 302
    )
    return client


def text(response):
    return response.get_data(as_text=True)


def test_pages_need_a_login(client):
    response = client.get("/grupper")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_wrong_password_is_refused_in_swedish(client):
    page = text(client.get("/login"))
    assert "<h1>Logga in</h1>" in page and 'for="username">Användarnamn' in page
    response = client.post("/login", data={"username": "beradmin", "password": "fel", "csrf_token": csrf(page)})
    assert response.status_code == 401 and "Fel användarnamn eller lösenord." in text(response)


def test_a_form_without_its_csrf_token_is_refused(client):
    response = client.post("/login", data={"username": "beradmin", "password": "beradmin"})
    assert response.status_code == 400
    assert client.get("/grupper").status_code == 302  # not logged in


def test_search_by_name_course_school_and_dates(admin):
    page = text(admin.get("/grupper"))
    assert page.count("<h1>") == 1 and "<h1>Undervisningsgrupper</h1>" in page
    assert page.count('<th scope="col">') >= 6
    hits = text(admin.get("/grupper?name=kista+a&course=svenska&submit=1"))
    assert "SVESVE01 HT26 Kista A" in hits and "GRNMAT2" not in hits
    school = stable_id("organisation", "vux-kista")
    in_january = text(admin.get(f"/grupper?school={school}&date_from=2027-01-01&submit=1"))
    assert "MATMAT01a VT27 Kista A" in in_january and "SVESVE01 HT26" not in in_january
    none = text(admin.get("/grupper?name=finns+inte&submit=1"))
    assert "Inga undervisningsgrupper hittades." in none
    bad = admin.get("/grupper?date_from=igår&submit=1")
    assert bad.status_code == 400 and "Ange ett datum som ÅÅÅÅ-MM-DD." in text(bad)


def test_group_page_lists_students_statuses_and_graders(admin):
    page = text(admin.get(f"/grupper/{SVE}"))
    assert "<h1>SVESVE01 HT26 Kista A</h1>" in page and "<caption>Elever</caption>" in page
    assert "19900602-2397" in page and "Åsa Öberg" in page
    assert "Avbrott" in page and "2026-10-05" in page and "Ej antagen" in page
    assert "Ta bort Anna Lindqvist" in page
    assert "Koppla betygsättande lärare" in page and "Betygssättande lärare" in page
    assert admin.get("/grupper/11111111-2222-3333-4444-555555555555").status_code == 404


def activity(client, group_key):
    response = client.get(f"/ss12000/v2.1/activities/{stable_id('activity', group_key)}", headers=AUTH)
    validate_ss12000_response("/ss12000/v2.1/activities/x", 200, response.get_json())
    return response.get_json()


def test_linking_a_teacher_in_the_ui_makes_the_group_findable(admin):
    before = activity(admin, "hishis01a1-ht26-utan")
    assert not any(t["grader"] for t in before["teachers"])
    admin.post("/_mock/clock/advance", json={"minutes": 5})
    page = text(admin.get(f"/grupper/{HIS}"))
    response = admin.post(
        f"/grupper/{HIS}/betygssattande",
        data={"teacher": stable_id("person", "karin.ostberg"), "csrf_token": csrf(page)},
        follow_redirects=True,
    )
    assert "Karin Östberg är kopplad som betygssättande lärare." in text(response)
    after = activity(admin, "hishis01a1-ht26-utan")
    assert [t["grader"] for t in after["teachers"]] == [True]
    assert after["meta"]["modified"] > before["meta"]["modified"]


def test_a_rektor_cannot_be_linked_and_nothing_is_stored(admin):
    page = text(admin.get(f"/grupper/{HIS}"))
    assert "Bo Ek" not in page  # only Lärare are offered
    response = admin.post(
        f"/grupper/{HIS}/betygssattande", data={"teacher": stable_id("person", "bo.rektor"), "csrf_token": csrf(page)}
    )
    assert response.status_code == 400
    assert "Bo Ek har inte rollen Lärare och kan inte kopplas som betygssättande lärare." in text(response)
    assert not any(t["grader"] for t in activity(admin, "hishis01a1-ht26-utan")["teachers"])
    empty = admin.post(f"/grupper/{HIS}/betygssattande", data={"teacher": "", "csrf_token": csrf(page)})
    assert empty.status_code == 400 and "Välj en lärare." in text(empty)


def test_unlinking_the_last_grader_bumps_modified_and_removes_grader_true(admin):
    before = activity(admin, "svesve01-ht26-a")
    assert [t["grader"] for t in before["teachers"]] == [True]
    admin.post("/_mock/clock/advance", json={"minutes": 5})
    page = text(admin.get(f"/grupper/{SVE}"))
    response = admin.post(
        f"/grupper/{SVE}/betygssattande/ta-bort",
        data={"person": stable_id("person", "anna.lindqvist"), "csrf_token": csrf(page)},
        follow_redirects=True,
    )
    assert "Anna Lindqvist är inte längre betygssättande lärare." in text(response)
    assert "Inga betygssättande lärare är kopplade." in text(response)
    after = activity(admin, "svesve01-ht26-a")
    assert not any(t["grader"] for t in after["teachers"])
    # Ping Pong's incremental sync sees the change: the activity and the group are newer.
    since = quote(before["meta"]["modified"])
    changed = admin.get(f"/ss12000/v2.1/activities?meta.modified.after={since}", headers=AUTH).get_json()["data"]
    assert [a["id"] for a in changed] == [after["id"]]
    groups = admin.get(f"/ss12000/v2.1/groups?meta.modified.after={since}", headers=AUTH).get_json()["data"]
    assert [g["id"] for g in groups] == [SVE]


def test_student_page_without_grades(admin):
    page = text(admin.get(f"/elever/{stable_id('person', 's01')}"))
    assert "<h1>Åsa Öberg</h1>" in page and "Inga betyg har tagits emot." in page


def test_import_log_page_and_run_now_button(admin):
    page = text(admin.get("/betygsimport"))
    assert "<h1>Betygsimport</h1>" in page and "Ingen import har körts ännu." in page
    admin.post("/_mock/clock/advance", json={"minutes": 3})
    response = admin.post("/betygsimport", data={"csrf_token": csrf(page)}, follow_redirects=True)
    # Nothing listens on the configured Ping Pong: a failed run, shown in the log.
    assert "Importen misslyckades" in text(response) and "Misslyckades" in text(response)
