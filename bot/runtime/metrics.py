"""Prometheus metrics: the ``Meter`` the core and the adapters report to, and the delivery
ledger's state, read when ``/metrics`` is scraped.

Every ``PrometheusMeter`` has a ``CollectorRegistry`` of its own rather than prometheus_client's
global one: tests, and several apps in one process, never add to each other's counts.

What it exposes:

- ``studybot_posts_total{kind,outcome}``: ledger rows by what sending them came to (sent, held,
  retry, failed, missed, late);
- ``studybot_rate_limited_total{platform}``: 429 answers from Slack or Discord;
- ``studybot_command_seconds{command}``: how long the pipeline took per command (a histogram);
- ``studybot_queue_depth``, ``studybot_oldest_due_age_seconds``, ``studybot_posts_held``,
  ``studybot_posts_claimed``: the ledger now (read at scrape time, so always current).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.domain.states import DeliveryStatus
from bot.store.models import Delivery

log = logging.getLogger(__name__)


@dataclass(frozen=True, kw_only=True)
class LedgerState:
    """The ledger at one moment, as the gauges show it."""

    due: int  # pending rows whose time has come: the queue
    oldest_due_age: float  # seconds the oldest of them has waited; 0 when there is none
    held: int  # rows held by a paused run
    claimed: int  # rows a sender has claimed (being sent now, or its process died)


async def ledger_state(
    sessionmaker: async_sessionmaker[AsyncSession], now: datetime
) -> LedgerState:
    """Count the ledger's waiting rows in one query over its ``(status, due_at)`` index."""
    due = (Delivery.status == DeliveryStatus.PENDING) & (Delivery.due_at <= now)
    async with sessionmaker() as db:
        row = (
            await db.execute(
                select(
                    func.count(case((due, 1))),
                    func.min(case((due, Delivery.due_at))),
                    func.count(case((Delivery.status == DeliveryStatus.HELD, 1))),
                    func.count(case((Delivery.status == DeliveryStatus.CLAIMED, 1))),
                ).where(
                    Delivery.status.in_(
                        (DeliveryStatus.PENDING, DeliveryStatus.HELD, DeliveryStatus.CLAIMED)
                    )
                )
            )
        ).one()
    count, oldest, held, claimed = row
    age = max((now - oldest).total_seconds(), 0.0) if oldest is not None else 0.0
    return LedgerState(due=count, oldest_due_age=age, held=held, claimed=claimed)


class LedgerCollector(Collector):
    """The ledger's gauges from the state read for the current scrape; none when it could not
    be read (a missing series says "unknown", a stale number would mislead)."""

    def __init__(self) -> None:
        self.state: LedgerState | None = None

    def collect(self) -> Iterator[Metric]:
        """The four gauges, when the ledger was read."""
        state = self.state
        if state is None:
            return
        for name, documentation, value in (
            ("studybot_queue_depth", "Posts due now and not yet sent.", state.due),
            (
                "studybot_oldest_due_age_seconds",
                "How long the oldest post due now has waited (0 when none waits).",
                state.oldest_due_age,
            ),
            ("studybot_posts_held", "Posts held back by a paused run.", state.held),
            ("studybot_posts_claimed", "Posts claimed by a sender right now.", state.claimed),
        ):
            yield GaugeMetricFamily(name, documentation, value=value)


class PrometheusMeter:
    """The core's ``Meter`` on prometheus-client counters and a histogram, plus the ledger's
    gauges; ``scrape`` renders them all in the text exposition format."""

    def __init__(self, *, platforms: Iterable[str] = ()) -> None:
        """``platforms``: their 429 counters start at 0, so a scraper sees them before any 429."""
        self.registry = CollectorRegistry()
        self.posts = Counter(
            "studybot_posts",
            "Ledger rows by kind and by what sending them came to.",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.rate_limits = Counter(
            "studybot_rate_limited",
            "Requests a chat platform answered with 429 (too many requests).",
            ["platform"],
            registry=self.registry,
        )
        self.commands = Histogram(
            "studybot_command_seconds",
            "Seconds from a platform event to its reply, by command (or kind of event).",
            ["command"],
            registry=self.registry,
        )
        self.ledger = LedgerCollector()
        self.registry.register(self.ledger)
        for platform in platforms:
            self.rate_limits.labels(platform)

    def delivered(self, kind: str, outcome: str) -> None:
        """Count one ledger row's outcome."""
        self.posts.labels(kind, outcome).inc()

    def command(self, name: str, seconds: float) -> None:
        """Record how long one event took."""
        self.commands.labels(name).observe(seconds)

    def rate_limited(self, platform: str) -> None:
        """Count one 429."""
        self.rate_limits.labels(platform).inc()

    async def scrape(self, sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> bytes:
        """Everything, in Prometheus's text format, with the ledger read as of ``now``."""
        try:
            self.ledger.state = await ledger_state(sessionmaker, now)
        except Exception as error:  # the counters are still worth serving
            log.warning("could not read the delivery ledger for /metrics: %s", error)
            self.ledger.state = None
        return generate_latest(self.registry)
