"""A local Discord for tests: the HTTP API routes studybot uses and a gateway websocket.

The real discord.py client is pointed here through ``DISCORD_API_URL`` (``Route.BASE``) and
``DISCORD_GATEWAY_URL`` (``DiscordWebSocket.DEFAULT_GATEWAY``). Every request is checked
against Discord's OpenAPI description (``violations``), against the bot's permissions in the
server (a request the bot may not make gets Discord's 403, and ``used_permissions`` collects
what was needed), and recorded. JSON is answered with ``Content-Type: application/json``
exactly, the only form discord.py parses; a rate limit is a 429 with a ``Via`` header, as from
Discord itself (without one, discord.py takes it for a Cloudflare ban).

The gateway sends HELLO, READY and GUILD_CREATE, acknowledges heartbeats, echoes what the bot
does (MESSAGE_CREATE, THREAD_CREATE, CHANNEL_UPDATE, ...) and plays members: INTERACTION_CREATE
for commands, buttons, forms and autocomplete, MESSAGE_CREATE in threads, MESSAGE_REACTION_ADD,
GUILD_MEMBER_REMOVE. Tests wait on what the stand-in receives, never on the clock.

Several bot processes may connect at once (one ledger, several workers): each sees the echoes
of what any of them did, and members' actions go to the newest one still connected. ``latency``
makes every API call slow, so that a test can kill a process in the middle of its posting.

Servers and shards: ``add_guild`` puts the same bot in another server. A request is served in
the server its path names (a channel, a server, an interaction), and a member acts in the server
of the channel they act in. A connection whose IDENTIFY carries ``shard: [i, n]`` gets only the
events of the servers on shard i, by Discord's ``(guild_id >> 22) % n`` (what belongs to no
server goes to shard 0); ``GET /gateway/bot`` answers ``recommended_shards``.

Lost answers: ``lost_answers`` plays a given sequence of failures on one route, and
``lose_at_random`` loses the answers to a share of the posts the bot makes (seeded: the same
draws, in the order the requests arrive); ``lost`` lists what was injected.

Files: a message sent with files (multipart, parts ``files[n]`` listed by ``payload_json``'s
``attachments``) is stored with Discord's attachment objects, its bytes served at the stand-in's
CDN (``attachments``, by id; ``pictures_of`` gives a message's PNGs), and an embed's
``attachment://NAME`` becomes that attachment's address, as Discord shows it. An edit without an
``attachments`` key keeps the message's files; one with it keeps those it lists (by id) and adds
its new parts. Parts and entries that do not match, more than ten files, a file over 10 MiB and an
``attachment://`` naming no file are violations.

Scheduled events: the bot creates, reads, edits and deletes a server's events
(``/guilds/{guild_id}/scheduled-events``), kept by ``Guild`` and checked by Discord's rules; a
refused one is answered as Discord does (400, Invalid Form Body or 180000 for a finished event)
and is a violation. Creating one needs Create Events (or Manage Events); changing or deleting
another's needs Manage Events. "Starts in the future" is checked against ``now`` once a test
sets it (to its fake clock's ``now``, or the wall clock): the bot's clock is the test's, which
the stand-in cannot know, and the wall clock would refuse what a fake clock in the past plans.
``events`` are the stored events, ``events_in`` one server's, ``mark_interested`` sets who
clicked Interested (``user_count`` when asked ``with_user_count``, and the event's ``/users``). No gateway events are sent
for them (studybot has no Guild Scheduled Events intent), but GUILD_CREATE lists them.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import json
import mimetypes
import random
import re
import time
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

import discord
from aiohttp import WSMsgType, web

from .discord_guild import (
    DM,
    EPHEMERAL,
    FORUM,
    HAS_THREAD,
    STAGE_EVENT,
    VOICE_EVENT,
    Channel,
    EventRefused,
    Guild,
    Person,
    now_iso,
)
from .discord_spec import discord_spec

API = "/api/v10"
JSON = "application/json"
PRIVILEGED = (1 << 1) | (1 << 8) | (1 << 15)  # members, presences, message content
MESSAGE_CONTENT = 1 << 15


def _without_content(message: dict[str, Any], *, bot_id: str) -> dict[str, Any]:
    """A message as Discord shows it to a bot without the Message Content intent: its content,
    embeds, attachments and components empty, unless it mentions the bot (or is the bot's)."""
    mentioned = any(user["id"] == bot_id for user in message.get("mentions") or [])
    if mentioned or message.get("author", {}).get("id") == bot_id:
        return message
    return {**message, "content": "", "embeds": [], "attachments": [], "components": []}


# The requests that create a post (a message, a thread from a message, a forum post): those
# whose answer ``lose_at_random`` may lose.
POSTING = frozenset(
    {
        ("POST", "/channels/{channel_id}/messages"),
        ("POST", "/channels/{channel_id}/messages/{message_id}/threads"),
        ("POST", "/channels/{channel_id}/threads"),
    }
)
# The requests that may carry files (the message they make or edit gets them).
FILE_ROUTES = frozenset(
    {
        ("POST", "/channels/{channel_id}/messages"),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
        ("POST", "/channels/{channel_id}/threads"),  # body["message"]: a forum post's first
        ("POST", "/interactions/{interaction_id}/{interaction_token}/callback"),  # body["data"]
        ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
        ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    }
)
MAX_FILES = 10  # attachments on one message
MAX_FILE_SIZE = 10 * 1024 * 1024  # a bot's upload limit in a server without boosts
MAX_DESCRIPTION = 1024  # an attachment's alt text
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
FILE_PART = re.compile(r"files\[(\d+)\]")
# Embed slots whose address may be ``attachment://NAME``.
ATTACHMENT_SLOTS = (
    ("image", "url"),
    ("thumbnail", "url"),
    ("author", "icon_url"),
    ("footer", "icon_url"),
)
# The id of the server the request being served concerns: route handlers read
# ``DiscordStandIn.guild``, and each request sets this before its handler runs.
_SERVING: ContextVar[str | None] = ContextVar("discord_stand_in_server", default=None)


def shard_of(guild_id: str, count: int) -> int:
    """The shard Discord sends a server's events to, out of ``count``."""
    return (int(guild_id) >> 22) % count


def _guild_id_of(name: str, data: dict[str, Any]) -> str | None:
    return data.get("guild_id") or (data.get("id") if name == "GUILD_CREATE" else None)


@dataclass
class Seen:
    """One HTTP request the bot made."""

    method: str
    path: str  # below /api/v10
    template: str
    query: dict[str, str]
    body: Any
    files: dict[str, bytes]
    status: int = 0
    filenames: dict[str, str] = field(default_factory=dict)  # part name -> its filename


def png_size(content: bytes) -> tuple[int, int] | None:
    """A PNG's width and height from its IHDR chunk; None for anything else."""
    if content.startswith(PNG_SIGNATURE) and content[12:16] == b"IHDR":
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    return None


def content_type_of(filename: str, content: bytes) -> str:
    """The type Discord gives an uploaded file: by its bytes for a PNG, else by its name."""
    if png_size(content) is not None:
        return "image/png"
    guessed = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def pictures_in(message: dict[str, Any], files: dict[str, bytes]) -> list[bytes]:
    """The PNG bytes of a stored message's attachments, in order."""
    return [
        files[a["id"]]
        for a in message.get("attachments") or []
        if a.get("content_type") == "image/png" and a["id"] in files
    ]


@dataclass
class Answer:
    """What the bot answered to one interaction."""

    id: str
    token: str
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)  # PATCH .../messages/@original
    followups: list[dict[str, Any]] = field(default_factory=list)
    # The messages as Discord stores them: the response (@original, as edited) and follow-ups.
    original: dict[str, Any] | None = None
    followup_messages: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict, repr=False)  # the stand-in's CDN

    @property
    def pictures(self) -> list[bytes]:
        """The PNGs the member saw with the answer (response, then follow-ups), in order."""
        shown = [m for m in (self.original, *self.followup_messages) if m is not None]
        return [picture for message in shown for picture in pictures_in(message, self.files)]

    @property
    def type(self) -> int | None:
        return self.callbacks[0]["type"] if self.callbacks else None

    @property
    def data(self) -> dict[str, Any]:
        return (self.callbacks[0].get("data") or {}) if self.callbacks else {}

    @property
    def settled(self) -> bool:
        """A final answer is there (a deferred one has been filled in)."""
        return self.type is not None and (self.type != 5 or bool(self.edits))

    @property
    def ephemeral(self) -> bool:
        """Only the member who acted saw the answer (a deferred answer is private unless a
        public follow-up came)."""
        if self.type == 5:
            return all((f.get("flags") or 0) & EPHEMERAL for f in self.followups)
        return bool((self.data.get("flags") or 0) & EPHEMERAL)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Message bodies the member saw: the response (or its edit) and follow-ups."""
        first = self.edits[-1:] if self.edits else ([self.data] if self.type in (4, 7) else [])
        return [*first, *self.followups]

    @property
    def text(self) -> str:
        return "\n".join(message_text(m) for m in self.messages)


def message_text(body: dict[str, Any]) -> str:
    """Everything a person reads in a message body: content, embed titles, text, fields."""
    parts = [body.get("content") or ""]
    for embed in body.get("embeds") or []:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [f"{f['name']}: {f['value']}" for f in embed.get("fields") or []]
        parts.append((embed.get("footer") or {}).get("text") or "")
    return "\n".join(p for p in parts if p)


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": JSON, **(headers or {})},
    )


def _error(status: int, code: int, message: str) -> web.Response:
    return _json({"code": code, "message": message}, status)


class DiscordStandIn:
    """A local Discord on 127.0.0.1: the REST API, the CDN and the gateway, and members acting."""

    def __init__(
        self, *, bot_permissions: discord.Permissions, privileged_intents: bool = True
    ) -> None:
        first = Guild(bot_permissions=bot_permissions)
        self.first_guild = first  # where tests play unless they add a server
        self.guilds: dict[str, Guild] = {first.id: first}
        self.token = (
            base64.urlsafe_b64encode(self.guild.application_id.encode()).decode().rstrip("=")
            + ".stand.in"
        )
        self.privileged_intents = privileged_intents
        self.spec = discord_spec()
        self.requests: list[Seen] = []
        self.violations: list[str] = []
        self.used_permissions: set[str] = set()
        self.denied: list[str] = []
        self.commands: dict[str, dict[str, Any]] = {}  # synced, by name
        self.synced_to: str | None = None  # "guild" or "global"
        self.identify: dict[str, Any] | None = None
        self.identities: list[dict[str, Any]] = []  # every IDENTIFY, in order
        self.recommended_shards = 1  # what GET /gateway/bot answers
        self.routed: list[tuple[int, str, str | None]] = []  # (shard, event, server) sent
        self.answers: dict[str, Answer] = {}
        self.downloads: list[str] = []
        self.closed_dms: set[str] = set()  # users who do not accept direct messages
        self.attachments: dict[str, bytes] = {}  # the CDN: files by attachment id, both ways
        self.connections = 0
        self._tokens: dict[str, Answer] = {}
        self._interaction_channels: dict[str, str] = {}  # interaction id -> channel id
        self._limits: list[list[Any]] = []  # [method, template, times left]
        # (method, template) -> what goes wrong after a request did its work: "500" answers a
        # server error, "drop" closes the connection without an answer.
        self.lost_answers: dict[tuple[str, str], collections.deque[str]] = collections.defaultdict(
            collections.deque
        )
        self.lose_fraction = 0.0  # see lose_at_random
        self._lose_random = random.Random(0)
        self.lost: list[tuple[str, str, str]] = []  # (method, path, "500" or "drop") injected
        self._holds: list[Callable[[Seen], bool]] = []
        self.held: list[Seen] = []
        self._release = asyncio.Event()
        self._ws: web.WebSocketResponse | None = None  # where members' actions arrive
        self._sockets: list[web.WebSocketResponse] = []  # each bot process connected
        self._tags: dict[web.WebSocketResponse, str] = {}  # the tag in its gateway URL
        self._shards: dict[web.WebSocketResponse, tuple[int, int]] = {}  # [shard, count]
        self._intents: dict[web.WebSocketResponse, int] = {}  # what its IDENTIFY asked for
        self.latency = 0.0  # seconds each API request takes (half before its work, half after)
        # What "now" is for scheduled events, which must start after it: the clock of the test
        # (None: not checked; see the module's docstring).
        self.now: Callable[[], datetime] | None = None
        self._seq = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- server ---------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/gateway/{tag}", self._gateway)  # a process that says which it is
        app.router.add_get("/attachments/{id}/{name}", self._cdn)
        app.router.add_route("*", API + "/{tail:.*}", self._api)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        self._release.set()
        for ws in {*self._sockets, *([self._ws] if self._ws is not None else [])}:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def env(self) -> dict[str, str]:
        return {
            "DISCORD_BOT_TOKEN": self.token,
            "DISCORD_API_URL": self.api_url,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "DISCORD_GUILD_ID": self.guild.id,
        }

    @property
    def guild(self) -> Guild:
        """The server in play: while a request is served, the one it concerns; else the first."""
        return self.guilds.get(_SERVING.get() or "", self.first_guild)

    def guild_of(self, channel_id: str) -> Guild:
        """The server a channel or thread is in (DMs are kept with the first)."""
        found = (g for g in self.guilds.values() if channel_id in g.channels)
        return next(found, self.first_guild)

    def add_guild(self, *, shard: int | None = None, of: int = 1) -> Guild:
        """Another server with the same bot in it, and channels and people of its own; with
        ``shard``, one whose id falls on that shard of ``of``."""
        first = self.first_guild
        while True:  # an id carries its millisecond: one on the wanted shard comes soon
            guild = Guild(bot_permissions=first.bot_permissions, ids=first.ids)
            if shard is None or shard_of(guild.id, of) == shard:
                break
        guild.application_id = first.application_id  # one bot, one application, many servers
        guild.bot = Person(first.bot.id, first.bot.name, guild.bot.roles, bot=True)
        self.guilds[guild.id] = guild
        return guild

    # --- scheduled events -----------------------------------------------------------------------

    @property
    def events(self) -> dict[str, dict[str, Any]]:
        """Every server's scheduled events as stored (Discord's objects without
        ``user_count``), by id."""
        return {k: v for guild in self.guilds.values() for k, v in guild.events.items()}

    def events_in(self, guild_id: str) -> list[dict[str, Any]]:
        """One server's scheduled events as stored, oldest first."""
        return sorted(self.guilds[guild_id].events.values(), key=lambda e: int(e["id"]))

    def mark_interested(self, event_id: str | int, user_ids: Iterable[str | int]) -> None:
        """The people (by user id) who clicked Interested on an event, replacing whoever had:
        its ``user_count``."""
        found = (g for g in self.guilds.values() if str(event_id) in g.events)
        guild = next(found, None)
        if guild is None:
            raise KeyError(f"no scheduled event {event_id}")
        guild.mark_interested(str(event_id), [str(u) for u in user_ids])

    def lose_at_random(self, fraction: float, *, seed: int = 0) -> None:
        """From now on, lose the answer to ``fraction`` of the posts the bot makes (``POSTING``),
        after each is made: half of them answered 500, half dropped without an answer."""
        self.lose_fraction, self._lose_random = fraction, random.Random(seed)

    def _loss(self, seen: Seen, status: int) -> str | None:
        """What becomes of this answer: the next of ``lost_answers`` for its route, else for a
        share of posts a random loss; None when it arrives."""
        queued = self.lost_answers[(seen.method, seen.template)]
        if status >= 300:
            return None
        if queued:
            loss = queued.popleft()
        elif (seen.method, seen.template) in POSTING and (
            self._lose_random.random() < self.lose_fraction
        ):
            loss = self._lose_random.choice(("500", "drop"))
        else:
            return None
        self.lost.append((seen.method, seen.path, loss))
        return loss

    def _guild_of_request(self, seen: Seen) -> Guild:
        """The server a request concerns, by what its path names."""
        parts = [*seen.path.strip("/").split("/"), "", "", ""]
        channel: str | None = None
        if parts[0] == "channels":
            channel = parts[1]
        elif parts[0] == "guilds":
            return self.guilds.get(parts[1], self.first_guild)
        elif parts[0] == "applications" and parts[2] == "guilds":
            return self.guilds.get(parts[3], self.first_guild)
        elif parts[0] == "interactions":
            channel = self._interaction_channels.get(parts[1])
        elif parts[0] == "webhooks" and (answer := self._tokens.get(parts[2])):
            channel = self._interaction_channels.get(answer.id)
        return self.guild_of(channel) if channel else self.first_guild

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, condition: Callable[[], Any], what: str, within: float = 30) -> Any:
        """Wait until ``condition()`` is truthy (checked whenever the bot did something)."""
        deadline = time.monotonic() + within
        async with self._changed:
            while not (result := condition()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}")
                # Re-checked every 0.1 s too: a condition may depend on another process (its database).
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=min(left, 0.1))
        return result

    def hold(self, matches: Callable[[Seen], bool]) -> None:
        """Carry out the next request that ``matches`` but never answer it: the moment to kill a
        bot that has posted something and not yet recorded it."""
        self._holds.append(matches)

    def rate_limit(self, method: str, template: str, times: int = 1) -> None:
        """The next ``times`` matching requests get a 429 (bucket limit, with ``Via``)."""
        self._limits.append([method, template, times])

    # --- HTTP -----------------------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files, filenames, has_body = await self._body(request)
        operation = self.spec.operation(request.method, path)
        template = operation.template if operation else path
        seen = Seen(request.method, path, template, dict(request.query), body, files)
        seen.filenames = filenames
        if files and (request.method, template) not in FILE_ROUTES:
            self.violations.append(f"{request.method} {template}: files sent where none are taken")
        self.requests.append(seen)
        # Set for every request: aiohttp may serve a connection's requests in one task.
        _SERVING.set(self._guild_of_request(seen).id)
        self.violations += self.spec.check(
            request.method, path, dict(request.query), body, has_body=has_body
        )
        if self.latency:  # a slow Discord: the request travels, is carried out, the answer travels
            await asyncio.sleep(self.latency / 2)
        response = await self._respond(request, seen)
        if self.latency:
            await asyncio.sleep(self.latency / 2)
        loss = self._loss(seen, response.status)
        if loss is not None:  # done, but the bot never learns it
            if loss == "drop" and request.transport is not None:
                request.transport.abort()
            response = _error(500, 0, "500: Internal Server Error")
        seen.status = response.status
        hold = next((h for h in self._holds if h(seen)), None)
        if hold is not None:  # done, but the answer never arrives: the bot dies waiting
            self._holds.remove(hold)
            self.held.append(seen)
            await self._notify()
            await self._release.wait()
        await self._notify()
        return response

    async def _body(
        self, request: web.Request
    ) -> tuple[Any, dict[str, bytes], dict[str, str], bool]:
        """The JSON body, the files (by part name) and their filenames, and whether a body came."""
        if request.content_type.startswith("multipart/"):
            body, files, filenames = None, {}, {}
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    files[str(part.name)] = await part.read(decode=False)
                    filenames[str(part.name)] = part.filename or ""
            return body, files, filenames, body is not None
        raw = await request.read()
        if not raw:
            return None, {}, {}, False
        return json.loads(raw), {}, {}, True

    async def _respond(self, request: web.Request, seen: Seen) -> web.Response:
        bot_route = not seen.template.startswith(("/interactions/", "/webhooks/"))
        if bot_route and request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        for limit in self._limits:
            if limit[0] == seen.method and limit[1] == seen.template and limit[2] > 0:
                limit[2] -= 1
                return _json(
                    {
                        "message": "You are being rate limited.",
                        "retry_after": 0.05,
                        "global": False,
                    },
                    429,
                    {"Via": "1.1 google", "Retry-After": "1", "X-RateLimit-Scope": "user"},
                )
        handler = ROUTES.get((seen.method, seen.template))
        if handler is None:
            self.violations.append(f"{seen.method} {seen.template}: not served by the stand-in")
            return _error(404, 0, "404: Not Found")
        denied = self._check_permissions(seen)
        if denied:
            self.denied.append(f"{seen.method} {seen.path}: {denied}")
            return _error(403, 50013, "Missing Permissions")
        return await handler(self, seen)

    def _check_permissions(self, seen: Seen) -> list[str]:
        needed = self._needed(seen)
        have = self.guild.permissions(self.guild.bot)
        lacking = [name for name in needed if not getattr(have, name)]
        if not lacking:
            self.used_permissions |= set(needed)
        return lacking

    def _needed(self, seen: Seen) -> list[str]:
        """The permissions Discord requires for a request (for the bot; webhooks need none)."""
        parts = seen.path.strip("/").split("/")
        if seen.template.startswith("/guilds/{guild_id}/scheduled-events"):
            return self._event_permissions(seen, parts)
        if parts[0] != "channels":
            return []
        channel = self.guild.channels.get(parts[1])
        if channel is None or channel.type == DM:
            return []
        body = seen.body if isinstance(seen.body, dict) else {}
        embeds = (
            ["embed_links"]
            if body.get("embeds") or (body.get("message") or {}).get("embeds")
            else []
        )
        files = ["attach_files"] if seen.files else []
        template, method = seen.template, seen.method
        if template == "/channels/{channel_id}/messages" and method == "POST":
            send = "send_messages_in_threads" if channel.is_thread else "send_messages"
            return ["view_channel", send, *embeds, *files]
        if template == "/channels/{channel_id}/messages/{message_id}" and method == "PATCH":
            return ["view_channel", *embeds, *files]
        if template.startswith("/channels/{channel_id}/messages") and method == "GET":
            return ["view_channel", "read_message_history"]
        if template == "/channels/{channel_id}/messages/{message_id}/threads":
            return ["view_channel", "create_public_threads"]
        if template == "/channels/{channel_id}/threads":
            if channel.type == FORUM:
                return ["view_channel", "send_messages", *embeds, *files]
            return ["view_channel", "create_public_threads"]
        if template == "/channels/{channel_id}" and method == "PATCH":
            if channel.is_thread:  # the thread's creator may edit its name and tags
                return [] if channel.owner_id == self.guild.bot.id else ["manage_threads"]
            return ["manage_channels"]
        return ["view_channel"]

    def _event_permissions(self, seen: Seen, parts: list[str]) -> list[str]:
        """Create Events lets the bot make events and change or delete its own, Manage Events
        anyone's (and make them); a voice event also needs to see and join its channel, a
        stage event to run the stage. Reading them needs nothing more than being there."""
        if seen.method == "GET":
            return []
        guild = self.guild
        have = guild.permissions(guild.bot)
        event = guild.events.get(parts[3]) if len(parts) > 3 else None
        own = event is None or event["creator_id"] == guild.bot.id
        mine = own and (have.create_events or not have.manage_events)
        events = "create_events" if mine else "manage_events"
        body = seen.body if isinstance(seen.body, dict) else {}
        kind = body.get("entity_type") or (event or {}).get("entity_type")
        if seen.method != "DELETE" and kind == VOICE_EVENT:
            return [events, "view_channel", "connect"]
        if seen.method != "DELETE" and kind == STAGE_EVENT:
            return [events, "manage_channels", "mute_members", "move_members"]
        return [events]

    async def _cdn(self, request: web.Request) -> web.Response:
        attachment = request.match_info["id"]
        self.downloads.append(attachment)
        await self._notify()
        if attachment not in self.attachments:
            return web.Response(status=404)
        return web.Response(
            body=self.attachments[attachment], content_type="application/octet-stream"
        )

    # --- files the bot sends -------------------------------------------------------------------

    def pictures_of(self, message: dict[str, Any]) -> list[bytes]:
        """The PNG bytes of a stored message's attachments, in order."""
        return pictures_in(message, self.attachments)

    def files_of(
        self, seen: Seen, body: dict[str, Any], *, kept: list[dict[str, Any]] | None = None
    ) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
        """``body`` with its embeds as Discord stores them, and the attachments the message
        gets from the request (None: the body says nothing of them, and an edit keeps the
        message's). ``kept``: for an edit, the attachments the message has."""
        attachments = self._attach(seen, body, kept=kept)
        final = attachments if attachments is not None else (kept or [])
        if len(final) > MAX_FILES:
            self._file_violation(seen, f"{len(final)} attachments (at most {MAX_FILES})")
        if body.get("embeds"):
            body = {**body, "embeds": [self._shown(seen, e, final) for e in body["embeds"]]}
        return body, attachments

    def _file_violation(self, seen: Seen, problem: str) -> None:
        self.violations.append(f"{seen.method} {seen.template}: {problem}")

    def _attach(
        self, seen: Seen, body: dict[str, Any], *, kept: list[dict[str, Any]] | None
    ) -> list[dict[str, Any]] | None:
        """Discord's attachment objects for the files of a request, in the order the body's
        ``attachments`` lists them: an entry whose id is n is the part ``files[n]``; for an
        edit, an entry may also be one of the message's attachments (by its id), kept."""
        parts: dict[str, str] = {}  # index -> part name
        for name in seen.files:
            match = FILE_PART.fullmatch(name)
            if match is None:
                self._file_violation(seen, f"a file part named {name!r}, not files[n]")
            else:
                parts[str(int(match.group(1)))] = name
        listed = body.get("attachments")
        if listed is None:
            for index in parts:
                self._file_violation(seen, f"files[{index}] is not listed in attachments")
            return None
        existing = {str(a["id"]): a for a in kept or []}
        found: list[dict[str, Any]] = []
        used: set[str] = set()
        for n, entry in enumerate(listed):
            key = str(entry.get("id"))
            if key in parts and key not in used:
                used.add(key)
                found.append(self._stored_file(seen, entry, parts[key]))
            elif key in existing:
                found.append(existing[key])
            else:
                what = "no file part" + (" nor an attachment of the message" if kept else "")
                self._file_violation(seen, f"attachments[{n}] (id {key}) names {what}")
        for index in parts.keys() - used:
            self._file_violation(seen, f"files[{index}] has no entry in attachments")
        return found

    def _stored_file(self, seen: Seen, entry: dict[str, Any], part: str) -> dict[str, Any]:
        """One uploaded file as Discord describes it, its bytes kept for the CDN."""
        content = seen.files[part]
        filename = str(entry.get("filename") or seen.filenames.get(part) or "unknown")
        if len(content) > MAX_FILE_SIZE:
            self._file_violation(seen, f"{filename} is {len(content)} bytes (at most 10 MiB)")
        attachment_id = self.guild.ids()
        self.attachments[attachment_id] = content
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{quote(filename)}"
        stored: dict[str, Any] = {
            "id": attachment_id,
            "filename": filename,
            "size": len(content),
            "url": url,
            "proxy_url": url,
            "content_type": content_type_of(filename, content),
        }
        description = entry.get("description")
        if description is not None:
            if len(str(description)) > MAX_DESCRIPTION:
                self._file_violation(seen, f"{filename}'s description is over 1024 characters")
            stored["description"] = description
        if (size := png_size(content)) is not None:
            stored["width"], stored["height"] = size
        return stored

    def _shown(
        self, seen: Seen, embed: dict[str, Any], attachments: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """An embed as Discord stores it: each ``attachment://NAME`` replaced by the address of
        the message's attachment of that name (a name none has is a violation)."""
        by_name = {a["filename"]: a for a in attachments}
        embed = dict(embed)
        for slot, key in ATTACHMENT_SLOTS:
            address = (embed.get(slot) or {}).get(key)
            if not isinstance(address, str) or not address.startswith("attachment://"):
                continue
            attachment = by_name.get(address.removeprefix("attachment://"))
            if attachment is None:
                self._file_violation(seen, f"embed {slot} {address} names no attached file")
                continue
            proxy = "proxy_url" if key == "url" else "proxy_icon_url"
            shown = {**embed[slot], key: attachment["url"], proxy: attachment["proxy_url"]}
            if slot in ("image", "thumbnail"):
                shown["content_type"] = attachment["content_type"]
                if "width" in attachment:
                    shown["width"], shown["height"] = attachment["width"], attachment["height"]
            embed[slot] = shown
        return embed

    # --- gateway --------------------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.connections += 1
        await ws.send_str(
            json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        )
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            data = json.loads(frame.data)
            if data["op"] == 1:
                await ws.send_str(json.dumps({"op": 11, "d": None, "s": None, "t": None}))
            elif data["op"] == 2:
                self.identify = data["d"]
                self.identities.append(data["d"])
                if data["d"]["intents"] & PRIVILEGED and not self.privileged_intents:
                    await ws.close(code=4014, message=b"Disallowed intent(s).")
                    break
                self._ws = ws
                self._sockets.append(ws)
                self._tags[ws] = request.match_info.get("tag", "")
                self._intents[ws] = data["d"]["intents"]
                shard, count = data["d"].get("shard") or (0, 1)
                self._shards[ws] = (shard, count)
                await self._ready(ws)
            await self._notify()
        if ws in self._sockets:
            self._sockets.remove(ws)
        self._shards.pop(ws, None)
        self._tags.pop(ws, None)
        self._intents.pop(ws, None)
        if self._ws is ws:  # members' actions go to the newest bot process still connected
            self._ws = self._sockets[-1] if self._sockets else None
        await self._notify()
        return ws

    async def dispatch(self, name: str, data: dict[str, Any]) -> None:
        """An event for one bot process: the newest connected one that holds its server's shard."""
        guild_id = _guild_id_of(name, data)
        candidates = [self._ws, *reversed(self._sockets)]
        ws = next(
            (w for w in candidates if w is not None and not w.closed and self._gets(w, guild_id)),
            None,
        )
        if ws is None:
            raise AssertionError("the bot is not connected to the gateway")
        self._seq += 1
        self._route(ws, name, guild_id)
        if name == "MESSAGE_CREATE" and not self._intents.get(ws, 0) & MESSAGE_CONTENT:
            data = _without_content(data, bot_id=self.guild_of(data["channel_id"]).bot.id)
        await ws.send_str(json.dumps({"op": 0, "t": name, "s": self._seq, "d": data}))

    def _gets(self, ws: web.WebSocketResponse, guild_id: str | None) -> bool:
        """Whether a connection gets the events of a server: it holds the server's shard."""
        shard, count = self._shards.get(ws, (0, 1))
        return shard == (shard_of(guild_id, count) if guild_id else 0)

    def _route(self, ws: web.WebSocketResponse, name: str, guild_id: str | None) -> None:
        self.routed.append((self._shards.get(ws, (0, 1))[0], name, guild_id))

    async def broadcast(self, name: str, data: dict[str, Any]) -> None:
        """An event every connected bot process sees (what the bot itself did), as Discord
        sends it to each session; a process that just died is skipped."""
        if not self._sockets:
            await self.dispatch(name, data)  # none connected: fails as dispatch does
            return
        self._seq += 1
        frame = json.dumps({"op": 0, "t": name, "s": self._seq, "d": data})
        guild_id = _guild_id_of(name, data)
        for ws in list(self._sockets):
            if ws.closed or not self._gets(ws, guild_id):
                continue
            self._route(ws, name, guild_id)
            try:
                await ws.send_str(frame)
            except ConnectionError:  # killed, and its socket not yet seen closing
                continue

    @property
    def sockets(self) -> int:
        """How many bot processes are connected to the gateway now."""
        return len([ws for ws in self._sockets if not ws.closed])

    @property
    def connected_tags(self) -> set[str]:
        """The tags of the processes connected now: a process whose DISCORD_GATEWAY_URL is
        ``gateway_url + "/<tag>"`` is told apart from the others by it."""
        return {tag for ws, tag in self._tags.items() if not ws.closed and ws in self._sockets}

    async def _ready(self, ws: web.WebSocketResponse) -> None:
        """READY, then a GUILD_CREATE for each server on the connection's shard."""
        shard, count = self._shards.get(ws, (0, 1))
        guilds = [g for g in self.guilds.values() if shard_of(g.id, count) == shard]
        ready = {
            "v": 10,
            "user": self.first_guild.bot.user(),
            "guilds": [{"id": g.id, "unavailable": True} for g in guilds],
            "session_id": "stand-in-session",
            "resume_gateway_url": self.gateway_url,
            "application": {"id": self.first_guild.application_id, "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "shard": [shard, count],
        }
        for name, data in [("READY", ready), *(("GUILD_CREATE", g.guild_create()) for g in guilds)]:
            self._seq += 1
            self._route(ws, name, _guild_id_of(name, data))
            await ws.send_str(json.dumps({"op": 0, "t": name, "s": self._seq, "d": data}))

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    @property
    def shards_connected(self) -> list[int]:
        """The shards the connected bot processes hold, in order."""
        return sorted(shard for ws, (shard, _) in self._shards.items() if not ws.closed)

    async def wait_ready(self) -> None:
        """The bot is connected and has synced its commands."""
        await self.wait_for(lambda: self.connected and self.commands, "the bot to connect and sync")

    # --- members (what the tests make people do) ------------------------------------------------

    def _interaction(
        self, *, person: Person, channel: Channel, kind: int, data: dict[str, Any]
    ) -> tuple[Answer, dict[str, Any]]:
        guild = self.guild_of(channel.id)
        interaction_id = guild.ids()
        answer = Answer(id=interaction_id, token=f"token-{interaction_id}", files=self.attachments)
        self.answers[interaction_id] = answer
        self._tokens[answer.token] = answer
        self._interaction_channels[interaction_id] = channel.id
        permissions = guild.permissions(person)
        payload = {
            "id": interaction_id,
            "application_id": guild.application_id,
            "type": kind,
            "token": answer.token,
            "version": 1,
            "guild_id": guild.id,
            "channel_id": channel.id,
            "channel": channel.payload(guild.id),
            "member": {**person.member(), "permissions": str(permissions.value)},
            "app_permissions": str(guild.permissions(guild.bot).value),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": guild.id},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": data,
        }
        if channel.type == DM:  # a click in the bot's DM: no server, the user instead of a member
            del payload["guild_id"], payload["member"]
            payload |= {"user": person.user(), "context": 1}
        return answer, payload

    async def _send_interaction(self, answer: Answer, payload: dict[str, Any], what: str) -> Answer:
        await self.dispatch("INTERACTION_CREATE", payload)
        await self.wait_for(lambda: answer.settled, f"the bot's answer to {what}")
        return answer

    def _options(
        self, path: tuple[str, ...], given: dict[str, Any]
    ) -> tuple[list[Any], dict[str, Any]]:
        """Interaction options for ``/study <path...>`` as Discord builds them, typed by the
        command definitions the bot synced."""
        definition = self.commands["study"]
        for name in path:
            definition = next(o for o in definition["options"] if o["name"] == name)
        resolved: dict[str, Any] = {}
        values = []
        for name, value in given.items():
            if value is None:
                continue
            option = next(o for o in definition.get("options", []) if o["name"] == name)
            if option["type"] == 11:  # attachment
                resolved.setdefault("attachments", {})[value["id"]] = value
                value = value["id"]
            elif option["type"] == 6:  # user
                resolved.setdefault("users", {})[value.id] = value.user()
                resolved.setdefault("members", {})[value.id] = value.member(with_user=False)
                value = value.id
            values.append({"name": name, "type": option["type"], "value": value})
        for name in reversed(path):
            kind = (
                2
                if any(o.get("type") in (1, 2) for o in self._find(path, name).get("options", []))
                else 1
            )
            values = [{"name": name, "type": kind, "options": values}]
        return values, resolved

    def _find(self, path: tuple[str, ...], name: str) -> dict[str, Any]:
        definition = self.commands["study"]
        for step in path:
            definition = next(o for o in definition["options"] if o["name"] == step)
            if step == name:
                return definition
        raise KeyError(name)

    def _command_data(self, path: tuple[str, ...], options: dict[str, Any]) -> dict[str, Any]:
        study = self.commands["study"]
        values, resolved = self._options(path, options)
        data: dict[str, Any] = {"id": study["id"], "name": "study", "type": 1, "options": values}
        if study.get("guild_id"):
            data["guild_id"] = study["guild_id"]
        if resolved:
            data["resolved"] = resolved
        return data

    async def command(self, person: Person, channel: Channel, *path: str, **options: Any) -> Answer:
        """``/study <path...> option:value ...`` typed by ``person`` in ``channel``."""
        answer, payload = self._interaction(
            person=person, channel=channel, kind=2, data=self._command_data(path, options)
        )
        return await self._send_interaction(answer, payload, "/study " + " ".join(path))

    async def begin_command(
        self, person: Person, channel: Channel, *path: str, **options: Any
    ) -> Answer:
        """Like ``command``, but returns once the command is sent: the bot process that got it
        may be killed before it answers (``Answer.settled`` tells)."""
        answer, payload = self._interaction(
            person=person, channel=channel, kind=2, data=self._command_data(path, options)
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return answer

    async def autocomplete(
        self, person: Person, channel: Channel, *path: str, focused: str, **options: Any
    ) -> list[dict[str, Any]]:
        data = self._command_data(path, options)
        leaf = data["options"][0]
        while leaf.get("options") and leaf["options"][0].get("type") in (1, 2):
            leaf = leaf["options"][0]
        for option in leaf.get("options", []):
            if option["name"] == focused:
                option["focused"] = True
        answer, payload = self._interaction(person=person, channel=channel, kind=4, data=data)
        await self._send_interaction(answer, payload, f"autocomplete of {focused}")
        return list(answer.data.get("choices", []))

    async def click(
        self, person: Person, channel: Channel, message: dict[str, Any], custom_id: str
    ) -> Answer:
        data = {"custom_id": custom_id, "component_type": 2}
        answer, payload = self._interaction(person=person, channel=channel, kind=3, data=data)
        payload["message"] = message
        return await self._send_interaction(answer, payload, f"a click on {custom_id}")

    async def submit(
        self, person: Person, channel: Channel, custom_id: str, values: dict[str, str]
    ) -> Answer:
        """A modal form sent back, in the layout of labelled text inputs."""
        components = [
            {
                "type": 18,
                "id": n + 1,
                "component": {"type": 4, "id": n + 100, "custom_id": k, "value": v},
            }
            for n, (k, v) in enumerate(values.items())
        ]
        data = {"custom_id": custom_id, "components": components}
        answer, payload = self._interaction(person=person, channel=channel, kind=5, data=data)
        return await self._send_interaction(answer, payload, f"the form {custom_id}")

    async def say(self, person: Person, channel: Channel, text: str) -> str:
        """``person`` writes ``text`` in ``channel`` (a thread, typically)."""
        message = self.guild_of(channel.id).new_message(
            channel=channel, author=person, body={"content": text}
        )
        await self.dispatch("MESSAGE_CREATE", {**message, "member": person.member(with_user=False)})
        return str(message["id"])

    async def react(
        self, person: Person, channel: Channel, message_id: str, emoji: str = "✅"
    ) -> None:
        await self.dispatch(
            "MESSAGE_REACTION_ADD",
            {
                "user_id": person.id,
                "channel_id": channel.id,
                "message_id": message_id,
                "guild_id": self.guild_of(channel.id).id,
                "member": person.member(),
                "emoji": {"id": None, "name": emoji},
                "type": 0,
                "burst": False,
                "burst_colors": [],
                "message_author_id": self.guild.bot.id,
            },
        )

    async def leave(self, person: Person) -> None:
        found = (g for g in self.guilds.values() if person in g.people.values())
        guild = next(found, self.first_guild)
        await self.dispatch("GUILD_MEMBER_REMOVE", {"guild_id": guild.id, "user": person.user()})

    def attachment(
        self, filename: str, content: bytes, *, size: int | None = None
    ) -> dict[str, Any]:
        """A file a member attaches to a command; served at the stand-in's CDN address."""
        attachment_id = self.guild.ids()
        self.attachments[attachment_id] = content
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{filename}"
        return {
            "id": attachment_id,
            "filename": filename,
            "size": len(content) if size is None else size,
            "url": url,
            "proxy_url": url,
            "content_type": "application/x-yaml",
            "ephemeral": True,
        }

    # --- what the channel shows -------------------------------------------------------------------

    def bot_messages(self, channel_id: str) -> list[dict[str, Any]]:
        return [
            m
            for m in self.guild_of(channel_id).messages.get(channel_id, [])
            if m["author"]["id"] == self.guild.bot.id
        ]

    def threads_of(self, channel_id: str) -> list[Channel]:
        return [
            c
            for c in self.guild_of(channel_id).channels.values()
            if c.is_thread and c.parent_id == channel_id
        ]

    def message_bodies(self) -> list[tuple[str, dict[str, Any]]]:
        """Every message body the bot sent, with where it went: for checks on all of them."""
        found = []
        for seen in self.requests:
            body = seen.body if isinstance(seen.body, dict) else None
            if body is None:
                continue
            if seen.template == "/channels/{channel_id}/threads" and "message" in body:
                found.append((f"{seen.method} {seen.template}", body["message"]))
            elif seen.template.startswith("/interactions/") and body.get("type") in (4, 7):
                found.append((f"{seen.method} {seen.template}", body.get("data") or {}))
            elif seen.template in MESSAGE_BODIES and seen.method in ("POST", "PATCH"):
                found.append((f"{seen.method} {seen.template}", body))
        return found


MESSAGE_BODIES = {
    "/channels/{channel_id}/messages",
    "/channels/{channel_id}/messages/{message_id}",
    "/webhooks/{webhook_id}/{webhook_token}",
    "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
}


# --- route handlers ---------------------------------------------------------------------------------

Handler = Callable[[DiscordStandIn, Seen], Any]
ROUTES: dict[tuple[str, str], Handler] = {}


def route(method: str, template: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ROUTES[(method, template)] = handler
        return handler

    return register


@route("GET", "/users/@me")
async def _me(server: DiscordStandIn, seen: Seen) -> web.Response:
    return _json(server.guild.bot.user())


@route("GET", "/gateway/bot")
async def _gateway_bot(server: DiscordStandIn, seen: Seen) -> web.Response:
    return _json(
        {
            "url": server.gateway_url,
            "shards": server.recommended_shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 1000,
                "reset_after": 0,
                "max_concurrency": 1,
            },
        }
    )


@route("GET", "/oauth2/applications/@me")
async def _application(server: DiscordStandIn, seen: Seen) -> web.Response:
    return _json(
        {
            "id": server.guild.application_id,
            "name": "studybot",
            "icon": None,
            "description": "",
            "summary": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "verify_key": "0" * 64,
            "owner": server.guild.person("owner").user(),
            "team": None,
            "flags": 0,
            "rpc_origins": [],
            "tags": [],
            "redirect_uris": [],
            "interactions_endpoint_url": None,
        }
    )


async def _sync(server: DiscordStandIn, seen: Seen, scope: str) -> web.Response:
    synced = []
    for command in seen.body:
        stored = {
            **command,
            "id": server.guild.ids(),
            "application_id": server.guild.application_id,
            "version": server.guild.ids(),
        }
        if scope == "guild":
            stored["guild_id"] = server.guild.id
        synced.append(stored)
    server.commands = {c["name"]: c for c in synced}
    server.synced_to = scope
    return _json(synced)


@route("PUT", "/applications/{application_id}/guilds/{guild_id}/commands")
async def _sync_guild(server: DiscordStandIn, seen: Seen) -> web.Response:
    return await _sync(server, seen, "guild")


@route("PUT", "/applications/{application_id}/commands")
async def _sync_global(server: DiscordStandIn, seen: Seen) -> web.Response:
    return await _sync(server, seen, "global")


def _channel_of(server: DiscordStandIn, seen: Seen) -> Channel | None:
    return server.guild.channels.get(seen.path.strip("/").split("/")[1])


async def _created(server: DiscordStandIn, message: dict[str, Any], channel: Channel) -> None:
    if channel.type != DM:
        await server.broadcast(
            "MESSAGE_CREATE", {**message, "member": server.guild.bot.member(with_user=False)}
        )


@route("POST", "/channels/{channel_id}/messages")
async def _post_message(server: DiscordStandIn, seen: Seen) -> web.Response:
    channel = _channel_of(server, seen)
    if channel is None:
        return _error(404, 10003, "Unknown Channel")
    if channel.type == DM and channel.recipient in server.closed_dms:
        return _error(403, 50007, "Cannot send messages to this user")
    body = seen.body or {}
    if body.get("enforce_nonce") and body.get("nonce"):  # Discord: the same nonce, the same message
        for message in server.bot_messages(channel.id):
            if message.get("nonce") == body["nonce"]:
                return _json(message)
    stored, attachments = server.files_of(seen, body)
    message = server.guild.new_message(
        channel=channel, author=server.guild.bot, body=stored, attachments=attachments
    )
    await _created(server, message, channel)
    return _json(message)


def _edited(
    message: dict[str, Any], body: dict[str, Any], attachments: list[dict[str, Any]] | None
) -> None:
    """An edit as Discord applies it: what the body names is replaced, the rest stays (files
    too, unless the body lists which to keep)."""
    for name in ("content", "embeds", "components"):
        if name in body:
            message[name] = (
                body[name] if body[name] is not None else ([] if name != "content" else "")
            )
    if attachments is not None:
        message["attachments"] = attachments
    if message["flags"] & EPHEMERAL:
        for attachment in message["attachments"]:
            attachment["ephemeral"] = True
    message["edited_timestamp"] = now_iso()


@route("PATCH", "/channels/{channel_id}/messages/{message_id}")
async def _edit_message(server: DiscordStandIn, seen: Seen) -> web.Response:
    channel_id, message_id = seen.path.strip("/").split("/")[1::2]
    message = server.guild.message(channel_id, message_id)
    if message is None:
        return _error(404, 10008, "Unknown Message")
    body, attachments = server.files_of(seen, seen.body or {}, kept=message["attachments"])
    _edited(message, body, attachments)
    await server.broadcast("MESSAGE_UPDATE", {**message, "guild_id": server.guild.id})
    return _json(message)


@route("GET", "/channels/{channel_id}/messages")
async def _history(server: DiscordStandIn, seen: Seen) -> web.Response:
    channel = _channel_of(server, seen)
    if channel is None:
        return _error(404, 10003, "Unknown Channel")
    messages = sorted(server.guild.messages[channel.id], key=lambda m: int(m["id"]), reverse=True)
    if "before" in seen.query:
        messages = [m for m in messages if int(m["id"]) < int(seen.query["before"])]
    return _json(messages[: int(seen.query.get("limit", 50))])


@route("GET", "/channels/{channel_id}/messages/{message_id}")
async def _get_message(server: DiscordStandIn, seen: Seen) -> web.Response:
    channel_id, message_id = seen.path.strip("/").split("/")[1::2]
    message = server.guild.message(channel_id, message_id)
    return _json(message) if message else _error(404, 10008, "Unknown Message")


async def _new_thread(
    server: DiscordStandIn, thread: Channel, message: dict[str, Any] | None = None
) -> None:
    payload = {**thread.payload(server.guild.id), "newly_created": True}
    await server.broadcast("THREAD_CREATE", payload)
    if message is not None:
        await _created(server, message, thread)


@route("POST", "/channels/{channel_id}/messages/{message_id}/threads")
async def _thread_from_message(server: DiscordStandIn, seen: Seen) -> web.Response:
    channel_id, message_id = seen.path.strip("/").split("/")[1::2]
    parent = server.guild.channels.get(channel_id)
    message = server.guild.message(channel_id, message_id)
    if parent is None or message is None:
        return _error(404, 10008, "Unknown Message")
    if message["flags"] & HAS_THREAD:
        return _error(400, 160004, "A thread has already been created for this message")
    thread = server.guild.thread(
        parent=parent, name=seen.body["name"], owner=server.guild.bot.id, thread_id=message_id
    )
    message["flags"] |= HAS_THREAD
    message["thread"] = thread.payload(server.guild.id)
    await _new_thread(server, thread)
    return _json(thread.payload(server.guild.id), 201)


@route("POST", "/channels/{channel_id}/threads")
async def _thread(server: DiscordStandIn, seen: Seen) -> web.Response:
    parent = _channel_of(server, seen)
    if parent is None:
        return _error(404, 10003, "Unknown Channel")
    body = seen.body or {}
    if parent.type != FORUM:
        if seen.files:
            server.violations.append(f"POST {seen.template}: files for a thread with no message")
        thread = server.guild.thread(parent=parent, name=body["name"], owner=server.guild.bot.id)
        await _new_thread(server, thread)
        return _json(thread.payload(server.guild.id), 201)
    known = {tag["id"] for tag in parent.available_tags}
    if not set(body.get("applied_tags") or []) <= known:
        return _error(400, 50035, "Invalid Form Body (applied_tags)")
    thread_id = server.guild.ids()
    thread = server.guild.thread(
        parent=parent, name=body["name"], owner=server.guild.bot.id, thread_id=thread_id
    )
    thread.applied_tags = list(body.get("applied_tags") or [])
    stored, attachments = server.files_of(seen, body["message"])
    message = server.guild.new_message(
        channel=thread,
        author=server.guild.bot,
        body=stored,
        message_id=thread_id,
        attachments=attachments,
    )
    await _new_thread(server, thread, message)
    return _json({**thread.payload(server.guild.id), "message": message}, 201)


@route("PATCH", "/channels/{channel_id}")
async def _edit_channel(server: DiscordStandIn, seen: Seen) -> web.Response:
    channel = _channel_of(server, seen)
    if channel is None:
        return _error(404, 10003, "Unknown Channel")
    body = seen.body or {}
    if "available_tags" in body:
        channel.available_tags = [
            {
                "id": str(tag.get("id") or server.guild.ids()),
                "name": tag["name"],
                "moderated": bool(tag.get("moderated")),
                "emoji_id": tag.get("emoji_id"),
                "emoji_name": tag.get("emoji_name"),
            }
            for tag in body["available_tags"]
        ]
    if "applied_tags" in body:
        channel.applied_tags = list(body["applied_tags"])
    if "name" in body:
        channel.name = body["name"]
    payload = channel.payload(server.guild.id)
    await server.broadcast("THREAD_UPDATE" if channel.is_thread else "CHANNEL_UPDATE", payload)
    return _json(payload)


@route("GET", "/channels/{channel_id}")
async def _get_channel(server: DiscordStandIn, seen: Seen) -> web.Response:
    channel = _channel_of(server, seen)
    return (
        _json(channel.payload(server.guild.id))
        if channel
        else _error(404, 10003, "Unknown Channel")
    )


@route("GET", "/guilds/{guild_id}/threads/active")
async def _active_threads(server: DiscordStandIn, seen: Seen) -> web.Response:
    threads = [c.payload(server.guild.id) for c in server.guild.channels.values() if c.is_thread]
    return _json({"threads": threads, "members": []})


@route("POST", "/users/@me/channels")
async def _open_dm(server: DiscordStandIn, seen: Seen) -> web.Response:
    channel = server.guild.dm(str(seen.body["recipient_id"]))
    person = server.guild.by_id(channel.recipient or "")
    payload = channel.payload(server.guild.id)
    payload["recipients"] = [person.user()] if person else []
    return _json(payload)


# --- scheduled events -------------------------------------------------------------------------------


def _guild_named(server: DiscordStandIn, seen: Seen) -> Guild | web.Response:
    """The server a scheduled-event request names, or Discord's 404."""
    guild = server.guilds.get(seen.path.strip("/").split("/")[1])
    return guild if guild is not None else _error(404, 10004, "Unknown Guild")


def _event_named(server: DiscordStandIn, seen: Seen) -> tuple[Guild, dict[str, Any]] | web.Response:
    """The server and the event a request names, or Discord's 404 for either."""
    guild = _guild_named(server, seen)
    if isinstance(guild, web.Response):
        return guild
    event = guild.events.get(seen.path.strip("/").split("/")[3])
    if event is None:
        return _error(404, 10070, "Unknown Guild Scheduled Event")
    return guild, event


def _now(server: DiscordStandIn) -> datetime | None:
    return server.now() if server.now is not None else None


def _with_user_count(seen: Seen) -> bool:
    return seen.query.get("with_user_count", "").lower() in ("1", "true")


def _refused(server: DiscordStandIn, seen: Seen, refused: EventRefused) -> web.Response:
    """Discord's 400 for an event request against its rules: a violation by the bot."""
    server.violations.append(f"{seen.method} {seen.template}: {refused}")
    return _json(refused.body(), 400)


def _event_body(seen: Seen) -> dict[str, Any]:
    return seen.body if isinstance(seen.body, dict) else {}


@route("POST", "/guilds/{guild_id}/scheduled-events")
async def _create_event(server: DiscordStandIn, seen: Seen) -> web.Response:
    guild = _guild_named(server, seen)
    if isinstance(guild, web.Response):
        return guild
    try:
        event = guild.new_event(_event_body(seen), creator=guild.bot, now=_now(server))
    except EventRefused as refused:
        return _refused(server, seen, refused)
    return _json(guild.event_payload(event, with_user_count=False))


@route("GET", "/guilds/{guild_id}/scheduled-events")
async def _list_events(server: DiscordStandIn, seen: Seen) -> web.Response:
    guild = _guild_named(server, seen)
    if isinstance(guild, web.Response):
        return guild
    counts = _with_user_count(seen)
    return _json(
        [guild.event_payload(e, with_user_count=counts) for e in server.events_in(guild.id)]
    )


@route("GET", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
async def _get_event(server: DiscordStandIn, seen: Seen) -> web.Response:
    found = _event_named(server, seen)
    if isinstance(found, web.Response):
        return found
    guild, event = found
    return _json(guild.event_payload(event, with_user_count=_with_user_count(seen)))


@route("GET", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users")
async def _event_users(server: DiscordStandIn, seen: Seen) -> web.Response:
    """Who marked an event Interested, by user id ascending: at most ``limit`` (100), those
    ``before`` an id or else ``after`` one, as Discord pages them."""
    found = _event_named(server, seen)
    if isinstance(found, web.Response):
        return found
    guild, event = found
    ids = sorted(guild.interested.get(event["id"], []), key=int)
    if "before" in seen.query:
        ids = [i for i in ids if int(i) < int(seen.query["before"])]
    elif "after" in seen.query:
        ids = [i for i in ids if int(i) > int(seen.query["after"])]
    people = {p.id: p for p in guild.people.values()}
    limit = int(seen.query.get("limit", 100))
    page = ids[-limit:] if "before" in seen.query else ids[:limit]
    return _json(
        [
            {
                "guild_scheduled_event_id": event["id"],
                "user_id": user_id,
                "user": people[user_id].user(),
                "response": 1,  # INTERESTED
            }
            for user_id in page
        ]
    )


@route("PATCH", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
async def _edit_event(server: DiscordStandIn, seen: Seen) -> web.Response:
    found = _event_named(server, seen)
    if isinstance(found, web.Response):
        return found
    guild, event = found
    try:
        guild.edit_event(event, _event_body(seen), now=_now(server))
    except EventRefused as refused:
        return _refused(server, seen, refused)
    return _json(guild.event_payload(event, with_user_count=False))


@route("DELETE", "/guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}")
async def _delete_event(server: DiscordStandIn, seen: Seen) -> web.Response:
    found = _event_named(server, seen)
    if isinstance(found, web.Response):
        return found
    guild, event = found
    del guild.events[event["id"]]
    guild.interested.pop(event["id"], None)
    return web.Response(status=204)


# --- interactions -----------------------------------------------------------------------------------


@route("POST", "/interactions/{interaction_id}/{interaction_token}/callback")
async def _callback(server: DiscordStandIn, seen: Seen) -> web.Response:
    interaction_id, token = seen.path.strip("/").split("/")[1:3]
    answer = server.answers.get(interaction_id)
    if answer is None or answer.token != token:
        return _error(404, 10062, "Unknown interaction")
    if answer.callbacks:
        return _error(400, 40060, "Interaction has already been acknowledged.")
    body = seen.body or {}
    answer.callbacks.append(body)
    kind = body.get("type")
    data = body.get("data") or {}
    ephemeral = bool((data.get("flags") or 0) & EPHEMERAL) or kind == 5
    resource: dict[str, Any] = {"type": kind}
    if kind in (4, 5):
        answer.original = await _interaction_message(
            server, answer, seen, data, ephemeral=ephemeral
        )
        resource["message"] = answer.original
    elif seen.files:  # type 7 (update the clicked message) would need them: not served
        server.violations.append(f"POST {seen.template}: files with a type {kind} response")
    return _json(
        {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_id": resource.get("message", {}).get("id"),
                "response_message_loading": kind == 5,
                "response_message_ephemeral": ephemeral,
            },
            "resource": resource,
        }
    )


async def _interaction_message(
    server: DiscordStandIn, answer: Answer, seen: Seen, data: dict[str, Any], *, ephemeral: bool
) -> dict[str, Any]:
    channel = server.guild.channels[server._interaction_channels[answer.id]]
    stored, attachments = server.files_of(seen, data)
    message = server.guild.new_message(
        channel=channel, author=server.guild.bot, body=stored, attachments=attachments
    )
    if ephemeral:  # seen by one member only: not part of the channel's history
        server.guild.messages[channel.id].remove(message)
        message["flags"] |= EPHEMERAL
        for attachment in message["attachments"]:
            attachment["ephemeral"] = True
        return message
    await _created(server, message, channel)
    return message


@route("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")
async def _edit_original(server: DiscordStandIn, seen: Seen) -> web.Response:
    token = seen.path.strip("/").split("/")[2]
    answer = server._tokens.get(token)
    if answer is None:
        return _error(404, 10015, "Unknown Webhook")
    answer.edits.append(seen.body or {})
    if answer.original is None:  # a response that made no message (an update): a private one
        data = seen.body or {}
        answer.original = await _interaction_message(server, answer, seen, data, ephemeral=True)
        return _json(answer.original)
    kept = answer.original["attachments"]
    body, attachments = server.files_of(seen, seen.body or {}, kept=kept)
    _edited(answer.original, body, attachments)
    return _json(answer.original)


@route("POST", "/webhooks/{webhook_id}/{webhook_token}")
async def _followup(server: DiscordStandIn, seen: Seen) -> web.Response:
    token = seen.path.strip("/").split("/")[2]
    answer = server._tokens.get(token)
    if answer is None:
        return _error(404, 10015, "Unknown Webhook")
    body = seen.body or {}
    if answer.type == 5 and not answer.edits:
        # Discord: a follow-up that comes while the answer is still "thinking" is taken as
        # that answer, and keeps its visibility whatever its flags say.
        answer.edits.append(body)
        ephemeral = answer.ephemeral
        message = await _interaction_message(server, answer, seen, body, ephemeral=ephemeral)
        answer.original = message
    else:
        answer.followups.append(body)
        ephemeral = bool((body.get("flags") or 0) & EPHEMERAL)
        message = await _interaction_message(server, answer, seen, body, ephemeral=ephemeral)
        answer.followup_messages.append(message)
    return _json(message)


__all__ = ["Answer", "DiscordStandIn", "Person", "Seen", "message_text", "png_size"]
