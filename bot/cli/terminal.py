"""Reading lines for ``studybot console``: from a terminal like a shell does, or from a pipe.

In a terminal, ``input()`` runs on the main thread and the bot on a thread of its own: only the
main thread gets Ctrl-C, and there it clears the line being typed (as shells do) instead of
ending the console; Ctrl-D or ``quit`` ends it. Posts arriving while a line is being typed are
printed above it, and the prompt with what was typed so far is drawn again under them
(``RedrawingStream``). From a pipe, every byte line is decoded on its own, so one that is not
UTF-8 is named and skipped instead of ending the session.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import signal
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, TypeVar

T = TypeVar("T")
CLEAR_LINE = "\r\x1b[2K"  # back to the start of the line and erase it


@dataclass(frozen=True)
class BadLine:
    """A line of input that is not UTF-8 text: its number and where it goes wrong."""

    number: int
    detail: str


Line = str | BadLine | None  # None: the input ended
Reader = Callable[[str], Awaitable[Line]]


def decode(raw: bytes, number: int) -> str | BadLine:
    """One line of bytes as text, or what is wrong with it."""
    try:
        return raw.decode("utf-8").rstrip("\r\n")
    except UnicodeDecodeError as error:
        return BadLine(number, f"byte 0x{raw[error.start]:02x} at column {error.start + 1}")


class PromptState:
    """The prompt being shown (None: none) and the line typed after it so far."""

    def __init__(self, line_buffer: Callable[[], str] = lambda: "") -> None:
        self.prompt: str | None = None
        self.hidden = False  # output cleared the prompt's line; draw it again on flush
        self.typing = False  # input() is waiting: only then does Ctrl-C clear a line
        self.line_buffer = line_buffer
        self.lock = threading.RLock()


class RedrawingStream:
    """stdout for the bot's output: output that arrives while a prompt waits clears the prompt's
    line first, and the prompt (with what was typed) is drawn again after it."""

    def __init__(self, stream: IO[str], state: PromptState) -> None:
        self.stream = stream
        self.state = state

    def write(self, text: str) -> int:
        """Write ``text`` above the prompt, if one is shown."""
        with self.state.lock:
            if self.state.prompt is not None and not self.state.hidden:
                self.stream.write(CLEAR_LINE)
                self.state.hidden = True
            return self.stream.write(text)

    def flush(self) -> None:
        """Flush, drawing the prompt and the typed text again when output cleared them."""
        with self.state.lock:
            if self.state.prompt is not None and self.state.hidden:
                self.stream.write(self.state.prompt + self.state.line_buffer())
                self.state.hidden = False
            self.stream.flush()

    def isatty(self) -> bool:
        """As the wrapped stream (rich decides on colours by it)."""
        return self.stream.isatty()

    def fileno(self) -> int:
        """As the wrapped stream."""
        return self.stream.fileno()

    @property
    def encoding(self) -> str:
        """As the wrapped stream."""
        return getattr(self.stream, "encoding", "utf-8")


def piped_reader(stream: BinaryIO) -> Reader:
    """Lines from a pipe or file, each read on a daemon thread (a blocked read never holds up
    the end of the program)."""
    numbers = iter(range(1, sys.maxsize))

    async def read(_prompt: str) -> Line:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bytes] = loop.create_future()

        def deliver(value: bytes) -> None:
            if not future.done():
                future.set_result(value)

        def work() -> None:
            try:
                raw = stream.readline()
            except (OSError, ValueError):
                raw = b""
            loop.call_soon_threadsafe(deliver, raw)

        threading.Thread(target=work, name="console-input", daemon=True).start()
        raw = await future
        return decode(raw, next(numbers)) if raw else None

    return read


def _ask(prompt: str, state: PromptState, number: int) -> Line:
    """One line typed at the terminal; Ctrl-C clears it and asks again, Ctrl-D ends."""
    while True:
        with state.lock:
            state.prompt, state.hidden = prompt, False
        try:
            state.typing = True
            return input(prompt)
        except KeyboardInterrupt:
            sys.stdout.write("\n")  # the typed text is dropped; a fresh prompt follows
        except UnicodeDecodeError as error:
            return BadLine(number, f"byte 0x{error.object[error.start]:02x}")
        except (EOFError, OSError):
            return None
        finally:
            state.typing = False
            with state.lock:
                state.prompt = None


def run_in_terminal(session: Callable[[Reader], Coroutine[Any, Any, T]], state: PromptState) -> T:
    """Run ``session`` on a thread of its own, answering its reads with ``input()`` here."""
    requests: queue.Queue[tuple[str, concurrent.futures.Future[Line]] | None] = queue.Queue()
    outcome: list[T] = []
    failure: list[BaseException] = []

    async def read(prompt: str) -> Line:
        answer: concurrent.futures.Future[Line] = concurrent.futures.Future()
        requests.put((prompt, answer))
        return await asyncio.wrap_future(answer)

    def work() -> None:
        # The kernel hands Ctrl-C's signal to any thread that does not block it; only the main
        # thread, waiting in input(), can act on it (and is woken by it), so this thread and
        # every thread it starts block it.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            outcome.append(asyncio.run(session(read)))
        except BaseException as error:  # handed to the main thread, which raises it
            failure.append(error)
        finally:
            requests.put(None)

    def on_interrupt(_signal: int, _frame: object) -> None:
        # Ctrl-C clears the line being typed. At any other moment (the bot at work, a queue
        # or a lock in the middle of a handover) an interruption would only break something.
        if state.typing:
            raise KeyboardInterrupt

    counter = iter(range(1, sys.maxsize))
    previous = signal.signal(signal.SIGINT, on_interrupt)
    threading.Thread(target=work, name="console-bot", daemon=True).start()
    try:
        while (request := requests.get()) is not None:
            prompt, answer = request
            try:
                line = _ask(prompt, state, next(counter))
            except KeyboardInterrupt:  # just as a line was taken: it counts as not typed
                line = ""
            answer.set_result(line)
    finally:
        signal.signal(signal.SIGINT, previous)
    if failure:
        raise failure[0]
    return outcome[0]
