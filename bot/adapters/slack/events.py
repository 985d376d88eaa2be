"""Events API events as core events: thread messages, shared files, reactions, members, App Home.

bolt acknowledges an event before its listener starts, so these listeners have no ``ack``; a
retried event comes with the same ``event_id``, which names the core event, so it changes
nothing twice. Only messages in threads matter (answers, or ``/study ...`` typed as text where a
client cannot run the command), and files shared with a mention of the bot (a syllabus to load).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.files import DownloadError, Files
from bot.adapters.slack.payloads import base_emoji, dig, is_thread_reply, member_text, mentions
from bot.adapters.slack.people import PLATFORM, Identity, People
from bot.adapters.slack.replies import Origin, Replies
from bot.core.models import (
    RESOLVE_EMOJI,
    CommandEvent,
    FileEvent,
    Incoming,
    MembershipEvent,
    Message,
    Paragraph,
    ReactionEvent,
    ThreadMessageEvent,
)
from bot.core.ports import EventHandler

log = logging.getLogger(__name__)

HomeSource = Callable[..., Awaitable[Message]]
Work = Callable[[str], AbstractContextManager[None]]

THREAD_MESSAGE_SUBTYPES = (None, "thread_broadcast", "file_share")  # edits, deletions: ignored
NO_HOME = Message(
    text="studybot", blocks=(Paragraph("Join a study group with `/study join` in its channel."),)
)


@dataclass(frozen=True, kw_only=True)
class SlackTools:
    """What every listener works with: the Web API, the bot's handler and home page, who the
    bot is, and the helpers that look people up, answer, and fetch shared files."""

    client: AsyncWebClient
    handle: EventHandler
    home: HomeSource | None
    identity: Identity
    people: People
    replies: Replies
    files: Files


class EventListeners:
    """The listeners for the events the app subscribes to; ``work`` tracks what they do."""

    def __init__(self, tools: SlackTools, *, work: Work) -> None:
        self.tools = tools
        self._work = work

    async def _dispatch(self, event: Incoming, origin: Origin) -> None:
        await self.tools.replies.show(await self.tools.handle(event), origin)

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A member's message: an answer in a thread, ``/study`` typed there, or a file shared."""
        with self._work("message event"):
            subtype = event.get("subtype")
            if event.get("bot_id") or subtype not in THREAD_MESSAGE_SUBTYPES:
                return  # the bot's own and other bots' posts, edits, deletions, joins
            text = event.get("text") or ""
            if subtype == "file_share" and mentions(text, self.tools.identity.bot_user_id):
                await self._files_shared(body, event)
                return
            if not is_thread_reply(event):
                return
            user, channel, thread = event["user"], event["channel"], event["thread_ts"]
            plain = member_text(text)
            who = await self.tools.people.person(user)
            origin = Origin(channel=channel, user=user, thread=thread)
            if plain.strip().startswith("/study"):
                # Clients that cannot run a slash command in a thread may post it as text:
                # honour it there, where `/study resolve` means "this thread".
                command = plain.strip().removeprefix("/study").strip()
                incoming: Incoming = CommandEvent(
                    who=who,
                    where=self.tools.identity.place(channel, thread),
                    event_id=f"event:{body['event_id']}",
                    text=command,
                )
            else:
                incoming = ThreadMessageEvent(
                    who=who,
                    where=self.tools.identity.place(channel, thread),
                    event_id=f"event:{body['event_id']}",
                    text=plain,
                    message_ref=event["ts"],
                )
            await self._dispatch(incoming, origin)

    async def _files_shared(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        user, channel = event["user"], event["channel"]
        origin = Origin(channel=channel, user=user, thread=event.get("thread_ts") or event["ts"])
        who = await self.tools.people.person(user)
        for shared in event.get("files") or []:
            file_id = shared.get("id") if isinstance(shared, Mapping) else None
            if not file_id:
                continue
            try:
                fetched = await self.tools.files.fetch(file_id)
            except DownloadError as error:
                await self.tools.replies.say_privately(origin, str(error))
                continue
            except SlackApiError as error:
                await self.tools.replies.say_privately(
                    origin, f"I could not read that file: Slack said {error.response.get('error')}."
                )
                continue
            incoming = FileEvent(
                who=who,
                where=self.tools.identity.place(channel),
                event_id=f"event:{body['event_id']}:{file_id}",
                filename=fetched.name,
                size=fetched.size,
                content=fetched.content,
            )
            await self._dispatch(incoming, origin)  # the report goes in a thread on the file

    async def on_reaction(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """A reaction; only ✅ on a message means something (it resolves the question)."""
        with self._work("reaction event"):
            emoji = base_emoji(event.get("reaction", ""))
            if emoji not in RESOLVE_EMOJI or dig(event, "item", "type") != "message":
                return  # only ✅ means something to the bot
            user, channel, ts = event["user"], event["item"]["channel"], event["item"]["ts"]
            thread = await self._thread_of(channel, ts)
            event_in_core = ReactionEvent(
                who=await self.tools.people.person(user),
                where=self.tools.identity.place(channel),
                event_id=f"event:{body['event_id']}",
                emoji=emoji,
                message_ref=thread,
                reply_ref=ts if ts != thread else None,
            )
            await self._dispatch(event_in_core, Origin(channel=channel, user=user))

    async def _thread_of(self, channel: str, ts: str) -> str:
        """The thread a message is in (its parent's ts), or the message itself.

        reaction_added names only the message, and ✅ on the answer that solved a question is
        as natural on Slack as ✅ on the question: both resolve it.
        """
        try:
            response = await self.tools.client.conversations_replies(
                channel=channel, ts=ts, limit=1
            )
            return str(response["messages"][0]["ts"])
        except (SlackApiError, KeyError, IndexError, TypeError) as error:
            log.info("conversations.replies for %s failed (%s); using the message", ts, error)
            return ts

    async def on_member_joined(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Someone joined a channel, and so its group (the core greets them)."""
        await self._membership(body, event, joined=True)

    async def on_member_left(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        """Someone left a channel, and so its group."""
        await self._membership(body, event, joined=False)

    async def _membership(
        self, body: dict[str, Any], event: dict[str, Any], *, joined: bool
    ) -> None:
        with self._work("membership event"):
            user, channel = event["user"], event["channel"]
            if user == self.tools.identity.bot_user_id:
                return  # the bot itself was invited or removed
            incoming = MembershipEvent(
                who=await self.tools.people.person(user),
                where=self.tools.identity.place(channel),
                event_id=f"event:{body['event_id']}",
                joined=joined,
            )
            await self._dispatch(incoming, Origin(channel=channel, user=user))  # the greeting

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        """A member opened the App Home tab: publish their groups, fresh each time."""
        with self._work("App Home"):
            if event.get("tab", "home") != "home":
                return
            user = event["user"]
            message = NO_HOME
            if self.tools.home is not None:
                message = await self.tools.home(
                    platform=PLATFORM, workspace=self.tools.identity.team_id, user_id=user
                )
            await self.tools.client.views_publish(user_id=user, view=render.home_view(message))

    async def on_other_event(self, body: dict[str, Any]) -> None:
        """Any other event: taken (bolt would answer 404, which Slack retries) and dropped."""
        log.debug("ignored event %s", dig(body, "event", "type"))
