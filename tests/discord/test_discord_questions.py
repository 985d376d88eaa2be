"""Q&A that learns, on Discord: a paraphrase of a resolved question gets it suggested in an
ephemeral answer with the post's link, and the member posts theirs with a button; the FAQ quotes
the accepted answer; a quiet thread's asker gets one direct message; reopen and edit update the
post. Real discord.py against the Discord stand-in, a real StudyBot on SQLite, a fake clock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from ..standins.discord_server import MESSAGE_CONTENT
from .harness import InProcessBot, World, bot_in_process, custom_ids, rows, started

ASKED = "Why does a matrix with two equal rows have determinant zero?"
AGAIN = r"If two rows of $A$ are the same, how come $\det A = 0$?"


def post_titled(world: World, title: str) -> dict[str, Any] | None:
    return next((m for m in world.server.bot_messages(world.text.id) if title in str(m)), None)


async def test_a_resolved_question_is_suggested_accepted_answer_quoted_nudge_reopen_edit(
    world: World, studybot: InProcessBot
) -> None:
    server, text = world.server, world.text
    grace, mallory, ada = world["grace"], world["mallory"], world["ada"]
    await started(world, studybot)
    asked = await server.command(grace, text, "ask", question=f"mml-04 {ASKED}")
    assert asked.ephemeral and "Your question is posted as Question 1" in asked.text
    question = await studybot.tick_until_true(lambda: post_titled(world, "Question 1"), "Q1")
    thread = await studybot.tick_until_true(
        lambda: next((t for t in server.threads_of(text.id) if t.id == question["id"]), None),
        "its thread",
    )
    answer_id = await server.say(mallory, thread, "Subtract one row from the other: a zero row.")
    await server.wait_for(lambda: rows(studybot.database, "SELECT id FROM answers"), "the answer")
    await server.react(grace, thread, answer_id)  # ✅ on the answer: accepted
    await server.wait_for(
        lambda: rows(studybot.database, "SELECT 1 FROM questions WHERE accepted_answer_id > 0"),
        "the answer accepted",
    )

    suggested = await server.command(ada, text, "ask", question=f"mml-04 {AGAIN}")
    assert suggested.ephemeral and "Asked before" in suggested.text
    assert f"“{ASKED}” (resolved, 1 answer)" in suggested.text
    link = f"https://discord.com/channels/{world.guild.id}/{text.id}/{question['id']}"
    assert link in suggested.text
    shown = world.guild.new_message(  # the ephemeral answer, as a click on it carries it
        channel=text, author=world.guild.bot, body=suggested.messages[0], stored=False
    )
    [post_anyway] = [c for c in custom_ids(shown) if "post-question" in c]
    posted = await server.click(ada, text, shown, post_anyway)
    assert "Your question is posted as Question 2" in posted.text
    second = await studybot.tick_until_true(lambda: post_titled(world, "Question 2"), "Q2")

    faq = await server.command(mallory, text, "qa", "faq", unit="mml-04")
    assert ASKED in faq.text and "Accepted answer: Subtract one row from the other" in faq.text

    # Ada's question gets an answer, then the thread stays quiet: one DM to Ada.
    second_thread = await studybot.tick_until_true(
        lambda: next((t for t in server.threads_of(text.id) if t.id == second["id"]), None),
        "Q2's thread",
    )
    await server.say(grace, second_thread, "Subtracting rows keeps the determinant.")
    await server.wait_for(
        lambda: len(rows(studybot.database, "SELECT id FROM answers")) == 2, "the second answer"
    )
    dm = world.guild.dm(ada.id)
    await studybot.tick_until(studybot.clock.now() + timedelta(days=5, minutes=1))
    [nudge] = await server.wait_for(lambda: server.bot_messages(dm.id), "Ada's nudge")
    assert "no new one for 5 days" in str(nudge) and second["id"] in str(nudge)
    await studybot.tick_until(studybot.clock.now() + timedelta(days=7))
    assert len(server.bot_messages(dm.id)) == 1
    # Its button, pressed in the direct message, accepts Grace's answer.
    [accept] = [c for c in custom_ids(nudge) if "qa-accept" in c]
    accepted = await server.click(ada, dm, nudge, accept)
    assert "Accepted" in accepted.text
    assert rows(studybot.database, "SELECT status FROM questions WHERE id = 2") == [("resolved",)]

    reopened = await server.command(grace, text, "qa", "reopen", number=1)
    assert "Reopened" in reopened.text
    reopened = await server.command(ada, text, "qa", "reopen", number=2)
    assert "Reopened" in reopened.text
    edited = await server.command(
        ada, text, "qa", "edit", number=2, question="Why does a repeated row make det A zero?"
    )
    assert "Edited" in edited.text
    await studybot.tick_until(studybot.clock.now() + timedelta(minutes=1))
    first_now = next(m for m in server.bot_messages(text.id) if m["id"] == question["id"])
    second_now = next(m for m in server.bot_messages(text.id) if m["id"] == second["id"])
    assert "(resolved)" not in str(first_now) and "repeated row" in str(second_now)
    assert server.violations == []


async def test_without_message_content_answers_are_the_replies_that_mention_the_bot(
    world: World, tmp_path: Path
) -> None:
    server, text = world.server, world.text
    async with bot_in_process(world, tmp_path, env={"DISCORD_MESSAGE_CONTENT": "off"}) as bot:
        assert not server.identify["intents"] & MESSAGE_CONTENT  # the privileged one not asked
        await started(world, bot)
        await server.command(world["grace"], text, "ask", question="What is the rank of $A$?")
        question = await bot.tick_until_true(lambda: post_titled(world, "Question 1"), "Q1")
        thread = await bot.tick_until_true(
            lambda: next((t for t in server.threads_of(text.id) if t.id == question["id"]), None),
            "its thread",
        )
        # Discord shows the bot this one empty: not an answer.
        await server.say(world["mallory"], thread, "Pivots, I think.")
        await server.say(world["mallory"], thread, f"<@{world.guild.bot.id}> The number of pivots.")
        await server.wait_for(lambda: rows(bot.database, "SELECT text FROM answers"), "the answer")
        assert rows(bot.database, "SELECT text FROM answers") == [("The number of pivots.",)]
    assert server.violations == []


async def test_another_channels_questions_are_suggested_only_once_it_shares(
    world: World, studybot: InProcessBot
) -> None:
    server, text, lobby = world.server, world.text, world.lobby
    grace, mallory, ada = world["grace"], world["mallory"], world["ada"]
    await started(world, studybot)
    await server.command(grace, text, "ask", question=f"mml-04 {ASKED}")
    question = await studybot.tick_until_true(lambda: post_titled(world, "Question 1"), "Q1")
    await server.command(ada, lobby, "start", syllabus="mml", tz="UTC")  # a second group
    await server.command(mallory, lobby, "join")

    alone = await server.command(mallory, lobby, "ask", question=f"mml-04 {AGAIN}")
    assert "Your question is posted" in alone.text  # the first group keeps its own
    shared = await server.command(ada, text, "qa", "sharing", state="on")
    assert not shared.ephemeral and "shares its questions" in shared.text
    again = await server.command(
        mallory, lobby, "ask", question="mml-04 Two identical rows: why is the determinant 0?"
    )
    assert f"“{ASKED}” (open, 0 answers, in another group)" in again.text
    assert f"https://discord.com/channels/{world.guild.id}/{text.id}/{question['id']}" in again.text
    assert server.violations == []
