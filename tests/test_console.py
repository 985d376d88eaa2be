"""`studybot console` (the terminal chat), its adapter and transcript, and `studybot run`.

Scripted sessions run the real command with piped input. Time never comes from the wall clock
here: the hidden `--start-at` fixes the simulated origin, and scheduled posts are driven
in-process with a FakeClock and `deliverer.tick()`.
"""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from bot.adapters.console import lines
from bot.adapters.console.adapter import PROMPT_MARK, ConsoleAdapter, NoSuchThread, console_chat
from bot.adapters.console.render import render_message
from bot.adapters.console.transcript import Transcript
from bot.cli.app import app
from bot.cli.console import only_console
from bot.core.clock import FakeClock, SystemClock
from bot.core.delivery import delivery_key
from bot.core.models import Actions, Button, Message, Paragraph, Place
from bot.runtime.lifespan import running
from bot.runtime.settings import Settings
from bot.runtime.timeline import choose_timeline

from .conftest import CONTENT
from .scenario import png_size

REPO = Path(__file__).resolve().parent.parent
START = "2026-03-02T09:00Z"  # a Monday morning: the first Monday 18:00 session is that evening
START_MML = "/study start mml every monday at 18:00 tz Europe/Berlin"
PLACE = Place(platform="console", workspace="local", channel="study-group")

runner = CliRunner()


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "SLACK_BOT_TOKEN", "DISCORD_BOT_TOKEN"}
    }
    return env | {
        "STUDYBOT_HOME": str(home),
        "STUDYBOT_CONTENT": str(CONTENT),
        "PYTHONIOENCODING": "utf-8",
        **extra,
    }


def console(
    home: Path, *typed: str, args: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `studybot console` with ``typed`` piped to it, one line each."""
    completed = subprocess.run(
        [sys.executable, "-m", "bot", "console", *args],
        input="".join(f"{line}\n" for line in typed),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env=_env(home, **env),
        cwd=REPO,
        check=False,
    )
    assert "Traceback" not in completed.stdout + completed.stderr, completed.stderr
    return completed


def flat(text: str) -> str:
    """Output with line wrapping undone, for phrases that may wrap at 160 columns."""
    return " ".join(text.split())


# --- scripted sessions ---------------------------------------------------------------------------


def test_the_readme_example_answers_and_refuses_a_checkin_without_a_syllabus(
    tmp_path: Path,
) -> None:
    command = (
        "printf '/study join\\n/study checkin done\\n' | "
        f"{shlex.quote(sys.executable)} -m bot console --as alice"
    )
    completed = subprocess.run(
        command,
        shell=True,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
        env=_env(tmp_path / "home"),
        cwd=REPO,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    out = flat(completed.stdout)
    assert "you are alice" in out
    assert f"alice {PROMPT_MARK} /study join" in out
    assert "(only you see this)" in out
    assert "Welcome to the study group! No syllabus is running yet" in out
    assert f"alice {PROMPT_MARK} /study checkin done" in out
    assert "Nothing is being read here yet. An organizer starts a syllabus" in out
    assert "Traceback" not in completed.stdout + completed.stderr
    assert (tmp_path / "home" / "studybot.db").exists()


def test_an_organizer_session_with_a_second_member(tmp_path: Path) -> None:
    completed = console(
        tmp_path,
        START_MML,
        "as bob",
        "/study join",
        "/study schedule",
        "/study pause",
        "as alice",
        "/study pause",
        args=("--as", "alice", "--start-at", START),
    )
    assert completed.returncode == 0
    out = flat(completed.stdout)
    # The first to start a syllabus becomes its organizer; the announcement is a channel post.
    assert "#1 studybot in #study-group" in out
    assert "Starting Mathematics for Machine Learning" in out
    assert "The first one is Mon 02 Mar 2026, 18:00 CET: Introduction and Motivation." in out
    assert "You are now bob." in out
    assert f"bob {PROMPT_MARK} /study join" in out and "The group is reading along" in out
    assert "Week 1: Mon 02 Mar 2026, 18:00 CET: Introduction and Motivation" in out
    assert "Week 5: Mon 30 Mar 2026, 18:00 CEST: Vector Calculus" in out
    assert "Only organizers can pause the group." in out
    assert "Paused: no posts until an organizer runs `/study resume`." in out


def test_unknown_lines_get_a_short_hint(tmp_path: Path) -> None:
    completed = console(
        tmp_path, "hello there", "/start mml", "reply #1", "# a comment", "", "help", "time"
    )
    assert completed.returncode == 0
    out = flat(completed.stdout)
    assert "I don't understand 'hello'. Type help" in out
    assert "Bot commands start with /study, e.g. /study help (not /start)." in out
    assert "Usage: reply #REF <text>" in out
    assert "react #REF ✅" in out  # the help list
    assert "Now: " in out and "(real time)" in out


def test_questions_threads_reactions_and_buttons(tmp_path: Path) -> None:
    transcript = tmp_path / "transcript.jsonl"
    completed = console(
        tmp_path,
        START_MML,  # #1
        r"/study ask What is $\|x\|_2$ for $x = (3, 4)$?",  # question #2, its thread #3
        "as bob",
        r"reply #3 It is $\sqrt{3^2 + 4^2} = 5$.",  # bob's message #4, its formula typeset (#5)
        "as alice",
        "react #2 ✅",  # resolves: #2 is edited, the thread gets a note (#6)
        "reply #3 /study resolve",  # a command inside the thread
        "reply #2 thanks",  # #2 has exactly one thread: #3
        "reply #1 hi",
        "click checkin 1:done",
        args=("--as", "alice", "--start-at", START, "--transcript", str(transcript)),
    )
    assert completed.returncode == 0
    out = flat(completed.stdout)
    assert (
        "#2 studybot in #study-group" in out and "Question 1 · Introduction and Motivation" in out
    )
    assert "↳ #3 studybot thread on #2" in out
    # Each header ends with the simulated time of the post; drop it to compare.
    out = re.sub(r" Mon 02 Mar \d\d:\d\d (UTC|CET)", "", out)
    assert r"↳ #4 bob in thread #3 It is $\sqrt{3^2 + 4^2} = 5$." in out
    assert "↳ #5 studybot in thread #3 The formulas in bob's answer, typeset:" in out
    assert f"picture saved to {tmp_path / 'images'}" in out
    assert "alice reacted ✅ to #2" in out
    assert (
        "✎ #2 studybot edited its post ✅ Question 1 · Introduction and Motivation (resolved)"
        in out
    )
    assert "↳ #6 studybot in thread #3 ✅ Resolved by alice." in out
    assert "Marked as resolved." in out
    assert "This question is already resolved." in out
    assert "↳ #7 alice in thread #3 thanks" in out
    assert "#1 has no thread:" in out
    assert (
        f"alice {PROMPT_MARK} click checkin 1:done" in out
        and "That session has not started yet" in out
    )

    entries = list(Transcript(path=transcript).entries())
    assert [(e.kind, e.ref) for e in entries if e.kind != "ephemeral"] == [
        ("post", "#1"),
        ("post", "#2"),
        ("thread", "#3"),
        ("reply", "#5"),
        ("update", "#2"),
        ("reply", "#6"),
    ]
    assert {e.to for e in entries if e.kind == "ephemeral"} == {"alice"}
    for line in transcript.read_text(encoding="utf-8").splitlines():
        assert {"kind", "ref", "channel", "thread", "key", "text"} <= set(json.loads(line))


def test_member_text_is_never_markup_and_mentions_are_defused(tmp_path: Path) -> None:
    completed = console(
        tmp_path,
        START_MML,
        "/study ask Is [bold]x[/bold] :smile: @everyone <!channel> \x1b[2J $a^2$ right?",
        args=("--as", "alice", "--start-at", START),
    )
    assert completed.returncode == 0
    out = completed.stdout
    assert "Is [bold]x[/bold] :smile: @\u200beveryone <\u200b!channel> \\x1b[2J $a^2$ right?" in out
    assert "@everyone" not in out and "<!channel>" not in out
    assert "\x1b" not in out  # the escape sequence is shown, not sent to the terminal


def test_the_renderer_shows_text_literally_even_in_colour() -> None:
    buffer = io.StringIO()
    screen = Console(file=buffer, force_terminal=True, color_system="standard", width=100)
    screen.print(
        render_message(
            Message(
                text="fallback",
                blocks=(
                    Paragraph("[bold]x[/bold] and [link=http://evil]y[/link] $\\sum_i x_i$"),
                    Actions((Button("Done", "checkin", "7:done", "primary"),)),
                ),
            )
        )
    )
    shown = buffer.getvalue()
    assert "[bold]x[/bold]" in shown and "[link=http://evil]y[/link]" in shown
    assert "\x1b[1mx" not in shown and "http://evil\x1b" not in shown
    assert "$\\sum_i x_i$" in shown
    assert "[Done]" in shown and "click checkin 7:done" in shown


def test_refs_and_the_simulated_timeline_continue_after_a_restart(tmp_path: Path) -> None:
    first = console(tmp_path, START_MML, args=("--as", "alice", "--fast", "1", "--start-at", START))
    assert "#1 studybot in #study-group" in first.stdout
    second = console(tmp_path, "/study ask Why?", "time", args=("--as", "alice", "--fast", "1"))
    out = flat(second.stdout)
    # The saved timeline, not today, shown in the group's zone (Berlin: UTC+1 in March).
    assert "Simulated now: Mon 02 Mar 2026, 10:0" in out and "CET in Europe/Berlin" in out
    assert "#2 studybot in #study-group" in out and "#1 studybot" not in out
    assert "↳ #3 studybot thread on #2" in out
    assert json.loads((tmp_path / "console-refs.json").read_text())["last_ref"] == 3


def test_console_options_are_checked(tmp_path: Path) -> None:
    completed = console(tmp_path, args=("--fast", "0"))
    assert completed.returncode == 2 and "give a number from 1" in flat(completed.stderr)
    completed = console(tmp_path, args=("--start-at", "next monday"))
    assert completed.returncode == 2 and "ISO 8601" in completed.stderr


def test_console_with_an_unusable_database_explains(tmp_path: Path) -> None:
    completed = console(tmp_path, "/study join", DATABASE_URL="mysql://root@localhost/x")
    assert completed.returncode == 1
    assert "studybot supports sqlite and postgresql" in completed.stdout


@pytest.mark.parametrize(
    ("typed", "meaning"),
    [
        ("/study join", lines.Command("join")),
        ("/STUDY checkin done read it", lines.Command("checkin done read it")),
        ("as Bob Smith", lines.Become("Bob Smith")),
        ("reply 12 hello there", lines.ThreadMessage("#12", "hello there")),
        ("reply #12 /study resolve", lines.Command("resolve", thread="#12")),
        ("react #4 :white_check_mark:", lines.React("#4", "white_check_mark")),
        ("click checkin 3:done", lines.Click("checkin", "3:done")),
        ("join", lines.Membership(joined=True)),
        ("leave", lines.Membership(joined=False)),
        ("exit", lines.Simple("quit")),
        ("   ", lines.Nothing()),
        ("react #4", lines.Unknown(lines.USAGE["react"])),
    ],
)
def test_what_a_typed_line_means(typed: str, meaning: lines.Line) -> None:
    assert lines.parse_line(typed) == meaning


# --- the simulated clock -------------------------------------------------------------------------


def test_a_fast_timeline_is_kept_in_clock_json(tmp_path: Path) -> None:
    origin = datetime(2026, 3, 2, 9, tzinfo=UTC)
    first = choose_timeline(home=tmp_path, fast=60, start_at=origin)
    assert first.tick_seconds == 1.0
    again = choose_timeline(home=tmp_path, fast=60, start_at=None)
    # It resumes where the first one was saved (a moment after the origin), never before.
    assert origin <= again.clock.simulated_origin < origin + timedelta(minutes=5)  # type: ignore[attr-defined]
    faster = choose_timeline(home=tmp_path, fast=120, start_at=None)
    assert faster.tick_seconds == 0.5
    assert faster.clock.simulated_origin >= origin  # type: ignore[attr-defined]
    assert choose_timeline(home=tmp_path, fast=1e5, start_at=None).tick_seconds == 0.05
    real = choose_timeline(home=tmp_path, fast=None, start_at=None)
    assert isinstance(real.clock, SystemClock) and real.tick_seconds == 60
    assert "--fast 100000" in real.note and "--reset-clock" in real.note


def test_simulated_time_stands_still_while_the_console_is_stopped(tmp_path: Path) -> None:
    # A file of the earlier format: anchored ten real seconds ago at 60 times real speed.
    (tmp_path / "clock.json").write_text(
        json.dumps(
            {
                "simulated_origin": "2026-03-02T09:00:00+00:00",
                "real_origin": time.time() - 10,
                "factor": 60,
            }
        )
    )
    now = choose_timeline(home=tmp_path, fast=60, start_at=None).clock.now()
    assert now - datetime(2026, 3, 2, 9, tzinfo=UTC) < timedelta(minutes=1)  # not 10 minutes on


# --- the transcript and exactly-once delivery ----------------------------------------------------


def _quiet_adapter(transcript: Path, printed: io.StringIO | None = None) -> ConsoleAdapter:
    return ConsoleAdapter(
        console=Console(file=printed or io.StringIO(), width=120), transcript=transcript
    )


async def test_the_transcript_records_scheduled_posts_and_find_post_finds_them(
    tmp_path: Path,
) -> None:
    transcript = tmp_path / "transcript.jsonl"
    clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    adapter = _quiet_adapter(transcript)
    settings = Settings(home=tmp_path)
    async with running(
        settings=settings, adapters=[adapter], clock=clock, tick_seconds=None
    ) as bot_app:
        chat = console_chat(bot=bot_app.bot, adapter=adapter)
        await chat.command(START_MML.removeprefix("/study "), by="alice")
        clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))  # 18:00 in Berlin
        report = await bot_app.deliverer.tick()

    written = [json.loads(line) for line in transcript.read_text(encoding="utf-8").splitlines()]
    keyed = [entry for entry in written if entry["key"]]
    assert [entry["key"] for entry in keyed] == report.sent
    assert [entry["kind"] for entry in keyed] == ["post"] + ["thread"] * 4
    kickoff = keyed[0]
    assert kickoff["key"] == "studybot:run1:session1:kickoff:0"
    assert kickoff["channel"] == "study-group"
    assert kickoff["text"].startswith("Week 1 · Session 1 of 12: Introduction and Motivation")
    assert all(entry["thread"] == kickoff["ref"] for entry in keyed[1:])

    later = _quiet_adapter(transcript)  # a new process reading the same file
    for entry in keyed:
        assert await later.find_post(PLACE, entry["key"]) == entry["ref"]
    assert await later.find_post(PLACE, "studybot:run1:session2:kickoff:0") is None


async def test_a_post_sent_just_before_a_kill_is_not_sent_again(tmp_path: Path) -> None:
    transcript = tmp_path / "transcript.jsonl"
    settings = Settings(home=tmp_path)
    clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    first = _quiet_adapter(transcript)
    async with running(
        settings=settings, adapters=[first], clock=clock, tick_seconds=None
    ) as bot_app:
        chat = console_chat(bot=bot_app.bot, adapter=first)
        await chat.command(START_MML.removeprefix("/study "), by="alice")
        clock.set(datetime(2026, 3, 2, 17, 0, tzinfo=UTC))
        claimed = await bot_app.deliverer.claim(clock.now())  # a tick claims the kickoff ...
        kickoff = next(row for row in claimed if row.kind == "kickoff")
        sent_ref = await first.post(
            PLACE, Message(text="(the kickoff)"), key=delivery_key(kickoff)
        )  # ... sends it, and the process dies before recording that it did

    clock.advance(timedelta(minutes=11))  # the claim's lease runs out
    printed = io.StringIO()
    second = _quiet_adapter(transcript, printed)
    async with running(
        settings=settings, adapters=[second], clock=clock, tick_seconds=None
    ) as bot_app:
        report = await bot_app.deliverer.tick()

    assert delivery_key(kickoff) in report.sent
    kickoffs = [e for e in Transcript(path=transcript).entries() if e.key == delivery_key(kickoff)]
    assert [e.ref for e in kickoffs] == [sent_ref]  # recorded from the transcript, not re-sent
    shown = printed.getvalue()
    assert "Week 1 · Session 1" not in shown
    assert shown.count(f"studybot thread on {sent_ref}") == 4  # the threads, never sent, go now


async def test_thread_refs_name_the_thread_to_reply_in(tmp_path: Path) -> None:
    adapter = _quiet_adapter(tmp_path / "t.jsonl")
    await adapter.post(PLACE, Message(text="kickoff"))  # #1
    await adapter.open_thread(PLACE, "#1", Message(text="q1"))  # #2
    await adapter.open_thread(PLACE, "#1", Message(text="q2"))  # #3
    await adapter.post(PLACE, Message(text="question"))  # #4
    await adapter.open_thread(PLACE, "#4", Message(text="answers"))  # #5
    await adapter.reply(PLACE, "#5", Message(text="note"))  # #6
    await adapter.stop()
    assert adapter.thread_for("#2") == "#2"
    assert adapter.thread_for("#4") == "#5"  # a post with one thread
    assert adapter.thread_for("#6") == "#5"  # a message in a thread
    with pytest.raises(NoSuchThread, match=r"There is no message #99 \(they run from #1 to #6"):
        adapter.thread_for("#99")
    with pytest.raises(NoSuchThread, match="#1 has 2 threads: reply to one of #2, #3"):
        adapter.thread_for("#1")
    # A new adapter on the same transcript knows those refs and continues after them.
    again = _quiet_adapter(tmp_path / "t.jsonl")
    assert again.thread_for("#4") == "#5"
    assert await again.post(PLACE, Message(text="next")) == "#7"
    await again.stop()


# --- help, and `studybot run` without a platform --------------------------------------------------


@pytest.mark.parametrize("command", [["console"], ["demo"], ["run"]])
def test_the_new_commands_have_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    assert "--start-at" not in result.output  # a testing aid, hidden


def test_run_without_a_platform_explains_what_it_looks_for(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    for setting in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_APP_TOKEN",
        "DISCORD_BOT_TOKEN",
        "DATABASE_URL",
    ):
        assert setting in result.output
    assert "studybot console" in result.output and "studybot demo" in result.output


def test_run_with_an_unusable_token_says_what_to_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "Bot secret-token-value")
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 1
    assert "without the word 'Bot'" in result.output
    assert "secret-token-value" not in result.output
    assert "studybot console" in result.output


def test_a_second_console_on_the_same_home_is_refused_with_a_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDYBOT_HOME", str(tmp_path))
    with only_console(tmp_path):  # a console is running on this home
        result = runner.invoke(app, ["console", "--as", "ada"], input="/study join\n")
    assert result.exit_code == 1
    assert "Another studybot console is running on" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "studybot.db").exists()  # it touched nothing
    result = runner.invoke(app, ["console", "--as", "ada"], input="/study join\n")
    assert result.exit_code == 0 and "Welcome to the study group" in result.output  # once free


def test_formulas_are_saved_as_pictures_and_their_paths_printed(tmp_path: Path) -> None:
    completed = console(
        tmp_path,
        START_MML,  # #1
        r"/study ask Why is $\det\begin{pmatrix}1&2\\3&4\end{pmatrix} = -2$ and not $2$?",
        r"/study tex \sum_{i=1}^{n} i = \frac{n(n+1)}{2}",
        r"/study tex \frac{1}{",
        args=("--as", "alice", "--start-at", START),
    )
    assert completed.returncode == 0, completed.stderr
    out = flat(completed.stdout)
    images = tmp_path / "images"
    saved = sorted(images.iterdir())
    # The question's formula (the plain "$2$" stays text) and the tex preview; none for the
    # broken one, which gets the sentence instead.
    assert len(saved) == 2 and all(p.name.startswith("formula-") for p in saved), saved
    for picture in saved:
        width, height = png_size(picture.read_bytes())
        assert 40 <= width <= 1000 and 30 <= height <= 400, (picture.name, width, height)
        assert f"picture saved to {picture}" in out
    assert r"\det\begin{pmatrix}1&2\\3&4\end{pmatrix} = -2" in out  # the text is posted too
    assert "does not parse" in out and "Try again with `/study tex <formula>`" in out


def test_a_question_asked_again_is_suggested_and_the_faq_keeps_the_accepted_answer(
    tmp_path: Path,
) -> None:
    completed = console(
        tmp_path,
        START_MML,  # #1
        "/study ask mml-02 What does the rank of a matrix measure?",  # #2, its thread #3
        "as bob",
        "reply #3 The number of linearly independent columns.",  # #4
        "as alice",
        "react #4 ✅",  # accepts bob's answer: #2 edited, a note in the thread
        "as bob",
        "/study ask mml-02 What is measured by the rank of a matrix?",
        "click post-question 2",  # posted after all
        "/study faq mml-02",
        "/study edit 2 What is measured by the rank of a matrix, and why rows?",
        "as alice",
        "/study reopen 1",
        args=("--as", "alice", "--start-at", START),
    )
    assert completed.returncode == 0, completed.stderr
    out = flat(completed.stdout)
    assert "Asked before" in out and "“What does the rank of a matrix measure?” (resolved" in out
    assert "click post-question 2" in out
    assert "Your question is posted as Question 2 (unit mml-02)" in out
    assert "bob's answer did it" in out
    assert "Accepted answer: The number of linearly independent columns." in out
    assert "Edited: its post in the channel now reads as you wrote." in out
    assert "and why rows?" in out  # the post, edited
    assert "Reopened by alice" in out
    assert "bm25s" not in completed.stdout + completed.stderr  # no library's debug lines
