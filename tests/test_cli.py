"""The `studybot` command as a user runs it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli.app import app
from bot.store.migrate import head_revision

from .conftest import SCHEDULES

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["syllabus"],
        ["syllabus", "list"],
        ["syllabus", "show"],
        ["syllabus", "validate"],
        ["schedule"],
        ["schedule", "preview"],
        ["schedule", "validate"],
        ["db"],
        ["db", "upgrade"],
        ["status"],
    ],
)
def test_every_command_has_help(command: list[str]) -> None:
    code, output = run(*command, "--help")
    assert code == 0
    assert "Usage: studybot" in output or "Usage: root" in output


def test_preview_prints_the_berlin_calendar_across_dst_and_the_winter_break() -> None:
    code, output = run("schedule", "preview", str(SCHEDULES / "mml-berlin-mondays.yaml"))
    assert code == 0, output
    rows = [line for line in output.splitlines() if re.match(r"│\s+\d+ │", line)]
    cells = [[c.strip() for c in row.strip("│").split("│")] for row in rows]
    assert len(cells) == 12
    week, local, utc, unit, readings, pages, hours = cells[0]
    assert (week, local, utc, unit) == (
        "1",
        "Mon 2026-10-05 18:30 CEST",
        "16:30",
        "Introduction and Motivation",
    )
    assert (readings, pages, hours) == ("1 to 1.3 (pp. 11-16)", "6", "1.5")
    # Summer time ends on 25 October: same local time, one hour later in UTC.
    assert cells[3][:3] == ["4", "Mon 2026-10-26 18:30 CET", "17:30"]
    # Two weeks of winter holidays: week 12 and 13 have no session, week 14 has the last one.
    assert "no session for 2 weeks: Winter holidays" in output
    assert cells[-1][:4] == [
        "14",
        "Mon 2027-01-04 18:30 CET",
        "17:30",
        "Classification with Support Vector Machines",
    ]
    assert [int(c[0]) for c in cells] == [*range(1, 12), 14]
    assert "12 sessions, 2026-10-05 to 2027-01-04" in output


def test_preview_of_a_page_budget_shows_split_chapters() -> None:
    code, output = run("schedule", "preview", str(SCHEDULES / "strang-nyc-30-pages.yaml"))
    assert code == 0, output
    assert "Wed 2027-01-13 12:00 EST" in output  # 11 January is a Monday: first Wednesday after
    assert "(part 1 of 4)" in output
    assert "Summer break" in output


def test_preview_of_a_broken_schedule_lists_problems() -> None:
    broken = Path(__file__).parent / "broken" / "schedule-unknown-timezone.yaml"
    code, output = run("schedule", "preview", str(broken))
    assert code == 1
    assert "timezone: unknown time zone 'Europe/Berln' (did you mean 'Europe/Berlin'?)" in output


def test_syllabus_list_shows_books_and_tracks() -> None:
    code, output = run("syllabus", "list")
    assert code == 0
    for syllabus_id in (
        "mml",
        "strang-ila",
        "calculus-made-easy",
        "hogg-math-stats",
        "ml-engineer",
    ):
        assert re.search(rf"│ {re.escape(syllabus_id)}\s+│", output), output
    assert re.search(r"│ ml-engineer\s+│ track", output)


def test_syllabus_show_prints_units_readings_and_questions() -> None:
    code, output = run("syllabus", "show", "mml")
    assert code == 0
    assert "Mathematics for Machine Learning" in output
    assert "2.1  Systems of Linear Equations  p. 19-21" in output
    assert output.count("Q3.") == 12


def test_syllabus_show_unknown_id_names_the_known_ones() -> None:
    code, output = run("syllabus", "show", "mlm")
    assert code == 1
    assert "No syllabus 'mlm'" in output and "mml" in output


def test_db_upgrade_creates_the_sqlite_file_under_studybot_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDYBOT_HOME", str(tmp_path))
    code, output = run("db", "upgrade")
    assert code == 0, output
    assert f"Database is at revision {head_revision()}" in output
    assert (tmp_path / "studybot.db").exists()
    code, output = run("db", "upgrade")  # again: nothing to do, still fine
    assert code == 0 and f"revision {head_revision()}" in output


def test_db_upgrade_with_an_unusable_url_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "mysql://root@localhost/studybot")
    code, output = run("db", "upgrade")
    assert code == 1
    assert "studybot supports sqlite and postgresql" in output


def test_db_upgrade_with_an_unreachable_server_explains(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    code, output = run("db", "upgrade")
    assert code == 1
    assert "Cannot reach the database" in output


def test_the_installed_command_runs() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0
    assert "syllabus" in completed.stdout and "schedule" in completed.stdout


def test_db_upgrade_creates_a_missing_studybot_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "not" / "there" / "yet"
    monkeypatch.setenv("STUDYBOT_HOME", str(home))
    code, output = run("db", "upgrade")
    assert code == 0, output
    assert (home / "studybot.db").exists()


def test_status_counts_the_ledger_per_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDYBOT_HOME", str(tmp_path))
    code, output = run("status")
    assert code == 0 and "No group has posts in the ledger yet" in output
    chat = "/study start mml\n/study pause\n"  # the first meeting is days ahead: all held
    result = runner.invoke(app, ["console", "--as", "ada"], input=chat)
    assert result.exit_code == 0, result.output
    code, output = run("status")
    assert code == 0, output
    row = next(line for line in output.splitlines() if "console #study-group" in line)
    cells = [cell.strip() for cell in row.strip("│ ").split("│")]
    # group, pending, late, held, failed, missed, sent, oldest waiting
    assert cells[1:7] == ["0", "0", "95", "0", "0", "0"]


def test_db_upgrade_with_a_studybot_home_that_is_a_file_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.write_text("a file")
    monkeypatch.setenv("STUDYBOT_HOME", str(home))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    code, output = run("db", "upgrade")
    assert code == 1
    assert f"STUDYBOT_HOME is {home}, which is a file, not a folder" in " ".join(output.split())
    assert "Error" not in output and "errno" not in output.lower()


def test_db_upgrade_refuses_a_missing_folder_in_database_url_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "typo" / "data"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{folder}/studybot.db")
    code, output = run("db", "upgrade")
    assert code == 1
    assert f"{folder} does not exist: create it first (mkdir -p {folder}) or set" in " ".join(
        output.split()
    )
    assert not (tmp_path / "typo").exists()


def test_db_upgrade_refuses_a_database_url_naming_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}")
    code, output = run("db", "upgrade")
    assert code == 1
    assert f"DATABASE_URL names {tmp_path}, which is a folder" in " ".join(output.split())


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "--fast", "1e9"], "give a number from 1 (real time) to 100000"),
        (["console", "--fast", "lots"], "'lots' is not a valid float"),
        (["console", "--fast", "1e9"], "give a number from 1 (real time) to 100000"),
        (["console", "--start-at", "monday"], "use ISO 8601"),
    ],
)
def test_option_mistakes_get_a_usage_sentence_and_status_2(args: list[str], says: str) -> None:
    code, output = run(*args)
    assert code == 2
    assert says in " ".join(output.replace("│", " ").split())
    assert "Traceback" not in output
