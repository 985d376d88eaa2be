"""Math people can read: the formulas in a text, and each one as a PNG picture.

Rendering is local (ziamath typesets LaTeX through MathML to SVG, resvg rasterizes it): no TeX
installation, no remote service. It runs in a worker process, so the event loop never waits on
it and a formula past its time cap is stopped (see ``bot.render.worker``). Pictures are cached
by the hash of what they were made from; refusals are cached too, so a slow formula costs its
time cap once.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
from collections import OrderedDict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from bot.render.worker import Limits, RenderProblem, render, shown, warm_up

__all__ = ["Formula", "FormulaError", "Limits", "find_formulas", "render_png"]

CACHE_SIZE = 256
GRACE_SECONDS = 5.0  # beyond the worker's own cap: a worker that hangs where no timer reaches
# A new pool answers its first job only after starting interpreters and importing the renderer,
# which on a loaded machine takes seconds: that wait is not the formula's fault.
COLD_START_SECONDS = 30.0


class FormulaError(Exception):
    """A formula that cannot be shown; ``str()`` is a plain sentence naming the problem."""


@dataclass(frozen=True, kw_only=True)
class Formula:
    """One formula found in a text: its LaTeX (without the dollars) and where it stood."""

    latex: str
    display: bool
    start: int
    end: int


def code_span_end(text: str, start: int) -> int:
    """Where the code span opening at ``start`` (a run of backticks) ends; the text's end when
    it is never closed, as an unclosed code fence runs to the end of a message."""
    run = start
    while run < len(text) and text[run] == "`":
        run += 1
    fence = text[start:run]
    close = text.find(fence, run)
    return len(text) if close < 0 else close + len(fence)


def closing_dollar(text: str, start: int, display: bool) -> int:
    """The index of the dollar(s) closing a formula whose LaTeX begins at ``start``, or -1.

    Inline formulas follow pandoc's rule, so prices are not formulas ("$5 and $10"): the opening
    dollar is followed by a non-space, the closing one is preceded by a non-space and not
    followed by a digit."""
    marker = "$$" if display else "$"
    if not display and (start >= len(text) or text[start].isspace()):
        return -1
    at = start
    while (at := text.find(marker, at)) >= 0:
        if text[at - 1] == "\\":  # an escaped \$ inside the formula
            at += 1
            continue
        if display:
            return at if at > start else -1
        after = text[at + 1 : at + 2]
        if at > start and not text[at - 1].isspace() and not after.isdigit():
            return at
        return -1
    return -1


def find_formulas(text: str) -> list[Formula]:
    """Every ``$...$`` (inline) and ``$$...$$`` (display) formula in ``text``, in order.

    An escaped ``\\$`` is a dollar sign, and nothing inside a code span or fence counts."""
    found: list[Formula] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            i += 2  # \$ (or any escaped character) is text
        elif char == "`":
            i = code_span_end(text, i)
        elif char == "$":
            display = text.startswith("$$", i)
            begin = i + (2 if display else 1)
            close = closing_dollar(text, begin, display)
            if close < 0:
                i = begin
                continue
            end = close + (2 if display else 1)
            latex = text[begin:close].strip()
            if latex:
                found.append(Formula(latex=latex, display=display, start=i, end=end))
            i = end
        else:
            i += 1
    return found


class PictureCache:
    """The last ``size`` outcomes (a picture or a refusal's sentence), by content hash."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self.entries: OrderedDict[str, bytes | str] = OrderedDict()

    @staticmethod
    def key(latex: str, display: bool, limits: Limits) -> str:
        """The hash of everything the outcome depends on."""
        made_from = f"{display}\0{limits!r}\0{latex}".encode()
        return hashlib.sha256(made_from).hexdigest()

    def get(self, key: str) -> bytes | str | None:
        """The cached outcome, marked as used most recently; None when not cached."""
        outcome = self.entries.get(key)
        if outcome is not None:
            self.entries.move_to_end(key)
        return outcome

    def put(self, key: str, outcome: bytes | str) -> None:
        """Remember ``outcome``, forgetting the least recently used one beyond ``size``."""
        self.entries[key] = outcome
        self.entries.move_to_end(key)
        while len(self.entries) > self.size:
            self.entries.popitem(last=False)


cache = PictureCache()
_pool: ProcessPoolExecutor | None = None
_pool_answered = False  # the pool has finished a job: it is warm


class TooSlowHere(Exception):
    """A worker that did not answer in time: refused now, but not remembered as the formula's
    outcome (the machine may have been busy)."""


def worker_pool() -> ProcessPoolExecutor:
    """The worker processes, started with the first formula. "spawn": a fresh interpreter,
    since forking a process that runs an event loop and threads is unsafe."""
    global _pool, _pool_answered
    if _pool is None:
        _pool_answered = False
        _pool = ProcessPoolExecutor(
            max_workers=2, mp_context=multiprocessing.get_context("spawn"), initializer=warm_up
        )
    return _pool


def cold_allowance() -> float:
    """The extra wait for a job while the pool has not answered one yet."""
    return 0.0 if _pool_answered else COLD_START_SECONDS


def answered() -> None:
    """A job came back: the pool is warm."""
    global _pool_answered
    _pool_answered = True


def discard_pool() -> None:
    """Forget a broken or stuck pool; the next formula starts a new one."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


async def render_png(latex: str, *, display: bool, limits: Limits | None = None) -> bytes:
    """The formula ``latex`` as a PNG picture (display style when ``display``).

    Raises ``FormulaError`` with a plain sentence when it does not parse, is too large or takes
    longer than its cap. ``limits`` defaults to ``Limits()``: 2 s, 2000 px a side, 1 MB."""
    limits = limits or Limits()
    latex = latex.strip()
    if not latex:
        raise FormulaError("The formula is empty: write some LaTeX between the dollars.")
    if len(latex) > limits.max_chars:
        raise FormulaError(
            f"The formula {shown(latex)} is too long to show: {len(latex)} characters, more "
            f"than {limits.max_chars}. Split it into smaller formulas."
        )
    key = PictureCache.key(latex, display, limits)
    outcome = cache.get(key)
    if outcome is None:
        try:
            outcome = await render_in_worker(latex, display, limits)
        except TooSlowHere as slow:
            raise FormulaError(str(slow)) from None
        cache.put(key, outcome)
    if isinstance(outcome, str):
        raise FormulaError(outcome)
    return outcome


async def render_in_worker(latex: str, display: bool, limits: Limits) -> bytes | str:
    """The picture, or the sentence refusing it, from a worker process."""
    loop = asyncio.get_running_loop()
    try:
        job = loop.run_in_executor(worker_pool(), render, latex, display, limits)
        picture = await asyncio.wait_for(
            job, timeout=limits.seconds + GRACE_SECONDS + cold_allowance()
        )
    except RenderProblem as problem:
        answered()
        return str(problem)
    except (TimeoutError, BrokenProcessPool):
        discard_pool()
        raise TooSlowHere(
            f"The formula {shown(latex)} takes too long to typeset (more than "
            f"{limits.seconds:g} s). Split it into smaller formulas."
        ) from None
    answered()
    return picture
