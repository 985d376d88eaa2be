"""Starting the Discord adapter: the client wired to the bot, logging in, the gateway, ``/study``.

Each step that can fail for a reason the admin can fix (a rejected token, privileged intents
switched off, a bot invited without the applications.commands scope) raises
``DiscordStartError`` with a message that says what to fix; the adapter then stops what it
started.
"""

from __future__ import annotations

import asyncio
from contextvars import ContextVar
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.adapters.discord import access
from bot.adapters.discord.commands import study_group
from bot.adapters.discord.components import StudyButton, StudyClient
from bot.adapters.discord.guard import RequestBudget
from bot.adapters.discord.inbox import Inbox, Say
from bot.adapters.discord.render import NO_PINGS
from bot.adapters.discord.responder import Responder
from bot.adapters.discord.settings import Shards
from bot.core.errors import StudybotError
from bot.core.ports import BotPort


class DiscordStartError(StudybotError):
    """The adapter cannot connect; the message says what to fix."""


# Set while a keyed post is made that Discord cannot tell from a repeat (a forum post takes no
# nonce): a 5xx may come after the post was made, and discord.py would repeat the request.
NO_BLIND_REPEAT: ContextVar[bool] = ContextVar("studybot_discord_no_blind_repeat", default=False)


class AnswerLost(StudybotError):
    """Discord failed while making a post that may exist already; the ledger looks for it."""


async def _no_blind_repeat(
    session: aiohttp.ClientSession, context: SimpleNamespace, params: aiohttp.TraceRequestEndParams
) -> None:
    """End a request that got a 5xx under ``NO_BLIND_REPEAT`` instead of letting discord.py
    repeat it: the delivery fails, and its next attempt looks for the post before posting."""
    status = params.response.status
    if NO_BLIND_REPEAT.get() and status >= 500:
        raise AnswerLost(f"Discord answered {status} to {params.method} {params.url.path}")


class ShardedStudyClient(StudyClient, discord.AutoShardedClient):
    """A ``StudyClient`` that holds some of the bot's gateway shards (``DISCORD_SHARD_IDS`` of
    ``DISCORD_SHARD_COUNT``): discord.py opens one connection per shard and routes each
    server's requests to its shard's connection."""


def wire(
    bot: BotPort,
    *,
    say: Say,
    budget: RequestBudget,
    respond_within: float,
    guild_ready_timeout: float,
    shards: Shards | None = None,
    message_content: bool = True,
) -> tuple[StudyClient, app_commands.CommandTree[StudyClient]]:
    """The client, its command tree and its listeners, all handing events to the bot; with
    ``shards``, a client that connects only those shards."""
    handle, catalog = bot.handle, bot.catalog
    responder = Responder(handle=handle, respond_within=respond_within)
    inbox: Inbox | None = None

    async def on_button(interaction: discord.Interaction, action: str, value: str) -> None:
        assert inbox is not None
        await inbox.button(interaction, action, value)

    sharding: dict[str, Any] = {}
    if shards is not None:
        # With a count, discord.py connects at once instead of asking Discord for one.
        sharding = {
            "shard_count": shards.count,
            "shard_ids": list(shards.ids) if shards.ids is not None else None,
        }
    trace = budget.trace(bot.meter)
    trace.on_request_end.append(_no_blind_repeat)
    client = (StudyClient if shards is None else ShardedStudyClient)(
        on_button=on_button,
        intents=access.intents(message_content=message_content),
        allowed_mentions=NO_PINGS,
        http_trace=trace,
        chunk_guilds_at_startup=False,  # the bot never needs the member list
        guild_ready_timeout=guild_ready_timeout,
        **sharding,
    )
    inbox = Inbox(
        client=client,
        handle=handle,
        catalog=catalog,
        responder=responder,
        say=say,
        mentions_only=not message_content,
    )
    tree = app_commands.CommandTree(client)
    tree.add_command(study_group(inbox))
    client.add_dynamic_items(StudyButton)

    async def on_message(message: discord.Message) -> None:
        await inbox.on_message(message)

    async def on_raw_reaction_add(payload: discord.RawReactionActionEvent) -> None:
        await inbox.on_raw_reaction_add(payload)

    async def on_raw_member_remove(payload: discord.RawMemberRemoveEvent) -> None:
        await inbox.on_raw_member_remove(payload)

    async def on_interaction(interaction: discord.Interaction) -> None:
        await inbox.on_interaction(interaction)

    for listener in (on_message, on_raw_reaction_add, on_raw_member_remove, on_interaction):
        client.event(listener)
    return client, tree


async def log_in(client: discord.Client, token: str) -> None:
    """Check the token with Discord before the gateway is tried."""
    try:
        await client.login(token)
    except discord.LoginFailure:
        raise DiscordStartError(
            "Discord did not accept DISCORD_BOT_TOKEN. Copy it again from the Developer "
            "Portal (your application, Bot, Reset Token)."
        ) from None


async def until_ready(
    client: discord.Client, runner: asyncio.Task[None], *, seconds: float
) -> None:
    """Wait for the gateway's READY, or say why it did not come (``runner`` is the connection)."""
    ready = asyncio.create_task(client.wait_until_ready())
    done, _ = await asyncio.wait(
        {runner, ready}, timeout=seconds, return_when=asyncio.FIRST_COMPLETED
    )
    if ready in done:
        return
    ready.cancel()
    problem: BaseException | None = None
    if runner in done:
        problem = runner.exception()
    if isinstance(problem, discord.PrivilegedIntentsRequired):
        raise DiscordStartError(
            "Discord refused the gateway connection: switch on the Message Content and "
            "Server Members intents (Developer Portal, your application, Bot, Privileged "
            "Gateway Intents)."
        ) from None
    raise DiscordStartError(
        f"Could not connect to the Discord gateway: {problem!r}"
        if problem
        else f"The Discord gateway was not ready within {seconds:g} seconds."
    ) from None


async def sync_commands(
    tree: app_commands.CommandTree[StudyClient], *, guild_id: int | None
) -> None:
    """Per server when DISCORD_GUILD_ID is set (instant); globally otherwise (Discord may
    take a while to show changed commands everywhere)."""
    try:
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            tree.copy_global_to(guild=guild)
            await tree.sync(guild=guild)
        else:
            await tree.sync()
    except discord.Forbidden:
        where = f"the server {guild_id}" if guild_id else "Discord"
        raise DiscordStartError(
            f"{where} refused the /study commands: invite the bot with the "
            "applications.commands scope (studybot discord invite-url)."
        ) from None
