"""`studybot demo`: a simulated cohort, printed as the channel shows it, in seconds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from typer.testing import CliRunner

from bot.cli.app import app

from .conftest import CONTENT

REPO = Path(__file__).resolve().parent.parent

runner = CliRunner()


def test_two_weeks_of_a_cohort_in_seconds(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env |= {
        "STUDYBOT_HOME": str(tmp_path),
        "STUDYBOT_CONTENT": str(CONTENT),
        "PYTHONIOENCODING": "utf-8",
    }
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "demo", "--weeks", "2"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        env=env,
        cwd=tmp_path,  # nothing may be written here either
        check=False,
    )
    elapsed = time.monotonic() - started
    assert completed.returncode == 0, completed.stderr
    assert "Traceback" not in completed.stdout + completed.stderr
    assert elapsed < 30, f"the demo took {elapsed:.1f}s"
    out = " ".join(completed.stdout.split())
    # Kickoffs with their discussion threads, for both weeks.
    assert "Week 1 · Session 1 of 12: Introduction and Motivation" in out
    assert "Week 2 · Session 2 of 12: Linear Algebra" in out
    assert "studybot thread on #2" in out and "Discussion 1 · Introduction and Motivation" in out
    # Members check in by command and by button; the bot answers only them.
    assert "/study checkin " in out and "click checkin " in out
    assert "(only Ben sees this)" in out and "Checked in as " in out
    # A question with a formula, an answer in its thread, resolved with ✅ by the asker.
    assert "Question 1 · Introduction and Motivation" in out and "$f(x; \\theta)$" in out
    assert "in thread #8" in out
    assert "Ben reacted ✅ to #7" in out and "✅ Resolved by Ben." in out
    # Reminders (in the channel, and by DM for who asked for that), progress and summaries.
    assert "Mid-week nudge:" in out and "direct message to Dev" in out
    assert "Group progress" in out
    assert out.count("Weekly summary:") == 2
    assert "Open questions" in out and "no answer yet" in out
    assert "That was 2 simulated weeks of 12." in out
    # A throwaway database, never the user's studybot.db; only the pictures are kept, in
    # STUDYBOT_HOME/images, named by their content: the question's formulas and a chart a week.
    assert [p.name for p in tmp_path.iterdir()] == ["images"]
    saved = sorted(p.name for p in (tmp_path / "images").iterdir())
    assert all(name.endswith(".png") for name in saved)
    assert len([n for n in saved if n.startswith("chart-")]) == 2
    assert [n for n in saved if n.startswith("formula-")]
    assert f"picture saved to {tmp_path / 'images'}" in out and "f(x; \\theta)" in out


def test_the_demo_tells_the_same_story_every_time(tmp_path: Path) -> None:
    home = {"STUDYBOT_HOME": str(tmp_path)}  # its pictures go there (named by content)
    command = ["demo", "--weeks", "1", "--syllabus", "calculus-made-easy"]
    first = runner.invoke(app, command, env=home)
    second = runner.invoke(app, command, env=home)
    assert first.exit_code == 0 and second.exit_code == 0
    assert "Calculus Made Easy" in first.output
    assert first.output == second.output


def test_the_demo_names_the_syllabi_it_knows(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--syllabus", "mlm"], env={"STUDYBOT_HOME": str(tmp_path)})
    assert result.exit_code == 1
    assert "No syllabus 'mlm'. Known:" in result.output and "mml" in result.output
