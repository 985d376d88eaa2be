"""The pictures a post carries: its formulas typeset, and the weekly summary's chart.

A composer says what to draw (``ToDraw``); the ledger draws it once the database session is
closed (drawing runs in a worker process and may take a second), then sends the message with
its pictures as one post, so a picture is never posted without its text or twice. A formula
that cannot be drawn leaves the text as typed, with a line under it saying why; a chart that
cannot be drawn is left out.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.core import posts
from bot.core.models import Attachment, Message, Paragraph, Reply, SmallPrint, ToDraw
from bot.core.services.tally import SessionCount
from bot.domain.states import CheckinStatus
from bot.render import charts
from bot.render.formulas import FormulaError, find_formulas, render_png
from bot.store.models import CheckIn, Meeting

log = logging.getLogger(__name__)

MAX_FORMULAS = 4  # pictures under one message; more formulas stay text only
PNG = "image/png"


def worth_drawing(latex: str, display: bool) -> bool:
    """Whether a formula needs a picture: a display formula, or one with a command, a sub- or
    superscript or a group. ``$A$`` or ``$Ax = b$`` read as well in text, and a picture for
    each would bury the message."""
    return display or any(mark in latex for mark in ("\\", "^", "_", "{"))


def any_worth_drawing(text: str) -> bool:
    """Whether ``text`` has a formula that gets a picture."""
    return any(worth_drawing(f.latex, f.display) for f in find_formulas(text))


async def formula_pictures(text: str) -> tuple[list[Attachment], list[str]]:
    """The formulas in ``text`` worth a picture as PNG attachments (each once, at most
    ``MAX_FORMULAS``), and a sentence for each one that could not be drawn."""
    pictures: list[Attachment] = []
    problems: list[str] = []
    seen: set[tuple[str, bool]] = set()
    for formula in find_formulas(text):
        if (formula.latex, formula.display) in seen:
            continue
        if not worth_drawing(formula.latex, formula.display):
            continue
        seen.add((formula.latex, formula.display))
        if len(pictures) + len(problems) == MAX_FORMULAS:
            break
        try:
            png = await render_png(formula.latex, display=formula.display)
        except FormulaError as problem:
            problems.append(str(problem))
            continue
        name = f"formula-{len(pictures) + 1}.png"
        pictures.append(Attachment(name, png, PNG, alt=formula.latex))
    return pictures, problems


async def drawn(message: Message, to_draw: ToDraw) -> Message:
    """``message`` with its pictures attached (and a line per formula left as text)."""
    pictures, problems = await formula_pictures(to_draw.formulas_in)
    if to_draw.chart is not None:
        draw = charts.recap_chart_png if to_draw.recap else charts.group_chart_png
        try:
            png = await draw(to_draw.chart)
        except charts.ChartError as problem:
            log.warning("chart left out: %s", problem)
        else:
            pictures.append(Attachment("chart.png", png, PNG, alt=posts.chart_alt(to_draw.chart)))
    if to_draw.member_chart is not None:
        try:
            png = await charts.member_chart_png(to_draw.member_chart)
        except charts.ChartError as problem:
            log.warning("chart left out: %s", problem)
        else:
            alt = posts.member_chart_alt(to_draw.member_chart)
            pictures.append(Attachment("my-sessions.png", png, PNG, alt=alt))
    if to_draw.alone and problems:
        refused = posts.formula_refused(problems[0])
        return Message(text=refused, blocks=(Paragraph(refused),))
    if not pictures and not problems:
        return message
    notes = tuple(SmallPrint(posts.formula_not_drawn(problem)) for problem in problems)
    return replace(
        message,
        blocks=message.blocks + notes,
        attachments=message.attachments + tuple(pictures),
    )


async def drawn_reply(reply: Reply | None) -> Reply | None:
    """A command's reply with its pictures, drawn after its transaction has committed."""
    if reply is None or reply.to_draw is None:
        return reply
    return replace(reply, message=await drawn(reply.message, reply.to_draw), to_draw=None)


def group_chart(
    title: str, sessions: list[SessionCount], questions: tuple[int, int]
) -> charts.GroupChart:
    """The chart of a group's check-ins per held session and its open and resolved
    questions."""
    weeks = tuple(
        charts.WeekTally(
            label=f"S{session.meeting.index + 1}",
            done=session.counts[CheckinStatus.DONE],
            partial=session.counts[CheckinStatus.PARTIAL],
            behind=session.counts[CheckinStatus.BEHIND],
            no_checkin=session.silent,
        )
        for session in sessions
    )
    open_count, resolved = questions
    return charts.GroupChart(
        title=title, weeks=weeks, open_questions=open_count, resolved_questions=resolved
    )


def member_chart(
    name: str, sessions: list[Meeting], mine: dict[int, CheckIn]
) -> charts.MemberChart:
    """A member's own check-in for each held session, for ``/study me``."""
    weeks = tuple(
        (f"S{session.index + 1}", mine[session.id].status if session.id in mine else "none")
        for session in sessions
    )
    return charts.MemberChart(title=f"{name}: your sessions", weeks=weeks)
