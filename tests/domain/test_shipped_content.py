"""The shipped content (issue 11): every unit of the four books has exercises and a companion
resource, one URL always carries one title, the whole folder validates, the ``ml-math-path``
syllabus is there and shows, and ``docs/role-tracks.md`` maps each role's required topics to
units of its track in an order a group can follow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.domain.datafile import read_yaml
from bot.domain.library import Library

from ..conftest import CONTENT, REPO

BOOKS = ("mml", "strang-ila", "calculus-made-easy", "hogg-math-stats")
TRACKS = ("ml-engineer", "data-scientist", "deep-learning")
ROLE_TRACKS = REPO / "docs" / "role-tracks.md"

COMMON = (
    "vectors and matrices",
    "mean and variance",
    "median",
    "normal distribution",
    "binomial distribution",
    "p-values",
    "confidence intervals",
)
REQUIRED_TOPICS = {
    "ml-engineer": (
        *COMMON,
        "residuals and mean squared error",
        "logistic sigmoid",
        "notation",
    ),
    "data-scientist": (
        *COMMON,
        "eigenvectors and eigenvalues",
        "singular value decomposition",
        "principal component analysis",
        "hypothesis tests",
        "chi-square tests",
        "maximum likelihood estimation",
        "analysis of variance (ANOVA)",
        "analysis of covariance (ANCOVA)",
        "linear regression",
        "regression inference",
        "order statistics",
        "central limit theorem",
        "integrals as areas",
        "maxima and minima",
    ),
    "deep-learning": (
        *COMMON,
        "trigonometry",
        "derivatives",
        "partial derivatives",
        "vector calculus (gradients and Jacobians)",
        "second derivatives and extrema",
        "integrals as areas",
        "probability density functions",
        "maximum likelihood estimation",
        "cross-entropy",
        "multivariate Gaussian",
        "KL divergence",
    ),
}
# (track, topic read first, topic that builds on it)
TOPIC_ORDER = (
    ("data-scientist", "normal distribution", "central limit theorem"),
    ("deep-learning", "derivatives", "probability density functions"),
)


@pytest.mark.parametrize("book_id", BOOKS)
def test_every_unit_of_the_books_has_exercises_and_a_resource(book_id: str) -> None:
    book = Library(CONTENT).get(book_id)
    without_exercises = [unit.id for unit in book.units if not unit.exercises]
    without_resources = [unit.id for unit in book.units if not unit.resources]
    assert without_exercises == [], f"{book_id}: units without exercises"
    assert without_resources == [], f"{book_id}: units without a resource"


def _titled_urls(data: Any) -> Iterator[tuple[str, str]]:
    """Every ``(url, title)`` of a file: resources, links and web readings."""
    if isinstance(data, dict):
        if isinstance(data.get("url"), str) and isinstance(data.get("title"), str):
            yield data["url"].strip(), " ".join(data["title"].split())
        for value in data.values():
            yield from _titled_urls(value)
    elif isinstance(data, list):
        for value in data:
            yield from _titled_urls(value)


def test_one_url_has_one_title_across_the_content() -> None:
    titles: dict[str, dict[str, list[str]]] = {}
    for path in sorted(CONTENT.glob("*.yaml")):
        for url, title in _titled_urls(read_yaml(path).data):
            titles.setdefault(url, {}).setdefault(title, []).append(path.name)
    clashes = {url: found for url, found in titles.items() if len(found) > 1}
    assert clashes == {}


def test_the_content_folder_validates() -> None:
    result = CliRunner().invoke(app, ["syllabus", "validate", str(CONTENT)])
    assert result.exit_code == 0, result.output
    assert "problem" not in result.output


def test_the_ml_math_path_exists_and_shows() -> None:
    library = Library(CONTENT)
    assert "ml-math-path" in library.ids()
    path = library.get("ml-math-path")
    result = CliRunner().invoke(app, ["syllabus", "show", "ml-math-path"])
    assert result.exit_code == 0, result.output
    assert path.title in result.output
    assert all(f"[{unit.id}]" in result.output for unit in path.units)


def coverage_tables() -> dict[str, dict[str, list[str]]]:
    """``docs/role-tracks.md``: per track heading, the ``| topic | units |`` table as
    topic -> backquoted unit ids, in the order written."""
    tables: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    in_table = False
    assert ROLE_TRACKS.is_file(), "docs/role-tracks.md is missing"
    for line in ROLE_TRACKS.read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"##\s+(\S+)\s*", line)
        if heading:
            current = (
                tables.setdefault(heading.group(1), {}) if heading.group(1) in TRACKS else None
            )
            in_table = False
            continue
        if current is None or not line.strip().startswith("|"):
            in_table = in_table and not line.strip()
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if [c.lower() for c in cells[:2]] == ["topic", "units"]:
            in_table = True
            continue
        if in_table and len(cells) >= 2 and not set(cells[0]) <= set("-: "):
            current[cells[0]] = re.findall(r"`([a-z0-9][a-z0-9-]*)`", cells[1])
    return tables


@pytest.mark.parametrize("track_id", TRACKS)
def test_role_tracks_cover_the_required_topics_with_units_of_the_track(track_id: str) -> None:
    table = coverage_tables().get(track_id)
    assert table, f"docs/role-tracks.md has no '## {track_id}' table"
    unit_ids = [unit.id for unit in Library(CONTENT).get(track_id).units]
    unknown = {topic: [u for u in units if u not in unit_ids] for topic, units in table.items()}
    assert {topic: units for topic, units in unknown.items() if units} == {}
    uncovered = [topic for topic in REQUIRED_TOPICS[track_id] if not table.get(topic)]
    assert uncovered == []


@pytest.mark.parametrize(("track_id", "first", "then"), TOPIC_ORDER)
def test_a_topic_comes_before_the_topic_built_on_it(track_id: str, first: str, then: str) -> None:
    table = coverage_tables()[track_id]
    order = [unit.id for unit in Library(CONTENT).get(track_id).units]
    assert order.index(table[first][0]) < order.index(table[then][0])


@pytest.mark.parametrize("track_id", TRACKS)
def test_a_track_reads_each_units_requirements_first(track_id: str) -> None:
    units = Library(CONTENT).get(track_id).units
    position = {unit.id: n for n, unit in enumerate(units)}
    late = [
        (unit.id, required)
        for n, unit in enumerate(units)
        for required in unit.requires
        if position.get(required, len(units)) >= n
    ]
    assert late == []
