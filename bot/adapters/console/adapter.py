"""A local chat in the terminal: the bot's posts, threads, DMs and answers printed with rich.

``ConsoleAdapter`` implements the Adapter protocol (platform ``console``): every message gets a
ref such as ``#12`` that the person at the keyboard can type to reply in a thread or react.
Members are played by the shared ``Chat`` driver (``bot.adapters.chat``), with this
adapter as its screen. ``studybot console`` and
``studybot demo`` use both.
"""

from __future__ import annotations

import uuid
from datetime import UTC, tzinfo
from pathlib import Path

from rich.console import Console
from rich.text import Text

from bot.adapters.chat import Chat
from bot.adapters.console.exports import Exports
from bot.adapters.console.refs import REMEMBERED, Known, RefCounter
from bot.adapters.console.render import inline, message_texts, plain, print_indented
from bot.adapters.console.transcript import Entry, Transcript
from bot.core import moments
from bot.core.errors import StudybotError
from bot.core.models import Incoming, Message, Person, Place, Reply
from bot.core.ports import BotPort, Clock
from bot.core.safety import defuse

THREAD_INDENT = 4
BOT_STYLE = "bold blue"
REF_STYLE = "bold yellow"
MEMBER_STYLE = "bold green"
PROMPT_MARK = "\u203a"  # the mark between a name and what they typed, as in the prompt


def normalize_ref(text: str) -> str:
    """``12`` or ``#12`` -> ``#12``."""
    text = text.strip()
    return text if text.startswith("#") else f"#{text}"


class NoSuchThread(StudybotError):
    """``reply #REF`` named something that is not a thread; ``str()`` says what to type."""


def _member(name: str) -> str:
    # Names are member text too: someone may well call themselves "@here".
    return plain(defuse(name))


class ConsoleAdapter:
    """The ``console`` platform: prints every message with a ref the person can type back."""

    platform = "console"
    channel_rate: float | None = None  # nothing limits a local chat
    workspace_rate: float | None = None
    connected = True  # a local chat: nothing to connect to

    def __init__(
        self,
        *,
        console: Console,
        transcript: Path | None = None,
        refs_file: Path | None = None,
        clock: Clock | None = None,
        bot_name: str = "studybot",
        first_person: bool = True,
        export_dir: Path | None = None,
        images_dir: Path | None = None,
    ) -> None:
        self.console = console
        self.transcript = Transcript(path=transcript) if transcript is not None else None
        self.clock = clock  # when given, each post shows the (simulated) time it was made
        self.bot_name = bot_name
        self.first_person = first_person  # "(only you see this)" vs "(only Ben sees this)"
        self.sent: list[Entry] = []
        self.names: dict[str, str] = {}  # user id -> display name, for "direct message to Dev"
        self.zone: tzinfo = UTC  # times are shown in the group's zone once it has one
        self.exports = Exports(folder=export_dir) if export_dir is not None else None
        # Pictures (formulas, charts) are PNG files a terminal cannot show: saved, path printed.
        self.images = (
            Exports(folder=images_dir, make=True, fix="Check that STUDYBOT_HOME is writable.")
            if images_dir is not None
            else None
        )
        self._refs = RefCounter(path=refs_file)
        self.known = self._refs.known
        if self.transcript is not None:
            self._remember_transcript(self.transcript)

    def _remember_transcript(self, transcript: Transcript) -> None:
        # Refs from an earlier run stay usable (`reply #12 ...`) and are never handed out again.
        for entry in transcript.entries():
            self._remember(entry.kind, entry.ref, entry.thread)
            self._refs.seen(entry.ref)

    def _remember(self, kind: str, ref: str, thread: str | None) -> None:
        if kind in REMEMBERED:
            self.known[ref] = Known(kind, thread)

    def _record(
        self,
        kind: str,
        ref: str,
        *,
        channel: str,
        text: str,
        thread: str | None = None,
        key: str | None = None,
        to: str | None = None,
    ) -> None:
        # Written (and fsynced) before the message is printed: the transcript is the record of
        # what was sent, so a kill in between loses a printout, never a post, and never repeats one.
        text = moments.as_written(text)  # the transcript shows times as the terminal does
        entry = Entry(kind=kind, ref=ref, channel=channel, thread=thread, key=key, text=text, to=to)
        self.sent.append(entry)
        self._remember(entry.kind, entry.ref, entry.thread)
        if self.transcript is not None:
            self.transcript.append(entry)

    # --- printing -------------------------------------------------------------------------------

    def _stamp(self) -> str:
        if self.clock is None:
            return ""
        return self.clock.now().astimezone(self.zone).strftime("  %a %d %b %H:%M %Z")

    def _header(self, ref: str | None, *parts: tuple[str, str], mark: str = "") -> Text:
        header = Text(mark, style="dim")
        if ref is not None:
            header.append(ref, style=REF_STYLE).append(" ")
        for text, style in parts:
            header.append(plain(text), style=style)
        return header.append(self._stamp(), style="dim")

    def _texts(self, message: Message) -> list[Text]:
        # A file attached to a message (an export) is saved whole: a terminal shows only its start.
        texts = message_texts(message)
        for attachment in message.attachments:
            saver = self.images if attachment.is_picture else self.exports
            if saver is not None:
                texts.append(saver.save(attachment))
        return texts

    def _show(self, header: Text, body: list[Text] | None = None, *, indent: int = 0) -> None:
        print_indented(self.console, [header], indent=indent)
        if body is not None:
            print_indented(self.console, body, indent=indent + 2)

    # --- the Adapter protocol -------------------------------------------------------------------

    async def post(self, place: Place, message: Message, *, key: str | None = None) -> str:
        """Print a post in the channel and record it (with its delivery key, if any)."""
        ref = self._refs.next("post")
        self._record("post", ref, channel=place.channel, text=message.text, key=key)
        self.console.print()
        self._show(
            self._header(ref, (self.bot_name, BOT_STYLE), (f" in #{place.channel}", "dim")),
            self._texts(message),
        )
        return ref

    async def open_thread(
        self, place: Place, parent_ref: str, message: Message, *, key: str | None = None
    ) -> str:
        """Print the first message of a thread under ``parent_ref``; its ref names the thread."""
        ref = self._refs.next("thread", parent_ref)
        self._record(
            "thread", ref, channel=place.channel, text=message.text, thread=parent_ref, key=key
        )
        self._show(
            self._header(
                ref,
                (self.bot_name, BOT_STYLE),
                (f" thread on {parent_ref}", "dim"),
                (f"  (to write here: reply {ref} <text>)", "dim"),
                mark="↳ ",
            ),
            self._texts(message),
            indent=THREAD_INDENT,
        )
        return ref

    async def reply(self, place: Place, thread_ref: str, message: Message) -> str:
        """Print a message in a thread."""
        ref = self._refs.next("reply", thread_ref)
        self._record("reply", ref, channel=place.channel, text=message.text, thread=thread_ref)
        self._show(
            self._header(
                ref, (self.bot_name, BOT_STYLE), (f" in thread {thread_ref}", "dim"), mark="↳ "
            ),
            self._texts(message),
            indent=THREAD_INDENT,
        )
        return ref

    async def direct_message(
        self, user_id: str, message: Message, *, key: str | None = None
    ) -> str:
        """Print a direct message to one member."""
        ref = self._refs.next("dm")
        self._record("dm", ref, channel="", text=message.text, key=key, to=user_id)
        self.console.print()
        self._show(
            self._header(
                ref,
                (self.bot_name, BOT_STYLE),
                (f" → direct message to {self.names.get(user_id, user_id)}", "dim"),
                mark="✉ ",
            ),
            self._texts(message),
        )
        return ref

    async def update(self, place: Place, message_ref: str, message: Message) -> None:
        """Print the new text of an edited post."""
        self._record("update", message_ref, channel=place.channel, text=message.text)
        self._show(
            self._header(
                message_ref, (self.bot_name, BOT_STYLE), (" edited its post", "dim"), mark="✎ "
            ),
            self._texts(message),
        )

    async def find_post(self, place: Place, key: str) -> str | None:
        # The transcript file is the durable answer (it survives a kill); without one, only what
        # this process sent is known, which is all a console without --transcript can promise.
        """The ref of the post sent with ``key``: from the transcript, else from this process."""
        if self.transcript is not None:
            return self.transcript.find(key=key, channel=place.channel)
        return next((e.ref for e in self.sent if e.key == key), None)

    async def start(self, bot: BotPort) -> None:
        """Nothing to connect: the prompt reads the keyboard and pushes events through ``Chat``."""

    async def stop(self) -> None:
        """Close the transcript."""
        if self.transcript is not None:
            self.transcript.close()

    # --- what members do, as the channel shows it ------------------------------------------------

    def person(self, name: str) -> Person:
        """Console members are known by name; ``Alice`` and ``alice`` are the same person."""
        user_id = name.strip().casefold()
        self.names[user_id] = name
        # A terminal has no profiles: a group started without `tz` meets in UTC, and every
        # time the console prints names its zone.
        return Person(user_id=user_id, name=name, timezone="UTC")

    def show_reply(self, reply: Reply, *, event: Incoming, channel: str) -> None:
        """An answer to a command or click: private ones are marked as only its author's."""
        if reply.ephemeral:
            who = event.who
            audience = "only you see this" if self.first_person else f"only {who.name} sees this"
            self._record("ephemeral", "", channel=channel, text=reply.message.text, to=who.user_id)
            self._show(
                self._header(None, (self.bot_name, BOT_STYLE), (f" ({audience})", "italic dim")),
                self._texts(reply.message),
            )
            return
        ref = self._refs.next("post")
        self._record("post", ref, channel=channel, text=reply.message.text)
        self.console.print()
        self._show(
            self._header(ref, (self.bot_name, BOT_STYLE), (f" in #{channel}", "dim")),
            self._texts(reply.message),
        )

    def show_command(self, name: str, text: str) -> None:
        """What a member typed (piped input and the demo show it; a terminal already has)."""
        self.console.print()
        line = Text().append(_member(name), style=MEMBER_STYLE)
        line.append(f" {PROMPT_MARK} ", style="dim").append(plain(defuse(text)))
        print_indented(self.console, [line])

    def show_member_message(self, name: str, thread: str, text: str, *, event_id: str) -> str:
        """A member's message in a thread: it gets a ref like every message (reactions need one)."""
        ref = self._refs.next("member", thread)
        self._remember("member", ref, thread)
        self._show(
            self._header(
                ref, (_member(name), MEMBER_STYLE), (f" in thread {thread}", "dim"), mark="↳ "
            ),
            [inline(defuse(text))],
            indent=THREAD_INDENT,
        )
        return ref

    def show_reaction(self, name: str, ref: str, emoji: str) -> None:
        """A member's reaction, as the channel shows it."""
        self.console.print(
            Text()
            .append(_member(name), style=MEMBER_STYLE)
            .append(f" reacted {plain(emoji)} to ")
            .append(plain(ref), style=REF_STYLE)
        )

    def show_membership(self, name: str, *, joined: bool, channel: str) -> None:
        """A member joining or leaving, as the channel shows it."""
        verb = "joined" if joined else "left"
        self.console.print(
            Text()
            .append(_member(name), style=MEMBER_STYLE)
            .append(f" {verb} #{channel}", style="dim")
        )

    # --- refs the person at the keyboard types ----------------------------------------------------

    def check_ref(self, ref: str) -> None:
        """Refuse (``NoSuchThread``) a ref that names no message a person can act on.

        Refs this console never knew (from before refs were remembered in the refs file) are
        let through when the counter passed them: the bot knows its own question threads.
        """
        number = ref.removeprefix("#")
        if ref in self.known:
            return
        if not (number.isascii() and number.isdigit()):
            raise NoSuchThread(
                f"{ref} is not a ref: refs are # and a number, shown before each message "
                f"({self._refs_so_far()})."
            )
        if int(number) > self._refs.last or int(number) == 0:
            raise NoSuchThread(f"There is no message {ref} ({self._refs_so_far()}).")

    def _refs_so_far(self) -> str:
        last = self._refs.last
        if last == 0:
            return "no message has one yet"
        threads = [r for r, k in self.known.items() if k.kind == "thread"][-3:]
        shown = f"threads: {', '.join(threads)}" if threads else "no thread yet"
        return f"they run from #1 to #{last}; latest {shown}"

    def reply_thread(self, ref: str) -> str | None:
        """The thread a member's message ``ref`` was written in; None for anything else."""
        known = self.known.get(ref)
        return known.thread if known is not None and known.kind == "member" else None

    def thread_for(self, ref: str) -> str:
        """The thread to reply in when someone types ``reply REF``.

        A thread's own ref, a message in a thread, or a post with exactly one thread under it
        all name a thread; a ref that names no message is refused (see ``check_ref``).
        """
        self.check_ref(ref)
        known = self.known.get(ref)
        if known is None or known.kind == "thread":
            return ref
        if known.kind in ("reply", "member") and known.thread:
            return known.thread
        threads = [r for r, k in self.known.items() if k.kind == "thread" and k.thread == ref]
        if len(threads) == 1:
            return threads[0]
        if threads:
            raise NoSuchThread(
                f"{ref} has {len(threads)} threads: reply to one of {', '.join(threads)}."
            )
        raise NoSuchThread(
            f"{ref} has no thread: type `reply #N TEXT` with a thread's ref (shown as ↳ #N), "
            "or open a question with `/study ask <question>`."
        )


def console_chat(*, bot: BotPort, adapter: ConsoleAdapter, echo_commands: bool = False) -> Chat:
    """The console's channel ``#study-group`` in the workspace ``local``. Its event ids start
    with a new random part each time, as the database remembers the ids it has handled."""
    return Chat(
        bot=bot,
        screen=adapter,
        event_prefix=f"console-{uuid.uuid4().hex[:12]}-",
        echo_commands=echo_commands,
    )
