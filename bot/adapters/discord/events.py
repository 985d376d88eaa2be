"""Each session as a Discord scheduled event (external, at the meeting's link or place), which
members mark Interested: the core's ``Calendar`` port on Discord. Without the Create Events
permission the bot says so in its log and carries on without events."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import discord

from bot.adapters.discord import access
from bot.adapters.discord.startup import NO_BLIND_REPEAT
from bot.core.models import EventDetails, Place

if TYPE_CHECKING:
    from bot.adapters.discord.components import StudyClient
    from bot.adapters.discord.guard import RequestBudget

log = logging.getLogger(__name__)

KEY_MARK = "studybot · "  # the description's last line names the delivery key (for look-ups)


class SessionEvents:
    """The ``Calendar`` methods of the Discord adapter (mixed into ``DiscordAdapter``)."""

    # Provided by DiscordAdapter.
    budget: RequestBudget
    client: StudyClient

    def _guild(self, place: Place) -> discord.Guild | None:
        """The server of ``place``, when the bot may manage its events there."""
        guild = self.client.get_guild(int(place.workspace))
        me = guild.me if guild is not None else None
        if guild is None or me is None:
            return None
        if access.missing(me.guild_permissions, "create_events"):
            log.warning(
                "no event for the session: studybot needs %s in %s",
                access.describe("create_events"),
                guild.name,
            )
            return None
        return guild

    async def put_event(
        self, place: Place, *, ref: str | None, event: EventDetails, key: str
    ) -> str:
        """Create the session's event, or bring it up to date; "" without the permission."""
        guild = self._guild(place)
        if guild is None:
            return ""
        self.budget.check()
        fields = {
            "name": event.name,
            "start_time": event.starts_at,
            "end_time": event.ends_at,
            "location": event.location[:100],
            "description": f"{event.description}\n\n{KEY_MARK}{key}",
        }
        if ref:
            found = await guild.fetch_scheduled_event(int(ref), with_counts=False)
            await found.edit(entity_type=discord.EntityType.external, **fields)
            return ref
        # A lost answer is not repeated blindly (an event has no nonce): the ledger's next
        # attempt looks for the event by its key first (``find_event``).
        unrepeated = NO_BLIND_REPEAT.set(True)
        try:
            made = await guild.create_scheduled_event(
                entity_type=discord.EntityType.external,
                privacy_level=discord.PrivacyLevel.guild_only,
                **fields,
            )
        finally:
            NO_BLIND_REPEAT.reset(unrepeated)
        return str(made.id)

    async def find_event(self, place: Place, key: str) -> str | None:
        """The event an attempt whose answer was lost made, by the key in its description."""
        guild = self._guild(place)
        if guild is None:
            return None
        self.budget.check()
        for found in await guild.fetch_scheduled_events(with_counts=False):
            if (found.description or "").endswith(f"{KEY_MARK}{key}"):
                return str(found.id)
        return None

    async def cancel_event(self, place: Place, ref: str) -> None:
        """Cancel the event of a session that will not take place (once; a done one stays)."""
        guild = self._guild(place)
        if guild is None or not ref:
            return
        self.budget.check()
        found = await guild.fetch_scheduled_event(int(ref), with_counts=False)
        if found.status is discord.EventStatus.scheduled:
            await found.cancel()

    async def interested(self, place: Place, ref: str) -> frozenset[str] | None:
        """The user ids of those who marked the event Interested."""
        guild = self._guild(place)
        if guild is None or not ref:
            return None
        self.budget.check()
        found = await guild.fetch_scheduled_event(int(ref), with_counts=False)
        return frozenset([str(user.id) async for user in found.users()])
