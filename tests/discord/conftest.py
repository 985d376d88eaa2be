"""Fixtures: a Discord server (the stand-in) and studybot connected to it in this process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from .driver import DiscordDriver
from .harness import InProcessBot, World, bot_in_process, discord_world


@pytest.fixture
async def world() -> AsyncIterator[World]:
    async with discord_world() as world:
        yield world


@pytest.fixture
async def studybot(world: World, tmp_path: Path) -> AsyncIterator[InProcessBot]:
    async with bot_in_process(world, tmp_path) as bot:
        yield bot


def driver_for(world: World, studybot: InProcessBot, *, forum: bool) -> DiscordDriver:
    return DiscordDriver(
        world=world,
        group=world.forum if forum else world.text,
        schedules=studybot.schedules,
        database=studybot.database,
        now=studybot.clock.now,
        let_time_pass=studybot.tick_until_true,
    )
