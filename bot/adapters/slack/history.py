"""Delivery keys on Slack: message metadata, and finding a keyed post again after a crash.

Every scheduled post carries its delivery key as message metadata
(``{"event_type": "studybot_post", "event_payload": {"key": ...}}``). When the ledger cannot
tell whether a claimed post went out (the bot died between sending and recording), it asks
``find_post``, which reads the channel's recent history, and the threads of the bot's own keyed
posts (discussion questions are replies in the kickoff's thread), for that key.

Only recent history is read: a claim expires after minutes, so a post sent before the crash is
among the channel's latest messages unless the channel is extremely busy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

EVENT_TYPE = "studybot_post"
PAGE = 100
HISTORY_LIMIT = 300  # top-level messages read at most
THREADS_LIMIT = 20  # threads of keyed posts read at most


def metadata_for(key: str | None) -> dict[str, Any]:
    """Keyword arguments for chat.postMessage that attach ``key`` (none without a key)."""
    if key is None:
        return {}
    return {"metadata": {"event_type": EVENT_TYPE, "event_payload": {"key": key}}}


def key_of(message: Mapping[str, Any]) -> str | None:
    """The delivery key in a message's metadata; None for a message the bot did not key."""
    metadata = message.get("metadata")
    if not isinstance(metadata, Mapping) or metadata.get("event_type") != EVENT_TYPE:
        return None
    payload = metadata.get("event_payload")
    key = payload.get("key") if isinstance(payload, Mapping) else None
    return key if isinstance(key, str) else None


async def _pages(
    call: Callable[..., Awaitable[AsyncSlackResponse]], limit: int, **arguments: Any
) -> AsyncIterator[dict[str, Any]]:
    seen, cursor = 0, None
    while seen < limit:
        page = await call(
            **arguments,
            limit=PAGE,
            include_all_metadata=True,
            **({"cursor": cursor} if cursor else {}),
        )
        for message in page.get("messages") or []:
            seen += 1
            yield message
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor or not page.get("has_more", True):
            return


async def find_keyed(client: AsyncWebClient, *, channel: str, key: str) -> str | None:
    """The ref of the post made with ``key``: its ts, or for a thread reply the thread's ts
    (what ``open_thread`` returned for it)."""
    threads: list[str] = []
    async for message in _pages(client.conversations_history, HISTORY_LIMIT, channel=channel):
        found = key_of(message)
        if found == key:
            return str(message["ts"])
        if found is not None and message.get("reply_count"):
            threads.append(str(message["ts"]))
    for thread in threads[:THREADS_LIMIT]:
        async for reply in _pages(client.conversations_replies, 1000, channel=channel, ts=thread):
            if key_of(reply) == key:
                return thread
    return None
