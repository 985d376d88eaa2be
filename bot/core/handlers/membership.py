"""Joining, leaving, organizers and reminder preferences."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.core import grammar, replies
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.handlers.lookup import group_here, own_membership
from bot.core.models import MembershipEvent, Reply, say
from bot.core.safety import defuse
from bot.core.services import groups, runs
from bot.domain.errors import InputError
from bot.domain.states import ReminderMode, Role
from bot.store.models import Group


async def join(ctx: Context, command: grammar.Join) -> Reply:
    """``/study join``: the group is made on first use of the channel."""
    group = await groups.ensure_group(ctx.db, ctx.place)
    _, new = await groups.enroll(ctx.db, group, ctx.who, ctx.now)
    return replies.welcome(new=new, running=await runs.open_run(ctx.db, group) is not None)


async def leave(ctx: Context, command: grammar.Leave) -> Reply:
    """``/study leave``: check-ins are kept; the last organizer of others cannot leave."""
    group = await group_here(ctx)
    member = await groups.find_member(ctx.db, group, ctx.who.user_id)
    if member is None or member.left_at is not None:
        raise Refusal(replies.NOT_A_MEMBER)
    members = await groups.current_members(ctx.db, group)
    organizers = [m for m in members if m.role == Role.ORGANIZER]
    if member.role == Role.ORGANIZER and len(organizers) == 1 and len(members) > 1:
        raise Refusal(
            "You are the group's only organizer: add another with `/study organizer add <member>` first."
        )
    member.left_at = ctx.now
    return say("You left the group. Your check-ins are kept; `/study join` to come back.")


async def organizer(ctx: Context, command: grammar.Organizer) -> Reply:
    """``/study organizer add|remove <member>``: a group always keeps one organizer (only
    organizers get here: ``bot.core.access``)."""
    group = await group_here(ctx)
    target = await groups.resolve_member(ctx.db, group, command.member)
    if target is None:
        raise Refusal(
            f"I can't find a member `{defuse(command.member)}` in this group (they need to `/study join` first)."
        )
    name = defuse(target.display_name)
    if command.add:
        if target.role == Role.ORGANIZER:
            raise Refusal(replies.already_organizer(target.display_name))
        target.role = Role.ORGANIZER
        return say(f"{name} is now an organizer.", ephemeral=False)
    if target.role != Role.ORGANIZER:
        raise Refusal(f"{name} is not an organizer.")
    organizers = [
        m for m in await groups.current_members(ctx.db, group) if m.role == Role.ORGANIZER
    ]
    if len(organizers) == 1:
        raise Refusal("A group needs at least one organizer: add another before removing this one.")
    target.role = Role.MEMBER
    return say(f"{name} is no longer an organizer.", ephemeral=False)


async def organizers(ctx: Context, command: grammar.Organizers) -> Reply:
    """``/study organizers``: the group's organizers, for anyone told only they can do
    something."""
    group = await group_here(ctx)
    members = await groups.current_members(ctx.db, group)
    return replies.organizers([m.display_name for m in members if m.role == Role.ORGANIZER])


async def reminders(ctx: Context, command: grammar.Reminders) -> Reply:
    """``/study reminders dm|channel|off``."""
    group = await group_here(ctx)
    member = await own_membership(ctx, group)
    member.reminders = ReminderMode(command.mode)
    return replies.reminders_set(ReminderMode(command.mode))


AWAY_AT_MOST = timedelta(days=366)


async def _today(ctx: Context, group: Group) -> date:
    """Today in the group's zone (its last run's; UTC before any)."""
    run = await runs.latest_run(ctx.db, group)
    return ctx.now.astimezone(ZoneInfo(run.timezone if run else "UTC")).date()


async def away(ctx: Context, command: grammar.Away) -> Reply:
    """``/study away until YYYY-MM-DD``: from today until then, no nudges, and sessions
    without a check-in count as away (not behind; the streak passes over them)."""
    from bot.domain.dates import parse_date

    group = await group_here(ctx)
    member = await own_membership(ctx, group)
    try:
        until = parse_date(command.until)
    except InputError as problem:
        raise Refusal(f"{problem}. {grammar.usage('away')}") from None
    today = await _today(ctx, group)
    if until < today:
        raise Refusal(replies.away_in_the_past(until))
    if until > today + AWAY_AT_MOST:
        raise Refusal(replies.away_too_long(today + AWAY_AT_MOST))
    member.away_from, member.away_until = today, until
    return say(replies.away_until(until))


async def back(ctx: Context, command: grammar.Back) -> Reply:
    """``/study back``: the absence ends; today's session counts again."""
    group = await group_here(ctx)
    member = await own_membership(ctx, group)
    today = await _today(ctx, group)
    if member.away_from is None or member.away_until is None or member.away_until < today:
        raise Refusal(replies.NOT_AWAY)
    if member.away_from >= today:  # away for nothing yet: forget it
        member.away_from = member.away_until = None
    else:
        member.away_until = today - timedelta(days=1)
    return say(replies.WELCOME_BACK)


async def on_membership(ctx: Context, event: MembershipEvent) -> Reply | None:
    """Joining a group's channel enrols (and greets); leaving it leaves the group."""
    group = await groups.find_group(ctx.db, ctx.place)
    if group is None:
        return None
    if event.joined:
        _, new = await groups.enroll(ctx.db, group, ctx.who, ctx.now)
        if not new:
            return None
        return replies.welcome(new=True, running=await runs.open_run(ctx.db, group) is not None)
    member = await groups.find_member(ctx.db, group, ctx.who.user_id)
    if member is not None and member.left_at is None:
        member.left_at = ctx.now
    return None
