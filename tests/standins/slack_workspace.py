"""What members do in the stand-in's workspace, as the payloads Slack sends for it.

Shapes follow Slack's documentation (Events API ``event_callback``, slash command form fields,
``block_actions``, ``view_submission``, ``message_action``); each goes to the bot through the
stand-in (signed HTTP or a Socket Mode envelope).
"""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any

from .slack_server import (
    APP_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    Delivered,
    SlackStandIn,
)

CHANNEL = "C0GROUP01"


class Workspace:
    """Members acting in a channel (joins, commands, clicks, replies), sent as Slack sends them."""

    def __init__(self, standin: SlackStandIn, *, channel: str = CHANNEL) -> None:
        self.standin = standin
        self.channel = channel
        self._events = itertools.count(1)

    def _user(self, user: str) -> dict[str, Any]:
        name = self.standin.users.get(user, {}).get("name", user.lower())
        return {"id": user, "username": name, "name": name, "team_id": TEAM_ID}

    # --- Events API -----------------------------------------------------------------------------

    def event_body(self, event: dict[str, Any], *, event_id: str | None = None) -> dict[str, Any]:
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._events):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
        }

    async def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int = 0
    ) -> Delivered:
        body = self.event_body(event, event_id=event_id)
        return await self.standin.deliver("events_api", body, retry=retry)

    async def join(
        self, user: str, *, channel: str | None = None, event_id: str | None = None
    ) -> Delivered:
        return await self.event(
            {
                "type": "member_joined_channel",
                "user": user,
                "channel": channel or self.channel,
                "channel_type": "C",
                "team": TEAM_ID,
                "event_ts": self.standin.new_ts(),
            },
            event_id=event_id,
        )

    async def leave(self, user: str, *, channel: str | None = None) -> Delivered:
        return await self.event(
            {
                "type": "member_left_channel",
                "user": user,
                "channel": channel or self.channel,
                "channel_type": "C",
                "team": TEAM_ID,
                "event_ts": self.standin.new_ts(),
            }
        )

    def message_event(
        self, user: str, text: str, *, thread_ts: str | None = None, channel: str | None = None
    ) -> dict[str, Any]:
        """A member's message, also stored in the stand-in (history shows it, like Slack's)."""
        channel = channel or self.channel
        message: dict[str, Any] = {
            "type": "message",
            "user": user,
            "text": text,
            "ts": self.standin.new_ts(),
            "team": TEAM_ID,
            "client_msg_id": str(uuid.uuid4()),
        }
        self.standin.add_message(channel, dict(message), thread_ts=thread_ts)
        if thread_ts:
            message |= {"thread_ts": thread_ts, "parent_user_id": BOT_USER_ID}
        return {
            **message,
            "channel": channel,
            "event_ts": message["ts"],
            "channel_type": "channel",
        }

    async def reply(
        self, user: str, thread_ts: str, text: str, *, event_id: str | None = None, retry: int = 0
    ) -> tuple[str, Delivered]:
        event = self.message_event(user, text, thread_ts=thread_ts)
        return event["ts"], await self.event(event, event_id=event_id, retry=retry)

    async def react(
        self, user: str, ts: str, emoji: str = "white_check_mark", *, channel: str | None = None
    ) -> Delivered:
        item_user = (self.standin.find(channel or self.channel, ts) or {}).get("user", "")
        return await self.event(
            {
                "type": "reaction_added",
                "user": user,
                "reaction": emoji,
                "item_user": item_user,
                "item": {"type": "message", "channel": channel or self.channel, "ts": ts},
                "event_ts": self.standin.new_ts(),
            }
        )

    async def share_file(
        self,
        user: str,
        name: str,
        content: bytes,
        *,
        mention: bool = True,
        size: int | None = None,
    ) -> tuple[str, Delivered]:
        shared = self.standin.add_file(name, content, size=size, user=user)
        text = f"<@{BOT_USER_ID}> our syllabus" if mention else "our syllabus"
        event = self.message_event(user, text)
        event |= {
            "subtype": "file_share",
            "files": [
                {k: shared[k] for k in ("id", "name", "title", "mimetype", "filetype", "size")}
                | {"url_private": shared["url_private"]}
            ],
            "upload": True,
            "display_as_bot": False,
        }
        return event["ts"], await self.event(event)

    async def open_home(self, user: str) -> Delivered:
        return await self.event(
            {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0HOME0001",
                "tab": "home",
                "event_ts": self.standin.new_ts(),
            }
        )

    # --- slash command and interactivity ----------------------------------------------------------

    async def slash(self, user: str, text: str, *, channel: str | None = None) -> Delivered:
        channel = channel or self.channel
        return await self.standin.deliver(
            "slash_commands",
            {
                "token": "legacy-verification-token",
                "team_id": TEAM_ID,
                "team_domain": TEAM_DOMAIN,
                "channel_id": channel,
                "channel_name": "study-group",
                "user_id": user,
                "user_name": self._user(user)["name"],
                "command": "/study",
                "text": text,
                "api_app_id": APP_ID,
                "is_enterprise_install": "false",
                "response_url": self.standin.new_response_url(user=user, channel=channel),
                "trigger_id": self.standin.new_trigger(),
            },
        )

    def click_payload(
        self, user: str, message: dict[str, Any], label: str, *, channel: str | None = None
    ) -> dict[str, Any]:
        for block in message.get("blocks", []):
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                if element["text"]["text"] == label:
                    return self.action_payload(
                        user, message, element, block.get("block_id", "b1"), channel=channel
                    )
        raise AssertionError(f"no button {label!r} in {message.get('text')!r}")

    def action_payload(
        self,
        user: str,
        message: dict[str, Any],
        element: dict[str, Any],
        block_id: str = "b1",
        *,
        channel: str | None = None,
    ) -> dict[str, Any]:
        channel = channel or self.channel
        action = {
            "type": "button",
            "action_id": element["action_id"],
            "block_id": block_id,
            "text": element["text"],
            "action_ts": f"{time.time():.6f}",
        }
        if "value" in element:
            action["value"] = element["value"]
        return {
            "type": "block_actions",
            "user": self._user(user),
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": self.standin.new_trigger(),
            "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
            "enterprise": None,
            "is_enterprise_install": False,
            "channel": {"id": channel, "name": "study-group"},
            "message": message,
            "state": {"values": {}},
            "response_url": self.standin.new_response_url(user=user, channel=channel),
            "actions": [action],
        }

    async def click(
        self, user: str, message: dict[str, Any], label: str, *, channel: str | None = None
    ) -> Delivered:
        """A click on a button of ``message`` (in ``channel``: a DM's, say; else the group's)."""
        payload = self.click_payload(user, message, label, channel=channel)
        return await self.standin.deliver("interactive", payload)

    async def submit(self, user: str, view: dict[str, Any], values: dict[str, Any]) -> Delivered:
        """Submit an opened modal; ``values`` maps block_id -> action_id -> typed value."""
        state = {
            block: {
                action: {"type": "plain_text_input", "value": value}
                for action, value in inputs.items()
            }
            for block, inputs in values.items()
        }
        return await self.standin.deliver(
            "interactive",
            {
                "type": "view_submission",
                "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
                "user": self._user(user),
                "api_app_id": APP_ID,
                "token": "legacy-verification-token",
                "trigger_id": self.standin.new_trigger(),
                "view": {**view, "state": {"values": state}, "root_view_id": view["id"]},
                "response_urls": [],
                "is_enterprise_install": False,
                "enterprise": None,
            },
        )

    async def shortcut(
        self, user: str, message: dict[str, Any], callback_id: str = "studybot.resolve"
    ) -> Delivered:
        return await self.standin.deliver(
            "interactive",
            {
                "type": "message_action",
                "token": "legacy-verification-token",
                "action_ts": f"{time.time():.6f}",
                "team": {"id": TEAM_ID, "domain": TEAM_DOMAIN},
                "user": self._user(user),
                "channel": {"id": self.channel, "name": "study-group"},
                "is_enterprise_install": False,
                "enterprise": None,
                "callback_id": callback_id,
                "trigger_id": self.standin.new_trigger(),
                "response_url": self.standin.new_response_url(user=user, channel=self.channel),
                "message_ts": message["ts"],
                "message": message,
            },
        )
