"""``SlackAdapter``: the Adapter protocol on Slack, with slack-bolt's AsyncApp underneath.

Refs are Slack timestamps (``ts``). A thread on Slack is named by its parent's ts, so
``open_thread`` returns the parent's ts: a question's post and its thread share one ref, which
is what reaction and thread events name. The kickoff's discussion questions are replies in the
kickoff's own thread.

Rate limits: the Web API client retries a 429 ``ratelimited`` after the ``Retry-After`` it was
given (slack_sdk's retry handler), and so does the ``response_url`` client; nothing is dropped
because of a rate limit unless Slack keeps refusing through every retry, and then the delivery
ledger tries again on its next tick.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack import render
from bot.adapters.slack.events import SlackTools
from bot.adapters.slack.files import Files
from bot.adapters.slack.history import find_keyed, metadata_for
from bot.adapters.slack.listeners import Listeners
from bot.adapters.slack.people import Identity, People
from bot.adapters.slack.pictures import uploaded
from bot.adapters.slack.replies import Replies
from bot.adapters.slack.settings import SlackSettings
from bot.adapters.slack.transport import HttpTransport, ShieldedSocketModeHandler, socket_open
from bot.core.errors import StudybotError
from bot.core.models import Message, Place
from bot.core.ports import NO_METER, BotPort, Meter

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 10
DRAIN_SECONDS = 10.0


class _NoTokenNotice(logging.Filter):
    """bolt notices SLACK_BOT_TOKEN in the environment next to the client it was given (which
    carries that same token) and warns that the token is unused; that is expected here."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


BOLT_LOG = logging.getLogger("bot.adapters.slack.bolt")
BOLT_LOG.addFilter(_NoTokenNotice())
# bolt formats a debug line for every request unless its logger says debug is off.
BOLT_LOG.setLevel(logging.INFO)


class SlackStartError(StudybotError):
    """Slack cannot be used with these settings (a rejected token, an unreachable API)."""


# Calls that change nothing, so a lost answer may be asked again. A post, an edit or a reply to
# a response URL may have been done when its answer was lost: repeating it blindly posts twice.
# Those are left to the delivery ledger, which looks for the post by its key before sending again.
REPEATABLE = frozenset(
    {
        "auth.test",
        "apps.connections.open",
        "users.info",
        "conversations.history",
        "conversations.replies",
        "files.info",
        "views.publish",  # replaces the whole App Home: the same call twice is the same page
    }
)


def repeatable(request: HttpRequest) -> bool:
    """Whether asking Slack again cannot do a thing twice (429s are always safe: not done)."""
    path = urlsplit(request.url).path
    return "/api/" in path and path.rsplit("/", 1)[-1] in REPEATABLE


class OnlyRepeatable(AsyncRetryHandler):
    """Mixed into a retry handler: it retries only calls that change nothing."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return repeatable(request) and await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


class RepeatableConnectionErrorRetryHandler(OnlyRepeatable, AsyncConnectionErrorRetryHandler):
    """Retries a lost connection, for repeatable calls only."""


class RepeatableServerErrorRetryHandler(OnlyRepeatable, AsyncServerErrorRetryHandler):
    """Retries a 500 or 503, for repeatable calls only."""


class CountedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler (waits Retry-After, then asks again), counting every 429 on
    ``meter``, the last one it gives up on included."""

    meter: Meter = NO_METER  # set when the adapter starts (``BotPort.meter``)

    async def can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        """Count a 429, then decide as slack_sdk does."""
        if response is not None and response.status_code == 429:
            self.meter.rate_limited(SlackAdapter.platform)
        return await super().can_retry_async(
            state=state, request=request, response=response, error=error
        )


def retry_handlers() -> list[AsyncRetryHandler]:
    """What Slack's clients retry: 429s (after Retry-After) always; lost connections and 5xx
    answers only for calls that change nothing."""
    return [
        RepeatableConnectionErrorRetryHandler(max_retry_count=2),
        CountedRateLimitRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        RepeatableServerErrorRetryHandler(max_retry_count=2),
    ]


class SlackAdapter:
    """The core's posts, threads, DMs and edits on Slack; ``start`` brings its requests in."""

    platform = "slack"

    def __init__(self, *, settings: SlackSettings, host: str = "0.0.0.0") -> None:
        self.settings = settings
        self.host = host
        self.channel_rate: float | None = settings.channel_rate
        self.workspace_rate: float | None = settings.workspace_rate
        self.retry_handlers = retry_handlers()
        self.client = AsyncWebClient(
            token=settings.bot_token, base_url=settings.api_url, retry_handlers=self.retry_handlers
        )
        self.identity: Identity | None = None
        self.listeners: Listeners | None = None
        self._session: aiohttp.ClientSession | None = None
        self._http: HttpTransport | None = None
        self._socket: ShieldedSocketModeHandler | None = None
        self._also_served: list[web.RouteDef] = []

    @property
    def http_port(self) -> int | None:
        """The port HTTP mode listens on (the real one when started with port 0)."""
        return self._http.port if self._http is not None else None

    @property
    def connected(self) -> bool:
        """Started with an accepted token, and Slack's way in open: the HTTP server listening,
        or the Socket Mode connection up."""
        if self.identity is None:
            return False
        if self._http is not None:
            return self._http.listening
        return self._socket is not None and socket_open(self._socket)

    def also_serve(self, routes: Sequence[web.RouteDef]) -> bool:
        """Serve ``routes`` (``/healthz``, ``/metrics``) on the HTTP port next to Slack's
        requests, from ``start`` on; False in Socket Mode, which has no port."""
        if self.settings.app_token is not None:
            return False
        self._also_served = list(routes)
        return True

    # --- the Adapter protocol: posting ----------------------------------------------------------

    async def _post(self, channel: str, message: Message, **extra: Any) -> str:
        files = await uploaded(self.client, message)  # its pictures, privately, then the post
        response = await self.client.chat_postMessage(
            channel=channel,
            unfurl_links=False,  # the kickoff's companion links would each unfurl a big card
            unfurl_media=False,
            **render.message_arguments(message, files),
            **extra,
        )
        return str(response["ts"])

    async def post(self, place: Place, message: Message, *, key: str | None = None) -> str:
        """A message in the channel, or in the thread ``place`` names."""
        thread = {"thread_ts": place.thread} if place.thread else {}
        return await self._post(place.channel, message, **thread, **metadata_for(key))

    async def open_thread(
        self, place: Place, parent_ref: str, message: Message, *, key: str | None = None
    ) -> str:
        """The message in ``parent_ref``'s thread, which Slack names by the parent's ts."""
        await self._post(place.channel, message, thread_ts=parent_ref, **metadata_for(key))
        return parent_ref

    async def reply(self, place: Place, thread_ref: str, message: Message) -> str:
        """A message in the thread ``thread_ref`` (its parent's ts)."""
        return await self._post(place.channel, message, thread_ts=thread_ref)

    async def direct_message(
        self, user_id: str, message: Message, *, key: str | None = None
    ) -> str:
        """A message in the app's Messages tab of that member."""
        # A user id as the channel posts in the app's DM with that user (its Messages tab).
        return await self._post(user_id, message, **metadata_for(key))

    async def update(self, place: Place, message_ref: str, message: Message) -> None:
        """Replace a post's text and blocks in place."""
        files = await uploaded(self.client, message)  # an edit shows its pictures again
        await self.client.chat_update(
            channel=place.channel, ts=message_ref, **render.message_arguments(message, files)
        )

    async def find_post(self, place: Place, key: str) -> str | None:
        """The post made with ``key``, from the channel's recent history (see ``history``)."""
        return await find_keyed(self.client, channel=place.channel, key=key)

    def link_to(self, place: Place, ref: str) -> str | None:
        """The permalink of the message ``ref`` (the ``Permalinks`` port)."""
        return self.identity.link_to(place.channel, ref) if self.identity else None

    # --- the Adapter protocol: running ----------------------------------------------------------

    async def _whoami(self) -> Identity:
        try:
            auth = await self.client.auth_test()
        except SlackApiError as error:
            raise SlackStartError(
                f"Slack did not accept SLACK_BOT_TOKEN ({error.response.get('error')}). Copy the "
                "Bot User OAuth Token again from OAuth & Permissions, and reinstall the app if "
                "you changed its scopes."
            ) from None
        except aiohttp.ClientError as error:
            raise SlackStartError(
                f"Cannot reach Slack's Web API at {self.settings.api_url}: {error}"
            ) from None
        return Identity(
            team_id=str(auth["team_id"]),
            bot_user_id=str(auth["user_id"]),
            url=str(auth.get("url") or ""),
        )

    async def start(self, bot: BotPort) -> None:
        """Check the token (auth.test), then take Slack's requests over Socket Mode or HTTP."""
        self.identity = await self._whoami()
        for handler in self.retry_handlers:
            if isinstance(handler, CountedRateLimitRetryHandler):
                handler.meter = bot.meter
        self._session = aiohttp.ClientSession()
        # Without a session of its own slack_sdk opens (and closes) one per Web API call: a
        # new connection for every post. One kept-open session serves them all.
        self.client.session = self._session
        app = AsyncApp(
            client=self.client,
            signing_secret=self.settings.signing_secret,
            process_before_response=False,  # ack first, work after: Slack's 3 seconds
            # Over HTTP the transport checks the signature before bolt sees the request (and
            # Socket Mode needs none): bolt checking it again would only cost time.
            request_verification_enabled=False,
            name="studybot",
            logger=BOLT_LOG,
        )
        self.listeners = Listeners(
            SlackTools(
                client=self.client,
                handle=bot.handle,
                home=bot.home,
                identity=self.identity,
                people=People(client=self.client),
                replies=Replies(client=self.client, retry_handlers=self.retry_handlers),
                files=Files(
                    client=self.client,
                    session=self._session,
                    token=self.settings.bot_token,
                    api_host=self.settings.api_host,
                ),
            )
        )
        self.listeners.register(app)
        if self.settings.app_token is not None:
            self._socket = ShieldedSocketModeHandler(
                app, app_token=self.settings.app_token, web_client=self.client
            )
            await self._socket.connect_async()
        else:
            self._http = HttpTransport(
                app=app,
                signing_secret=self.settings.signing_secret,
                port=self.settings.port,
                host=self.host,
                routes=self._also_served,
            )
            await self._http.start()

    async def stop(self) -> None:
        """First no new requests, then let acknowledged ones finish, then release the rest."""
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None
        if self._http is not None:
            await self._http.stop()
            self._http = None
        if self.listeners is not None:
            await self.listeners.drain(DRAIN_SECONDS)
            await self.listeners.tools.replies.close()
        if self._session is not None:
            self.client.session = None
            await self._session.close()
            self._session = None
