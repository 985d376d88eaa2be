"""Wake-ups (bot.store.wakeups): a sender hears at once that the ledger has new work, from a
commit in its own process and, on PostgreSQL, from another process (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import insert, select, update

from bot.store.engine import session_factory
from bot.store.models import Delivery
from bot.store.wakeups import ledger_notifications

from ..core.harness import Harness

LATER = datetime(2026, 10, 20, 9, 0, tzinfo=UTC)


async def a_row(h: Harness) -> Delivery:
    await h.chat.command("plan mml-berlin-mondays", by="ada")
    async with h.bot.sessionmaker() as db:
        row = await db.scalar(select(Delivery).where(Delivery.kind == "summary").limit(1))
    assert row is not None
    return row


async def test_a_commit_that_wrote_ledger_rows_calls_back_once_and_others_do_not(
    harness: Harness,
) -> None:
    model = await a_row(harness)
    calls: list[str] = []
    sessions = session_factory(harness.engine, on_ledger_written=lambda: calls.append("woken"))

    async with sessions() as db, db.begin():
        db.add(
            Delivery(
                run_id=model.run_id,
                meeting_id=model.meeting_id,
                kind="summary",
                seq=7,
                due_at=LATER,
            )
        )
        db.add(
            Delivery(
                run_id=model.run_id,
                meeting_id=model.meeting_id,
                kind="summary",
                seq=8,
                due_at=LATER,
            )
        )
    assert calls == ["woken"]  # once per commit, however many rows

    async with sessions() as db, db.begin():  # a change that writes no ledger row
        await db.execute(update(Delivery).where(Delivery.seq == 7).values(error="x"))
    async with sessions() as db:
        db.add(
            Delivery(
                run_id=model.run_id,
                meeting_id=model.meeting_id,
                kind="summary",
                seq=9,
                due_at=LATER,
            )
        )
        await db.flush()
        await db.rollback()  # written, then rolled back: nothing to send
    assert calls == ["woken"]


async def test_on_postgresql_another_process_s_rows_are_heard(harness: Harness) -> None:
    model = await a_row(harness)
    heard = asyncio.Event()
    notices: list[int] = []

    def on_notice() -> None:
        notices.append(1)
        heard.set()

    async with ledger_notifications(harness.engine, on_notice):
        if harness.engine.dialect.name != "postgresql":
            # One process only: nothing to listen to, and no connection is held for it.
            assert harness.engine.pool.checkedout() == 0
            return
        # "Another process": a connection of its own, plain SQL, no ORM session events.
        async with harness.engine.begin() as other:
            await other.execute(
                insert(Delivery).values(
                    run_id=model.run_id,
                    meeting_id=model.meeting_id,
                    kind="summary",
                    seq=7,
                    due_at=LATER,
                    status="pending",
                )
            )
        await asyncio.wait_for(heard.wait(), timeout=10)
        heard.clear()
        async with harness.engine.begin() as other:  # a change that leaves nothing pending
            await other.execute(update(Delivery).where(Delivery.seq == 7).values(error="x"))
        async with harness.engine.begin() as other:  # claimed: nothing to wake anyone for
            await other.execute(update(Delivery).where(Delivery.seq == 7).values(status="claimed"))
        async with harness.engine.begin() as other:  # given back by a stopping process
            await other.execute(update(Delivery).where(Delivery.seq == 7).values(status="pending"))
        await asyncio.wait_for(heard.wait(), timeout=10)
        # Notifications arrive in commit order: had the two changes in between notified, they
        # would have been heard before this one.
        assert len(notices) == 2
