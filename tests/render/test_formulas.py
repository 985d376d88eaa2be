"""Formulas as pictures: found in a text, typeset locally, refused in plain words."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.render import formulas, worker
from bot.render.formulas import Formula, FormulaError, Limits, find_formulas, render_png

from ..forbidden import library_wording_in


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk, which follows the 8-byte signature."""
    size = worker.png_size(png)
    assert size is not None, png[:16]
    return size


def matrix(n: int) -> str:
    rows = r" \\ ".join(" & ".join("x" for _ in range(n)) for _ in range(n))
    return rf"\begin{{pmatrix}} {rows} \end{{pmatrix}}"


async def test_a_2x2_pmatrix_renders_to_a_png_of_plausible_size() -> None:
    png = await render_png(r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", display=True)
    width, height = png_size(png)
    assert 20 <= width <= 2000 and 20 <= height <= 2000
    assert height > 60  # two rows of text, at twice ziamath's size


CONSTRUCTS = {
    "inline": (r"a^2 + b^2 = c^2", False),
    "display": (r"\frac{n(n+1)}{2}", True),
    "pmatrix": (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", True),
    "bmatrix": (r"\begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}", True),
    "aligned": (r"\begin{aligned} x &= 1 \\ y &= 2 \end{aligned}", True),
    "cases": (r"f(x) = \begin{cases} 0 & x < 0 \\ 1 & x \ge 0 \end{cases}", True),
    "left-right": (r"\left( \frac{a}{b} \right)", True),
    "greek": (r"\alpha + \beta = \Gamma \cdot \omega", False),
    "sum": (r"\sum_{i=1}^{n} i^2", True),
    "integral": (r"\int_0^1 f(x)\,dx", True),
}


@pytest.mark.parametrize("name", CONSTRUCTS)
async def test_each_construct_renders(name: str) -> None:
    latex, display = CONSTRUCTS[name]
    width, height = png_size(await render_png(latex, display=display))
    assert 10 <= width <= 2000 and 10 <= height <= 2000


async def test_display_style_is_taller_than_inline() -> None:
    inline = png_size(await render_png(r"\sum_{i=1}^{n} i", display=False))
    display = png_size(await render_png(r"\sum_{i=1}^{n} i", display=True))
    assert display[1] > inline[1]


async def test_the_cache_answers_the_same_formula_without_rendering_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = await render_png(r"\gamma_{cached}", display=True)

    async def no_worker(*args: object) -> bytes:
        raise AssertionError("rendered again")

    monkeypatch.setattr(formulas, "render_in_worker", no_worker)
    assert await render_png(r"\gamma_{cached}", display=True) == first


def test_the_cache_forgets_the_least_recently_used() -> None:
    cache = formulas.PictureCache(size=2)
    cache.put("a", b"1")
    cache.put("b", b"2")
    assert cache.get("a") == b"1"
    cache.put("c", b"3")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1", None, b"3")


BROKEN = {
    r"\frac{1}{": "a brace is not closed",
    r"x}": "closing brace",
    r"\begin{pmatrix} a & b": r"\begin",
    r"\left( x": r"\left",
    r"x^": "^ or _",
    r"x_1_2": "two subscripts",
    r"\alpah + 1": r"\alpah",
}


@pytest.mark.parametrize("latex", BROKEN)
async def test_a_broken_formula_gets_a_plain_sentence(latex: str) -> None:
    with pytest.raises(FormulaError) as caught:
        await render_png(latex, display=True)
    sentence = str(caught.value)
    assert sentence.startswith(f"The formula `{latex}`")
    assert BROKEN[latex] in sentence
    assert library_wording_in(sentence) == []
    assert "Error" not in sentence  # no exception class name


async def test_the_frac_sentence_is_word_for_word() -> None:
    with pytest.raises(FormulaError) as caught:
        await render_png(r"\frac{1}{", display=False)
    assert str(caught.value) == "The formula `\\frac{1}{` does not parse: a brace is not closed."


async def test_an_absurd_formula_is_refused_before_any_work() -> None:
    started = time.monotonic()
    with pytest.raises(FormulaError, match="too long to show"):
        await render_png(matrix(300), display=True)
    assert time.monotonic() - started < 1


async def test_a_formula_past_its_time_cap_is_stopped() -> None:
    limits = Limits(max_chars=100_000, seconds=0.3)
    started = time.monotonic()
    with pytest.raises(FormulaError, match=r"takes too long to typeset \(more than 0.3 s\)"):
        await render_png(matrix(70), display=True, limits=limits)
    assert time.monotonic() - started < 0.3 + 5  # the cap, plus starting a worker


async def test_a_picture_past_its_size_cap_is_refused() -> None:
    with pytest.raises(FormulaError, match="more than 200 on a side") as caught:
        await render_png(matrix(10), display=True, limits=Limits(max_pixels=200))
    assert library_wording_in(str(caught.value)) == []


async def test_a_picture_past_its_byte_cap_is_refused() -> None:
    with pytest.raises(FormulaError, match="kB, more than 1 kB"):
        await render_png(matrix(4), display=True, limits=Limits(max_bytes=1000))


async def test_an_empty_formula_is_refused() -> None:
    with pytest.raises(FormulaError, match="empty"):
        await render_png("  ", display=True)


def latex_of(text: str) -> list[tuple[str, bool]]:
    return [(f.latex, f.display) for f in find_formulas(text)]


def test_find_formulas_inline_and_display_with_positions() -> None:
    text = "Let $x^2$ be\n$$\\sum_i a_i$$ done"
    assert find_formulas(text) == [
        Formula(latex="x^2", display=False, start=4, end=9),
        Formula(latex="\\sum_i a_i", display=True, start=13, end=27),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (r"costs \$5 and $a$", [("a", False)]),
        (r"$a \$ b$", [(r"a \$ b", False)]),
        ("code `$x$` and $y$", [("y", False)]),
        ("fence ```\n$$x$$\n``` then $$y$$", [("y", True)]),
        ("unclosed ``$x$", []),
        ("prices $5 and $10", []),
        ("spaced $ x $ is not math", []),
        ("unclosed $x", []),
        ("empty $$ $$ display", []),
        ("two $a$, $b$", [("a", False), ("b", False)]),
        (
            "$$\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}$$",
            [(r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", True)],
        ),
        ("no math at all", []),
    ],
)
def test_find_formulas_cases(text: str, expected: list[tuple[str, bool]]) -> None:
    assert latex_of(text) == expected


runner = CliRunner()


def test_studybot_tex_writes_a_png(tmp_path: Path) -> None:
    target = tmp_path / "m.png"
    result = runner.invoke(
        app, ["tex", r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}", "-o", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert png_size(target.read_bytes())[0] > 20


def test_studybot_tex_refuses_a_broken_formula_and_writes_nothing(tmp_path: Path) -> None:
    target = tmp_path / "m.png"
    result = runner.invoke(app, ["tex", r"\frac{1}{", "-o", str(target)])
    assert result.exit_code == 1
    assert "The formula `\\frac{1}{` does not parse: a brace is not closed." in result.output
    assert library_wording_in(result.output) == []
    assert not target.exists()
