"""Commands under load: `/study checkin` at a fixed rate against ``studybot run`` (Slack over
HTTP, a process of its own) and, in the same run, against a bare slack-bolt app that only acks.

    python bench/commands.py                                  # 200/s for 20 s, SQLite
    python bench/commands.py --rate 100 --duration 10 --members 50
    python bench/commands.py --rounds 3                        # 3 timed windows each; medians
    python bench/commands.py --database-url postgresql://postgres@127.0.0.1/postgres

Both processes are started against the local Slack of the tests (tests/standins/slack_server.py,
on 127.0.0.1), which serves the Web API and the ``response_url`` answers, with the same
settings (SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, PORT), on a fresh database: a
SQLite file, or with ``--database-url`` a new database on that PostgreSQL server, dropped
afterwards. Before anything is timed,
``--members`` members have joined a group reading MML on the Berlin schedule whose first
session has begun (set up on the same database with a simulated clock; ``studybot run`` then
starts just after that session's kickoff, at real speed), the kickoff has been posted, and
every member has checked in once (so users.info is cached, as in a busy group).

The load is open-loop: command ``i`` is sent at ``start + i / rate`` whatever the answers do,
each signed as Slack signs a slash command. For each process it prints:

- ack p50/p99: from sending the slash command to its HTTP answer;
- answer p50/p99 (studybot): from sending it to the private reply: carried by the ack itself
  when it was ready in time, else reaching its response_url;
- CPU per command: the server process's user+sys CPU time (/proc/PID/stat, all its threads)
  from the first command sent until the last answer (bare: the last ack), divided by the
  commands;
- failures: acks that are not 200 or come later than Slack's 3 seconds, and answers that are
  an apology, a "busy" answer, anything else than a check-in, or missing ``--drain`` seconds
  after the last command was sent;

and the ratio of CPU per command, studybot / bare. With ``--rounds N`` the two take turns N
times and the medians are printed too. Figures, not assertions: a shared machine is noisy, and
the load generator shares its cores (its own lag behind the schedule is printed).

To see where studybot's time goes, profile the server process while this runs, e.g.
``py-spy record --pid PID`` (``pip install py-spy``); the PID is printed at the start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # the local Slack lives in tests/

from scratch import fresh_database  # noqa: E402  (bench/, the script's own folder)

from bot.core.clock import FakeClock  # noqa: E402
from bot.core.models import CommandEvent, Person, Place  # noqa: E402
from bot.core.replies import APOLOGY, BUSY  # noqa: E402
from bot.runtime.lifespan import running  # noqa: E402
from bot.runtime.settings import Settings  # noqa: E402
from tests.standins.slack_server import (  # noqa: E402
    APP_ID,
    BOT_TOKEN,
    SIGNING_SECRET,
    TEAM_DOMAIN,
    TEAM_ID,
    SlackStandIn,
    sign,
    visible_text,
)
from tests.standins.slack_workspace import CHANNEL  # noqa: E402

PLANNED = datetime(2026, 10, 1, 12, tzinfo=UTC)  # when the organizer plans the group
KICKOFF = datetime(2026, 10, 5, 16, 30, tzinfo=UTC)  # mml-berlin-mondays, week 1
SERVER_STARTS_AT = KICKOFF + timedelta(minutes=1)  # studybot run's clock, then at real speed
KICKOFF_POSTS = 5  # the kickoff and its four discussion threads
SLACK_ACK_SECONDS = 3.0  # Slack shows the member an error when the ack takes longer
STATUSES = ("done", "partial", "behind")
READY_WITHIN = 60.0

# The least a slack-bolt app can be that answers the same slash command: it only acks.
BARE_BOLT = """
import os
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

client = AsyncWebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"])
app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])


@app.command("/study")
async def study(ack):
    await ack()


app.start(port=int(os.environ["PORT"]), host="127.0.0.1")
"""


class TimedSlack(SlackStandIn):
    """The tests' local Slack, also noting when each answer arrived and what it said (keyed by
    the response_url's id): through the response_url, or in the command's ack (``send``)."""

    def __init__(self) -> None:
        super().__init__()
        self.answered: dict[str, tuple[float, str]] = {}
        self._awaited: set[str] = set()
        self._all_in = asyncio.Event()

    async def _response_url(self, request: web.Request) -> web.Response:
        arrived = time.monotonic()
        payload = await request.json()  # aiohttp keeps the body: the stand-in reads it again
        answer_id = request.match_info["id"]
        self.answered[answer_id] = (arrived, visible_text(payload))
        self._awaited.discard(answer_id)
        if not self._awaited:
            self._all_in.set()
        return await super()._response_url(request)

    async def answers(self, answer_ids: set[str], *, within: float) -> None:
        """Wait until every one of ``answer_ids`` has been answered, or ``within`` seconds."""
        self._awaited = answer_ids - self.answered.keys()
        self._all_in.clear()
        if self._awaited:
            with contextlib.suppress(TimeoutError):  # what is still missing then is missing
                await asyncio.wait_for(self._all_in.wait(), timeout=within)


@dataclass
class Command:
    """One slash command sent: when, how its ack went, and where its answer goes."""

    answer_id: str
    sent: float = 0.0
    acked: float | None = None
    status: int = 0  # 0: no HTTP answer at all (refused connection, time-out)


@dataclass
class Window:
    """One timed window against one process."""

    commands: list[Command]
    cpu_seconds: float
    wall_seconds: float
    answers: dict[str, tuple[float, str]] = field(default_factory=dict)
    behind_ms: float = 0.0  # how far the load generator fell behind its schedule, at most
    generator_cpu: float = 0.0  # the load generator's own CPU seconds in the window


@dataclass
class Server:
    """A server process under test and the URL of its POST /slack/events."""

    name: str
    process: asyncio.subprocess.Process
    url: str
    answers: bool  # whether it answers (studybot: in the ack or via response_url) or only acks

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far, all threads (from /proc/PID/stat)."""
        text = Path(f"/proc/{self.process.pid}/stat").read_text()
        fields = text[text.rindex(")") + 2 :].split()  # the name may hold spaces: skip past it
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def member_ids(count: int) -> list[str]:
    """Slack user ids for the members, in joining order."""
    return [f"U0M{n:06d}" for n in range(count)]


async def set_up_group(args: argparse.Namespace, home: Path, database_url: str) -> None:
    """Plan the group and let every member join, on a simulated clock before the kickoff (the
    same database ``studybot run`` then opens)."""
    settings = Settings(home=home, database_url=database_url)
    async with running(
        settings=settings, adapters=[], clock=FakeClock(PLANNED), tick_seconds=None
    ) as app:
        where = Place(platform="slack", workspace=TEAM_ID, channel=CHANNEL)
        people = [("U0ORGANIZER", "plan mml-berlin-mondays")] + [
            (user, "join") for user in member_ids(args.members)
        ]
        for user, text in people:
            reply = await app.bot.handle(
                CommandEvent(
                    who=Person(user_id=user, name=user.lower()),
                    where=where,
                    event_id=f"setup:{uuid.uuid4()}",
                    text=text,
                )
            )
            shown = reply.message.text if reply is not None else ""
            if not shown.startswith(("Starting", "Welcome")):
                raise SystemExit(f"setting up the group failed: {text!r} got {shown!r}")


async def start_server(
    name: str, command: list[str], env: dict[str, str], log: Path, *, answers: bool
) -> Server:
    """Spawn a server process and wait until its port takes connections."""
    port = free_port()
    with log.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *command,
            env=env | {"PORT": str(port)},
            cwd=REPO,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
        )
    deadline = time.monotonic() + READY_WITHIN
    while True:
        if process.returncode is not None:
            raise SystemExit(f"{name} exited with status {process.returncode}; see {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"{name} did not listen within {READY_WITHIN:g} s; see {log}"
                ) from None
            await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{port}/slack/events"
    return Server(name=name, process=process, url=url, answers=answers)


async def stop_server(server: Server) -> None:
    """SIGTERM, as a service manager stops it; killed if it does not stop in 20 s."""
    if server.process.returncode is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(server.process.wait(), timeout=20)
        except TimeoutError:
            server.process.kill()
            await server.process.wait()


def slash_body(slack: SlackStandIn, *, user: str, channel: str, text: str) -> tuple[bytes, str]:
    """A `/study` slash command as Slack sends it (form fields, as in the tests' workspace),
    and the id of its response_url."""
    response_url = slack.new_response_url(user=user, channel=channel)
    fields = {
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel,
        "channel_name": "study-group",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/study",
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": slack.new_trigger(),
    }
    return urlencode(fields).encode(), response_url.rsplit("/", 1)[-1]


async def send(
    slack: TimedSlack, session: aiohttp.ClientSession, url: str, body: bytes, command: Command
) -> None:
    """POST one signed slash command and note its ack, and its answer when the ack carries one
    (a message payload, as Slack allows for slash commands)."""
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body),
    }
    command.sent = time.monotonic()
    try:
        async with session.post(url, data=body, headers=headers) as response:
            answer = await response.read()
            command.status = response.status
    except (aiohttp.ClientError, TimeoutError):
        command.status = 0
        answer = b""
    command.acked = time.monotonic()
    if command.status == 200 and answer:
        with contextlib.suppress(ValueError):
            payload = json.loads(answer)
            if isinstance(payload, dict) and (payload.get("text") or payload.get("blocks")):
                slack.answered[command.answer_id] = (command.acked, visible_text(payload))


async def load(
    slack: TimedSlack,
    session: aiohttp.ClientSession,
    server: Server,
    users: list[str],
    *,
    rate: float,
    count: int,
    drain: float,
) -> Window:
    """Send ``count`` check-ins at ``rate`` per second, open-loop, and wait for the acks (and
    the answers, from a server that gives them) at most ``drain`` seconds after the last."""
    bodies = [
        slash_body(
            slack,
            user=users[i % len(users)],
            channel=CHANNEL,
            text=f"checkin {STATUSES[i % len(STATUSES)]}",
        )
        for i in range(count)
    ]
    commands = [Command(answer_id=answer_id) for _, answer_id in bodies]
    tasks: list[asyncio.Task[None]] = []
    behind = 0.0
    own_cpu, cpu = time.process_time(), server.cpu_seconds()
    started = time.monotonic()
    for i, (body, _) in enumerate(bodies):
        due = started + i / rate
        if (wait := due - time.monotonic()) > 0:
            await asyncio.sleep(wait)
        behind = max(behind, time.monotonic() - due)
        tasks.append(asyncio.create_task(send(slack, session, server.url, body, commands[i])))
    deadline = time.monotonic() + drain
    _, late = await asyncio.wait(tasks, timeout=max(deadline - time.monotonic(), 0.01))
    for task in late:
        task.cancel()
    wanted = {c.answer_id for c in commands if c.status == 200} if server.answers else set()
    await slack.answers(wanted, within=max(deadline - time.monotonic(), 0.01))
    ended = max(
        [c.acked or 0.0 for c in commands] + [slack.answered.get(a, (0.0,))[0] for a in wanted]
    )
    window = Window(
        commands=commands,
        cpu_seconds=server.cpu_seconds() - cpu,
        wall_seconds=ended - started,
        answers={a: slack.answered[a] for a in wanted if a in slack.answered},
        behind_ms=behind * 1000,
        generator_cpu=time.process_time() - own_cpu,
    )
    await asyncio.sleep(0.5)  # let stragglers settle before the next window starts
    return window


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


@dataclass(frozen=True)
class Figures:
    """What one window comes to."""

    ack_p50: float
    ack_p99: float
    answer_p50: float
    answer_p99: float
    cpu_ms: float
    bad_acks: int
    apologies: int
    busy: int
    other: int
    missing: int

    @property
    def failures(self) -> int:
        """Every way a member would have seen something go wrong."""
        return self.bad_acks + self.apologies + self.busy + self.other + self.missing


def figures(window: Window, *, answers: bool) -> Figures:
    """Latencies in milliseconds, CPU per command, failures by kind."""
    commands = window.commands
    acks = [(c.acked - c.sent) * 1000 for c in commands if c.acked is not None and c.status]
    bad_acks = sum(
        1
        for c in commands
        if c.status != 200 or c.acked is None or c.acked - c.sent > SLACK_ACK_SECONDS
    )
    waits, apologies, busy, other, missing = [], 0, 0, 0, 0
    for command in commands if answers else []:
        if command.status != 200:
            continue  # counted as a bad ack; Slack would not have sent a response_url
        found = window.answers.get(command.answer_id)
        if found is None:
            missing += 1
            continue
        arrived, text = found
        waits.append((arrived - command.sent) * 1000)
        if text == APOLOGY:
            apologies += 1
        elif text == BUSY:
            busy += 1
        elif not text.startswith("Checked in as"):
            other += 1
    nan = float("nan")
    return Figures(
        ack_p50=percentile(acks, 0.50),
        ack_p99=percentile(acks, 0.99),
        answer_p50=percentile(waits, 0.50) if answers else nan,
        answer_p99=percentile(waits, 0.99) if answers else nan,
        cpu_ms=window.cpu_seconds * 1000 / len(commands),
        bad_acks=bad_acks,
        apologies=apologies,
        busy=busy,
        other=other,
        missing=missing,
    )


def cell(value: float, width: int, digits: int = 1) -> str:
    """A number right-aligned in ``width``, or a dash when there is none."""
    return f"{'-':>{width}}" if value != value else f"{value:>{width}.{digits}f}"


def row(label: str, f: Figures) -> str:
    """One line of the table."""
    return (
        f"{label:<22}{cell(f.ack_p50, 8)}{cell(f.ack_p99, 8)}{cell(f.answer_p50, 10)}"
        f"{cell(f.answer_p99, 9)}{cell(f.cpu_ms, 11, 2)}{f.failures:>10}"
    )


def median_figures(rounds: list[Figures]) -> Figures:
    """Each figure's median over the rounds (failures: their sum)."""

    def mid(name: str) -> float:
        values = [getattr(f, name) for f in rounds]
        return float("nan") if any(v != v for v in values) else statistics.median(values)

    def total(name: str) -> int:
        return sum(getattr(f, name) for f in rounds)

    return Figures(
        ack_p50=mid("ack_p50"),
        ack_p99=mid("ack_p99"),
        answer_p50=mid("answer_p50"),
        answer_p99=mid("answer_p99"),
        cpu_ms=mid("cpu_ms"),
        bad_acks=total("bad_acks"),
        apologies=total("apologies"),
        busy=total("busy"),
        other=total("other"),
        missing=total("missing"),
    )


async def main(args: argparse.Namespace) -> None:
    """Set up, start both servers, warm them up, then time them in turns."""
    slack = TimedSlack()
    await slack.start()
    for user in member_ids(args.members):
        slack.add_user(user, user.lower())
    servers: list[Server] = []
    try:
        with tempfile.TemporaryDirectory(prefix="studybot-commands-") as folder:
            async with fresh_database(
                args.database_url, Path(folder), name="commands"
            ) as database_url:
                home, log = Path(folder), Path(folder) / "servers.log"
                await set_up_group(args, home, database_url)
                env = {
                    k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_"))
                }
                env |= {
                    "STUDYBOT_HOME": str(home),
                    "DATABASE_URL": database_url,
                    "SLACK_BOT_TOKEN": BOT_TOKEN,
                    "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                    "SLACK_API_URL": slack.api_url,
                }
                clock = ("--start-at", SERVER_STARTS_AT.isoformat())
                command = [sys.executable, "-m", "bot", "run", *clock]
                servers.append(await start_server("studybot run", command, env, log, answers=True))
                bare_command = [sys.executable, "-c", BARE_BOLT]
                servers.append(
                    await start_server("bare slack-bolt", bare_command, env, log, answers=False)
                )
                await time_both(args, slack, *servers)
    finally:
        for server in servers:
            await stop_server(server)
        await slack.close()


async def time_both(
    args: argparse.Namespace, slack: TimedSlack, studybot: Server, bare: Server
) -> None:
    """Warm both servers up, then time them in turns and print the figures."""
    count = round(args.rate * args.duration)
    users = member_ids(args.members)
    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{args.rate:g} checkins/s for {args.duration:g} s ({count} commands) x "
        f"{args.rounds} round(s); {args.members} members in one running group; {database}; "
        f"studybot pid {studybot.process.pid}, bare pid {bare.process.pid}"
    )
    # The kickoff falls due as studybot starts: let it go out before anything is timed.
    await slack.wait_for(
        lambda: len(slack.called("chat.postMessage")) >= KICKOFF_POSTS,
        what="the kickoff",
        within=30,
    )
    connector = aiohttp.TCPConnector(limit=0)  # open-loop: never queue in the client
    timeout = aiohttp.ClientTimeout(total=args.drain + args.duration)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        for server in (bare, studybot):  # every member once: users.info is cached after that
            warm = await load(
                slack, session, server, users,
                rate=min(args.rate, 100.0), count=len(users), drain=args.drain,
            )  # fmt: skip
            if (f := figures(warm, answers=server.answers)).failures:
                print(f"note: {f.failures} failures while warming up {server.name}")
        results: dict[str, list[Figures]] = {bare.name: [], studybot.name: []}
        windows: list[Window] = []
        print(
            f"{'':<22}{'ack ms':>16}{'answer ms':>19}{'CPU ms':>11}{'failures':>10}\n"
            f"{'':<22}{'p50':>8}{'p99':>8}{'p50':>10}{'p99':>9}{'/command':>11}"
        )
        for round_ in range(args.rounds):
            for server in (bare, studybot) if round_ % 2 == 0 else (studybot, bare):
                window = await load(
                    slack, session, server, users,
                    rate=args.rate, count=count, drain=args.drain,
                )  # fmt: skip
                windows.append(window)
                results[server.name].append(figures(window, answers=server.answers))
                print(row(f"{server.name} #{round_ + 1}", results[server.name][-1]), flush=True)
    report(results, windows, args)


def report(
    results: dict[str, list[Figures]], windows: list[Window], args: argparse.Namespace
) -> None:
    """The medians (over rounds), the CPU ratio, the failures by kind, the generator's lag."""
    bare, ours = (median_figures(r) for r in results.values())
    if args.rounds > 1:
        print(f"median of {args.rounds} rounds:")
        print(row("bare slack-bolt", bare))
        print(row("studybot run", ours))
    print(f"CPU per command, studybot / bare: {ours.cpu_ms / bare.cpu_ms:.2f}x")
    print(
        f"studybot failures: {ours.bad_acks} acks not 200 or over {SLACK_ACK_SECONDS:g} s, "
        f"{ours.apologies} apologies, {ours.busy} busy, {ours.other} other answers, "
        f"{ours.missing} missing after {args.drain:g} s; bare: {bare.bad_acks} acks"
    )
    behind = max(w.behind_ms for w in windows)
    load_cpu = max(w.generator_cpu / w.wall_seconds for w in windows)
    print(
        f"load generator: at most {behind:.1f} ms behind its schedule; "
        f"its own CPU at most {load_cpu:.0%} of a core"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=200.0, help="checkins per second")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of load per window")
    parser.add_argument("--members", type=int, default=200, help="members of the group")
    parser.add_argument("--rounds", type=int, default=1, help="timed windows of each server")
    parser.add_argument(
        "--drain", type=float, default=15.0, help="seconds after the last command to wait"
    )
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    asyncio.run(main(parser.parse_args()))
