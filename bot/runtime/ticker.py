"""APScheduler wiring: one job, the delivery tick, registered with a stable id, brought forward
when the ledger says a post falls due sooner, and woken when the ledger changes (a command
wrote rows, or on PostgreSQL another process did: ``bot.store.wakeups``).

The job store is not trusted to remember anything: what must be posted lives in the delivery
ledger, so a restart only needs the job to start ticking again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.core.delivery import Deliverer
from bot.core.ports import Clock

log = logging.getLogger(__name__)
# With one coalescing job, "skipped: maximum number of running instances" only says a tick ran
# longer than the interval (normal under --fast); failures are logged by _tick itself.
logging.getLogger("apscheduler").setLevel(logging.ERROR)

TICK_JOB_ID = "studybot-delivery-tick"
MIN_GAP = 0.01  # real seconds: the job must have returned before its next run comes


class Ticker:
    """The one APScheduler job: a delivery tick every ``interval_seconds`` at the latest, and
    sooner when the ledger says a post falls due or a dead process's claim lapses first."""

    def __init__(
        self,
        deliverer: Deliverer,
        *,
        interval_seconds: float = 60.0,
        clock: Clock | None = None,
        speed: float = 1.0,
        woken: asyncio.Event | None = None,
    ) -> None:
        self.deliverer = deliverer
        self.interval_seconds = interval_seconds
        self.clock = clock or deliverer.clock
        self.speed = speed  # simulated seconds per real second (``--fast``)
        self.woken = woken or asyncio.Event()  # set when the ledger changed
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        self._busy = asyncio.Lock()  # held while a tick runs, so a wake-up waits for it
        self._ticking: set[asyncio.Task[object]] = set()  # ticks under way: stopping awaits them
        self._listening: asyncio.Task[None] | None = None
        # time.monotonic() when a tick last began or ended (or ticking started): /healthz
        # calls the sender alive while this is recent.
        self.last_tick_at: float | None = None

    async def _tick(self) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._ticking.add(task)
            task.add_done_callback(self._ticking.discard)
        self.last_tick_at = time.monotonic()
        try:
            async with self._busy:
                report = await self.deliverer.tick()
                wake = await self.deliverer.next_wake()
        except Exception:  # keep ticking: the ledger makes the next tick pick up the work
            log.exception("delivery tick failed")
            return
        finally:
            self.last_tick_at = time.monotonic()
        self._wake_at(wake)
        if report.sent or report.missed or report.failed:
            log.info(
                "tick: %d sent, %d missed, %d failed",
                len(report.sent),
                len(report.missed),
                len(report.failed),
            )

    async def _listen(self) -> None:
        """Each time the ledger changed, ask it when the next tick has work."""
        while True:
            await self.woken.wait()
            self.woken.clear()
            try:
                # After a running tick: it may have asked before the change was committed.
                async with self._busy:
                    wake = await self.deliverer.next_wake()
            except Exception:  # the regular tick still comes
                log.exception("looking for new work failed")
                continue
            self._wake_at(wake)

    def _wake_at(self, moment: datetime | None) -> None:
        """Bring the next tick forward to ``moment`` (simulated time) if it comes sooner."""
        if moment is None or not self._scheduler.running:
            return
        seconds = max((moment - self.clock.now()).total_seconds(), 0.0) / self.speed
        if seconds >= self.interval_seconds:
            return
        at = datetime.now(UTC) + timedelta(seconds=max(seconds, MIN_GAP))
        self._scheduler.modify_job(TICK_JOB_ID, next_run_time=at)

    def start(self) -> None:
        """Register the tick job (a stable id) and start ticking at once."""
        self._scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self.interval_seconds),
            id=TICK_JOB_ID,
            max_instances=1,  # ticks never overlap within one process
            coalesce=True,
            replace_existing=True,
            next_run_time=datetime.now().astimezone(),
        )
        self._scheduler.start()
        self.last_tick_at = time.monotonic()
        self._listening = asyncio.get_running_loop().create_task(self._listen())

    def shutdown(self) -> None:
        """No new ticks; returns at once."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def settle(self) -> None:
        """Let the ticks under way finish, then send what is due: for a session that ends on
        purpose (the console at the end of its input), so that what the last line wrote is
        shown, not given back for next time."""
        await self._ticks_done()
        await self.deliverer.tick()

    async def stop(self) -> None:
        """No new ticks; a running tick finishes the posts already with the platform and gives
        back the rest for any process to send (no half-sent batch, no cancelled send)."""
        self.deliverer.stop()
        if self._scheduler.running:
            self._scheduler.pause()  # no new ticks; APScheduler's shutdown would cancel a running one
        if self._listening is not None:
            self._listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listening
        await self._ticks_done()
        self.shutdown()

    async def _ticks_done(self) -> None:
        """Return once no tick is under way."""
        while True:
            await asyncio.sleep(0)  # a tick handed to the loop just before now starts now
            if not self._ticking:
                return
            await asyncio.wait(set(self._ticking))
