"""The Discord adapter's settings, read from the environment, and where discord.py is pointed.

discord.py has exactly two places that name Discord's servers: ``discord.http.Route.BASE`` (the
HTTP API, read each time a request is built) and ``DiscordWebSocket.DEFAULT_GATEWAY`` (the
gateway). ``DISCORD_API_URL`` and ``DISCORD_GATEWAY_URL`` redirect them, for a rate-limit proxy
shared by several bot processes or for the local stand-in the tests use; nothing else does.

``DISCORD_SHARD_COUNT`` and ``DISCORD_SHARD_IDS`` split the bot's gateway connections between
processes on one database: each process holds the shards it names (Discord sends a server's
events to shard ``(server_id >> 22) % count``), and any process may send the scheduled posts.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import discord
import yarl
from discord.gateway import DiscordWebSocket

from bot.core.errors import PlatformConfigError

API_VERSION_PATH = "/api/v10"
_SNOWFLAKE = re.compile(r"[0-9]{15,21}")
_NUMBER = re.compile(r"[0-9]{1,9}")  # a shard number or count (Discord's are far smaller)


@dataclass(frozen=True, kw_only=True)
class Shards:
    """The gateway shards this process holds, out of the ``count`` every process shares."""

    count: int
    ids: tuple[int, ...] | None = None  # None: all of them, 0 to count - 1


@dataclass(frozen=True, kw_only=True)
class DiscordSettings:
    """What the adapter reads from the environment (see ``settings_from_env``)."""

    token: str
    api_url: str | None = None  # e.g. http://127.0.0.1:8080/api/v10; None: discord.com
    gateway_url: str | None = None  # e.g. ws://127.0.0.1:8080/gateway; None: Discord's
    guild_id: int | None = None  # sync commands to this server only (instant, for trials)
    shards: Shards | None = None  # None: one gateway connection for every server
    # Off: the bot runs without the privileged Message Content intent, and takes as answers
    # only the thread messages that mention it (Discord shows it those in full).
    message_content: bool = True

    @property
    def application_id(self) -> str | None:
        """The bot's application id, read from its token (None if the token looks odd)."""
        return application_id_from_token(self.token)


def settings_from_env(env: Mapping[str, str]) -> DiscordSettings | None:
    """None when ``DISCORD_BOT_TOKEN`` is absent; ``PlatformConfigError`` when a setting is
    present but cannot work, with what to fix."""
    token = env.get("DISCORD_BOT_TOKEN", "").strip()
    if not token:
        return None
    if token.lower().startswith("bot "):
        raise PlatformConfigError(
            "DISCORD_BOT_TOKEN should be the token alone, without the word 'Bot' in front."
        )
    if any(ch.isspace() for ch in token):
        raise PlatformConfigError(
            "DISCORD_BOT_TOKEN contains spaces; copy the token again from the Developer Portal "
            "(Bot, Reset Token)."
        )
    return DiscordSettings(
        token=token,
        api_url=_api_url(env.get("DISCORD_API_URL", "").strip()),
        gateway_url=_gateway_url(env.get("DISCORD_GATEWAY_URL", "").strip()),
        guild_id=_guild_id(env.get("DISCORD_GUILD_ID", "").strip()),
        shards=_shards(
            env.get("DISCORD_SHARD_COUNT", "").strip(), env.get("DISCORD_SHARD_IDS", "").strip()
        ),
        message_content=_on_off(env.get("DISCORD_MESSAGE_CONTENT", "").strip()),
    )


def _on_off(value: str) -> bool:
    if value.lower() in ("", "on"):
        return True
    if value.lower() == "off":
        return False
    raise PlatformConfigError(
        f"DISCORD_MESSAGE_CONTENT must be on (the default) or off, not {value!r}. Off: answers "
        "are the thread messages that mention the bot, and the Message Content intent is not "
        "needed."
    )


def _api_url(value: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PlatformConfigError(
            f"DISCORD_API_URL must be an http(s) URL such as https://proxy.example/api/v10, "
            f"not {value!r}."
        )
    base = value.rstrip("/")
    # A bare host (a proxy's address) gets Discord's versioned path, as discord.com would.
    return base + API_VERSION_PATH if parts.path.strip("/") == "" else base


def _gateway_url(value: str) -> str | None:
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise PlatformConfigError(
            f"DISCORD_GATEWAY_URL must be a ws:// or wss:// URL, not {value!r}."
        )
    return value


def _guild_id(value: str) -> int | None:
    if not value:
        return None
    if not _SNOWFLAKE.fullmatch(value):
        raise PlatformConfigError(
            "DISCORD_GUILD_ID must be a server id (a long number: right-click the server, "
            f"Copy Server ID, with Developer Mode on), not {value!r}."
        )
    return int(value)


def _shards(count_text: str, ids_text: str) -> Shards | None:
    if not count_text:
        if ids_text:
            raise PlatformConfigError(
                "DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT as well: set DISCORD_SHARD_COUNT to "
                "the number of shards all your studybot processes share (the same in each), "
                "for example DISCORD_SHARD_COUNT=2."
            )
        return None
    if not _NUMBER.fullmatch(count_text) or int(count_text) < 1:
        raise PlatformConfigError(
            "DISCORD_SHARD_COUNT must be a whole number of shards, 1 or more, such as 2, "
            f"not {count_text!r}."
        )
    count = int(count_text)
    if not ids_text:
        return Shards(count=count)
    ids: list[int] = []
    for part in ids_text.split(","):
        if not _NUMBER.fullmatch(part.strip()):
            raise PlatformConfigError(
                "DISCORD_SHARD_IDS must be shard numbers separated by commas, such as 0,1, "
                f"not {ids_text!r}."
            )
        shard = int(part)
        if shard >= count:
            numbered = "there is only shard 0" if count == 1 else f"the shards are 0 to {count - 1}"
            raise PlatformConfigError(
                f"DISCORD_SHARD_IDS names shard {shard}, but with DISCORD_SHARD_COUNT={count} "
                f"{numbered}. Name shards below {count}, or raise DISCORD_SHARD_COUNT in every "
                "process."
            )
        if shard in ids:
            raise PlatformConfigError(
                f"DISCORD_SHARD_IDS names shard {shard} twice; name each shard once, such as "
                f"{','.join(map(str, dict.fromkeys([*ids, shard])))}."
            )
        ids.append(shard)
    return Shards(count=count, ids=tuple(ids))


def application_id_from_token(token: str) -> str | None:
    """A bot token starts with its bot's user id in base64, and a bot's user id is its
    application's id; None if the token does not look like one."""
    first = token.split(".", 1)[0]
    try:
        decoded = base64.urlsafe_b64decode(first + "=" * (-len(first) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return decoded if _SNOWFLAKE.fullmatch(decoded) else None


@contextmanager
def redirected(settings: DiscordSettings) -> Iterator[None]:
    """Point discord.py at the configured servers while the adapter runs; restore afterwards
    (one process may start and stop adapters several times, as the tests do)."""
    route, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    if settings.api_url:
        discord.http.Route.BASE = settings.api_url
    if settings.gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = route, gateway
