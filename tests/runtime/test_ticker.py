"""The ticker (bot.runtime.ticker): one APScheduler job, with a stable id, calling the deliverer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.core.clock import FakeClock
from bot.core.outcomes import TickReport
from bot.runtime.ticker import TICK_JOB_ID, Ticker


class CountingDeliverer:
    """A deliverer that counts its ticks, fails the second (unless told not to), and signals
    once it has enough.
    ``due_in`` is when it says the next post falls due (None: nothing pending)."""

    def __init__(
        self, ticks_wanted: int, *, due_in: timedelta | None = None, fail_second: bool = True
    ) -> None:
        self.fail_second = fail_second
        self.ticks = 0
        self.enough = asyncio.Event()
        self.wanted = ticks_wanted
        self.clock = FakeClock(datetime(2026, 10, 5, 16, 30, tzinfo=UTC))
        self.due_in = due_in
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True

    async def next_wake(self) -> datetime | None:
        return None if self.due_in is None else self.clock.now() + self.due_in

    async def tick(self) -> TickReport:
        self.ticks += 1
        if self.ticks == 2 and self.fail_second:
            raise RuntimeError("a bad tick must not stop the next ones")
        if self.ticks >= self.wanted:
            self.enough.set()
        return TickReport()


async def test_the_tick_job_runs_repeatedly_and_survives_a_failing_tick() -> None:
    deliverer = CountingDeliverer(ticks_wanted=3)
    ticker = Ticker(deliverer, interval_seconds=0.01)  # type: ignore[arg-type]
    ticker.start()
    try:
        assert [job.id for job in ticker._scheduler.get_jobs()] == [TICK_JOB_ID]
        # Waits for an event the job sets, not for wall-clock time to pass.
        await asyncio.wait_for(deliverer.enough.wait(), timeout=10)
    finally:
        ticker.shutdown()
    assert deliverer.ticks >= 3


async def test_the_next_tick_comes_when_a_post_falls_due_not_a_whole_interval_later() -> None:
    # Posts fall due a simulated second apart; the clock runs 100x: a tick every ~10 ms, while
    # the interval alone (an hour) would leave the test waiting for its timeout.
    deliverer = CountingDeliverer(ticks_wanted=4, due_in=timedelta(seconds=1), fail_second=False)
    ticker = Ticker(deliverer, interval_seconds=3600, speed=100)  # type: ignore[arg-type]
    ticker.start()
    try:
        await asyncio.wait_for(deliverer.enough.wait(), timeout=10)
    finally:
        ticker.shutdown()
    assert deliverer.ticks >= 4


async def test_a_change_to_the_ledger_wakes_the_ticker_before_its_interval() -> None:
    # Nothing is due at the first tick; then a command writes a post due in a simulated second.
    deliverer = CountingDeliverer(ticks_wanted=1, fail_second=False)
    woken = asyncio.Event()
    ticker = Ticker(deliverer, interval_seconds=3600, speed=100, woken=woken)  # type: ignore[arg-type]
    ticker.start()
    try:
        await asyncio.wait_for(deliverer.enough.wait(), timeout=10)  # the first tick, at start
        deliverer.enough, deliverer.wanted = asyncio.Event(), 2
        deliverer.due_in = timedelta(seconds=1)
        woken.set()  # what the commit (or PostgreSQL's NOTIFY) does
        await asyncio.wait_for(deliverer.enough.wait(), timeout=10)  # not an hour later
    finally:
        await ticker.stop()
    assert deliverer.ticks == 2
    assert deliverer.stopped  # stopping the ticker tells the deliverer to give back its claims
