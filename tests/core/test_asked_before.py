"""Q&A that learns: an earlier question asked again is suggested to its new asker first, who
posts theirs anyway or withdraws it; resolved questions make a unit's FAQ; other groups on the
same book see them only once their group shares. The in-memory chat, a fake clock, SQLite."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.adapters.memory import MemoryChat
from bot.core.models import Actions, Reply
from bot.core.moments import as_written
from bot.store.models import Question

from .harness import Harness

START = "start mml every monday at 18:30 tz Europe/Berlin"
ASKED = "Why does a matrix with two equal rows have determinant zero?"
AGAIN = r"If two rows of $A$ are the same, how come $\det A = 0$?"


def text(reply: Reply | None) -> str:
    assert reply is not None
    return as_written(reply.message.text)


def buttons(reply: Reply | None) -> dict[str, tuple[str, str]]:
    """The reply's buttons by label: (action, value)."""
    assert reply is not None
    return {
        b.label: (b.action, b.value)
        for block in reply.message.blocks
        if isinstance(block, Actions)
        for b in block.buttons
    }


async def started(h: Harness, chat: MemoryChat | None = None) -> None:
    chat = chat or h.chat
    await chat.command(START, by="ada")
    for name in ("bob", "cy"):
        await chat.command("join", by=name)
    await h.run_for(timedelta(days=4, hours=7), step=timedelta(hours=1))  # into the session


async def resolved_question(h: Harness) -> str:
    """bob asks, cy answers in the thread, bob resolves: the question's post ref."""
    assert "Your question is posted" in text(await h.chat.command(f"ask mml-04 {ASKED}", by="bob"))
    await h.run_for(timedelta(minutes=2))
    thread = [s for s in h.chat.adapter.said if s.kind == "thread"][-1]  # its answers go here
    await h.chat.reply_in_thread(
        thread.ref, "Subtract one row from the other: a zero row.", by="cy"
    )
    assert "Marked as resolved" in text(
        await h.chat.command("resolve", by="bob", thread=thread.ref)
    )
    [post] = [s for s in h.chat.adapter.said if s.kind == "post" and ASKED in s.text]
    return post.ref


async def statuses(h: Harness) -> list[str]:
    async with h.bot.sessionmaker() as db:
        return list(await db.scalars(select(Question.status).order_by(Question.id)))


async def test_a_paraphrase_gets_the_earlier_question_with_its_link_and_may_still_post(
    harness: Harness,
) -> None:
    await started(harness)
    ref = await resolved_question(harness)
    posts_before = len(harness.chat.channel_posts())

    suggested = await harness.chat.command(f"ask mml-04 {AGAIN}", by="cy")
    assert suggested is not None and suggested.ephemeral
    assert "Asked before" in text(suggested)
    assert f"“{ASKED}” (resolved, 1 answer)" in text(suggested)
    assert f"https://chat.example/study-group/{ref}" in str(suggested.message.blocks)
    await harness.run_for(timedelta(minutes=2))
    assert len(harness.chat.channel_posts()) == posts_before  # nothing posted yet
    assert await statuses(harness) == ["resolved", "draft"]

    action, value = buttons(suggested)["Post my question"]
    posted = await harness.chat.click(action, value, by="cy")
    assert "Your question is posted as Question 2 (unit mml-04)" in text(posted)
    await harness.run_for(timedelta(minutes=2))
    assert any("If two rows" in s.text for s in harness.chat.channel_posts())
    assert await statuses(harness) == ["resolved", "open"]
    # The button again, or someone else's press: nothing more happens.
    assert "no longer waiting" in text(await harness.chat.click(action, value, by="cy"))


async def test_a_suggestion_can_be_withdrawn_and_nothing_is_posted(harness: Harness) -> None:
    await started(harness)
    await resolved_question(harness)
    suggested = await harness.chat.command(f"ask mml-04 {AGAIN}", by="cy")
    action, value = buttons(suggested)["Withdraw it"]
    not_his = await harness.chat.click(action, value, by="bob")
    assert "no longer waiting" in text(not_his)
    assert await statuses(harness) == ["resolved", "draft"]
    assert "Withdrawn" in text(await harness.chat.click(action, value, by="cy"))
    assert await statuses(harness) == ["resolved"]  # a draft nobody saw is not kept
    questions = text(await harness.chat.command("questions all", by="cy"))
    assert "If two rows" not in questions  # a withdrawn draft is nobody's business
    # A different question on the same unit goes straight out.
    other = await harness.chat.command(
        "ask mml-04 How is the trace related to eigenvalues?", by="cy"
    )
    assert "Your question is posted as Question 2" in text(other)


async def test_the_faq_lists_resolved_questions_and_organizers_feature_or_hide_them(
    harness: Harness,
) -> None:
    await started(harness)
    assert "No resolved questions on this unit yet" in text(
        await harness.chat.command("faq mml-04", by="cy")
    )
    await resolved_question(harness)
    listed = text(await harness.chat.command("faq mml-04", by="cy"))
    assert "Asked before on mml-04" in listed and ASKED in listed and "(1 answer)" in listed
    assert "#1" not in listed  # numbers are for organizers
    organizers = text(await harness.chat.command("faq mml-04", by="ada"))
    assert f"#1 {ASKED}" in organizers

    assert "only organizers" in text(await harness.chat.command("faq hide 1", by="cy")).lower()
    assert "hidden from the FAQ" in text(await harness.chat.command("faq hide 1", by="ada"))
    assert ASKED not in text(await harness.chat.command("faq mml-04", by="cy"))
    assert "hidden: only organizers see it" in text(
        await harness.chat.command("faq mml-04", by="ada")
    )
    assert "featured" in text(await harness.chat.command("faq feature 1", by="ada"))
    assert ASKED in text(await harness.chat.command("faq mml-04", by="cy"))
    assert "no unit `mml-99`" in text(await harness.chat.command("faq mml-99", by="cy"))


async def test_another_groups_questions_are_suggested_only_once_it_shares(
    harness: Harness,
) -> None:
    await started(harness)
    await resolved_question(harness)
    other = MemoryChat(
        bot=harness.bot, adapter=harness.chat.adapter, channel="second-cohort", event_prefix="s"
    )
    await other.command(START, by="ada")
    await other.command("join", by="dan")

    first = await other.command(f"ask mml-04 {AGAIN}", by="dan")
    assert "Your question is posted" in text(first)  # the first group keeps its own
    assert ASKED not in text(await other.command("faq mml-04", by="dan"))

    shared = await harness.chat.command("sharing on", by="ada")
    assert shared is not None and not shared.ephemeral and "shares its questions" in text(shared)
    again = await other.command(
        "ask mml-04 Two identical rows, why is the determinant 0?", by="dan"
    )
    assert f"“{ASKED}” (resolved, 1 answer, in another group)" in text(again)
    assert "bob" not in text(again)  # never who asked
    faq = text(await other.command("faq mml-04", by="dan"))
    assert ASKED in faq and "from another group" in faq

    await harness.chat.command("sharing off", by="ada")
    assert ASKED not in text(await other.command("faq mml-04", by="dan"))


async def test_the_next_cohorts_kickoff_says_how_many_questions_were_asked_before(
    harness: Harness,
) -> None:
    await started(harness)
    await harness.chat.command("ask mml-01 Why start with the four pillars?", by="bob")
    await harness.run_for(timedelta(minutes=2))
    thread = [s for s in harness.chat.adapter.said if s.kind == "thread"][-1]
    await harness.chat.reply_in_thread(thread.ref, "They organise the rest.", by="cy")
    await harness.chat.command("resolve", by="bob", thread=thread.ref)
    [first_kickoff] = [s for s in harness.chat.channel_posts() if "Session 1 of" in s.text]
    assert "Asked before" not in first_kickoff.text  # the first cohort starts from nothing
    await harness.chat.command("stop confirm", by="ada")
    await harness.chat.command(START, by="ada")  # the next cohort, same book
    await harness.run_for(timedelta(days=8), step=timedelta(hours=6))
    kickoffs = [s for s in harness.chat.channel_posts() if "Session 1 of" in s.text]
    assert len(kickoffs) == 2
    assert (
        "Asked before on this reading: 1 question with answers (`/study faq mml-01`)."
        in kickoffs[-1].text
    )
