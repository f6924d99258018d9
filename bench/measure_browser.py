"""A 30-student group graded through the browser (``flows.grade_group``: search, open, every step
and lock box by role and name, Spara, the summary checked, Spara, the locks checked), against the
floor: the same grading of the same groups as plain form posts (``tests/support/pingpong_forms.py``); and
what a refusal on a screen costs the flows (the typed error at once, no retry or wait)."""

from __future__ import annotations

import time

from playwright.sync_api import sync_playwright

from bench.core import Figure
from bench.support import mocks_with, plan
from betyg_harness.fixtures.generator import generate
from betyg_harness import flows
from betyg_harness.flows import grade_group, login, open_browser
from tests.support.pingpong_forms import PingPongForms


def measure(quick: bool) -> list[Figure]:
    doc = generate(
        schools=1,
        groups_per_school=3 if quick else 8,
        students_per_group=30,
        seed=30,
        profile="gradeable",
        name="bench-browser",
    )
    groups = plan(doc)
    pair = mocks_with(doc)
    try:
        browser_s = []
        with sync_playwright() as playwright:
            browser = open_browser(playwright)
            page = browser.new_context(base_url=pair.pingpong.url).new_page()
            login(page)
            refusal_s = _refusals(page, groups[0], 2 if quick else 5)
            for name, grades, teachers in groups:
                started = time.perf_counter()
                result = grade_group(page, name, grades, teachers=teachers)
                browser_s.append(time.perf_counter() - started)
                assert len(result.set) == len(grades) == 30, result
            browser.close()
        pair.reset()
        http_s = []
        client = PingPongForms(pair.pingpong.url).login()
        for name, grades, teachers in groups:
            started = time.perf_counter()
            client.grade(client.group_id(name), grades, teachers=teachers, catalogue=False)
            http_s.append(time.perf_counter() - started)
    finally:
        pair.stop()
    scale = f"{len(groups)} grupper à 30 elever"
    return [
        Figure("Webbläsaren: grupp med 30 elever", "s", browser_s, 2, scale=scale),
        Figure("HTTP-golvet: samma grupp som formulärposter", "s", http_s, None, scale=scale),
        Figure("Webbläsare / HTTP per grupp", "×", [b / h for b, h in zip(browser_s, http_s)], 10, scale=scale),
        Figure(
            "En vägran på skärmen: typat fel, inget nytt försök",
            "s",
            refusal_s,
            1,
            scale="404, felstavad lärare, omvända datum, «Betygen sparades inte.»",
        ),
    ]


def _refusals(page, group, rounds: int) -> list[float]:
    """Each refusal the flows meet on a screen, timed from the call to the typed error."""
    name, grades, teachers = group
    gone = flows.GroupHit(name=name, course="", course_end="", teachers="", status="", href="/betyg/grupp/finns-inte")
    cases = [
        (flows.GroupNotFound, lambda: flows.open_group(page, gone)),
        (flows.TeacherNotFound, lambda: flows.find_groups(page, teacher=teachers[0][:-1])),
        (flows.SearchRefused, lambda: flows.find_groups(page, group="", date_from="2026-12-31", date_to="2026-12-01")),
        (flows.ValidationFailed, lambda: grade_group(page, name, grades, teachers=[])),
    ]
    seconds = []
    for _ in range(rounds):
        for expected, refuse in cases:
            started = time.perf_counter()
            try:
                refuse()
            except expected:
                seconds.append(time.perf_counter() - started)
            else:
                raise AssertionError(f"{expected.__name__} väntades")
    return seconds
