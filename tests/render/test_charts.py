"""Charts of check-ins as PNG pictures: drawn in the worker, capped, refused in plain words."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest

from bot.render import charts, formulas
from bot.render.charts import (
    ChartError,
    GroupChart,
    MemberChart,
    WeekTally,
    group_chart_png,
    headline,
    member_chart_png,
    recap_chart_png,
)

from ..forbidden import library_wording_in
from .test_formulas import png_size

REPO = Path(__file__).resolve().parents[2]


def week(i: int, *, done: int = 3, partial: int = 1, behind: int = 1, none: int = 1) -> WeekTally:
    return WeekTally(label=f"Wk {i}", done=done, partial=partial, behind=behind, no_checkin=none)


def group(n: int, *, title: str = "Linear Algebra, Tuesdays") -> GroupChart:
    weeks = tuple(week(i) for i in range(1, n + 1))
    return GroupChart(title=title, weeks=weeks, open_questions=3, resolved_questions=11)


def member(n: int) -> MemberChart:
    statuses = ("done", "partial", "behind", "none")
    weeks = tuple((f"Wk {i}", statuses[i % 4]) for i in range(1, n + 1))
    return MemberChart(title="alice: your weeks", weeks=weeks)


def assert_plain(sentence: str) -> None:
    assert library_wording_in(sentence) == []
    assert "Error" not in sentence and "matplotlib" not in sentence.lower()


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """What would cross to the worker (kind, chart, seconds), instead of drawing it."""
    calls: list[tuple[object, ...]] = []

    async def record(fn: object, *args: object, within: float) -> bytes:
        calls.append(args)
        return b"picture"

    monkeypatch.setattr(charts, "run_in_worker", record)
    return calls


async def test_the_group_chart_is_a_png_of_about_800_by_360() -> None:
    png = await group_chart_png(group(5))
    width, height = png_size(png)
    assert 700 <= width <= 900 and 320 <= height <= 400
    assert b"Software" not in png and b"matplotlib" not in png  # no version in its metadata


async def test_the_member_chart_is_a_png_of_about_600_by_160() -> None:
    width, height = png_size(await member_chart_png(member(10)))
    assert 500 <= width <= 700 and 120 <= height <= 200


async def test_the_recap_is_a_png_of_every_week() -> None:
    width, height = png_size(await recap_chart_png(group(52)))
    assert 700 <= width <= 900 and 320 <= height <= 440


@pytest.mark.parametrize("draw", [group_chart_png, recap_chart_png])
async def test_a_run_with_no_weeks_yet_still_gets_a_chart(draw: object) -> None:
    chart = GroupChart(title="Hogg", weeks=(), open_questions=0, resolved_questions=0)
    assert callable(draw)
    assert png_size(await draw(chart))[0] > 0


async def test_a_member_with_no_weeks_yet_still_gets_a_chart() -> None:
    assert png_size(await member_chart_png(MemberChart(title="bob", weeks=())))[0] > 0


async def test_a_dollar_in_a_title_is_a_dollar_not_a_formula() -> None:
    chart = group(3, title="Fees: $5 for the book, $10 for the workbook")
    assert png_size(await group_chart_png(chart))[0] > 0


@pytest.mark.parametrize("field", ["done", "partial", "behind", "no_checkin"])
async def test_a_negative_count_is_refused_in_a_plain_sentence(
    field: str, sent: list[tuple[object, ...]]
) -> None:
    broken = replace(week(2), **{field: -1})
    chart = GroupChart(
        title="Hogg", weeks=(week(1), broken), open_questions=0, resolved_questions=0
    )
    for draw in (group_chart_png, recap_chart_png):
        with pytest.raises(ChartError) as caught:
            await draw(chart)
        sentence = str(caught.value)
        assert sentence.startswith("The chart cannot be drawn: the number of members")
        assert "week “Wk 2”" in sentence and "0 or more" in sentence
        assert_plain(sentence)
    assert sent == []  # refused before any work crosses to the worker


@pytest.mark.parametrize("field", ["open_questions", "resolved_questions"])
async def test_a_negative_question_count_is_refused(field: str) -> None:
    chart = replace(group(2), **{field: -3})
    with pytest.raises(ChartError, match="questions is given as -3") as caught:
        await group_chart_png(chart)
    assert_plain(str(caught.value))


async def test_a_count_that_is_not_a_whole_number_is_refused() -> None:
    chart = GroupChart(
        title="Hogg", weeks=(week(1, done=2.5),), open_questions=0, resolved_questions=0
    )  # type: ignore[arg-type]
    with pytest.raises(ChartError, match="whole number") as caught:
        await group_chart_png(chart)
    assert_plain(str(caught.value))


async def test_an_unknown_member_status_is_refused_in_a_plain_sentence() -> None:
    chart = MemberChart(title="alice", weeks=(("Wk 1", "done"), ("Wk 2", "late")))
    with pytest.raises(ChartError) as caught:
        await member_chart_png(chart)
    assert str(caught.value) == (
        "The chart cannot be drawn: week “Wk 2” is marked “late”, and a week is marked done, "
        "partial, behind or none."
    )


async def test_the_summary_shows_the_last_12_weeks(sent: list[tuple[object, ...]]) -> None:
    await group_chart_png(group(30))
    [(kind, chart, _)] = sent
    assert kind == "group" and isinstance(chart, GroupChart)
    assert [w.label for w in chart.weeks] == [f"Wk {i}" for i in range(19, 31)]


async def test_a_recap_past_52_weeks_shows_the_last_52_and_counts_all(
    sent: list[tuple[object, ...]],
) -> None:
    await recap_chart_png(group(60))
    [(kind, chart, _)] = sent
    assert kind == "recap" and isinstance(chart, GroupChart)
    assert len(chart.weeks) == 52 and chart.weeks[-1].label == "Wk 60"
    assert chart.title == "Linear Algebra, Tuesdays: 60 weeks, 50% done"


async def test_a_member_past_52_weeks_shows_the_last_52(sent: list[tuple[object, ...]]) -> None:
    await member_chart_png(member(70))
    [(_, chart, _)] = sent
    assert isinstance(chart, MemberChart)
    assert len(chart.weeks) == 52 and chart.weeks[0][0] == "Wk 19"


async def test_60_weeks_are_drawn_within_the_caps() -> None:
    width, height = png_size(await recap_chart_png(group(60)))
    assert width <= 900 and height <= 440
    assert png_size(await member_chart_png(member(60)))[0] <= 700


async def test_labels_and_titles_are_shortened(sent: list[tuple[object, ...]]) -> None:
    long_week = replace(week(1), label="September 15, 2025")
    chart = GroupChart(title="x" * 100, weeks=(long_week,), open_questions=0, resolved_questions=0)
    await group_chart_png(chart)
    [(_, drawn, _)] = sent
    assert isinstance(drawn, GroupChart)
    assert drawn.weeks[0].label == "September 1…"
    assert len(drawn.title) == charts.TITLE_CHARS and drawn.title.endswith("…")


def test_the_headline_counts_every_check_in_chance() -> None:
    weeks = (
        week(1, done=2, partial=1, behind=1, none=0),
        week(2, done=1, partial=0, behind=0, none=4),
    )
    assert headline(weeks) == "2 weeks, 33% done"  # 3 done of 9 chances
    assert headline(weeks[:1]) == "1 week, 50% done"
    assert headline(()) == "No check-ins yet"
    assert headline((week(1, done=0, partial=0, behind=0, none=0),)) == "No check-ins yet"


async def test_a_chart_past_its_drawing_cap_is_stopped_in_plain_words() -> None:
    with pytest.raises(ChartError) as caught:
        await charts.drawn("recap", charts.checked_group(group(52), keep=52), seconds=0.001)
    assert str(caught.value) == charts.TOO_SLOW
    assert png_size(await group_chart_png(group(3)))[0] > 0  # the worker still draws


async def test_a_new_pools_start_up_is_not_counted_against_its_first_job() -> None:
    formulas.discard_pool()
    # Half a second of work with a tenth of a second to do it: refused once warm, but a cold
    # pool's first job also waits for interpreters to start, which is not the job's fault.
    assert await charts.run_in_worker(time.sleep, 0.5, within=0.1) is None
    with pytest.raises(ChartError):
        await charts.run_in_worker(time.sleep, 0.5, within=0.1)


async def test_a_worker_that_never_answers_is_discarded() -> None:
    assert png_size(await member_chart_png(member(2)))[0] > 0  # a warm pool
    started = time.monotonic()
    with pytest.raises(ChartError) as caught:
        await charts.run_in_worker(time.sleep, 1.0, within=0.1)
    assert str(caught.value) == charts.TOO_SLOW
    assert formulas._pool is None  # the next picture starts a fresh pool
    assert time.monotonic() - started < 1.0
    assert png_size(await member_chart_png(member(3)))[0] > 0


def test_the_bots_own_process_never_imports_matplotlib() -> None:
    script = (
        "import asyncio, sys\n"
        "from bot.render.charts import GroupChart, WeekTally, group_chart_png\n"
        "week = WeekTally(label='Wk 1', done=2, partial=1, behind=0, no_checkin=1)\n"
        "chart = GroupChart(title='t', weeks=(week,), open_questions=1, resolved_questions=0)\n"
        "png = asyncio.run(group_chart_png(chart))\n"
        "print(png[:4] == b'\\x89PNG', 'matplotlib' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["True", "False"]
