"""Check-ins, by command and by the kickoff's buttons."""

from __future__ import annotations

from bot.core import grammar, replies
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.handlers.lookup import group_here, own_membership, run_of
from bot.core.models import ActionEvent, Reply
from bot.core.posts import CHECKIN_LABELS, local_time
from bot.core.services import checkins, runs
from bot.domain.states import OPEN_RUN, CheckinStatus, RunStatus
from bot.store.models import Meeting, Run

MAX_ID_DIGITS = 18  # every id fits a 64-bit integer column


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
    """Refuse where the usual check-in cannot be, else take on the member's new name first."""
    group = await group_here(ctx)
    run = await run_of(ctx, group, active=True)
    meetings = await runs.meetings_of(ctx.db, run)
    meeting = runs.current_meeting(meetings, ctx.now)
    if meeting is None:
        raise Refusal(
            replies.not_started_yet(local_time(meetings[0].starts_at, run.timezone), first=True)
        )
    member = await own_membership(ctx, group)
    await checkins.check_in(
        ctx.db, meeting_id=meeting.id, member_id=member.id, status=status, note=note, now=ctx.now
    )
    return meeting.title


async def click(ctx: Context, event: ActionEvent) -> Reply:
    """A kickoff's Done / Partly / Behind button; its value is ``<meeting id>:<status>``."""
    meeting_id, _, status = event.value.partition(":")
    if status not in CHECKIN_LABELS or not _an_id(meeting_id):
        raise Refusal(replies.BUTTON_NOT_VALID)
    group = await group_here(ctx)
    meeting = await ctx.db.get(Meeting, int(meeting_id))
    run = await ctx.db.get(Run, meeting.run_id) if meeting else None
    if meeting is None or run is None or run.group_id != group.id:
        raise Refusal(replies.BUTTON_NOT_VALID)  # no such session in this group
    if run.status not in OPEN_RUN:
        raise Refusal(replies.RUN_ENDED)
    if run.status == RunStatus.PAUSED:  # as `/study checkin` says while paused
        raise Refusal(replies.PAUSED)
    if meeting.starts_at > ctx.now:
        raise Refusal(replies.not_started_yet(local_time(meeting.starts_at, run.timezone)))
    member = await own_membership(ctx, group)
    await checkins.check_in(
        ctx.db,
        meeting_id=meeting.id,
        member_id=member.id,
        status=CheckinStatus(status),
        note="",
        now=ctx.now,
    )
    return replies.checked_in(CheckinStatus(status), meeting.title, thanks=False)


def _an_id(text: str) -> bool:
    """Digits a database id can be (``isdigit`` alone also takes ``²`` and numbers no column
    holds)."""
    return text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS
