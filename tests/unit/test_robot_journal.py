"""The journal makes a rerun continue where the last run stopped, and only trusts the same request."""

from __future__ import annotations

import json

from betyg_harness.flows.robot.csvinput import GroupJob
from betyg_harness.flows.robot.journal import Journal
from betyg_harness.flows.robot.runner import Robot, Settings


def job(name="SVESVE01 HT26 Kista A", grades=None) -> GroupJob:
    return GroupJob(
        grupp=name,
        kurskod="SVESVE01",
        teachers=("Anna Lindqvist",),
        grades=grades or {"199006022397": "A"},
        lines={"199006022397": 2},
    )


def test_entries_survive_a_restart_and_a_line_cut_short(tmp_path):
    path = tmp_path / "journal.jsonl"
    j = Journal(path)
    j.record("g1", "started", digest="d1")
    j.record("g1", "done", digest="d1", grades_set={"199006022397": "A"})
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"group": "g2", "status": "do')  # killed while writing
    again = Journal(path)
    assert again.is_finished("g1", "d1")
    assert again.last("g2") is None
    assert [e["status"] for e in again.entries] == ["started", "done"]


def test_started_failed_or_other_request_is_not_finished(tmp_path):
    j = Journal(tmp_path / "j.jsonl")
    j.record("a", "started", digest="d")
    j.record("b", "failed", digest="d", error="x")
    j.record("c", "done", digest="old")
    assert not j.is_finished("a", "d")
    assert not j.is_finished("b", "d")
    assert not j.is_finished("c", "new")  # the file asks for other grades now: look again


def test_rerun_skips_groups_done_for_the_same_request(tmp_path):
    settings = Settings(out_dir=tmp_path)
    done, changed, fresh = job("A"), job("B"), job("C")
    journal = Journal(settings.journal)
    journal.record(done.key, "done", digest=done.digest(), catalogue="a.pdf")
    journal.record(changed.key, "done", digest=changed.digest())
    changed.grades["199006022397"] = "B"  # the rerun's file asks for another grade
    robot = Robot([done, changed, fresh], settings)
    assert [j.grupp for j in robot.pending()] == ["B", "C"]
    assert robot.outcomes[done.key].status == "skipped"
    assert robot.outcomes[done.key].catalogue == "a.pdf"


def test_max_groups_limits_one_run(tmp_path):
    robot = Robot([job("A"), job("B"), job("C")], Settings(out_dir=tmp_path, max_groups=2))
    assert [j.grupp for j in robot.pending()] == ["A", "B"]


def test_dry_run_never_trusts_the_journal(tmp_path):
    settings = Settings(out_dir=tmp_path, dry_run=True)
    a = job("A")
    Journal(settings.journal).record(a.key, "done", digest=a.digest())
    assert Robot([a], settings).pending() == [a]


def test_digest_depends_on_grades_and_teachers_only():
    a, b = job(), job()
    assert a.digest() == b.digest()
    b.lines["199006022397"] = 9
    assert a.digest() == b.digest()
    b.teachers = ("Omar Haddad",)
    assert a.digest() != b.digest()


def test_journal_lines_are_json(tmp_path):
    j = Journal(tmp_path / "j.jsonl")
    j.record("Grupp Å|SVESVE01", "done", digest="d", grades_set={"199006022397": "-"})
    line = (tmp_path / "j.jsonl").read_text(encoding="utf-8").strip()
    assert json.loads(line)["group"] == "Grupp Å|SVESVE01"


def test_the_file_journal_queues_this_process_s_groups_in_order(tmp_path):
    """The file journal's side of the robot's journal protocol: the groups in the order given, none
    once asked to stop, and nothing taken by another process."""
    j = Journal(tmp_path / "j.jsonl")
    a, b = job("A"), job("B")
    j.enqueue([a, b])
    assert j.take(stop=lambda: True) is None
    assert [j.take(keys=[a.key, b.key]), j.take(), j.take()] == [a.key, b.key, None]
    assert j.final() == {}
    j.close()
    assert not (tmp_path / "j.jsonl").exists()  # queueing writes no line
