"""The adapter against the stand-in: what Discord events become, how slow answers and rate
limits are handled, and what the adapter refuses to send."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import aiohttp
import discord
import pytest

from bot.adapters.discord import access
from bot.adapters.discord.adapter import DiscordStartError, MissingAccess
from bot.adapters.discord.guard import RequestBudget, RequestBudgetExhausted
from bot.core.models import (
    MembershipEvent,
    Message,
    Paragraph,
    Place,
    ReactionEvent,
    ThreadMessageEvent,
    say,
)

from .harness import (
    InProcessBot,
    Recorder,
    World,
    adapter_only,
    bot_in_process,
    custom_ids,
    discord_world,
    private,
    started,
)

NOTE = Message(text="A note.", blocks=(Paragraph("A note."),))


def place(world: World) -> Place:
    return Place(platform="discord", workspace=world.guild.id, channel=world.text.id)


async def test_messages_in_threads_and_reactions_become_core_events(world: World) -> None:
    recorder = Recorder(reply=None)
    server, grace, ada = world.server, world["grace"], world["ada"]
    async with adapter_only(world, recorder):
        post = world.guild.new_message(
            channel=world.text, author=world.guild.bot, body={"embeds": [{"title": "Question 1"}]}
        )
        thread = world.guild.thread(
            parent=world.text, name="Question 1", owner=world.guild.bot.id, thread_id=post["id"]
        )
        # The cache has not heard of this thread: the adapter asks Discord what it is.
        answer_id = await server.say(grace, thread, "Because $Ax = 0$ has a line of solutions.")
        await server.say(grace, world.text, "chatter in the channel is not the bot's business")
        await server.react(ada, world.text, post["id"])  # on the question's post
        await server.react(ada, thread, answer_id)  # on an answer in its thread
        await server.wait_for(lambda: len(recorder.events) == 3, "three events")

    (said,) = [e for e in recorder.events if isinstance(e, ThreadMessageEvent)]
    on_post, in_thread = sorted(
        (e for e in recorder.events if isinstance(e, ReactionEvent)),
        key=lambda e: e.where.thread is not None,
    )
    assert said.where == place(world).in_thread(thread.id)
    assert (said.text, said.message_ref, said.who.name) == (
        "Because $Ax = 0$ has a line of solutions.",
        answer_id,
        "grace",
    )
    assert (on_post.emoji, on_post.message_ref, on_post.who.is_admin) == ("✅", post["id"], True)
    # A ✅ anywhere in a question's thread counts for the question (its thread's ref).
    assert (in_thread.message_ref, in_thread.where.thread) == (thread.id, thread.id)
    assert any(
        s.template == "/channels/{channel_id}" and s.method == "GET" for s in server.requests
    )


async def test_a_member_leaving_the_server_leaves_its_groups(world: World, tmp_path: Path) -> None:
    async with bot_in_process(world, tmp_path) as studybot:
        room = await world.members_post()
        for name in ("ada", "grace"):
            await world.server.command(world[name], world.text, "join")
            await world.server.command(world[name], room, "join")
        await world.server.leave(world["grace"])

        def gone() -> list[tuple[str]]:
            with sqlite3.connect(studybot.database) as db:
                return db.execute(
                    "SELECT display_name FROM members WHERE left_at IS NOT NULL"
                ).fetchall()

        await world.server.wait_for(lambda: len(gone()) == 2, "grace to leave both groups")
    assert gone() == [("grace",), ("grace",)]


async def test_without_a_database_a_leave_reaches_every_channel(world: World) -> None:
    recorder = Recorder(reply=None)
    async with adapter_only(world, recorder):
        await world.server.leave(world["alan"])
        await world.server.wait_for(lambda: len(recorder.events) == 3, "three events")
    assert all(isinstance(e, MembershipEvent) and not e.joined for e in recorder.events)
    assert {e.where.channel for e in recorder.events} == {
        world.text.id,
        world.forum.id,
        world.lobby.id,
    }


@pytest.mark.parametrize("ephemeral", [True, False], ids=["private", "public"])
async def test_a_slow_answer_is_deferred_then_shown(world: World, ephemeral: bool) -> None:
    gate = asyncio.Event()
    recorder = Recorder(reply=say("Here is the long answer.", ephemeral=ephemeral), gate=gate)
    async with adapter_only(world, recorder, respond_within=0.01):
        asking = asyncio.create_task(world.server.command(world["emmy"], world.text, "progress"))
        answer = await world.server.wait_for(
            lambda: next(iter(world.server.answers.values()), None), "the interaction"
        )
        await world.server.wait_for(lambda: answer.type == 5, "the deferral ('thinking...')")
        gate.set()
        await asking
        if not ephemeral:
            await world.server.wait_for(lambda: answer.followups, "the public follow-up")

    assert answer.callbacks[0]["data"]["flags"] & 64  # "thinking" is private either way
    if ephemeral:
        assert answer.edits[0]["content"] == "Here is the long answer."
        assert answer.followups == []
    else:
        assert answer.edits[0]["content"] == "Posted in the channel."
        (public,) = answer.followups
        assert public["content"] == "Here is the long answer." and not public.get("flags")
    assert answer.text.endswith("Here is the long answer.")
    assert world.server.violations == []


async def test_a_rate_limited_post_waits_and_goes_out_once(
    world: World, studybot: InProcessBot
) -> None:
    server = world.server
    server.rate_limit("POST", "/channels/{channel_id}/messages", times=2)
    ref = await studybot.adapter.post(place(world), NOTE, key="studybot:run9:session9:reminder:0")

    posts = [s for s in server.requests if s.template == "/channels/{channel_id}/messages"]
    assert [s.status for s in posts] == [429, 429, 200]
    assert [m["id"] for m in server.bot_messages(world.text.id)] == [ref]
    assert studybot.adapter.budget.used == 2  # 429s count towards Discord's limit


async def test_the_invalid_request_budget_pauses_requests_before_a_ban(world: World) -> None:
    budget = RequestBudget(budget=2)
    server = world.server
    server.closed_dms |= {world["alan"].id, world["emmy"].id}
    async with adapter_only(world, Recorder(), budget=budget) as adapter:
        for name in ("alan", "emmy"):
            with pytest.raises(discord.Forbidden):
                await adapter.direct_message(world[name].id, NOTE)
        sent = len(server.requests)
        with pytest.raises(RequestBudgetExhausted, match="pausing"):
            await adapter.post(place(world), NOTE)
        with pytest.raises(MissingAccess, match="does not accept direct messages"):
            await adapter.direct_message(world["alan"].id, NOTE)  # not tried again for a day
    assert len(server.requests) == sent  # neither was sent


def test_the_budget_forgets_what_is_older_than_its_window() -> None:
    now = [0.0]
    budget = RequestBudget(budget=2, window=600, clock=lambda: now[0])
    budget.record(403)
    budget.record(429, "shared")  # a shared rate limit is not the bot's fault and not counted
    budget.record(404)
    budget.record(401)
    with pytest.raises(RequestBudgetExhausted):
        budget.check()
    now[0] = 601
    budget.check()
    assert budget.used == 0


async def test_a_missing_permission_is_reported_without_a_request(tmp_path: Path) -> None:
    lacking = access.permissions()
    lacking.send_messages = False
    async with discord_world(bot_permissions=lacking) as world:
        async with adapter_only(world, Recorder()) as adapter:
            with pytest.raises(MissingAccess, match="needs Send Messages"):
                await adapter.post(place(world), NOTE)
        assert not [
            s for s in world.server.requests if s.method == "POST" and "/channels/" in s.path
        ]
        assert world.server.denied == []


async def test_privileged_intents_that_are_off_are_named() -> None:
    async with discord_world(privileged_intents=False) as world:
        with pytest.raises(DiscordStartError, match="Message Content and Server Members"):
            async with adapter_only(world, Recorder()):
                pass


async def test_a_wrong_token_is_named(world: World) -> None:
    with pytest.raises(DiscordStartError, match="did not accept DISCORD_BOT_TOKEN"):
        async with adapter_only(world, Recorder(), env={"DISCORD_BOT_TOKEN": "MTIz.wrong.token"}):
            pass
    assert world.server.connections == 0


async def test_without_manage_channels_a_forum_uses_the_tags_organizers_made(
    tmp_path: Path,
) -> None:
    lacking = access.permissions()
    lacking.manage_channels = False
    async with discord_world(bot_permissions=lacking) as world:
        world.forum.available_tags = [
            {
                "id": world.guild.ids(),
                "name": name,
                "moderated": False,
                "emoji_id": None,
                "emoji_name": None,
            }
            for name in ("mml-01", "solved")
        ]
        async with bot_in_process(world, tmp_path) as studybot:
            room = await world.members_post()
            await world.server.command(world["ada"], room, "join")
            await world.server.command(world["ada"], room, "start", syllabus="mml", tz="UTC")
            await studybot.tick_until_true(
                lambda: len(world.server.threads_of(world.forum.id)) > 2, "the kickoff's posts"
            )
        unit_tag = world.forum.available_tags[0]["id"]
        posts = [
            t for t in world.server.threads_of(world.forum.id) if t.owner_id == world.guild.bot.id
        ]
        assert posts and all(t.applied_tags == [unit_tag] for t in posts)
        assert not [s for s in world.server.requests if s.method == "PATCH"]
        assert world.server.denied == [] and world.server.violations == []


async def test_an_export_arrives_as_a_private_file(world: World, studybot: InProcessBot) -> None:
    kickoff = await started(world, studybot)
    done = next(c for c in custom_ids(kickoff) if c.endswith(":done"))
    await world.server.click(world["grace"], world.text, kickoff, done)
    # The check-ins' export is the organizers' (tests/discord/test_discord_privacy.py).
    answer = await world.server.command(world["ada"], world.text, "export", format="csv")
    private(answer, "Here is")
    (upload,) = [s for s in world.server.requests if s.files]
    assert upload.template == "/interactions/{interaction_id}/{interaction_token}/callback"
    (content,) = upload.files.values()
    assert b"grace" in content and b"done" in content
    assert world.server.violations == []


async def test_a_post_whose_answer_was_lost_exists_once_and_is_found(
    world: World, studybot: InProcessBot
) -> None:
    server = world.server
    route = ("POST", "/channels/{channel_id}/messages")
    # A 500 after Discord created the post: discord.py asks again, and the nonce makes Discord
    # hand back the same message instead of a second one.
    server.lost_answers[route].append("500")
    first = await studybot.adapter.post(place(world), NOTE, key="studybot:run9:session9:reminder:0")
    # No answer at all: the post fails here, and the ledger's look-up finds it before any resend.
    server.lost_answers[route].append("drop")
    with pytest.raises((aiohttp.ClientError, OSError, discord.HTTPException)):
        await studybot.adapter.post(place(world), NOTE, key="studybot:run9:session9:summary:0")
    found = await studybot.adapter.find_post(place(world), "studybot:run9:session9:summary:0")

    messages = [m["id"] for m in server.bot_messages(world.text.id)]
    assert len(messages) == 2 and messages[0] == first and found == messages[1]
