"""Discord events in, core events out: commands, buttons, the question form, thread messages,
reactions and members leaving the server.

What a member does through an interaction (a command, a button, the form) gets its reply
privately or publicly as the core decides (see ``responder``). Gateway events (a message in a
thread, a reaction) have no one to answer privately; a public reply is posted where the event
happened and a private one is dropped.

Membership: a Discord text or forum channel has no "join" of its own (everyone who can see it
is in it), and joining a server is not a wish to join each reading group in it, so members join
with ``/study join``. Leaving the server does leave every group in it, so that a member who is
gone is not nudged and counted as missing forever.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable

import discord

from bot.adapters.discord.components import QuestionForm, parse_form_id
from bot.adapters.discord.components import submitted_text as form_text
from bot.adapters.discord.identity import PLATFORM, member_permissions, person_of, place_of
from bot.adapters.discord.responder import Responder
from bot.core.models import (
    ActionEvent,
    CommandEvent,
    FileEvent,
    Incoming,
    MembershipEvent,
    Message,
    Person,
    Place,
    ReactionEvent,
    ThreadMessageEvent,
)
from bot.core.ports import Catalog, EventHandler
from bot.domain.problems import MAX_FILE_BYTES

log = logging.getLogger(__name__)

NOT_HERE = "studybot works in a server's text or forum channels; use /study there."

Say = Callable[[Place, Message], Awaitable[object]]


DIRECT = "@me"  # the workspace of a direct message's place: Discord's own name for DMs


async def _ready(event: Incoming) -> Incoming:
    return event


class Inbox:
    """Turns what discord.py dispatches into calls of the core's ``handle``."""

    def __init__(
        self,
        *,
        client: discord.Client,
        handle: EventHandler,
        catalog: Catalog,
        responder: Responder,
        say: Say,
        mentions_only: bool = False,
    ) -> None:
        self.client = client
        # Without the Message Content intent Discord shows the bot only the messages that
        # mention it: those are the answers then.
        self.mentions_only = mentions_only
        self.handle = handle
        self.catalog = catalog
        self.responder = responder
        self.say = say  # posts a public reply to a gateway event

    # --- interactions (the Hooks of commands.study_group) ---------------------------------------

    def place_of(self, interaction: discord.Interaction) -> Place | None:
        """Where an interaction happened; None outside a server's text and forum channels."""
        return place_of(interaction.channel, interaction.guild_id)

    async def _answer(
        self,
        interaction: discord.Interaction,
        build: Callable[[Place], Awaitable[Incoming]],
    ) -> None:
        place = self.place_of(interaction)
        if place is None:
            await interaction.response.send_message(NOT_HERE, ephemeral=True)
            return
        await self.responder.answer(interaction, lambda: build(place))

    def _who(self, interaction: discord.Interaction) -> Person:
        return person_of(interaction.user, interaction.permissions)

    async def command(self, interaction: discord.Interaction, text: str) -> None:
        """A ``/study`` subcommand, as the text a member would have typed."""

        async def build(place: Place) -> Incoming:
            return CommandEvent(
                who=self._who(interaction), where=place, event_id=str(interaction.id), text=text
            )

        await self._answer(interaction, build)

    async def syllabus_file(
        self, interaction: discord.Interaction, attachment: discord.Attachment
    ) -> None:
        """A syllabus uploaded with ``/study syllabus load``, read unless it is too large."""

        async def build(place: Place) -> Incoming:
            # Discord says how big the file is: an oversized one is refused unread.
            too_big = attachment.size > MAX_FILE_BYTES
            return FileEvent(
                who=self._who(interaction),
                where=place,
                event_id=str(interaction.id),
                filename=attachment.filename,
                size=attachment.size,
                content=b"" if too_big else await attachment.read(),
            )

        await self._answer(interaction, build)

    async def button(self, interaction: discord.Interaction, action: str, value: str) -> None:
        """A click; *Ask a question* opens the form, which the core only sees once submitted.
        A click in a direct message (a nudge's buttons) comes from the member's DM channel."""
        if action == "ask":
            await interaction.response.send_modal(QuestionForm(value=value))
            return
        if interaction.guild_id is None and interaction.channel_id is not None:
            dm = Place(platform=PLATFORM, workspace=DIRECT, channel=str(interaction.channel_id))
            event = ActionEvent(
                who=self._who(interaction),
                where=dm,
                event_id=str(interaction.id),
                action=action,
                value=value,
            )
            await self.responder.answer(interaction, lambda: _ready(event))
            return

        async def build(place: Place) -> Incoming:
            return ActionEvent(
                who=self._who(interaction),
                where=place,
                event_id=str(interaction.id),
                action=action,
                value=value,
            )

        await self._answer(interaction, build)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Question-form submissions (buttons and commands are dispatched by discord.py)."""
        if interaction.type is not discord.InteractionType.modal_submit:
            return
        parsed = parse_form_id(str((interaction.data or {}).get("custom_id", "")))
        if parsed is None:
            return
        action, _session = parsed
        text = form_text(interaction.data, QuestionForm.FIELD)

        async def build(place: Place) -> Incoming:
            return ActionEvent(
                who=self._who(interaction),
                where=place,
                event_id=str(interaction.id),
                action=action,
                value=text,
            )

        await self._answer(interaction, build)

    # --- gateway events -------------------------------------------------------------------------

    async def _channel(self, channel_id: int) -> object | None:
        channel = self.client.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.client.fetch_channel(channel_id)
            except discord.HTTPException as error:
                log.warning("cannot see channel %s: %s", channel_id, error)
                return None
        return channel

    async def _deliver(self, event: Incoming) -> None:
        reply = await self.handle(event)
        if reply is not None and not reply.ephemeral:
            await self.say(event.where, reply.message)

    async def on_message(self, message: discord.Message) -> None:
        """A member's message in a thread (an answer, typically); other messages are ignored."""
        if message.author.bot or message.guild is None:
            return
        channel: object | None = message.channel
        if isinstance(channel, discord.PartialMessageable):  # a thread the cache has not seen
            channel = await self._channel(channel.id)
        if not isinstance(channel, discord.Thread):
            return  # only threads hold answers; channel chatter is not the bot's business
        place = place_of(channel, message.guild.id)
        me = self.client.user
        mentioned = me is not None and me in message.mentions
        if place is None or (self.mentions_only and not mentioned):
            return
        # "@studybot it is 5" is the answer "it is 5": the mention is how it was addressed.
        text = message.content
        if mentioned and me is not None:
            text = re.sub(rf"<@!?{me.id}>", "", text).strip()
        await self._deliver(
            ThreadMessageEvent(
                who=person_of(message.author, member_permissions(message.author, channel)),
                where=place,
                event_id=f"message:{message.id}",
                text=text,
                message_ref=str(message.id),
            )
        )

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        """A member's reaction, also on a message the cache does not hold (a ✅ resolves)."""
        me = self.client.user
        if payload.guild_id is None or (me is not None and payload.user_id == me.id):
            return
        channel = await self._channel(payload.channel_id)
        place = place_of(channel, payload.guild_id)
        if place is None or payload.member is None:
            return
        # A ✅ anywhere in a question's thread (on the answer that helped, typically) counts
        # for the question, as does one on the question's own post.
        target = place.thread or str(payload.message_id)
        await self._deliver(
            ReactionEvent(
                who=person_of(payload.member, member_permissions(payload.member, channel)),
                where=place,
                event_id=f"reaction:{payload.message_id}:{payload.user_id}:{payload.emoji}",
                emoji=str(payload.emoji),
                message_ref=target,
                reply_ref=str(payload.message_id) if place.thread else None,
            )
        )

    async def on_raw_member_remove(self, payload: discord.RawMemberRemoveEvent) -> None:
        """A member left the server, and so every group in it."""
        workspace = str(payload.guild_id)
        channels = await self.catalog.group_channels(platform=PLATFORM, workspace=workspace)
        if channels is None:  # no database at hand: every channel that could hold a group
            guild = self.client.get_guild(payload.guild_id)
            channels = [
                str(c.id)
                for c in (guild.channels if guild else [])
                if isinstance(c, (discord.TextChannel, discord.ForumChannel))
            ]
        stamp = time.time_ns()  # leaving, coming back and leaving again are separate events
        for channel in channels:
            await self._deliver(
                MembershipEvent(
                    who=person_of(payload.user),
                    where=Place(platform=PLATFORM, workspace=workspace, channel=channel),
                    event_id=f"leave:{payload.user.id}:{channel}:{stamp}",
                    joined=False,
                )
            )
