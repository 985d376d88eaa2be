"""The ``studybot console`` loop: read a line, act on it as the current member, repeat.

The delivery scheduler ticks in the background the whole time, so with ``--fast`` the week's
posts appear between the lines you type. Lines are read on a daemon thread, one per prompt, so
the prompt can show who you currently are and Ctrl-C never waits for a blocked ``input()``.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from rich.console import Console
from rich.text import Text

from bot.adapters.chat import Chat
from bot.adapters.console import lines
from bot.adapters.console.adapter import PROMPT_MARK, ConsoleAdapter, NoSuchThread, console_chat
from bot.adapters.console.render import plain, print_indented
from bot.runtime.lifespan import running
from bot.runtime.settings import Settings
from bot.runtime.timeline import Timeline

log = logging.getLogger(__name__)

REFS_FILE = "console-refs.json"


async def read_line(prompt: str, *, interactive: bool) -> str | None:
    """The next line, or None at the end of input."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[str | None] = loop.create_future()

    def deliver(value: str | None) -> None:
        if not future.done():
            future.set_result(value)

    def read() -> None:
        try:
            if interactive:
                value: str | None = input(prompt)
            else:
                raw = sys.stdin.readline()
                value = raw.rstrip("\r\n") if raw else None
        except (EOFError, OSError, ValueError):
            value = None
        loop.call_soon_threadsafe(deliver, value)

    threading.Thread(target=read, name="console-input", daemon=True).start()
    return await future


@dataclass
class ConsolePrompt:
    """One person at the keyboard, acting as ``name`` (switchable with ``as NAME``)."""

    chat: Chat
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
            self.chat.screen.show_command(self.name, text.strip())
        if isinstance(line, lines.Command):
            await self.chat.command(line.text, by=self.name, thread=line.thread)
        elif isinstance(line, lines.ThreadMessage):
            try:
                thread = self.chat.screen.thread_for(line.ref)
            except NoSuchThread as problem:
                self.tell(str(problem))
                return True
            await self.chat.reply_in_thread(thread, line.text, by=self.name)
        elif isinstance(line, lines.React):
            await self.chat.react(line.ref, line.emoji, by=self.name)
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
        """The (simulated) time, and how fast it runs."""
        now = self.timeline.clock.now().astimezone(UTC)
        shown = f"{now:%a %d %b %Y, %H:%M:%S} UTC"
        if self.timeline.factor is None:
            return f"Now: {shown} (real time)."
        if self.timeline.factor == 1:
            return f"Simulated now: {shown} (running at real speed)."
        return f"Simulated now: {shown} (running {self.timeline.factor:g} times faster than real time)."

    def tell(self, text: str) -> None:
        """A note from the console itself (not from the bot)."""
        print_indented(self.console, [Text(plain(text), style="dim")])


async def run_console(
    *,
    name: str,
    settings: Settings,
    timeline: Timeline,
    console: Console,
    transcript: Path | None,
    interactive: bool,
) -> None:
    """Run the console until the input ends or the person quits."""
    adapter = ConsoleAdapter(
        console=console,
        transcript=transcript,
        refs_file=settings.home / REFS_FILE,
        clock=timeline.clock if timeline.factor is not None else None,
    )
    async with running(
        settings=settings,
        adapters=[adapter],
        clock=timeline.clock,
        tick_seconds=timeline.tick_seconds,
        speed=timeline.factor or 1.0,
    ) as app:
        chat = console_chat(bot=app.bot, adapter=adapter)
        prompt = ConsolePrompt(
            chat=chat, console=console, timeline=timeline, name=name, echo=not interactive
        )
        prompt.tell(
            f"studybot console: #{chat.channel} in workspace {chat.workspace!r}, you are "
            f"{name}. {prompt.time_now()} Type help for what you can type."
        )
        if timeline.note:
            prompt.tell(timeline.note)
        while True:
            text = await read_line(f"{prompt.name} {PROMPT_MARK} ", interactive=interactive)
            if text is None:
                break
            try:
                if not await prompt.handle(text):
                    break
            except Exception as error:  # one bad line must not end the session
                log.debug("handling %r failed", text, exc_info=True)
                prompt.tell(f"That did not work: {type(error).__name__}: {error}")
