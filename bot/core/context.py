"""What a handler gets: the event, its transaction, the time, and the bot's fixed parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import Incoming, Person, Place
from bot.core.ports import Adapter
from bot.domain.library import Library
from bot.store.models import Delivery


@dataclass(frozen=True, kw_only=True)
class Context:
    """One event being handled. ``db`` is the event's transaction: everything a handler
    changes through it is committed together, or (after a ``Refusal``) not at all."""

    db: AsyncSession
    event: Incoming
    now: datetime
    library: Library
    schedules: Path  # the folder of schedule files that ``/study plan`` reads
    adapters: Mapping[str, Adapter]
    outbox: list[Delivery] = field(default_factory=list)  # rows to send once committed

    @property
    def adapter(self) -> Adapter:
        """The platform the event came from."""
        return self.adapters[self.event.where.platform]

    async def post_later(self, **values: object) -> None:
        """Write a ledger row with this event's changes; the bot sends it once they commit."""
        row = Delivery(due_at=self.now, **values)
        self.db.add(row)
        self.outbox.append(row)

    @property
    def who(self) -> Person:
        """The person who acted."""
        return self.event.who

    @property
    def place(self) -> Place:
        """Where they acted (a thread, when the event came from one)."""
        return self.event.where
