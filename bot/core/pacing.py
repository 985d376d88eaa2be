"""Pacing posts to the platforms' published rates, so the bot waits its turn instead of
collecting 429s, however many processes send.

Each post reserves a send slot: its channel's next free moment (Slack: about one message a
second per channel; not for a DM), then its workspace's when there is a ceiling; evenly spaced
posts need no burst. The schedule is kept where the senders meet: on PostgreSQL, where several
processes may send, in the database (``send_slots``, one short upsert per slot), so they keep
to one ceiling together; on SQLite, which one process uses, in that process. An in-process
limiter (aiolimiter) could not be shared between processes, and a shared bucket library would
bring a second database client; the schedule is the virtual-time form of a token bucket (GCRA).
"""

from __future__ import annotations

import asyncio
import contextlib
import time

from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.core.models import Place
from bot.core.ports import Adapter
from bot.store.engine import WriteGate
from bot.store.models import SendSlot
from bot.store.upsert import insert_for

# Of a post's interval: a post woken later than this after its slot takes a new slot.
LATENESS = 0.5
RESERVATIONS = 3  # slots taken for one post at most, on a machine too busy to keep them


class Pacer:
    """Each post waits for its channel's turn (not a DM) and for its workspace's."""

    def __init__(
        self,
        *,
        sessionmaker: async_sessionmaker[AsyncSession],
        gate: WriteGate,
        enabled: bool = True,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.gate = gate
        self.enabled = enabled  # off for --fast trials: see bot.runtime.lifespan
        self.shared = sessionmaker.kw["bind"].dialect.name == "postgresql"
        self._next_at: dict[str, float] = {}  # the schedule when it is not shared

    async def wait_unless(
        self, stopping: asyncio.Event, adapter: Adapter, place: Place, *, direct: bool
    ) -> bool:
        """Return when a post to ``place`` may go out: True, or False when ``stopping`` was
        set first (the slot is then left unused)."""
        if stopping.is_set():
            return False
        if not self.enabled:
            return True
        workspace = f"{place.platform}:{place.workspace}"
        turns = [
            (key, 1 / rate)
            for key, rate in (
                (None if direct else f"{workspace}:{place.channel}", adapter.channel_rate),
                (workspace, adapter.workspace_rate),
            )
            if key is not None and rate
        ]
        if not turns:
            return True
        for _ in range(RESERVATIONS):
            slot = time.time()
            for key, interval in turns:
                slot = await self._reserve(key, interval, not_before=slot)
            delay = slot - time.time()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), delay)
            if stopping.is_set():
                return False
            # Woken too late (a busy machine), the post would crowd the ones after it: the
            # slot is given up and a new one taken, so the posts that go out stay spaced.
            if time.time() - slot <= LATENESS * min(interval for _, interval in turns):
                return True
        return True  # the platform's Retry-After handles what pacing could not

    async def _reserve(self, key: str, interval: float, *, not_before: float) -> float:
        """Take the next slot of ``key`` at or after ``not_before``."""
        if not self.shared:
            slot = max(self._next_at.get(key, not_before), not_before)
            self._next_at[key] = slot + interval
            return slot
        dialect = self.sessionmaker.kw["bind"].dialect.name
        later = func.greatest if dialect == "postgresql" else func.max  # SQLite's max(a, b)
        statement = insert_for(dialect)(SendSlot).values(key=key, next_at=not_before + interval)
        statement = statement.on_conflict_do_update(
            index_elements=[SendSlot.key],
            set_={"next_at": later(SendSlot.next_at, not_before) + interval},
        ).returning(SendSlot.next_at)
        async with self.gate, self.sessionmaker.begin() as db:
            next_at = await db.scalar(statement)
        assert next_at is not None
        return next_at - interval
