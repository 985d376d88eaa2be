"""What an operator asks a running bot: ``GET /healthz`` and ``GET /metrics``.

``/healthz`` answers 200 when the database answers ``SELECT 1`` quickly, the sender (the
ticker) has ticked lately, and every chat platform is connected; otherwise 503, with the failing
parts named under ``failing``. ``/metrics`` is Prometheus's text format (``bot.runtime.metrics``).

Slack in HTTP mode serves both on its own port next to ``/slack/events``; ``METRICS_PORT``
serves them on a port of their own (``OperationsServer``), whatever the platforms.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.core.errors import ConfigError
from bot.core.ports import Adapter, Clock
from bot.runtime.metrics import PrometheusMeter
from bot.runtime.ticker import Ticker

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 2.0  # seconds for SELECT 1: a probe must answer well within its own timeout
# A tick begins at least every interval; twice that without one means the sender is stuck. The
# floor keeps a --fast trial (a tick every few milliseconds) from failing on one long tick.
QUIET_FLOOR = 10.0


@runtime_checkable
class ServesHttp(Protocol):
    """An adapter with an HTTP server of its own (Slack over HTTP) that can serve these too."""

    def also_serve(self, routes: Sequence[web.RouteDef]) -> bool:
        """Serve ``routes`` from ``start`` on; False when it has no port after all."""
        ...


@dataclass(frozen=True)
class Check:
    """One part of the health answer."""

    ok: bool
    detail: str  # a few words for the operator


def _reason(error: BaseException) -> str:
    """The driver's own message (SQLAlchemy wraps it with the SQL and a link), first line."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines()
    return (lines[0] if lines else type(original).__name__)[:200]


@dataclass(frozen=True, kw_only=True)
class Operations:
    """The handlers of ``/healthz`` and ``/metrics`` over one running app's parts."""

    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    clock: Clock
    meter: PrometheusMeter
    adapters: Sequence[Adapter]
    ticker: Ticker | None
    database_timeout: float = DATABASE_TIMEOUT

    def routes(self) -> list[web.RouteDef]:
        """``GET /healthz`` and ``GET /metrics``, for any aiohttp application."""
        return [web.get("/healthz", self.healthz), web.get("/metrics", self.metrics)]

    async def checks(self) -> dict[str, Check]:
        """The database, the sender, and each platform by name."""
        return {
            "database": await self._database(),
            "sender": self._sender(),
            **{adapter.platform: self._adapter(adapter) for adapter in self.adapters},
        }

    async def healthz(self, request: web.Request) -> web.Response:
        """200 when every check holds, else 503; the JSON names what fails."""
        checks = await self.checks()
        failing = [name for name, check in checks.items() if not check.ok]
        body = {
            "ok": not failing,
            "failing": failing,
            "checks": {name: {"ok": c.ok, "detail": c.detail} for name, c in checks.items()},
        }
        return web.json_response(body, status=503 if failing else 200)

    async def metrics(self, request: web.Request) -> web.Response:
        """Every metric in Prometheus's text format, the ledger's gauges read just now."""
        body = await self.meter.scrape(self.sessionmaker, self.clock.now())
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def _database(self) -> Check:
        try:
            async with asyncio.timeout(self.database_timeout), self.engine.connect() as db:
                await db.execute(text("SELECT 1"))
        except TimeoutError:
            return Check(False, f"no answer to SELECT 1 within {self.database_timeout:g} s")
        except Exception as error:
            return Check(False, f"not reachable: {_reason(error)}")
        return Check(True, "reachable")

    def _sender(self) -> Check:
        ticker = self.ticker
        if ticker is None or ticker.last_tick_at is None:
            return Check(False, "not ticking: nothing sends the scheduled posts")
        quiet = time.monotonic() - ticker.last_tick_at
        if quiet > max(2 * ticker.interval_seconds, QUIET_FLOOR):
            return Check(
                False,
                f"no tick for {quiet:.0f} s; one is due every {ticker.interval_seconds:g} s",
            )
        return Check(True, f"ticked {quiet:.1f} s ago")

    @staticmethod
    def _adapter(adapter: Adapter) -> Check:
        if adapter.connected:
            return Check(True, "connected")
        return Check(False, "not connected")


class OperationsServer:
    """A small aiohttp server with ``/healthz`` and ``/metrics`` only (``METRICS_PORT``)."""

    def __init__(self, operations: Operations, *, port: int, host: str = "0.0.0.0") -> None:
        self.operations = operations
        self.port = port
        self.host = host
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Listen on ``port`` (with 0 on any free port, then kept in ``port``); a port that
        cannot be had is a ``ConfigError`` naming METRICS_PORT."""
        server = web.Application()
        server.add_routes(self.operations.routes())
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as error:
            await self.stop()
            raise ConfigError(
                f"METRICS_PORT {self.port} cannot be used ({error.strerror or error}); set it "
                "to a port no other program listens on, or leave it unset."
            ) from None
        if self.port == 0:  # any free port (tests): learn which one
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("health and metrics: http://%s:%s/healthz and /metrics", self.host, self.port)

    async def stop(self) -> None:
        """Stop listening; calling it twice does no harm."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
