"""How much an idle delivery tick costs as the number of running groups grows.

    python bench/tick_cost.py                 # SQLite in a temporary folder
    python bench/tick_cost.py --database-url postgresql://postgres@127.0.0.1/test_bench

Each group runs MML on the Berlin schedule (12 sessions, about 90 ledger rows). The clock stands
between two posts, so nothing is due: the tick is the single indexed query that finds nothing.
Prints the median tick time per group count and its ratio to the smallest count; a flat ratio
means the tick does not grow with the number of groups.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.memory import MemoryAdapter, MemoryChat
from bot.core.clock import FakeClock
from bot.runtime.lifespan import running
from bot.runtime.settings import Settings


async def measure(settings: Settings, counts: list[int], ticks: int) -> list[tuple[int, float]]:
    """Grow to each group count in turn and time ``ticks`` idle ticks at each: (count, median s)."""
    clock = FakeClock(datetime(2026, 10, 1, 12, tzinfo=UTC))
    adapter = MemoryAdapter(clock=clock)
    async with running(
        settings=settings, adapters=[adapter], clock=clock, tick_seconds=None
    ) as app:
        chat = MemoryChat(bot=app.bot, adapter=adapter)
        results = []
        groups = 0
        for count in counts:
            while groups < count:
                chat.channel = f"group-{groups}"
                await chat.command("plan mml-berlin-mondays", by="organizer")
                groups += 1
            await app.deliverer.tick()  # warm up
            samples = []
            for _ in range(ticks):
                started = time.perf_counter()
                report = await app.deliverer.tick()
                samples.append(time.perf_counter() - started)
                assert not report.sent, "nothing should be due"
            results.append((count, statistics.median(samples)))
    return results


def main() -> None:
    """Parse the options, measure, and print one table row per group count."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--groups", default="1,10,100,300")
    parser.add_argument("--ticks", type=int, default=50)
    args = parser.parse_args()
    counts = [int(n) for n in args.groups.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        settings = Settings(home=Path(folder), database_url=url)  # shipped content and schedules
        results = asyncio.run(measure(settings, counts, args.ticks))
    base = results[0][1]
    print(f"idle tick, median of {args.ticks} ({url.split('://')[0]}):")
    print(f"{'groups':>8} {'ledger rows':>12} {'tick ms':>9} {'ratio':>7}")
    for count, seconds in results:
        print(f"{count:>8} {count * 90:>12} {seconds * 1000:>9.2f} {seconds / base:>7.2f}")


if __name__ == "__main__":
    main()
