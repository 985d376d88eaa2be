"""A question after it is asked: an answer accepted with ✅ (quoted in the FAQ), reopened,
edited, moved, withdrawn, and the one private nudge when its thread goes quiet. Each change
goes through the ledger: the post follows, and notes appear in the thread. In-memory chat, a
fake clock, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.core.models import Actions, Reply
from bot.core.moments import as_written
from bot.store.models import Delivery, Question

from .harness import Harness

START = "start mml every monday at 18:30 tz Europe/Berlin"
ASKED = "What does the rank of a matrix measure?"


def text(reply: Reply | None) -> str:
    assert reply is not None
    return as_written(reply.message.text)


async def asked(h: Harness) -> tuple[str, str]:
    """ada starts, bob and cy join, bob asks: the question's post and thread refs."""
    await h.chat.command(START, by="ada")
    for name in ("bob", "cy"):
        await h.chat.command("join", by=name)
    await h.run_for(timedelta(days=4, hours=7), step=timedelta(hours=1))
    assert "Question 1" in text(await h.chat.command(f"ask mml-02 {ASKED}", by="bob"))
    await h.run_for(timedelta(minutes=2))
    post = [s for s in h.chat.adapter.said if s.kind == "post" and ASKED in s.text][-1]
    thread = [s for s in h.chat.adapter.said if s.kind == "thread"][-1]
    return post.ref, thread.ref


def edits_of(h: Harness, ref: str) -> list[str]:
    return [s.text for s in h.chat.adapter.said if s.kind == "update" and s.ref == ref]


def notes_in(h: Harness, thread: str) -> list[str]:
    return [s.text for s in h.chat.adapter.said if s.kind == "reply" and s.thread == thread]


async def test_a_checkmark_on_an_answer_accepts_it_and_the_faq_quotes_it(harness: Harness) -> None:
    post, thread = await asked(harness)
    await harness.chat.reply_in_thread(
        thread, "How many independent columns it has.", by="cy", event_id="cy-answer"
    )
    cy_answer = "msg-cy-answer"  # the memory chat names a member's message after its event
    await harness.chat.react(cy_answer, "white_check_mark", by="cy", thread=thread)  # not hers
    async with harness.bot.sessionmaker() as db:
        assert await db.scalar(select(Question.status)) == "open"
    await harness.chat.react(cy_answer, "white_check_mark", by="bob", thread=thread)
    await harness.run_for(timedelta(minutes=2))
    async with harness.bot.sessionmaker() as db:
        question = await db.scalar(select(Question))
        assert question is not None
        assert question.status == "resolved" and question.accepted_answer_id is not None
    assert any("cy's answer did it" in note for note in notes_in(harness, thread))
    assert any("(resolved)" in edit for edit in edits_of(harness, post))
    faq = text(await harness.chat.command("faq mml-02", by="cy"))
    assert ASKED in faq and "Accepted answer: How many independent columns it has." in faq


async def test_reopen_edit_and_move_follow_in_the_post(harness: Harness) -> None:
    post, thread = await asked(harness)
    await harness.chat.command("resolve", by="bob", thread=thread)
    assert (
        "only the person who asked" in text(await harness.chat.command("reopen 1", by="cy")).lower()
    )
    assert "Reopened" in text(await harness.chat.command("reopen", by="bob", thread=thread))
    assert "still open" in text(await harness.chat.command("reopen 1", by="bob"))
    assert "can change it" in text(await harness.chat.command("edit 1 Hijacked?", by="cy"))
    edited = "What does rank measure, and why is row rank equal to column rank?"
    assert "Edited" in text(await harness.chat.command(f"edit 1 {edited}", by="bob"))
    assert "filed under mml-03" in text(await harness.chat.command("move 1 mml-03", by="bob"))
    assert "no unit `mml-99`" in text(await harness.chat.command("move 1 mml-99", by="bob"))
    await harness.run_for(timedelta(minutes=2))
    edits = edits_of(harness, post)
    assert "(resolved)" in edits[0] and "(resolved)" not in edits[1]  # resolved, then reopened
    assert edited in edits[-1]
    assert any("Reopened by bob" in note for note in notes_in(harness, thread))
    listed = text(await harness.chat.command("questions all", by="cy"))
    assert f"Q1 [mml-03] {edited}" in listed
    async with harness.bot.sessionmaker() as db:  # four changes, four edits, each sent once
        edits_sent = await db.scalar(
            select(func.count()).where(Delivery.kind == "qa_edit", Delivery.status == "sent")
        )
    assert edits_sent == 4


async def test_a_question_is_withdrawn_only_while_unanswered_and_keeps_its_number(
    harness: Harness,
) -> None:
    post, _ = await asked(harness)
    await harness.chat.command("ask mml-02 Is the zero vector in every subspace?", by="cy")
    assert "Withdrawn" in text(await harness.chat.command("withdraw 1", by="bob"))
    await harness.run_for(timedelta(minutes=2))
    assert "withdrawn by its asker" in edits_of(harness, post)[-1]
    listed = text(await harness.chat.command("questions all", by="cy"))
    assert ASKED not in listed and "Q2 [mml-02] Is the zero vector" in listed
    await harness.chat.reply_in_thread(
        [s for s in harness.chat.adapter.said if s.kind == "thread"][-1].ref, "Yes.", by="bob"
    )
    assert "answered it already" in text(await harness.chat.command("withdraw 2", by="cy"))
    assert "no question 7" in text(await harness.chat.command("withdraw 7", by="cy"))


async def test_a_quiet_thread_gets_one_private_nudge_to_its_asker(harness: Harness) -> None:
    _, thread = await asked(harness)
    await harness.chat.reply_in_thread(thread, "Independent columns.", by="cy")
    await harness.run_for(timedelta(days=3), step=timedelta(hours=6))
    await harness.chat.reply_in_thread(thread, "Also: the image's dimension.", by="cy")
    await harness.run_for(timedelta(days=4, hours=23), step=timedelta(hours=6))
    assert not [s for s in harness.chat.adapter.said if s.kind == "dm"]  # quiet only 5 days on
    await harness.run_for(timedelta(days=2), step=timedelta(hours=6))
    [nudge] = [s for s in harness.chat.adapter.said if s.kind == "dm"]
    assert nudge.to == "U-bob" and "has 2 answers and no new one for 5 days" in nudge.text
    assert "https://chat.example/study-group/" in str(nudge.message.blocks)  # a link to it
    await harness.run_for(timedelta(days=14), step=timedelta(days=1))
    assert len([s for s in harness.chat.adapter.said if s.kind == "dm"]) == 1  # once

    # Its buttons: only the asker (or an organizer) may use them; one accepts cy's answer.
    buttons = {
        b.label: (b.action, b.value)
        for block in nudge.message.blocks
        if isinstance(block, Actions)
        for b in block.buttons
    }
    first, second = "cy: “Independent columns.”", "cy: “Also: the image's dimension.”"
    assert set(buttons) == {first, second, "Yes, resolve it", "Not yet"}
    assert "stays open" in text(await harness.chat.click(*buttons["Not yet"], by="bob"))
    refused = await harness.chat.click(*buttons[first], by="cy")
    assert "Only the person who asked" in text(refused)
    assert "Accepted" in text(await harness.chat.click(*buttons[first], by="bob"))
    async with harness.bot.sessionmaker() as db:
        question = await db.scalar(select(Question))
        assert question is not None and question.status == "resolved"
        assert question.accepted_answer_id is not None
    again = await harness.chat.click(*buttons[first], by="bob")
    assert "accepted already" in text(again)


async def test_a_question_resolved_before_it_goes_quiet_gets_no_nudge(harness: Harness) -> None:
    _, thread = await asked(harness)
    await harness.chat.reply_in_thread(thread, "Independent columns.", by="cy")
    await harness.chat.command("resolve", by="bob", thread=thread)
    await harness.run_for(timedelta(days=10), step=timedelta(hours=12))
    assert not [s for s in harness.chat.adapter.said if s.kind == "dm"]


async def test_the_weekly_summary_counts_questions_and_thanks_the_helpers(
    harness: Harness,
) -> None:
    _, thread = await asked(harness)
    await harness.chat.reply_in_thread(thread, "Independent columns.", by="cy", event_id="a1")
    await harness.chat.react("msg-a1", "white_check_mark", by="bob", thread=thread)
    await harness.chat.command("ask mml-02 Is the zero vector in every subspace?", by="cy")
    await harness.run_for(timedelta(days=6), step=timedelta(hours=6))
    [summary] = [s for s in harness.chat.channel_posts() if s.text.startswith("Weekly summary")]
    assert (
        "Questions this week: 2 asked, 1 resolved. Thanks to cy, whose answers were accepted."
        in (summary.text)
    )
