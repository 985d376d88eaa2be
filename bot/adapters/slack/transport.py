"""How Slack's requests reach the bolt app: HTTP (``POST /slack/events``) or Socket Mode.

Both answer every request Slack may retry: a verified request that no listener handles, or one
whose body cannot be read, is acknowledged (and logged) rather than answered 404 or 500, which
Slack would retry again and again. Over HTTP the signature is checked before the body is even
parsed; a request that fails the check gets 401 and is not looked at further.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping, Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.adapter.socket_mode.async_internals import (
    run_async_bolt_app,
    send_async_response,
)
from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.adapters.slack.settings import EVENTS_PATH

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # Slack's own payloads are far smaller


def signature_ok(verifier: SignatureVerifier, body: bytes, headers: Mapping[str, str]) -> bool:
    """Slack's v0 signature over ``v0:timestamp:body``, made within the last five minutes.
    ``headers`` should look names up case-insensitively, as aiohttp's do."""
    try:
        return verifier.is_valid(
            body,
            headers.get("X-Slack-Request-Timestamp"),
            headers.get("X-Slack-Signature"),
        )
    except (ValueError, UnicodeDecodeError):  # a timestamp that is no number, a body no text
        return False


class HttpTransport:
    """An aiohttp server for Slack's Events API, slash commands and interactivity."""

    def __init__(
        self,
        *,
        app: AsyncApp,
        signing_secret: str,
        port: int,
        host: str = "0.0.0.0",
        routes: Sequence[web.RouteDef] = (),
    ) -> None:
        """``routes``: more to serve on the same port (the operator's ``/healthz``, ``/metrics``)."""
        self.app = app
        self.verifier = SignatureVerifier(signing_secret)
        self.port = port
        self.host = host
        self.routes = list(routes)
        self._runner: web.AppRunner | None = None

    @property
    def listening(self) -> bool:
        """Between ``start`` and ``stop``."""
        return self._runner is not None

    async def start(self) -> None:
        """Listen on ``host`` and ``port``; with port 0 on a free port, then kept in ``port``."""
        server = web.Application(client_max_size=MAX_BODY_BYTES)
        server.add_routes([web.post(EVENTS_PATH, self.receive), *self.routes])
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # any free port (tests): learn which one
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("Slack requests: http://%s:%s%s", self.host, self.port, EVENTS_PATH)

    async def stop(self) -> None:
        """Stop listening and close open connections; calling it twice does no harm."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def receive(self, request: web.Request) -> web.Response:
        """One request: signature first, then bolt; what no listener takes is still acknowledged."""
        body = await request.read()
        if not signature_ok(self.verifier, body, request.headers):
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = await to_bolt_request(request)
        except Exception:  # JSON that does not parse, or parses to something odd
            log.warning("ignored a signed Slack request whose body is not readable")
            return web.Response(status=200)
        try:
            response = await self.app.async_dispatch(bolt_request)
        except Exception:
            log.exception("bolt failed on a Slack request; acknowledged without action")
            return web.Response(status=200)
        if response.status == 404:  # nothing handles it: acknowledge, so Slack does not retry
            return web.Response(status=200)
        return await to_aiohttp_response(response)


def socket_open(handler: AsyncSocketModeHandler) -> bool:
    """Whether the Socket Mode websocket is open now (it reconnects by itself when it drops)."""
    client = handler.client
    session = getattr(client, "current_session", None)  # slack_sdk's aiohttp client has one
    return not client.closed and session is not None and not session.closed


class ShieldedSocketModeHandler(AsyncSocketModeHandler):
    """bolt's handler, acknowledging every envelope: one it cannot read is dropped, not
    redelivered forever."""

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        """Run bolt on one envelope and acknowledge it, whatever bolt made of it."""
        started = time.time()
        try:
            response: BoltResponse = await run_async_bolt_app(self.app, req)
        except Exception:
            log.exception("bolt failed on a Socket Mode envelope; acknowledged without action")
            response = BoltResponse(status=200)
        if response.status != 200:
            response = BoltResponse(status=200)
        try:
            await send_async_response(client, req, response, started)
        except Exception:
            log.exception("could not acknowledge envelope %s", req.envelope_id)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

    async def close_async(self) -> None:
        """Close the socket at once rather than after slack_sdk's 10-second wait (see below)."""
        # slack_sdk's close() sends the websocket close frame while its own receive loop is
        # still reading, so the close handshake's answer goes to that loop and close() waits
        # out aiohttp's 10-second timeout. Stopping the loops first makes stopping immediate.
        client = self.client
        client.closed = True
        client.auto_reconnect_enabled = False
        loops = [t for t in (client.current_session_monitor, client.message_receiver) if t]
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        await client.close()
