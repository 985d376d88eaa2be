"""The one tally of a group's reading: each member's check-in for a session and their streak.
``/study progress``, the weekly summary, ``/study me`` and the home page all read it, so they
can never disagree. The rule (also in the README, "How progress is counted"):

- A session is *held* once it has begun while the run was going: a stopped or finished run
  holds nothing after its end.
- A member's standing for a session is their latest check-in for it (done, partial, behind) or
  none. *Behind* means they said so; *no check-in* is counted apart.
- A streak is the number of consecutive held sessions, back from the one counted, with a done
  or partial check-in. Behind ends it at once, even for the session being read. A session still
  open (the current one of a running group) with no check-in yet does not end it: the member
  can still check in.
- A member who said they are away (``/study away until ...``) and has no check-in for a
  session in that time is counted as *away*: not behind, not "no check-in", and their streak
  passes over it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.services import checkins, groups, questions, runs
from bot.domain.states import ASKED, OPEN_RUN, CheckinStatus, QuestionStatus
from bot.store.models import Answer, CheckIn, Group, Meeting, Member, Question, Run

STALE_AFTER = timedelta(days=3)  # an open question this old is listed even with answers
STREAK_WORTH_SHOWING = 2
COUNTS_FOR_STREAK = (CheckinStatus.DONE, CheckinStatus.PARTIAL)


def held(run: Run, meetings: list[Meeting], now: datetime) -> list[Meeting]:
    """The sessions that have begun while the run was going, in order."""
    until = min(now, run.ended_at) if run.ended_at is not None else now
    return [m for m in meetings if m.starts_at <= until]


def still_open(run: Run, meetings: list[Meeting], meeting: Meeting, now: datetime) -> bool:
    """Whether members can still check in for ``meeting``: the session being read in a run
    that has not ended (a paused one included: check-ins resume with it)."""
    current = runs.current_meeting(meetings, now)
    return run.status in OPEN_RUN and current is not None and current.id == meeting.id


def streak(
    statuses: Sequence[CheckinStatus | None],
    *,
    last_open: bool,
    away: AbstractSet[int] = frozenset(),
) -> int:
    """Consecutive done or partial sessions, back from the last of ``statuses`` (oldest
    first). Behind ends the streak; an open last session without a check-in, and a session the
    member was away for (``away``: positions in ``statuses``) without one, are passed over."""
    count, last = 0, len(statuses) - 1
    for position, status in enumerate(reversed(statuses)):
        if status in COUNTS_FOR_STREAK:
            count += 1
        elif status is None and ((position == 0 and last_open) or last - position in away):
            continue
        else:
            break
    return count


def away_from(member: Member, sessions: Sequence[Meeting], zone: str) -> frozenset[int]:
    """The positions of the sessions ``member`` said they would be away for."""
    local = ZoneInfo(zone)
    return frozenset(
        i for i, s in enumerate(sessions) if member.away_on(s.starts_at.astimezone(local).date())
    )


def _statuses(
    member_id: int, sessions: list[Meeting], rows: list[CheckIn]
) -> list[CheckinStatus | None]:
    by_session = {c.meeting_id: CheckinStatus(c.status) for c in rows if c.member_id == member_id}
    return [by_session.get(m.id) for m in sessions]


@dataclass(frozen=True, kw_only=True)
class Standing:
    """One member in one session: their check-in (None when they have none) and streak."""

    member_id: int
    name: str
    status: CheckinStatus | None
    streak: int
    away: bool = False  # no check-in, and away for the session: not counted against them


@dataclass(frozen=True, kw_only=True)
class WeekTally:
    """The group as of ``meeting``: its current members' check-ins for that meeting. The
    counts are for everyone who may see the tally; the names only where ``names_shown``
    (``bot.core.access`` decides)."""

    meeting: Meeting
    members: int
    counts: dict[CheckinStatus, int]
    silent: int  # current members with no check-in for the meeting (and not away)
    on_streak: int  # members whose streak is worth showing
    standings: tuple[Standing, ...]  # every current member, in the order they joined
    names_shown: bool = True
    away: int = 0  # current members away for the meeting, with no check-in

    def _named(self, wanted: Sequence[Standing]) -> tuple[str, ...]:
        return tuple(s.name for s in wanted) if self.names_shown else ()

    @property
    def streaks(self) -> tuple[tuple[str, int], ...]:
        """(name, weeks) of the members on a streak worth showing, longest first."""
        if not self.names_shown:
            return ()
        worth = [s for s in self.standings if s.streak >= STREAK_WORTH_SHOWING]
        return tuple((s.name, s.streak) for s in sorted(worth, key=lambda s: -s.streak))

    @property
    def behind(self) -> tuple[str, ...]:
        """Names of the members who checked in as behind."""
        return self._named([s for s in self.standings if s.status == CheckinStatus.BEHIND])

    @property
    def not_checked_in(self) -> tuple[str, ...]:
        """Names of the members with no check-in for the meeting."""
        return self._named([s for s in self.standings if s.status is None])


async def week_tally(
    db: AsyncSession, group: Group, run: Run, meeting: Meeting, now: datetime
) -> WeekTally:
    """Count check-ins for ``meeting``; streaks run back from it over the held sessions."""
    meetings = await runs.meetings_of(db, run)
    sessions = [m for m in held(run, meetings, now) if m.index <= meeting.index]
    members = await groups.current_members(db, group)
    rows = await checkins.checkins_for(db, [m.id for m in sessions])
    last_open = still_open(run, meetings, meeting, now)
    standings = []
    for member in members:
        statuses = _statuses(member.id, sessions, rows)
        away = away_from(member, sessions, run.timezone)
        status = statuses[-1] if sessions and sessions[-1].id == meeting.id else None
        standings.append(
            Standing(
                member_id=member.id,
                name=member.display_name,
                status=status,
                streak=streak(statuses, last_open=last_open, away=away),
                away=status is None and bool(sessions) and len(sessions) - 1 in away,
            )
        )
    counts = Counter(s.status for s in standings if s.status is not None)
    return WeekTally(
        meeting=meeting,
        members=len(members),
        counts={status: counts.get(status, 0) for status in CheckinStatus},
        silent=sum(1 for s in standings if s.status is None and not s.away),
        on_streak=sum(1 for s in standings if s.streak >= STREAK_WORTH_SHOWING),
        standings=tuple(standings),
        away=sum(1 for s in standings if s.away),
    )


@dataclass(frozen=True, kw_only=True)
class QuestionWeek:
    """A week of Q&A for the summary: questions asked and resolved, and the members whose
    answers were accepted (thanked by name: their answers are in the thread for all to see)."""

    asked: int
    resolved: int
    helpers: tuple[str, ...]


async def question_week(
    db: AsyncSession, run: Run, since: datetime, until: datetime
) -> QuestionWeek:
    """The run's Q&A between ``since`` and ``until``."""
    window = (Question.run_id == run.id, Question.status.in_(ASKED))
    asked = await db.scalar(
        select(func.count()).where(
            *window, Question.created_at >= since, Question.created_at < until
        )
    )
    resolved = await db.scalar(
        select(func.count()).where(
            *window, Question.resolved_at >= since, Question.resolved_at < until
        )
    )
    helpers = await db.scalars(
        select(Member.display_name)
        .join(Answer, Answer.member_id == Member.id)
        .join(Question, Question.accepted_answer_id == Answer.id)
        .where(*window, Question.resolved_at >= since, Question.resolved_at < until)
        .group_by(Member.id, Member.display_name)
        .order_by(func.min(Question.resolved_at))
    )
    return QuestionWeek(asked=asked or 0, resolved=resolved or 0, helpers=tuple(helpers))


@dataclass(frozen=True, kw_only=True)
class Record:
    """One member's own record in a run: the held sessions, their check-ins, their streak."""

    sessions: list[Meeting]
    mine: dict[int, CheckIn]  # by meeting id, with the member's own notes
    streak: int


async def member_record(db: AsyncSession, run: Run, member: Member, now: datetime) -> Record:
    """A member's record, counted by the same rule as the group's tally."""
    meetings = await runs.meetings_of(db, run)
    sessions = held(run, meetings, now)
    rows = [
        c
        for c in await checkins.checkins_for(db, [m.id for m in sessions])
        if c.member_id == member.id
    ]
    last_open = bool(sessions) and still_open(run, meetings, sessions[-1], now)
    away = away_from(member, sessions, run.timezone)
    return Record(
        sessions=sessions,
        mine={c.meeting_id: c for c in rows},
        streak=streak(_statuses(member.id, sessions, rows), last_open=last_open, away=away),
    )


@dataclass(frozen=True, kw_only=True)
class WaitingQuestion:
    """An open question the summary should bring up again."""

    text: str
    asker: str
    answers: int


async def waiting_questions(db: AsyncSession, run: Run, now: datetime) -> list[WaitingQuestion]:
    """Open questions nobody has answered, and any left open for more than a few days."""
    unresolved = await questions.list_questions(db, run, scope="open", unit=None)
    answered = await questions.answer_counts(db, [q.id for q in unresolved])
    waiting = []
    for question in unresolved:
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


@dataclass(frozen=True, kw_only=True)
class SessionCount:
    """One held session as the chart of the weekly summary shows it: its current members'
    standings, counted by the same rule as ``week_tally``."""

    meeting: Meeting
    counts: dict[CheckinStatus, int]
    silent: int
    away: int = 0


async def history(
    db: AsyncSession, group: Group, run: Run, meeting: Meeting, now: datetime
) -> list[SessionCount]:
    """Every held session up to ``meeting``, oldest first, with its counts."""
    meetings = await runs.meetings_of(db, run)
    sessions = [m for m in held(run, meetings, now) if m.index <= meeting.index]
    members = await groups.current_members(db, group)
    rows = await checkins.checkins_for(db, [m.id for m in sessions])
    by_member = [
        (_statuses(member.id, sessions, rows), away_from(member, sessions, run.timezone))
        for member in members
    ]
    counted = []
    for position, session in enumerate(sessions):
        shown = Counter(statuses[position] for statuses, _ in by_member)
        away = sum(
            1 for statuses, gone in by_member if statuses[position] is None and position in gone
        )
        counted.append(
            SessionCount(
                meeting=session,
                counts={status: shown.get(status, 0) for status in CheckinStatus},
                silent=shown.get(None, 0) - away,
                away=away,
            )
        )
    return counted


async def question_counts(db: AsyncSession, run: Run) -> tuple[int, int]:
    """(open, resolved) questions of the run."""
    everything = await questions.list_questions(db, run, scope="all", unit=None)
    resolved = sum(1 for q in everything if q.status == QuestionStatus.RESOLVED)
    return len(everything) - resolved, resolved
