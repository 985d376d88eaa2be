"""What studybot does with each kind of Slack request.

Every listener acknowledges first (Slack wants an answer within 3 seconds) and then does the
slow part: users.info, the database, the answer. bolt's AsyncApp (``process_before_response``
off) answers Slack as soon as ``ack`` is called while the listener runs on, and Events API
requests are acknowledged before the listener even starts.

Slack retries an event it thinks was lost (``X-Slack-Retry-Num``) with the same ``event_id``;
StudyBot records each event id with the change it makes, so a retry changes nothing. Slash
commands, clicks and shortcuts are named by their ``trigger_id``, a submitted modal by its view
id.

Failures are logged with their traceback and never shown in the channel: the member gets
StudyBot's apology (core failures) or nothing (a malformed payload, acknowledged and dropped).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.files import DownloadError, Files
from bot.adapters.slack.payloads import (
    action_name,
    base_emoji,
    decode_origin,
    dig,
    encode_origin,
    is_thread_reply,
    member_text,
    mentions,
    view_input,
)
from bot.adapters.slack.people import People
from bot.adapters.slack.replies import Origin, Replies
from bot.core.grammar import MAX_TEXT
from bot.core.models import (
    RESOLVE_EMOJI,
    ActionEvent,
    CommandEvent,
    FileEvent,
    Incoming,
    MembershipEvent,
    Message,
    Paragraph,
    Place,
    ReactionEvent,
    ThreadMessageEvent,
)
from bot.core.ports import EventHandler

log = logging.getLogger(__name__)

PLATFORM = "slack"
HomeSource = Callable[..., Awaitable[Message]]

# The events the app subscribes to (the manifest lists exactly these).
BOT_EVENTS = (
    "app_home_opened",
    "member_joined_channel",
    "member_left_channel",
    "message.channels",
    "message.groups",
    "reaction_added",
)
THREAD_MESSAGE_SUBTYPES = (None, "thread_broadcast", "file_share")  # edits, deletions: ignored

RESOLVE_IN_SLACK = (
    "Slack does not run slash commands inside threads, so a question is resolved another way: "
    "react with ✅ to the question (or to the answer that solved it), or open the question's "
    "*More actions* menu (⋮) and choose *Mark question resolved*."
)
UNKNOWN_BUTTON = "I don't know that button (it may be from an older post). Try `/study help`."
UNKNOWN_SHORTCUT = "I don't know that shortcut. Try `/study help`."
NO_HOME = Message(
    text="studybot", blocks=(Paragraph("Join a study group with `/study join` in its channel."),)
)


@dataclass(frozen=True)
class Identity:
    """Who the bot is, from auth.test: every group of this install lives in ``team_id``."""

    team_id: str
    bot_user_id: str


class Listeners:
    def __init__(
        self,
        *,
        client: AsyncWebClient,
        handle: EventHandler,
        home: HomeSource | None,
        identity: Identity,
        people: People,
        replies: Replies,
        files: Files,
    ) -> None:
        self.client = client
        self.handle = handle
        self.home = home
        self.identity = identity
        self.people = people
        self.replies = replies
        self.files = files
        self._busy: set[asyncio.Task[Any]] = set()

    def register(self, app: AsyncApp) -> None:
        # bolt runs the first listener that matches, so the catch-alls come last: a verified
        # request nobody handles would otherwise be answered 404, and Slack would retry it.
        app.command(re.compile(r".*"))(self.on_command)
        app.action(re.compile(r"^" + re.escape(render.ACTION_PREFIX)))(self.on_action)
        app.action(re.compile(r".*"))(self.on_unknown_action)
        app.view(render.ASK_CALLBACK)(self.on_ask_submitted)
        app.view(re.compile(r".*"))(self.on_unknown_view)
        app.shortcut(render.RESOLVE_CALLBACK)(self.on_resolve_shortcut)
        app.shortcut(re.compile(r".*"))(self.on_unknown_shortcut)
        app.event("message")(self.on_message)
        app.event("reaction_added")(self.on_reaction)
        app.event("member_joined_channel")(self.on_member_joined)
        app.event("member_left_channel")(self.on_member_left)
        app.event("app_home_opened")(self.on_home_opened)
        app.event(re.compile(r".*"))(self.on_other_event)
        app.error(self.on_error)

    # --- bookkeeping ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _work(self, what: str) -> Iterator[None]:
        """Track work done after the ack (``drain`` waits for it) and keep failures in the log."""
        task = asyncio.current_task()
        if task is not None:
            self._busy.add(task)
        try:
            yield
        except Exception:
            log.exception("Slack %s failed; nothing was shown in the channel", what)
        finally:
            if task is not None:
                self._busy.discard(task)

    async def drain(self, seconds: float) -> None:
        """Let answers that are under way finish (stopping must not lose an acked request)."""
        busy = {task for task in self._busy if task is not asyncio.current_task()}
        if busy:
            await asyncio.wait(busy, timeout=seconds)

    def _place(self, channel: str, thread: str | None = None) -> Place:
        return Place(
            platform=PLATFORM, workspace=self.identity.team_id, channel=channel, thread=thread
        )

    async def _dispatch(self, event: Incoming, origin: Origin) -> None:
        await self.replies.show(await self.handle(event), origin)

    # --- slash command ----------------------------------------------------------------------------

    async def on_command(self, ack: Any, command: dict[str, Any]) -> None:
        await ack()
        with self._work("slash command"):
            user, channel = command["user_id"], command["channel_id"]
            origin = Origin(channel=channel, user=user, response_url=command.get("response_url"))
            text = member_text(command.get("text", ""))
            if text.lower().split()[:1] == ["resolve"]:
                # A slash command never comes from a thread on Slack, so the core's "use it in
                # the thread" would be no help: say what works instead.
                await self.replies.say_privately(origin, RESOLVE_IN_SLACK)
                return
            who = await self.people.person(user, fallback_name=command.get("user_name", ""))
            event = CommandEvent(
                who=who,
                where=self._place(channel),
                event_id=f"trigger:{command['trigger_id']}",
                text=text,
            )
            await self._dispatch(event, origin)

    # --- buttons, the ask modal, the resolve shortcut ------------------------------------------

    async def on_action(self, ack: Any, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        with self._work("button"):
            user = dig(body, "user", "id")
            channel = dig(body, "channel", "id") or dig(body, "container", "channel_id")
            name = action_name(action.get("action_id", ""))
            if not (user and channel and name):
                log.warning("ignored a click without user, channel or action: %r", action)
                return
            if name == "ask":
                # The trigger_id is good for 3 seconds: open the modal before anything slow.
                await self.client.views_open(
                    trigger_id=body["trigger_id"],
                    view=render.ask_modal(
                        private_metadata=encode_origin(channel=channel, thread=None),
                        max_length=MAX_TEXT,
                    ),
                )
                return
            origin = Origin(channel=channel, user=user, response_url=body.get("response_url"))
            event = ActionEvent(
                who=await self.people.person(user, fallback_name=dig(body, "user", "name")),
                where=self._place(channel),
                event_id=f"trigger:{body.get('trigger_id') or action['action_ts']}",
                action=name,
                value=str(action.get("value", "")),
            )
            await self._dispatch(event, origin)

    async def on_unknown_action(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        with self._work("unknown button"):
            user = dig(body, "user", "id")
            channel = dig(body, "channel", "id") or dig(body, "container", "channel_id")
            if user and channel:
                origin = Origin(channel=channel, user=user, response_url=body.get("response_url"))
                await self.replies.say_privately(origin, UNKNOWN_BUTTON)

    async def on_ask_submitted(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        text = view_input(view, render.ASK_BLOCK, render.ASK_INPUT).strip()
        origin = decode_origin(view.get("private_metadata", ""))
        if not text or origin is None:
            # Answered inside the modal, which stays open: nothing was posted.
            problem = "This form is out of date." if text else "Write your question first."
            await ack(response_action="errors", errors={render.ASK_BLOCK: problem})
            return
        await ack()
        with self._work("ask modal"):
            user = body["user"]["id"]
            channel, thread = origin
            event = ActionEvent(
                who=await self.people.person(user, fallback_name=dig(body, "user", "name")),
                where=self._place(channel),
                event_id=f"view:{view['id']}",
                action="ask",
                value=text,
            )
            await self._dispatch(event, Origin(channel=channel, user=user, thread=thread))

    async def on_unknown_view(self, ack: Any) -> None:
        await ack()

    async def on_resolve_shortcut(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        with self._work("resolve shortcut"):
            user, channel = body["user"]["id"], body["channel"]["id"]
            ts = body.get("message_ts") or dig(body, "message", "ts")
            thread = dig(body, "message", "thread_ts") or ts  # a question's thread is its post
            origin = Origin(
                channel=channel, user=user, thread=thread, response_url=body.get("response_url")
            )
            event = CommandEvent(
                who=await self.people.person(user, fallback_name=dig(body, "user", "name")),
                where=self._place(channel, thread),
                event_id=f"trigger:{body['trigger_id']}",
                text="resolve",
            )
            await self._dispatch(event, origin)

    async def on_unknown_shortcut(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()
        with self._work("unknown shortcut"):
            user, channel = dig(body, "user", "id"), dig(body, "channel", "id")
            if user and channel:
                origin = Origin(channel=channel, user=user, response_url=body.get("response_url"))
                await self.replies.say_privately(origin, UNKNOWN_SHORTCUT)

    # --- events ---------------------------------------------------------------------------------

    async def on_message(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        with self._work("message event"):
            subtype = event.get("subtype")
            if event.get("bot_id") or subtype not in THREAD_MESSAGE_SUBTYPES:
                return  # the bot's own and other bots' posts, edits, deletions, joins
            text = event.get("text") or ""
            if subtype == "file_share" and mentions(text, self.identity.bot_user_id):
                await self._files_shared(body, event)
                return
            if not is_thread_reply(event):
                return
            user, channel, thread = event["user"], event["channel"], event["thread_ts"]
            plain = member_text(text)
            who = await self.people.person(user)
            origin = Origin(channel=channel, user=user, thread=thread)
            if plain.strip().startswith("/study"):
                # Clients that cannot run a slash command in a thread may post it as text:
                # honour it there, where `/study resolve` means "this thread".
                command = plain.strip().removeprefix("/study").strip()
                incoming: Incoming = CommandEvent(
                    who=who,
                    where=self._place(channel, thread),
                    event_id=f"event:{body['event_id']}",
                    text=command,
                )
            else:
                incoming = ThreadMessageEvent(
                    who=who,
                    where=self._place(channel, thread),
                    event_id=f"event:{body['event_id']}",
                    text=plain,
                    message_ref=event["ts"],
                )
            await self._dispatch(incoming, origin)

    async def _files_shared(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        user, channel = event["user"], event["channel"]
        origin = Origin(channel=channel, user=user, thread=event.get("thread_ts") or event["ts"])
        who = await self.people.person(user)
        for shared in event.get("files") or []:
            file_id = shared.get("id") if isinstance(shared, Mapping) else None
            if not file_id:
                continue
            try:
                fetched = await self.files.fetch(file_id)
            except DownloadError as error:
                await self.replies.say_privately(origin, str(error))
                continue
            except SlackApiError as error:
                await self.replies.say_privately(
                    origin, f"I could not read that file: Slack said {error.response.get('error')}."
                )
                continue
            incoming = FileEvent(
                who=who,
                where=self._place(channel),
                event_id=f"event:{body['event_id']}:{file_id}",
                filename=fetched.name,
                size=fetched.size,
                content=fetched.content,
            )
            await self._dispatch(incoming, origin)  # the report goes in a thread on the file

    async def on_reaction(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        with self._work("reaction event"):
            emoji = base_emoji(event.get("reaction", ""))
            if emoji not in RESOLVE_EMOJI or dig(event, "item", "type") != "message":
                return  # only ✅ means something to the bot
            user, channel, ts = event["user"], event["item"]["channel"], event["item"]["ts"]
            event_in_core = ReactionEvent(
                who=await self.people.person(user),
                where=self._place(channel),
                event_id=f"event:{body['event_id']}",
                emoji=emoji,
                message_ref=await self._thread_of(channel, ts),
            )
            await self._dispatch(event_in_core, Origin(channel=channel, user=user))

    async def _thread_of(self, channel: str, ts: str) -> str:
        """The thread a message is in (its parent's ts), or the message itself.

        reaction_added names only the message, and ✅ on the answer that solved a question is
        as natural on Slack as ✅ on the question: both resolve it.
        """
        try:
            response = await self.client.conversations_replies(channel=channel, ts=ts, limit=1)
            return str(response["messages"][0]["ts"])
        except (SlackApiError, KeyError, IndexError, TypeError) as error:
            log.info("conversations.replies for %s failed (%s); using the message", ts, error)
            return ts

    async def on_member_joined(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        await self._membership(body, event, joined=True)

    async def on_member_left(self, body: dict[str, Any], event: dict[str, Any]) -> None:
        await self._membership(body, event, joined=False)

    async def _membership(
        self, body: dict[str, Any], event: dict[str, Any], *, joined: bool
    ) -> None:
        with self._work("membership event"):
            user, channel = event["user"], event["channel"]
            if user == self.identity.bot_user_id:
                return  # the bot itself was invited or removed
            incoming = MembershipEvent(
                who=await self.people.person(user),
                where=self._place(channel),
                event_id=f"event:{body['event_id']}",
                joined=joined,
            )
            await self._dispatch(incoming, Origin(channel=channel, user=user))  # the greeting

    async def on_home_opened(self, event: dict[str, Any]) -> None:
        with self._work("App Home"):
            if event.get("tab", "home") != "home":
                return
            user = event["user"]
            message = NO_HOME
            if self.home is not None:
                message = await self.home(
                    platform=PLATFORM, workspace=self.identity.team_id, user_id=user
                )
            await self.client.views_publish(user_id=user, view=render.home_view(message))

    async def on_other_event(self, body: dict[str, Any]) -> None:
        log.debug("ignored event %s", dig(body, "event", "type"))

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("bolt could not process a Slack request: %r", error)
