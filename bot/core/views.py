"""Replies that show state: progress, me, schedule, questions, syllabi."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.messages import CHECKIN_LABELS, cite, local_time
from bot.core.models import Bullets, Fields, Heading, Message, Paragraph, Reply, say
from bot.core.safety import defuse, one_line
from bot.core.services import checkins, groups, questions, runs
from bot.datafile import DataFileError
from bot.schedule_spec import ScheduleSpec
from bot.store.models import Group, Member, Run, Session
from bot.syllabus import Library, Syllabus


def _reply(title: str, blocks: list, *, ephemeral: bool = True) -> Reply:
    text = title + "\n" + "\n".join(_plain(b) for b in blocks)
    return Reply(message=Message(text=text, blocks=(Heading(title), *blocks)), ephemeral=ephemeral)


def _plain(block: object) -> str:
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, Bullets):
        return "\n".join(f"• {item}" for item in block.items)
    if isinstance(block, Fields):
        return ", ".join(f"{k}: {v}" for k, v in block.pairs)
    if isinstance(block, Heading):
        return block.text
    return ""


class Views:
    def __init__(self, *, library: Library) -> None:
        self.library = library

    def welcome(self, *, new: bool, run: Run | None) -> Reply:
        if not new:
            return say("You are already in this group. `/study me` shows your progress.")
        what = (
            "The group is reading along; `/study schedule` shows what is next."
            if run is not None
            else "No syllabus is running yet; an organizer starts one with `/study start <syllabus-id>`."
        )
        return say(
            f"Welcome to the study group! {what} Check in each week with `/study checkin done|partial|behind`, "
            "ask with `/study ask <question>`, and `/study help` lists everything."
        )

    def started(
        self, syllabus: Syllabus, spec: ScheduleSpec, sessions: list[Session], *, ephemeral: bool
    ) -> Reply:
        first = sessions[0]
        blocks = [
            Paragraph(
                f"{syllabus.title}: {len(sessions)} sessions, every {spec.weekday.title()} at {spec.time:%H:%M} "
                f"({spec.timezone}). The first one is {local_time(first.starts_at, spec.timezone)}: {first.title}."
            ),
            Paragraph("Join with `/study join`. `/study schedule` lists the dates."),
        ]
        return _reply(f"Starting {syllabus.title}", blocks, ephemeral=ephemeral)

    async def schedule(
        self,
        db: AsyncSession,
        run: Run,
        now: datetime,
        *,
        heading: str = "Coming up",
        ephemeral: bool = True,
    ) -> Reply:
        sessions = await runs.sessions_of(db, run)
        following = runs.upcoming(sessions, now)[:5]
        if run.status == "paused":
            heading = "Paused. When it resumes, sessions move back. Planned so far:"
        if not following:
            return _reply(
                heading, [Paragraph("No sessions left in this run.")], ephemeral=ephemeral
            )
        items = tuple(
            f"Week {s.week}: {local_time(s.starts_at, run.timezone)}: {s.title}" for s in following
        )
        return _reply(heading, [Bullets(items)], ephemeral=ephemeral)

    async def progress(self, db: AsyncSession, group: Group, run: Run, now: datetime) -> Reply:
        sessions = await runs.sessions_of(db, run)
        started = [s for s in sessions if s.starts_at <= now]
        if not started:
            return say(
                f"The first session starts {local_time(sessions[0].starts_at, run.timezone)}."
            )
        current = started[-1]
        members = await groups.current_members(db, group)
        all_checkins = await checkins.checkins_for(db, [s.id for s in started])
        this_week = {c.member_id: c.status for c in all_checkins if c.session_id == current.id}
        counts = Counter(this_week.values())
        fields = tuple((label, str(counts.get(key, 0))) for key, label in CHECKIN_LABELS.items())
        fields += (("No check-in", str(sum(1 for m in members if m.id not in this_week))),)
        streaks = sorted(
            ((m.display_name, checkins.streak(m.id, started, all_checkins)) for m in members),
            key=lambda p: -p[1],
        )
        behind = [m.display_name for m in members if this_week.get(m.id) == "behind"]
        blocks: list = [
            Paragraph(f"Session {current.index + 1} of {len(sessions)}: {current.title}"),
            Fields(fields),
        ]
        on_streak = [f"{defuse(name)}: {n}" for name, n in streaks if n >= 2]
        if on_streak:
            blocks += [Heading("Streaks"), Bullets(tuple(on_streak))]
        if behind:
            blocks += [
                Paragraph("Behind this week (reach out!): " + ", ".join(defuse(n) for n in behind))
            ]
        return _reply("Group progress", blocks)

    async def me(
        self, db: AsyncSession, group: Group, member: Member, run: Run | None, now: datetime
    ) -> Reply:
        if run is None:
            return say("No syllabus is running in this group yet.")
        sessions = await runs.sessions_of(db, run)
        started = [s for s in sessions if s.starts_at <= now]
        mine = [
            c
            for c in await checkins.checkins_for(db, [s.id for s in started])
            if c.member_id == member.id
        ]
        by_session = {c.session_id: c for c in mine}
        lines = tuple(
            f"Week {s.week} {s.title}: {CHECKIN_LABELS[by_session[s.id].status] if s.id in by_session else 'no check-in'}"
            for s in started
        )
        streak = checkins.streak(member.id, started, mine)
        own = [
            q
            for q in await questions.list_questions(db, run, scope="open", unit=None)
            if q.member_id == member.id
        ]
        blocks: list = [
            Fields(
                (("Streak", f"{streak} week{'s' * (streak != 1)}"), ("Check-ins", str(len(mine))))
            )
        ]
        if lines:
            blocks += [Heading("Your check-ins"), Bullets(lines)]
        if own:
            blocks += [
                Heading("Your open questions"),
                Bullets(tuple(defuse(one_line(q.text, 100)) for q in own)),
            ]
        return _reply(f"{defuse(member.display_name)}'s progress", blocks)

    async def questions(
        self, db: AsyncSession, run: Run, found: list, *, scope: str, unit: str | None
    ) -> Reply:
        title = f"{'Open' if scope == 'open' else 'All'} questions" + (
            f" on {unit}" if unit else ""
        )
        if not found:
            return say(f"{title}: none.")
        everyone = await questions.list_questions(db, run, scope="all", unit=None)
        numbers = {q.id: n for n, q in enumerate(everyone, start=1)}
        answers = await questions.answer_counts(db, [q.id for q in found])
        items = tuple(
            f"Q{numbers[q.id]} [{q.unit_id}] {defuse(one_line(q.text, 120))} "
            f"({answers.get(q.id, 0)} answer{'s' * (answers.get(q.id, 0) != 1)}{', resolved' if q.status == 'resolved' else ''})"
            for q in found
        )
        return _reply(title, [Bullets(items)])

    async def home(
        self, db: AsyncSession, *, platform: str, workspace: str, user_id: str, now: datetime
    ) -> Message:
        """A member's page (Slack's App Home): their groups, this week's reading, streaks."""
        from sqlalchemy import select

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
        blocks: list = [Heading("Your study groups")]
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
            sessions = await runs.sessions_of(db, run)
            started = [s for s in sessions if s.starts_at <= now]
            current = started[-1] if started else None
            mine = await checkins.checkins_for(db, [s.id for s in started])
            streak = checkins.streak(member.id, started, mine)
            reading = (
                "; ".join(cite(r["section"], r["title"], r["pages"]) for r in current.readings)
                if current
                else f"starts {local_time(sessions[0].starts_at, run.timezone)}"
            )
            title = current.title if current else sessions[0].title
            blocks += [
                Heading(f"#{group.channel}: {title}"),
                Paragraph(f"This week: {reading}"),
                Fields(
                    (("Your streak", f"{streak} week{'s' * (streak != 1)}"), ("Role", member.role))
                ),
            ]
        text = "\n".join(_plain(b) for b in blocks)
        return Message(text=text, blocks=tuple(blocks))

    def syllabus_list(self) -> Reply:
        items = []
        for syllabus_id in self.library.ids():
            try:
                s = self.library.get(syllabus_id)
            except DataFileError:
                continue
            items.append(f"{s.id}: {s.title} ({len(s.units)} units, about {s.hours:g} hours)")
        return _reply(
            "Syllabi", [Bullets(tuple(items)), Paragraph("Start one with `/study start <id>`.")]
        )

    def syllabus_show(self, syllabus_id: str) -> Reply:
        try:
            s = self.library.get(syllabus_id)
        except (KeyError, DataFileError):
            return say(f"There is no syllabus `{defuse(syllabus_id)}`. See `/study syllabus list`.")
        units = tuple(f"{u.id}: {u.title} ({u.pages} pp., {u.hours:g} h)" for u in s.units)
        return _reply(f"{s.title}, {', '.join(s.authors)}", [Bullets(units)])
