"""Who is who: the bot's own ``Identity`` (and so its workspace), and a Slack user id as a core
``Person``, with a name and Slack's admin flag.

Payloads carry only ids (and, in some, a legacy user name), so the display name comes from
users.info. Answers are kept for a while: a busy group clicks a lot, and users.info is
rate-limited (Tier 4) like every method.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import Person, Place

log = logging.getLogger(__name__)

PLATFORM = "slack"
TTL_SECONDS = 600.0


@dataclass(frozen=True)
class Identity:
    """Who the bot is, from auth.test: every group of this install lives in ``team_id``."""

    team_id: str
    bot_user_id: str
    url: str = ""  # the workspace's address, https://<name>.slack.com/

    def link_to(self, channel: str, ts: str) -> str | None:
        """A message's permalink, in the form chat.getPermalink answers (without its call)."""
        if not self.url:
            return None
        return f"{self.url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"

    def place(self, channel: str, thread: str | None = None) -> Place:
        """A channel (or a thread in it) of this workspace, in the core's terms."""
        return Place(platform=PLATFORM, workspace=self.team_id, channel=channel, thread=thread)


def person_from_user(user: Mapping[str, Any]) -> Person:
    """A users.info ``user`` object as a Person; workspace admins and owners may organize."""
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or profile.get("real_name")
        or user.get("real_name")
        or user.get("name")
        or user["id"]
    )
    return Person(
        user_id=user["id"],
        name=str(name),
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        timezone=str(user.get("tz") or ""),
    )


class People:
    """Looks members up with users.info, remembering each answer for ``ttl`` seconds."""

    def __init__(self, *, client: AsyncWebClient, ttl: float = TTL_SECONDS) -> None:
        self.client = client
        self.ttl = ttl
        self._known: dict[str, tuple[float, Person]] = {}

    async def person(self, user_id: str, *, fallback_name: str = "") -> Person:
        """The member as a ``Person`` (named ``fallback_name`` or the id if users.info fails)."""
        cached = self._known.get(user_id)
        if cached is not None and time.monotonic() - cached[0] < self.ttl:
            return cached[1]
        try:
            response = await self.client.users_info(user=user_id)
            person = person_from_user(response["user"])
        except Exception as error:  # SlackApiError, a network error, an odd answer
            # Acting without a pretty name beats not acting: the id still identifies them.
            log.warning("users.info for %s failed: %s", user_id, error)
            return Person(user_id=user_id, name=fallback_name or user_id)
        self._known[user_id] = (time.monotonic(), person)
        return person
