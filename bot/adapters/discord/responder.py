"""Answering an interaction with the core's reply, within Discord's three seconds.

Discord drops an interaction that gets no response within three seconds, and whether the answer
is private is only known once the bot has handled the event. So the event is handled first; a
reply ready within ``respond_within`` seconds is sent directly (ephemeral or not, as the core
says). A slower one is deferred privately ("studybot is thinking..."), then the private answer
replaces that, or a public one is posted as a follow-up with a short private note. All of this
goes through the interaction's webhook, which needs no channel permissions.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import discord

from bot.adapters.discord.render import NO_PINGS, render
from bot.core.models import Incoming, Reply, say
from bot.core.ports import EventHandler
from bot.core.replies import APOLOGY

log = logging.getLogger(__name__)

RESPOND_WITHIN = 2.0  # seconds; Discord's limit is 3 and the response needs a round trip too
NOTHING_TO_SAY = say("Done.")
FAILED = say(APOLOGY)
POSTED = "Posted in the channel."


class Responder:
    """Shows the core's reply to the member who used a command, button or form."""

    def __init__(self, *, handle: EventHandler, respond_within: float = RESPOND_WITHIN) -> None:
        self.handle = handle
        self.respond_within = respond_within

    async def answer(
        self, interaction: discord.Interaction, event: Callable[[], Awaitable[Incoming]]
    ) -> None:
        """Handle the event that ``event()`` builds (building may download a file) and show the
        reply to the member who acted."""
        task = asyncio.ensure_future(self._reply_to(event))
        done, _ = await asyncio.wait({task}, timeout=self.respond_within)
        if task in done:
            await self._respond(interaction, task.result())
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self._follow_up(interaction, await task)

    async def _reply_to(self, event: Callable[[], Awaitable[Incoming]]) -> Reply:
        try:
            return await self.handle(await event()) or NOTHING_TO_SAY
        except Exception:
            log.exception("handling a Discord interaction failed")
            return FAILED

    @staticmethod
    async def _respond(interaction: discord.Interaction, reply: Reply) -> None:
        rendered = render(reply.message, reply=True)
        await interaction.response.send_message(ephemeral=reply.ephemeral, **rendered.send_kwargs())

    @staticmethod
    async def _follow_up(interaction: discord.Interaction, reply: Reply) -> None:
        rendered = render(reply.message, reply=True)
        if reply.ephemeral:
            kwargs = rendered.edit_kwargs()
            await interaction.edit_original_response(
                content=kwargs["content"],
                embeds=kwargs["embeds"],
                view=kwargs["view"],
                attachments=rendered.files(),
                allowed_mentions=kwargs["allowed_mentions"],
            )
            return
        await interaction.edit_original_response(
            content=POSTED, embeds=[], view=None, allowed_mentions=NO_PINGS
        )
        await interaction.followup.send(ephemeral=False, **rendered.send_kwargs())
