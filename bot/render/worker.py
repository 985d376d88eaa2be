"""Typesetting one formula, in the worker process: LaTeX -> MathML -> SVG -> PNG.

Runs in a child process so that a formula past its time cap can be stopped: the typesetter is
pure Python, and a thread running it could not be interrupted. The child's main thread runs
each task, so an interval timer (SIGALRM) stops it mid-formula. Every failure leaves here as a
``RenderProblem`` carrying a plain sentence; no library's wording crosses the process boundary.
"""

from __future__ import annotations

import contextlib
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ZOOM = 2.0  # ziamath's 1 px per pt is small on a chat client's screen
SHOWN_CHARS = 60  # how much of a long formula a sentence quotes


def png_size(content: bytes) -> tuple[int, int] | None:
    """A PNG's width and height, from its IHDR chunk (right after the signature); None when
    ``content`` is not a PNG."""
    if len(content) < 24 or not content.startswith(PNG_SIGNATURE) or content[12:16] != b"IHDR":
        return None
    return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")


# latex2mathml's exceptions, by class name (its module is imported only inside the worker), and
# what each means to the person who typed the formula.
PARSER_PROBLEMS = {
    "NoAvailableTokensError": "it ends too early; something is missing after the last command.",
    "MissingEndError": r"a \begin{...} has no matching \end{...}.",
    "ExtraLeftOrMissingRightError": r"a \left has no matching \right.",
    "MissingSuperScriptOrSubscriptError": "a ^ or _ has nothing after it.",
    "DoubleSubscriptsError": "it has two subscripts in a row; group them, as x_{ij}.",
    "DoubleSuperscriptsError": "it has two superscripts in a row; group them, as x^{ab}.",
    "NumeratorNotFoundError": r"a \frac needs two groups, as \frac{a}{b}.",
    "DenominatorNotFoundError": r"a \frac needs two groups, as \frac{a}{b}.",
    "InvalidAlignmentError": "a column alignment is not one of l, c or r.",
    "InvalidStyleForGenfracError": r"a \genfrac style is not one of 0, 1, 2 or 3.",
    "InvalidWidthError": "a width is not a length such as 2em.",
    "LimitsMustFollowMathOperatorError": r"\limits must follow an operator such as \sum.",
}
UNREADABLE = r"it cannot be typeset; check its & and \\ and its commands."
UNKNOWN_COMMAND = re.compile(r">(\\[A-Za-z]+)<")  # latex2mathml prints unknown commands as text
SVG_SIZE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')


class RenderProblem(Exception):
    """A formula that is refused; ``str()`` is the sentence to show."""


@dataclass(frozen=True, kw_only=True)
class Limits:
    """What one formula may cost. ``max_chars`` refuses a formula before any work is done."""

    max_chars: int = 2000
    seconds: float = 2.0
    max_pixels: int = 2000  # per side
    max_bytes: int = 1_000_000


def shown(latex: str) -> str:
    """The formula as a sentence quotes it: in backticks, shortened when long."""
    text = " ".join(latex.split())
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return f"`{text}`"


def does_not_parse(latex: str, why: str) -> RenderProblem:
    """The refusal of a formula the typesetter cannot read."""
    return RenderProblem(f"The formula {shown(latex)} does not parse: {why}")


def unbalanced_brace(latex: str) -> str | None:
    """Why the braces of ``latex`` do not pair up (``\\{`` and ``\\}`` are characters), or None."""
    depth = 0
    escaped = False
    for char in latex:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                return "a closing brace } has no opening one."
    return "a brace is not closed." if depth else None


class TooSlow(BaseException):
    """Raised by the timer inside the worker; a BaseException so that no library catches it."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise TooSlow


@contextmanager
def time_cap(seconds: float) -> Iterator[None]:
    """Stop the block after ``seconds`` (main thread of a POSIX process only)."""
    previous = signal.signal(signal.SIGALRM, _stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def to_svg(latex: str, *, display: bool) -> str:
    """The formula typeset as SVG; every failure as a ``RenderProblem``."""
    from xml.etree.ElementTree import ParseError

    import ziamath
    from ziamath.tex import tex2mml

    if why := unbalanced_brace(latex):
        raise does_not_parse(latex, why)
    try:
        mathml = tex2mml(latex, inline=not display)
    except Exception as error:
        why = PARSER_PROBLEMS.get(type(error).__name__, UNREADABLE)
        raise does_not_parse(latex, why) from None
    if unknown := UNKNOWN_COMMAND.search(mathml):
        raise RenderProblem(
            f"The formula {shown(latex)} uses {unknown.group(1)}, a command the renderer does "
            "not know; check its spelling."
        )
    try:
        return str(ziamath.Math(mathml).svg())
    except (ParseError, ValueError, KeyError, IndexError, AttributeError):
        raise does_not_parse(latex, UNREADABLE) from None


def to_png(svg: str, latex: str, limits: Limits) -> bytes:
    """The SVG rasterized, refused before rasterizing when it would be too large."""
    import resvg_py

    size = SVG_SIZE.search(svg)
    if size is None:
        raise does_not_parse(latex, UNREADABLE)
    width, height = (float(size.group(i)) * ZOOM for i in (1, 2))
    if max(width, height) > limits.max_pixels:
        raise RenderProblem(
            f"The formula {shown(latex)} is too large to show: it would be {width:.0f} x "
            f"{height:.0f} pixels, more than {limits.max_pixels} on a side. Split it into "
            "smaller formulas."
        )
    png = bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=ZOOM, background="white"))
    if len(png) > limits.max_bytes:
        raise RenderProblem(
            f"The formula {shown(latex)} is too large to show: its picture would take "
            f"{len(png) // 1000} kB, more than {limits.max_bytes // 1000} kB. Split it into "
            "smaller formulas."
        )
    return png


def too_slow(latex: str, limits: Limits) -> RenderProblem:
    """The refusal of a formula that takes longer than its cap."""
    return RenderProblem(
        f"The formula {shown(latex)} takes too long to typeset (more than "
        f"{limits.seconds:g} s). Split it into smaller formulas."
    )


def render(latex: str, display: bool, limits: Limits) -> bytes:
    """The formula as PNG bytes. Meant to run in a worker process: it sets a SIGALRM timer."""
    import resvg_py  # noqa: F401  imported before the timer starts: loading is not typesetting
    import ziamath  # noqa: F401

    try:
        with time_cap(limits.seconds):
            svg = to_svg(latex, display=display)
            return to_png(svg, latex, limits)
    except TooSlow:
        raise too_slow(latex, limits) from None


# Typesetting a construct for the first time loads what it needs (a fraction's or a big
# operator's glyph variants, a matrix's layout): about 100 ms that a member's first formula
# would otherwise pay. Each worker pays it once, when it starts.
WARM_UP = r"\sum_{i=1}^{n} \frac{1}{n} \sqrt{x_i^2} \begin{pmatrix} a & b \\ c & d \end{pmatrix}"


def warm_up() -> None:
    """The worker process's initializer: typeset one formula of each common construct."""
    with contextlib.suppress(RenderProblem):  # a slow start is no reason to refuse the worker
        render(WARM_UP, True, Limits())
