"""The chat platforms ``studybot run`` can start, and which of them the settings configure.

Each platform package offers ``from_env(env) -> Adapter | None``: None when its settings are
absent, ``PlatformConfigError`` when they are present but unusable. A package is imported only
when its token is set, so a Slack-only install never loads discord.py and vice versa.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.core.errors import PlatformConfigError
from bot.core.ports import Adapter


def _slack(env: Mapping[str, str]) -> Adapter | None:
    from bot.adapters import slack  # slack-bolt loads only when a Slack token is set

    return slack.from_env(env)


def _discord(env: Mapping[str, str]) -> Adapter | None:
    from bot.adapters import discord  # discord.py loads only when a Discord token is set

    return discord.from_env(env)


@dataclass(frozen=True)
class Platform:
    """A platform studybot can run on: the variable that switches it on, and its adapter."""

    name: str
    token: str
    load: Callable[[Mapping[str, str]], Adapter | None]


PLATFORMS = (
    Platform("Slack", "SLACK_BOT_TOKEN", _slack),
    Platform("Discord", "DISCORD_BOT_TOKEN", _discord),
)


def configured_adapters(environ: Mapping[str, str]) -> list[Adapter]:
    """An adapter for every platform whose token is set in ``environ`` (``Settings.environ``);
    ``PlatformConfigError`` when the settings of one cannot work."""
    adapters = []
    for platform in PLATFORMS:
        if not environ.get(platform.token, "").strip():
            continue
        adapter = platform.load(environ)
        if adapter is not None:
            adapters.append(adapter)
    return adapters


__all__ = ["PLATFORMS", "PlatformConfigError", "configured_adapters"]
