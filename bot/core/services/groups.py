"""Groups (one per channel) and their members."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.models import Person, Place
from bot.domain.states import Role
from bot.store.models import Group, Member


def place_of(group: Group) -> Place:
    """The channel ``group`` lives in."""
    return Place(platform=group.platform, workspace=group.workspace, channel=group.channel)


async def find_group(db: AsyncSession, place: Place) -> Group | None:
    """The group of a channel, if it has one."""
    return await db.scalar(
        select(Group).where(
            Group.platform == place.platform,
            Group.workspace == place.workspace,
            Group.channel == place.channel,
        )
    )


async def ensure_group(db: AsyncSession, place: Place) -> Group:
    """The group of a channel, made on first use."""
    group = await find_group(db, place)
    if group is None:
        group = Group(platform=place.platform, workspace=place.workspace, channel=place.channel)
        db.add(group)
        await db.flush()
    return group


async def find_member(db: AsyncSession, group: Group, user_id: str) -> Member | None:
    """A member of the group by platform user id, current or former."""
    return await db.scalar(
        select(Member).where(Member.group_id == group.id, Member.user_id == user_id)
    )


async def enroll(
    db: AsyncSession, group: Group, person: Person, now: datetime
) -> tuple[Member, bool]:
    """Make ``person`` a current member; return the member and whether they were new (again)."""
    member = await find_member(db, group, person.user_id)
    if member is None:
        member = Member(
            group_id=group.id, user_id=person.user_id, display_name=person.name, joined_at=now
        )
        db.add(member)
        await db.flush()
        return member, True
    member.display_name = person.name or member.display_name
    if member.left_at is not None:
        member.left_at = None
        member.joined_at = now
        return member, True
    return member, False


async def current_members(db: AsyncSession, group: Group) -> list[Member]:
    """The members who have not left, in the order they first joined."""
    rows = await db.scalars(
        select(Member)
        .where(Member.group_id == group.id, Member.left_at.is_(None))
        .order_by(Member.id)
    )
    return list(rows)


def is_organizer(member: Member | None, person: Person) -> bool:
    """Whether ``person`` may run organizer commands (platform admins may)."""
    return person.is_admin or (
        member is not None and member.role == Role.ORGANIZER and member.left_at is None
    )


_MENTION = re.compile(r"^<@!?([\w.-]+)(?:\|[^>]*)?>$")


async def resolve_member(db: AsyncSession, group: Group, reference: str) -> Member | None:
    """A member named by a platform mention (``<@U123>``, ``<@U123|ada>``), an id or a name."""
    reference = reference.strip().lstrip("@")
    match = _MENTION.match(reference if reference.startswith("<") else f"<@{reference}>")
    candidates = await current_members(db, group)
    if match:
        for member in candidates:
            if member.user_id == match.group(1):
                return member
    wanted = reference.casefold()
    named = [
        m
        for m in candidates
        if m.display_name.casefold() == wanted or m.user_id.casefold() == wanted
    ]
    return named[0] if len(named) == 1 else None
