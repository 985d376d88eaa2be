"""A BotPort for testing an adapter alone: events go to a plain function of the test's."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.catalog import StoredCatalog
from bot.core.models import Message
from bot.core.ports import NO_METER, Catalog, EventHandler, Meter
from bot.domain.library import Library

from .conftest import CONTENT, SCHEDULES


@dataclass
class HandlerOnly:
    """Hands every event to ``handle``; no database behind autocomplete or the home page."""

    handle: EventHandler
    catalog: Catalog = field(
        default_factory=lambda: StoredCatalog(library=Library(CONTENT), schedules=SCHEDULES)
    )
    meter: Meter = NO_METER

    async def home(self, *, platform: str, workspace: str, user_id: str) -> Message:
        return Message(text="You are in no study group yet.")
