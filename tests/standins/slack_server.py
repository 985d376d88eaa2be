"""A local Slack for tests: the Web API, file downloads, response URLs and Socket Mode, on
127.0.0.1, plus signed requests to the bot exactly as Slack sends them.

- ``/api/<method>`` answers the Web API methods studybot uses with Slack's response shapes,
  records every call, checks each against Slack's Web API description (``slack_spec``) and
  Block Kit rules (``slack_blocks``), and can answer 429 with ``Retry-After``, or lose the
  answer to a post it made (``lost_answers`` in order, ``lose_at_random`` for a seeded share);
- ``/files-pri/...`` serves shared files to a request bearing the bot token (anything else gets
  Slack's redirect to its sign-in page);
- ``/upload/v1/<key>`` takes the bytes of an upload begun with files.getUploadURLExternal, as
  files.slack.com does (raw or as a multipart form; it answers ``OK - <length>``). Uploads are
  private (the stand-in does not share files to channels) and become images that image blocks
  may show (``slack_file``) once Slack has processed them, see ``upload_processing_delay_calls``;
- ``/actions/<n>`` receives ``response_url`` answers;
- ``/link/`` is the Socket Mode websocket that ``apps.connections.open`` hands out: it says
  hello, sends envelopes and collects their acknowledgements.

Requests to the bot (``deliver``) go over HTTP, signed with v0 HMAC-SHA256 over
``v0:timestamp:body`` in ``X-Slack-Request-Timestamp`` and ``X-Slack-Signature``, or as Socket
Mode envelopes. What members do (join, type a command, click) is in ``slack_workspace``.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import hmac
import itertools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

from .slack_blocks import blocks_problems, image_type, slack_files, view_problems
from .slack_spec import JSON_ARGUMENTS, check_call

BOT_TOKEN = "xoxb-0000-standin-bot-token"
APP_TOKEN = "xapp-1-A0STUDY-standin-app-token"
SIGNING_SECRET = "standin-signing-secret-0123456789"
TEAM_ID = "T0STUDY"
TEAM_DOMAIN = "studygroup"
BOT_USER_ID = "U0STUDYBOT"
BOT_ID = "B0STUDYBOT"
APP_ID = "A0STUDY"
TRIGGER_SECONDS = 3.0  # a trigger_id is good for views.open this long

Kind = Literal["events_api", "slash_commands", "interactive"]


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Call:
    """One Web API call the stand-in received, with the arguments and how it answered."""

    method: str
    arguments: dict[str, Any]
    status: int  # the HTTP status answered: 200, or 429 when rate-limited
    ok: bool
    at: float  # time.monotonic()


@dataclass
class Upload:
    """A file uploaded the current way: files.getUploadURLExternal, its bytes POSTed to the
    upload URL, files.completeUploadExternal. Mutable: Slack fills it in step by step."""

    id: str
    filename: str
    length: int  # what files.getUploadURLExternal was told
    alt_txt: str
    key: str  # the upload URL's own part
    title: str = ""
    content: bytes | None = None  # what arrived at the upload URL
    completed_at: int | None = None  # the number of the Web API request that completed it
    processed: bool = False  # Slack has looked at it: its type is known, image blocks work


MIMETYPES = {
    "png": ("image/png", "PNG"),
    "jpg": ("image/jpeg", "JPEG"),
    "gif": ("image/gif", "GIF"),
}


@dataclass
class Delivered:
    """What the bot answered to one request: HTTP status and body, or the envelope's ack."""

    status: int
    body: str
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Private:
    """An ephemeral message: chat.postEphemeral, a response_url answer, or a slash command's
    answer carried by its acknowledgement (``via`` says which)."""

    user: str
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None
    via: str


def visible_text(message: dict[str, Any]) -> str:
    """Everything a person would read in a message: its blocks' texts, else its text. An
    image's alt text counts (a screen reader reads it out, so a privacy check must see it), and
    so does its title (a text object, shown above the picture)."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str):
                texts.append(node["text"])
            if node.get("type") == "image" and isinstance(node.get("alt_text"), str):
                texts.append(node["alt_text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks") or [])
    return "\n".join(texts) if texts else str(message.get("text", ""))


class SlackStandIn:
    """A local Slack: Web API, file downloads, response URLs and Socket Mode on 127.0.0.1."""

    def __init__(
        self,
        *,
        signing_secret: str = SIGNING_SECRET,
        bot_token: str = BOT_TOKEN,
        app_token: str = APP_TOKEN,
    ) -> None:
        self.signing_secret = signing_secret
        self.bot_token = bot_token
        self.app_token = app_token
        self.port = 0
        self.bot_url: str | None = None  # HTTP mode: where the bot listens
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.channels: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        self.threads: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
        self.private: list[Private] = []
        self.responses: list[dict[str, Any]] = []  # every response_url answer, as sent
        self.views_opened: list[dict[str, Any]] = []
        self.views_published: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
        self.downloads: list[str] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.file_contents: dict[str, bytes] = {}
        self.uploads: dict[str, Upload] = {}  # file id -> upload, completed or not
        # An upload is processed by files.info on it, or by itself once this many further Web
        # API requests (any method, any answer) have arrived after its completion: 0, by the
        # next request; None, only by files.info. Until then image blocks showing it fail.
        self.upload_processing_delay_calls: int | None = 0
        self._requests = 0  # Web API requests received, numbered from 1
        self.rate_limits: dict[str, collections.deque[int]] = collections.defaultdict(
            collections.deque
        )
        self.delays: dict[str, float] = {}  # method -> seconds to take before answering
        # Slack's own limits on chat.postMessage, enforced with 429s when set (posts per second
        # in one channel, and across the workspace); None: not enforced.
        self.channel_limit: float | None = None
        self.workspace_limit: float | None = None
        self._posted_at: dict[str, list[float]] = collections.defaultdict(list)
        # method -> what goes wrong after the call did its work: "500" answers a server error,
        # "drop" closes the connection without an answer (the post exists; the bot can't know).
        self.lost_answers: dict[str, collections.deque[str]] = collections.defaultdict(
            collections.deque
        )
        self.lose_fraction = 0.0  # see lose_at_random
        self._lose_random = random.Random(0)
        self.lost: list[tuple[str, str]] = []  # (method, "500" or "drop"), each loss injected
        self.sockets: list[web.WebSocketResponse] = []
        self.socket_connections = 0
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._triggers: dict[str, float] = {}
        self._response_urls: dict[str, tuple[str, str]] = {}  # id -> (user, channel)
        self._counter = itertools.count(1)
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._client: aiohttp.ClientSession | None = None
        # Every Web API method the stand-in answers; anything else is a violation.
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "apps.connections.open": self._apps_connections_open,
            "users.info": self._users_info,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
            "views.publish": self._views_publish,
            "files.info": self._files_info,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # --- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        server = web.Application()
        server.add_routes(
            [
                web.route("*", "/api/{method}", self._api),
                web.get("/files-pri/{team_file}/{name}", self._download),
                web.post("/upload/v1/{key}", self._upload),
                web.post("/actions/{id}", self._response_url),
                web.get("/link/", self._socket),
            ]
        )
        self._runner = web.AppRunner(server, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._client = aiohttp.ClientSession()

    async def close(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    # --- waiting on what the bot does -------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(
        self, condition: Callable[[], Any], *, what: str, within: float = 20.0
    ) -> Any:
        """Wait until ``condition()`` is truthy (checked whenever the stand-in sees something,
        and at least every 0.2 s, as conditions may look at a database too)."""
        deadline = time.monotonic() + within
        async with self._changed:
            while not (result := condition()):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out waiting for {what}")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=min(left, 0.2))
            return result

    def called(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method and call.status == 200]

    def posts(self, channel: str) -> list[dict[str, Any]]:
        return list(self.channels[channel])

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        return list(self.threads[(channel, ts)])

    def private_to(self, user: str) -> list[Private]:
        return [p for p in self.private if p.user == user]

    # --- what Slack knows -----------------------------------------------------------------------

    def add_user(self, user_id: str, name: str, *, is_admin: bool = False, tz: str = "UTC") -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name.lower(),
            "deleted": False,
            "real_name": name,
            "tz": tz,  # the zone of the member's profile (Slack always sends one)
            "is_admin": is_admin,
            "is_owner": False,
            "is_bot": False,
            "profile": {"real_name": name, "display_name": name, "team": TEAM_ID},
        }

    def add_file(
        self, name: str, content: bytes, *, size: int | None = None, user: str = ""
    ) -> dict[str, Any]:
        file_id = f"F{next(self._counter):08d}"
        url = f"{self.url}/files-pri/{TEAM_ID}-{file_id}/{name}"
        self.files[file_id] = {
            "id": file_id,
            "created": int(time.time()),
            "name": name,
            "title": name,
            "mimetype": "text/plain",
            "filetype": "yaml" if name.endswith((".yaml", ".yml")) else "text",
            "user": user,
            "size": len(content) if size is None else size,
            "url_private": url,
            "url_private_download": url + "?download=1",
            "is_public": True,
        }
        self.file_contents[file_id] = content
        return self.files[file_id]

    def new_ts(self) -> str:
        return f"{1_790_000_000 + next(self._ts)}.000100"

    def new_trigger(self) -> str:
        trigger = f"{next(self._counter)}.{TEAM_ID}.{hashlib.sha1(str(time.time()).encode()).hexdigest()[:16]}"
        self._triggers[trigger] = time.monotonic()
        return trigger

    def new_response_url(self, *, user: str, channel: str) -> str:
        key = str(next(self._counter))
        self._response_urls[key] = (user, channel)
        return f"{self.url}/actions/{key}"

    def add_message(
        self, channel: str, message: dict[str, Any], *, thread_ts: str | None = None
    ) -> dict[str, Any]:
        """Store a message (the bot's or a member's) as Slack would show it in history."""
        if thread_ts:
            parent = self.find(channel, thread_ts)
            if parent is None:
                raise KeyError(thread_ts)
            message["thread_ts"] = thread_ts
            parent["thread_ts"] = thread_ts
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = message["ts"]
            self.threads[(channel, thread_ts)].append(message)
        else:
            self.channels[channel].append(message)
        return message

    def find(self, channel: str, ts: str) -> dict[str, Any] | None:
        for message in self.channels[channel]:
            if message["ts"] == ts:
                return message
        for (where, _), replies in self.threads.items():
            if where == channel:
                for message in replies:
                    if message["ts"] == ts:
                        return message
        return None

    # --- the Web API ----------------------------------------------------------------------------

    async def _arguments(self, request: web.Request) -> list[tuple[str, Any, bool]]:
        found: list[tuple[str, Any, bool]] = [(k, v, False) for k, v in request.query.items()]
        if request.can_read_body:
            raw = await request.read()
            if request.content_type == "application/json":
                data = json.loads(raw or b"{}")
                found += [(k, v, True) for k, v in data.items()]
            else:
                found += [(k, v, False) for k, v in parse_qsl(raw.decode(), keep_blank_values=True)]
        return found

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        self._requests += 1
        given = await self._arguments(request)
        authorization = request.headers.get("Authorization", "")
        bearer = (
            authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else None
        )
        self.violations += check_call(method, given, bearer=bearer is not None)
        arguments: dict[str, Any] = {}
        for name, value, typed in given:
            if not typed and name in JSON_ARGUMENTS and isinstance(value, str):
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            arguments[name] = value
        token = bearer or arguments.get("token")
        if method in self.delays:
            await asyncio.sleep(self.delays[method])  # a slow Slack, not a wait on the schedule
        if method == "chat.postMessage" and self._over_the_limit(str(arguments.get("channel"))):
            self.rate_limits[method].appendleft(1)
        if self.rate_limits[method]:
            retry_after = self.rate_limits[method].popleft()
            self.calls.append(Call(method, arguments, 429, False, time.monotonic()))
            await self._notify()
            return web.json_response(
                {"ok": False, "error": "ratelimited"},
                status=429,
                headers={"Retry-After": str(retry_after)},
            )
        expected = self.app_token if method == "apps.connections.open" else self.bot_token
        handler = self._methods.get(method)
        if token != expected:
            answer: dict[str, Any] = {"ok": False, "error": "invalid_auth"}
        elif handler is None:
            self.violations.append(f"{method}: the stand-in does not know this method")
            answer = {"ok": False, "error": "unknown_method"}
        else:
            answer = handler(arguments)
        lost = self._loss(method, answer)
        if lost is not None:
            self.calls.append(Call(method, arguments, 500, False, time.monotonic()))
            await self._notify()
            if lost == "drop" and request.transport is not None:
                request.transport.abort()  # no answer at all: the bot sees the connection die
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        self.calls.append(Call(method, arguments, 200, bool(answer.get("ok")), time.monotonic()))
        await self._notify()
        return web.json_response(answer)

    def lose_at_random(self, fraction: float, *, seed: int = 0) -> None:
        """From now on, lose the answer to ``fraction`` of the posts the bot makes
        (chat.postMessage), after each is made: half answered 500, half dropped without an
        answer; seeded (the same draws, in the order the posts arrive)."""
        self.lose_fraction, self._lose_random = fraction, random.Random(seed)

    def _loss(self, method: str, answer: dict[str, Any]) -> str | None:
        """What becomes of this answer: the next of ``lost_answers`` for the method, else for a
        share of posts a random loss; None when it arrives."""
        if self.lost_answers[method]:
            loss = self.lost_answers[method].popleft()
        elif (
            method == "chat.postMessage"
            and answer.get("ok")
            and self._lose_random.random() < self.lose_fraction
        ):
            loss = self._lose_random.choice(("500", "drop"))
        else:
            return None
        self.lost.append((method, loss))
        return loss

    def _over_the_limit(self, channel: str) -> bool:
        """Whether one more post now would exceed the enforced limits (and record it if not)."""
        now = time.monotonic()
        for key, limit in ((channel, self.channel_limit), ("", self.workspace_limit)):
            if limit is None:
                continue
            recent = [t for t in self._posted_at[key] if now - t < 1.0]
            self._posted_at[key] = recent
            # A second's worth of posts, plus one of slack: a paced sender's jitter is not abuse.
            if len(recent) >= limit + 1:
                return True
        for key in (channel, ""):
            self._posted_at[key].append(now)
        return False

    def _blocks_ok(self, method: str, arguments: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's answer when the blocks are invalid, else None."""
        if "blocks" in arguments and (problems := blocks_problems(arguments["blocks"])):
            self.violations += [f"{method}: {p}" for p in problems]
            return {"ok": False, "error": "invalid_blocks"}
        if "blocks" in arguments and (errors := self._image_problems(arguments["blocks"])):
            self.violations += [f"{method}: {e}" for e in errors]
            return {
                "ok": False,
                "error": "invalid_blocks",
                "errors": errors,
                "response_metadata": {"messages": [f"[ERROR] {e}" for e in errors]},
            }
        if not arguments.get("text") and not arguments.get("blocks"):
            return {"ok": False, "error": "no_text"}
        return None

    def _bot_message(self, arguments: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "text": arguments.get("text", ""),
            "blocks": arguments.get("blocks") or [],
            "ts": self.new_ts(),
        }
        if isinstance(arguments.get("metadata"), dict):
            message["metadata"] = arguments["metadata"]
        return message

    def _auth_test(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": "Study Group",
            "user": "studybot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, arguments: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link/?ticket={next(self._counter)}"}

    def _users_info(self, arguments: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(arguments.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _chat_post_message(self, arguments: dict[str, Any]) -> dict[str, Any]:
        if (refused := self._blocks_ok("chat.postMessage", arguments)) is not None:
            return refused
        channel = str(arguments["channel"])
        if channel.startswith(("U", "W")):
            channel = "D" + channel[1:]  # the app's DM with that user
        message = self._bot_message(arguments)
        try:
            self.add_message(channel, message, thread_ts=arguments.get("thread_ts") or None)
        except KeyError:
            return {"ok": False, "error": "thread_not_found"}
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": message}

    def _chat_post_ephemeral(self, arguments: dict[str, Any]) -> dict[str, Any]:
        if (refused := self._blocks_ok("chat.postEphemeral", arguments)) is not None:
            return refused
        self.private.append(
            Private(
                user=arguments["user"],
                channel=arguments["channel"],
                text=arguments.get("text", ""),
                blocks=arguments.get("blocks") or [],
                thread_ts=arguments.get("thread_ts"),
                via="chat.postEphemeral",
            )
        )
        return {"ok": True, "message_ts": self.new_ts()}

    def _chat_update(self, arguments: dict[str, Any]) -> dict[str, Any]:
        if (refused := self._blocks_ok("chat.update", arguments)) is not None:
            return refused
        message = self.find(arguments["channel"], arguments["ts"])
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        message["text"] = arguments.get("text", "")
        message["blocks"] = arguments.get("blocks") or []
        message["edited"] = {"user": BOT_USER_ID, "ts": self.new_ts()}
        return {
            "ok": True,
            "channel": arguments["channel"],
            "ts": arguments["ts"],
            "text": message["text"],
            "message": message,
        }

    @staticmethod
    def _page(items: list[dict[str, Any]], arguments: dict[str, Any]) -> dict[str, Any]:
        offset = int(arguments.get("cursor") or 0)
        limit = int(arguments.get("limit") or 100)
        with_metadata = str(arguments.get("include_all_metadata", "")).lower() in ("1", "true")
        page = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in items[offset : offset + limit]
        ]
        more = offset + limit < len(items)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(offset + limit) if more else ""},
        }

    def _conversations_history(self, arguments: dict[str, Any]) -> dict[str, Any]:
        newest_first = list(reversed(self.channels[arguments.get("channel", "")]))
        return {**self._page(newest_first, arguments), "pin_count": 0}

    def _conversations_replies(self, arguments: dict[str, Any]) -> dict[str, Any]:
        channel = arguments.get("channel", "")
        message = self.find(channel, str(arguments.get("ts", "")))
        if message is None:
            return {"ok": False, "error": "thread_not_found"}
        parent = self.find(channel, message.get("thread_ts") or message["ts"]) or message
        return self._page([parent, *self.threads[(channel, parent["ts"])]], arguments)

    def _views_open(self, arguments: dict[str, Any]) -> dict[str, Any]:
        issued = self._triggers.get(arguments.get("trigger_id", ""))
        if issued is None or time.monotonic() - issued > TRIGGER_SECONDS:
            return {"ok": False, "error": "expired_trigger_id"}
        view = arguments.get("view")
        if problems := view_problems(view) or self._image_problems(view.get("blocks")):
            self.violations += [f"views.open: {p}" for p in problems]
            return {"ok": False, "error": "invalid_arguments"}
        opened = {**view, "id": f"V{next(self._counter):08d}", "team_id": TEAM_ID, "app_id": APP_ID}
        opened["hash"] = f"{int(time.time())}.{opened['id']}"
        self.views_opened.append(opened)
        return {"ok": True, "view": opened}

    def _views_publish(self, arguments: dict[str, Any]) -> dict[str, Any]:
        view = arguments.get("view")
        if problems := view_problems(view) or self._image_problems(view.get("blocks")):
            self.violations += [f"views.publish: {p}" for p in problems]
            return {"ok": False, "error": "invalid_arguments"}
        self.views_published[arguments["user_id"]].append(view)
        return {"ok": True, "view": {**view, "id": f"V{next(self._counter):08d}"}}

    def _files_info(self, arguments: dict[str, Any]) -> dict[str, Any]:
        file_id = arguments.get("file", "")
        if (upload := self.uploads.get(file_id)) is not None and upload.completed_at is not None:
            self._process(upload)  # asking after a file is how one waits for Slack to process it
        shared = self.files.get(file_id)
        return {"ok": True, "file": shared} if shared else {"ok": False, "error": "file_not_found"}

    # --- uploads --------------------------------------------------------------------------------

    def _files_get_upload_url(self, arguments: dict[str, Any]) -> dict[str, Any]:
        length = str(arguments.get("length", ""))
        if not arguments.get("filename") or length in ("", "0"):
            return {"ok": False, "error": "missing_argument"}
        if not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        alt_txt = str(arguments.get("alt_txt") or "")
        if len(alt_txt) > 1000:
            return {"ok": False, "error": "alt_txt_too_large"}
        file_id = f"F{next(self._counter):08d}"
        key = hashlib.sha1(f"{file_id}.{time.time()}".encode()).hexdigest()
        self.uploads[file_id] = Upload(
            id=file_id,
            filename=str(arguments["filename"]),
            length=int(length),
            alt_txt=alt_txt,
            key=key,
        )
        return {"ok": True, "upload_url": f"{self.url}/upload/v1/{key}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        """files.slack.com's side: the bytes, raw or as a form's file; no token needed."""
        key = request.match_info["key"]
        upload = next((u for u in self.uploads.values() if u.key == key), None)
        if upload is None or upload.completed_at is not None:
            return web.Response(status=404, text="Not Found")
        if request.content_type == "multipart/form-data":
            form = await request.post()
            parts = [v for v in form.values() if isinstance(v, web.FileField)]
            upload.content = parts[0].file.read() if parts else b""
        else:
            upload.content = await request.read()
        await self._notify()
        return web.Response(text=f"OK - {len(upload.content)}", content_type="text/plain")

    def _files_complete_upload(self, arguments: dict[str, Any]) -> dict[str, Any]:
        listed = arguments.get("files")
        if not isinstance(listed, list) or not listed:
            return {"ok": False, "error": "invalid_arguments"}
        if any(arguments.get(k) for k in ("channel_id", "channels", "thread_ts")):
            self.violations.append(
                "files.completeUploadExternal: the stand-in keeps uploads private; "
                "sharing a file to a channel is not simulated"
            )
            return {"ok": False, "error": "invalid_arguments"}
        uploads: list[tuple[Upload, str]] = []
        for item in listed:
            upload = self.uploads.get(item.get("id", "")) if isinstance(item, dict) else None
            if upload is None or upload.completed_at is not None:  # it can be completed once
                return {"ok": False, "error": "file_not_found"}
            if upload.content is None or len(upload.content) != upload.length:
                got = "nothing" if upload.content is None else f"{len(upload.content)} bytes"
                self.violations.append(
                    f"files.completeUploadExternal: {upload.id} was to be {upload.length} "
                    f"bytes long, {got} arrived at its upload URL"
                )
                return {"ok": False, "error": "file_not_found"}  # Slack discards such an upload
            uploads.append((upload, str(item.get("title") or upload.filename)))
        for upload, title in uploads:
            upload.title, upload.completed_at = title, self._requests
            self.files[upload.id] = self._uploaded_file(upload)
            self.file_contents[upload.id] = upload.content or b""
        # Right after completion Slack has not looked at the files: their type is still unknown.
        return {"ok": True, "files": [dict(self.files[u.id]) for u, _ in uploads]}

    def _uploaded_file(self, upload: Upload) -> dict[str, Any]:
        """The file object of a completed upload, before Slack has processed it."""
        url = f"{self.url}/files-pri/{TEAM_ID}-{upload.id}/{upload.filename}"
        now = int(time.time())
        found: dict[str, Any] = {
            "id": upload.id,
            "created": now,
            "timestamp": now,
            "name": upload.filename,
            "title": upload.title,
            "mimetype": "",
            "filetype": "",
            "pretty_type": "",
            "user": BOT_USER_ID,
            "user_team": TEAM_ID,
            "editable": False,
            "size": upload.length,
            "mode": "hosted",
            "is_external": False,
            "external_type": "",
            "is_public": False,
            "public_url_shared": False,
            "display_as_bot": False,
            "username": "",
            "url_private": url,
            "url_private_download": url + "?download=1",
            "permalink": f"https://{TEAM_DOMAIN}.slack.com/files/{BOT_USER_ID}/{upload.id}/"
            f"{upload.filename}",
            "channels": [],
            "groups": [],
            "ims": [],
            "shares": {},
            "comments_count": 0,
            "has_rich_preview": False,
            "file_access": "visible",
        }
        if upload.alt_txt:
            found["alt_txt"] = upload.alt_txt
        return found

    def _process(self, upload: Upload) -> None:
        """Slack has looked at the file: its type is known, and an image's size."""
        if upload.processed:
            return
        upload.processed = True
        content = upload.content or b""
        kind = image_type(content)
        mimetype, pretty = MIMETYPES.get(kind or "", ("application/octet-stream", "Binary"))
        shown = self.files[upload.id]
        shown |= {"mimetype": mimetype, "filetype": kind or "binary", "pretty_type": pretty}
        if kind == "png" and len(content) >= 24:  # the IHDR chunk: width and height
            shown["original_w"] = int.from_bytes(content[16:20], "big")
            shown["original_h"] = int.from_bytes(content[20:24], "big")

    def _processed(self, upload: Upload) -> bool:
        delay = self.upload_processing_delay_calls
        if (
            not upload.processed
            and upload.completed_at is not None
            and delay is not None
            and self._requests - upload.completed_at > delay
        ):
            self._process(upload)
        return upload.processed

    def _slack_file(self, reference: dict[str, Any]) -> str | None:
        """The id of the file a ``slack_file`` object names (by id, or by its url_private or
        permalink), None when there is none."""
        if "id" in reference:
            return reference["id"] if reference["id"] in self.files else None
        url = reference.get("url")
        return next(
            (
                file_id
                for file_id, shown in self.files.items()
                if url in (shown.get("url_private"), shown.get("permalink"))
            ),
            None,
        )

    def _image_problems(self, blocks: Any) -> list[str]:
        """Slack's errors for the Slack files that images in ``blocks`` show: unknown, not
        yet processed (Slack cannot download it yet), or not an image."""
        errors: list[str] = []
        for where, reference in slack_files(blocks):
            file_id = self._slack_file(reference)
            upload = self.uploads.get(file_id or "")
            if file_id is None:
                errors.append(f"invalid slack file [json-pointer:{where}]")
            elif upload is not None and not self._processed(upload):
                errors.append(f"downloading image failed [json-pointer:{where}]")
            elif image_type(self.file_contents.get(file_id, b"")) is None:
                errors.append(f"invalid slack file [json-pointer:{where}] (not an image)")
        return errors

    def images_in(self, message: dict[str, Any] | Private) -> list[bytes]:
        """The bytes of the Slack files a message's images show, in order (images shown from
        an ``image_url`` are not here: they live outside Slack)."""
        blocks = message.blocks if isinstance(message, Private) else message.get("blocks")
        found: list[bytes] = []
        for where, reference in slack_files(blocks):
            file_id = self._slack_file(reference)
            if file_id is None:
                raise LookupError(f"{where}: no such Slack file {reference}")
            found.append(self.file_contents[file_id])
        return found

    # --- files, response URLs -------------------------------------------------------------------

    async def _download(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["team_file"].split("-", 1)[-1]
        if request.headers.get("Authorization") != f"Bearer {self.bot_token}":
            # Slack's answer to a request it does not accept: its sign-in page.
            raise web.HTTPFound(f"{self.url}/signin")
        self.downloads.append(file_id)
        await self._notify()
        mimetype = self.files[file_id].get("mimetype") or "application/octet-stream"
        return web.Response(body=self.file_contents[file_id], content_type=mimetype)

    async def _response_url(self, request: web.Request) -> web.Response:
        user, channel = self._response_urls[request.match_info["id"]]
        payload = await request.json()
        self.responses.append(payload)
        if errors := self._image_problems(payload.get("blocks")):
            # Slack refuses the message; a response URL answers so with a 404 and this body.
            self.violations += [f"response_url: {e}" for e in errors]
            await self._notify()
            return web.json_response({"ok": False, "error": "invalid_blocks"}, status=404)
        if payload.get("response_type") == "in_channel":
            message = self._bot_message(payload)
            self.add_message(channel, message)
        else:
            self.private.append(
                Private(
                    user=user,
                    channel=channel,
                    text=payload.get("text", ""),
                    blocks=payload.get("blocks") or [],
                    thread_ts=None,
                    via="response_url",
                )
            )
            if problems := blocks_problems(payload.get("blocks") or []):
                self.violations += [f"response_url: {p}" for p in problems]
        await self._notify()
        return web.json_response({"ok": True})

    # --- Socket Mode ----------------------------------------------------------------------------

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.sockets.append(ws)
        self.socket_connections += 1
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": 1,
                "debug_info": {
                    "host": "standin",
                    "build_number": 1,
                    "approximate_connection_time": 3600,
                },
                "connection_info": {"app_id": APP_ID},
            }
        )
        await self._notify()
        try:
            async for frame in ws:
                if frame.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(frame.data)
                future = self._acks.pop(data.get("envelope_id", ""), None)
                if future is not None and not future.done():
                    future.set_result(data)
        finally:
            self.sockets.remove(ws)
            await self._notify()
        return ws

    # --- requests to the bot --------------------------------------------------------------------

    @staticmethod
    def encode(kind: Kind, payload: dict[str, Any]) -> tuple[bytes, str]:
        if kind == "events_api":
            return json.dumps(payload).encode(), "application/json"
        if kind == "slash_commands":
            return urlencode(payload).encode(), "application/x-www-form-urlencoded"
        return urlencode(
            {"payload": json.dumps(payload)}
        ).encode(), "application/x-www-form-urlencoded"

    async def post_signed(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        retry: int = 0,
    ) -> Delivered:
        """POST to the bot as Slack does; ``timestamp``/``signature`` override the real ones."""
        assert self.bot_url is not None and self._client is not None
        stamp = timestamp or str(int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature or sign(self.signing_secret, stamp, body),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        async with self._client.post(self.bot_url, data=body, headers=headers) as response:
            return Delivered(response.status, await response.text())

    async def deliver(self, kind: Kind, payload: dict[str, Any], *, retry: int = 0) -> Delivered:
        if self.bot_url is not None:
            body, content_type = self.encode(kind, payload)
            delivered = await self.post_signed(body, content_type, retry=retry)
        else:
            delivered = await self.send_envelope(kind, payload, retry=retry)
        if kind == "slash_commands" and delivered.status == 200:
            await self.show_command_answer(payload, delivered)
        return delivered

    async def show_command_answer(self, command: dict[str, Any], delivered: Delivered) -> None:
        """A slash command's acknowledgement may carry the answer (a message payload, private
        unless ``response_type`` is ``in_channel``); Slack shows it as a response_url answer."""
        answer = delivered.json()
        if not isinstance(answer, dict) or not (answer.get("text") or answer.get("blocks")):
            return
        user, channel = command["user_id"], command["channel_id"]
        if answer.get("response_type") == "in_channel":
            self.add_message(channel, self._bot_message(answer))
        else:
            self.private.append(
                Private(
                    user=user,
                    channel=channel,
                    text=answer.get("text", ""),
                    blocks=answer.get("blocks") or [],
                    thread_ts=None,
                    via="ack",
                )
            )
            if problems := blocks_problems(answer.get("blocks") or []):
                self.violations += [f"ack: {p}" for p in problems]
        # An acknowledgement cannot be refused: an image Slack could not show is a violation.
        self.violations += [f"ack: {e}" for e in self._image_problems(answer.get("blocks"))]
        await self._notify()

    async def send_envelope(
        self, kind: Kind, payload: Any, *, retry: int = 0, within: float = 10.0
    ) -> Delivered:
        await self.wait_for(lambda: self.sockets, what="the bot's Socket Mode connection")
        envelope_id = f"env-{next(self._counter)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._acks[envelope_id] = future
        await self.sockets[-1].send_json(
            {
                "envelope_id": envelope_id,
                "payload": payload,
                "type": kind,
                "accepts_response_payload": kind != "events_api",
                "retry_attempt": retry,
                "retry_reason": "timeout" if retry else "",
            }
        )
        try:
            ack = await asyncio.wait_for(future, timeout=within)
        except TimeoutError:
            self._acks.pop(envelope_id, None)
            return Delivered(0, "")  # never acknowledged
        return Delivered(200, json.dumps(ack.get("payload")) if ack.get("payload") else "")
