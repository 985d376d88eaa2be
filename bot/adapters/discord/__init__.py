"""The Discord adapter (discord.py 2.x over the gateway): ``studybot run`` calls ``from_env``.

Modules: ``settings`` (environment, where discord.py is pointed), ``access`` (scopes,
permissions, intents), ``adapter`` (the Adapter protocol), ``startup`` (wiring the client,
logging in, the gateway, syncing ``/study``), ``identity`` (members and channels as the core's
``Person`` and ``Place``), ``inbox`` and ``responder`` (Discord events in), ``commands``
(``/study`` as an application command group, with autocomplete), ``components`` (buttons, the
question form), ``render`` and ``markdown`` (messages out), ``forum`` (tags), ``guard`` (the
invalid-request budget), ``cli`` (``studybot discord ...``).

The package shares its name with the ``discord`` library; every import is absolute, so inside
it ``import discord`` is always discord.py. Nothing here imports discord.py until it is used,
so ``studybot discord --help`` and a Slack-only ``studybot run`` stay quick.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.adapters.discord.adapter import DiscordAdapter


def from_env(env: Mapping[str, str]) -> DiscordAdapter | None:
    """The adapter configured by ``DISCORD_BOT_TOKEN`` (and optionally ``DISCORD_API_URL``,
    ``DISCORD_GATEWAY_URL``, ``DISCORD_GUILD_ID``, ``DISCORD_SHARD_COUNT``,
    ``DISCORD_SHARD_IDS``); None without a token. Raises
    ``bot.adapters.registry.PlatformConfigError`` for settings that cannot work."""
    from bot.adapters.discord.adapter import DiscordAdapter
    from bot.adapters.discord.settings import settings_from_env

    settings = settings_from_env(env)
    return DiscordAdapter(settings=settings) if settings is not None else None


__all__ = ["from_env"]
