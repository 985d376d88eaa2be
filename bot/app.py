"""The composition root: one async context that owns the database, the bot, the scheduler and
the adapters, and releases them in reverse order."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.bot import StudyBot
from bot.core.ports import Adapter, Clock
from bot.delivery import Deliverer
from bot.paths import content_dir, schedules_dir
from bot.scheduler import TickScheduler
from bot.store.engine import create_engine, session_factory
from bot.store.migrate import upgrade
from bot.syllabus import Library


@dataclass
class App:
    bot: StudyBot
    deliverer: Deliverer
    engine: AsyncEngine
    scheduler: TickScheduler | None


@asynccontextmanager
async def running(
    *,
    adapters: Sequence[Adapter],
    clock: Clock,
    database_url: str | None = None,
    tick_seconds: float | None = 60.0,
    content: Path | None = None,
    schedules: Path | None = None,
) -> AsyncIterator[App]:
    """Start everything; ``tick_seconds=None`` leaves ticking to the caller (tests, the demo)."""
    engine = create_engine(database_url)
    scheduler: TickScheduler | None = None
    started: list[Adapter] = []
    try:
        await upgrade(engine)
        sessions = session_factory(engine)
        by_platform = {adapter.platform: adapter for adapter in adapters}
        bot = StudyBot(
            sessions=sessions,
            clock=clock,
            library=Library(content or content_dir()),
            schedules_dir=schedules or schedules_dir(),
            adapters=by_platform,
        )
        deliverer = Deliverer(
            sessions=sessions,
            clock=clock,
            adapters=by_platform,
            worker=f"{socket.gethostname()}:{os.getpid()}",
        )
        for adapter in adapters:
            await adapter.start(bot)
            started.append(adapter)
        if tick_seconds is not None:
            scheduler = TickScheduler(deliverer, interval_seconds=tick_seconds)
            scheduler.start()
        yield App(bot=bot, deliverer=deliverer, engine=engine, scheduler=scheduler)
    finally:
        if scheduler is not None:
            await scheduler.stop()
        for adapter in reversed(started):
            await adapter.stop()
        await engine.dispose()
