"""Small PNG charts of a group's check-ins: the weekly summary's, a member's, a run's recap.

Drawn by matplotlib in the formula renderer's worker processes (``formulas.worker_pool()``):
matplotlib costs about 0.3 s and 30 MB to import, so it is imported only inside ``paint``, which
runs in the child, and the bot's own process never loads it. ``Figure`` and ``FigureCanvasAgg``
are used without pyplot, so no backend is chosen and no global figure list is kept. What the
charts show is checked and trimmed here, before the work crosses to the child; every failure,
in either process, leaves as a ``ChartError`` carrying a plain sentence.
"""

from __future__ import annotations

import asyncio
import io
import math
import warnings
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from bot.render import formulas
from bot.render.worker import PNG_SIGNATURE, TooSlow, time_cap

if TYPE_CHECKING:  # for annotations only: matplotlib is imported in the worker alone
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "ChartError",
    "GroupChart",
    "MemberChart",
    "WeekTally",
    "group_chart_png",
    "headline",
    "member_chart_png",
    "recap_chart_png",
]

MAX_WEEKS = 52  # a recap or a member's row; more than a year of weeks keeps the last 52
RECENT_WEEKS = 12  # the weekly summary's chart
LABEL_CHARS = 12
TITLE_CHARS = 60
CHAR_PX, SLANTED_PX = 7, 40  # a label's character at 9 pt; a slanted label's share across
MAX_BYTES = 1_000_000
DRAW_SECONDS = 5.0  # the child's own cap on drawing, once matplotlib is loaded
GRACE_SECONDS = 15.0  # beyond it: a fresh worker loads matplotlib (the first builds a font list)
DPI = 100

# Okabe and Ito's palette, told apart with every common colour-vision deficiency.
STATUSES: dict[str, tuple[str, str]] = {  # status: (legend name, colour)
    "done": ("Done", "#009E73"),
    "partial": ("Partly", "#F0E442"),
    "behind": ("Behind", "#D55E00"),
    "none": ("No check-in", "#C8C8C8"),
}
OPEN_COLOUR, RESOLVED_COLOUR = "#E69F00", "#0072B2"
EDGE = "#555555"  # around pale squares, so a light grey one still shows on white
NOTHING_YET = "No check-ins yet"
TOO_SLOW = "The chart took too long to draw, so it is left out this time."
NOT_DRAWN = "The chart could not be drawn, so it is left out this time."

Kind = Literal["group", "recap", "member"]


class ChartError(Exception):
    """A chart that cannot be drawn; ``str()`` is a plain sentence saying why."""


@dataclass(frozen=True, kw_only=True)
class WeekTally:
    """One meeting (a week) of a run: how many members checked in how."""

    label: str  # "Wk 3", "Oct 6"
    done: int
    partial: int
    behind: int
    no_checkin: int


@dataclass(frozen=True, kw_only=True)
class GroupChart:
    """A group's check-ins per week, oldest first, and its questions."""

    title: str
    weeks: tuple[WeekTally, ...]
    open_questions: int
    resolved_questions: int


@dataclass(frozen=True, kw_only=True)
class MemberChart:
    """One member's weeks, oldest first: (label, status), status one of ``STATUSES``."""

    title: str
    weeks: tuple[tuple[str, str], ...]


def short(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis when longer."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def counted(value: object, what: str) -> int:
    """``value`` when it is a count (a whole number, 0 or more); otherwise the refusal."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ChartError(
            f"The chart cannot be drawn: {what} is given as {value!s:.20}, and a count must be "
            "a whole number, 0 or more."
        )
    return value


def checked_week(week: WeekTally) -> WeekTally:
    """``week`` with its label shortened, once its counts are checked."""
    label = short(week.label, LABEL_CHARS)
    for field, name in (
        ("done", "done"),
        ("partial", "partly done"),
        ("behind", "behind"),
        ("no_checkin", "with no check-in"),
    ):
        counted(getattr(week, field), f"the number of members {name} in week “{label}”")
    return replace(week, label=label)


def checked_group(chart: GroupChart, *, keep: int) -> GroupChart:
    """``chart`` checked, its title and labels shortened, with only its last ``keep`` weeks."""
    counted(chart.open_questions, "the number of open questions")
    counted(chart.resolved_questions, "the number of resolved questions")
    weeks = tuple(chart.weeks)[-keep:]
    return replace(
        chart, title=short(chart.title, TITLE_CHARS), weeks=tuple(map(checked_week, weeks))
    )


def checked_member(chart: MemberChart) -> MemberChart:
    """``chart`` checked, its title and labels shortened, with only its last ``MAX_WEEKS``."""
    weeks: list[tuple[str, str]] = []
    for label, status in tuple(chart.weeks)[-MAX_WEEKS:]:
        label = short(label, LABEL_CHARS)
        if status not in STATUSES:
            raise ChartError(
                f"The chart cannot be drawn: week “{label}” is marked “{short(status, 20)}”, "
                "and a week is marked done, partial, behind or none."
            )
        weeks.append((label, status))
    return replace(chart, title=short(chart.title, TITLE_CHARS), weeks=tuple(weeks))


def headline(weeks: tuple[WeekTally, ...]) -> str:
    """A run in a few words, "12 weeks, 78% done": the share of all check-in chances (every
    member, every week) answered *done*."""
    chances = sum(w.done + w.partial + w.behind + w.no_checkin for w in weeks)
    if not weeks or chances == 0:
        return NOTHING_YET
    done = round(100 * sum(w.done for w in weeks) / chances)
    return f"{len(weeks)} week{'s' if len(weeks) != 1 else ''}, {done}% done"


async def group_chart_png(chart: GroupChart) -> bytes:
    """The weekly summary's chart, about 800 x 360 px: the last 12 weeks' check-ins as stacked
    bars, and the open and resolved questions. Raises ``ChartError`` with a plain sentence."""
    return await drawn("group", checked_group(chart, keep=RECENT_WEEKS))


async def recap_chart_png(chart: GroupChart) -> bytes:
    """The end-of-run chart: every week (the last 52 of a longer run) under a headline such as
    "12 weeks, 78% done", which counts every week given."""
    summary = headline(tuple(map(checked_week, chart.weeks)))
    checked = checked_group(chart, keep=MAX_WEEKS)
    return await drawn("recap", replace(checked, title=f"{checked.title}: {summary}"))


async def member_chart_png(chart: MemberChart) -> bytes:
    """One member's weeks as a row of coloured squares, about 600 x 160 px."""
    return await drawn("member", checked_member(chart))


async def drawn(
    kind: Kind, chart: GroupChart | MemberChart, *, seconds: float = DRAW_SECONDS
) -> bytes:
    """The checked ``chart`` drawn in a worker process, within ``seconds`` of drawing."""
    return await run_in_worker(paint, kind, chart, seconds, within=seconds + GRACE_SECONDS)


async def run_in_worker(fn: Callable[..., bytes], *args: object, within: float) -> bytes:
    """``fn(*args)`` in the formula renderer's worker pool, answered ``within`` seconds. A pool
    that breaks or a worker that never answers is discarded (the next picture starts a new one),
    as ``formulas.render_in_worker`` does."""
    loop = asyncio.get_running_loop()
    try:
        job = loop.run_in_executor(formulas.worker_pool(), fn, *args)
        picture = await asyncio.wait_for(job, timeout=within + formulas.cold_allowance())
    except ChartError:
        formulas.answered()
        raise
    except TimeoutError:
        formulas.discard_pool()
        raise ChartError(TOO_SLOW) from None
    except BrokenProcessPool:  # a worker died (out of memory, say)
        formulas.discard_pool()
        raise ChartError(NOT_DRAWN) from None
    except Exception as error:  # a chart that cannot cross the process boundary, say
        raise ChartError(NOT_DRAWN) from error
    formulas.answered()
    return picture


# --- in the worker process -----------------------------------------------------------------------


def paint(kind: Kind, chart: GroupChart | MemberChart, seconds: float) -> bytes:
    """The chart as PNG bytes. Runs in a worker process: it imports matplotlib and sets a
    SIGALRM timer. Whatever goes wrong leaves as a ``ChartError`` with a plain sentence (the
    cause stays chained, for the worker's traceback in a log)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401  loaded untimed

    try:
        with time_cap(seconds), matplotlib.rc_context(RC), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a glyph missing from the font is drawn as a box
            if kind == "member":
                assert isinstance(chart, MemberChart)
                png = member_png(chart)
            else:
                assert isinstance(chart, GroupChart)
                png = group_png(chart, recap=kind == "recap")
    except TooSlow:
        raise ChartError(TOO_SLOW) from None
    except Exception as error:
        raise ChartError(NOT_DRAWN) from error
    if not png.startswith(PNG_SIGNATURE):
        raise ChartError(NOT_DRAWN)
    if len(png) > MAX_BYTES:
        raise ChartError(
            f"The chart would take {len(png) // 1000} kB, more than {MAX_BYTES // 1000} kB, so "
            "it is left out this time."
        )
    return png


RC = {
    "text.parse_math": False,  # a "$" in a title is a dollar, not the start of a formula
    "font.size": 9,
    "axes.titlesize": 10,
    "figure.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def png_of(figure: Figure) -> bytes:
    """The figure saved as PNG, without the "Software" line that names matplotlib's version."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(figure)  # attaches itself to the figure: Agg, whatever the default backend
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return buffer.getvalue()


def week_ticks(axes: Axes, labels: list[str], *, width: float, slant: bool) -> None:
    """Label the weeks under ``axes`` (about ``width`` px wide) without overlap: all of them,
    level when they fit, else slanted when ``slant`` and that fits them all, else every second
    (third...) one, always the last."""
    flat = max(map(len, labels), default=0) * CHAR_PX + 12  # one label's width, level
    slanted = slant and len(labels) * flat > width and len(labels) * SLANTED_PX <= width
    fit = len(labels) if slanted else max(1, int(width // flat))
    step = max(1, math.ceil(len(labels) / fit))
    shown = [i for i in range(len(labels)) if (len(labels) - 1 - i) % step == 0]
    axes.set_xticks(shown, [labels[i] for i in shown])
    axes.tick_params(axis="x", length=0)
    if slanted:
        for text in axes.get_xticklabels():
            text.set(rotation=35, horizontalalignment="right", rotation_mode="anchor")


def nothing_yet(axes: Axes) -> None:
    """An empty panel saying there is nothing to show yet."""
    axes.set_axis_off()
    axes.text(
        0.5, 0.5, NOTHING_YET, ha="center", va="center", fontsize=12, transform=axes.transAxes
    )


def group_png(chart: GroupChart, *, recap: bool) -> bytes:
    """Stacked check-in bars per week (left) and open vs resolved questions (right)."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    size = (8.0, 4.0) if recap else (8.0, 3.6)
    figure = Figure(figsize=size, dpi=DPI, facecolor="white", layout="constrained")
    grid = figure.add_gridspec(1, 2, width_ratios=(4.2, 1))
    weeks, questions = figure.add_subplot(grid[0, 0]), figure.add_subplot(grid[0, 1])
    figure.suptitle(chart.title)

    where = range(len(chart.weeks))
    if chart.weeks:
        bottom = [0] * len(chart.weeks)
        for status, (name, colour) in STATUSES.items():
            field = "no_checkin" if status == "none" else status
            heights = [getattr(week, field) for week in chart.weeks]
            weeks.bar(where, heights, bottom=bottom, width=0.8, color=colour, label=name)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        weeks.set_ylim(0, max(1, *bottom) * 1.05)
        weeks.yaxis.set_major_locator(MaxNLocator(integer=True))
        weeks.set_ylabel("Members")
        weeks.set_title("Check-ins per week" if recap else "Check-ins, recent weeks", loc="left")
        week_ticks(weeks, [week.label for week in chart.weeks], width=590, slant=True)
        handles = [Patch(facecolor=c, edgecolor=EDGE, linewidth=0.5) for _, c in STATUSES.values()]
        names = [name for name, _ in STATUSES.values()]
        figure.legend(handles, names, loc="outside lower center", ncols=4, frameon=False)
    else:
        nothing_yet(weeks)

    counts = (chart.open_questions, chart.resolved_questions)
    bars = questions.bar(
        ("Open", "Resolved"), counts, width=0.6, color=(OPEN_COLOUR, RESOLVED_COLOUR)
    )
    questions.bar_label(bars, padding=2)
    questions.set_ylim(0, max(1, *counts) * 1.2)  # room for the counts above the bars
    questions.set_yticks([])
    questions.spines["left"].set_visible(False)
    questions.tick_params(axis="x", length=0)
    questions.set_title("Questions", loc="left")
    return png_of(figure)


def member_png(chart: MemberChart) -> bytes:
    """A row of squares, one per week, coloured by the member's check-in."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    figure = Figure(figsize=(6.0, 1.6), dpi=DPI, facecolor="white", layout="constrained")
    row = figure.add_subplot()
    row.set_title(chart.title, loc="left")
    if not chart.weeks:
        nothing_yet(row)
        return png_of(figure)
    colours = [STATUSES[status][1] for _, status in chart.weeks]
    edge = 0.5 if len(chart.weeks) <= 20 else 0  # edges would crowd thin bars
    row.bar(range(len(chart.weeks)), 1, width=0.85, color=colours, edgecolor=EDGE, linewidth=edge)
    row.set_xlim(-0.6, max(len(chart.weeks), 8) - 0.4)  # a few weeks stay squares, not slabs
    row.set_ylim(0, 1.02)
    row.set_yticks([])
    row.spines[["left", "bottom"]].set_visible(False)
    week_ticks(row, [label for label, _ in chart.weeks], width=460, slant=False)
    handles = [Patch(facecolor=c, edgecolor=EDGE, linewidth=0.5) for _, c in STATUSES.values()]
    figure.legend(
        handles, [name for name, _ in STATUSES.values()], loc="outside right upper", frameon=False
    )
    return png_of(figure)
