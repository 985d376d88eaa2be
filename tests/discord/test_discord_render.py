"""Neutral messages as Discord messages: content or embed, markdown kept inert, limits kept."""

from __future__ import annotations

from bot.adapters.discord.components import StudyButton, parse_form_id, submitted_text
from bot.adapters.discord.markdown import markdown
from bot.adapters.discord.render import (
    CONTENT_LIMIT,
    DESCRIPTION_LIMIT,
    NO_PINGS,
    OVERFLOW_FILE,
    marker,
    nonce,
    own_topic,
    render,
    thread_name,
)
from bot.core import posts
from bot.core.models import (
    Actions,
    Button,
    Fields,
    Heading,
    Link,
    Links,
    Message,
    Paragraph,
    SmallPrint,
    say,
)


def test_a_short_reply_is_plain_content() -> None:
    rendered = render(say("Checked in as done for “Linear Algebra”. Thanks!").message)
    assert rendered.content == "Checked in as done for “Linear Algebra”. Thanks!"
    assert rendered.embeds == () and rendered.view() is None


def test_member_text_stays_literal_and_formulas_become_code() -> None:
    text = "Is $a_i * b_j$ the *same* as __this__? See [here](http://evil.example) `/study help`"
    assert markdown(text) == (
        "Is `a_i * b_j` the \\*same\\* as \\_\\_this\\_\\_? See \\[here](http://evil.example) "
        "`/study help`"
    )
    assert markdown("$x`y$") == "`` x`y ``"


def test_structure_becomes_one_embed_with_buttons() -> None:
    message = Message(
        text="Week 1",
        blocks=(
            Heading("Week 1 · Linear Algebra"),
            Paragraph("Read §2.1."),
            Heading("Key topics"),
            Fields((("Pages", "8"), ("Estimated hours", "2.0"))),
            Links((Link("Essence of Linear Algebra", "https://example.org/ela"),)),
            Actions((Button("Done", "checkin", "3:done", "primary"), Button("Ask", "ask", "3"))),
            SmallPrint("Reply in threads."),
        ),
    )
    rendered = render(message)
    (embed,) = rendered.embeds
    assert rendered.content is None
    assert embed.title == "Week 1 · Linear Algebra"
    assert embed.description == (
        "Read §2.1.\n\n**Key topics**\n[Essence of Linear Algebra](https://example.org/ela)"
        "\n\n-# Reply in threads."
    )
    assert [(f.name, f.value) for f in embed.fields] == [("Pages", "8"), ("Estimated hours", "2.0")]
    view = rendered.view()
    assert view is not None
    assert [item.to_component_dict()["custom_id"] for item in view.children] == [
        "studybot:checkin:3:done",
        "studybot:ask:3",
    ]
    assert rendered.send_kwargs()["allowed_mentions"] is NO_PINGS


def test_no_message_can_ping() -> None:
    assert NO_PINGS.to_dict() == {"parse": []}


def test_a_scheduled_post_carries_its_key_in_footer_and_nonce() -> None:
    key = "studybot:run1:session3:reminder:0"
    rendered = render(say("Mid-week nudge.").message, key=key)
    (embed,) = rendered.embeds
    assert embed.footer.text == f"studybot · {marker(key)}"
    assert marker(key) != marker(key, starter=True) != marker("studybot:run1:session3:reminder:1")
    assert len(nonce(key)) == 25 and nonce(key) == nonce(key)


def test_long_text_is_cut_to_discords_limits_and_attached_whole_in_replies() -> None:
    long = "x" * (DESCRIPTION_LIMIT + 500)
    rendered = render(say(long).message, reply=True)
    (embed,) = rendered.embeds
    assert embed.description is not None and len(embed.description) == DESCRIPTION_LIMIT
    assert embed.description.endswith("…")
    assert [a.filename for a in rendered.attachments] == [OVERFLOW_FILE]
    assert rendered.attachments[0].content == long.encode()
    assert render(say("y" * (CONTENT_LIMIT + 1)).message).content is None  # an embed then


def test_threads_are_named_by_the_message_and_topics_have_a_heading() -> None:
    question = posts.discussion_question(2, "Why is $Ax = b$ " + "long " * 40, "Linear Algebra")
    assert len(thread_name(question)) == 100 and thread_name(question).startswith("Discussion 2:")
    assert own_topic(question)
    assert not own_topic(Message(text="Answers go in this thread.", blocks=(Paragraph("..."),)))


def test_buttons_and_forms_round_trip_their_ids() -> None:
    button = StudyButton.of(Button("Partly", "checkin", "12:partial"))
    assert button.custom_id == "studybot:checkin:12:partial"
    assert (
        StudyButton.__discord_ui_compiled_template__.fullmatch(button.custom_id)["value"]
        == "12:partial"
    )
    assert parse_form_id("studybot-form:ask:12") == ("ask", "12")
    assert parse_form_id("someone-else:ask:12") is None
    submitted = {
        "components": [{"type": 18, "component": {"custom_id": "question", "value": "Why?"}}]
    }
    assert submitted_text(submitted, "question") == "Why?"
    legacy = {
        "components": [{"type": 1, "components": [{"custom_id": "question", "value": "How?"}]}]
    }
    assert submitted_text(legacy, "question") == "How?"


def test_times_are_discord_timestamps_except_where_discord_shows_none() -> None:
    from datetime import UTC, datetime

    from bot.core.moments import MARKERS, moment

    at = datetime(2026, 10, 26, 17, 30, tzinfo=UTC)
    when = moment(at, "Europe/Berlin")
    message = Message(
        text=f"Session at {when}",
        blocks=(Heading(f"Session at {when}"), Paragraph(f"Meeting {when}.")),
    )
    embed = render(message, key="k").embeds[0]
    assert embed.title == "Session at Mon 26 Oct 2026, 18:30 CET"  # titles show no timestamps
    assert embed.description == f"Meeting <t:{int(at.timestamp())}:F>."  # the reader's zone
    assert thread_name(message) == "Session at Mon 26 Oct 2026, 18:30 CET"
    plain = render(say(f"It starts {when}.").message)
    assert plain.content == f"It starts <t:{int(at.timestamp())}:F>."
    assert not any(m in str(embed.to_dict()) + str(plain.content) for m in MARKERS)
