"""The sender's manners: it backs off after a failure, gives back what it has not sent when it
stops, and takes turns with the other processes sending to the same workspace."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.core.delivery import FIRST_BACK_OFF, Deliverer, back_off
from bot.core.models import Message, Place
from bot.core.pacing import Pacer
from bot.store.models import Delivery

from .harness import Harness

KICKOFF = datetime(2026, 10, 5, 16, 30, tzinfo=UTC)  # mml-berlin-mondays, week 1


async def rows(h: Harness) -> list[Delivery]:
    async with h.bot.sessionmaker() as db:
        return list(await db.scalars(select(Delivery).order_by(Delivery.id)))


def another(h: Harness, worker: str) -> Deliverer:
    return Deliverer(
        sessionmaker=h.bot.sessionmaker,
        clock=h.clock,
        adapters={"memory": h.chat.adapter},
        worker=worker,
    )


def test_the_back_off_doubles_up_to_five_minutes() -> None:
    assert [back_off(n).total_seconds() for n in range(1, 7)] == [15, 30, 60, 120, 240, 300]


async def test_a_failed_post_waits_for_its_back_off_before_the_next_attempt(
    harness: Harness,
) -> None:
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    adapter = harness.chat.adapter
    real_post = adapter.post
    refusals = [ConnectionError("Slack is down")]

    async def down_once(*args: Any, **kwargs: Any) -> str:
        if refusals:
            raise refusals.pop()
        return await real_post(*args, **kwargs)

    adapter.post = down_once  # type: ignore[method-assign]
    harness.clock.set(KICKOFF)
    assert (await harness.deliverer.tick()).sent == []  # the kickoff failed
    kickoff = next(r for r in await rows(harness) if r.kind == "kickoff")
    assert (kickoff.status, kickoff.retry_at) == ("pending", KICKOFF + FIRST_BACK_OFF)

    harness.clock.advance(FIRST_BACK_OFF - timedelta(seconds=1))
    assert (await harness.deliverer.tick()).sent == []  # not yet: no hammering a platform
    harness.clock.advance(timedelta(seconds=1))
    assert len((await harness.deliverer.tick()).sent) == 5
    keys = [s.key for s in adapter.said if s.key]
    assert len(keys) == len(set(keys)) == 5


async def test_stopping_finishes_the_post_on_its_way_and_gives_back_the_rest(
    harness: Harness,
) -> None:
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    adapter = harness.chat.adapter
    real_post = adapter.post
    on_its_way, may_finish = asyncio.Event(), asyncio.Event()

    async def slow_post(place: Place, message: Message, *, key: str | None = None) -> str:
        on_its_way.set()
        await may_finish.wait()  # the platform is slow to answer this one
        return await real_post(place, message, key=key)

    adapter.post = slow_post  # type: ignore[method-assign]
    harness.clock.set(KICKOFF)
    tick = asyncio.create_task(harness.deliverer.tick())
    await asyncio.wait_for(on_its_way.wait(), timeout=10)
    harness.deliverer.stop()  # SIGTERM, or quitting the console
    may_finish.set()
    report = await asyncio.wait_for(tick, timeout=10)  # returns; nothing is cancelled

    assert len(report.sent) == 1  # the kickoff, which was with the platform
    ledger = {(r.kind, r.seq): r for r in await rows(harness) if r.meeting_id == 1}
    assert ledger["kickoff", 0].status == "sent"
    released = [r for (kind, _), r in ledger.items() if kind == "question"]
    assert len(released) == 4
    for row in released:  # pending, unclaimed, no attempt spent: any process may send them
        assert (row.status, row.claimed_by, row.claimed_until, row.attempts) == (
            "pending",
            None,
            None,
            0,
        )

    adapter.post = real_post  # type: ignore[method-assign]
    assert len((await another(harness, "next").tick()).sent) == 4
    assert Counter(s.key for s in adapter.said if s.key).most_common(1)[0][1] == 1


async def test_processes_sending_to_one_workspace_take_turns_at_its_rate(
    harness: Harness,
) -> None:
    """Two processes (two pacers on one PostgreSQL database) asking for a workspace's turn at
    the same moment get slots one interval apart, never the same one; a channel keeps its own
    turns. On SQLite (one process) a pacer keeps its schedule to itself."""
    first, second = (
        Pacer(sessionmaker=harness.bot.sessionmaker, gate=harness.deliverer.gate) for _ in range(2)
    )
    shared = harness.engine.dialect.name == "postgresql"
    assert first.shared is shared
    moment, interval = 1_800_000_000.0, 0.05  # 20 posts a second
    slots = [
        await pacer._reserve("slack:T1", interval, not_before=moment)
        for pacer in (first, second) * 5
    ]
    if shared:
        assert slots == pytest.approx([moment + n * interval for n in range(10)])
    else:
        assert slots == pytest.approx([moment + n // 2 * interval for n in range(10)])
    channel = await second._reserve("slack:T1:C1", 1.0, not_before=moment)
    assert channel == pytest.approx(moment)  # the workspace's queue is not the channel's
    later = moment + 60  # after an idle minute the next post goes at once, not in a burst
    assert await first._reserve("slack:T1", interval, not_before=later) == pytest.approx(later)
    assert await first._reserve("slack:T1", interval, not_before=later) == pytest.approx(
        later + interval
    )
