"""The ``studybot console`` session: read a line, act on it as the current member, repeat.

The delivery scheduler ticks in the background the whole time, so with ``--fast`` the week's
posts appear between the lines you type. How lines are read (a terminal or a pipe) is
``bot.cli.terminal``'s business; a session only awaits the next one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rich.console import Console
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.adapters.chat import Chat
from bot.adapters.console import lines
from bot.adapters.console.adapter import PROMPT_MARK, ConsoleAdapter, NoSuchThread, console_chat
from bot.adapters.console.render import plain, print_indented
from bot.cli.terminal import BadLine, Reader
from bot.runtime.lifespan import running
from bot.runtime.settings import Settings
from bot.runtime.timeline import Timeline, kept
from bot.store.models import Group, Run

log = logging.getLogger(__name__)

REFS_FILE = "console-refs.json"


async def group_zone(engine: AsyncEngine, chat: Chat) -> tzinfo | None:
    """The time zone of the channel's latest run, or None before its first one."""
    query = (
        select(Run.timezone)
        .join(Group, Group.id == Run.group_id)
        .where(
            Group.platform == "console",
            Group.workspace == chat.workspace,
            Group.channel == chat.channel,
        )
        .order_by(Run.id.desc())
        .limit(1)
    )
    async with engine.connect() as connection:
        name = await connection.scalar(query)
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass
class ConsolePrompt:
    """One person at the keyboard, acting as ``name`` (switchable with ``as NAME``)."""

    chat: Chat
    adapter: ConsoleAdapter
    console: Console
    timeline: Timeline
    name: str
    echo: bool = False  # piped input: show each line, so the output reads as a transcript

    async def handle(self, text: str) -> bool:
        """Act on one line; False when the person wants to leave."""
        line = lines.parse_line(text)
        # Thread messages, reactions and joins show up as the channel shows them anyway.
        if self.echo and not isinstance(
            line, lines.ThreadMessage | lines.React | lines.Membership | lines.Nothing
        ):
            self.adapter.show_command(self.name, text.strip())
        try:
            return await self._act(line)
        except NoSuchThread as problem:
            if self.echo and isinstance(line, lines.ThreadMessage | lines.React):
                self.adapter.show_command(self.name, text.strip())  # refused: the channel is silent
            self.tell(str(problem))
            return True

    async def _act(self, line: lines.Line) -> bool:
        if isinstance(line, lines.Command):
            # `reply #2 /study resolve` on a question's post means its thread, as for text.
            thread = self.adapter.thread_for(line.thread) if line.thread else None
            await self.chat.command(line.text, by=self.name, thread=thread)
        elif isinstance(line, lines.ThreadMessage):
            thread = self.adapter.thread_for(line.ref)
            await self.chat.reply_in_thread(thread, line.text, by=self.name)
        elif isinstance(line, lines.React):
            self.adapter.check_ref(line.ref)
            # ✅ on a member's answer in a thread: the platforms say both (it accepts the answer).
            await self.chat.react(
                line.ref, line.emoji, by=self.name, thread=self.adapter.reply_thread(line.ref)
            )
        elif isinstance(line, lines.Click):
            await self.chat.click(line.action, line.value, by=self.name)
        elif isinstance(line, lines.Membership):
            await self.chat.membership(self.name, joined=line.joined)
        elif isinstance(line, lines.Become):
            self.name = line.name
            self.tell(f"You are now {line.name}.")
        elif isinstance(line, lines.Unknown):
            self.tell(line.hint)
        elif isinstance(line, lines.Simple):
            if line.word == "quit":
                return False
            self.tell(lines.HELP if line.word == "help" else self.time_now())
        return True

    def time_now(self) -> str:
        """The (simulated) time in the group's zone, naming the zone, and how fast it runs."""
        zone = self.adapter.zone
        now = self.timeline.clock.now().astimezone(zone)
        where = (
            "(the group has no time zone until a syllabus starts)"
            if zone is UTC
            else f"in {zone} (the group's time zone)"
        )
        shown = f"{now:%a %d %b %Y, %H:%M:%S %Z} {where}"
        if self.timeline.factor is None:
            return f"Now: {shown} (real time)."
        if self.timeline.factor == 1:
            return f"Simulated now: {shown} (running at real speed)."
        return f"Simulated now: {shown} (running {self.timeline.factor:g} times faster than real time)."

    def tell(self, text: str) -> None:
        """A note from the console itself (not from the bot)."""
        print_indented(self.console, [Text(plain(text), style="dim")])


@dataclass(frozen=True, kw_only=True)
class Session:
    """What one ``studybot console`` runs with."""

    name: str
    settings: Settings
    timeline: Timeline
    console: Console
    transcript: Path | None
    export_dir: Path | None
    echo: bool
    notes: tuple[str, ...] = ()

    async def run(self, read: Reader) -> list[int]:
        """Run until the input ends or the person quits; the numbers of the lines skipped
        because they were not UTF-8."""
        adapter = ConsoleAdapter(
            console=self.console,
            transcript=self.transcript,
            refs_file=self.settings.home / REFS_FILE,
            clock=self.timeline.clock if self.timeline.factor is not None else None,
            export_dir=self.export_dir,
            images_dir=self.settings.images,
        )
        skipped: list[int] = []
        async with (
            running(
                settings=self.settings,
                adapters=[adapter],
                clock=self.timeline.clock,
                tick_seconds=self.timeline.tick_seconds,
                speed=self.timeline.factor or 1.0,
            ) as app,
            kept(self.timeline),
        ):
            chat = console_chat(bot=app.bot, adapter=adapter)
            prompt = ConsolePrompt(
                chat=chat,
                adapter=adapter,
                console=self.console,
                timeline=self.timeline,
                name=self.name,
                echo=self.echo,
            )
            adapter.zone = await group_zone(app.engine, chat) or UTC
            prompt.tell(
                f"studybot console: #{chat.channel} in workspace {chat.workspace!r}, you are "
                f"{self.name}. {prompt.time_now()} Type help for what you can type."
            )
            for note in (*self.notes, self.timeline.note):
                if note:
                    prompt.tell(note)
            while True:
                text = await read(f"{prompt.name} {PROMPT_MARK} ")
                if text is None:
                    break
                if isinstance(text, BadLine):
                    skipped.append(text.number)
                    prompt.tell(
                        f"Line {text.number} is not UTF-8 text ({text.detail}); it was skipped. "
                        "Save the input as UTF-8 and send that line again."
                    )
                    continue
                try:
                    if not await prompt.handle(text):
                        break
                except Exception as error:  # one bad line must not end the session
                    log.debug("handling %r failed", text, exc_info=True)
                    prompt.tell(f"That did not work ({error}). Type help for what works here.")
                adapter.zone = await group_zone(app.engine, chat) or UTC
            if app.ticker is not None:  # the posts the last lines wrote, before leaving
                await app.ticker.settle()
        return skipped
