"""The shared scenario (tests/scenario.py) on Slack, in this process on a fake clock: quick,
and deterministic to the minute. tests/slack/test_slack_e2e.py plays it again against a real
`studybot run` process over Socket Mode."""

from __future__ import annotations

from pathlib import Path

from ..scenario import EXPECTED, SUMMARY, check_pictures, play, stored_outcome
from .driver import SlackDriver, add_scenario_people
from .harness import slack_bot


async def test_the_shared_scenario_stores_the_expected_outcome(tmp_path: Path) -> None:
    async with slack_bot(tmp_path, schedules=tmp_path / "schedules") as slack:
        add_scenario_people(slack.standin)
        driver = SlackDriver(
            standin=slack.standin,
            workspace=slack.workspace,
            schedules=tmp_path / "schedules",
            database=slack.database,
            now=slack.clock.now,
            let_time_pass=slack.let_time_pass,
        )
        await play(driver)
        await check_pictures(driver)
        outcome = stored_outcome(slack.database, platform="slack", channel=slack.channel)
        assert outcome == EXPECTED
        assert driver.summary == SUMMARY
        assert slack.standin.violations == []
