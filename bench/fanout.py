"""Fan-out: N groups whose kickoffs fall due in the same minute, through a local Slack that
enforces Slack's limits on chat.postMessage (429 beyond them) and takes a latency per call.

    python bench/fanout.py                               # 100 groups, SQLite, one process
    python bench/fanout.py --groups 1000 --workspace-rate 20 --now-only
    python bench/fanout.py --groups 1000 --workspace-rate 20 --now-only --processes 3 \\
        --database-url postgresql://postgres@127.0.0.1/postgres

Each group reads MML on the Berlin schedule: at its first meeting the ledger holds a kickoff
and four discussion threads per group. With one process the same fan-out runs twice, side by
side: the engine as it was (one post after another, no pacing) and as it is (channels side by
side, each paced). With ``--processes N`` (PostgreSQL: the bench makes a database of its own on
that server and drops it after), N worker processes share the ledger and the one workspace
ceiling; the clock starts when every worker is ready and stops when the last one is done.
Prints the time, the ideal the limits allow, their ratio, posts per second, 429s, duplicates
and losses. Figures, not assertions: a shared machine is noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the local Slack lives in tests/

from scratch import fresh_database  # bench/, the script's own folder
from sqlalchemy import func, select

from bot.adapters.slack.adapter import SlackAdapter
from bot.adapters.slack.settings import SlackSettings
from bot.core.clock import ScaledClock
from bot.core.models import CommandEvent, Person, Place
from bot.domain.states import DeliveryStatus
from bot.runtime.lifespan import App, running
from bot.runtime.settings import Settings
from bot.store.models import Delivery
from tests.standins.slack_server import BOT_TOKEN, SIGNING_SECRET, SlackStandIn
from tests.standins.slack_workspace import TEAM_ID

PLANNED = datetime(2026, 10, 1, 12, tzinfo=UTC)
KICKOFF = datetime(2026, 10, 5, 16, 30, tzinfo=UTC)  # mml-berlin-mondays, week 1
POSTS_PER_GROUP = 5  # the kickoff and its four discussion threads


class JumpClock(ScaledClock):
    """Real time from a simulated moment, which ``set`` moves: plan days ahead, then jump to
    the kickoff and let the sending take the real time it takes."""

    def __init__(self, moment: datetime) -> None:
        super().__init__(factor=1, simulated_origin=moment)

    def set(self, moment: datetime) -> None:
        """Now is ``moment``; the clock runs on from there."""
        self.simulated_origin, self.real_origin = moment, time.time()


@contextlib.asynccontextmanager
async def bot_on(
    args: argparse.Namespace, api_url: str, database_url: str, home: Path, clock: JumpClock
) -> AsyncIterator[App]:
    """The bot on Slack over HTTP (port 0: nothing sends it requests here), ticked by hand."""
    slack = SlackSettings(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        app_token=None,
        api_url=api_url,
        port=0,
        channel_rate=args.channel_rate,
        workspace_rate=args.workspace_rate,
    )
    adapter = SlackAdapter(settings=slack, host="127.0.0.1")
    settings = Settings(home=home, database_url=database_url)
    async with running(
        settings=settings, adapters=[adapter], clock=clock, tick_seconds=None
    ) as app:
        yield app


async def plan_groups(app: App, groups: int) -> None:
    """``groups`` channels, each planning MML on the Berlin schedule."""
    ada = Person(user_id="U0ADA", name="ada")
    for n in range(groups):
        where = Place(platform="slack", workspace=TEAM_ID, channel=f"C{n:06d}")
        plan = CommandEvent(
            who=ada, where=where, event_id=f"plan-{n}", text="plan mml-berlin-mondays"
        )
        await app.bot.handle(plan)


async def unfinished(app: App) -> int:
    """Rows of the first meetings not yet sent (pending, or claimed by a worker)."""
    async with app.bot.sessionmaker() as db:
        count = await db.scalar(
            select(func.count()).where(
                Delivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]),
                Delivery.due_at <= KICKOFF + timedelta(minutes=1),
            )
        )
    return count or 0


async def send_until_done(app: App) -> None:
    """Tick until every due row is sent by someone (another worker may still hold some)."""
    while True:
        report = await app.deliverer.tick()
        if not (report.sent or report.retry) and not await unfinished(app):
            return
        if not report.sent:
            await asyncio.sleep(0.05)  # the rest is claimed by other workers: look again soon


def standin_for(args: argparse.Namespace) -> SlackStandIn:
    """The local Slack, enforcing the limits and taking the latency asked for."""
    standin = SlackStandIn()
    standin.delays["chat.postMessage"] = args.latency_ms / 1000
    standin.channel_limit, standin.workspace_limit = args.channel_rate, args.workspace_rate
    return standin


def tally(args: argparse.Namespace, standin: SlackStandIn, seconds: float) -> dict[str, float]:
    """Posts the stand-in created, by key: sent, duplicates, losses; and its 429s."""
    posts = [c for c in standin.calls if c.method == "chat.postMessage"]
    keys = Counter(
        str(c.arguments.get("metadata", {}).get("event_payload", {}).get("key"))
        for c in posts
        if c.status == 200 and isinstance(c.arguments.get("metadata"), dict)
    )
    expected = args.groups * POSTS_PER_GROUP
    return {
        "seconds": seconds,
        "sent": sum(keys.values()),
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "lost": max(expected - len(keys), 0),
        "429s": sum(1 for c in posts if c.status == 429),
    }


async def fan_out(
    args: argparse.Namespace, database_url: str, home: Path, *, paced: bool
) -> dict[str, float]:
    """One process: plan the groups, jump to their kickoff, and time the tick that sends it."""
    standin = standin_for(args)
    await standin.start()
    clock = JumpClock(PLANNED)
    try:
        async with bot_on(args, standin.api_url, database_url, home, clock) as app:
            if not paced:  # the engine as it was: one post after another, nothing paced
                app.deliverer.in_flight, app.deliverer.pacer.enabled = 1, False
            await plan_groups(app, args.groups)
            clock.set(KICKOFF)
            started = time.perf_counter()
            await send_until_done(app)
            elapsed = time.perf_counter() - started
    finally:
        await standin.close()
    return tally(args, standin, elapsed)


async def fan_out_in_processes(
    args: argparse.Namespace, database_url: str, home: Path
) -> dict[str, float]:
    """``args.processes`` workers share the ledger: plan here, then time the workers."""
    standin = standin_for(args)
    await standin.start()
    try:
        async with bot_on(args, standin.api_url, database_url, home, JumpClock(PLANNED)) as app:
            await plan_groups(app, args.groups)
        command = [
            sys.executable,
            __file__,
            "--worker",
            f"--api-url={standin.api_url}",
            f"--database-url={database_url}",
            f"--channel-rate={args.channel_rate}",
        ]
        if args.workspace_rate:
            command.append(f"--workspace-rate={args.workspace_rate}")
        workers = [
            await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                cwd=home,
            )
            for _ in range(args.processes)
        ]
        for worker in workers:  # each says "ready" once started
            assert worker.stdout is not None
            assert (await worker.stdout.readline()).strip() == b"ready"
        started = time.perf_counter()
        for worker in workers:
            assert worker.stdin is not None
            worker.stdin.write(b"go\n")
            await worker.stdin.drain()
        codes = [await worker.wait() for worker in workers]
        elapsed = time.perf_counter() - started
        assert codes == [0] * len(workers), codes
    finally:
        await standin.close()
    return tally(args, standin, elapsed)


async def worker(args: argparse.Namespace) -> None:
    """One of several processes: start, say ready, wait for go, send until all is sent."""
    async with bot_on(args, args.api_url, args.database_url, Path(), JumpClock(KICKOFF)) as app:
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        await send_until_done(app)


def ideal_seconds(args: argparse.Namespace) -> float:
    """The least time the limits allow: a channel's five posts at its rate, or every post at
    the workspace's, whichever is longer, plus one call's latency."""
    channel = (POSTS_PER_GROUP - 1) / args.channel_rate
    workspace = args.groups * POSTS_PER_GROUP / args.workspace_rate if args.workspace_rate else 0.0
    return max(channel, workspace) + args.latency_ms / 1000


async def main(args: argparse.Namespace) -> None:
    """Run the engines on fresh databases and print them side by side."""
    ideal = ideal_seconds(args)
    where = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{args.groups} groups x {POSTS_PER_GROUP} posts due at once; limits: "
        f"{args.channel_rate:g}/s per channel, "
        f"{f'{args.workspace_rate:g}/s' if args.workspace_rate else 'no'} workspace ceiling; "
        f"{args.latency_ms:g} ms per call; {where}; ideal {ideal:.1f} s"
    )
    print(
        f"{'engine':<32}{'seconds':>9}{'x ideal':>9}{'posts/s':>9}{'429s':>7}{'dup':>5}{'lost':>6}"
    )
    engines = [("one at a time (before)", False), ("side by side, paced (now)", True)]
    if args.processes > 1:
        engines = [(f"now, {args.processes} processes", True)]
    elif args.now_only:
        engines = engines[1:]
    for label, paced in engines:
        with tempfile.TemporaryDirectory(prefix="studybot-fanout-") as folder:
            async with fresh_database(args.database_url, Path(folder), name="fanout") as url:
                if args.processes > 1:
                    result = await fan_out_in_processes(args, url, Path(folder))
                else:
                    result = await fan_out(args, url, Path(folder), paced=paced)
        rate = result["sent"] / result["seconds"]
        print(
            f"{label:<32}{result['seconds']:>9.1f}{result['seconds'] / ideal:>9.2f}{rate:>9.1f}"
            f"{result['429s']:>7.0f}{result['duplicates']:>5.0f}{result['lost']:>6.0f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--channel-rate", type=float, default=1.0, help="posts/s per channel")
    parser.add_argument(
        "--workspace-rate", type=float, default=None, help="posts/s per workspace (default: none)"
    )
    parser.add_argument("--latency-ms", type=float, default=50.0, help="per Web API call")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    parser.add_argument("--processes", type=int, default=1, help="workers sharing the ledger")
    parser.add_argument(
        "--now-only", action="store_true", help="skip the one-at-a-time run (slow for many groups)"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", default="", help=argparse.SUPPRESS)
    parsed = parser.parse_args()
    asyncio.run(worker(parsed) if parsed.worker else main(parsed))
