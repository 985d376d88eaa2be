"""What members read about the group and themselves: help, progress, me, exports, the home page."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import access, exports, grammar, pictures, replies
from bot.core.context import Context
from bot.core.handlers.lookup import group_here, own_membership, run_of
from bot.core.models import Block, Heading, Message, Paragraph, Reply, ToDraw, say
from bot.core.posts import local_time
from bot.core.services import questions, runs, tally
from bot.domain.states import RunStatus
from bot.store.models import Group, Member


async def help_topic(ctx: Context, command: grammar.Help) -> Reply:
    """``/study help [command]``."""
    return say(grammar.help_text(command.topic))


async def progress(ctx: Context, command: grammar.Progress) -> Reply:
    """``/study progress``: the group in the session being read now, as the viewer may see it."""
    group = await group_here(ctx)
    run = await run_of(ctx, group)  # like a check-in: an ended run is history, not progress
    meetings = await runs.meetings_of(ctx.db, run)
    current = runs.current_meeting(meetings, ctx.now)
    if current is None:
        return replies.first_meeting_ahead(meetings[0], run.timezone)
    who = await access.viewer(ctx)
    assert who is not None  # the access rule admitted them in this group
    counted = await tally.week_tally(ctx.db, group, run, current, ctx.now)
    return replies.progress(
        access.progress_view(counted, who),
        len(meetings),
        mine=access.own_standing(counted, who),
    )


async def me(ctx: Context, command: grammar.Me) -> Reply:
    """``/study me``: only ever about the member who asks, with their own notes."""
    group = await group_here(ctx)
    member = await own_membership(ctx, group)
    run = await runs.latest_run(ctx.db, group)
    if run is None:
        return say("No syllabus is running in this group yet.")
    record = await tally.member_record(ctx.db, run, member, ctx.now)
    ended = None
    if run.ended_at is not None:
        ended = replies.run_ended(
            stopped=run.status == RunStatus.CANCELLED,
            ended=local_time(run.ended_at, run.timezone),
        )
    still_open = await questions.list_questions(ctx.db, run, scope="open", unit=None)
    reply = replies.me(
        member.display_name,
        started=record.sessions,
        mine=record.mine,
        streak=record.streak,
        own_open=[q for q in still_open if q.member_id == member.id],
        ended=ended,
    )
    if not record.sessions:
        return reply
    chart = pictures.member_chart(member.display_name, record.sessions, record.mine)
    return replace(reply, to_draw=ToDraw(member_chart=chart))  # for the member alone


async def export(ctx: Context, command: grammar.Export) -> Reply:
    """``/study export csv|ical``: the group's check-ins (organizers; never a note), or its
    calendar. An ended run's check-ins stay exportable: the organizers' record of it."""
    group = await group_here(ctx)
    run = await run_of(ctx, group, history=True)
    if command.format == "csv":
        attachment = await exports.checkins_csv(ctx.db, run)
    else:
        syllabus = await runs.syllabus_of_run(ctx.db, run)
        attachment = await exports.calendar_ics(ctx.db, run, syllabus)
    text = f"Here is {attachment.filename}."
    if run.ended_at is not None:
        text += " " + replies.run_ended(
            stopped=run.status == RunStatus.CANCELLED,
            ended=local_time(run.ended_at, run.timezone),
        )
    return Reply(message=Message(text=text, blocks=(Paragraph(text),), attachments=(attachment,)))


async def home_page(
    db: AsyncSession, *, platform: str, workspace: str, user_id: str, now: datetime
) -> Message:
    """A member's page (Slack's App Home): their groups, this week's reading, streaks."""
    rows = await db.execute(
        select(Member, Group)
        .join(Group, Group.id == Member.group_id)
        .where(
            Group.platform == platform,
            Group.workspace == workspace,
            Member.user_id == user_id,
            Member.left_at.is_(None),
        )
        .order_by(Group.id)
    )
    blocks: list[Block] = [Heading("Your study groups")]
    found = rows.all()
    if not found:
        blocks.append(
            Paragraph("You are in no study group yet: `/study join` in a group's channel.")
        )
    for member, group in found:
        run = await runs.open_run(db, group)
        if run is None:
            blocks.append(Paragraph(f"#{group.channel}: nothing is being read yet."))
            continue
        meetings = await runs.meetings_of(db, run)
        record = await tally.member_record(db, run, member, now)
        blocks += replies.home_group(
            group.channel,
            current=record.sessions[-1] if record.sessions else None,
            first=meetings[0],
            zone=run.timezone,
            streak=record.streak,
            role=member.role,
        )
    return replies.page(blocks)
