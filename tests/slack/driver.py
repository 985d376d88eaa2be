"""The shared scenario (tests/scenario.py) played by members of the Slack stand-in.

Members type `/study` in the channel, press the kickoff's buttons, ask in the modal, answer in
the question's thread and put ✅ on the question's post. Each step returns once the stand-in
has received the bot's answer (or the database holds the answer); nothing sleeps on the clock.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..scenario import LEAD, MEMBERS, write_schedule
from ..standins.slack_server import SlackStandIn, visible_text
from ..standins.slack_workspace import Workspace

Until = Callable[[Callable[[], Any], str], Awaitable[Any]]

# Each scenario member is a Slack user whose display name is the scenario's name.
SCENARIO_USERS = {name: f"U1{name.upper():0<8}"[:10] for name in MEMBERS}
LABELS = {"done": "Done", "partial": "Partly", "behind": "Behind"}


def add_scenario_people(standin: SlackStandIn) -> None:
    for name, user in SCENARIO_USERS.items():
        standin.add_user(user, name)


def delivery_key(message: dict[str, Any]) -> str:
    return str(((message.get("metadata") or {}).get("event_payload") or {}).get("key", ""))


def summary_fields(message: dict[str, Any]) -> dict[str, str]:
    """The weekly summary's label/value fields (rendered as ``*label*\\nvalue``)."""
    found = {}
    for block in message.get("blocks", []):
        for item in block.get("fields", []):
            label, _, value = item["text"].partition("\n")
            found[label.strip("*")] = value
    return found


def answers_stored(database: Path) -> int:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10) as db:
            return int(db.execute("SELECT count(*) FROM answers").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@dataclass
class SlackDriver:
    """The scenario's ``Driver`` on Slack: members of the stand-in workspace play each step."""

    standin: SlackStandIn
    workspace: Workspace
    schedules: Path
    database: Path
    now: Callable[[], datetime]  # simulated time, as the bot sees it
    let_time_pass: Until  # wait while scheduled time passes (kickoff, summary)
    kickoff: dict[str, Any] | None = None
    question: dict[str, Any] | None = None
    summary: dict[str, str] = field(default_factory=dict)
    summary_message: dict[str, Any] | None = None

    @property
    def channel(self) -> str:
        return self.workspace.channel

    async def wait(self, condition: Callable[[], Any], what: str) -> Any:
        return await self.standin.wait_for(condition, what=what)

    async def _privately(self, user: str, act: Callable[[], Awaitable[Any]], what: str) -> str:
        """Do ``act`` and return the text of the ephemeral answer it brings ``user``."""
        seen = len(self.standin.private_to(user))
        await act()
        found = await self.wait(lambda: self.standin.private_to(user)[seen:], what)
        return visible_text({"blocks": found[0].blocks, "text": found[0].text})

    def _post(self, suffix: str) -> dict[str, Any] | None:
        return next(
            (m for m in self.standin.posts(self.channel) if delivery_key(m).endswith(suffix)),
            None,
        )

    # --- the steps ------------------------------------------------------------------------------

    async def join(self, member: str) -> None:
        user = SCENARIO_USERS[member]
        text = await self._privately(
            user, lambda: self.workspace.slash(user, "join"), f"{member}'s welcome"
        )
        assert "Welcome" in text, text

    async def start(self, organizer: str, schedule: str) -> None:
        write_schedule(self.schedules, schedule, first_meeting=self.now() + LEAD)
        before = len(self.standin.posts(self.channel))
        await self.workspace.slash(SCENARIO_USERS[organizer], f"plan {schedule}")
        posted = await self.wait(
            lambda: self.standin.posts(self.channel)[before:], "the public announcement"
        )
        assert "Starting" in visible_text(posted[0]), visible_text(posted[0])

    async def await_kickoff(self) -> None:
        self.kickoff = await self.let_time_pass(lambda: self._post(":kickoff:0"), "the kickoff")

    async def check_in(self, member: str, status: str) -> None:
        assert self.kickoff is not None
        user, kickoff = SCENARIO_USERS[member], self.kickoff
        text = await self._privately(
            user,
            lambda: self.workspace.click(user, kickoff, LABELS[status]),
            f"{member}'s check-in",
        )
        assert "Checked in" in text, text

    async def ask(self, member: str, text: str) -> None:
        assert self.kickoff is not None
        user, kickoff = SCENARIO_USERS[member], self.kickoff
        opened = len(self.standin.views_opened)
        await self.workspace.click(user, kickoff, "Ask a question")
        views = await self.wait(lambda: self.standin.views_opened[opened:], "the ask modal")

        def questions() -> list[dict[str, Any]]:
            return [m for m in self.standin.posts(self.channel) if m["text"].startswith("Question")]

        before = len(questions())
        answer = await self._privately(
            user,
            lambda: self.workspace.submit(user, views[0], {"question": {"text": text}}),
            "the confirmation",
        )
        assert "posted as Question" in answer, answer
        posted = await self.wait(lambda: questions()[before:], "the question's post")
        self.question = posted[0]
        await self.wait(
            lambda: self.standin.thread(self.channel, posted[0]["ts"]), "the question's thread"
        )

    async def answer(self, member: str, text: str) -> None:
        assert self.question is not None
        before = answers_stored(self.database)
        await self.workspace.reply(SCENARIO_USERS[member], self.question["ts"], text)
        await self.wait(lambda: answers_stored(self.database) > before, "the answer to be stored")

    async def resolve(self, member: str) -> None:
        assert self.question is not None
        ts = self.question["ts"]
        await self.workspace.react(SCENARIO_USERS[member], ts)

        def resolved() -> bool:
            post = self.standin.find(self.channel, ts) or {}
            notes = [m for m in self.standin.thread(self.channel, ts) if "Resolved by" in m["text"]]
            return "(resolved)" in visible_text(post) and bool(notes)

        await self.wait(resolved, "the question to show as resolved")

    async def await_summary(self) -> None:
        message = await self.let_time_pass(lambda: self._post(":summary:0"), "the summary")
        self.summary = summary_fields(message)
        self.summary_message = message

    async def question_pictures(self) -> list[bytes]:
        assert self.question is not None
        return self.standin.images_in(self.standin.find(self.channel, self.question["ts"]) or {})

    async def summary_pictures(self) -> list[bytes]:
        assert self.summary_message is not None
        return self.standin.images_in(self.summary_message)
