"""How cost grows with a group's size: the grading view, the summary (first Spara), the confirm
(second Spara) and the catalogue PDF at 10, 50, 200 and 500 students, over HTTP; per student at
500 against per student at 50 (target: within 1.5×)."""

from __future__ import annotations

import time

from bench.core import Figure
from bench.support import mocks_with, plan
from betyg_harness.fixtures.generator import generate
from tests.support.pingpong_forms import FormError, PingPongForms

SIZES = (10, 50, 200, 500)
STEPS = ("betygsvy", "sammanfattning", "spara", "pdf")


def scenario() -> dict:
    doc = generate(
        schools=1,
        groups_per_school=len(SIZES),
        students_per_group=max(SIZES),
        seed=500,
        profile="gradeable",
        name="bench-growth",
    )
    groups = [g for g in doc["groups"] if g["graders"]][: len(SIZES)]
    for group, size in zip(groups, SIZES):
        group["enrolments"] = group["enrolments"][:size]
        group["name"] = f"SVESVE01 Växt {size}"
        group["course"] = "SVESVE01"
    doc["groups"] = groups
    return doc


def _round(client: PingPongForms, base: str, group_id: str, grades: dict, teachers: list[str]) -> dict[str, float]:
    times = {}
    started = time.perf_counter()
    form = client.open(group_id)
    times["betygsvy"] = time.perf_counter() - started
    started = time.perf_counter()
    summary = client.first_save(form, grades, lock=True, teachers=teachers)
    times["sammanfattning"] = time.perf_counter() - started
    if summary.status_code != 200:
        raise FormError(f"första Spara {summary.status_code}")
    started = time.perf_counter()
    answer = client.confirm(group_id, summary)
    times["spara"] = time.perf_counter() - started
    if answer.status_code != 302:
        raise FormError(f"andra Spara {answer.status_code}")
    started = time.perf_counter()
    pdf = client.http.get(f"{base}/betyg/grupp/{group_id}/betygskatalog.pdf", timeout=120)
    times["pdf"] = time.perf_counter() - started
    if not pdf.content.startswith(b"%PDF"):
        raise FormError(f"pdf {pdf.status_code}")
    return times


def measure(quick: bool) -> list[Figure]:
    doc = scenario()
    rounds = 2 if quick else 5
    pair = mocks_with(doc)
    measured = {(step, size): [] for step in STEPS for size in SIZES}
    try:
        for _ in range(rounds):
            pair.reset()
            client = PingPongForms(pair.pingpong.url).login()
            for (name, grades, teachers), size in zip(plan(doc), SIZES):
                for step, seconds in _round(client, pair.pingpong.url, client.group_id(name), grades, teachers).items():
                    measured[(step, size)].append(seconds * 1000)
    finally:
        pair.stop()
    figures = []
    for step in STEPS:
        for size in SIZES:
            figures.append(
                Figure(f"Växt: {step}, {size} elever", "ms", measured[(step, size)], None, scale=f"{rounds} varv")
            )
        per_50 = sorted(measured[(step, 50)])[len(measured[(step, 50)]) // 2] / 50
        per_500 = [t / 500 for t in measured[(step, 500)]]
        figures.append(
            Figure(
                f"Växt: {step}, tid per elev 500 / 50", "×", [p / per_50 for p in per_500], 1.5, scale=f"{rounds} varv"
            )
        )
    return figures
