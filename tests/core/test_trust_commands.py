"""Commands that never contradict themselves, leave no dead end, and give organizers the tools
they lack (issue "Trust"): each test failed before its fix."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.core.models import Actions, Button, Fields
from bot.store.models import Member, Question, Run

from .harness import Harness
from .test_core_commands import START, count, started, text


def buttons_of(reply_or_post: object) -> list[Button]:
    message = reply_or_post.message  # type: ignore[attr-defined]
    return [b for block in message.blocks if isinstance(block, Actions) for b in block.buttons]


async def run_status(h: Harness) -> list[str]:
    async with h.bot.sessionmaker() as db:
        return list((await db.scalars(select(Run.status))).all())


async def test_one_session_is_one_session(harness: Harness) -> None:
    reply = text(await harness.chat.command("start mml pace 12", by="ada"))
    assert "1 session," in reply and "1 sessions" not in reply


async def test_skip_while_paused_says_what_to_type_and_changes_nothing(harness: Harness) -> None:
    await started(harness)
    await harness.chat.command("pause", by="ada")
    reply = text(await harness.chat.command("skip", by="ada"))
    assert "paused" in reply and "`/study resume`" in reply and "nothing changed" in reply
    assert "Planned so far" not in reply  # not the pause listing
    async with harness.bot.sessionmaker() as db:
        assert (await db.scalar(select(Run.skipped))) == []


async def test_a_checkin_button_for_no_such_session_is_not_valid(harness: Harness) -> None:
    await started(harness)
    reply = text(await harness.chat.click("checkin", "99:done", by="bob"))
    assert "not valid any more" in reply and "no such session" in reply
    assert "ended" not in reply


async def test_a_question_in_a_two_unit_session_files_under_the_unit_it_names(
    harness: Harness,
) -> None:
    await harness.chat.command("start mml pace 2 every monday at 18:30 tz Europe/Berlin", by="ada")
    await harness.chat.command("join", by="bob")
    await harness.chat.command("join", by="cy")
    await harness.run_for(timedelta(days=4, hours=7), step=timedelta(hours=1))
    kickoff = harness.chat.channel_posts()[0].message
    assert ("Units", "mml-01, mml-02") in next(
        b for b in kickoff.blocks if isinstance(b, Fields)
    ).pairs
    assert "`/study ask mml-02 <question>`" in kickoff.text or any(
        "`/study ask mml-02 <question>`" in getattr(b, "text", "") for b in kickoff.blocks
    )
    named = text(await harness.chat.command("ask mml-02 Why is a basis unique?", by="bob"))
    assert "(unit mml-02)" in named
    bracketed = text(await harness.chat.command("ask [MML-02] And the rank?", by="bob"))
    assert "(unit mml-02)" in bracketed
    plain = text(await harness.chat.command("ask What is a vector?", by="bob"))
    assert "(unit mml-01)" in plain and "`/study ask mml-02 ...`" in plain
    async with harness.bot.sessionmaker() as db:
        filed = (await db.execute(select(Question.unit_id, Question.text))).all()
    assert filed == [
        ("mml-02", "Why is a basis unique?"),
        ("mml-02", "And the rank?"),
        ("mml-01", "What is a vector?"),
    ]
    listed = text(await harness.chat.command("questions open mml-02", by="cy"))
    assert "Why is a basis unique?" in listed and "What is a vector?" not in listed


async def test_adding_an_organizer_again_is_private_and_changes_nothing(harness: Harness) -> None:
    await harness.chat.command(START, by="ada")
    await harness.chat.command("join", by="bob")
    assert "now an organizer" in text(await harness.chat.command("organizer add bob", by="ada"))
    again = await harness.chat.command("organizer add bob", by="ada")
    assert again is not None and again.ephemeral
    assert "bob is already an organizer" in text(again)
    assert [s for s in harness.chat.channel_posts() if "organizer" in s.text] == [
        s for s in harness.chat.channel_posts() if "now an organizer" in s.text
    ]


async def test_organizers_are_listed_and_the_refusal_says_how(harness: Harness) -> None:
    await harness.chat.command(START, by="ada")
    await harness.chat.command("join", by="bob")
    refusal = text(await harness.chat.command("pause", by="bob"))
    assert "Only organizers can" in refusal and "`/study organizers`" in refusal
    listed = await harness.chat.command("organizers", by="bob")
    assert listed is not None and listed.ephemeral and "Organizers: ada." in text(listed)
    assert "/study organizers" in text(await harness.chat.command("help", by="bob"))


async def test_starting_while_running_gives_advice_that_works(harness: Harness) -> None:
    await harness.chat.command(START, by="ada")
    reply = text(await harness.chat.command("start strang-ila", by="ada"))
    assert "`/study stop`" in reply and "`/study pause`" not in reply
    assert await count(harness, Run) == 1


async def test_reminders_off_means_no_nudge_at_all(harness: Harness) -> None:
    await started(harness)
    assert "off" in text(await harness.chat.command("reminders off", by="bob"))
    assert "direct message" in text(await harness.chat.command("reminders dm", by="cy"))
    async with harness.bot.sessionmaker() as db:
        modes = dict((await db.execute(select(Member.display_name, Member.reminders))).all())
    assert modes == {"ada": "channel", "bob": "off", "cy": "dm"}
    await harness.run_for(timedelta(days=3), step=timedelta(hours=1))
    assert [s.to for s in harness.chat.adapter.said if s.kind == "dm"] == ["U-cy"]
    (nudge,) = [s for s in harness.chat.channel_posts() if "Mid-week nudge" in s.text]
    assert "2 of 2 members have not checked in" in nudge.text
    assert "1 member with reminders off is not counted" in nudge.text
    assert "/study reminders dm|channel|off" in text(await harness.chat.command("help", by="bob"))


async def test_a_question_filter_names_real_units_and_posts_show_unit_ids(
    harness: Harness,
) -> None:
    await started(harness)
    refusal = text(await harness.chat.command("questions open bogus", by="bob"))
    assert "no unit `bogus`" in refusal and "mml-01, mml-02" in refusal and "none" not in refusal
    kickoff = harness.chat.channel_posts()[0].message
    assert ("Unit", "mml-01") in next(b for b in kickoff.blocks if isinstance(b, Fields)).pairs
    assert "[mml-02]" in text(await harness.chat.command("schedule", by="bob"))


async def test_schedule_all_shows_every_session_the_breaks_and_the_end(harness: Harness) -> None:
    await harness.chat.command("plan mml-berlin-mondays", by="ada")
    listing = text(await harness.chat.command("schedule all", by="ada"))
    assert "All 12 sessions" in listing
    assert listing.count("Week ") == 12 and "[mml-12]" in listing
    assert "2026-12-21 to 2027-01-03 (Winter holidays)" in listing
    assert "the run ends with its weekly summary" in listing
    assert text(await harness.chat.command("schedule", by="ada")).count("Week ") == 5


async def test_stop_asks_first_then_the_button_or_confirm_stops(harness: Harness) -> None:
    await started(harness)
    asked = await harness.chat.command("stop", by="ada")
    assert asked is not None and asked.ephemeral and "Stop the run" in str(asked.message.blocks)
    assert await run_status(harness) == ["active"]  # asking changes nothing
    (button,) = buttons_of(asked)
    assert (button.action, button.style) == ("stop", "danger")
    assert "Only organizers" in text(await harness.chat.click("stop", button.value, by="bob"))
    assert await run_status(harness) == ["active"]
    stopped = await harness.chat.click("stop", button.value, by="ada")
    assert stopped is not None and not stopped.ephemeral and "Stopped" in text(stopped)
    assert await run_status(harness) == ["cancelled"]
    assert "no longer running" in text(await harness.chat.click("stop", button.value, by="ada"))
    await harness.chat.command("start strang-ila", by="ada")
    assert "Stopped" in text(await harness.chat.command("stop confirm", by="ada"))
    assert await run_status(harness) == ["cancelled", "cancelled"]


async def test_start_dates_far_ahead_and_zone_abbreviations_are_refused(harness: Harness) -> None:
    far = text(await harness.chat.command("start mml from 2126-01-01", by="ada"))
    assert "more than two years ahead" in far and "`from YYYY-MM-DD`" in far
    for zone in ("EST", "CET", "UTC+2", "Etc/GMT+5", "+05:00"):
        refusal = text(await harness.chat.command(f"start mml tz {zone}", by="ada"))
        assert "daylight saving" in refusal and "`tz Europe/Berlin`" in refusal, zone
    assert await count(harness, Run) == 0
    assert "Starting" in text(await harness.chat.command("start mml tz UTC", by="ada"))


async def test_the_meeting_link_and_place_show_in_each_kickoff_and_nudge(
    harness: Harness,
) -> None:
    await harness.chat.command(START, by="ada")
    await harness.chat.command("join", by="bob")
    assert "starts with https://" in text(
        await harness.chat.command("meeting link meet.example.org/mml", by="ada")
    )
    refused = text(await harness.chat.command("meeting place Room 4", by="bob"))
    assert "Only organizers can set where the group meets" in refused, refused
    notice = await harness.chat.command("meeting link https://meet.example.org/mml", by="ada")
    assert notice is not None and not notice.ephemeral  # the group is told
    await harness.chat.command("meeting place Library, room 4 @here", by="ada")
    await harness.run_for(timedelta(days=8), step=timedelta(hours=6))
    posts = [p.text for p in harness.chat.channel_posts()]
    kickoff = next(p for p in posts if p.startswith("Week 1"))
    nudge = next(p for p in posts if "Mid-week" in p)
    for post in (kickoff, nudge):
        assert "Where: Library, room 4 @\u200bhere · Join: https://meet.example.org/mml" in post


async def test_a_post_before_each_session_when_organizers_ask_for_one(harness: Harness) -> None:
    await harness.chat.command(START, by="ada")  # Mondays 18:30 in Berlin, from 5 October
    await harness.chat.command("join", by="bob")
    assert "at most 1 day" in text(await harness.chat.command("remind before 2d", by="ada"))
    assert "Say `before 30m`" in text(await harness.chat.command("remind soon", by="ada"))
    notice = await harness.chat.command("remind before 30m", by="ada")
    assert notice is not None and not notice.ephemeral
    assert "a post 30 minutes before each session" in text(notice)
    await harness.chat.command("meeting link https://meet.example.org/mml", by="ada")
    await harness.run_until(harness.clock.now() + timedelta(days=4, hours=5))  # Mon 18:01
    said = [p for p in harness.chat.channel_posts() if p.text.startswith("Starting in")]
    assert [p.text for p in said] == [
        "Starting in 30 minutes: Session 1, “Introduction and Motivation”. "
        "Join: https://meet.example.org/mml"
    ]
    assert said[0].at is not None and said[0].at.strftime("%H:%M") == "16:00"  # 18:00 Berlin
    await harness.chat.command("remind off", by="ada")
    await harness.run_until(harness.clock.now() + timedelta(days=8))
    assert len([p for p in harness.chat.channel_posts() if p.text.startswith("Starting in")]) == 1
