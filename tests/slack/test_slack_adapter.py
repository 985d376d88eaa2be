"""The Slack adapter in-process against the stand-in: what members do, and what goes wrong.

Real bolt and slack_sdk over real HTTP on 127.0.0.1, a real StudyBot on SQLite; the clock is
the test's (``tick_to`` runs the delivery ledger at a given moment). Every call the bot makes
is checked against Slack's Web API description and Block Kit rules by the stand-in, and each
test ends by asserting there were no violations.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.adapters.slack import listeners
from bot.adapters.slack.adapter import SlackAdapter, SlackStartError
from bot.adapters.slack.listeners import RESOLVE_IN_SLACK, UNKNOWN_BUTTON
from bot.adapters.slack.settings import SlackSettings
from bot.cli.app import app as cli
from bot.core.models import Message, Paragraph, Place

from ..bot_port import HandlerOnly
from ..standins.slack_server import (
    BOT_TOKEN,
    BOT_USER_ID,
    SIGNING_SECRET,
    TEAM_ID,
    SlackStandIn,
    sign,
    visible_text,
)
from .harness import ADA, BEA, CY, DEV, FIRST_KICKOFF, SlackHarness, slack_bot

MY_BOOK = (
    "id: my-book\ntitle: My Notes\nauthors: [Ada]\nunits:\n"
    "  - id: u1\n    title: Vectors\n    readings: [{section: '1', title: Vectors, pages: 1-9}]\n"
    "    topics: [vectors]\n    hours: 2\n    questions:\n"
    "      - Why do we add vectors tip to tail?\n      - Compare a vector with a point.\n"
    "      - Explain a basis to a friend.\n"
)


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[SlackHarness]:
    async with slack_bot(tmp_path) as harness:
        yield harness
        assert harness.standin.violations == []


def rows(h: SlackHarness, query: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(h.database) as db:
        return db.execute(query).fetchall()


async def said_privately(h: SlackHarness, user: str, seen: int = 0) -> str:
    return await h.private_after(user, seen, what=f"a private answer to {user}")


async def started_group(h: SlackHarness) -> dict[str, Any]:
    """Ada starts MML, Bea joins; the clock reaches the first kickoff. Returns the kickoff."""
    await h.workspace.slash(ADA, "start mml")
    await h.standin.wait_for(h.posts, what="the announcement")
    await h.workspace.join(BEA)
    await said_privately(h, BEA)
    await h.tick_to(FIRST_KICKOFF)
    return h.posts()[-1]


async def ask(h: SlackHarness, user: str, text: str) -> dict[str, Any]:
    """``user`` asks through the modal; returns the new question's post."""
    kickoff = next(m for m in h.posts() if "Week 1" in visible_text(m))

    def questions() -> list[dict[str, Any]]:
        return [m for m in h.posts() if m["text"].startswith("Question")]

    opened, before = len(h.standin.views_opened), len(questions())
    await h.workspace.click(user, kickoff, "Ask a question")
    views = await h.standin.wait_for(lambda: h.standin.views_opened[opened:], what="the modal")
    await h.workspace.submit(user, views[0], {"question": {"text": text}})
    found = await h.standin.wait_for(lambda: questions()[before:], what="the question post")
    await h.standin.wait_for(  # its post and its thread are recorded: answers count from now
        lambda: rows(h, "SELECT id FROM questions WHERE thread_ref IS NOT NULL")[before:],
        what="the question's thread recorded",
    )
    return found[0]


# --- requests that are not Slack's ----------------------------------------------------------------


async def test_a_wrong_signature_or_a_stale_timestamp_gets_401_and_changes_nothing(
    slack: SlackHarness,
) -> None:
    payload = slack.workspace.event_body(
        {"type": "member_joined_channel", "user": BEA, "channel": slack.channel, "team": TEAM_ID}
    )
    body, content_type = slack.standin.encode("events_api", payload)
    stale = str(int(time.time()) - 5 * 60 - 30)
    answers = [
        await slack.standin.post_signed(body, content_type, signature="v0=" + "a" * 64),
        await slack.standin.post_signed(
            body, content_type, timestamp=stale, signature=sign(SIGNING_SECRET, stale, body)
        ),
        await slack.standin.post_signed(
            body, content_type, signature=sign("another app's secret", str(int(time.time())), body)
        ),
        await slack.standin.post_signed(body, content_type, timestamp="soon", signature="v0=x"),
    ]
    assert [a.status for a in answers] == [401, 401, 401, 401]
    assert rows(slack, "SELECT count(*) FROM processed_events") == [(0,)]
    assert [c.method for c in slack.standin.calls] == ["auth.test"]  # the start-up check only


async def test_malformed_but_signed_requests_are_acknowledged_and_ignored(
    slack: SlackHarness,
) -> None:
    form = "application/x-www-form-urlencoded"
    answers = [
        await slack.standin.post_signed(b"{not json", "application/json"),
        await slack.standin.post_signed(b"payload=%7Bnot+json", form),
        await slack.standin.post_signed(b"payload=%5B1%2C2%5D", form),  # a list, not an object
        await slack.standin.post_signed(b'{"type": "event_callback"}', "application/json"),
        await slack.standin.post_signed(
            b'{"type":"event_callback","event_id":"Ev1","event":{"type":"member_joined_channel"}}',
            "application/json",
        ),
        await slack.standin.post_signed(
            b'{"type":"event_callback","event_id":"Ev2","event":{"type":"tokens_revoked"}}',
            "application/json",
        ),
    ]
    assert [a.status for a in answers] == [200] * len(answers)
    assert slack.posts() == [] and slack.standin.private == []
    assert rows(slack, "SELECT count(*) FROM processed_events") == [(0,)]


async def test_every_socket_mode_envelope_is_acknowledged(tmp_path: Path) -> None:
    # An envelope left unacknowledged is redelivered by Slack again and again.
    async with slack_bot(tmp_path, socket_mode=True) as slack:
        kickoff_like = {"ts": "1.0", "text": "x", "blocks": []}
        click = slack.workspace.action_payload(
            BEA,
            kickoff_like,
            {
                "action_id": "studybot.checkin.0",
                "text": {"type": "plain_text", "text": "Done"},
                "value": "x",
            },
        )
        for kind, payload in (
            ("events_api", {"type": "event_callback", "event": {"type": "reaction_added"}}),
            ("interactive", {"type": "something_new"}),
            ("interactive", {**click, "channel": None, "container": {}}),
            ("slash_commands", {"command": "/study"}),
        ):
            answer = await slack.standin.send_envelope(kind, payload)  # type: ignore[arg-type]
            assert answer.status == 200, (kind, payload)
        await slack.workspace.slash(ADA, "join")  # and the socket still works
        assert "Welcome" in await said_privately(slack, ADA)
        assert slack.posts() == [] and slack.standin.violations == []


async def test_the_url_verification_challenge_is_answered(slack: SlackHarness) -> None:
    body = b'{"token":"x","challenge":"3eZbrw1aBm2rZgRNFdxV","type":"url_verification"}'
    answer = await slack.standin.post_signed(body, "application/json")
    assert answer.status == 200 and "3eZbrw1aBm2rZgRNFdxV" in answer.body


async def test_slack_retries_never_record_twice(slack: SlackHarness) -> None:
    await started_group(slack)
    question = await ask(slack, BEA, "What is a vector space?")
    event = slack.workspace.message_event(
        CY, "A set closed under + and scaling.", thread_ts=question["ts"]
    )
    answers = [
        await slack.workspace.event(event, event_id="EvSAME0001"),
        await slack.workspace.event(event, event_id="EvSAME0001", retry=1),
        await slack.workspace.event(event, event_id="EvSAME0001", retry=2),
    ]
    assert [a.status for a in answers] == [200, 200, 200]
    await slack.standin.wait_for(
        lambda: (
            rows(slack, "SELECT count(*) FROM processed_events WHERE event_id LIKE '%SAME%'")
            == [(1,)]
        ),
        what="the event recorded",
    )
    await slack.adapter.listeners.drain(5)  # let the retries' work finish, then count
    assert rows(slack, "SELECT text FROM answers") == [("A set closed under + and scaling.",)]


async def test_a_slash_command_is_acknowledged_before_the_slow_part(
    slack: SlackHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(listeners, "ANSWER_WITH_ACK_WITHIN", 0.5)
    slack.standin.delays["users.info"] = 3.5  # longer than Slack waits for the ack
    started = time.monotonic()
    answer = await slack.workspace.slash(ADA, "join")
    assert answer.status == 200 and time.monotonic() - started < 1.5
    assert answer.body == ""  # nothing to say yet: the answer follows
    assert "Welcome to the study group" in await said_privately(slack, ADA)
    assert [p.via for p in slack.standin.private_to(ADA)] == ["response_url"]


async def test_a_quick_answer_travels_in_the_acknowledgement(slack: SlackHarness) -> None:
    answer = await slack.workspace.slash(ADA, "join")
    assert answer.status == 200
    assert answer.json()["response_type"] == "ephemeral"
    assert "Welcome to the study group" in visible_text(answer.json())
    assert [p.via for p in slack.standin.private_to(ADA)] == ["ack"]
    await slack.adapter.listeners.drain(5)
    assert slack.standin.responses == []  # no second request through the response_url
    assert slack.standin.violations == []


async def test_rate_limits_are_waited_out_and_nothing_is_dropped(slack: SlackHarness) -> None:
    await slack.workspace.slash(ADA, "start mml")
    await slack.standin.wait_for(slack.posts, what="the announcement")
    slack.standin.rate_limits["chat.postMessage"].append(1)
    await slack.tick_to(FIRST_KICKOFF)
    posted = [c for c in slack.standin.calls if c.method == "chat.postMessage"]
    refused = next(c for c in posted if c.status == 429)
    kickoffs = [m for m in slack.posts() if "Week 1" in m["text"]]
    assert len(kickoffs) == 1
    retried = next(c for c in posted if c.at > refused.at)
    assert retried.at - refused.at >= 1.0  # Retry-After: 1
    assert rows(slack, "SELECT count(*) FROM deliveries WHERE status = 'sent'")[0][0] == 5


# --- interactions that cannot do anything ----------------------------------------------------------


async def test_unknown_buttons_shortcuts_and_values_get_a_clear_private_answer(
    slack: SlackHarness,
) -> None:
    kickoff = await started_group(slack)
    done = next(e for b in kickoff["blocks"] if b["type"] == "actions" for e in b["elements"])
    for element, expected in (
        ({**done, "action_id": "someone.else.0"}, UNKNOWN_BUTTON),
        ({**done, "action_id": "studybot.frobnicate.0"}, "That button is no longer supported"),
        ({**done, "value": "not-a-session:done"}, "That button is not valid any more"),
    ):
        seen = len(slack.standin.private_to(BEA))
        payload = slack.workspace.action_payload(BEA, kickoff, element)
        assert (await slack.standin.deliver("interactive", payload)).status == 200
        assert expected in await said_privately(slack, BEA, seen)
    seen = len(slack.standin.private_to(BEA))
    await slack.workspace.shortcut(BEA, kickoff, callback_id="someone.elses.shortcut")
    assert "I don't know that shortcut" in await said_privately(slack, BEA, seen)
    assert rows(slack, "SELECT count(*) FROM checkins") == [(0,)]


async def test_a_click_in_a_channel_without_a_group_is_explained(slack: SlackHarness) -> None:
    kickoff = await started_group(slack)
    slack.workspace.channel = "C0ELSEWHERE"
    await slack.workspace.click(CY, kickoff, "Done")
    assert "This channel has no study group yet" in await said_privately(slack, CY)
    assert rows(slack, "SELECT count(*) FROM checkins") == [(0,)]


async def test_an_empty_question_keeps_the_modal_open(slack: SlackHarness) -> None:
    kickoff = await started_group(slack)
    await slack.workspace.click(BEA, kickoff, "Ask a question")
    views = await slack.standin.wait_for(lambda: slack.standin.views_opened, what="the modal")
    answer = await slack.workspace.submit(BEA, views[0], {"question": {"text": "   "}})
    assert answer.json() == {
        "response_action": "errors",
        "errors": {"question": "Write your question first."},
    }
    assert rows(slack, "SELECT count(*) FROM questions") == [(0,)]


# --- questions: asking, answering, resolving -------------------------------------------------------


async def test_member_text_is_escaped_and_pings_nobody(slack: SlackHarness) -> None:
    slack.standin.add_user("U0EVE0005", "<!channel> & <@U0ADA0001> *Eve*")
    await started_group(slack)
    await slack.workspace.join("U0EVE0005")
    question = await ask(slack, "U0EVE0005", "Is <!here> a *vector* & is $x_1 * y_2$ linear?")
    shown = visible_text(question)
    assert "<!" not in shown and "<@" not in shown  # no mention Slack would act on
    # The core breaks mentions with a zero-width space; the renderer escapes the markup.
    assert "&lt;\u200b!here&gt; a *vector* &amp; is `$x_1 * y_2$` linear?" in shown
    assert "Asked by &lt;\u200b!channel&gt; &amp; &lt;\u200b@U0ADA0001&gt; *Eve*" in shown


async def test_resolving_by_reaction_shortcut_or_thread_command(slack: SlackHarness) -> None:
    await started_group(slack)
    await slack.workspace.join(CY)
    first = await ask(slack, BEA, "First question?")
    second = await ask(slack, BEA, "Second question?")
    third = await ask(slack, BEA, "Third question?")

    # ✅ from a stranger is just a reaction; from the asker, on the answer, it resolves.
    answer_ts, _ = await slack.workspace.reply(CY, first["ts"], "An answer.")
    await slack.standin.wait_for(lambda: rows(slack, "SELECT id FROM answers"), what="answer")
    await slack.workspace.react(CY, first["ts"])
    await slack.workspace.react(BEA, answer_ts, "heavy_check_mark")
    await slack.standin.wait_for(
        lambda: "(resolved)" in visible_text(slack.standin.find(slack.channel, first["ts"]) or {}),
        what="the first question resolved",
    )

    # The message shortcut, used on the question by someone else and then by the asker.
    seen = len(slack.standin.private_to(CY))
    await slack.workspace.shortcut(CY, second)
    assert "Only the person who asked" in await said_privately(slack, CY, seen)
    await slack.workspace.shortcut(BEA, second)
    await slack.standin.wait_for(
        lambda: "(resolved)" in visible_text(slack.standin.find(slack.channel, second["ts"]) or {}),
        what="the second question resolved",
    )

    # `/study resolve` posted as text in the thread; typed as a slash command it is explained.
    await slack.workspace.reply(BEA, third["ts"], "/study resolve")
    await slack.standin.wait_for(
        lambda: "(resolved)" in visible_text(slack.standin.find(slack.channel, third["ts"]) or {}),
        what="the third question resolved",
    )
    seen = len(slack.standin.private_to(BEA))
    await slack.workspace.slash(BEA, "resolve")
    assert RESOLVE_IN_SLACK.split(",")[0] in await said_privately(slack, BEA, seen)
    assert rows(slack, "SELECT status FROM questions") == [("resolved",)] * 3
    assert rows(slack, "SELECT count(*) FROM answers") == [(1,)]  # "/study resolve" is none


async def test_edits_bot_messages_and_top_level_chatter_are_ignored(slack: SlackHarness) -> None:
    await started_group(slack)
    question = await ask(slack, BEA, "Why?")
    base = slack.workspace.message_event(CY, "Because.", thread_ts=question["ts"])
    for extra in (
        {"subtype": "message_changed"},
        {"subtype": "message_deleted"},
        {"bot_id": "B0OTHERBOT", "subtype": "bot_message"},
    ):
        await slack.workspace.event({**base, **extra})
    await slack.workspace.event(slack.workspace.message_event(CY, "Hello channel"))
    await slack.adapter.listeners.drain(5)
    assert rows(slack, "SELECT count(*) FROM answers") == [(0,)]


# --- membership, App Home, exports -----------------------------------------------------------------


async def test_joining_and_leaving_the_channel(slack: SlackHarness) -> None:
    await slack.workspace.slash(ADA, "join")
    await said_privately(slack, ADA)
    await slack.workspace.join(BOT_USER_ID)  # the bot being invited is no member
    await slack.workspace.join(DEV)
    greeting = await said_privately(slack, DEV)
    assert "Welcome to the study group" in greeting
    assert slack.standin.private_to(DEV)[0].via == "chat.postEphemeral"
    await slack.workspace.leave(DEV)
    await slack.standin.wait_for(
        lambda: (
            rows(slack, f"SELECT left_at IS NOT NULL FROM members WHERE user_id='{DEV}'") == [(1,)]
        ),
        what="Dev gone",
    )
    assert {r[0] for r in rows(slack, "SELECT user_id FROM members")} == {ADA, DEV}


async def test_the_app_home_shows_the_members_groups(slack: SlackHarness) -> None:
    await slack.workspace.open_home(DEV)
    home = await slack.standin.wait_for(lambda: slack.standin.views_published.get(DEV), what="home")
    assert "You are in no study group yet" in visible_text(home[-1])
    await started_group(slack)
    await slack.workspace.open_home(BEA)
    home = await slack.standin.wait_for(lambda: slack.standin.views_published.get(BEA), what="home")
    shown = visible_text(home[-1])
    assert f"<#{slack.channel}>: Introduction and Motivation" in shown
    assert "Your streak" in shown


async def test_an_export_is_shown_inline_to_the_member(slack: SlackHarness) -> None:
    kickoff = await started_group(slack)
    await slack.workspace.click(BEA, kickoff, "Done")
    await said_privately(slack, BEA, 1)
    await slack.workspace.slash(ADA, "export csv")
    shown = await said_privately(slack, ADA, 0)
    assert "checkins" in shown and "```" in shown and "Bea" in shown


# --- syllabus files --------------------------------------------------------------------------------


async def test_a_shared_syllabus_is_loaded_and_reported_in_its_thread(slack: SlackHarness) -> None:
    await slack.workspace.slash(ADA, "join")
    await said_privately(slack, ADA)
    file_ts, _ = await slack.workspace.share_file(ADA, "my-book.yaml", MY_BOOK.encode())
    reply = await slack.standin.wait_for(
        lambda: slack.standin.thread(slack.channel, file_ts), what="the report in the thread"
    )
    assert "Loaded `my-book`: My Notes, 1 unit." in visible_text(reply[0])
    assert slack.standin.downloads and slack.standin.called("files.info")
    await slack.workspace.share_file(ADA, "again.yaml", MY_BOOK.encode(), mention=False)
    await slack.adapter.listeners.drain(5)
    assert len(slack.standin.called("files.info")) == 1  # no mention: not for the bot


async def test_broken_oversized_and_foreign_files_are_refused_and_the_group_runs_on(
    slack: SlackHarness, tmp_path: Path
) -> None:
    await started_group(slack)
    broken = MY_BOOK.replace("title: My Notes", "titel: My Notes")
    cases = [
        ("my-book.yaml", broken.encode(), None),
        ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00binary", None),
        ("huge.yaml", b"", 3 * 1024 * 1024),
    ]
    reports = []
    for name, content, size in cases:
        file_ts, _ = await slack.workspace.share_file(ADA, name, content, size=size)
        reply = await slack.standin.wait_for(
            lambda ts=file_ts: slack.standin.thread(slack.channel, ts), what=f"the report on {name}"
        )
        reports.append(visible_text(reply[0]).replace("&lt;", "<").replace("&gt;", ">"))

    # The report is the CLI's, line for line (the CLI names the file by its path).
    (tmp_path / "my-book.yaml").write_text(broken, encoding="utf-8")
    cli_output = CliRunner().invoke(cli, ["syllabus", "validate", str(tmp_path / "my-book.yaml")])
    expected = [line.replace(f"{tmp_path}/", "") for line in cli_output.output.splitlines()]
    assert reports[0].splitlines() == expected
    assert "photo.png:1:1" in reports[1]
    assert (
        "huge.yaml:1:1: file: is 3145728 bytes; files larger than 1 MiB are refused" in reports[2]
    )
    assert slack.standin.downloads == [f for f in slack.standin.files][:2]  # not the huge one
    assert rows(slack, "SELECT status FROM runs") == [("active",)]
    assert rows(slack, "SELECT count(*) FROM syllabi WHERE source LIKE 'upload:%'") == [(0,)]


async def test_only_organizers_load_a_syllabus_once_the_group_has_one(slack: SlackHarness) -> None:
    await started_group(slack)
    file_ts, _ = await slack.workspace.share_file(BEA, "my-book.yaml", MY_BOOK.encode())
    refusal = await said_privately(slack, BEA, 1)
    assert "Only organizers can load a syllabus" in refusal
    assert slack.standin.private_to(BEA)[-1].thread_ts == file_ts
    assert slack.standin.thread(slack.channel, file_ts) == []


# --- exactly once: delivery keys as message metadata -------------------------------------------


async def test_find_post_recognises_posts_sent_before_a_crash(slack: SlackHarness) -> None:
    await slack.workspace.slash(ADA, "start mml")
    await slack.standin.wait_for(slack.posts, what="the announcement")
    place = Place(platform="slack", workspace=TEAM_ID, channel=slack.channel)
    kickoff_key = "studybot:run1:session1:kickoff:0"
    # The bot sent the kickoff and died before recording it: the claim is left to expire.
    sent = await slack.adapter.post(
        place, Message(text="kickoff", blocks=(Paragraph("k"),)), key=kickoff_key
    )
    with sqlite3.connect(slack.database) as db:
        db.execute(
            "UPDATE deliveries SET status='claimed', attempts=1, claimed_by='dead', "
            "claimed_until='2026-10-05 17:00:00.000000' WHERE kind='kickoff' AND session_id=1"
        )
    await slack.tick_to(FIRST_KICKOFF)
    assert [
        m["ts"]
        for m in slack.posts()
        if (m.get("metadata") or {}).get("event_payload", {}).get("key") == kickoff_key
    ] == [sent]
    assert rows(
        slack, "SELECT message_ref FROM deliveries WHERE kind='kickoff' AND session_id=1"
    ) == [(sent,)]
    # A discussion question is a reply in the kickoff's thread; its ref is that thread.
    question_key = "studybot:run1:session1:question:2"
    assert await slack.adapter.find_post(place, question_key) == sent
    assert await slack.adapter.find_post(place, "studybot:run9:session9:summary:0") is None
    assert all(
        c.arguments.get("include_all_metadata") in ("1", "true", True)
        for c in slack.standin.calls
        if c.method.startswith("conversations.")
    )


# --- start-up ------------------------------------------------------------------------------------


async def test_a_rejected_token_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    standin = SlackStandIn(bot_token="xoxb-the-real-one")
    await standin.start()
    try:
        adapter = SlackAdapter(
            settings=SlackSettings(
                bot_token=BOT_TOKEN,
                signing_secret=SIGNING_SECRET,
                app_token=None,
                api_url=standin.api_url,
                port=0,
            )
        )

        async def handle(event: object) -> None:
            return None

        with pytest.raises(
            SlackStartError, match=r"did not accept SLACK_BOT_TOKEN \(invalid_auth\)"
        ):
            await adapter.start(HandlerOnly(handle))
        assert BOT_TOKEN not in str(adapter.settings)
    finally:
        await standin.close()


async def test_a_post_whose_answer_was_lost_is_found_not_sent_again(slack: SlackHarness) -> None:
    await slack.workspace.slash(ADA, "start mml")
    await slack.standin.wait_for(slack.posts, what="the announcement")
    # Slack creates each of these posts, then answers 500 or drops the connection.
    slack.standin.lost_answers["chat.postMessage"].extend(["500", "drop", "500", "drop"])
    await slack.tick_to(FIRST_KICKOFF)
    for minutes in range(1, 6):  # later ticks: each lost answer is looked up, then the rest sent
        await slack.tick_to(FIRST_KICKOFF + timedelta(minutes=minutes))
    keys = [
        (m.get("metadata") or {}).get("event_payload", {}).get("key")
        for m in [
            *slack.posts(),
            *(r for p in slack.posts() for r in slack.standin.thread(slack.channel, p["ts"])),
        ]
    ]
    sent = [k for k in keys if k and k.startswith("studybot:run1:session1:")]
    assert sorted(sent) == sorted(set(sent))  # nothing twice
    ledger = rows(
        slack,
        "SELECT status FROM deliveries WHERE session_id=1 AND kind IN ('kickoff', 'question')",
    )
    assert ledger == [("sent",)] * len(ledger)  # nothing lost
    assert len(sent) == len(ledger) == 5  # the kickoff and its four discussion questions


async def test_posts_are_paced_per_channel_and_channels_go_side_by_side(tmp_path: Path) -> None:
    rate = 10.0  # posts per second per channel (Slack's own is about 1)
    second = "C0SECOND"
    async with slack_bot(tmp_path, channel_rate=rate) as slack:
        slack.standin.channel_limit = rate  # the local Slack answers 429 beyond rate + 1 a second
        for channel in (slack.channel, second):
            await slack.workspace.slash(ADA, "start mml", channel=channel)
            await slack.standin.wait_for(
                lambda channel=channel: slack.standin.posts(channel), what="the announcement"
            )
        before = len(slack.standin.calls)
        await slack.tick_to(FIRST_KICKOFF)  # two channels, a kickoff and its threads each
        calls = slack.standin.calls[before:]
    by_channel: dict[str, list[float]] = {}
    assert [c for c in calls if c.status == 429] == []
    for call in calls:
        if call.method == "chat.postMessage" and call.status == 200:
            by_channel.setdefault(call.arguments["channel"], []).append(call.at)
    assert sorted(by_channel) == sorted([slack.channel, second])
    for times in by_channel.values():
        assert len(times) == 5  # the kickoff and its four discussion threads
        # Never faster than the channel's rate: evenly spaced.
        assert times[-1] - times[0] >= 0.9 * (len(times) - 1) / rate
    one, other = by_channel.values()
    assert other[0] < one[-1] and one[0] < other[-1]  # neither channel waited for the other
