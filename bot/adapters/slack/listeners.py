"""Which listener gets each kind of Slack request, and the interactive ones: ``/study``, clicks,
the ask form and the resolve shortcut (``events`` has the Events API's).

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
from collections.abc import Iterator
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.adapters.slack import render
from bot.adapters.slack.events import EventListeners, SlackTools
from bot.adapters.slack.payloads import (
    action_name,
    decode_origin,
    dig,
    encode_origin,
    member_text,
    view_input,
)
from bot.adapters.slack.replies import Origin
from bot.core.grammar import MAX_TEXT
from bot.core.models import ActionEvent, CommandEvent, Incoming, Reply, say

log = logging.getLogger(__name__)

# The events the app subscribes to (the manifest lists exactly these).
BOT_EVENTS = (
    "app_home_opened",
    "member_joined_channel",
    "member_left_channel",
    "message.channels",
    "message.groups",
    "reaction_added",
)

RESOLVE_IN_SLACK = (
    "Slack does not run slash commands inside threads, so a question is resolved another way: "
    "react with ✅ to the question (or to the answer that solved it), or open the question's "
    "*More actions* menu (⋮) and choose *Mark question resolved*."
)
# Slack shows "failed with the error operation_timeout" when a command is not acknowledged
# within 3 seconds; an answer not ready by then follows through the response_url.
ANSWER_WITH_ACK_WITHIN = 2.0


def quick(reply: Reply) -> bool:
    """Whether ``reply`` can travel in the acknowledgement: private, with no picture to upload."""
    return reply.ephemeral and not any(a.is_picture for a in reply.message.attachments)


UNKNOWN_BUTTON = "I don't know that button (it may be from an older post). Try `/study help`."
UNKNOWN_SHORTCUT = "I don't know that shortcut. Try `/study help`."


class Listeners:
    """All of the app's listeners, and the work they do after acknowledging (see ``drain``)."""

    def __init__(self, tools: SlackTools) -> None:
        self.tools = tools
        self._busy: set[asyncio.Task[Any]] = set()
        self.events = EventListeners(tools, work=self._work)

    def register(self, app: AsyncApp) -> None:
        """Attach every listener to ``app``, so that each request Slack may send has one."""
        # bolt runs the first listener that matches, so the catch-alls come last: a verified
        # request nobody handles would otherwise be answered 404, and Slack would retry it.
        app.command(re.compile(r".*"))(self.on_command)
        app.action(re.compile(r"^" + re.escape(render.ACTION_PREFIX)))(self.on_action)
        app.action(re.compile(r".*"))(self.on_unknown_action)
        app.view(render.ASK_CALLBACK)(self.on_ask_submitted)
        app.view(re.compile(r".*"))(self.on_unknown_view)
        app.shortcut(render.RESOLVE_CALLBACK)(self.on_resolve_shortcut)
        app.shortcut(re.compile(r".*"))(self.on_unknown_shortcut)
        events = self.events
        app.event("message")(events.on_message)
        app.event("reaction_added")(events.on_reaction)
        app.event("member_joined_channel")(events.on_member_joined)
        app.event("member_left_channel")(events.on_member_left)
        app.event("app_home_opened")(events.on_home_opened)
        app.event(re.compile(r".*"))(events.on_other_event)
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

    async def _dispatch(self, event: Incoming, origin: Origin) -> None:
        await self.tools.replies.show(await self.tools.handle(event), origin)

    # --- slash command ----------------------------------------------------------------------------

    async def on_command(self, ack: AsyncAck, command: dict[str, Any]) -> None:
        """``/study ...`` typed in a channel; ``resolve`` gets a hint, as threads cannot run it.

        A private answer ready within ``ANSWER_WITH_ACK_WITHIN`` travels in the acknowledgement
        itself, as Slack allows for slash commands; a slower one follows through the command's
        ``response_url`` once Slack has its acknowledgement."""
        with self._work("slash command"):
            user, channel = command["user_id"], command["channel_id"]
            origin = Origin(channel=channel, user=user, response_url=command.get("response_url"))
            answer = asyncio.ensure_future(self._command_reply(command))
            acked = False
            try:
                done, _ = await asyncio.wait({answer}, timeout=ANSWER_WITH_ACK_WITHIN)
                # A reply with pictures uploads them first: it follows the acknowledgement.
                if done and (reply := answer.result()) is not None and quick(reply):
                    acked = True
                    await ack(response_type="ephemeral", **render.message_arguments(reply.message))
                    return
                acked = True
                await ack()
                await self.tools.replies.show(await answer, origin)
            finally:
                if not acked:  # the answer failed: Slack still gets its acknowledgement
                    await ack()

    async def _command_reply(self, command: dict[str, Any]) -> Reply | None:
        user, channel = command["user_id"], command["channel_id"]
        text = member_text(command.get("text", ""))
        if text.lower().split()[:1] == ["resolve"]:
            # A slash command never comes from a thread on Slack, so the core's "use it in
            # the thread" would be no help: say what works instead.
            return say(RESOLVE_IN_SLACK)
        who = await self.tools.people.person(user, fallback_name=command.get("user_name", ""))
        event = CommandEvent(
            who=who,
            where=self.tools.identity.place(channel),
            event_id=f"trigger:{command['trigger_id']}",
            text=text,
        )
        return await self.tools.handle(event)

    # --- buttons, the ask modal, the resolve shortcut ------------------------------------------

    async def on_action(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        """A click on one of the bot's buttons; *Ask a question* opens the ask form."""
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
                await self.tools.client.views_open(
                    trigger_id=body["trigger_id"],
                    view=render.ask_modal(
                        private_metadata=encode_origin(channel=channel, thread=None),
                        max_length=MAX_TEXT,
                    ),
                )
                return
            origin = Origin(channel=channel, user=user, response_url=body.get("response_url"))
            event = ActionEvent(
                who=await self.tools.people.person(user, fallback_name=dig(body, "user", "name")),
                where=self.tools.identity.place(channel),
                event_id=f"trigger:{body.get('trigger_id') or action['action_ts']}",
                action=name,
                value=str(action.get("value", "")),
            )
            await self._dispatch(event, origin)

    async def on_unknown_action(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A click the bot cannot place (an old post's button, another app's): say so privately."""
        await ack()
        with self._work("unknown button"):
            user = dig(body, "user", "id")
            channel = dig(body, "channel", "id") or dig(body, "container", "channel_id")
            if user and channel:
                origin = Origin(channel=channel, user=user, response_url=body.get("response_url"))
                await self.tools.replies.say_privately(origin, UNKNOWN_BUTTON)

    async def on_ask_submitted(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]
    ) -> None:
        """The ask form sent; an empty or stale one is refused inside the form, which stays open."""
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
                who=await self.tools.people.person(user, fallback_name=dig(body, "user", "name")),
                where=self.tools.identity.place(channel),
                event_id=f"view:{view['id']}",
                action="ask",
                value=text,
            )
            await self._dispatch(event, Origin(channel=channel, user=user, thread=thread))

    async def on_unknown_view(self, ack: AsyncAck) -> None:
        """Any other view submission: acknowledged, so that its dialog closes."""
        await ack()

    async def on_resolve_shortcut(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """*Mark question resolved* on a question or an answer: ``resolve`` in its thread."""
        await ack()
        with self._work("resolve shortcut"):
            user, channel = body["user"]["id"], body["channel"]["id"]
            ts = body.get("message_ts") or dig(body, "message", "ts")
            thread = dig(body, "message", "thread_ts") or ts  # a question's thread is its post
            origin = Origin(
                channel=channel, user=user, thread=thread, response_url=body.get("response_url")
            )
            event = CommandEvent(
                who=await self.tools.people.person(user, fallback_name=dig(body, "user", "name")),
                where=self.tools.identity.place(channel, thread),
                event_id=f"trigger:{body['trigger_id']}",
                text="resolve",
            )
            await self._dispatch(event, origin)

    async def on_unknown_shortcut(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A shortcut the bot does not know (renamed in the app's settings): say so privately."""
        await ack()
        with self._work("unknown shortcut"):
            user, channel = dig(body, "user", "id"), dig(body, "channel", "id")
            if user and channel:
                origin = Origin(channel=channel, user=user, response_url=body.get("response_url"))
                await self.tools.replies.say_privately(origin, UNKNOWN_SHORTCUT)

    # --- bolt -------------------------------------------------------------------------------------

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        """A request bolt itself could not process (no listener ran): logged, nothing more."""
        log.error("bolt could not process a Slack request: %r", error)
