"""The invite asks for exactly what the bot uses: the stand-in grants the bot only the invite's
permission bits, enforces what Discord requires for each request, and notes which bits the
requests needed; a whole group in a text channel and a forum channel needs every one of them."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.adapters.discord import access
from bot.cli.app import app as cli
from bot.core.delivery import delivery_key
from bot.core.models import Place
from bot.store.models import Delivery

from ..scenario import check_pictures, play
from .conftest import driver_for
from .harness import InProcessBot, World


async def test_the_bot_uses_every_permission_the_invite_asks_for_and_no_other(
    world: World, studybot: InProcessBot
) -> None:
    server = world.server
    for forum in (False, True):
        driver = driver_for(world, studybot, forum=forum)
        await play(driver)
        await check_pictures(driver)  # the formula and the chart: what Attach Files is for
    # After a crash the ledger asks whether a post went out (tests/discord/test_discord_e2e.py
    # does it with a killed process): the adapter reads the channel's history to answer.
    async with studybot.app.bot.sessionmaker() as db:
        query = select(Delivery).where(Delivery.kind == "kickoff", Delivery.status == "sent")
        kickoffs = sorted((await db.scalars(query)).all(), key=lambda d: d.id)
    for channel, kickoff in zip((world.text, world.forum), kickoffs, strict=True):
        place = Place(platform="discord", workspace=world.guild.id, channel=channel.id)
        assert await studybot.adapter.find_post(place, delivery_key(kickoff)) == kickoff.message_ref
        assert await studybot.adapter.find_post(place, "studybot:run7:session7:kickoff:0") is None

    assert server.denied == []
    assert server.used_permissions == set(access.PERMISSIONS)
    assert server.identify is not None
    assert server.identify["intents"] == access.intents().value
    assert server.violations == []


def test_the_invite_url_has_the_scopes_and_exactly_those_bits() -> None:
    result = CliRunner().invoke(cli, ["discord", "invite-url", "--client-id", "123456789012345678"])
    assert result.exit_code == 0, result.output
    url = result.output.splitlines()[0]
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "discord.com", "/oauth2/authorize")
    assert query["client_id"] == ["123456789012345678"]
    assert query["scope"] == ["bot applications.commands"]
    bits = int(query["permissions"][0])
    assert bits == access.permissions().value
    assert bin(bits).count("1") == len(access.PERMISSIONS)  # one bit per listed permission
    for why in access.PERMISSIONS.values():
        assert why in result.output  # each bit is explained


def test_the_invite_url_takes_the_application_from_the_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = base64.urlsafe_b64encode(b"223456789012345678").decode().rstrip("=") + ".x.y"
    monkeypatch.setenv("DISCORD_BOT_TOKEN", token)
    result = CliRunner().invoke(cli, ["discord", "invite-url"])
    assert "client_id=223456789012345678" in result.output.splitlines()[0]
    monkeypatch.delenv("DISCORD_BOT_TOKEN")
    result = CliRunner().invoke(cli, ["discord", "invite-url"])
    assert result.exit_code == 1 and "--client-id" in result.output
