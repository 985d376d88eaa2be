"""The composition root: one async context that owns the database, the bot, the ticker and the
adapters, and releases them in reverse order."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.core.bot import StudyBot
from bot.core.delivery import Deliverer
from bot.core.ports import Adapter, Clock
from bot.domain.library import Library
from bot.runtime.settings import Settings
from bot.runtime.ticker import Ticker
from bot.store.engine import WriteGate, create_engine, session_factory
from bot.store.migrate import upgrade
from bot.store.wakeups import ledger_notifications

if TYPE_CHECKING:
    from bot.runtime.operations import Operations

HEARTBEAT_SECONDS = 10.0  # real seconds between renewals of a live process's claims
LEASE = timedelta(seconds=30)  # a dead process's claims are taken over after this
# Real seconds; under --fast the lease stretches to three of these, so a live process on a
# busy machine (an event loop late by a few hundred ms) keeps its claims.
FASTEST_HEARTBEAT = 0.25


def claim_timing(speed: float) -> dict[str, Any]:
    """The heartbeat (real seconds) and lease (clock time) for a clock ``speed`` times faster
    than real time: a claim lapses only after three missed heartbeats."""
    heartbeat = max(HEARTBEAT_SECONDS / speed, FASTEST_HEARTBEAT)
    lease = max(LEASE, timedelta(seconds=3 * heartbeat * speed))
    return {"heartbeat_seconds": heartbeat, "lease": lease}


@dataclass(frozen=True, kw_only=True)
class App:
    """Everything ``running`` started, for the caller to drive or inspect."""

    bot: StudyBot
    deliverer: Deliverer
    engine: AsyncEngine
    ticker: Ticker | None
    operations: Operations  # /healthz and /metrics (and the meter behind /metrics)
    operations_port: int | None = None  # where METRICS_PORT serves them, when set


@asynccontextmanager
async def running(
    *,
    settings: Settings,
    adapters: Sequence[Adapter],
    clock: Clock,
    tick_seconds: float | None = 60.0,
    speed: float = 1.0,
) -> AsyncIterator[App]:
    """Start everything; ``tick_seconds=None`` leaves ticking to the caller (tests, the demo).
    ``speed`` is how many times faster than real time ``clock`` runs (``--fast``)."""
    # Imported here: prometheus-client and aiohttp cost start-up time that only a running bot
    # (not every ``studybot`` command that imports this module) should pay.
    from bot.runtime.metrics import PrometheusMeter
    from bot.runtime.operations import Operations, OperationsServer, ServesHttp

    engine = create_engine(settings.database_url, home=settings.home)
    ticker: Ticker | None = None
    server: OperationsServer | None = None
    started: list[Adapter] = []
    written = asyncio.Event()  # the ledger changed: the ticker asks it what is due
    try:
        await upgrade(engine)
        sessionmaker = session_factory(engine, on_ledger_written=written.set)
        gate = WriteGate.for_engine(engine)
        by_platform = {adapter.platform: adapter for adapter in adapters}
        meter = PrometheusMeter(platforms=by_platform)
        deliverer = Deliverer(
            sessionmaker=sessionmaker,
            clock=clock,
            adapters=by_platform,
            worker=f"{socket.gethostname()}:{os.getpid()}",
            gate=gate,
            **claim_timing(speed),
            # Platform limits are in real time; a --fast trial (a week a minute) cannot keep to
            # them and still post on its simulated schedule, so it leaves 429s to the clients.
            pace_channels=speed <= 1,
            meter=meter,
        )
        bot = StudyBot(
            sessionmaker=sessionmaker,
            clock=clock,
            library=Library(settings.content),
            schedules=settings.schedules,
            adapters=by_platform,
            gate=gate,
            deliverer=deliverer,
            meter=meter,
        )
        if tick_seconds is not None:
            ticker = Ticker(
                deliverer, interval_seconds=tick_seconds, clock=clock, speed=speed, woken=written
            )
        operations = Operations(
            engine=engine,
            sessionmaker=sessionmaker,
            clock=clock,
            meter=meter,
            adapters=adapters,
            ticker=ticker,
        )
        for adapter in adapters:
            if isinstance(adapter, ServesHttp):  # Slack over HTTP: on its port too
                adapter.also_serve(operations.routes())
            await adapter.start(bot)
            started.append(adapter)
        if settings.metrics_port is not None:
            server = OperationsServer(operations, port=settings.metrics_port)
            await server.start()
        app = App(
            bot=bot,
            deliverer=deliverer,
            engine=engine,
            ticker=ticker,
            operations=operations,
            operations_port=server.port if server is not None else None,
        )
        if ticker is None:
            yield app
            return
        async with ledger_notifications(engine, written.set):
            ticker.start()
            yield app
    finally:
        if server is not None:
            await server.stop()
        if ticker is not None:
            await ticker.stop()
        for adapter in reversed(started):
            await adapter.stop()
        await engine.dispose()
