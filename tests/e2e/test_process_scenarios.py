"""The seed's whole routine, per scenario: search → grade and lock → summary → save → catalogue
checked against the data → the grade API and BER's SS 12000 answers checked against the
reference schemas → the grades in BER only after the import delay."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from betyg_harness import flows
from betyg_harness.contracts import betyg_records, check_betyg_contract, validate_ss12000_response
from betyg_harness.expected import grading_plan

SS12000_LISTS = ["organisations", "persons", "duties", "groups", "activities", "syllabuses", "grades"]


def pick(plans, scenario_name):
    """Every gradeable group of the small scenarios; of "mixed", one late gymnasial group, one
    grundläggande group and the 200-student group, to keep the suite quick."""
    if scenario_name != "mixed":
        return plans
    late = next(p for p in plans if p.late and p.level == "gymnasial")
    basic = next(p for p in plans if p.level == "grundläggande")
    big = next(p for p in plans if p.size == 200)
    return [late, basic, big]


@pytest.mark.parametrize(
    "scenario_name",
    [
        pytest.param("default", marks=pytest.mark.scenario("default")),
        pytest.param("small", marks=pytest.mark.scenario("small")),
        pytest.param("mixed", marks=pytest.mark.scenario("mixed")),
    ],
)
def test_seed_routine_end_to_end(
    scenario_name, scenario, pingpong, ber, mock_clock, assert_catalogue, pingpong_server, ber_server, tmp_path
):
    plans = pick(grading_plan(scenario), scenario_name)
    assert plans, "the scenario has no gradeable group"
    start = scenario["clock"]["start"][:16]
    for plan in plans:
        hit = next(h for h in pingpong.find_groups(group=plan.name) if h.name == plan.name)
        assert hit.status == ("Försenad" if plan.late else "Ej påbörjad")
        pingpong.grade_group(plan.name, plan.grades, teachers=plan.teachers)
        hit = next(h for h in pingpong.find_groups(group=plan.name) if h.name == plan.name)
        assert hit.status == "Klar"
        pdf = pingpong.download_catalogue(plan.name, tmp_path)
        assert_catalogue(
            pdf,
            plan.grades,
            teachers=plan.teachers,
            Kurskod=plan.course_code,
            Betygsgrupp=plan.name,
            Betygsdatum=plan.end.isoformat(),
        )

    # The grade API publishes every locked grade, XSD-valid and per the contract.
    tom = (dt.datetime.fromisoformat(scenario["clock"]["start"]) + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    answer = requests.get(
        f"{pingpong_server.url}/api/skolplattform/betyg",
        params={"from": start, "tom": tom, "schoolType": "VUX"},
        headers={"Authorization": "Bearer pingpong-dev-token"},
        timeout=30,
    )
    assert answer.status_code == 200
    check_betyg_contract(answer.content)
    published = {(r["kurskod"], r["value"]) for r in betyg_records(answer.content)}
    assert {(p.course_code, g) for p in plans for g in p.grades.values()} <= published
    assert len(betyg_records(answer.content)) == sum(p.size for p in plans)

    # BER: nothing before its next import, everything after it.
    expected = [
        flows.ExpectedGrade(p.name, pnr, p.course_code, g) for p in plans for pnr, g in list(p.grades.items())[:3]
    ]
    with pytest.raises(flows.NotVisibleInBer):
        ber.wait_until_visible(expected, timeout=dt.timedelta(0))
    mock_clock.advance(minutes=15)
    assert ber.wait_until_visible(expected, timeout=dt.timedelta(0)) == 1

    # Every SS 12000 answer BER gives about this scenario is shaped as the official schema says.
    http = requests.Session()
    http.headers["Authorization"] = "Bearer ber-dev-token"
    for resource in SS12000_LISTS:
        path = f"/ss12000/v2.1/{resource}"
        body = http.get(f"{ber_server.url}{path}", params={"limit": 1000}, timeout=30).json()
        validate_ss12000_response(path, 200, body)
        assert body["data"], f"{resource}: empty"
        item = http.get(f"{ber_server.url}{path}/{body['data'][0]['id']}", timeout=30).json()
        validate_ss12000_response(f"{path}/{{id}}", 200, item)
