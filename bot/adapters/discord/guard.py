"""Keeping well under Discord's invalid-request limit.

Discord bans an IP address for a while when it sends 10,000 requests in 10 minutes that end in
401, 403 or 429 (429s of a "shared" rate limit excepted). Such a ban would take every bot
process behind that address off Discord. The adapter already avoids most of them (it checks
permissions from the cache before a request, and discord.py waits out rate limits); this budget
is the backstop: it watches every response through aiohttp's tracing and, once a tenth of the
limit is used up, refuses further requests of the adapter's own until the window has passed.
Refused deliveries stay in the ledger and go out on a later tick.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable
from types import SimpleNamespace

import aiohttp

from bot.adapters.discord.identity import PLATFORM
from bot.core.errors import StudybotError
from bot.core.ports import NO_METER, Meter

log = logging.getLogger(__name__)

WINDOW_SECONDS = 600.0
DISCORD_LIMIT = 10_000
DEFAULT_BUDGET = DISCORD_LIMIT // 10
INVALID = frozenset({401, 403, 429})


class RequestBudgetExhausted(StudybotError):
    """Too many invalid requests lately; the adapter pauses instead of risking a ban."""


class RequestBudget:
    """Counts Discord's 401/403/429 answers over ``window`` seconds, and stops at ``budget``."""

    def __init__(
        self,
        *,
        budget: int = DEFAULT_BUDGET,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.budget = budget
        self.window = window
        self.clock = clock
        self._invalid: deque[float] = deque()

    def record(self, status: int, scope: str | None = None) -> None:
        """Count a response if it is an invalid request (a shared 429 is not the bot's doing)."""
        if status in INVALID and not (status == 429 and scope == "shared"):
            self._invalid.append(self.clock())

    @property
    def used(self) -> int:
        """Invalid requests within the window; older ones are forgotten here."""
        horizon = self.clock() - self.window
        while self._invalid and self._invalid[0] < horizon:
            self._invalid.popleft()
        return len(self._invalid)

    def check(self) -> None:
        """Before a request: ``RequestBudgetExhausted`` once the budget is used up."""
        if self.used >= self.budget:
            raise RequestBudgetExhausted(
                f"{self.used} requests to Discord failed with 401/403/429 in the last "
                f"{self.window / 60:g} minutes; pausing this bot's own requests so that Discord "
                "does not ban its address. Check the bot's permissions and token."
            )

    def trace(self, meter: Meter = NO_METER) -> aiohttp.TraceConfig:
        """An aiohttp trace config for ``discord.Client(http_trace=...)``; every 429 is also
        counted on ``meter`` (discord.py waits them out, so nothing else would show them)."""
        config = aiohttp.TraceConfig()

        async def on_request_end(
            session: aiohttp.ClientSession,
            context: SimpleNamespace,
            params: aiohttp.TraceRequestEndParams,
        ) -> None:
            response = params.response
            self.record(response.status, response.headers.get("X-RateLimit-Scope"))
            if response.status == 429:
                meter.rate_limited(PLATFORM)
            if response.status in INVALID:
                log.warning(
                    "Discord answered %s to %s %s (%s of %s invalid requests allowed per %g min)",
                    response.status,
                    params.method,
                    params.url.path,
                    self.used,
                    self.budget,
                    self.window / 60,
                )

        config.on_request_end.append(on_request_end)
        return config
