"""``DiscordAdapter``: the Adapter protocol on discord.py 2.x, over the gateway.

Where posts go. In a text channel every post is a message; a discussion question is a message
of its own with a thread started from it (a Discord message holds one thread, and a kickoff has
several questions), and a Q&A question's thread is started from the question's post. In a forum
channel every post is a forum post: a kickoff and each discussion question are posts tagged
with their unit, a Q&A question is a post tagged *unanswered* (then *solved*) whose answers are
its messages, and reminders and summaries are posts too (a forum has no other kind of message).

Exactly once. A scheduled post carries its delivery key twice: as the message nonce, which
Discord enforces for a few minutes (a request retried after a lost answer does not post twice),
and as a short reference in the embed footer, which ``find_post`` looks for among the channel's
recent messages (or the forum's recent posts) when the ledger asks after a crash or a lost
answer. A forum post takes no nonce, so a scheduled one is not repeated after a 5xx at all: the
attempt fails, and the ledger's next one looks for the post first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from dataclasses import replace

import discord

from bot.adapters.discord import access
from bot.adapters.discord.components import StudyClient
from bot.adapters.discord.events import SessionEvents
from bot.adapters.discord.forum import ForumTags
from bot.adapters.discord.guard import RequestBudget
from bot.adapters.discord.identity import PLATFORM
from bot.adapters.discord.render import marker, nonce, own_topic, render, thread_name
from bot.adapters.discord.responder import RESPOND_WITHIN
from bot.adapters.discord.settings import DiscordSettings, redirected
from bot.adapters.discord.startup import (
    NO_BLIND_REPEAT,
    DiscordStartError,
    log_in,
    sync_commands,
    until_ready,
    wire,
)
from bot.core.errors import StudybotError
from bot.core.models import Message, Place
from bot.core.ports import BotPort

log = logging.getLogger(__name__)

ARCHIVE_AFTER = 10080  # minutes: a week, so a thread stays open through its session
THREAD_EXISTS = 160004  # Discord: "A thread has already been created for this message"
HISTORY_DEPTH = 300  # channel messages searched for a post after a crash
FORUM_DEPTH = 25  # recent forum posts of the bot searched likewise
DM_REFUSED_FOR = 24 * 3600.0  # seconds: do not retry DMs to a member who does not accept them


class MissingAccess(StudybotError):
    """The bot lacks a permission in a channel; raised before any request is made."""


class DiscordAdapter(SessionEvents):
    """The core's posts, threads, DMs and edits on Discord, and each session's scheduled event
    (``SessionEvents``); ``start`` brings its events in."""

    platform = PLATFORM
    channel_rate: float | None = None  # discord.py waits out each route's bucket itself
    workspace_rate: float | None = None

    def __init__(
        self,
        *,
        settings: DiscordSettings,
        respond_within: float = RESPOND_WITHIN,
        budget: RequestBudget | None = None,
        ready_timeout: float = 60.0,
        guild_ready_timeout: float = 2.0,
    ) -> None:
        """``guild_ready_timeout``: discord.py waits this long after the last GUILD_CREATE
        before it calls itself ready (it cannot know there are no more servers to come)."""
        self.settings = settings
        self.respond_within = respond_within
        self.budget = budget or RequestBudget()
        self.ready_timeout = ready_timeout
        self.guild_ready_timeout = guild_ready_timeout
        self.tags = ForumTags()
        self._client: StudyClient | None = None
        self._runner: asyncio.Task[None] | None = None
        self._redirect = contextlib.ExitStack()
        self._names: OrderedDict[str, str] = OrderedDict()  # post ref -> its thread's name
        self._dm_refused: dict[str, float] = {}

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def client(self) -> StudyClient:
        """The discord.py client, there from ``start`` on."""
        if self._client is None:
            raise RuntimeError("the Discord adapter is not started")
        return self._client

    @property
    def connected(self) -> bool:
        """Logged in, the gateway's READY received, and its connection (each shard's) open."""
        client = self._client
        if client is None or client.is_closed() or not client.is_ready():
            return False
        if isinstance(client, discord.AutoShardedClient):
            return all(not shard.is_closed() for shard in client.shards.values())
        return client.ws is not None and client.ws.open

    async def start(self, bot: BotPort) -> None:
        """Log in, connect to the gateway and sync ``/study``; stop again if any of it fails."""
        self._redirect.enter_context(redirected(self.settings))
        client, tree = wire(
            bot,
            say=self._say,
            budget=self.budget,
            respond_within=self.respond_within,
            guild_ready_timeout=self.guild_ready_timeout,
            shards=self.settings.shards,
            message_content=self.settings.message_content,
        )
        self._client = client
        try:
            await log_in(client, self.settings.token)
            self._runner = asyncio.create_task(
                client.connect(reconnect=True), name="discord-gateway"
            )
            await until_ready(client, self._runner, seconds=self.ready_timeout)
            await sync_commands(tree, guild_id=self.settings.guild_id)
        except DiscordStartError:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Leave the gateway and point discord.py back at Discord (tests start adapters often)."""
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._runner
            self._runner = None
        self._redirect.close()

    # --- helpers --------------------------------------------------------------------------------

    async def _channel(self, channel_id: str) -> discord.abc.GuildChannel | discord.Thread:
        found = self.client.get_channel(int(channel_id))
        if found is None:
            self.budget.check()
            found = await self.client.fetch_channel(int(channel_id))
        if not isinstance(found, (discord.abc.GuildChannel, discord.Thread)):
            raise MissingAccess(f"channel {channel_id} is not a server channel")
        return found

    def _require(self, channel: discord.abc.GuildChannel | discord.Thread, *needed: str) -> None:
        """Fail without a request when the bot lacks a permission: a 403 counts against the
        invalid-request limit, and the log names what to grant."""
        self.budget.check()
        me = channel.guild.me
        lacking = access.missing(channel.permissions_for(me), *needed) if me else []
        if lacking:
            names = ", ".join(access.describe(name) for name in lacking)
            raise MissingAccess(f"studybot needs {names} in #{channel.name} ({channel.id})")

    def _pictures_allowed(
        self, channel: discord.abc.GuildChannel | discord.Thread, message: Message
    ) -> Message:
        """``message``, without its pictures where the bot may not attach files (a server that
        added it before pictures existed): the text still goes, the log says what to grant."""
        me = channel.guild.me
        if not any(a.is_picture for a in message.attachments) or me is None:
            return message
        if not access.missing(channel.permissions_for(me), "attach_files"):
            return message
        log.warning("pictures left out: studybot needs Attach Files in #%s", channel.name)
        kept = tuple(a for a in message.attachments if not a.is_picture)
        return replace(message, attachments=kept)

    def _remember_name(self, ref: str, message: Message) -> None:
        self._names[ref] = thread_name(message)
        while len(self._names) > 512:
            self._names.popitem(last=False)

    def _may_tag(self, forum: discord.ForumChannel) -> bool:
        me = forum.guild.me
        return me is not None and forum.permissions_for(me).manage_channels

    async def _forum_post(
        self, forum: discord.ForumChannel, message: Message, key: str | None
    ) -> discord.Thread:
        self._require(forum, "view_channel", "send_messages", "embed_links")
        tags = await self.tags.tags_for(forum, message.labels, may_create=self._may_tag(forum))
        # A forum post takes no nonce: a keyed one is not repeated after a 5xx (it may exist),
        # the ledger's next attempt looks for it instead (see startup.NO_BLIND_REPEAT).
        unrepeated = NO_BLIND_REPEAT.set(key is not None)
        try:
            created = await forum.create_thread(
                name=thread_name(message),
                auto_archive_duration=ARCHIVE_AFTER,
                applied_tags=tags,
                **render(message, key=key).send_kwargs(),
            )
        finally:
            NO_BLIND_REPEAT.reset(unrepeated)
        return created.thread

    async def _send(
        self,
        channel: discord.abc.GuildChannel | discord.Thread,
        message: Message,
        *,
        key: str | None = None,
        starter: bool = False,
        once: str | None = None,
    ) -> discord.Message:
        """``key``: the post's delivery key (its nonce and its footer's reference); ``once``: a
        key for the nonce alone, so that a repeat after a crash is dropped by Discord."""
        in_thread = isinstance(channel, discord.Thread)
        self._require(
            channel,
            "view_channel",
            "send_messages_in_threads" if in_thread else "send_messages",
            "embed_links",
        )
        message = self._pictures_allowed(channel, message)
        assert isinstance(channel, discord.abc.Messageable)
        return await channel.send(
            **render(message, key=key, starter=starter).send_kwargs(),
            nonce=nonce(key or once) if key or once else None,
        )

    async def _thread_from(
        self, message: discord.Message | discord.PartialMessage, name: str
    ) -> discord.abc.GuildChannel | discord.Thread:
        """The thread started from ``message``: made now, or the one an attempt that crashed
        before recording it made (Discord refuses a second; the thread has the message's id)."""
        try:
            return await message.create_thread(name=name, auto_archive_duration=ARCHIVE_AFTER)
        except discord.HTTPException as error:
            if error.code != THREAD_EXISTS:
                raise
            return await self._channel(str(message.id))

    async def _say(self, place: Place, message: Message) -> object:
        """A public reply to a gateway event, where the event happened."""
        if place.thread is not None:
            return await self.reply(place, place.thread, message)
        return await self.post(place, message)

    # --- the Adapter protocol -------------------------------------------------------------------

    async def post(self, place: Place, message: Message, *, key: str | None = None) -> str:
        """A message in a channel or thread; in a forum channel, a forum post of its own."""
        channel = await self._channel(place.thread or place.channel)
        if isinstance(channel, discord.ForumChannel):
            thread = await self._forum_post(channel, message, key)
            ref = str(thread.id)
        else:
            ref = str((await self._send(channel, message, key=key)).id)
        self._remember_name(ref, message)
        return ref

    async def open_thread(
        self, place: Place, parent_ref: str, message: Message, *, key: str | None = None
    ) -> str:
        """A topic gets a post and thread of its own; anything else goes in ``parent_ref``'s."""
        channel = await self._channel(place.channel)
        if isinstance(channel, discord.ForumChannel):
            if own_topic(message):
                return str((await self._forum_post(channel, message, key)).id)
            # The post is the thread; the nonce drops a repeat of this message after a crash.
            await self._send(await self._channel(parent_ref), message, once=key)
            return parent_ref
        self._require(channel, "create_public_threads")
        if own_topic(message):
            sent = await self._send(channel, message, key=key, starter=True)
            return str((await self._thread_from(sent, thread_name(message))).id)
        assert isinstance(channel, discord.TextChannel)
        parent = channel.get_partial_message(int(parent_ref))
        name = self._names.get(parent_ref) or thread_name(message)
        thread = await self._thread_from(parent, name)
        # Found again after a crash, the thread may hold this message already: its nonce (from
        # the row's key) makes Discord drop the repeat, which a takeover sends within minutes.
        await self._send(thread, message, once=key)
        return str(thread.id)

    async def reply(self, place: Place, thread_ref: str, message: Message) -> str:
        """A message in a thread (a forum post is one)."""
        thread = await self._channel(thread_ref)
        return str((await self._send(thread, message)).id)

    async def direct_message(
        self, user_id: str, message: Message, *, key: str | None = None
    ) -> str:
        """A DM; a member who does not accept DMs is not tried again for a day."""
        refused = self._dm_refused.get(user_id)
        if refused is not None and time.monotonic() - refused < DM_REFUSED_FOR:
            raise MissingAccess(f"member {user_id} does not accept direct messages")
        self.budget.check()
        channel = await self.client.create_dm(discord.Object(id=int(user_id)))
        try:
            sent = await channel.send(
                **render(message, key=key).send_kwargs(), nonce=nonce(key) if key else None
            )
        except discord.Forbidden:
            self._dm_refused[user_id] = time.monotonic()
            raise
        return str(sent.id)

    async def update(self, place: Place, message_ref: str, message: Message) -> None:
        """Edit a post in place; a forum post's name and tags follow its new text and labels."""
        channel = await self._channel(place.channel)
        rendered = render(message)
        self.budget.check()
        if not isinstance(channel, discord.ForumChannel):
            assert isinstance(channel, discord.TextChannel)
            await channel.get_partial_message(int(message_ref)).edit(**rendered.edit_kwargs())
            return
        # A forum post's first message has the post's id.
        post = await self._channel(message_ref)
        assert isinstance(post, discord.Thread)
        await post.get_partial_message(int(message_ref)).edit(**rendered.edit_kwargs())
        tags = await self.tags.retagged(
            channel, list(post.applied_tags), message.labels, may_create=self._may_tag(channel)
        )
        name = thread_name(message)
        if {t.id for t in tags} != {t.id for t in post.applied_tags} or name != post.name:
            await post.edit(name=name, applied_tags=tags)

    def link_to(self, place: Place, ref: str) -> str | None:
        """A message's address; a forum post is a thread, addressed by its own id."""
        forum = isinstance(self.client.get_channel(int(place.channel)), discord.ForumChannel)
        where = f"{place.workspace}/{ref}" if forum else f"{place.workspace}/{place.channel}/{ref}"
        return f"https://discord.com/channels/{where}"

    async def find_post(self, place: Place, key: str) -> str | None:
        """The bot's recent post whose footer carries ``key``'s reference, if there is one."""
        channel = await self._channel(place.channel)
        if isinstance(channel, discord.ForumChannel):
            return await self._find_forum_post(channel, key)
        self._require(channel, "view_channel", "read_message_history")
        assert isinstance(channel, discord.TextChannel)
        me = self.client.user
        plain, starter = marker(key), marker(key, starter=True)
        async for found in channel.history(limit=HISTORY_DEPTH):
            if me is None or found.author.id != me.id or not found.embeds:
                continue
            footer = found.embeds[0].footer.text or ""
            if footer.endswith(plain):
                return str(found.id)
            if footer.endswith(starter):
                if not found.flags.has_thread:  # the crash came between post and thread
                    self._require(channel, "create_public_threads")
                    await found.create_thread(
                        name=(found.embeds[0].title or "Discussion")[:100],
                        auto_archive_duration=ARCHIVE_AFTER,
                    )
                return str(found.id)
        return None

    async def _find_forum_post(self, forum: discord.ForumChannel, key: str) -> str | None:
        self._require(forum, "view_channel", "read_message_history")
        me = self.client.user
        wanted = marker(key)
        active = await forum.guild.active_threads()
        mine = sorted(
            (
                t
                for t in active
                if t.parent_id == forum.id and me is not None and t.owner_id == me.id
            ),
            key=lambda t: t.id,
            reverse=True,
        )
        for post in mine[:FORUM_DEPTH]:
            self.budget.check()
            try:
                first = await post.fetch_message(post.id)
            except discord.NotFound:
                continue
            if first.embeds and (first.embeds[0].footer.text or "").endswith(wanted):
                return str(post.id)
        return None
