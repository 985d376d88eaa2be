"""Fan-out: N groups whose kickoffs fall due in the same minute, through a local Slack that
enforces Slack's limits on chat.postMessage (429 beyond them) and takes a latency per call.

    python bench/fanout.py                               # 100 groups, SQLite
    python bench/fanout.py --groups 300 --workspace-rate 20
    python bench/fanout.py --database-url postgresql://postgres@127.0.0.1/test_bench

Each group reads MML on the Berlin schedule: at its first meeting the ledger holds a kickoff
and four discussion threads per group. The same fan-out runs twice, side by side: the engine as
it was (one post after another, no pacing) and as it is (channels side by side, each paced).
Prints the time, the ideal the limits allow, their ratio, posts per second, 429s, duplicates
and losses. Figures, not assertions: a shared machine is noisy.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the local Slack lives in tests/

from bot.adapters.slack.adapter import SlackAdapter
from bot.adapters.slack.settings import SlackSettings
from bot.core.clock import FakeClock
from bot.core.models import CommandEvent, Person, Place
from bot.runtime.lifespan import running
from bot.runtime.settings import Settings
from tests.standins.slack_server import APP_TOKEN, BOT_TOKEN, SIGNING_SECRET, SlackStandIn
from tests.standins.slack_workspace import TEAM_ID

PLANNED = datetime(2026, 10, 1, 12, tzinfo=UTC)
KICKOFF = datetime(2026, 10, 5, 16, 30, tzinfo=UTC)  # mml-berlin-mondays, week 1
POSTS_PER_GROUP = 5  # the kickoff and its four discussion threads


async def fan_out(
    args: argparse.Namespace, database_url: str, home: Path, *, paced: bool
) -> dict[str, float]:
    """Plan ``args.groups`` groups, jump to their kickoff, and time the tick that sends it."""
    standin = SlackStandIn()
    standin.delays["chat.postMessage"] = args.latency_ms / 1000
    standin.channel_limit, standin.workspace_limit = args.channel_rate, args.workspace_rate
    await standin.start()
    slack = SlackSettings(
        bot_token=BOT_TOKEN,
        signing_secret=SIGNING_SECRET,
        app_token=APP_TOKEN,  # Socket Mode: the stand-in serves the socket; nothing listens
        api_url=standin.api_url,
        port=0,
        channel_rate=args.channel_rate,
        workspace_rate=args.workspace_rate,
    )
    adapter = SlackAdapter(settings=slack, host="127.0.0.1")
    clock = FakeClock(PLANNED)
    settings = Settings(home=home, database_url=database_url)
    try:
        async with running(
            settings=settings, adapters=[adapter], clock=clock, tick_seconds=None
        ) as app:
            if not paced:  # the engine as it was: one post after another, nothing paced
                app.deliverer.in_flight, app.deliverer.pace_channels = 1, False
            ada = Person(user_id="U0ADA", name="ada")
            for n in range(args.groups):
                where = Place(platform="slack", workspace=TEAM_ID, channel=f"C{n:06d}")
                await app.bot.handle(
                    CommandEvent(
                        who=ada, where=where, event_id=f"plan-{n}", text="plan mml-berlin-mondays"
                    )
                )
            clock.set(KICKOFF)
            started = time.perf_counter()
            await app.deliverer.tick()
            elapsed = time.perf_counter() - started
    finally:
        await standin.close()
    posts = [c for c in standin.calls if c.method == "chat.postMessage"]
    keys = Counter(
        str(c.arguments.get("metadata", {}).get("event_payload", {}).get("key"))
        for c in posts
        if c.status == 200 and isinstance(c.arguments.get("metadata"), dict)
    )
    expected = args.groups * POSTS_PER_GROUP
    return {
        "seconds": elapsed,
        "sent": sum(keys.values()),
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "lost": max(expected - len(keys), 0),
        "429s": sum(1 for c in posts if c.status == 429),
    }


def ideal_seconds(args: argparse.Namespace) -> float:
    """The least time the limits allow: a channel's five posts at its rate, or every post at
    the workspace's, whichever is longer, plus one call's latency."""
    channel = (POSTS_PER_GROUP - 1) / args.channel_rate
    workspace = args.groups * POSTS_PER_GROUP / args.workspace_rate if args.workspace_rate else 0.0
    return max(channel, workspace) + args.latency_ms / 1000


async def main(args: argparse.Namespace) -> None:
    """Run both engines on fresh databases and print them side by side."""
    ideal = ideal_seconds(args)
    print(
        f"{args.groups} groups x {POSTS_PER_GROUP} posts due at once; limits: "
        f"{args.channel_rate:g}/s per channel, "
        f"{f'{args.workspace_rate:g}/s' if args.workspace_rate else 'no'} workspace ceiling; "
        f"{args.latency_ms:g} ms per call; ideal {ideal:.1f} s"
    )
    print(
        f"{'engine':<28}{'seconds':>9}{'x ideal':>9}{'posts/s':>9}{'429s':>7}{'dup':>5}{'lost':>6}"
    )
    engines = [("one at a time (before)", False), ("side by side, paced (now)", True)]
    for label, paced in engines[1:] if args.now_only else engines:
        with tempfile.TemporaryDirectory(prefix="studybot-fanout-") as folder:
            url = args.database_url or f"sqlite:///{Path(folder) / 'fanout.db'}"
            result = await fan_out(args, url, Path(folder), paced=paced)
        rate = result["sent"] / result["seconds"]
        print(
            f"{label:<28}{result['seconds']:>9.1f}{result['seconds'] / ideal:>9.2f}{rate:>9.1f}"
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
    parser.add_argument(
        "--now-only", action="store_true", help="skip the one-at-a-time run (slow for many groups)"
    )
    asyncio.run(main(parser.parse_args()))
