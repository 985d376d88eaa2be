"""What members read about the group and themselves: help, progress, me, exports, the home page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import exports, grammar, replies
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.handlers.lookup import group_here, run_of
from bot.core.models import Block, Heading, Message, Paragraph, Reply, say
from bot.core.services import checkins, groups, questions, runs, tally
from bot.domain.states import CheckinStatus
from bot.store.models import Group, Member


async def help_topic(ctx: Context, command: grammar.Help) -> Reply:
    """``/study help [command]``."""
    return say(grammar.help_text(command.topic))


async def progress(ctx: Context, command: grammar.Progress) -> Reply:
    """``/study progress``: the group in the meeting being read now."""
    group = await group_here(ctx)
    run = await run_of(ctx, group, history=True)
    meetings = await runs.meetings_of(ctx.db, run)
    current = runs.current_meeting(meetings, ctx.now)
    if current is None:
        return replies.first_meeting_ahead(meetings[0], run.timezone)
    return replies.progress(await tally.week_tally(ctx.db, group, current, meetings), len(meetings))


async def me(ctx: Context, command: grammar.Me) -> Reply:
    """``/study me``: only ever about the member who asks."""
    group = await group_here(ctx)
    member = await groups.find_member(ctx.db, group, ctx.who.user_id)
    if member is None:
        raise Refusal(replies.NOT_JOINED)
    run = await runs.latest_run(ctx.db, group)
    if run is None:
        return say("No syllabus is running in this group yet.")
    meetings = await runs.meetings_of(ctx.db, run)
    started = [m for m in meetings if m.starts_at <= ctx.now]
    mine = [
        c
        for c in await checkins.checkins_for(ctx.db, [m.id for m in started])
        if c.member_id == member.id
    ]
    still_open = await questions.list_questions(ctx.db, run, scope="open", unit=None)
    return replies.me(
        member.display_name,
        started=started,
        mine={c.meeting_id: CheckinStatus(c.status) for c in mine},
        streak=checkins.streak(member.id, started, mine),
        own_open=[q for q in still_open if q.member_id == member.id],
    )


async def export(ctx: Context, command: grammar.Export) -> Reply:
    """``/study export csv|ical``: the group's check-ins, or its calendar."""
    group = await group_here(ctx)
    run = await run_of(ctx, group, history=True)
    if command.format == "csv":
        attachment = await exports.checkins_csv(ctx.db, run)
    else:
        syllabus = await runs.syllabus_of_run(ctx.db, run)
        attachment = await exports.calendar_ics(ctx.db, run, syllabus)
    text = f"Here is {attachment.filename}."
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
        started = [m for m in meetings if m.starts_at <= now]
        mine = await checkins.checkins_for(db, [m.id for m in started])
        blocks += replies.home_group(
            group.channel,
            current=started[-1] if started else None,
            first=meetings[0],
            zone=run.timezone,
            streak=checkins.streak(member.id, started, mine),
            role=member.role,
        )
    return replies.page(blocks)
