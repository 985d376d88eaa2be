"""The ticker (bot.runtime.ticker): one APScheduler job, with a stable id, calling the deliverer."""

from __future__ import annotations

import asyncio

from bot.core.delivery import TickReport
from bot.runtime.ticker import TICK_JOB_ID, Ticker


class CountingDeliverer:
    """A deliverer that counts its ticks, fails the second, and signals once it has enough."""

    def __init__(self, ticks_wanted: int) -> None:
        self.ticks = 0
        self.enough = asyncio.Event()
        self.wanted = ticks_wanted

    async def tick(self) -> TickReport:
        self.ticks += 1
        if self.ticks == 2:
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
