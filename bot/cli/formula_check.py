"""``studybot syllabus validate``: every formula a syllabus writes (``$...$``, ``$$...$$``) must
typeset, since the bot draws them under its posts. Each one that does not is a located problem,
``FILE:LINE:COLUMN: units[2].questions[1]: The formula ... does not parse: ...``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bot.domain.datafile import Loc, Problem, YamlDocument
from bot.render.formulas import FormulaError, find_formulas, render_png


def _texts(node: Any, loc: Loc = ()) -> Iterator[tuple[Loc, str]]:
    """Every string in a YAML document, with where it is."""
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _texts(value, (*loc, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _texts(item, (*loc, index))


async def _problems(document: YamlDocument) -> list[Problem]:
    written = [
        (loc, formula.latex, formula.display)
        for loc, text in _texts(document.data)
        for formula in find_formulas(text)
    ]

    async def check(latex: str, display: bool) -> str | None:
        try:
            await render_png(latex, display=display)
        except FormulaError as problem:
            return str(problem)
        return None

    # Each distinct formula once, side by side (the renderer has a pool of workers).
    distinct = sorted({(latex, display) for _, latex, display in written})
    outcomes = dict(
        zip(distinct, await asyncio.gather(*(check(*f) for f in distinct)), strict=True)
    )
    return [
        document.problem(loc, refused)
        for loc, latex, display in written
        if (refused := outcomes[(latex, display)]) is not None
    ]


def formula_problems(document: YamlDocument) -> list[Problem]:
    """A problem for each formula in ``document`` that cannot be typeset."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(_problems(document))
    # Called from code that runs an event loop (the command invoked in-process): a loop of its
    # own, on a thread of its own.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, _problems(document)).result()
