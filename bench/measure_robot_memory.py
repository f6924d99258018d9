"""The robot's memory over a long run (issue 21): 500 groups graded by 2 workers while the robot
process and all its descendants are sampled every half second — robot (python), driver (node) and
browsers (every Chromium process) — at the start, at the end, and as growth per 100 groups. Run
twice: as the robot runs by default (contexts and browsers recycled) and with ``--recycle-every 0``.

Sums of RSS count Chromium's shared pages once per process, so they overstate the total; USS (the
pages only that process holds) is summed as well and is what the growth figure is judged on.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from betyg_harness.fixtures.generator import generate

from bench.core import Figure
from bench.support import ROOT, mocks_with, plan, write_csv

KINDS = ("robot", "driver", "browsers")
MB = 1024 * 1024
INTERVAL = 0.5
# Never recycled, the robot grows 4–5 MB per group (400–500 MB/100 groups, issue 21). At 20 MB/100
# groups a term's 5 000 groups (a large municipality) still grow by at most 1 GB; recycling brings it near 0.
GROWTH_TARGET = 20.0


@dataclass
class Sample:
    at: float  # seconds since the robot started
    done: int  # groups with a "done" line in the journal so far
    rss: dict[str, float] = field(default_factory=dict)  # MB per kind
    uss: dict[str, float] = field(default_factory=dict)  # MB per kind
    browser_processes: int = 0
    cost_ms: float = 0.0  # what taking this sample took (it competes with the robot for CPU)


def _kind(proc: psutil.Process, root_pid: int) -> str:
    if proc.pid == root_pid:
        return "robot"
    name = proc.name().lower()
    if "chrom" in name or "headless" in name:
        return "browsers"
    if name == "node" or name.startswith("node"):
        return "driver"
    return "robot"  # anything else the robot starts (none today) counts as the robot's own


def _sample(root: psutil.Process, done: int, at: float) -> Sample:
    sample = Sample(at, done, dict.fromkeys(KINDS, 0.0), dict.fromkeys(KINDS, 0.0))
    try:
        family = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return sample
    for proc in family:
        try:
            kind = _kind(proc, root.pid)
            info = proc.memory_full_info()  # rss and uss from one read of /proc/<pid>/smaps
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue  # a renderer that ended between the listing and the read
        sample.rss[kind] += info.rss / MB
        sample.uss[kind] += info.uss / MB
        sample.browser_processes += kind == "browsers"
    return sample


class _JournalCounter:
    """Groups finished so far, read from the end of the journal the robot appends to."""

    def __init__(self, path: Path):
        self.path, self.offset, self.done = path, 0, 0

    def count(self) -> int:
        try:
            with self.path.open("rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read()
        except FileNotFoundError:
            return self.done
        complete = chunk[: chunk.rfind(b"\n") + 1]  # a line still being written is read next time
        self.offset += len(complete)
        for raw in complete.splitlines():
            try:
                self.done += json.loads(raw).get("status") == "done"
            except (json.JSONDecodeError, AttributeError):
                continue
        return self.done


def _watch(proc: subprocess.Popen, journal: Path, samples: list[Sample], started: float) -> None:
    root, counter = psutil.Process(proc.pid), _JournalCounter(journal)
    while proc.poll() is None:
        tick = time.perf_counter()
        sample = _sample(root, counter.count(), tick - started)
        sample.cost_ms = (time.perf_counter() - tick) * 1000
        samples.append(sample)
        time.sleep(max(0.0, INTERVAL - (time.perf_counter() - tick)))


def _slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of y on x."""
    n = len(points)
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0


def run_and_sample(
    doc: dict, tmp: Path, *, workers: int = 2, extra: tuple[str, ...] = ()
) -> tuple[list[Sample], dict, float, int]:
    """One robot run over ``doc`` (mocks started here): the samples, rapport.json, seconds, groups."""
    csv, out = tmp / "betyg.csv", tmp / "ut"
    write_csv(doc, csv)
    groups = len(plan(doc))
    pair = mocks_with(doc, tmp)
    try:
        env = {**os.environ, "PINGPONG_URL": pair.pingpong.url, "BER_URL": pair.ber.url}
        log = (tmp / "robot.log").open("w", encoding="utf-8")
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "betyg_harness.flows",
                "grade",
                "--input",
                str(csv),
                "--out",
                str(out),
                "--workers",
                str(workers),
                "--no-trace",
                *extra,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        samples: list[Sample] = []
        watcher = threading.Thread(target=_watch, args=(proc, out / "journal.jsonl", samples, started), daemon=True)
        watcher.start()
        code = proc.wait()
        seconds = time.perf_counter() - started
        watcher.join()
        log.close()
        if code != 0:
            raise RuntimeError(f"robot exit {code}: {(tmp / 'robot.log').read_text(encoding='utf-8')[-2000:]}")
        return samples, json.loads((out / "rapport.json").read_text(encoding="utf-8")), seconds, groups
    finally:
        pair.stop()


def figures_from(
    samples: list[Sample],
    report: dict,
    seconds: float,
    groups: int,
    scale: str,
    variant: str = "",
    target: float | None = GROWTH_TARGET,
    quick: bool = False,
) -> list[Figure]:
    """The figures of one run; ``variant`` ends every name (", utan återvinning") so runs stay apart."""
    # Only while the browsers are up: before they start and after they close is not the run's memory.
    live = [s for s in samples if s.browser_processes and s.done >= 1]
    tenth = max(1, round(groups / 10))
    first = [s for s in live if s.done <= tenth] or live[:5]
    last = [s for s in live if s.done >= groups - tenth] or live[-5:]
    if not live:
        raise RuntimeError(f"inga mätpunkter med webbläsare ({len(samples)} mätpunkter)")
    figures = []
    for when, chosen in (("start", first), ("slut", last)):
        note = f"median av {len(chosen)} mätpunkter, {chosen[0].done}–{chosen[-1].done} grupper klara"
        figures.append(
            Figure(
                f"Robotens minne vid {when}, summa RSS{variant}",
                "MB",
                [sum(s.rss.values()) for s in chosen],
                None,
                scale=scale,
                note=note,
            )
        )
        figures.append(
            Figure(
                f"Robotens minne vid {when}, summa USS{variant}",
                "MB",
                [sum(s.uss.values()) for s in chosen],
                None,
                scale=scale,
                note="USS: sidor som bara processen själv har; " + note,
            )
        )
        for kind, label in zip(KINDS, ("roboten (python)", "drivrutinen (node)", "webbläsarna (chromium, summa)")):
            figures.append(
                Figure(
                    f"Robotens minne vid {when}, {label}, RSS{variant}",
                    "MB",
                    [s.rss[kind] for s in chosen],
                    None,
                    scale=scale,
                    note=f"USS {statistics.median(s.uss[kind] for s in chosen):.0f} MB",
                )
            )
    uss_slope = _slope([(s.done, sum(s.uss.values())) for s in live]) * 100
    rss_slope = _slope([(s.done, sum(s.rss.values())) for s in live]) * 100
    parts = ", ".join(
        f"{label} {_slope([(s.done, s.uss[kind]) for s in live]) * 100:+.1f}"
        for kind, label in zip(KINDS, ("robot", "node", "chromium"))
    )
    figures.append(
        Figure(
            f"Robotens minnestillväxt per 100 grupper (USS){variant}",
            "MB",
            [uss_slope],
            target,
            scale=scale,
            note=(
                f"minstakvadratlutning av summa USS mot klara grupper ({len(live)} mätpunkter; {parts})"
                + (
                    f"; mål ≤ {target:.0f}: 5 000 grupper växer då högst 1 GB (utan återvinning 4–5 MB/grupp)"
                    if target is not None
                    else ""
                )
                + (
                    "; --quick: för kort för att bedömas (en kontext återvunnen per arbetare)"
                    if quick and not variant
                    else ""
                )
            ),
        )
    )
    figures.append(
        Figure(
            f"Robotens minnestillväxt per 100 grupper (RSS){variant}",
            "MB",
            [rss_slope],
            None,
            scale=scale,
            note="summa RSS räknar delat minne en gång per process",
        )
    )
    figures.append(
        Figure(
            f"Roboten, lång körning{variant}",
            "elever/s",
            [report["totals"]["grades_set"] / seconds],
            None,
            higher_is_better=True,
            scale=scale,
            note=(
                f"{seconds:.0f} s, topp summa RSS {max(sum(s.rss.values()) for s in samples):.0f} MB; "
                f"en mätpunkt tog {statistics.median(s.cost_ms for s in samples):.0f} ms (median)"
            ),
        )
    )
    return figures


def measure(quick: bool) -> list[Figure]:
    """The robot as it runs by default (contexts and browsers recycled), judged; and with
    ``--recycle-every 0`` (never recycled, as before issue 21), reported beside it as the baseline."""
    schools, per_school = (2, 30) if quick else (10, 50)
    doc = generate(
        schools=schools,
        groups_per_school=per_school,
        students_per_group=10,
        seed=500,
        profile="gradeable",
        name=f"bench-memory-{schools * per_school}",
    )
    figures = []
    # 60 groups are 30 a worker: one context recycled and no browser, so the slope climbs one tooth
    # of the saw and says nothing of a long run. Quick mode reports it without judging it.
    for variant, extra, target in (
        ("", (), None if quick else GROWTH_TARGET),
        (", utan återvinning", ("--recycle-every", "0"), None),
    ):
        with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
            samples, report, seconds, groups = run_and_sample(doc, Path(tmp), extra=extra)
        students = report["totals"]["grades_set"]
        figures += figures_from(
            samples,
            report,
            seconds,
            groups,
            f"{groups} grupper, {students} betyg, 2 arbetare, var {INTERVAL} s"
            + (f", {' '.join(extra)}" if extra else ", återvinning som standard"),
            variant,
            target,
            quick,
        )
    return figures
