"""Q&A that learns, on Slack: a paraphrase of a resolved question gets it suggested privately
with its permalink, and the member posts theirs anyway; ✅ on an answer accepts it and the FAQ
quotes it; a quiet thread's asker gets one direct message; reopen and edit update the post; a
second channel sees the first one's questions only once it shares them.

Real bolt and slack_sdk over real HTTP on 127.0.0.1 against the Slack stand-in, a real StudyBot
on SQLite and a fake clock."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..standins.slack_server import TEAM_DOMAIN, visible_text
from .harness import ADA, BEA, CY, FIRST_KICKOFF, SlackHarness, slack_bot

ASKED = "Why does a matrix with two equal rows have determinant zero?"
AGAIN = r"If two rows of $A$ are the same, how come $\det A = 0$?"
OTHER = "C0SECOND02"


def answers(slack: SlackHarness) -> int:
    """Answers recorded so far: events are handled after their acknowledgement."""
    with sqlite3.connect(slack.database) as db:
        return int(db.execute("SELECT count(*) FROM answers").fetchone()[0])


def shown(private: Any) -> str:
    return visible_text({"blocks": private.blocks, "text": private.text})


async def resolved_question(slack: SlackHarness) -> dict[str, Any]:
    """Ada starts, Bea and Cy join; Bea asks, Cy answers, Bea's ✅ on the answer accepts it."""
    workspace, standin = slack.workspace, slack.standin
    await workspace.slash(ADA, "start mml")
    for member in (BEA, CY):
        await workspace.join(member)
    await slack.tick_to(FIRST_KICKOFF + timedelta(minutes=5))
    await workspace.slash(BEA, f"ask mml-04 {ASKED}")
    await slack.advance(timedelta(minutes=1))
    question = await standin.wait_for(
        lambda: next((m for m in slack.posts() if "Question 1" in visible_text(m)), None),
        what="the question",
    )
    await slack.advance(timedelta(minutes=1))  # its thread
    answer_ts, _ = await workspace.reply(CY, question["ts"], "Subtract one row from the other.")
    await standin.wait_for(lambda: answers(slack) == 1, what="Cy's answer recorded")
    await workspace.react(BEA, answer_ts)
    await slack.advance(timedelta(minutes=1))
    await standin.wait_for(
        lambda: "(resolved)" in visible_text(standin.find(slack.channel, question["ts"]) or {}),
        what="the resolved question",
    )
    return question


async def test_a_paraphrase_is_suggested_with_its_permalink_and_can_still_be_posted(
    tmp_path: Path,
) -> None:
    async with slack_bot(tmp_path) as slack:
        workspace, standin = slack.workspace, slack.standin
        question = await resolved_question(slack)
        seen = len(standin.private_to(CY))
        await workspace.slash(CY, f"ask mml-04 {AGAIN}")
        [suggestion] = await standin.wait_for(
            lambda: standin.private_to(CY)[seen:], what="the suggestion"
        )
        text = shown(suggestion)
        assert "Asked before" in text and f"“{ASKED}” (resolved, 1 answer)" in text
        permalink = (
            f"https://{TEAM_DOMAIN}.slack.com/archives/{slack.channel}/"
            f"p{question['ts'].replace('.', '')}"
        )
        assert permalink in str(suggestion.blocks)
        assert not any("Question 2" in visible_text(m) for m in slack.posts())  # not yet

        await workspace.click(CY, {"ts": "0", "blocks": suggestion.blocks}, "Post my question")
        await slack.advance(timedelta(minutes=1))
        await standin.wait_for(
            lambda: any("Question 2" in visible_text(m) for m in slack.posts()),
            what="Cy's question, posted anyway",
        )
        await workspace.slash(CY, "faq mml-04")
        faq = await standin.wait_for(
            lambda: next(
                (shown(p) for p in standin.private_to(CY) if "Asked before on" in p.text), None
            ),
            what="the FAQ",
        )
        assert ASKED in faq and "Accepted answer: Subtract one row from the other." in faq
        assert standin.violations == []


async def test_a_quiet_thread_nudges_its_asker_once_and_reopen_and_edit_update_the_post(
    tmp_path: Path,
) -> None:
    async with slack_bot(tmp_path) as slack:
        workspace, standin = slack.workspace, slack.standin
        question = await resolved_question(slack)
        await workspace.slash(CY, "ask mml-02 Is the zero vector in every subspace?")
        await slack.advance(timedelta(minutes=1))
        second = await standin.wait_for(
            lambda: next((m for m in slack.posts() if "Question 2" in visible_text(m)), None),
            what="the second question",
        )
        await slack.advance(timedelta(minutes=1))
        await workspace.reply(BEA, second["ts"], "Yes: closure under scaling by 0.")
        await standin.wait_for(lambda: answers(slack) == 2, what="Bea's answer recorded")
        dm = "D" + CY[1:]
        await slack.advance(timedelta(days=5, minutes=1))
        [nudge] = await standin.wait_for(lambda: standin.posts(dm), what="Cy's nudge")
        assert "and no new one for 5 days" in visible_text(nudge)
        assert f"p{second['ts'].replace('.', '')}" in str(nudge["blocks"])  # the thread's link
        await slack.advance(timedelta(days=5))
        assert len(standin.posts(dm)) == 1  # once
        seen = len(standin.private_to(CY))
        await workspace.click(CY, nudge, "Not yet", channel=dm)  # pressed in the DM
        kept = await standin.wait_for(lambda: standin.private_to(CY)[seen:], what="not yet")
        assert "It stays open" in kept[0].text
        assert not standin.posts("D" + BEA[1:])  # Bea's was resolved: no nudge

        await workspace.slash(BEA, "reopen 1")
        await workspace.slash(CY, "edit 2 Is the zero vector in every subspace of R^n?")
        await slack.advance(timedelta(minutes=1))
        first_now = visible_text(standin.find(slack.channel, question["ts"]) or {})
        second_now = visible_text(standin.find(slack.channel, second["ts"]) or {})
        assert "Question 1" in first_now and "(resolved)" not in first_now
        assert "every subspace of R^n?" in second_now
        assert any(
            "Reopened by Bea" in m.get("text", "")
            for m in standin.thread(slack.channel, question["ts"])
        )
        assert standin.violations == []


async def test_another_channels_questions_appear_only_once_it_shares(tmp_path: Path) -> None:
    async with slack_bot(tmp_path) as slack:
        workspace, standin = slack.workspace, slack.standin
        await resolved_question(slack)
        await workspace.slash(ADA, "start mml", channel=OTHER)
        seen = len(standin.private_to(ADA))
        await workspace.slash(ADA, f"ask mml-04 {AGAIN}", channel=OTHER)
        first = shown((await standin.wait_for(lambda: standin.private_to(ADA)[seen:], what="a"))[0])
        assert "Your question is posted" in first

        await workspace.slash(ADA, "sharing on")
        seen = len(standin.private_to(ADA))
        await workspace.slash(
            ADA, "ask mml-04 Two identical rows: why is the determinant 0?", channel=OTHER
        )
        again = shown((await standin.wait_for(lambda: standin.private_to(ADA)[seen:], what="b"))[0])
        assert f"“{ASKED}” (resolved, 1 answer, in another group)" in again
        assert standin.violations == []
