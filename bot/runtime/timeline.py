"""The console's clock: real time, or simulated time running ``--fast N`` times faster.

A simulated timeline is kept in STUDYBOT_HOME/clock.json as the simulated time it had reached
and its speed. The database only makes sense on that timeline (a run planned at simulated
dates), so a restarted console picks it up again where it stopped: simulated time does not run
while nothing is running (a console closed for an hour at a week a minute must not skip 60
weeks of posts). The running process saves the time it reached every second and on the way out.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.core.clock import ScaledClock, SystemClock
from bot.core.errors import ConfigError
from bot.core.ports import Clock

CLOCK_FILE = "clock.json"
REAL_TIME_TICK = 60.0  # seconds between delivery ticks in real time
FASTEST_TICK = 0.05  # ticking faster only burns CPU; posts are at most this late (real time)
SLOWEST_FAST = 1.0  # --fast below real speed has no use
FASTEST_FAST = 100_000.0  # about a week every 6 seconds; beyond it a tick skips whole days
SAVE_EVERY = 1.0  # real seconds between saves of the simulated time reached


class BadSpeed(ConfigError):
    """``--fast N`` outside what studybot can simulate; ``str()`` says what to type."""


def check_speed(fast: float) -> float:
    """``fast`` when it is a speed studybot can keep to, else ``BadSpeed`` naming the range."""
    if not (math.isfinite(fast) and SLOWEST_FAST <= fast <= FASTEST_FAST):
        raise BadSpeed(
            f"--fast {fast:g} is not a speed studybot can simulate: give a number from "
            f"{SLOWEST_FAST:g} (real time) to {FASTEST_FAST:g} (a week in about 6 seconds), "
            "for example --fast 10080 for a week per minute."
        )
    return fast


@dataclass(frozen=True)
class Timeline:
    """The clock the bot runs on, and how often the ticker looks for due posts."""

    clock: Clock
    factor: float | None  # None: real time
    tick_seconds: float
    note: str = ""  # something the person should know about the choice, or ""
    path: Path | None = None  # where a simulated timeline is kept

    def save(self) -> None:
        """Keep the simulated time reached (nothing to keep in real time)."""
        if self.path is not None and isinstance(self.clock, ScaledClock):
            save_anchor(self.path, self.clock)


def parse_moment(text: str) -> datetime:
    """An ISO 8601 time; without a zone it is taken as UTC."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def load_anchor(path: Path) -> ScaledClock | None:
    """The saved simulated timeline resuming now from the time it had reached, or None when
    there is none (or it is damaged)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        # Files from before "reached" was kept resume at their origin: never in the future.
        reached = data.get("reached") or data["simulated_origin"]
        return ScaledClock(factor=float(data["factor"]), simulated_origin=parse_moment(reached))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None  # missing or damaged: the caller starts a new timeline


def save_anchor(path: Path, clock: ScaledClock) -> None:
    """Keep the simulated time ``clock`` has reached, replacing the file atomically."""
    scratch = path.with_suffix(".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)  # STUDYBOT_HOME is made when missing
    scratch.write_text(
        json.dumps({"reached": clock.now().isoformat(), "factor": clock.factor}),
        encoding="utf-8",
    )
    os.replace(scratch, path)


def reset_clock(home: Path) -> bool:
    """Forget the saved simulated timeline (the next --fast starts from now); False when there
    was none."""
    try:
        (home / CLOCK_FILE).unlink()
    except FileNotFoundError:
        return False
    return True


def choose_timeline(*, home: Path, fast: float | None, start_at: datetime | None) -> Timeline:
    """``--fast N`` (and the hidden ``--start-at``) pick a simulated timeline; otherwise real time."""
    path = home / CLOCK_FILE
    if fast is None and start_at is None:
        saved = load_anchor(path)
        note = (
            f"Using real time. A --fast timeline is saved in {path} (stopped at "
            f"{saved.now():%Y-%m-%d %H:%M} UTC); run with --fast {saved.factor:g} to continue "
            "it, or with --reset-clock to forget it."
            if saved is not None
            else ""
        )
        return Timeline(clock=SystemClock(), factor=None, tick_seconds=REAL_TIME_TICK, note=note)
    factor = check_speed(fast if fast is not None else 1.0)
    saved = None if start_at is not None else load_anchor(path)
    origin = saved.now() if saved is not None else (start_at or datetime.now(UTC))
    clock = ScaledClock(factor=factor, simulated_origin=origin, real_origin=time.time())
    save_anchor(path, clock)
    return Timeline(
        clock=clock,
        factor=factor,
        tick_seconds=max(FASTEST_TICK, 60.0 / factor),
        path=path,
    )


@asynccontextmanager
async def kept(timeline: Timeline) -> AsyncIterator[None]:
    """Save the simulated time reached every second while the body runs, and at its end: after
    a stop (or a kill) the timeline resumes from there."""

    async def keep() -> None:
        while True:
            await asyncio.sleep(SAVE_EVERY)
            timeline.save()

    task = asyncio.create_task(keep()) if timeline.path is not None else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task
        timeline.save()
