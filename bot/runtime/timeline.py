"""The console's clock: real time, or simulated time running ``--fast N`` times faster.

A simulated timeline is anchored (simulated origin, real origin, factor) in
STUDYBOT_HOME/clock.json. The database only makes sense on that timeline (a run planned at
simulated dates), so a restarted console picks the anchor up again and finds that simulated time
moved on while it was stopped, as real time would have.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.core.clock import ScaledClock, SystemClock
from bot.core.ports import Clock

CLOCK_FILE = "clock.json"
REAL_TIME_TICK = 60.0  # seconds between delivery ticks in real time
FASTEST_TICK = 0.05  # ticking faster only burns CPU; posts are at most this late (real time)


@dataclass(frozen=True)
class Timeline:
    """The clock the bot runs on, and how often the ticker looks for due posts."""

    clock: Clock
    factor: float | None  # None: real time
    tick_seconds: float
    note: str = ""  # something the person should know about the choice, or ""


def parse_moment(text: str) -> datetime:
    """An ISO 8601 time; without a zone it is taken as UTC."""
    moment = datetime.fromisoformat(text.strip())
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def load_anchor(path: Path) -> ScaledClock | None:
    """The saved simulated timeline, or None when there is none (or it is damaged)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ScaledClock(
            factor=float(data["factor"]),
            simulated_origin=parse_moment(data["simulated_origin"]),
            real_origin=float(data["real_origin"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or damaged: the caller starts a new timeline


def save_anchor(path: Path, clock: ScaledClock) -> None:
    """Keep the simulated timeline, replacing the file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".tmp")
    scratch.write_text(
        json.dumps(
            {
                "simulated_origin": clock.simulated_origin.isoformat(),
                "real_origin": clock.real_origin,
                "factor": clock.factor,
            }
        ),
        encoding="utf-8",
    )
    os.replace(scratch, path)


def choose_timeline(*, home: Path, fast: float | None, start_at: datetime | None) -> Timeline:
    """``--fast N`` (and the hidden ``--start-at``) pick a simulated timeline; otherwise real time."""
    path = home / CLOCK_FILE
    if fast is None and start_at is None:
        saved = load_anchor(path)
        note = (
            f"Using real time. A --fast timeline is saved in {path} (now at "
            f"{saved.now():%Y-%m-%d %H:%M} UTC); run with --fast {saved.factor:g} to continue it."
            if saved is not None
            else ""
        )
        return Timeline(clock=SystemClock(), factor=None, tick_seconds=REAL_TIME_TICK, note=note)
    factor = fast if fast is not None else 1.0
    saved = None if start_at is not None else load_anchor(path)
    if saved is None:
        clock = ScaledClock(factor=factor, simulated_origin=start_at or datetime.now(UTC))
    elif saved.factor != factor:
        # A new speed continues from where the old one got to, so simulated time never jumps.
        clock = ScaledClock(factor=factor, simulated_origin=saved.now(), real_origin=time.time())
    else:
        clock = saved
    save_anchor(path, clock)
    return Timeline(clock=clock, factor=factor, tick_seconds=max(FASTEST_TICK, 60.0 / factor))
