"""The one tally of a group's week: check-ins counted, streaks, who is behind, open questions.
``/study progress`` and the weekly summary both read it, so they can never disagree."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.services import checkins, groups, questions
from bot.domain.states import CheckinStatus
from bot.store.models import Group, Meeting, Member, Run

STALE_AFTER = timedelta(days=3)  # an open question this old is listed even with answers
STREAK_WORTH_SHOWING = 2


@dataclass(frozen=True, kw_only=True)
class WeekTally:
    """The group as of ``meeting``: its current members' check-ins for that meeting."""

    meeting: Meeting
    members: int
    counts: dict[CheckinStatus, int]
    silent: int  # current members with no check-in for the meeting
    streaks: tuple[tuple[str, int], ...]  # (name, weeks), longest first, only those worth showing
    behind: tuple[str, ...]  # names of members who checked in as behind


async def week_tally(
    db: AsyncSession, group: Group, meeting: Meeting, meetings: list[Meeting]
) -> WeekTally:
    """Count check-ins for ``meeting``; streaks run over it and every meeting before it."""
    members = await groups.current_members(db, group)
    started = [m for m in meetings if m.index <= meeting.index]
    everyone = await checkins.checkins_for(db, [m.id for m in started])
    current = {m.id for m in members}
    this_week = {
        c.member_id: CheckinStatus(c.status)
        for c in everyone
        if c.meeting_id == meeting.id and c.member_id in current
    }
    counts = Counter(this_week.values())
    streaks = sorted(
        ((m.display_name, checkins.streak(m.id, started, everyone)) for m in members),
        key=lambda pair: -pair[1],
    )
    return WeekTally(
        meeting=meeting,
        members=len(members),
        counts={status: counts.get(status, 0) for status in CheckinStatus},
        silent=sum(1 for m in members if m.id not in this_week),
        streaks=tuple((name, n) for name, n in streaks if n >= STREAK_WORTH_SHOWING),
        behind=tuple(
            m.display_name for m in members if this_week.get(m.id) == CheckinStatus.BEHIND
        ),
    )


@dataclass(frozen=True, kw_only=True)
class WaitingQuestion:
    """An open question the summary should bring up again."""

    text: str
    asker: str
    answers: int


async def waiting_questions(db: AsyncSession, run: Run, now: datetime) -> list[WaitingQuestion]:
    """Open questions nobody has answered, and any left open for more than a few days."""
    still_open = await questions.list_questions(db, run, scope="open", unit=None)
    answered = await questions.answer_counts(db, [q.id for q in still_open])
    waiting = []
    for question in still_open:
        if not answered.get(question.id) or question.created_at <= now - STALE_AFTER:
            asker = await db.get(Member, question.member_id)
            waiting.append(
                WaitingQuestion(
                    text=question.text,
                    asker=asker.display_name if asker else "someone",
                    answers=answered.get(question.id, 0),
                )
            )
    return waiting
