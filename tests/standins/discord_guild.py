"""The Discord server the stand-in plays: people, roles, channels, threads and messages, and
their JSON as Discord's API and gateway show them.

Permissions are computed as Discord does for a server without channel overwrites: the union
of a member's roles, ``@everyone`` included. ``@everyone`` grants nothing here, so the bot can
do exactly what its own role (the invite's permission bits) allows, and a test can tell which
of those bits it really used.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord

DISCORD_EPOCH_MS = 1420070400000
TEXT, DM, FORUM, PUBLIC_THREAD = 0, 1, 15, 11
HAS_THREAD = 1 << 5
EPHEMERAL = 1 << 6

MEMBER_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    read_message_history=True,
    add_reactions=True,
    use_application_commands=True,
    create_public_threads=True,
    embed_links=True,
    attach_files=True,
)
ADMIN_PERMISSIONS = MEMBER_PERMISSIONS | discord.Permissions(manage_guild=True)


class Snowflakes:
    """Increasing ids that carry the current time, as Discord's do."""

    def __init__(self) -> None:
        self._counter = itertools.count()

    def __call__(self) -> str:
        ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
        return str((ms << 22) | (next(self._counter) & 0x3FFFFF))


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Person:
    """A member of the guild (or the bot), with the role ids that decide their permissions."""

    id: str
    name: str
    roles: list[str]
    bot: bool = False

    def user(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.name,
            "global_name": self.name,
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "flags": 0,
            "public_flags": 0,
        }

    def member(self, *, with_user: bool = True) -> dict[str, Any]:
        data: dict[str, Any] = {
            "roles": self.roles,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
            "nick": None,
            "avatar": None,
            "pending": False,
        }
        return {**data, "user": self.user()} if with_user else data


@dataclass
class Channel:
    """A guild channel, thread, forum post or DM, as Discord describes it in payloads."""

    id: str
    name: str
    type: int
    parent_id: str | None = None
    owner_id: str | None = None
    available_tags: list[dict[str, Any]] = field(default_factory=list)
    applied_tags: list[str] = field(default_factory=list)
    recipient: str | None = None  # DMs

    @property
    def is_thread(self) -> bool:
        return self.type == PUBLIC_THREAD

    def payload(self, guild_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "type": self.type, "name": self.name}
        if self.type == DM:
            return {**data, "recipients": [], "last_message_id": None, "flags": 0}
        data |= {
            "guild_id": guild_id,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": self.parent_id,
            "flags": 0,
            "rate_limit_per_user": 0,
            "last_message_id": None,
        }
        if self.type == FORUM:
            data |= {
                "available_tags": self.available_tags,
                "default_reaction_emoji": None,
                "default_sort_order": None,
                "default_forum_layout": 0,
                "default_thread_rate_limit_per_user": 0,
                "topic": None,
            }
        if self.is_thread:
            data |= {
                "owner_id": self.owner_id,
                "member_count": 1,
                "message_count": 0,
                "total_message_sent": 0,
                "applied_tags": self.applied_tags,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 10080,
                    "archive_timestamp": now_iso(),
                    "locked": False,
                    "create_timestamp": now_iso(),
                },
            }
        return data


@dataclass
class Guild:
    """One server with a bot in it."""

    bot_permissions: discord.Permissions
    ids: Snowflakes = field(default_factory=Snowflakes)

    def __post_init__(self) -> None:
        new = self.ids
        self.id = new()
        self.application_id = new()
        self.roles: dict[str, tuple[str, discord.Permissions]] = {
            self.id: ("@everyone", discord.Permissions.none()),
            (member := new()): ("member", MEMBER_PERMISSIONS),
            (admin := new()): ("admin", ADMIN_PERMISSIONS),
            (bot := new()): ("studybot", self.bot_permissions),
        }
        self.member_role, self.admin_role = member, admin
        self.bot = Person(self.application_id, "studybot", [bot], bot=True)
        self.people: dict[str, Person] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}

    # --- setting up -----------------------------------------------------------------------------

    def person(self, name: str, *, admin: bool = False) -> Person:
        if name not in self.people:
            roles = [self.member_role] + ([self.admin_role] if admin else [])
            self.people[name] = Person(self.ids(), name, roles)
        return self.people[name]

    def channel(self, name: str, *, kind: int = TEXT) -> Channel:
        channel = Channel(self.ids(), name, kind)
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        return channel

    def thread(
        self, *, parent: Channel, name: str, owner: str, thread_id: str | None = None
    ) -> Channel:
        thread = Channel(thread_id or self.ids(), name, PUBLIC_THREAD, parent.id, owner)
        self.channels[thread.id] = thread
        self.messages.setdefault(thread.id, [])
        return thread

    def dm(self, recipient: str) -> Channel:
        for channel in self.channels.values():
            if channel.type == DM and channel.recipient == recipient:
                return channel
        channel = Channel(self.ids(), "", DM, recipient=recipient)
        self.channels[channel.id] = channel
        self.messages[channel.id] = []
        return channel

    # --- questions ------------------------------------------------------------------------------

    def by_id(self, user_id: str) -> Person | None:
        if user_id == self.bot.id:
            return self.bot
        return next((p for p in self.people.values() if p.id == user_id), None)

    def permissions(self, person: Person) -> discord.Permissions:
        value = 0
        for role in [self.id, *person.roles]:
            value |= self.roles[role][1].value
        granted = discord.Permissions(value)
        return discord.Permissions.all() if granted.administrator else granted

    def message(self, channel_id: str, message_id: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel_id, []) if m["id"] == message_id), None)

    def find_message(self, message_id: str) -> dict[str, Any] | None:
        for messages in self.messages.values():
            for message in messages:
                if message["id"] == message_id:
                    return message
        return None

    # --- payloads -------------------------------------------------------------------------------

    def new_message(
        self,
        *,
        channel: Channel,
        author: Person,
        body: dict[str, Any],
        message_id: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A message as Discord stores it; ``attachments`` are its files as Discord describes
        them (the stand-in builds them from the request's parts, see ``DiscordStandIn``)."""
        message: dict[str, Any] = {
            "id": message_id or self.ids(),
            "channel_id": channel.id,
            "author": author.user(),
            "content": body.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": list(attachments or []),
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
        }
        if "nonce" in body:
            message["nonce"] = body["nonce"]
        if channel.type != DM:
            message["guild_id"] = self.id
        self.messages.setdefault(channel.id, []).append(message)
        return message

    def guild_create(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": "Math for ML study club",
            "owner_id": next(iter(self.people.values()), self.bot).id,
            "icon": None,
            "features": ["COMMUNITY"],
            "roles": [
                {
                    "id": role_id,
                    "name": name,
                    "permissions": str(permissions.value),
                    "position": n,
                    "color": 0,
                    "hoist": False,
                    "managed": name == "studybot",
                    "mentionable": False,
                    "flags": 0,
                }
                for n, (role_id, (name, permissions)) in enumerate(self.roles.items())
            ],
            "emojis": [],
            "stickers": [],
            "channels": [
                c.payload(self.id)
                for c in self.channels.values()
                if not c.is_thread and c.type != DM
            ],
            "threads": [c.payload(self.id) for c in self.channels.values() if c.is_thread],
            "members": [self.bot.member()],
            "member_count": len(self.people) + 1,
            "large": False,
            "unavailable": False,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "premium_tier": 0,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "system_channel_flags": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
        }
