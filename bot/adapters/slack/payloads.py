"""Reading Slack payloads: pure functions, no network.

Slack sends text with its markup: ``&``, ``<`` and ``>`` as entities, links and channels as
``<https://...|label>`` and ``<#C123|general>``, mentions as ``<@U123>``. The core wants what the
member typed, so links and channels become readable again, while user mentions stay tokens:
the core resolves ``<@U123|ada>`` in ``/study organizer add @ada``, and defuses them when it
echoes text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.adapters.slack.render import ACTION_PREFIX

_TOKEN = re.compile(r"<([^<>\n]*)>")
_SPECIAL = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def _readable(token: str) -> str:
    target, _, label = token.partition("|")
    if target.startswith("@"):
        return f"<{token}>"  # a user mention: the core knows what to do with it
    if target.startswith("#"):
        return f"#{label or target[1:]}"
    if target.startswith("!"):
        name = target[1:].split("^", 1)[0]
        return _SPECIAL.get(name) or label or f"@{name}"
    if label and label != target:
        return f"{label} ({target})"
    return target


def member_text(text: str) -> str:
    """Slack message or command text as the plain text the member typed."""
    text = _TOKEN.sub(lambda m: _readable(m.group(1)), text or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def action_name(action_id: str) -> str | None:
    """``studybot.checkin.0`` -> ``checkin``; None for an action that is not the bot's."""
    if not action_id.startswith(ACTION_PREFIX):
        return None
    name = action_id[len(ACTION_PREFIX) :].rsplit(".", 1)[0]
    return name or None


def base_emoji(reaction: str) -> str:
    """``+1::skin-tone-2`` -> ``+1``."""
    return reaction.split("::", 1)[0]


def is_thread_reply(event: Mapping[str, Any]) -> bool:
    """Whether a message event is a reply in a thread (not the thread's parent)."""
    thread = event.get("thread_ts")
    return bool(thread) and thread != event.get("ts")


def mentions(text: str, user_id: str) -> bool:
    """Whether Slack text mentions ``user_id`` (``<@U123>`` or ``<@U123|name>``)."""
    return bool(user_id) and (f"<@{user_id}>" in text or f"<@{user_id}|" in text)


def encode_origin(*, channel: str, thread: str | None) -> str:
    """Where a modal was opened from, carried through Slack in ``private_metadata``."""
    return json.dumps({"channel": channel, "thread": thread})


def decode_origin(metadata: str) -> tuple[str, str | None] | None:
    """``encode_origin``'s channel and thread; None for metadata the bot did not write."""
    try:
        data = json.loads(metadata)
        channel, thread = data["channel"], data.get("thread")
    except (ValueError, TypeError, KeyError):
        return None
    if not isinstance(channel, str) or not channel or not isinstance(thread, str | None):
        return None
    return channel, thread


def view_input(view: Mapping[str, Any], block_id: str, action_id: str) -> str:
    """The value typed into one input of a submitted view ("" when absent)."""
    try:
        value = view["state"]["values"][block_id][action_id].get("value")
    except (KeyError, TypeError, AttributeError):
        return ""
    return value if isinstance(value, str) else ""


def dig(payload: Any, *path: str) -> str:
    """``payload[path[0]][path[1]]...`` as a string, "" when any step is missing."""
    for key in path:
        if not isinstance(payload, Mapping):
            return ""
        payload = payload.get(key)
    return payload if isinstance(payload, str) else ""
