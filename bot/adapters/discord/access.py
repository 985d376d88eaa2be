"""What studybot asks of a Discord server: OAuth2 scopes, permission bits and gateway intents.

``PERMISSIONS`` is the single list: the invite URL is built from it, the adapter checks it
before each request (so a missing permission is reported once, not turned into a stream of
403s that count against Discord's invalid-request limit), and the end-to-end tests run the bot
with exactly these bits and assert that every one of them was needed.
"""

from __future__ import annotations

import discord

SCOPES = ("bot", "applications.commands")

# discord.Permissions flag -> what studybot does with it.
PERMISSIONS: dict[str, str] = {
    "view_channel": "see the group's channel and its threads",
    "send_messages": "post kickoffs, reminders and summaries (in a forum channel: create posts)",
    "send_messages_in_threads": "write in discussion and Q&A threads",
    "create_public_threads": "open a thread for each discussion question and each Q&A question",
    "embed_links": "show posts as embeds (Discord drops embeds without it)",
    "attach_files": "show typeset formulas and the weekly chart as pictures (else text only)",
    "create_events": "make each session a server event members can mark Interested",
    "read_message_history": "look at recent posts after a restart, so that none is sent twice",
    "manage_channels": "add unit and unanswered/solved tags to a forum channel (forum groups only)",
}

# Why each gateway intent: Message Content and Server Members are privileged and must be
# switched on in the Developer Portal (Bot, Privileged Gateway Intents).
INTENTS: dict[str, str] = {
    "guilds": "know the server's channels, threads and roles",
    "guild_messages": "see answers written in Q&A threads",
    "message_content": "read those answers' text (privileged)",
    "guild_reactions": "see a ✅ that resolves a question",
    "members": "drop a member from the server's groups when they leave the server (privileged)",
}


def permissions() -> discord.Permissions:
    """``PERMISSIONS`` as Discord's bit set: what the invite asks for."""
    return discord.Permissions(**dict.fromkeys(PERMISSIONS, True))


def intents(*, message_content: bool = True) -> discord.Intents:
    """``INTENTS`` switched on; the privileged ones must also be on in the Developer Portal.
    Without ``message_content`` (``DISCORD_MESSAGE_CONTENT=off``) that one stays off."""
    wanted = dict.fromkeys(INTENTS, True) | {"message_content": message_content}
    return discord.Intents(**wanted)


def invite_url(application_id: str) -> str:
    """The OAuth2 URL that adds the bot to a server with exactly what it needs."""
    return discord.utils.oauth_url(application_id, permissions=permissions(), scopes=SCOPES)


def missing(have: discord.Permissions, *needed: str) -> list[str]:
    """The names in ``needed`` that ``have`` lacks."""
    return [name for name in needed if not getattr(have, name)]


def describe(name: str) -> str:
    """'send_messages' -> 'Send Messages', as Discord's settings call it."""
    special = {"view_channel": "View Channels", "manage_channels": "Manage Channels"}
    special |= {"create_events": "Create Events"}
    return special.get(name, name.replace("_", " ").title())
