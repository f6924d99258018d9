"""The mock clock and the scheduler: time moves only as told, jobs run at their due instants."""

from datetime import datetime, timedelta

import pytest

from betyg_harness.mock_kit.clock import STOCKHOLM, MockClock, parse_instant
from betyg_harness.mock_kit.scheduler import Scheduler


class FakeReal:
    """A hand-turned real clock, so the tests never wait."""

    def __init__(self, t=1_000_000.0):
        self.t = t

    def __call__(self):
        return self.t


START = datetime(2026, 12, 18, 8, 0, tzinfo=STOCKHOLM)


def test_clock_runs_at_real_speed_from_its_start():
    real = FakeReal()
    clock = MockClock(START, real_time=real)
    assert clock.now() == START
    real.t += 90
    assert clock.now() == START + timedelta(seconds=90)
    assert clock.now().tzinfo.key == "Europe/Stockholm"


def test_frozen_clock_stands_still_and_resumes_from_where_it_stood():
    real = FakeReal()
    clock = MockClock(START, real_time=real)
    clock.freeze(True)
    real.t += 3600
    assert clock.now() == START
    clock.freeze(False)
    real.t += 60
    assert clock.now() == START + timedelta(minutes=1)


def test_set_and_advance_while_frozen():
    clock = MockClock(START, real_time=FakeReal())
    clock.freeze()
    clock.advance(timedelta(days=2))
    assert clock.now() == START + timedelta(days=2)
    clock.set(datetime(2027, 1, 1, 12, 0))
    assert clock.now() == datetime(2027, 1, 1, 12, 0, tzinfo=STOCKHOLM)


def test_state_survives_a_restart():
    real = FakeReal()
    clock = MockClock(START, real_time=real)
    state = clock.state()
    restarted = MockClock(real_time=real)
    restarted.restore(state)
    assert restarted.now() == START


def test_parse_instant_takes_naive_times_as_stockholm():
    assert parse_instant("2026-07-01T12:00:00") == datetime(2026, 7, 1, 12, 0, tzinfo=STOCKHOLM)
    assert parse_instant("2026-07-01T10:00:00+00:00").hour == 12  # summer time, UTC+2


def test_advance_runs_every_due_job_in_order_at_its_due_instant():
    clock = MockClock(START, real_time=FakeReal())
    scheduler = Scheduler(clock)
    seen = []
    scheduler.add_job("import", timedelta(minutes=15), lambda: seen.append(("import", clock.now())))
    scheduler.add_job("sync", timedelta(minutes=5), lambda: seen.append(("sync", clock.now())))
    ran = scheduler.advance(timedelta(minutes=16))
    minutes = [(name, int((t - START).total_seconds() // 60)) for name, t in seen]
    assert minutes == [("sync", 5), ("sync", 10), ("import", 15), ("sync", 15)]
    assert len(ran) == 4
    assert clock.now() == START + timedelta(minutes=16)
    assert not clock.frozen


def test_a_long_advance_coalesces_the_runs_a_job_missed():
    """A year's jump runs each job a few times, not 105,000: the last runs, at their due instants."""
    from betyg_harness.mock_kit.scheduler import COALESCE_AFTER

    clock = MockClock(START, real_time=FakeReal())
    scheduler = Scheduler(clock)
    seen = []
    scheduler.add_job("sync", timedelta(minutes=5), lambda: seen.append(clock.now()))
    ran = scheduler.advance(timedelta(days=365))
    assert len(seen) == COALESCE_AFTER
    assert seen[-1] == START + timedelta(days=365)  # the last due instant, on the target
    assert all(b - a == timedelta(minutes=5) for a, b in zip(seen, seen[1:]))
    assert ran[0] == {
        "job": "sync",
        "coalesced": 365 * 24 * 12 - COALESCE_AFTER,
        "from": (START + timedelta(days=365) - timedelta(minutes=10)).isoformat(),
    }
    assert scheduler.jobs[0].coalesced == 365 * 24 * 12 - COALESCE_AFTER
    assert clock.now() == START + timedelta(days=365)


def test_a_short_advance_is_never_coalesced():
    clock = MockClock(START, real_time=FakeReal())
    scheduler = Scheduler(clock)
    seen = []
    scheduler.add_job("import", timedelta(minutes=15), lambda: seen.append(clock.now()))
    scheduler.advance(timedelta(minutes=45))
    assert seen == [START + timedelta(minutes=m) for m in (15, 30, 45)]


def test_a_job_is_not_run_before_it_is_due():
    clock = MockClock(START, real_time=FakeReal())
    scheduler = Scheduler(clock)
    seen = []
    scheduler.add_job("import", timedelta(minutes=15), lambda: seen.append(clock.now()))
    scheduler.advance(timedelta(minutes=14, seconds=59))
    assert seen == []
    scheduler.advance(timedelta(seconds=1))
    assert seen == [START + timedelta(minutes=15)]


def test_run_due_catches_up_as_real_time_passes():
    real = FakeReal()
    clock = MockClock(START, real_time=real)
    scheduler = Scheduler(clock)
    seen = []
    scheduler.add_job("sync", timedelta(minutes=5), lambda: seen.append(1))
    real.t += 11 * 60
    assert scheduler.run_due() == 2
    assert len(seen) == 2


def test_a_failing_job_is_recorded_and_does_not_stop_the_others():
    clock = MockClock(START, real_time=FakeReal())
    scheduler = Scheduler(clock)
    seen = []

    def broken():
        raise RuntimeError("Ping Pong svarar inte")

    scheduler.add_job("broken", timedelta(minutes=1), broken)
    scheduler.add_job("ok", timedelta(minutes=1), lambda: seen.append(1))
    scheduler.advance(timedelta(minutes=2))
    assert len(seen) == 2
    job = next(j for j in scheduler.jobs if j.name == "broken")
    assert job.runs == 2 and "Ping Pong svarar inte" in job.last_error


def test_zero_interval_means_no_periodic_job():
    scheduler = Scheduler(MockClock(START, real_time=FakeReal()))
    assert scheduler.add_job("sync", timedelta(0), lambda: None) is None
    assert scheduler.jobs == []


def test_reschedule_starts_intervals_afresh_after_a_jump():
    clock = MockClock(START, real_time=FakeReal())
    scheduler = Scheduler(clock)
    seen = []
    scheduler.add_job("import", timedelta(minutes=15), lambda: seen.append(clock.now()))
    clock.set(START + timedelta(days=1))
    scheduler.reschedule()
    scheduler.advance(timedelta(minutes=15))
    assert seen == [START + timedelta(days=1, minutes=15)]


@pytest.mark.parametrize("value", ["not a time", "2026-13-01T00:00"])
def test_parse_instant_rejects_garbage(value):
    with pytest.raises(ValueError):
        parse_instant(value)
