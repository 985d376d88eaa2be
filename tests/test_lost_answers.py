"""Lost answers: the platform made the post, then answered 500 or dropped the connection.

20 groups read MML on the Berlin schedule in one bot; at their first meeting each has a kickoff
and four discussion questions due (100 posts). The stand-in loses the answer to 10 % of the
posts it makes (seeded; half 500, half a dropped connection). The ledger ticks, a minute apart,
until nothing of that meeting is pending: every row must be sent, and each post must be on the
platform exactly once, found by its key (Slack: message metadata; Discord: the reference in the
embed footer) rather than sent again.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.adapters.discord.render import marker
from bot.core.delivery import delivery_key
from bot.core.models import CommandEvent, Person, Place
from bot.runtime.lifespan import App
from bot.store.models import Delivery, Meeting

from .conftest import SCHEDULES
from .discord.harness import bot_in_process, discord_world
from .slack.harness import slack_bot
from .standins.discord_guild import FORUM, TEXT
from .standins.slack_workspace import TEAM_ID

GROUPS = 20
POSTS_PER_GROUP = 5  # the first meeting's kickoff and its four discussion questions
LOSE = 0.10
SEED = 2026
SCHEDULE = "mml-berlin-mondays"
KICKOFF = datetime(2026, 10, 5, 16, 30, tzinfo=UTC)  # its first meeting, 18:30 in Berlin
MAX_TICKS = 60  # minutes: far more than the back-off needs, far less than the 6 h grace


async def plan(app: App, places: list[Place], organizer: Person) -> None:
    for n, place in enumerate(places):
        reply = await app.bot.handle(
            CommandEvent(who=organizer, where=place, event_id=f"plan-{n}", text=f"plan {SCHEDULE}")
        )
        assert reply is not None and "Starting" in reply.message.text, reply


async def first_meeting(app: App) -> list[Delivery]:
    async with app.bot.sessionmaker() as db:
        rows = await db.scalars(
            select(Delivery)
            .join(Meeting, Meeting.id == Delivery.meeting_id)
            .where(Meeting.index == 0, Delivery.kind.in_(("kickoff", "question")))
        )
        return list(rows)


async def tick_until_sent(app: App, advance: Callable[[timedelta], object]) -> list[Delivery]:
    """Tick at the kickoff, then a minute later each time (a failed post waits out a back-off),
    until none of the first meeting's posts is pending."""
    for _ in range(MAX_TICKS):
        await app.deliverer.tick()
        rows = await first_meeting(app)
        if all(row.status not in ("pending", "claimed") for row in rows):
            return rows
        advance(timedelta(minutes=1))
    raise AssertionError(f"still pending after {MAX_TICKS} ticks: {await first_meeting(app)}")


async def test_slack_posts_whose_answers_were_lost_go_out_once(tmp_path: Path) -> None:
    async with slack_bot(tmp_path, schedules=SCHEDULES) as slack:
        places = [
            Place(platform="slack", workspace=TEAM_ID, channel=f"C{n:06d}") for n in range(GROUPS)
        ]
        await plan(slack.app, places, Person(user_id="U0ADA0001", name="Ada"))
        slack.clock.set(KICKOFF)
        slack.standin.lose_at_random(LOSE, seed=SEED)
        rows = await tick_until_sent(slack.app, slack.clock.advance)
        standin = slack.standin
        on_slack = Counter(
            (message.get("metadata") or {}).get("event_payload", {}).get("key")
            for place in places
            for post in standin.posts(place.channel)
            for message in [post, *standin.thread(place.channel, post["ts"])]
        )

    assert len(rows) == GROUPS * POSTS_PER_GROUP
    assert [row.status for row in rows] == ["sent"] * len(rows)  # nothing lost
    keys = [delivery_key(row) for row in rows]
    assert {key: on_slack[key] for key in keys} == dict.fromkeys(keys, 1)  # nothing twice
    assert len(standin.lost) > 0, "no answer was lost: the test proved nothing"
    assert {loss for _, loss in standin.lost} == {"500", "drop"}
    assert standin.violations == []


def footer(message: dict[str, Any]) -> str:
    embeds = message.get("embeds") or [{}]
    return str((embeds[0].get("footer") or {}).get("text") or "")


def title(message: dict[str, Any]) -> str:
    embeds = message.get("embeds") or [{}]
    return str(embeds[0].get("title") or "")


async def test_discord_posts_whose_answers_were_lost_go_out_once(tmp_path: Path) -> None:
    async with discord_world() as world:
        server = world.server
        # Half the groups in text channels (a message has a nonce Discord enforces), half in
        # forum channels (a forum post has none: only the ledger's look-up keeps it single).
        channels = [
            world.guild.channel(f"reading-{n:02d}", kind=FORUM if n % 2 else TEXT)
            for n in range(GROUPS)
        ]
        async with bot_in_process(world, tmp_path) as studybot:
            shutil.copy(SCHEDULES / f"{SCHEDULE}.yaml", studybot.schedules)
            places = [
                Place(platform="discord", workspace=world.guild.id, channel=channel.id)
                for channel in channels
            ]
            await plan(studybot.app, places, Person(user_id=world["ada"].id, name="ada"))
            studybot.clock.set(KICKOFF)
            server.lose_at_random(LOSE, seed=SEED)
            # And, whatever the draw, a 500 after the first forum post: the one loss that
            # Discord's nonce cannot absorb (discord.py repeats a request after a 500).
            server.lost_answers[("POST", "/channels/{channel_id}/threads")].append("500")
            rows = await tick_until_sent(studybot.app, studybot.clock.advance)
            by_channel = {
                place.channel: [
                    *server.bot_messages(place.channel),
                    *(
                        m
                        for t in server.threads_of(place.channel)
                        for m in server.bot_messages(t.id)
                    ),
                ]
                for place in places
            }

    assert len(rows) == GROUPS * POSTS_PER_GROUP
    assert [row.status for row in rows] == ["sent"] * len(rows)  # nothing lost
    # Each post once, and the one the ledger recorded; a discussion post has its thread.
    keys = {delivery_key(row): row for row in rows}
    marks = {marker(k, starter=s): k for k in keys for s in (False, True)}
    on_discord: dict[str, list[str]] = {key: [] for key in keys}
    for messages in by_channel.values():
        for message in messages:
            key = next((k for mark, k in marks.items() if footer(message).endswith(mark)), None)
            if key is not None:
                on_discord[key].append(message["id"])
    assert on_discord == {key: [str(row.message_ref)] for key, row in keys.items()}
    discussions = [
        m for messages in by_channel.values() for m in messages if title(m).startswith("Discussion")
    ]
    assert len(discussions) == GROUPS * (POSTS_PER_GROUP - 1)
    assert all(server.guild.channels.get(m["id"]) for m in discussions), "a question without thread"
    forums = {channel.id for channel in channels if channel.type == FORUM}
    lost_in = Counter(
        "forum" if path.split("/")[2] in forums else "text" for _, path, _ in server.lost
    )
    assert lost_in["forum"] > 0 and lost_in["text"] > 0, server.lost  # each kind was tested
    assert len(server.lost) > 0, "no answer was lost: the test proved nothing"
    assert {loss for *_, loss in server.lost} == {"500", "drop"}
    assert server.violations == []
    assert server.denied == []


async def test_a_question_with_a_picture_whose_answer_was_lost_is_on_slack_once(
    tmp_path: Path,
) -> None:
    """The picture is part of the post: Slack made the post, its answer was lost, and the retry
    finds the post by its key instead of posting the text, or the picture, again."""
    from .slack.harness import ADA, BEA

    async with slack_bot(tmp_path) as slack:
        standin, workspace = slack.standin, slack.workspace
        await workspace.slash(ADA, "start mml every monday at 18:00 tz UTC")
        await workspace.slash(BEA, "join")
        standin.lost_answers["chat.postMessage"].append("drop")  # the question's post
        asked = r"Why is $\det\begin{pmatrix}1&2\\3&4\end{pmatrix} = -2$?"
        await workspace.slash(BEA, f"ask {asked}")

        def questions() -> list[dict[str, Any]]:
            return [m for m in standin.posts(slack.channel) if m["text"].startswith("Question")]

        await standin.wait_for(questions, what="the question's post")
        for _ in range(10):  # the back-off, then the look-up that finds it
            await slack.advance(timedelta(minutes=1))
            async with slack.app.bot.sessionmaker() as db:
                statuses = set(
                    await db.scalars(select(Delivery.status).where(Delivery.kind == "qa_post"))
                )
            if statuses == {"sent"}:
                break
        assert statuses == {"sent"}
        assert standin.lost == [("chat.postMessage", "drop")]
        [post] = questions()
        assert "\\begin{pmatrix}" in post["text"]
        [picture] = standin.images_in(post)
        assert picture.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(standin.uploads) == 1  # found again, not drawn and uploaded again
        assert standin.violations == []
