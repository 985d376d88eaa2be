"""Clocks. The bot only ever asks a Clock for the time, so tests and the demo can move weeks
in milliseconds and ``--fast N`` can run a group's calendar N times faster."""

from __future__ import annotations

import time as _time
from datetime import UTC, datetime, timedelta


class SystemClock:
    """The real time."""

    def now(self) -> datetime:
        """Now, in UTC."""
        return datetime.now(UTC)


class FakeClock:
    """Time stands still until a test moves it."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The time the test set."""
        return self._now

    def advance(self, delta: timedelta) -> datetime:
        """Move the time forward by ``delta``."""
        self._now += delta
        return self._now

    def set(self, moment: datetime) -> None:
        """Jump to ``moment``."""
        self._now = moment.astimezone(UTC)


class ScaledClock:
    """Simulated time that runs ``factor`` times faster than real time from an anchor.

    The anchor (a simulated and a real instant) can be kept across restarts, so a bot that was
    stopped for a while finds that simulated time moved on meanwhile, as real time would.
    """

    def __init__(
        self, *, factor: float, simulated_origin: datetime, real_origin: float | None = None
    ) -> None:
        if factor <= 0:
            raise ValueError("factor must be positive")
        self.factor = factor
        self.simulated_origin = simulated_origin.astimezone(UTC)
        self.real_origin = _time.time() if real_origin is None else real_origin

    def now(self) -> datetime:
        """The simulated time now."""
        elapsed = (_time.time() - self.real_origin) * self.factor
        return self.simulated_origin + timedelta(seconds=elapsed)
