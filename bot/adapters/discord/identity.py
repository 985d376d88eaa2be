"""Who and where, in the core's terms: a Discord member as a ``Person``, a channel as a ``Place``.

A group lives in a text channel or a forum channel. Threads (discussion and Q&A threads, forum
posts) belong to their parent's group: ``Place.channel`` is the parent, ``Place.thread`` the
thread. Ids are Discord snowflakes as strings; the workspace is the server (guild) id.
"""

from __future__ import annotations

import discord

from bot.core.models import Person, Place

PLATFORM = "discord"


def place_of(channel: object, guild_id: int | None) -> Place | None:
    """The place of a channel or thread in a server; None for DMs and unknown channels."""
    if guild_id is None:
        return None
    workspace = str(guild_id)
    if isinstance(channel, discord.Thread):
        if channel.parent_id is None:
            return None
        return Place(
            platform=PLATFORM,
            workspace=workspace,
            channel=str(channel.parent_id),
            thread=str(channel.id),
        )
    if isinstance(channel, discord.abc.GuildChannel):
        return Place(platform=PLATFORM, workspace=workspace, channel=str(channel.id))
    return None


def is_organizer_by_role(permissions: discord.Permissions) -> bool:
    """Discord's own say: people who may manage the server or its channels run its groups."""
    return permissions.manage_guild or permissions.manage_channels or permissions.administrator


def person_of(user: discord.abc.User, permissions: discord.Permissions | None = None) -> Person:
    """A Discord user as a ``Person``, an organizer when ``permissions`` say so by role."""
    return Person(
        user_id=str(user.id),
        name=user.display_name,
        is_admin=permissions is not None and is_organizer_by_role(permissions),
    )


def member_permissions(member: object, channel: object) -> discord.Permissions | None:
    """What ``member`` may do in ``channel`` (a thread counts as its parent), from the cache."""
    if not isinstance(member, discord.Member):
        return None
    if isinstance(channel, discord.Thread):
        channel = channel.parent
    if isinstance(channel, discord.abc.GuildChannel):
        return channel.permissions_for(member)
    return member.guild_permissions
