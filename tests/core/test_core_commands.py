"""Every /study command through the in-memory chat, with its refusals.

Runs on SQLite and on PostgreSQL (when STUDYBOT_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.memory import MemoryChat
from bot.core.models import FileEvent, Reply
from bot.core.moments import as_written
from bot.store.engine import session_factory
from bot.store.models import Answer, Base, CheckIn, Member, Question, Run, StoredSyllabus

from .harness import Harness

START = "start mml every monday at 18:30 tz Europe/Berlin"


def text(reply: Reply | None) -> str:
    """What the member reads, times in the group's zone (as the console shows them)."""
    assert reply is not None
    return as_written(reply.message.text)


async def started(h: Harness) -> None:
    """ada starts MML; bob and cy join; the clock moves into the first session."""
    assert "Starting Mathematics for Machine Learning" in text(
        await h.chat.command(START, by="ada")
    )
    await h.chat.join("bob")
    await h.chat.command("join", by="cy")
    await h.run_for(timedelta(days=4, hours=7), step=timedelta(hours=1))  # Mon 5 Oct, 19:00


async def count(h: Harness, model: type[Base]) -> int:
    async with h.bot.sessionmaker() as db:
        return await db.scalar(select(func.count()).select_from(model))


async def test_help_lists_commands_and_explains_one(harness: Harness) -> None:
    assert "/study checkin done|partial|behind" in text(
        await harness.chat.command("help", by="ada")
    )
    assert "organizers only" in text(await harness.chat.command("help skip", by="ada"))
    reply = await harness.chat.command("jion", by="ada")
    assert "Did you mean `/study join`?" in text(reply) and reply.ephemeral


async def test_commands_in_a_channel_without_a_group_explain_what_to_do(harness: Harness) -> None:
    for command in ("checkin done", "ask why?", "progress", "questions", "schedule", "pause", "me"):
        reply = text(await harness.chat.command(command, by="bob"))
        assert "no study group yet" in reply or "not in this group" in reply, (command, reply)


async def test_join_then_nothing_running(harness: Harness) -> None:
    assert "Welcome" in text(await harness.chat.command("join", by="bob"))
    assert "already in this group" in text(await harness.chat.command("join", by="bob"))
    assert "Nothing is being read here yet" in text(
        await harness.chat.command("checkin done", by="bob")
    )


async def test_first_to_start_becomes_organizer_and_others_are_refused(harness: Harness) -> None:
    await harness.chat.command(START, by="ada")
    await harness.chat.command("join", by="bob")
    for command in (
        "start strang-ila",
        "plan mml-berlin-mondays",
        "pause",
        "resume",
        "skip",
        "stop",
        "organizer add bob",
    ):
        assert "Only organizers can" in text(await harness.chat.command(command, by="bob")), command
    async with harness.bot.sessionmaker() as db:
        roles = dict((await db.execute(select(Member.display_name, Member.role))).all())
    assert roles == {"ada": "organizer", "bob": "member"}
    assert await count(harness, Run) == 1


async def test_start_refusals_change_nothing(harness: Harness) -> None:
    refusals = {
        "start nosuchbook": "There is no syllabus `nosuchbook`",
        "start mml every funday at 18:00": "unknown weekday 'funday'",
        "start mml at 25:00": "time",
        "start mml tz Mars/Olympus": "unknown time zone",
        "start mml from 2020-01-06": "in the past",
        "start mml from 2026-02-30": "start",
        "start mml pace 0": "pace",
    }
    for command, expected in refusals.items():
        assert expected in text(await harness.chat.command(command, by="ada")), command
    assert await count(harness, Run) == 0


async def test_plan_starts_from_a_schedule_file(harness: Harness) -> None:
    assert "no schedule `../etc/passwd`" in text(
        await harness.chat.command("plan ../etc/passwd", by="ada")
    )
    reply = await harness.chat.command("plan mml-berlin-mondays", by="ada")
    assert "12 sessions, every Monday at 18:30 (Europe/Berlin)" in text(reply)
    assert not reply.ephemeral
    assert "already running" in text(
        await harness.chat.command("plan mml-berlin-mondays", by="ada")
    )


async def test_checkin_replaces_and_is_per_session(harness: Harness) -> None:
    await started(harness)
    assert "partly" in text(
        await harness.chat.command("checkin partial chapter 1 was long", by="bob")
    )
    assert "done" in text(await harness.chat.command("checkin done finished it", by="bob"))
    async with harness.bot.sessionmaker() as db:
        rows = (await db.scalars(select(CheckIn))).all()
    assert [(r.status, r.note) for r in rows] == [("done", "finished it")]


async def test_two_checkins_at_once_leave_exactly_one(harness: Harness) -> None:
    await started(harness)
    await asyncio.gather(
        harness.chat.command("checkin done", by="bob"),
        harness.chat.command("checkin behind", by="bob"),
    )
    assert await count(harness, CheckIn) == 1


async def test_checkin_buttons_record_and_stale_buttons_do_not(harness: Harness) -> None:
    await started(harness)
    kickoff = harness.chat.channel_posts()[0]
    buttons = [
        b for block in kickoff.message.blocks if hasattr(block, "buttons") for b in block.buttons
    ]
    assert [b.label for b in buttons] == ["Done", "Partly", "Behind", "Ask a question"]
    assert "Checked in as done" in text(
        await harness.chat.click("checkin", buttons[0].value, by="cy")
    )
    await harness.chat.command("stop confirm", by="ada")
    stale = await harness.chat.click("checkin", buttons[2].value, by="cy")
    assert "run that has ended" in text(stale)
    assert "not valid" in text(await harness.chat.click("checkin", "bogus", by="cy"))
    async with harness.bot.sessionmaker() as db:
        assert (await db.scalars(select(CheckIn.status))).all() == ["done"]


async def test_ask_posts_question_opens_thread_answers_and_resolve(harness: Harness) -> None:
    await started(harness)
    harness.chat.pop_all()
    reply = await harness.chat.command(
        "ask Why is $A^T A$ symmetric? cc @here <@U999> <!channel>", by="bob"
    )
    assert "Question 1" in text(reply) and reply.ephemeral
    post, thread = [s for s in harness.chat.pop_all() if s.kind in ("post", "thread")]
    assert "$A^T A$" in post.text
    assert "@here" not in post.text and "<@U999>" not in post.text and "<!channel>" not in post.text
    assert thread.thread == post.ref
    await harness.chat.reply_in_thread(thread.ref, "Because (A^T A)^T = A^T A.", by="cy")
    await harness.chat.reply_in_thread(thread.ref, "Also see 3.8.", by="ada")
    assert "Only the person who asked" in text(
        await harness.chat.command("resolve", by="cy", thread=thread.ref)
    )
    assert "inside the question's thread" in text(await harness.chat.command("resolve", by="bob"))
    assert "Marked as resolved" in text(
        await harness.chat.command("resolve", by="bob", thread=thread.ref)
    )
    assert "already resolved" in text(
        await harness.chat.command("resolve", by="bob", thread=thread.ref)
    )
    updates = [s for s in harness.chat.pop_all() if s.kind == "update"]
    assert updates and updates[0].ref == post.ref and "resolved" in updates[0].text
    listed = text(await harness.chat.command("questions all", by="cy"))
    assert "Q1 [mml-01]" in listed and "2 answers, resolved" in listed
    assert "none" in text(await harness.chat.command("questions open", by="cy"))


async def test_a_checkmark_from_the_asker_resolves_and_from_others_does_nothing(
    harness: Harness,
) -> None:
    await started(harness)
    await harness.chat.command("ask What does rank measure?", by="bob")
    question_post = harness.chat.channel_posts()[-1]
    await harness.chat.react(question_post.ref, "white_check_mark", by="cy")
    await harness.chat.react(question_post.ref, "thumbsup", by="bob")
    async with harness.bot.sessionmaker() as db:
        assert await db.scalar(select(Question.status)) == "open"
    await harness.chat.react(question_post.ref, "white_check_mark", by="bob")
    async with harness.bot.sessionmaker() as db:
        assert await db.scalar(select(Question.status)) == "resolved"


async def test_an_organizer_may_resolve_any_question(harness: Harness) -> None:
    await started(harness)
    await harness.chat.command("ask Is a basis unique?", by="bob")
    thread = [s for s in harness.chat.adapter.said if s.kind == "thread"][-1]
    assert "Marked as resolved" in text(
        await harness.chat.command("resolve", by="ada", thread=thread.ref)
    )


async def test_overlong_input_is_refused_and_not_stored(harness: Harness) -> None:
    await started(harness)
    reply = await harness.chat.command("ask " + "why " * 2500, by="bob")
    assert "the limit is 4000" in text(reply) and "nothing was saved" in text(reply)
    assert await count(harness, Question) == 0


async def test_progress_me_and_schedule(harness: Harness) -> None:
    await started(harness)
    await harness.chat.command("checkin done", by="bob")
    await harness.chat.command("checkin behind too busy", by="cy")
    progress = text(await harness.chat.command("progress", by="ada"))
    assert "Session 1 of 12: Introduction and Motivation" in progress
    assert "Done: 1, Partly: 0, Behind: 1, No check-in: 1" in progress
    assert "Behind this week (reach out!): cy" in progress
    me = text(await harness.chat.command("me", by="bob"))
    assert "Week 1 Introduction and Motivation: Done" in me
    schedule = text(await harness.chat.command("schedule", by="bob"))
    assert "Week 2: Mon 12 Oct 2026, 18:30 CEST: Linear Algebra" in schedule
    assert "Week 4: Mon 26 Oct 2026, 18:30 CET: Matrix Decompositions" in schedule


async def test_streaks_count_consecutive_weeks(harness: Harness) -> None:
    await started(harness)
    for _ in range(3):
        await harness.chat.command("checkin done", by="bob")
        await harness.run_for(timedelta(days=7), step=timedelta(hours=6))
    assert "Streak: 3 weeks" in text(await harness.chat.command("me", by="bob"))


async def test_syllabus_list_and_show(harness: Harness) -> None:
    listing = text(await harness.chat.command("syllabus list", by="bob"))
    assert "mml: Mathematics for Machine Learning" in listing and "deep-learning" in listing
    assert "mml-02: Linear Algebra (53 pp., 15 h)" in text(
        await harness.chat.command("syllabus show mml", by="bob")
    )
    assert "There is no syllabus" in text(
        await harness.chat.command("syllabus show nope", by="bob")
    )


async def test_skip_pause_resume_stop(harness: Harness) -> None:
    await started(harness)
    skipped = text(await harness.chat.command("skip", by="ada"))
    assert "Week 3: Mon 19 Oct 2026, 18:30 CEST: Linear Algebra" in skipped
    assert "Paused" in text(await harness.chat.command("pause", by="ada"))
    assert "paused" in text(await harness.chat.command("checkin done", by="bob"))
    assert "already paused" in text(await harness.chat.command("pause", by="ada"))
    report = await harness.run_for(timedelta(days=21), step=timedelta(hours=6))
    assert report.sent == []  # nothing is posted while paused
    resumed = text(await harness.chat.command("resume", by="ada"))
    # Paused over the 19th and 26th: Linear Algebra moves to the next Monday, 2 November.
    assert "Week 5: Mon 02 Nov 2026, 18:30 CET: Linear Algebra" in resumed
    assert "not paused" in text(await harness.chat.command("resume", by="ada"))
    assert "Stopped" in text(await harness.chat.command("stop confirm", by="ada"))
    assert "Nothing is being read" in text(await harness.chat.command("schedule", by="bob"))


async def test_organizer_add_and_remove(harness: Harness) -> None:
    await started(harness)
    assert "can't find a member" in text(await harness.chat.command("organizer add zed", by="ada"))
    assert "bob is now an organizer" in text(
        await harness.chat.command("organizer add <@U-bob|bob>", by="ada")
    )
    assert "Paused" in text(await harness.chat.command("pause", by="bob"))
    assert "no longer an organizer" in text(
        await harness.chat.command("organizer remove bob", by="ada")
    )
    assert "at least one organizer" in text(
        await harness.chat.command("organizer remove ada", by="ada")
    )


async def test_platform_admins_count_as_organizers(harness: Harness) -> None:
    await started(harness)
    harness.chat.admins.add("mod")
    assert "Paused" in text(await harness.chat.command("pause", by="mod"))


async def test_leave_and_rejoin_by_channel_membership(harness: Harness) -> None:
    await started(harness)
    await harness.chat.leave("bob")
    assert "not in this group" not in text(
        await harness.chat.command("me", by="bob")
    )  # kept, but left
    async with harness.bot.sessionmaker() as db:
        left = await db.scalar(select(Member.left_at).where(Member.display_name == "bob"))
    assert left is not None
    assert "Welcome" in text(await harness.chat.join("bob"))
    assert "You left the group" in text(await harness.chat.command("leave", by="cy"))
    assert "only organizer" in text(await harness.chat.command("leave", by="ada"))


async def test_reminders_by_dm(harness: Harness) -> None:
    await started(harness)
    assert "direct message" in text(await harness.chat.command("reminders dm", by="cy"))
    await harness.run_for(timedelta(days=3), step=timedelta(hours=1))
    dms = [s for s in harness.chat.adapter.said if s.kind == "dm"]
    assert [d.to for d in dms] == ["U-cy"]
    nudge = [s for s in harness.chat.channel_posts() if "Mid-week nudge" in s.text]
    assert nudge and "3 of 3 members have not checked in" in nudge[0].text
    assert "@" not in nudge[0].text  # no mass mentions


async def test_export_csv_and_ical(harness: Harness) -> None:
    await started(harness)
    await harness.chat.command("checkin done =HYPERLINK(1)", by="bob")
    csv_reply = await harness.chat.command("export csv", by="ada")
    attachment = csv_reply.message.attachments[0]
    rows = list(csv.DictReader(io.StringIO(attachment.content.decode())))
    assert [(r["member"], r["status"]) for r in rows] == [("bob", "done")]
    assert "note" not in rows[0] and "HYPERLINK" not in attachment.content.decode()  # private
    ics = (await harness.chat.command("export ical", by="bob")).message.attachments[0]
    events = [c for c in Calendar.from_ical(ics.content).walk("VEVENT")]
    assert len(events) == 12
    assert str(events[1]["summary"]) == "Study group: Linear Algebra"
    assert events[3].decoded("dtstart").isoformat() == "2026-10-26T17:30:00+00:00"


async def test_the_same_event_delivered_twice_changes_nothing(harness: Harness) -> None:
    await started(harness)
    first = await harness.chat.command("ask What is a kernel?", by="bob", event_id="slack-retry-1")
    again = await harness.chat.command("ask What is a kernel?", by="bob", event_id="slack-retry-1")
    assert first is not None and again is None
    await harness.chat.reply_in_thread("m-x", "noise", by="cy", event_id="t1")
    thread = [s for s in harness.chat.adapter.said if s.kind == "thread"][-1]
    await harness.chat.reply_in_thread(thread.ref, "An answer", by="cy", event_id="t2")
    await harness.chat.reply_in_thread(thread.ref, "An answer", by="cy", event_id="t2")
    assert await count(harness, Question) == 1
    assert await count(harness, Answer) == 1


async def test_a_question_asked_while_the_platform_is_down_is_kept_and_posted_once(
    harness: Harness,
) -> None:
    await started(harness)

    async def broken_post(*args: object, **kwargs: object) -> str:
        raise ConnectionError("platform down")

    harness.chat.adapter.post = broken_post  # type: ignore[method-assign]
    reply = await harness.chat.command("ask Will this be lost?", by="bob", event_id="ask-1")
    assert "Question 1" in text(reply)
    assert await count(harness, Question) == 1  # kept, with its post waiting in the ledger
    assert not [s for s in harness.chat.adapter.said if "Will this be lost?" in s.text]
    del harness.chat.adapter.post  # the platform is back: the ledger's next tick posts it
    assert await harness.chat.command("ask Will this be lost?", by="bob", event_id="ask-1") is None
    await harness.run_for(timedelta(minutes=1))
    posted = [s for s in harness.chat.adapter.said if "Will this be lost?" in s.text]
    assert [s.kind for s in posted] == ["post"]
    threads = [s for s in harness.chat.adapter.said if s.kind == "thread"]
    async with harness.bot.sessionmaker() as db:
        question = await db.scalar(select(Question))
    assert question is not None
    assert (question.message_ref, question.thread_ref) == (posted[0].ref, threads[-1].ref)


async def test_database_sessions_are_independent_of_the_harness(engine: AsyncEngine) -> None:
    async with session_factory(engine)() as db:
        assert await db.scalar(select(func.count()).select_from(Run)) == 0


async def test_the_askers_own_thread_messages_are_not_answers(harness: Harness) -> None:
    await started(harness)
    await harness.chat.command("ask Why orthonormal bases?", by="bob")
    thread = [s for s in harness.chat.adapter.said if s.kind == "thread"][-1]
    await harness.chat.reply_in_thread(thread.ref, "To clarify: in 3.5", by="bob")
    await harness.chat.reply_in_thread(thread.ref, "Projections become dot products.", by="cy")
    await harness.chat.reply_in_thread(thread.ref, "Thanks!", by="bob")
    assert await count(harness, Answer) == 1


async def test_history_stays_readable_after_the_run_ends(harness: Harness) -> None:
    await started(harness)
    await harness.chat.command("checkin done", by="bob")
    await harness.chat.command("ask What did we learn?", by="cy")
    await harness.chat.command("stop confirm", by="ada")
    assert "Q1" in text(await harness.chat.command("questions all", by="bob"))
    assert "Week 1 Introduction and Motivation: Done" in text(
        await harness.chat.command("me", by="bob")
    )
    # Progress is about the run being read, as a check-in is: both say the run was stopped.
    progress = text(await harness.chat.command("progress", by="ada"))
    checkin = text(await harness.chat.command("checkin done", by="bob"))
    assert progress == checkin
    assert progress.startswith("Nothing is being read here now: the last syllabus was stopped")
    exported = await harness.chat.command("export csv", by="ada")  # the organizers' record
    assert exported is not None and "This syllabus was stopped on" in text(exported)
    assert "This syllabus was stopped on" in text(await harness.chat.command("me", by="bob"))


async def test_reminder_grammar_for_one_member(harness: Harness) -> None:
    await started(harness)
    await harness.chat.command("checkin done", by="ada")
    await harness.chat.command("checkin done", by="bob")
    await harness.run_for(timedelta(days=3), step=timedelta(hours=1))
    nudge = [s for s in harness.chat.channel_posts() if "Mid-week nudge" in s.text]
    assert "1 of 3 members has not checked in" in nudge[0].text


async def upload(
    h: Harness, content: bytes, *, by: str, name: str = "my-book.yaml", size: int | None = None
) -> Reply | None:
    event = FileEvent(
        who=h.chat.person(by), where=h.chat.place(), event_id=f"file-{by}-{name}-{len(content)}",
        filename=name, size=len(content) if size is None else size, content=content,
    )  # fmt: skip
    return await h.bot.handle(event)


MY_BOOK = (
    "id: my-book\ntitle: My Notes\nauthors: [Ada]\nunits:\n"
    "  - id: u1\n    title: Vectors\n    readings: [{section: '1', title: Vectors, pages: 1-9}]\n"
    "    topics: [vectors]\n    hours: 2\n    questions:\n"
    "      - Why do we add vectors tip to tail?\n      - Compare a vector with a point.\n"
    "      - Explain a basis to a friend.\n"
)


async def test_an_uploaded_syllabus_is_validated_stored_and_startable(harness: Harness) -> None:
    reply = await upload(harness, MY_BOOK.encode(), by="ada")
    assert "Loaded `my-book`: My Notes, 1 unit." in text(reply) and not reply.ephemeral
    assert "Starting My Notes" in text(await harness.chat.command("start my-book", by="ada"))


async def test_a_broken_upload_gets_the_validation_report_and_changes_nothing(
    harness: Harness,
) -> None:
    await harness.chat.command(START, by="ada")
    broken = MY_BOOK.replace("title: My Notes", "titel: My Notes").encode()
    reply = text(await upload(harness, broken, by="ada"))
    assert "my-book.yaml:2:1: titel: unknown key 'titel' (did you mean 'title'?)" in reply
    assert reply.endswith("2 problems in 1 file")
    assert "is not UTF-8" in text(
        await upload(harness, b"\xff\xfe binary", by="ada", name="x.yaml")
    )
    too_big = text(await upload(harness, b"", by="ada", name="big.yaml", size=50 * 1024 * 1024))
    assert "files larger than 1 MiB are refused" in too_big
    assert "Only organizers can load a syllabus" in text(
        await upload(harness, MY_BOOK.encode(), by="bob")
    )
    assert "There is no syllabus `my-book`" in text(
        await harness.chat.command("syllabus show my-book", by="ada")
    )
    async with harness.bot.sessionmaker() as db:
        assert await db.scalar(select(func.count()).select_from(Run)) == 1


async def test_home_shows_groups_reading_and_streak(harness: Harness) -> None:
    await started(harness)
    await harness.chat.command("checkin done", by="bob")
    home = await harness.bot.home(platform="memory", workspace="local", user_id="U-bob")
    assert "#study-group: Introduction and Motivation" in home.text
    assert "§1.1 Finding Words for Intuitions (p. 12)" in home.text
    assert "Your streak: 1 week" in home.text
    nobody = await harness.bot.home(platform="memory", workspace="local", user_id="U-zed")
    assert "no study group yet" in nobody.text


async def test_a_hundred_channels_start_the_same_book_at_once(harness: Harness) -> None:
    chats = [
        MemoryChat(
            bot=harness.bot,
            adapter=harness.chat.adapter,
            channel=f"group-{n}",
            event_prefix=f"group-{n}-",
        )
        for n in range(100)
    ]
    replies = await asyncio.gather(*(chat.command(START, by="ada") for chat in chats))
    assert all("Starting Mathematics for Machine Learning" in text(r) for r in replies)
    assert await count(harness, Run) == 100
    async with harness.bot.sessionmaker() as db:
        copies = await db.scalar(select(func.count()).select_from(StoredSyllabus))
    assert copies == 1  # one stored copy of the book, shared by every run
