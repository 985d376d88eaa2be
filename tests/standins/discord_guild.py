"""The Discord server the stand-in plays: people, roles, channels, threads and messages, and
their JSON as Discord's API and gateway show them.

Permissions are computed as Discord does for a server without channel overwrites: the union
of a member's roles, ``@everyone`` included. ``@everyone`` grants nothing here, so the bot can
do exactly what its own role (the invite's permission bits, and ``BOT_DEFAULTS``) allows, and a
test can tell which of those bits it really used; ``Guild.revoke`` and ``Guild.grant`` change
the bot's role.

Scheduled events (``Guild.events``) are kept as Discord's GuildScheduledEvent objects and
checked by Discord's rules (guild-scheduled-event in discord-api-docs): an external event needs
a location and an end; the end comes after the start; a new or moved event starts in the
future (when the caller says what "now" is); the status moves only scheduled -> active or canceled, active -> completed, and a
completed or canceled event cannot change. A refused request raises ``EventRefused``.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord

DISCORD_EPOCH_MS = 1420070400000
TEXT, DM, VOICE, PUBLIC_THREAD, STAGE, FORUM = 0, 1, 2, 11, 13, 15
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
# Bits the bot's role has on top of those the stand-in is given (the invite's): Create Events,
# for scheduled events, which studybot's invite does not ask for yet. ``Guild.revoke`` takes
# it away for a test of a server that did not grant it.
BOT_DEFAULTS = discord.Permissions(create_events=True)

# Scheduled events: statuses, entity types, and the status changes Discord allows.
SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
STAGE_EVENT, VOICE_EVENT, EXTERNAL_EVENT = 1, 2, 3
GUILD_ONLY = 2  # the one privacy level
TRANSITIONS = {SCHEDULED: {ACTIVE, CANCELED}, ACTIVE: {COMPLETED}}
FINISHED = (COMPLETED, CANCELED)
KEPT_WHEN_NULL = frozenset({"status", "entity_type", "privacy_level"})  # null: unchanged
# What a request sets of an event (an image is taken and not kept: the stand-in has no CDN
# for covers).
EVENT_FIELDS = frozenset(
    {
        "name",
        "description",
        "channel_id",
        "entity_metadata",
        "entity_type",
        "privacy_level",
        "scheduled_start_time",
        "scheduled_end_time",
        "status",
        "recurrence_rule",
    }
)


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


class EventRefused(Exception):
    """Discord's refusal of a scheduled-event request: a 400 with its JSON error code, and the
    body field at fault (for Invalid Form Body, code 50035)."""

    def __init__(self, field: str, message: str, *, code: int = 50035) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.code = field, message, code

    def body(self) -> dict[str, Any]:
        """The error as Discord answers it."""
        if self.code != 50035:
            return {"code": self.code, "message": self.message}
        errors = {self.field: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": self.message}]}}
        return {"code": 50035, "message": "Invalid Form Body", "errors": errors}


def _when(body: dict[str, Any], name: str) -> datetime | None:
    """A timestamp field of a request body (None when null or absent)."""
    value = body.get(name)
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise EventRefused(name, f"Could not interpret {value!r} as a date.") from None
    if parsed.tzinfo is None:
        raise EventRefused(name, f"{value!r} has no time zone.")
    return parsed


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
            (bot := new()): ("studybot", self.bot_permissions | BOT_DEFAULTS),
        }
        self.member_role, self.admin_role, self.bot_role = member, admin, bot
        self.bot = Person(self.application_id, "studybot", [bot], bot=True)
        self.people: dict[str, Person] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}
        # Scheduled events as Discord stores them (without user_count), by id, and the ids of
        # the people who clicked Interested on each.
        self.events: dict[str, dict[str, Any]] = {}
        self.interested: dict[str, list[str]] = {}

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

    def revoke(self, *names: str) -> None:
        """Take permissions (discord.Permissions flag names) from the bot's role, as an admin
        would in the server's settings."""
        self._set_bot_permissions(names, False)

    def grant(self, *names: str) -> None:
        """Give the bot's role more permissions (flag names)."""
        self._set_bot_permissions(names, True)

    def _set_bot_permissions(self, names: Iterable[str], value: bool) -> None:
        role_name, granted = self.roles[self.bot_role]
        changed = discord.Permissions(granted.value)
        for name in names:
            setattr(changed, name, value)
        self.roles[self.bot_role] = (role_name, changed)

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

    # --- scheduled events -----------------------------------------------------------------------

    def new_event(
        self, body: dict[str, Any], *, creator: Person, now: datetime | None
    ) -> dict[str, Any]:
        """A scheduled event made from a create request, stored; ``EventRefused`` as Discord.
        ``now``: what a start must come after (None: not checked)."""
        for name in ("name", "scheduled_start_time", "privacy_level", "entity_type"):
            if body.get(name) is None:
                raise EventRefused(name, "This field is required")
        event: dict[str, Any] = {
            "id": self.ids(),
            "guild_id": self.id,
            "channel_id": None,
            "creator_id": creator.id,
            "creator": creator.user(),
            "name": "",
            "description": None,
            "image": None,
            "scheduled_start_time": "",
            "scheduled_end_time": None,
            "privacy_level": GUILD_ONLY,
            "status": SCHEDULED,
            "entity_type": EXTERNAL_EVENT,
            "entity_id": None,
            "entity_metadata": None,
            "recurrence_rule": None,
            "guild_scheduled_event_exceptions": [],
        }
        self._apply(event, body, now=now, new=True)
        self.events[event["id"]] = event
        self.interested[event["id"]] = []
        return event

    def edit_event(
        self, event: dict[str, Any], body: dict[str, Any], *, now: datetime | None
    ) -> None:
        """A modify request applied to a stored event; ``EventRefused`` leaves it unchanged."""
        if event["status"] in FINISHED:
            raise EventRefused("status", "Cannot update a finished event", code=180000)
        status = body.get("status")
        allowed = {event["status"], *TRANSITIONS.get(event["status"], set())}
        if status is not None and status not in allowed:
            raise EventRefused(
                "status", f"Cannot change an event's status from {event['status']} to {status}"
            )
        self._apply(event, body, now=now, new=False)

    def _apply(
        self, event: dict[str, Any], body: dict[str, Any], *, now: datetime | None, new: bool
    ) -> None:
        """Check the event ``body`` makes of ``event`` by Discord's rules, then store it."""
        given = {
            k: v
            for k, v in body.items()
            if k in EVENT_FIELDS and (k not in KEPT_WHEN_NULL or v is not None)
        }
        changed = {**event, **given}
        start, end = _when(changed, "scheduled_start_time"), _when(changed, "scheduled_end_time")
        if start is None:
            raise EventRefused("scheduled_start_time", "This field is required")
        moved = new or "scheduled_start_time" in body
        if moved and now is not None and changed["status"] == SCHEDULED and start <= now:
            raise EventRefused("scheduled_start_time", "Cannot schedule event in the past.")
        if end is not None and end <= start:
            raise EventRefused(
                "scheduled_end_time", "Cannot schedule event to end before starting."
            )
        kind = changed["entity_type"]
        if kind == EXTERNAL_EVENT:
            if changed.get("channel_id") is not None:
                raise EventRefused("channel_id", "An external event has no channel.")
            location = (changed.get("entity_metadata") or {}).get("location")
            if not location:
                raise EventRefused("entity_metadata.location", "This field is required")
            changed["entity_metadata"] = {"location": location}
            if end is None:
                raise EventRefused("scheduled_end_time", "This field is required")
        elif kind in (VOICE_EVENT, STAGE_EVENT):
            channel = self.channels.get(str(changed.get("channel_id")))
            wanted = VOICE if kind == VOICE_EVENT else STAGE
            if channel is None or channel.type != wanted:
                raise EventRefused("channel_id", "Not a channel of the event's kind.")
            changed["entity_metadata"] = None
        else:
            raise EventRefused("entity_type", f"Value {kind!r} is not a valid entity type.")
        changed["channel_id"] = None if kind == EXTERNAL_EVENT else str(changed["channel_id"])
        changed["scheduled_start_time"] = start.astimezone(UTC).isoformat()
        changed["scheduled_end_time"] = end.astimezone(UTC).isoformat() if end else None
        event.update(changed)

    def mark_interested(self, event_id: str, user_ids: Iterable[str]) -> None:
        """Who clicked Interested on an event (replacing whoever had)."""
        self.interested[event_id] = [str(user_id) for user_id in user_ids]

    def event_payload(self, event: dict[str, Any], *, with_user_count: bool) -> dict[str, Any]:
        """An event as Discord answers it: ``user_count`` only when asked for."""
        if not with_user_count:
            return dict(event)
        return {**event, "user_count": len(self.interested.get(event["id"], []))}

    # --- payloads -------------------------------------------------------------------------------

    def new_message(
        self,
        *,
        channel: Channel,
        author: Person,
        body: dict[str, Any],
        message_id: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
        stored: bool = True,
    ) -> dict[str, Any]:
        """A message as Discord stores it; ``attachments`` are its files as Discord describes
        them (the stand-in builds them from the request's parts, see ``DiscordStandIn``).
        ``stored=False``: an ephemeral one, which only its member sees and no history keeps."""
        message: dict[str, Any] = {
            "id": message_id or self.ids(),
            "channel_id": channel.id,
            "author": author.user(),
            "content": body.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": self._mentioned(body.get("content") or ""),
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
        if stored:
            self.messages.setdefault(channel.id, []).append(message)
        return message

    def _mentioned(self, content: str) -> list[dict[str, Any]]:
        """The users ``<@id>`` names in ``content``, as Discord lists a message's mentions."""
        everyone = {p.id: p for p in (*self.people.values(), self.bot)}
        named = dict.fromkeys(re.findall(r"<@!?(\d+)>", content))
        return [everyone[i].user() for i in named if i in everyone]

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
            "guild_scheduled_events": [
                self.event_payload(e, with_user_count=False) for e in self.events.values()
            ],
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
