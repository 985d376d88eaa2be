"""A StudyBot started by ``running()`` on a fresh database, with a fake clock and the in-memory
chat: the same composition the bot runs with, minus the ticker (tests tick themselves)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.memory import MemoryAdapter, MemoryChat
from bot.core.bot import StudyBot
from bot.core.clock import FakeClock
from bot.core.delivery import Deliverer
from bot.core.outcomes import TickReport
from bot.runtime.lifespan import running
from bot.runtime.settings import Settings

from ..conftest import CONTENT, SCHEDULES


@dataclass
class Harness:
    """A started bot and what drives it: the in-memory chat, the fake clock and the deliverer."""

    bot: StudyBot
    chat: MemoryChat
    clock: FakeClock
    deliverer: Deliverer
    engine: AsyncEngine  # the bot's own engine (statement counts, EXPLAIN)

    async def run_for(
        self, duration: timedelta, *, step: timedelta = timedelta(minutes=1)
    ) -> TickReport:
        """Move the fake clock forward, ticking as the ticker would."""
        total = TickReport()
        end = self.clock.now() + duration
        while self.clock.now() < end:
            self.clock.advance(min(step, end - self.clock.now()))
            total.extend(await self.deliverer.tick())
        return total

    async def run_until(self, end: datetime) -> TickReport:
        """Jump the fake clock from one wake of the ledger to the next, ticking at each: weeks
        in milliseconds, and every post is sent at exactly its due time."""
        total = TickReport()
        while True:
            due = await self.deliverer.next_wake()  # a post falls due, or a back-off ends
            if due is None or due > end:
                self.clock.set(max(end, self.clock.now()))
                break
            self.clock.set(max(due, self.clock.now()))
            report = await self.deliverer.tick()
            total.extend(report)
            if not (report.sent or report.missed or report.failed):
                break  # something waits (a failing platform): let the caller decide
        return total


@asynccontextmanager
async def harness_on(database_url: str, clock: FakeClock, home: Path) -> AsyncIterator[Harness]:
    """The bot as ``running()`` composes it, on ``database_url``."""
    adapter = MemoryAdapter(clock=clock)
    settings = Settings(home=home, content=CONTENT, schedules=SCHEDULES, database_url=database_url)
    async with running(
        settings=settings, adapters=[adapter], clock=clock, tick_seconds=None
    ) as app:
        yield Harness(
            bot=app.bot,
            chat=MemoryChat(bot=app.bot, adapter=adapter),
            clock=clock,
            deliverer=app.deliverer,
            engine=app.engine,
        )
