"""Forum tags from message labels: one tag per unit, and unanswered/solved on Q&A posts.

Tags are created on demand when the bot may edit the forum (Manage Channels); otherwise only
tags the organizers made with the same names are applied. Editing a forum's tags replaces the
whole list, so edits are serialised per forum and the list from the last edit is used until the
gateway's CHANNEL_UPDATE has brought the cache up to date.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

import discord

log = logging.getLogger(__name__)

TAG_NAME_LIMIT = 20
TAGS_PER_FORUM = 20
TAGS_PER_POST = 5
STATE_TAGS = {"unanswered": "❓", "solved": "✅"}


def tag_name(label: str) -> str:
    """A label as a tag name, within Discord's 20 characters."""
    return label.strip()[:TAG_NAME_LIMIT]


class ForumTags:
    """The tags of the bot's forum channels: looked up, added when allowed, applied to posts."""

    def __init__(self) -> None:
        self._locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._edited: dict[int, list[discord.ForumTag]] = {}

    def _current(self, forum: discord.ForumChannel) -> list[discord.ForumTag]:
        cached = list(forum.available_tags)
        edited = self._edited.get(forum.id)
        if edited is None or {t.id for t in edited} <= {t.id for t in cached}:
            self._edited.pop(forum.id, None)
            return cached
        return edited

    async def tags_for(
        self, forum: discord.ForumChannel, labels: tuple[str, ...], *, may_create: bool
    ) -> list[discord.ForumTag]:
        """The forum's tags for ``labels`` (at most five); missing ones added if ``may_create``."""
        wanted = list(dict.fromkeys(tag_name(label) for label in labels if label.strip()))
        if not wanted:
            return []
        async with self._locks[forum.id]:
            tags = self._current(forum)
            known = {tag.name.casefold() for tag in tags}
            missing = [name for name in wanted if name.casefold() not in known]
            if missing and may_create and len(tags) + len(missing) <= TAGS_PER_FORUM:
                new = [discord.ForumTag(name=n, emoji=STATE_TAGS.get(n)) for n in missing]
                edited = await forum.edit(available_tags=[*tags, *new])
                if edited is not None:
                    tags = list(edited.available_tags)
                    self._edited[forum.id] = tags
            elif missing:
                log.info(
                    "forum %s has no tag %s and studybot may not add it%s",
                    forum.id,
                    ", ".join(missing),
                    "" if may_create else " (no Manage Channels)",
                )
            by_name = {tag.name.casefold(): tag for tag in tags}
            found = [by_name[name.casefold()] for name in wanted if name.casefold() in by_name]
            return found[:TAGS_PER_POST]

    async def retagged(
        self,
        forum: discord.ForumChannel,
        current: list[discord.ForumTag],
        labels: tuple[str, ...],
        *,
        may_create: bool,
    ) -> list[discord.ForumTag]:
        """``current`` tags with the state tag replaced by the one in ``labels`` (a member's own
        tags stay)."""
        fresh = await self.tags_for(forum, labels, may_create=may_create)
        kept = [t for t in current if t.name.casefold() not in STATE_TAGS]
        merged = {t.id: t for t in [*kept, *fresh]}
        return list(merged.values())[:TAGS_PER_POST]
