"""Start to ready, and idle memory: ``studybot run`` on Slack over HTTP beside a bare slack-bolt app.

    python bench/startup.py              # 7 starts of each, side by side
    python bench/startup.py --runs 15 --settle 3
    python bench/startup.py --checkout ../studybot-before   # another clone: before and after

Both start as processes of their own against the local Slack of the tests (Web API on
127.0.0.1), on a free port, with the same settings (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET,
SLACK_API_URL, PORT). studybot's database is created and brought to the newest migration once
beforehand, as it is on every start after the first. "Ready" is the moment the first request
to the port is answered: a url_verification signed as Slack signs it, sent every 5 ms from the
moment the process is spawned. The clock starts just before the spawn, so the interpreter's own
start counts for both. The CPU time the process used by then (user and system, from
/proc/PID/stat) is printed too: unlike the wall clock, it hardly moves when other work shares the
machine. After each start the process idles for ``--settle`` seconds; its VmRSS (from
/proc/PID/status) is the idle memory. One uncounted start of each goes first (it writes
the bytecode caches). Prints the median and spread (min-max) of each, and their ratio. Figures,
not assertions: a shared machine is noisy.

To see where a start's time goes, run it under Python's import timer and sort by the cumulative
column (microseconds). With SLACK_API_URL on a closed port, ``run`` does all its imports, fails
its token check and stops at once (``studybot db upgrade`` first, or Alembic's run shows too):

    studybot db upgrade
    SLACK_BOT_TOKEN=xoxb-1 SLACK_SIGNING_SECRET=s SLACK_API_URL=http://127.0.0.1:9/ \
        python -X importtime -m bot run 2> imports.txt
    sort -t'|' -k2 -n -r imports.txt | head -40

A module imported with ``importlib.import_module`` (each command's module: bot/cli/app.py) gets
no line of its own; its imports show at the top level. ``--help`` instead of ``run`` shows what
every command costs. tests/test_startup.py lists the modules of a real Slack-only start and
keeps the heavy ones out (discord.py, Alembic, pydantic, yaml, icalendar, ...).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the local Slack lives in tests/

from tests.standins.slack_server import BOT_TOKEN, SIGNING_SECRET, SlackStandIn, sign  # noqa: E402

POLL_SECONDS = 0.005
READY_WITHIN = 30.0  # seconds; a start slower than this is reported as a failure

# The least a slack-bolt app serving Slack over HTTP can be: no listeners, no database.
BARE_BOLT = """
import os
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])
app.start(port=int(os.environ["PORT"]), host="127.0.0.1")
"""

COMMANDS = {
    "studybot run": [sys.executable, "-m", "bot", "run"],
    "bare slack-bolt": [sys.executable, "-c", BARE_BOLT],
}


@dataclass(frozen=True)
class Start:
    """One start: seconds from spawn to the first answer, the CPU seconds the process used by
    then, and VmRSS (bytes) once idle."""

    seconds: float
    cpu: float
    rss: int
    status: int  # the HTTP status of the first answer (200 for a url_verification answered)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def vm_rss(pid: int) -> int:
    """The process's resident memory in bytes, as the kernel counts it."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def last_lines(path: Path, count: int = 20) -> str:
    """The end of a log file."""
    return "\n".join(path.read_text(errors="replace").splitlines()[-count:])


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (from /proc/PID/stat)."""
    # Fields after the command name, which is in parentheses and may hold spaces.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def base_env(standin: SlackStandIn, home: Path) -> dict[str, str]:
    """The environment both processes get: this one without chat or database settings, plus
    the stand-in's Slack settings and a STUDYBOT_HOME of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))}
    env.pop("DATABASE_URL", None)
    return env | {
        "STUDYBOT_HOME": str(home),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": standin.api_url,
    }


async def first_answer(
    session: aiohttp.ClientSession, port: int, process: asyncio.subprocess.Process
) -> int:
    """Send a signed url_verification until one is answered; its HTTP status."""
    body = json.dumps({"type": "url_verification", "challenge": "ready", "token": "t"}).encode()
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if process.returncode is not None:
            raise RuntimeError(f"exited with status {process.returncode} before it was ready")
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body),
        }
        try:
            async with session.post(
                f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers
            ) as response:
                await response.read()
                return response.status
        except aiohttp.ClientConnectionError:  # not listening yet
            await asyncio.sleep(POLL_SECONDS)
    raise RuntimeError(f"not ready within {READY_WITHIN:g} s")


async def start_once(
    name: str,
    env: dict[str, str],
    session: aiohttp.ClientSession,
    *,
    cwd: Path,
    settle: float,
    log: Path,
) -> Start:
    """Spawn one process, time it to its first answer, let it idle, read its memory, stop it."""
    port = free_port()
    with log.open("ab") as output:
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *COMMANDS[name],
            env=env | {"PORT": str(port)},
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        status = await first_answer(session, port, process)
        seconds = time.perf_counter() - started
        cpu = cpu_seconds(process.pid)
        await asyncio.sleep(settle)  # idle: what it holds once started, not while starting
        rss = vm_rss(process.pid)
    except RuntimeError as error:
        # The log lives in a temporary folder that is gone once this ends: show its end now.
        raise SystemExit(f"{name}: {error}; the last lines it wrote:\n{last_lines(log)}") from None
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=20)
            except TimeoutError:
                process.kill()
                await process.wait()
    return Start(seconds=seconds, cpu=cpu, rss=rss, status=status)


def create_database(env: dict[str, str], log: Path, *, cwd: Path) -> None:
    """``studybot db upgrade`` once, so every timed start finds the database at head."""
    with log.open("ab") as output:
        subprocess.run(
            [sys.executable, "-m", "bot", "db", "upgrade"],
            env=env,
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=True,
        )


def spread(values: list[float], digits: int) -> str:
    """Median, min and max, each in a column of 7."""
    return "".join(
        f"{v:7.{digits}f}" for v in (statistics.median(values), min(values), max(values))
    )


async def main(args: argparse.Namespace) -> None:
    """Warm up, then start both processes ``args.runs`` times, alternating which goes first."""
    standin = SlackStandIn()
    await standin.start()
    try:
        with tempfile.TemporaryDirectory(prefix="studybot-startup-") as folder:
            home, log = Path(folder), Path(folder) / "processes.log"
            env = base_env(standin, home)
            # ``python -m bot`` imports the bot package of the folder it runs in.
            cwd = {"studybot run": args.checkout or REPO, "bare slack-bolt": REPO}
            create_database(env, log, cwd=cwd["studybot run"])
            results: dict[str, list[Start]] = {name: [] for name in COMMANDS}
            async with aiohttp.ClientSession() as session:
                for name in COMMANDS:  # warm-up: bytecode caches, the page cache
                    await start_once(name, env, session, cwd=cwd[name], settle=0, log=log)
                for run in range(args.runs):
                    order = list(COMMANDS) if run % 2 == 0 else list(reversed(COMMANDS))
                    for name in order:
                        start = await start_once(
                            name, env, session, cwd=cwd[name], settle=args.settle, log=log
                        )
                        results[name].append(start)
            report(results, args)
    finally:
        await standin.close()


def report(results: dict[str, list[Start]], args: argparse.Namespace) -> None:
    """The table: start to ready, CPU to ready and idle RSS per process, then the ratios of
    studybot's medians to bolt's."""
    print(
        f"{args.runs} starts of each, Slack over HTTP against a local Slack; idle RSS "
        f"{args.settle:g} s after ready"
    )
    columns = ("start to ready (s)", "CPU to ready (s)", "idle RSS (MB)")
    print(f"{'':<18}" + "   ".join(f"{c:>21}" for c in columns))
    print(f"{'':<18}" + "   ".join(f"{'median    min    max':>21}" for _ in columns))
    for name, starts in results.items():
        figures = (
            spread([s.seconds for s in starts], 2),
            spread([s.cpu for s in starts], 2),
            spread([s.rss / 2**20 for s in starts], 1),
        )
        print(f"{name:<18}" + "   ".join(figures))
    ours, bolt = results["studybot run"], results["bare slack-bolt"]
    ratios = [
        statistics.median(getattr(s, field) for s in ours)
        / statistics.median(getattr(s, field) for s in bolt)
        for field in ("seconds", "cpu", "rss")
    ]
    print(f"{'ratio':<18}" + "   ".join(f"{r:6.2f}x{'':14}" for r in ratios).rstrip())
    odd = sorted({s.status for starts in results.values() for s in starts} - {200})
    if odd:
        print(f"note: some first answers were HTTP {odd}, not 200 (the time is still the first)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed starts of each (default 7)")
    parser.add_argument(
        "--settle", type=float, default=2.0, help="seconds idle before reading VmRSS (default 2)"
    )
    parser.add_argument(
        "--checkout",
        type=Path,
        default=None,
        help="start studybot from this clone or worktree instead (e.g. the code before a change)",
    )
    asyncio.run(main(parser.parse_args()))
