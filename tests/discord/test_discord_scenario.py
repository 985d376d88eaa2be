"""The shared scenario (tests/scenario.py) on Discord, in this process on a fake clock: quick,
and deterministic to the minute. tests/discord/test_discord_e2e.py plays it again against a
real `studybot run` process."""

from __future__ import annotations

import pytest

from ..scenario import EXPECTED, SUMMARY, check_pictures, play, stored_outcome
from .conftest import driver_for
from .harness import InProcessBot, World


@pytest.mark.parametrize("forum", [False, True], ids=["text-channel", "forum-channel"])
async def test_the_shared_scenario_stores_the_expected_outcome(
    world: World, studybot: InProcessBot, forum: bool
) -> None:
    driver = driver_for(world, studybot, forum=forum)
    await play(driver)
    await check_pictures(driver)

    channel = (world.forum if forum else world.text).id
    assert stored_outcome(studybot.database, platform="discord", channel=channel) == EXPECTED
    assert driver.summary == SUMMARY
    assert world.server.violations == []
