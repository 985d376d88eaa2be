"""A StudyBot on a fresh database with a fake clock and the in-memory chat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.memory import MemoryAdapter, MemoryChat
from bot.core.bot import StudyBot
from bot.core.clock import FakeClock
from bot.delivery import Deliverer, TickReport
from bot.store.engine import session_factory
from bot.store.models import Delivery
from bot.syllabus import Library

from .conftest import CONTENT, SCHEDULES


@dataclass
class Harness:
    bot: StudyBot
    chat: MemoryChat
    clock: FakeClock
    deliverer: Deliverer

    async def run_for(
        self, duration: timedelta, *, step: timedelta = timedelta(minutes=1)
    ) -> TickReport:
        """Move the fake clock forward, ticking as the scheduler would."""
        total = TickReport()
        end = self.clock.now() + duration
        while self.clock.now() < end:
            self.clock.advance(min(step, end - self.clock.now()))
            report = await self.deliverer.tick()
            for name in ("sent", "missed", "failed", "retry"):
                getattr(total, name).extend(getattr(report, name))
        return total

    async def run_until(self, end: datetime) -> TickReport:
        """Jump the fake clock from one due post to the next, ticking at each: weeks in
        milliseconds, and every post is sent at exactly its due time."""
        total = TickReport()
        while True:
            async with self.bot.sessions() as db:
                due = await db.scalar(
                    select(func.min(Delivery.due_at)).where(Delivery.status == "pending")
                )
            if due is None or due > end:
                self.clock.set(max(end, self.clock.now()))
                break
            self.clock.set(max(due, self.clock.now()))
            report = await self.deliverer.tick()
            for name in ("sent", "missed", "failed", "retry"):
                getattr(total, name).extend(getattr(report, name))
            if not (report.sent or report.missed or report.failed):
                break  # something waits (a failing platform): let the caller decide
        return total


def make_harness(engine: AsyncEngine, clock: FakeClock) -> Harness:
    adapter = MemoryAdapter(clock=clock)
    sessions = session_factory(engine)
    bot = StudyBot(
        sessions=sessions,
        clock=clock,
        library=Library(CONTENT),
        schedules_dir=SCHEDULES,
        adapters={"memory": adapter},
    )
    deliverer = Deliverer(
        sessions=sessions, clock=clock, adapters={"memory": adapter}, worker="test"
    )
    return Harness(
        bot=bot, chat=MemoryChat(bot=bot, adapter=adapter), clock=clock, deliverer=deliverer
    )
