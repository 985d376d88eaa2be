"""Times on Slack are Slack date tokens, so each reader sees their own zone: the Unix times
they carry are the calendar's, on both sides of a daylight saving time change; plain-text
fields (a header, a button) show the group's time with its zone.

Real bolt and slack_sdk over real HTTP on 127.0.0.1 against the Slack stand-in, a real StudyBot
on SQLite and a fake clock."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bot.core.moments import MARKERS

from .harness import ADA, slack_bot

DATE = re.compile(r"<!date\^(\d+)\^\{date_short_pretty\} at \{time\}\|([^>]*)>")
# Berlin leaves summer time on Sunday 25 October 2026: 18:30 is 16:30 UTC before, 17:30 after.
MEETINGS = [
    datetime(2026, 10, day, hour, 30, tzinfo=UTC) for day, hour in ((12, 16), (19, 16), (26, 17))
]


def dates(text: str) -> list[tuple[datetime, str]]:
    return [(datetime.fromtimestamp(int(u), UTC), shown) for u, shown in DATE.findall(text)]


async def test_times_are_date_tokens_matching_the_calendar_across_dst(tmp_path: Path) -> None:
    async with slack_bot(tmp_path) as slack:
        standin = slack.standin
        await slack.workspace.slash(ADA, "start mml every monday at 18:30 tz Europe/Berlin")
        await slack.workspace.slash(ADA, "schedule all")
        answer = await standin.wait_for(lambda: standin.private_to(ADA), what="the schedule")
        listed = dates(str(answer[0].blocks))
        by_time = dict(listed)
        for meeting in MEETINGS:
            assert meeting in by_time, (meeting, listed)
        assert by_time[MEETINGS[1]] == "Mon 19 Oct 2026, 18:30 CEST"  # the fallback: Berlin's
        assert by_time[MEETINGS[2]] == "Mon 26 Oct 2026, 18:30 CET"

        first = datetime(2026, 10, 5, 16, 30, tzinfo=UTC)
        await slack.tick_to(first)
        [kickoff] = [m for m in slack.posts() if m["text"].startswith("Week 1")]
        assert [when for when, _ in dates(str(kickoff["blocks"]))] == [first]
        [starting] = [m for m in slack.posts() if m["text"].startswith("Starting")]
        assert dates(starting["text"])[0][0] == first  # the notification text too
        header = next(b for b in kickoff["blocks"] if b["type"] == "header")
        assert not any(marker in str(kickoff) for marker in MARKERS)  # every token replaced
        assert "<!date" not in header["text"]["text"]  # plain text: no tokens there
        assert standin.violations == []


async def test_a_first_start_takes_the_organizers_profile_zone(tmp_path: Path) -> None:
    async with slack_bot(tmp_path) as slack:
        slack.standin.add_user("U0NIA0005", "Nia", tz="America/New_York")
        await slack.workspace.slash("U0NIA0005", "start mml")
        [starting] = await slack.standin.wait_for(
            lambda: [m for m in slack.posts() if m["text"].startswith("Starting")],
            what="the announcement",
        )
        assert "every Monday at 18:00 (America/New_York)" in starting["text"]
        # 18:00 in New York on Monday 5 October (EDT, UTC-4) is 22:00 UTC.
        first = int(datetime(2026, 10, 5, 22, 0, tzinfo=UTC).timestamp())
        assert f"<!date^{first}^" in starting["text"]


GOOGLE = re.compile(r"<(https://calendar\.google\.com/calendar/render\?[^|>]+)\|([^>]+)>")


async def test_each_listed_session_has_an_add_to_calendar_link_at_its_utc_time(
    tmp_path: Path,
) -> None:
    async with slack_bot(tmp_path) as slack:
        standin = slack.standin
        await slack.workspace.slash(ADA, "start mml every monday at 18:30 tz Europe/Berlin")
        await slack.workspace.slash(ADA, "meeting link https://meet.example.org/mml")
        await slack.tick_to(datetime(2026, 10, 6, tzinfo=UTC))  # past the first session
        await slack.workspace.slash(ADA, "schedule")
        answer = await standin.wait_for(
            lambda: [m for m in standin.private_to(ADA) if "Google Calendar" in str(m.blocks)],
            what="the schedule",
        )
        links = GOOGLE.findall(str(answer[-1].blocks))
        assert [title for _, title in links[:3]] == [
            f"Add session {n} to Google Calendar" for n in (2, 3, 4)
        ]
        # Berlin's 18:30 is 16:30 UTC before the change on 25 October and 17:30 after it.
        for (url, _), start in zip(links, MEETINGS, strict=False):
            query = parse_qs(urlsplit(html.unescape(url)).query)
            begins, ends = query["dates"][0].split("/")
            assert begins == f"{start:%Y%m%dT%H%M%SZ}"
            assert ends == f"{start + timedelta(hours=1):%Y%m%dT%H%M%SZ}"
            assert query["location"] == ["https://meet.example.org/mml"]
            assert query["action"] == ["TEMPLATE"]
        assert "/study export ical" in str(answer[-1].blocks)
        assert standin.violations == []
