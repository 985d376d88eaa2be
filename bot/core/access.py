"""Who may do what, and who sees what: the one rule, checked in one place.

- Anyone may ask for help, join, and browse the syllabi.
- Everything else is for the group's members: someone who has not joined (or has left) is
  told to ``/study join`` first. Organizers (members with the organizer role, and the
  platform's own admins) count as members.
- Organizers alone run the group (start, pause, skip, stop, organizers) and take the
  check-ins' export. While a group has no organizer, anyone may start it (and becomes its
  organizer): that is how a group begins.
- A member sees their own check-ins and notes; organizers see the group's counts, who has and
  has not checked in, and the export; anyone else in the channel sees counts only (the weekly
  summary). A check-in's note is shown to its author and nobody else, ever. The summary thanks
  by name the members whose answers were accepted that week (those answers are public in the
  question's thread already).
- A question asked in a group is seen in that group; other groups of the installation reading
  the same book see it (in "Asked before" and the FAQ, never with a name) only once an
  organizer of its group turns sharing on (``/study sharing on``). Drafts and withdrawn
  questions are their asker's alone.

The pipeline (``bot.core.bot``) calls ``admit_command`` / ``admit_action`` before dispatch, so a
handler is never reached by someone its audience leaves out. The ``*_view`` functions decide
which rows and names a reply may show.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Select, and_, bindparam, or_, select

from bot.core import grammar, qa_posts, qa_replies, replies
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.services import groups
from bot.core.services.tally import Standing, WeekTally
from bot.domain.states import Role
from bot.store.models import Group, Member, Question, Run, StoredSyllabus

T = TypeVar("T", bound=tuple[Any, ...])


class Audience(StrEnum):
    """Who may use a command or press a button."""

    ANYONE = "anyone"
    MEMBER = "member"  # current members; organizers and platform admins count as members
    ORGANIZER = "organizer"  # the group's organizers and platform admins
    FOUNDER = "founder"  # organizers; anyone while the group has no organizer yet


Rule = Audience | Callable[[grammar.Command], Audience]

COMMAND_AUDIENCE: dict[type[grammar.Command], Rule] = {
    grammar.Help: Audience.ANYONE,
    grammar.Join: Audience.ANYONE,
    grammar.SyllabusList: Audience.ANYONE,
    grammar.SyllabusShow: Audience.ANYONE,
    grammar.Tex: Audience.ANYONE,  # a private preview: nothing is stored or posted
    grammar.Leave: Audience.MEMBER,
    grammar.CheckIn: Audience.MEMBER,
    grammar.Ask: Audience.MEMBER,
    grammar.Resolve: Audience.MEMBER,  # the handler then wants the asker or an organizer
    grammar.Questions: Audience.MEMBER,
    grammar.Sharing: Audience.ORGANIZER,
    # The handlers then want the asker (and for reopen, the asker or an organizer).
    grammar.Reopen: Audience.MEMBER,
    grammar.Edit: Audience.MEMBER,
    grammar.Move: Audience.MEMBER,
    grammar.Withdraw: Audience.MEMBER,
    # The FAQ is every member's; featuring and hiding its entries, the organizers'.
    grammar.Faq: lambda c: Audience.MEMBER if c.mark is None else Audience.ORGANIZER,
    grammar.Progress: Audience.MEMBER,  # members see counts; organizers see names too
    grammar.Me: Audience.MEMBER,
    grammar.ShowSchedule: Audience.MEMBER,
    grammar.Reminders: Audience.MEMBER,
    grammar.Away: Audience.MEMBER,
    grammar.Back: Audience.MEMBER,
    grammar.Organizers: Audience.MEMBER,
    grammar.Start: Audience.FOUNDER,
    grammar.Plan: Audience.FOUNDER,
    grammar.Pause: Audience.ORGANIZER,
    grammar.Resume: Audience.ORGANIZER,
    grammar.Skip: Audience.ORGANIZER,
    grammar.Stop: Audience.ORGANIZER,
    grammar.Reschedule: Audience.ORGANIZER,
    grammar.Break: Audience.ORGANIZER,
    grammar.Holidays: Audience.ORGANIZER,
    grammar.Unskip: Audience.ORGANIZER,
    grammar.Remind: Audience.ORGANIZER,
    grammar.MeetAt: Audience.ORGANIZER,
    grammar.Organizer: Audience.ORGANIZER,
    # The check-ins are the organizers'; the calendar is every member's.
    grammar.Export: lambda c: Audience.ORGANIZER if c.format == "csv" else Audience.MEMBER,
}

ACTION_AUDIENCE: dict[str, Audience] = {
    "checkin": Audience.MEMBER,  # the kickoff's Done / Partly / Behind
    "ask": Audience.MEMBER,  # the kickoff's Ask a question form
    "stop": Audience.ORGANIZER,  # the confirmation of `/study stop`
    qa_replies.POST_ANYWAY: Audience.MEMBER,  # the handler then wants the draft's asker
    qa_replies.WITHDRAW: Audience.MEMBER,
    # Pressed in a direct message, where there is no channel to be a member of: the handlers
    # want the question's asker or an organizer of its group.
    qa_posts.ACCEPT: Audience.ANYONE,
    qa_posts.RESOLVE: Audience.ANYONE,
    qa_posts.KEEP: Audience.ANYONE,
}


def audience_of(command: grammar.Command) -> Audience:
    """The audience of one parsed command (``/study export`` depends on its format)."""
    rule = COMMAND_AUDIENCE[type(command)]
    return rule if isinstance(rule, Audience) else rule(command)


@dataclass(frozen=True)
class Viewer:
    """The person who acted, as the rule sees them in this channel's group."""

    member: Member | None  # their current membership; None if they never joined or left
    organizer: bool  # an organizer of this group, or a platform admin
    left: bool = False  # they were a member and left


async def viewer(ctx: Context) -> Viewer | None:
    """Who acted, in the channel's group; None when the channel has no group."""
    # One statement, built once: the rule is checked before every command, the check-in included.
    row = (
        await ctx.db.execute(
            _viewer_statement(),
            {
                "platform": ctx.place.platform,
                "workspace": ctx.place.workspace,
                "channel": ctx.place.channel,
                "user_id": ctx.who.user_id,
            },
        )
    ).first()
    if row is None:
        return None
    found: Member | None = row[1]
    current = found if found is not None and found.left_at is None else None
    return Viewer(
        member=current,
        organizer=groups.is_organizer(current, ctx.who),
        left=found is not None and current is None,
    )


async def admit_command(ctx: Context, command: grammar.Command, *, word: str) -> None:
    """Refuse, with what to type instead, anyone the command's audience leaves out."""
    await _admit(ctx, audience_of(command), word)


async def admit_action(ctx: Context, action: str) -> None:
    """The same rule for a button (an action no table knows is refused by the pipeline)."""
    await _admit(ctx, ACTION_AUDIENCE[action], action)


async def _admit(ctx: Context, audience: Audience, word: str) -> None:
    if audience == Audience.ANYONE:
        return
    who = await viewer(ctx)
    if audience == Audience.FOUNDER and (
        who is None or who.organizer or not await _has_organizer(ctx)
    ):
        return  # how a group begins: its first organizer starts it
    if who is None:
        raise Refusal(replies.NO_GROUP)
    if who.member is None and not who.organizer:
        raise Refusal(replies.COME_BACK_FIRST if who.left else replies.JOIN_FIRST)
    if audience in (Audience.ORGANIZER, Audience.FOUNDER) and not who.organizer:
        raise Refusal(replies.organizers_only(replies.ORGANIZER_ACTIONS[word]))


async def _has_organizer(ctx: Context) -> bool:
    group = await groups.find_group(ctx.db, ctx.place)
    assert group is not None  # a viewer was found in it
    members = await groups.current_members(ctx.db, group)
    return any(m.role == Role.ORGANIZER for m in members)


# --- what a reply may show ----------------------------------------------------------------------


def progress_view(tally: WeekTally, who: Viewer) -> WeekTally:
    """``/study progress``: organizers see every name; a member sees the counts and their own
    standing only."""
    if who.organizer:
        return tally
    mine = who.member.id if who.member is not None else None
    return replace(
        channel_view(tally), standings=tuple(s for s in tally.standings if s.member_id == mine)
    )


def channel_view(tally: WeekTally) -> WeekTally:
    """What a post in the channel (the weekly summary) may show: counts, no names."""
    return replace(tally, standings=(), names_shown=False)


def own_standing(tally: WeekTally, who: Viewer) -> Standing | None:
    """The viewer's own line in a tally, if they are one of its members."""
    if who.member is None:
        return None
    return next((s for s in tally.standings if s.member_id == who.member.id), None)


@cache
def _viewer_statement() -> Select[tuple[int, Member]]:
    """The channel's group and the actor's membership row in it (if any), by parameters."""
    return (
        select(Group.id, Member)
        .outerjoin(
            Member, and_(Member.group_id == Group.id, Member.user_id == bindparam("user_id"))
        )
        .where(
            Group.platform == bindparam("platform"),
            Group.workspace == bindparam("workspace"),
            Group.channel == bindparam("channel"),
        )
    )


def questions_seen(query: Select[T], group: Group, syllabus_id: str) -> Select[T]:
    """``query`` on ``Question`` narrowed to the questions on ``syllabus_id`` that a member of
    ``group`` may be shown: their own group's, and those of groups that share theirs (joined
    on ``Run``, ``StoredSyllabus`` and ``Group``, which the query may then use)."""
    return (
        query.join(Run, Run.id == Question.run_id)
        .join(StoredSyllabus, StoredSyllabus.id == Run.syllabus_pk)
        .join(Group, Group.id == Run.group_id)
        .where(
            StoredSyllabus.syllabus_id == syllabus_id,
            or_(Group.id == group.id, Group.shares_questions.is_(True)),
        )
    )
