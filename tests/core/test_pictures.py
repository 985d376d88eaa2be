"""Formulas and charts as pictures, in the core: a question's formulas typeset under its post, a
broken one named with the text still posted, ``/study tex`` privately, a chart in every weekly
summary (and the whole run in the last one). The platforms' own tests check the uploads."""

from __future__ import annotations

from datetime import timedelta

from bot.core.models import Attachment, Message, SmallPrint
from bot.core.pictures import worth_drawing

from ..forbidden import LIBRARY_WORDING
from ..scenario import png_size as size_of
from .harness import Harness
from .test_core_commands import started, text

MATRIX = r"$\begin{pmatrix}1&2\\3&4\end{pmatrix}$"


def png_size(picture: Attachment) -> tuple[int, int]:
    return size_of(picture.content)


def pictures(message: Message) -> list[Attachment]:
    return [a for a in message.attachments if a.is_picture]


def small_print(message: Message) -> str:
    return " ".join(b.text for b in message.blocks if isinstance(b, SmallPrint))


async def asked(h: Harness, question: str) -> Message:
    await h.chat.command(f"ask {question}", by="bob")
    posts = [p for p in h.chat.channel_posts() if question.split()[0] in p.message.text]
    assert posts, [p.message.text for p in h.chat.channel_posts()]
    return posts[-1].message


async def test_a_matrix_in_a_question_arrives_typeset_under_the_text(harness: Harness) -> None:
    await started(harness)
    post = await asked(harness, f"Why is the determinant of {MATRIX} equal to -2?")
    assert MATRIX in post.text  # the text stays, for search and screen readers
    [picture] = pictures(post)
    width, height = png_size(picture)
    assert 40 <= width <= 600 and 40 <= height <= 400, (width, height)
    assert picture.alt == MATRIX.strip("$") and picture.filename == "formula-1.png"
    assert "does not parse" not in small_print(post)


async def test_a_broken_formula_is_named_and_the_question_still_posted(harness: Harness) -> None:
    await started(harness)
    post = await asked(harness, r"Broken: is $\frac{1}{$ a fraction? And $x^{2}$ fine?")
    assert r"$\frac{1}{$" in post.text
    note = small_print(post)
    assert "does not parse" in note and "shown as typed" in note and "/study tex" in note
    assert not any(word.lower() in note.lower() for word in LIBRARY_WORDING), note
    assert [p.alt for p in pictures(post)] == ["x^{2}"]  # the good one is still drawn


async def test_plain_formulas_stay_text_and_repeats_are_drawn_once(harness: Harness) -> None:
    assert not worth_drawing("A", display=False) and not worth_drawing("Ax = b", display=False)
    assert worth_drawing("x_1", display=False) and worth_drawing("A", display=True)
    await started(harness)
    post = await asked(harness, r"Repeats: $A$ and $Ax = b$, then $x_1$, $x_1$ and $x^2$.")
    assert [p.alt for p in pictures(post)] == ["x_1", "x^2"]


async def test_tex_shows_the_formula_privately_or_says_what_is_wrong(harness: Harness) -> None:
    reply = await harness.chat.command(r"tex \frac{a}{b}", by="zed")  # anyone, member or not
    assert reply is not None and reply.ephemeral
    [picture] = pictures(reply.message)
    assert picture.alt == r"\frac{a}{b}" and png_size(picture)[0] > 10
    refused = await harness.chat.command(r"tex \frac{a}{", by="zed")
    assert refused is not None and refused.ephemeral and not pictures(refused.message)
    assert "does not parse" in text(refused) and "/study tex" in text(refused)
    usage = text(await harness.chat.command("tex", by="zed"))
    assert "Write the formula after `tex`" in usage
    assert harness.chat.channel_posts() == []  # nothing was posted


async def test_every_weekly_summary_carries_a_chart_the_last_one_of_the_whole_run(
    harness: Harness,
) -> None:
    await harness.chat.command("start mml pace 6 every monday at 18:30 tz Europe/Berlin", by="ada")
    await harness.chat.join("bob")
    await harness.run_for(timedelta(days=4, hours=7), step=timedelta(hours=1))
    await harness.chat.command("checkin done", by="bob")
    await harness.run_until(harness.clock.now() + timedelta(days=40))
    summaries = [
        p.message for p in harness.chat.channel_posts() if "Weekly summary" in p.message.text
    ]
    assert len(summaries) == 2
    for summary in summaries:
        [chart] = pictures(summary)
        width, height = png_size(chart)
        assert 300 <= width <= 1600 and 150 <= height <= 900, (width, height)
        assert "S1: 1 done" in chart.alt and "questions: 0 open, 0 resolved" in chart.alt
        assert "bob" not in chart.alt  # counts only, as in the text


async def test_an_answers_formulas_are_typeset_in_a_reply_under_it(harness: Harness) -> None:
    await started(harness)
    await harness.chat.command("ask What is $\\|x\\|_2$ for $x = (3, 4)$?", by="bob")
    said = harness.chat.adapter.said
    [post] = [s for s in said if s.kind == "post" and s.text.startswith("Question 1")]
    [thread] = [s for s in said if s.kind == "thread" and s.thread == post.ref]
    await harness.chat.reply_in_thread(thread.ref, r"It is $\sqrt{3^2 + 4^2} = 5$.", by="cy")
    await harness.chat.reply_in_thread(thread.ref, "No formula here, $5$ is just text.", by="ada")
    await harness.chat.reply_in_thread(thread.ref, r"Thanks! So $\|x\|_2^2 = 25$.", by="bob")
    await harness.run_for(timedelta(minutes=1))
    replies = [s for s in harness.chat.adapter.said if s.kind == "reply"]
    # One reply, for cy's answer: ada's has nothing worth a picture, bob asked the question.
    assert [(r.thread, r.text) for r in replies] == [
        (thread.ref, "The formulas in cy's answer, typeset:")
    ]
    [picture] = pictures(replies[0].message)
    assert picture.alt == r"\sqrt{3^2 + 4^2} = 5" and png_size(picture)[0] > 40


async def test_me_attaches_the_members_own_sessions_for_them_alone(harness: Harness) -> None:
    await harness.chat.command("start mml every monday at 18:30 tz Europe/Berlin", by="ada")
    await harness.chat.join("bob")
    before = await harness.chat.command("me", by="bob")
    assert before is not None and not pictures(before.message)  # no session held yet
    await harness.run_for(timedelta(days=4, hours=7), step=timedelta(hours=1))
    await harness.chat.command("checkin partial", by="bob")
    await harness.run_for(timedelta(days=7), step=timedelta(hours=6))
    reply = await harness.chat.command("me", by="bob")
    assert reply is not None and reply.ephemeral
    [chart] = pictures(reply.message)
    assert chart.alt == "Your check-in for each session (S1: partial, S2: none)."
    width, height = png_size(chart)
    assert 300 <= width <= 1000 and 80 <= height <= 400, (width, height)
