"""``studybot tex FORMULA -o FILE.png``: one LaTeX formula as a PNG picture, rendered locally."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.output import say
from bot.render.formulas import FormulaError, render_png


def tex_command(
    formula: Annotated[str, typer.Argument(help=r"LaTeX, without dollars, e.g. '\frac{a}{b}'")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The PNG file to write")],
    inline: Annotated[
        bool, typer.Option("--inline", help="Typeset as in running text, not displayed")
    ] = False,
) -> None:
    """Render a LaTeX formula to a PNG picture (no TeX installation needed)."""
    try:
        png = asyncio.run(render_png(formula, display=not inline))
    except FormulaError as error:
        say(str(error))
        raise typer.Exit(1) from None
    try:
        output.write_bytes(png)
    except OSError as error:
        say(f"Cannot write {output}: {error.strerror or 'the file cannot be opened'}.")
        raise typer.Exit(1) from None
    say(f"Wrote {output}.")
