"""What a handler gets: the event, its transaction, the time, and the bot's fixed parts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import Incoming, Person, Place
from bot.core.ports import Adapter
from bot.domain.syllabus import Library


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

    @property
    def adapter(self) -> Adapter:
        """The platform the event came from."""
        return self.adapters[self.event.where.platform]

    @property
    def who(self) -> Person:
        """The person who acted."""
        return self.event.who

    @property
    def place(self) -> Place:
        """Where they acted (a thread, when the event came from one)."""
        return self.event.where
