"""Showing the bot's answer to the member who acted.

Ephemeral answers go through the interaction's ``response_url`` when there is one (it works in
any channel, even one the bot has not been invited to), else chat.postEphemeral. Answers for
everyone are chat.postMessage in the channel (or the thread the member acted in).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack import render
from bot.adapters.slack.pictures import uploaded
from bot.core.models import Reply, say

log = logging.getLogger(__name__)
# slack_sdk builds its debug lines (each with the whole answer) whenever its logger's own level
# is unset, whatever the handlers then let through; a level of its own spares every answer that.
WEBHOOK_LOG = logging.getLogger(f"{__name__}.response_url")
WEBHOOK_LOG.setLevel(logging.INFO)
RESPONSE_URL_TIMEOUT = aiohttp.ClientTimeout(total=30)  # slack_sdk's own, for a client it makes

NOT_A_MEMBER = ("not_in_channel", "channel_not_found")


@dataclass(frozen=True, kw_only=True)
class Origin:
    """Where a member acted, so the answer lands next to it."""

    channel: str
    user: str
    thread: str | None = None
    response_url: str | None = None


class Replies:
    """Puts the bot's answers next to what a member did, privately or for everyone."""

    def __init__(
        self, *, client: AsyncWebClient, retry_handlers: Sequence[AsyncRetryHandler] = ()
    ) -> None:
        self.client = client
        self.retry_handlers = list(retry_handlers)
        # One session for every response_url answer: its connections to Slack stay open between
        # answers (slack_sdk would open and close a session, and a connection, for each).
        self._session: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        """Close the connections kept for response_url answers (once answers are done)."""
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def show(self, reply: Reply | None, origin: Origin) -> None:
        """The core's reply, if any: privately or in the channel, as the core decided."""
        if reply is None:
            return
        arguments = render.message_arguments(
            reply.message, await uploaded(self.client, reply.message)
        )
        if reply.ephemeral:
            await self.ephemeral(origin, arguments)
        else:
            await self.in_channel(origin, arguments)

    async def say_privately(self, origin: Origin, text: str) -> None:
        """A short adapter-level note (a button the bot does not know, a failed download)."""
        await self.ephemeral(origin, render.message_arguments(say(text).message))

    async def ephemeral(self, origin: Origin, arguments: dict[str, Any]) -> None:
        """Seen by ``origin.user`` only: via ``response_url`` while it works, else the Web API."""
        if origin.response_url and await self._respond(origin.response_url, "ephemeral", arguments):
            return
        thread = {"thread_ts": origin.thread} if origin.thread else {}
        await self.client.chat_postEphemeral(
            channel=origin.channel, user=origin.user, **thread, **arguments
        )

    async def in_channel(self, origin: Origin, arguments: dict[str, Any]) -> None:
        """For everyone; where the bot is no member, through the command's ``response_url``."""
        thread = {"thread_ts": origin.thread} if origin.thread else {}
        try:
            await self.client.chat_postMessage(
                channel=origin.channel,
                unfurl_links=False,
                unfurl_media=False,
                **thread,
                **arguments,
            )
        except SlackApiError as error:
            if error.response.get("error") not in NOT_A_MEMBER or not origin.response_url:
                raise
            # The bot was never invited here: answer through the command itself, and say why
            # the weekly posts will not appear until it is.
            await self._respond(origin.response_url, "in_channel", arguments)
            await self._respond(
                origin.response_url,
                "ephemeral",
                {
                    "text": "I am not a member of this channel yet, so I cannot post the weekly "
                    "kickoff here. Invite me with `/invite @studybot`."
                },
            )

    async def _respond(self, url: str, response_type: str, arguments: dict[str, Any]) -> bool:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=RESPONSE_URL_TIMEOUT)
        webhook = AsyncWebhookClient(
            url=url, session=self._session, retry_handlers=self.retry_handlers, logger=WEBHOOK_LOG
        )
        try:
            response = await webhook.send(
                response_type=response_type, replace_original=False, **arguments
            )
        except Exception as error:  # an expired response_url: fall back to the Web API
            log.warning("response_url failed: %s", error)
            return False
        if response.status_code != 200:
            log.warning("response_url answered %s: %s", response.status_code, response.body)
            return False
        return True
