"""Block Kit rendering and payload reading: pure functions, checked against Slack's limits
(the stand-in's Block Kit rules) without any network."""

from __future__ import annotations

from types import SimpleNamespace

from bot.adapters.slack import render
from bot.adapters.slack.files import trusted_host
from bot.adapters.slack.history import key_of, metadata_for
from bot.adapters.slack.payloads import (
    action_name,
    base_emoji,
    decode_origin,
    encode_origin,
    member_text,
    mentions,
)
from bot.core import posts
from bot.core.models import (
    Actions,
    Attachment,
    Button,
    Fields,
    Heading,
    Link,
    Links,
    Message,
    Paragraph,
    SmallPrint,
)
from bot.domain.library import Library

from ..conftest import CONTENT
from ..standins.slack_blocks import blocks_problems, view_problems


def texts(blocks: list[dict]) -> str:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("mrkdwn", "plain_text"):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    return "\n".join(found)


def test_member_text_cannot_mention_link_or_break_markup() -> None:
    text = "<!channel> <@U123> <https://evil.example|click> a & b > c"
    assert render.mrkdwn(text) == (
        "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; a &amp; b &gt; c"
    )


def test_formulas_become_code_so_underscores_and_stars_stay() -> None:
    assert render.mrkdwn("If $x_1 * y_2 < 3$ then `a<b`") == "If `$x_1 * y_2 &lt; 3$` then `a&lt;b`"
    assert render.mrkdwn("$$\\sum_i\n x_i$$") == "```$$\\sum_i\n x_i$$```"
    assert render.mrkdwn("a $x`y$ b") == "a $x`y$ b"  # a backtick inside: left as text


def test_long_text_is_split_never_cut() -> None:
    long = "\n".join(f"line {n} " + "x" * 90 for n in range(100))  # about 10 000 characters
    blocks = render.render_blocks(Message(text="t", blocks=(Paragraph(long),)))
    assert len(blocks) == 4 and all(len(b["text"]["text"]) <= 3000 for b in blocks)
    assert texts(blocks).replace("\n", "") == long.replace("\n", "")
    one_line = "y" * 7000
    pieces = render.chunks(one_line)
    assert [len(p) for p in pieces] == [3000, 3000, 1000]


def test_limits_of_headers_buttons_fields_and_blocks() -> None:
    message = Message(
        text="t",
        blocks=(
            Heading("H" * 400),
            Heading("second heading"),
            Fields(tuple((f"k{n}", f"v{n}") for n in range(13))),
            Actions(tuple(Button("B" * 100, "checkin", f"{n}:done") for n in range(30))),
            SmallPrint("small print"),
            *(Paragraph(f"p{n}") for n in range(60)),
        ),
    )
    blocks = render.render_blocks(message)
    assert blocks_problems(blocks) == []
    assert len(blocks) == 50 and "shortened" in texts(blocks[-1:])
    assert blocks[0]["type"] == "header" and len(blocks[0]["text"]["text"]) == 150
    assert blocks[1]["text"]["text"] == "*second heading*"
    assert [len(b["fields"]) for b in blocks[2:4]] == [10, 3]
    ids = [e["action_id"] for b in blocks[4:6] for e in b["elements"]]
    assert len(ids) == len(set(ids)) == 30 and ids[0] == "studybot.checkin.0"


def test_links_only_link_web_addresses() -> None:
    blocks = render.render_blocks(
        Message(
            text="t",
            blocks=(
                Links(
                    (
                        Link("Good | fine <3", "https://example.org/a?b=1&c=2"),
                        Link("Bad", "javascript:alert(1)"),
                    )
                ),
            ),
        )
    )
    shown = texts(blocks)
    assert "<https://example.org/a?b=1&amp;c=2|Good ¦ fine &lt;3>" in shown
    assert "Bad: javascript:alert(1)" in shown


def test_attachments_are_shown_inline_as_code() -> None:
    csv = Attachment("checkins.csv", b"name,status\nAda,done\n<b>,&\n", "text/csv")
    blocks = render.render_blocks(
        Message(text="Here", blocks=(Paragraph("Here"),), attachments=(csv,))
    )
    assert blocks_problems(blocks) == []
    assert "```name,status\nAda,done\n&lt;b&gt;,&amp;\n```" in texts(blocks)


def test_every_kickoff_of_every_shipped_syllabus_fits_block_kit() -> None:
    from bot.core.services.runs import _meeting_row, content_of
    from bot.domain.calendar import plan_calendar
    from bot.domain.schedule import ScheduleSpec

    library = Library(CONTENT)
    for syllabus_id in library.ids():
        syllabus = library.get(syllabus_id)
        spec = ScheduleSpec.model_validate(
            {"syllabus": syllabus_id, "start": "2026-10-05", "weekday": "monday", "time": "18:00",
             "timezone": "UTC"}
        )  # fmt: skip
        planned = plan_calendar(syllabus, spec)
        for n, row in enumerate(_meeting_row(SimpleNamespace(id=1), p) for p in planned):  # type: ignore[arg-type]
            row.id = n + 1
            message = posts.kickoff(
                syllabus=syllabus,
                meeting=row,
                contents=content_of(row, syllabus),
                total=len(planned),
                zone="UTC",
            )
            assert blocks_problems(render.render_blocks(message)) == [], (syllabus_id, n)
            assert len(render.fallback_text(message)) <= render.FALLBACK_LIMIT
            for number, question in enumerate(content_of(row, syllabus)[0].unit.questions, 1):
                post = posts.discussion_question(number, question, "unit")
                assert blocks_problems(render.render_blocks(post)) == []


def test_views_fit_slack() -> None:
    home = render.home_view(
        Message(
            text="h",
            blocks=(
                Heading("Your study groups"),
                Heading("#C0GROUP01: Vectors"),
                Paragraph("#C0GROUP01: nothing is being read yet."),
            ),
        )
    )
    assert view_problems(home) == []
    assert texts(home["blocks"]).splitlines() == [
        "Your study groups",
        "*<#C0GROUP01>: Vectors*",
        "<#C0GROUP01>: nothing is being read yet.",
    ]
    modal = render.ask_modal(
        private_metadata=encode_origin(channel="C1", thread=None), max_length=4000
    )
    assert view_problems(modal) == []


def test_slack_text_becomes_what_the_member_typed() -> None:
    assert member_text("a &lt;b&gt; &amp;lt; c") == "a <b> &lt; c"
    assert member_text("see <https://x.org/a|the notes> and <https://y.org>") == (
        "see the notes (https://x.org/a) and https://y.org"
    )
    assert member_text("in <#C123|general> cc <!here> <!subteam^S1|@tutors>") == (
        "in #general cc @here @tutors"
    )
    assert member_text("add <@U123|ada>") == "add <@U123|ada>"  # the core resolves mentions


def test_small_payload_readers() -> None:
    assert action_name("studybot.checkin.2") == "checkin"
    assert action_name("studybot.ask.3") == "ask"
    assert action_name("other.checkin.2") is None and action_name("studybot.") is None
    assert base_emoji("white_check_mark::skin-tone-3") == "white_check_mark"
    assert mentions("<@U0BOT> hi", "U0BOT") and mentions("<@U0BOT|bot>", "U0BOT")
    assert not mentions("<@U0BOTX>", "U0BOT")
    assert decode_origin(encode_origin(channel="C1", thread="1.2")) == ("C1", "1.2")
    for broken in ("", "[]", '{"channel": 3}', '{"thread": "1"}', "{"):
        assert decode_origin(broken) is None
    assert key_of({"metadata": metadata_for("k1")["metadata"]}) == "k1"
    assert key_of({"metadata": {"event_type": "other", "event_payload": {"key": "k1"}}}) is None
    assert metadata_for(None) == {}


def test_the_bot_token_only_goes_to_slack() -> None:
    assert trusted_host("https://files.slack.com/files-pri/T1-F1/a.yaml", api_host="slack.com")
    assert trusted_host("https://files.slack-gov.com/x", api_host="slack-gov.com")
    assert trusted_host("http://127.0.0.1:5555/files-pri/x", api_host="127.0.0.1")
    assert not trusted_host("https://evil.example/files-pri/x", api_host="slack.com")
    assert not trusted_host("https://slack.com.evil.example/x", api_host="slack.com")
    assert not trusted_host("file:///etc/passwd", api_host="slack.com")
