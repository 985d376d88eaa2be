"""What most commands look up first (the channel's group, its run, the member), refusing with
the sentence that says what to do when it is not there."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.core import replies
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.models import Place
from bot.core.ports import Permalinks
from bot.core.posts import local_time
from bot.core.services import groups, runs
from bot.domain.states import RunStatus
from bot.store.models import Group, Member, Run

if TYPE_CHECKING:  # the syllabus models (pydantic) load with the first syllabus read
    from bot.domain.syllabus import Syllabus
    from bot.domain.units import Unit


async def group_here(ctx: Context) -> Group:
    """The channel's group, or a refusal that says how to start one."""
    group = await groups.find_group(ctx.db, ctx.place)
    if group is None:
        raise Refusal(replies.NO_GROUP)
    return group


async def run_of(ctx: Context, group: Group, *, active: bool = False, history: bool = False) -> Run:
    """The run a command is about; ``history`` also accepts a finished or stopped one, and
    ``active`` refuses a paused one."""
    run = await (runs.latest_run if history else runs.open_run)(ctx.db, group)
    if run is None:
        ended = None if history else await runs.latest_run(ctx.db, group)
        if ended is None or ended.ended_at is None:
            raise Refusal(replies.NOTHING_RUNNING)
        raise Refusal(
            replies.nothing_running_now(
                stopped=ended.status == RunStatus.CANCELLED,
                ended=local_time(ended.ended_at, ended.timezone),
            )
        )
    if active and run.status == RunStatus.PAUSED:
        raise Refusal(replies.PAUSED)
    return run


async def member_here(ctx: Context, group: Group) -> Member:
    """The person who acted, as a current member, enrolled if they were not: only for the
    first organizer starting a group, and a platform admin acting as an organizer (the access
    rule lets nobody else reach a member's command without joining)."""
    member, _ = await groups.enroll(ctx.db, group, ctx.who, ctx.now)
    return member


async def own_membership(ctx: Context, group: Group) -> Member:
    """The person who acted, who must have joined (a new display name is taken on); else a
    refusal saying to join. Nobody is enrolled by acting."""
    member = await groups.find_member(ctx.db, group, ctx.who.user_id)
    if member is None or member.left_at is not None:
        raise Refusal(replies.JOIN_FIRST if member is None else replies.COME_BACK_FIRST)
    member.display_name = ctx.who.name or member.display_name
    return member


async def require_organizer(ctx: Context, group: Group, action: str) -> Member | None:
    """The organizer who acted (None for a platform admin who never joined), else a refusal."""
    member = await groups.find_member(ctx.db, group, ctx.who.user_id)
    if not groups.is_organizer(member, ctx.who):
        raise Refusal(replies.organizers_only(action))
    return member


async def run_ids(ctx: Context, group: Group) -> list[int]:
    """Every run the group has had: a Q&A thread stays a Q&A thread after its run ends."""
    return list(await ctx.db.scalars(select(Run.id).where(Run.group_id == group.id)))


def link_to(ctx: Context, place: Place, ref: str | None) -> str | None:
    """The address of the post ``ref`` in ``place``'s channel, on that channel's own platform,
    where the platform gives one (``Permalinks``); None in the console, say."""
    adapter = ctx.adapters.get(place.platform)
    if ref is None or not isinstance(adapter, Permalinks):
        return None
    return adapter.link_to(place, ref)


def unit_named(syllabus: Syllabus, typed: str) -> Unit:
    """The unit of ``syllabus`` whose id is ``typed`` (any case), or a refusal listing them."""
    found = next((u for u in syllabus.units if u.id.casefold() == typed.casefold()), None)
    if found is None:
        raise Refusal(replies.no_such_unit(typed, [u.id for u in syllabus.units]))
    return found
