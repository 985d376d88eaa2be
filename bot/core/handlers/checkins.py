"""Check-ins, by command and by the kickoff's buttons."""

from __future__ import annotations

from bot.core import grammar, replies
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.handlers.lookup import group_here, member_here, run_of
from bot.core.models import ActionEvent, Reply
from bot.core.posts import CHECKIN_LABELS, local_time
from bot.core.services import checkins, runs
from bot.domain.states import OPEN_RUN, CheckinStatus
from bot.store.models import Meeting, Run


async def checkin(ctx: Context, command: grammar.CheckIn) -> Reply:
    """``/study checkin done|partial|behind [note]`` for the meeting being read now."""
    status = CheckinStatus(command.status)
    # Nearly every check-in is the usual one, done in one statement (many a second in a busy
    # workspace); the rest take the steps one by one, with the same outcome.
    title = await checkins.check_in_here(
        ctx.db, place=ctx.place, who=ctx.who, status=status, note=command.note, now=ctx.now
    )
    if title is None:
        title = await _check_in_step_by_step(ctx, status, command.note)
    return replies.checked_in(status, title, thanks=True)


async def _check_in_step_by_step(ctx: Context, status: CheckinStatus, note: str) -> str:
    """Refuse where the usual check-in cannot be, else enrol (or rename) the member first."""
    group = await group_here(ctx)
    run = await run_of(ctx, group, active=True)
    meetings = await runs.meetings_of(ctx.db, run)
    meeting = runs.current_meeting(meetings, ctx.now)
    if meeting is None:
        raise Refusal(
            f"The first session starts {local_time(meetings[0].starts_at, run.timezone)}; check in after it begins."
        )
    member = await member_here(ctx, group)
    await checkins.check_in(
        ctx.db, meeting_id=meeting.id, member_id=member.id, status=status, note=note, now=ctx.now
    )
    return meeting.title


async def click(ctx: Context, event: ActionEvent) -> Reply:
    """A kickoff's Done / Partly / Behind button; its value is ``<meeting id>:<status>``."""
    meeting_id, _, status = event.value.partition(":")
    if status not in CHECKIN_LABELS or not meeting_id.isdigit():
        raise Refusal("That button is not valid any more.")
    group = await group_here(ctx)
    meeting = await ctx.db.get(Meeting, int(meeting_id))
    run = await ctx.db.get(Run, meeting.run_id) if meeting else None
    if meeting is None or run is None or run.group_id != group.id or run.status not in OPEN_RUN:
        raise Refusal("That post belongs to a run that has ended; nothing was recorded.")
    if meeting.starts_at > ctx.now:
        raise Refusal("That session has not started yet.")
    member = await member_here(ctx, group)
    await checkins.check_in(
        ctx.db,
        meeting_id=meeting.id,
        member_id=member.id,
        status=CheckinStatus(status),
        note="",
        now=ctx.now,
    )
    return replies.checked_in(CheckinStatus(status), meeting.title, thanks=False)
