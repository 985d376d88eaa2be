"""``studybot demo``: a simulated cohort reading a syllabus, printed as the channel would show it.

Everything is real except time and people: the bot, the delivery ledger and the console renderer
run on a throwaway SQLite database, while a FakeClock jumps from one moment of the week to the
next and calls ``deliverer.tick()`` itself, so weeks pass in seconds. Members are scripted with a
seeded random generator, so the output is the same every time.
"""

from __future__ import annotations

import asyncio
import random
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.text import Text
from sqlalchemy import select

from bot.adapters.chat import Chat
from bot.adapters.console.adapter import ConsoleAdapter, console_chat
from bot.adapters.console.render import print_indented
from bot.cli.logs import quiet_logging
from bot.cli.output import out, say
from bot.core.clock import FakeClock
from bot.domain.datafile import DataFileError
from bot.domain.errors import StudybotError
from bot.domain.library import Library
from bot.domain.states import DeliveryStatus
from bot.runtime.lifespan import App, running
from bot.runtime.settings import Settings
from bot.store.models import Delivery, Meeting

START = datetime(2026, 9, 28, 7, 0, tzinfo=UTC)  # a Monday morning; fixed for a stable output
ZONE = "Europe/Berlin"
ORGANIZER = "Ada"
MEMBERS = ("Ben", "Chloé", "Dev", "Emeka")
SEED = 2026

# (question, answer), one per week in the order of the mml chapters (other syllabi cycle through
# them). Formulas in $...$ as members type them.
QUESTIONS = (
    (
        r"The book writes a model as $f(x; \theta)$ and learning as choosing $\theta$. "
        r"Is choosing $f$ itself learning too?",
        r"Not in the book's sense: picking $f$ is model selection. In practice you fit "
        r"$\theta$ for each candidate $f$ and compare them on held-out data, so it is a second, "
        "outer level of fitting (chapter 8 comes back to it).",
    ),
    (
        r"When exactly is $X^\top X$ invertible? Asking for $w = (X^\top X)^{-1} X^\top y$.",
        r"Exactly when the columns of $X$ are independent: $X^\top X v = 0$ gives "
        r"$\|Xv\|^2 = v^\top X^\top X v = 0$, so $Xv = 0$. One-hot columns plus an intercept "
        r"break it; ridge regression adds $\lambda I$ and fixes it.",
    ),
    (
        r"Is $\|x\|_2 \le \|x\|_1 \le \sqrt{n}\,\|x\|_2$ always true? "
        "I am trying to see why the lasso gives sparse weights.",
        r"Yes. Squaring $\|x\|_1$ gives $\|x\|_2^2$ plus nonnegative cross terms; the other "
        r"side is Cauchy-Schwarz with the all-ones vector. The $\ell_1$ ball has corners on the "
        r"axes, and the loss contours tend to touch it there, where some weights are exactly $0$.",
    ),
    (
        r"Why is $\det(AB) = \det(A)\det(B)$ while $\det(A + B)$ has no such rule? "
        "Is there an intuition with volumes?",
        r"Think of $\det$ as the factor by which a map scales volume: doing $B$ and then $A$ "
        r"scales by $\det B$ and then by $\det A$. Adding two maps does not compose them, so "
        r"nothing forces the volumes to combine. In 2D, $\det(I + I) = \det(2I) = 4$, not $2$.",
    ),
    (
        r"In backprop, why is the gradient of $L(Wx)$ with respect to $W$ equal to "
        r"$\delta x^\top$ and not $x \delta^\top$?",
        r"Let the shapes decide: $W$ is $m \times n$, $\delta = \partial L / \partial (Wx)$ is "
        r"$m \times 1$ and $x$ is $n \times 1$, so only $\delta x^\top$ has the shape of $W$. "
        r"Its entry $(i, j)$ is $\delta_i x_j$, exactly the chain rule for $W_{ij}$.",
    ),
    (
        r"In $p(\theta \mid D) = p(D \mid \theta)\,p(\theta) / p(D)$, why may we ignore $p(D)$ "
        "when we look for the MAP estimate?",
        r"$p(D)$ does not depend on $\theta$, so it divides every candidate by the same "
        r"constant and the $\arg\max$ stays where it is. You need it only to compare models or "
        "to report normalised probabilities.",
    ),
    (
        r"Why does gradient descent on a quadratic need a step size $\eta < 2 / \lambda_{\max}$?",
        r"Along an eigenvector of the Hessian the error is multiplied by $1 - \eta\lambda$ at each "
        r"step. It shrinks only when $|1 - \eta\lambda| < 1$, that is $0 < \eta < 2/\lambda$, "
        "and the largest eigenvalue gives the tightest bound.",
    ),
)
# Asked late in odd weeks and left open until an organizer answers them the week after, so the
# weekly summary has something under "Open questions".
HARD_QUESTIONS = (
    (
        r"Does anyone have a picture for why $\operatorname{rank}(A) = \operatorname{rank}(A^\top)$?",
        r"Row-reduce $A$: the pivots count independent rows and independent columns at the "
        r"same time. Or write $A = CR$ with $C$ the independent columns: every row of $A$ is "
        r"then a combination of the $r$ rows of $R$.",
    ),
    (
        r"Why are eigenvectors of a symmetric matrix for different eigenvalues orthogonal?",
        r"If $Av = \lambda v$ and $Aw = \mu w$, then $\lambda v^\top w = (Av)^\top w = "
        r"v^\top A w = \mu v^\top w$, because $A^\top = A$. With $\lambda \neq \mu$ that "
        r"forces $v^\top w = 0$.",
    ),
)
NOTES = (
    "worked every exercise of the first section by hand",
    "the proofs took me two evenings",
    "only skimmed the last section",
    "need one more evening for the exercises",
    "watched a video series alongside, it helped",
    "notation first felt heavy, fine now",
    "",
    "",
)
THANKS = (
    "Thanks, that makes sense now!",
    "Got it, thank you!",
    "Perfect, that was the missing step.",
)


class DemoError(StudybotError):
    """The demo cannot run as asked (an unknown syllabus); ``str()`` says why."""


Act = Callable[[], Awaitable[object]]


@dataclass
class Demo:
    """The scripted cohort: what each member does, and when, week by week."""

    app: App
    chat: Chat
    adapter: ConsoleAdapter
    clock: FakeClock
    console: Console
    rng: random.Random
    _shown: str = ""
    _carried: list[tuple[str, str]] = field(default_factory=list)  # (thread ref, answer)

    # --- time ---------------------------------------------------------------------------------

    def heading(self, moment: datetime) -> None:
        """Print the simulated time when it moves on."""
        shown = moment.astimezone(ZoneInfo(ZONE)).strftime("%a %d %b %Y, %H:%M %Z")
        if shown != self._shown:
            self._shown = shown
            self.console.print()
            self.console.print(Text(f"── {shown} ──", style="bold dim"))

    async def _next_due(self) -> datetime | None:
        async with self.app.bot.sessionmaker() as db:
            return await db.scalar(
                select(Delivery.due_at)
                .where(Delivery.status == DeliveryStatus.PENDING)
                .order_by(Delivery.due_at)
                .limit(1)
            )

    async def advance_to(self, target: datetime) -> None:
        """Move the clock to ``target``, stopping at each due post to tick as the scheduler would."""
        while (due := await self._next_due()) is not None and due <= target:
            self.clock.set(max(due, self.clock.now()))
            self.heading(self.clock.now())
            report = await self.app.deliverer.tick()
            if not (report.sent or report.missed or report.failed):
                break  # only posts waiting for something else: carry on with the script
        self.clock.set(max(target, self.clock.now()))

    async def play_at(self, scenes: list[tuple[datetime, Act]]) -> None:
        """Play each scene at its moment, delivering whatever falls due in between."""
        for moment, act in sorted(scenes, key=lambda scene: scene[0]):
            await self.advance_to(moment)
            self.heading(moment)
            await act()

    # --- the cohort ---------------------------------------------------------------------------

    async def meetings(self) -> list[Meeting]:
        """The run's meetings, in order."""
        async with self.app.bot.sessionmaker() as db:
            return list(await db.scalars(select(Meeting).order_by(Meeting.index)))

    def _last(self, kind: str) -> str:
        return next(e for e in reversed(self.adapter.sent) if e.kind == kind).ref

    async def ask(self, who: str, question: str) -> tuple[str, str]:
        """Post a question; the refs of its channel post and of its answer thread."""
        await self.chat.command(f"ask {question}", by=who)
        return self._last("post"), self._last("thread")

    async def start(self, syllabus_id: str) -> None:
        """The organizer starts the syllabus and the members join."""
        self.heading(self.clock.now())
        await self.chat.command(
            f"start {syllabus_id} every tuesday at 18:30 tz {ZONE}", by=ORGANIZER
        )
        joins: list[tuple[datetime, Act]] = []
        for n, name in enumerate(MEMBERS):
            at = self.clock.now() + timedelta(minutes=20 + 35 * n)
            if name == "Dev":  # joining the channel is enough to join the group
                joins.append((at, lambda name=name: self.chat.membership(name, joined=True)))
            else:
                joins.append((at, lambda name=name: self.chat.command("join", by=name)))
        joins.append(
            (
                self.clock.now() + timedelta(hours=4),
                lambda: self.chat.command("reminders dm", by="Dev"),
            )
        )
        await self.play_at(joins)

    def checkins(self, meeting: Meeting, week: int) -> list[tuple[datetime, Act]]:
        """Check-ins through the week, by button and by command."""
        scenes: list[tuple[datetime, Act]] = []
        for name in (ORGANIZER, *MEMBERS):
            if week > 0 and self.rng.random() < 0.12:
                continue  # someone is busy this week and never checks in
            status = self.rng.choices(("done", "partial", "behind"), weights=(5, 3, 2))[0]
            late = (week == 0 and name == "Dev") or self.rng.random() < 0.25
            start = meeting.reminder_at if late else meeting.starts_at
            at = start + timedelta(
                hours=self.rng.randint(2, 44), minutes=self.rng.choice((0, 15, 30, 45))
            )
            if at.astimezone(ZoneInfo(ZONE)).hour < 8:
                at += timedelta(hours=8)  # people check in when awake
            if self.rng.random() < 0.4:
                value = f"{meeting.id}:{status}"
                scenes.append(
                    (at, lambda name=name, value=value: self.chat.click("checkin", value, by=name))
                )
            else:
                note = self.rng.choice(NOTES)
                text = f"checkin {status} {note}".rstrip()
                scenes.append((at, lambda name=name, text=text: self.chat.command(text, by=name)))
        return scenes

    def questions(self, meeting: Meeting, week: int) -> list[tuple[datetime, Act]]:
        """This week's question, its answer in the thread, and its resolution."""
        asker, answerer = MEMBERS[week % len(MEMBERS)], MEMBERS[(week + 1) % len(MEMBERS)]
        question, answer = QUESTIONS[week % len(QUESTIONS)]
        refs: dict[str, str] = {}
        kickoff = meeting.starts_at

        async def ask() -> None:
            refs["post"], refs["thread"] = await self.ask(asker, question)

        scenes: list[tuple[datetime, Act]] = [
            (kickoff + timedelta(hours=20), ask),
            (
                kickoff + timedelta(hours=23, minutes=30),
                lambda: self.chat.reply_in_thread(refs["thread"], answer, by=answerer),
            ),
            (
                kickoff + timedelta(hours=26),
                lambda: self.chat.reply_in_thread(
                    refs["thread"], self.rng.choice(THANKS), by=asker
                ),
            ),
            (
                kickoff + timedelta(hours=26, minutes=5),
                lambda: self.chat.react(refs["post"], "✅", by=asker),
            ),
        ]
        for thread, reply in self._carried:  # last week's open question: an organizer answers
            scenes += [
                (
                    kickoff + timedelta(hours=2),
                    lambda t=thread, r=reply: self.chat.reply_in_thread(t, r, by=ORGANIZER),
                ),
                (
                    kickoff + timedelta(hours=2, minutes=1),
                    lambda t=thread: self.chat.command("resolve", by=ORGANIZER, thread=t),
                ),
            ]
        self._carried = []
        if week % 2 == 1:
            hard, reply = HARD_QUESTIONS[(week // 2) % len(HARD_QUESTIONS)]
            who = MEMBERS[(week + 2) % len(MEMBERS)]

            async def ask_hard() -> None:
                _post, thread = await self.ask(who, hard)
                self._carried.append((thread, reply))

            scenes.append((kickoff + timedelta(hours=27), ask_hard))
        return scenes

    def looking_back(self, meeting: Meeting) -> list[tuple[datetime, Act]]:
        # Before the last summary: once a run's final summary is out the run is finished, and
        # these commands only look at a running syllabus.
        """Members looking at progress, questions and their own record."""
        return [
            (
                meeting.summary_at - timedelta(hours=4),
                lambda: self.chat.command("questions all", by="Ben"),
            ),
            (meeting.summary_at - timedelta(hours=3), lambda: self.chat.command("me", by="Chloé")),
        ]

    async def week(self, meeting: Meeting, week: int, *, last: bool = False) -> None:
        """Play one week: kickoff, check-ins, a question, the reminder and the summary."""
        await self.advance_to(meeting.starts_at)
        scenes = self.checkins(meeting, week) + self.questions(meeting, week)
        scenes.append(
            (
                meeting.summary_at - timedelta(hours=20),
                lambda: self.chat.command("progress", by=ORGANIZER),
            )
        )
        if last:
            scenes += self.looking_back(meeting)
        await self.play_at(scenes)
        await self.advance_to(meeting.summary_at)


async def run_demo(*, weeks: int, syllabus_id: str, console: Console, settings: Settings) -> None:
    """Play ``weeks`` weeks of a cohort reading ``syllabus_id`` on ``console``; its pictures
    (formulas, charts) are saved in ``settings.images``."""
    content, images = settings.content, settings.images
    library = Library(content)
    if syllabus_id not in library.ids():
        raise DemoError(f"No syllabus {syllabus_id!r}. Known: {', '.join(library.ids())}.")
    try:
        title = library.get(syllabus_id).title
    except DataFileError as problems:
        raise DemoError(f"The syllabus {syllabus_id!r} has problems:\n{problems}") from None
    with tempfile.TemporaryDirectory(prefix="studybot-demo-") as folder:
        clock = FakeClock(START)
        adapter = ConsoleAdapter(console=console, first_person=False, images_dir=images)
        throwaway = Settings(  # the demo's own database, never the person's
            home=Path(folder),
            content=content,
            database_url=f"sqlite:///{Path(folder) / 'demo.db'}",
        )
        async with running(
            settings=throwaway,
            adapters=[adapter],
            clock=clock,
            tick_seconds=None,  # the demo ticks itself, between the moves of its clock
        ) as app:
            chat = console_chat(bot=app.bot, adapter=adapter, echo_commands=True)
            demo = Demo(
                app=app,
                chat=chat,
                adapter=adapter,
                clock=clock,
                console=console,
                rng=random.Random(SEED),
            )
            intro = (
                f"studybot demo: {ORGANIZER} and {len(MEMBERS)} friends read {title} in "
                f"#{chat.channel}. The clock is simulated and the database thrown away "
                "afterwards; nothing is sent anywhere."
            )
            print_indented(console, [Text(intro, style="bold")])
            await demo.start(syllabus_id)
            meetings = await demo.meetings()
            shown = min(weeks, len(meetings))
            for week, meeting in enumerate(meetings[:shown]):
                await demo.week(meeting, week, last=week == shown - 1)
            console.print()
            outro = (
                f"That was {shown} simulated week{'s' * (shown != 1)} of {len(meetings)}. "
                "Try it yourself: studybot console (type help there)."
            )
            print_indented(console, [Text(outro, style="bold")])


def demo_command(
    ctx: typer.Context,
    weeks: Annotated[int, typer.Option("--weeks", min=1, help="How many weeks to simulate.")] = 4,
    syllabus: Annotated[
        str, typer.Option("--syllabus", help="The syllabus the cohort reads (an id).")
    ] = "mml",
) -> None:
    """Watch a simulated cohort read a syllabus for a few weeks, in seconds.

    Uses a throwaway database (never your studybot.db) and a fake clock: kickoffs, discussion
    threads, check-ins, a question with its answer, reminders and weekly summaries. The
    pictures it draws (formulas, the weekly chart) are saved in STUDYBOT_HOME/images.
    """
    settings: Settings = ctx.obj
    quiet_logging()
    try:
        asyncio.run(run_demo(weeks=weeks, syllabus_id=syllabus, console=out, settings=settings))
    except DemoError as error:
        say(str(error))
        raise typer.Exit(1) from None
