"""Configuration from the environment, and the two places discord.py is pointed at."""

from __future__ import annotations

import base64
import re

import discord
import pytest
from discord.gateway import DiscordWebSocket

from bot.adapters.discord import from_env
from bot.adapters.discord.adapter import DiscordAdapter
from bot.adapters.discord.settings import (
    DiscordSettings,
    application_id_from_token,
    redirected,
    settings_from_env,
)
from bot.adapters.registry import PlatformConfigError, configured_adapters
from bot.runtime.settings import Settings

TOKEN = base64.urlsafe_b64encode(b"123456789012345678").decode().rstrip("=") + ".Gabc12.xyz"


def test_no_token_means_no_discord() -> None:
    assert from_env({}) is None
    assert from_env({"DISCORD_BOT_TOKEN": "  "}) is None
    assert from_env({"DISCORD_API_URL": "http://127.0.0.1:1/api/v10"}) is None


def test_the_token_alone_gives_discord_com() -> None:
    adapter = from_env({"DISCORD_BOT_TOKEN": f" {TOKEN}\n"})
    assert isinstance(adapter, DiscordAdapter)
    assert adapter.platform == "discord"
    assert adapter.settings == DiscordSettings(token=TOKEN)


def test_studybot_run_starts_the_discord_adapter_when_the_token_is_set() -> None:
    adapters = configured_adapters(Settings.from_env({"DISCORD_BOT_TOKEN": TOKEN}).environ)
    assert [a.platform for a in adapters] == ["discord"]


def test_all_settings() -> None:
    settings = settings_from_env(
        {
            "DISCORD_BOT_TOKEN": TOKEN,
            "DISCORD_API_URL": "http://127.0.0.1:8080/api/v10/",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:8080/gateway",
            "DISCORD_GUILD_ID": "987654321098765432",
        }
    )
    assert settings == DiscordSettings(
        token=TOKEN,
        api_url="http://127.0.0.1:8080/api/v10",
        gateway_url="ws://127.0.0.1:8080/gateway",
        guild_id=987654321098765432,
    )


def test_a_proxy_address_without_a_path_gets_the_versioned_api_path() -> None:
    settings = settings_from_env(
        {"DISCORD_BOT_TOKEN": TOKEN, "DISCORD_API_URL": "http://ratelimiter:8080"}
    )
    assert settings is not None and settings.api_url == "http://ratelimiter:8080/api/v10"


@pytest.mark.parametrize(
    ("name", "value", "hint"),
    [
        ("DISCORD_BOT_TOKEN", f"Bot {TOKEN}", "without the word 'Bot'"),
        ("DISCORD_BOT_TOKEN", "abc def", "contains spaces"),
        ("DISCORD_API_URL", "discord.com/api", "must be an http(s) URL"),
        ("DISCORD_API_URL", "ftp://example.org/api", "must be an http(s) URL"),
        ("DISCORD_GATEWAY_URL", "https://gateway.discord.gg", "ws:// or wss://"),
        ("DISCORD_GUILD_ID", "my-server", "Copy Server ID"),
    ],
)
def test_unusable_settings_say_what_to_fix(name: str, value: str, hint: str) -> None:
    env = {"DISCORD_BOT_TOKEN": TOKEN, name: value}
    with pytest.raises(PlatformConfigError, match=re.escape(hint)):
        from_env(env)


def test_the_application_id_is_read_from_the_token() -> None:
    assert application_id_from_token(TOKEN) == "123456789012345678"
    assert application_id_from_token("not-a-token") is None
    assert application_id_from_token("") is None


def test_discord_py_is_redirected_only_while_the_adapter_runs() -> None:
    route, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    settings = DiscordSettings(
        token=TOKEN, api_url="http://127.0.0.1:9/api/v10", gateway_url="ws://127.0.0.1:9/gw"
    )
    with redirected(settings):
        assert discord.http.Route("GET", "/users/@me").url == "http://127.0.0.1:9/api/v10/users/@me"
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == "ws://127.0.0.1:9/gw"
    assert (route, gateway) == (discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
    with redirected(DiscordSettings(token=TOKEN)):  # nothing configured: Discord's own
        assert discord.http.Route.BASE == "https://discord.com/api/v10"
