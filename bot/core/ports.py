"""The ports: what the core needs from the outside world (a chat platform, a clock) and what
it offers adapters (``BotPort`` and its ``Catalog``). Plain types only: no SQLAlchemy here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from bot.core.models import EventDetails, Incoming, Message, Place, Reply


@dataclass(frozen=True)
class Suggestion:
    """One autocomplete choice."""

    name: str  # what the member sees
    value: str  # what the option receives


class Catalog(Protocol):
    """The choices a platform may offer while a member types (Discord autocomplete): quick and
    read-only, so it never goes through ``handle``, which records every event."""

    async def syllabi(self, place: Place, typed: str, *, loaded: bool = True) -> list[Suggestion]:
        """Syllabus ids: the shipped ones and (``loaded``) those loaded in this channel."""
        ...

    async def units(self, place: Place, typed: str) -> list[Suggestion]:
        """The units of the syllabus this channel's group reads (or read last)."""
        ...

    def schedule_files(self, typed: str) -> list[Suggestion]:
        """Schedule files ``/study plan`` can start from."""
        ...

    def timezones(self, typed: str) -> list[Suggestion]:
        """IANA time zone names."""
        ...

    async def group_channels(self, *, platform: str, workspace: str) -> list[str] | None:
        """The channels of a workspace that have a group; None when that cannot be known."""
        ...


class Meter(Protocol):
    """Where the core and the adapters report what an operator counts (posts by outcome, rate
    limits, how long commands take). ``bot.runtime.metrics`` implements it with Prometheus;
    the core only calls it, so it needs no metrics library."""

    def delivered(self, kind: str, outcome: str) -> None:
        """A ledger row of ``kind`` came to ``outcome``: sent, held, retry, failed, missed, late."""
        ...

    def command(self, name: str, seconds: float) -> None:
        """An event named ``name`` (a command word, or the kind of event) took ``seconds``."""
        ...

    def rate_limited(self, platform: str) -> None:
        """``platform`` answered a request with 429 (too many requests)."""
        ...


class NoMeter:
    """Counts nothing: the default for parts built without a meter (tests, tools)."""

    def delivered(self, kind: str, outcome: str) -> None:
        """Nothing."""

    def command(self, name: str, seconds: float) -> None:
        """Nothing."""

    def rate_limited(self, platform: str) -> None:
        """Nothing."""


NO_METER = NoMeter()


EventHandler = Callable[[Incoming], Awaitable[Reply | None]]
"""What an adapter calls for each platform event (``StudyBot.handle``); it shows the reply."""


class BotPort(Protocol):
    """What an adapter may ask of the bot (``StudyBot`` is one): handle a platform event, and
    read-only views a platform shows outside events (a member's home page, autocomplete)."""

    catalog: Catalog
    meter: Meter  # where an adapter reports what it sees (429s)

    async def handle(self, event: Incoming) -> Reply | None:
        """Handle one platform event; the reply (if any) is for the platform to show."""
        ...

    async def home(self, *, platform: str, workspace: str, user_id: str) -> Message:
        """A member's own page (Slack's App Home)."""
        ...


@runtime_checkable
class Adapter(Protocol):
    """What the core asks of a chat platform. Every method returns the platform's id of the
    message it created (a Slack ``ts``, a Discord snowflake, ...), as an opaque string.

    ``key`` identifies a scheduled post (a delivery in the ledger). Adapters attach it to the
    message (Slack metadata, Discord nonce, ...) so that ``find_post`` can tell, after a crash,
    whether the post went out before the crash.
    """

    platform: str
    # Posts per second the platform accepts in one channel (Slack: about 1), or None when the
    # platform's client paces itself or nothing limits it. The ledger paces each channel to it.
    channel_rate: float | None
    # Posts per second the platform accepts from the bot in one workspace, or None.
    workspace_rate: float | None

    @property
    def connected(self) -> bool:
        """Whether the platform can reach the bot now (started, logged in, its connection up);
        ``/healthz`` reports it."""
        ...

    async def post(self, place: Place, message: Message, *, key: str | None = None) -> str:
        """Post ``message`` in the channel of ``place``; ``key`` marks a scheduled post."""
        ...

    async def open_thread(
        self, place: Place, parent_ref: str, message: Message, *, key: str | None = None
    ) -> str:
        """Start a thread under ``parent_ref`` with ``message``; return the thread's ref."""
        ...

    async def reply(self, place: Place, thread_ref: str, message: Message) -> str:
        """Write ``message`` in the thread ``thread_ref``."""
        ...

    async def direct_message(
        self, user_id: str, message: Message, *, key: str | None = None
    ) -> str:
        """Send ``message`` to one member privately."""
        ...

    async def update(self, place: Place, message_ref: str, message: Message) -> None:
        """Replace the text of a post the bot made."""
        ...

    async def find_post(self, place: Place, key: str) -> str | None:
        """The ref of a post made earlier with ``key``, or None if there is none."""
        ...

    async def start(self, bot: BotPort) -> None:
        """Connect to the platform and deliver its events to ``bot.handle``."""
        ...

    async def stop(self) -> None:
        """Disconnect and release everything ``start`` took."""
        ...


class Clock(Protocol):
    """Where the core gets the time; injected, so tests and ``--fast`` can move it."""

    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


@runtime_checkable
class Calendar(Protocol):
    """A platform with events members can mark themselves interested in (Discord's scheduled
    events): one per session, kept in step with the schedule. An adapter without them is not
    a ``Calendar``, and its groups get no event rows."""

    async def put_event(
        self, place: Place, *, ref: str | None, event: EventDetails, key: str
    ) -> str:
        """Create the event (``ref`` None) or bring it up to date; its id, or "" when the
        platform refused for want of a permission (the log says which)."""
        ...

    async def find_event(self, place: Place, key: str) -> str | None:
        """The event made with ``key`` (an attempt whose answer was lost), if any."""
        ...

    async def cancel_event(self, place: Place, ref: str) -> None:
        """Cancel the event of a session that will not take place."""
        ...

    async def interested(self, place: Place, ref: str) -> frozenset[str] | None:
        """The user ids of the members who marked themselves interested; None when unknown."""
        ...


@runtime_checkable
class Permalinks(Protocol):
    """A platform whose posts have addresses a member can open (Slack, Discord): the links
    beside "Asked before" and in the FAQ. Without it, a question is named by its number."""

    def link_to(self, place: Place, ref: str) -> str | None:
        """The address of the post ``ref`` in ``place``'s channel, if it can be told."""
        ...
