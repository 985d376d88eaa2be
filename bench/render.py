"""Formula rendering: time per formula, cold (typeset in the worker) and cached.

    python bench/render.py              # ~50 formulas from content/*.yaml plus a few matrices
    python bench/render.py --limit 100

The corpus is every distinct ``$...$`` / ``$$...$$`` in the questions and texts of
content/*.yaml (first ``--limit - 4``, in file order) plus four matrices. The worker pool is
started and warmed with one formula first; its start is printed on its own line. "cold" is each
formula's first render (worker process, typesetting, rasterizing); "cached" the second.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

from bot.render import formulas
from bot.render.formulas import FormulaError, find_formulas, render_png

CONTENT = Path(__file__).resolve().parent.parent / "content"
MATRICES = [
    r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}",
    r"\begin{bmatrix} 1 & 0 & 0 \\ 0 & 1 & 0 \\ 0 & 0 & 1 \end{bmatrix}",
    r"A = \begin{pmatrix} a_{11} & \cdots & a_{1n} \\ \vdots & \ddots & \vdots \\ a_{m1} & \cdots & a_{mn} \end{pmatrix}",
    r"\left[ \begin{array}{cc} \lambda_1 & 0 \\ 0 & \lambda_2 \end{array} \right]",
]


def strings(node: object) -> Iterator[str]:
    """Every string in a parsed YAML document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def corpus(limit: int) -> list[tuple[str, bool]]:
    """Up to ``limit`` distinct formulas: from the content files, then the matrices."""
    found: dict[tuple[str, bool], None] = {}
    for path in sorted(CONTENT.glob("*.yaml")):
        for text in strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            for formula in find_formulas(text):
                found.setdefault((formula.latex, formula.display), None)
    picked = list(found)[: max(0, limit - len(MATRICES))]
    return picked + [(m, True) for m in MATRICES]


def percentile(times: list[float], share: float) -> float:
    """The ``share`` percentile of ``times``, in milliseconds (nearest rank)."""
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000


async def timed(latex: str, display: bool) -> tuple[float, str | None]:
    """Seconds for one render, and the refusal's sentence if it was refused."""
    started = time.perf_counter()
    try:
        await render_png(latex, display=display)
    except FormulaError as error:
        return time.perf_counter() - started, str(error)
    return time.perf_counter() - started, None


async def main(limit: int) -> None:
    """Warm the pool, render the corpus twice, print the percentiles."""
    items = corpus(limit)
    started = time.perf_counter()
    await render_png(r"x_{warm}", display=False)
    print(f"worker start + first formula: {(time.perf_counter() - started) * 1000:.0f} ms")
    formulas.cache.entries.clear()
    cold = [await timed(latex, display) for latex, display in items]
    cached = [await timed(latex, display) for latex, display in items]
    refused = [why for _, why in cold if why]
    for name, runs in (("cold", cold), ("cached", cached)):
        times = [seconds for seconds, _ in runs]
        print(
            f"{name:>6}: {len(times)} formulas  p50 {percentile(times, 0.5):7.2f} ms"
            f"  p99 {percentile(times, 0.99):7.2f} ms  max {max(times) * 1000:7.2f} ms"
        )
    print(f"refused: {len(refused)}")
    for why in refused:
        print(f"  {why}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=50, help="formulas in the corpus")
    asyncio.run(main(parser.parse_args().limit))
