"""The bad-input corpus: every line of ``tests/corpus/*.txt`` is one test.

Each surface is driven the real way: commands, buttons and uploaded files through a started
StudyBot (the core harness: in-memory chat, fake clock, SQLite); files also through
``studybot syllabus validate``; console lines through ``studybot console`` with piped input;
command-line mistakes through the ``studybot`` command itself (typer's CliRunner).

Every answer is checked for the kind the line names:

- ``ok``: accepted, and the answer contains the fragment.
- ``refusal``: a plain sentence that names what to type (backquoted text, ``e.g.``, ``Usage:``,
  ``--help`` ...); in a chat only the person sees it and nothing is posted; nothing changed.
- ``notice``: like a refusal, for a mistake with nothing else to type (a line that is not
  UTF-8): a plain sentence, nothing changed.
- ``located``: file problems, each ``FILE:LINE:COLUMN: field: sentence``; nothing changed.

and for every kind: no traceback, no exception name, no library wording (tests/forbidden.py),
no apology for a crash and no error logged. "Nothing changed" compares every table's rows before
and after, except ``processed_events`` (the dedupe record of event ids: remembering that an
event was seen is not a change a refusal makes) and ``send_slots`` (the sender's pacing
bookkeeping, which no command writes). For the command line it means no file appeared or changed
under STUDYBOT_HOME.

The syntax of the case files is described in tests/corpus/README.md.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shlex
import shutil
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.adapters.console.adapter import PROMPT_MARK
from bot.adapters.memory import MemoryChat
from bot.cli.app import app
from bot.core.clock import FakeClock
from bot.core.models import FileEvent, Reply
from bot.domain.states import DeliveryKind, RunStatus
from bot.store.models import Delivery, Group, Meeting, Question, Run

from .core.harness import Harness, harness_on
from .forbidden import library_wording_in

CORPUS = Path(__file__).resolve().parent / "corpus"
SEPARATOR = " | "
KINDS = {"ok", "refusal", "notice", "located"}
STATES = {"none", "waiting", "running", "paused", "stopped"}
PEOPLE = {"nonmember": "cy", "member": "bob", "organizer": "ada"}
NOT_COMPARED = {"processed_events", "send_slots"}

THURSDAY = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)  # the groups start on Monday 5 October
MONDAY_EVENING = datetime(2026, 10, 5, 17, 0, tzinfo=UTC)  # 19:00 in Berlin: week 1 is on
START_MML = "start mml every monday at 18:30 tz Europe/Berlin"
START_OTHER = "start strang-ila every monday at 18:30 tz Europe/Berlin"
CONSOLE_START = "2026-03-02T09:00Z"  # a Monday morning: the first session is that evening

# What a crash looks like from outside, besides the shared library wording.
CRASH = re.compile(
    r"\b[A-Z][A-Za-z]*(?:Error|Exception)\b"  # an exception's name: KeyError, OverflowError
    r"|(?i:traceback|something went wrong|that did not work)"  # a crash and its apologies
    r"|(?m:^(?:ERROR|CRITICAL) [\w.]+: )"  # a log line about a failure, shown in the terminal
)
# Names what to type: backquoted text, an example, a usage line, the help to run, the values
# that are known (ids, the range of console refs), or an example address.
HINT = re.compile(
    r"`[^`\n]+`|\be\.g\.|\bfor example\b|\bsuch as\b|\bUsage:|\btype help\b|--help\b"
    r"|\bKnown:|\bfrom #\d+ to #\d+|\buse \w+://",
    re.I,
)
PROBLEM = re.compile(r"^(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<field>\S+): (?P<text>.+)$")
SUMMARY = re.compile(r"^\d+ problems? in \d+ files?$")

runner = CliRunner()
Rows = dict[str, list[str]]  # table -> its rows, each as repr() of its values


# --- reading the case files ----------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One line of a case file."""

    surface: str
    line: int
    kind: str
    fragment: str
    text: str  # what is typed, clicked, uploaded or run: escapes not yet expanded
    who: str = ""  # nonmember, member, organizer
    state: str = ""  # none, waiting, running, paused, stopped
    via: str = ""  # files: validate or upload

    @property
    def id(self) -> str:
        """Readable and unique: the file, the line, who, and what was typed."""
        slug = re.sub(r"[^A-Za-z0-9_.:{}@#-]+", "-", self.text).strip("-")[:48] or "empty"
        where = "-".join(part for part in (self.via, self.who, self.state) if part)
        return (
            f"{self.surface}:{self.line}:{where}:{slug}"
            if where
            else f"{self.surface}:{self.line}:{slug}"
        )


def _lines(surface: str) -> Iterator[tuple[int, list[str]]]:
    for number, raw in enumerate((CORPUS / f"{surface}.txt").read_text("utf-8").splitlines(), 1):
        if raw.strip() and not raw.lstrip().startswith("#"):
            fields = raw.split(SEPARATOR)
            least = {"files": 4, "cli": 3}.get(surface, 4)
            assert len(fields) >= least, f"{surface}.txt:{number}: {least} fields, ' | ' apart"
            yield number, fields


def _check(case: Case) -> Case:
    assert case.kind in KINDS, f"{case.surface}.txt:{case.line}: unknown kind {case.kind!r}"
    if case.who:
        assert case.who in PEOPLE, f"{case.surface}.txt:{case.line}: who is {case.who!r}?"
    if case.state:
        assert case.state in STATES, f"{case.surface}.txt:{case.line}: state {case.state!r}?"
        assert case.state != "none" or case.who == "nonmember", (
            f"{case.surface}.txt:{case.line}: with no group, everyone is a non-member"
        )
    return case


def chat_cases(surface: str) -> list[Case]:
    """``who@state | kind | fragment | input`` lines."""
    cases = []
    for number, fields in _lines(surface):
        role, kind, fragment, text = (f.strip() for f in [*fields[:3], SEPARATOR.join(fields[3:])])
        who, _, state = role.partition("@")
        cases.append(_check(Case(surface, number, kind, fragment, text, who=who, state=state)))
    return cases


def file_cases() -> list[Case]:
    """``via | kind | fragment | file`` lines; ``both`` is one case per way in."""
    cases = []
    for number, fields in _lines("files"):
        via, kind, fragment, source = (f.strip() for f in fields)
        for way in ("validate", "upload") if via == "both" else (via,):
            assert way in ("validate", "upload"), f"files.txt:{number}: via {way!r}?"
            cases.append(_check(Case("files", number, kind, fragment, source, via=way)))
    return cases


def console_cases() -> list[Case]:
    """``who | kind | fragment | typed line`` lines."""
    cases = []
    for number, fields in _lines("console"):
        who, kind, fragment, text = (f.strip() for f in [*fields[:3], SEPARATOR.join(fields[3:])])
        cases.append(_check(Case("console", number, kind, fragment, text, who=who)))
    return cases


def cli_cases() -> list[Case]:
    """``kind | fragment | command line`` lines."""
    cases = []
    for number, fields in _lines("cli"):
        kind, fragment, text = (f.strip() for f in [*fields[:2], SEPARATOR.join(fields[2:])])
        cases.append(_check(Case("cli", number, kind, fragment, text)))
    return cases


_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|n|t|\\)|\{\{(.+?)\*(\d+)\}\}", re.S)


def expand(text: str, names: dict[str, str] | None = None) -> str:
    """``\\u200b``, ``\\xff``, ``\\n``, ``\\t``, ``\\\\``; ``{{ab*3}}`` is ``ababab``; ``{name}``
    is one of ``names`` (ids and refs only known once the state is built)."""
    for name, value in (names or {}).items():
        text = text.replace(f"{{{name}}}", value)

    def one(match: re.Match[str]) -> str:
        if match.group(2) is not None:
            return expand(match.group(2)) * int(match.group(3))
        code = match.group(1)
        if code[0] in "ux":
            return chr(int(code[1:], 16))
        return {"n": "\n", "t": "\t", "\\": "\\"}[code]

    return _ESCAPE.sub(one, text)


PLACEHOLDER = re.compile(r"\{(?:other-)?(?:meeting|next|question|kickoff|missing)\}")


def expand_for(case: Case, names: dict[str, str]) -> str:
    """The case's input with its names filled in; a name the state lacks is a corpus mistake."""
    text = expand(case.text, names)
    left = PLACEHOLDER.search(text)
    assert not left, f"{case.surface}.txt:{case.line}: {left[0]} does not exist in {case.state!r}"
    return text


def as_bytes(text: str) -> bytes:
    """UTF-8, except that ``\\xNN`` stays the raw byte NN (for input that is not UTF-8)."""
    parts = re.split(r"(\\x[0-9a-fA-F]{2})", text)
    return b"".join(
        bytes([int(part[2:], 16)])
        if re.fullmatch(r"\\x[0-9a-fA-F]{2}", part)
        else expand(part).encode()
        for part in parts
    )


# --- what every answer is checked for ------------------------------------------------------------


def flat(text: str) -> str:
    """Wrapping and rich's box drawing undone, for fragments that may wrap."""
    return " ".join(re.sub(r"[\u2500-\u257f]", " ", text).split())


def assert_plain(text: str, *, where: str = "the answer") -> None:
    """No traceback, exception name, crash apology or library wording."""
    assert not CRASH.search(text), f"crash wording in {where}:\n{text}"
    found = library_wording_in(text)
    assert not found, f"library wording {found} in {where}:\n{text}"


def assert_fragment(text: str, fragment: str, names: dict[str, str] | None = None) -> None:
    """The case's fragment is in ``text`` (whitespace and case ignored); ``-`` is none."""
    if fragment == "-":
        return
    wanted = flat(expand(fragment, names)).lower()
    assert wanted in flat(text).lower(), f"expected {wanted!r} in the answer:\n{text}"


def assert_hint(text: str) -> None:
    """The answer names what to type instead."""
    assert HINT.search(text), f"the refusal does not say what to type instead:\n{text}"


def assert_located(text: str, file: str) -> None:
    """Every line is ``FILE:LINE:COLUMN: field: sentence`` but a closing count."""
    problems = [line for line in text.strip().splitlines() if not SUMMARY.match(line.strip())]
    assert problems, f"no problem listed:\n{text}"
    for line in problems:
        found = PROBLEM.match(line.strip())
        assert found, f"not FILE:LINE:COLUMN: field: sentence:\n{line}"
        assert found["file"] == file, f"names {found['file']!r}, not {file!r}:\n{line}"
        assert re.search(r"[A-Za-z]{2}", found["text"]), f"no sentence:\n{line}"


@contextmanager
def errors_logged() -> Iterator[list[logging.LogRecord]]:
    """The bot's error log records while the body runs (a caught crash is one)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(level=logging.ERROR)
    logger = logging.getLogger("bot")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


def snapshot(database: Path) -> Rows:
    """Every row of every table, except the ones a refusal may legitimately touch."""
    with sqlite3.connect(database) as connection:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            if name not in NOT_COMPARED
        ]
        return {t: sorted(map(repr, connection.execute(f'SELECT * FROM "{t}"'))) for t in tables}


def assert_unchanged(before: Rows, after: Rows) -> None:
    """No table gained, lost or changed a row."""
    changed = {
        table: (set(before.get(table, [])) ^ set(after.get(table, [])))
        for table in set(before) | set(after)
        if before.get(table) != after.get(table)
    }
    assert not changed, f"a refusal changed the database: {changed}"


# --- the chat: one database per group state, copied for each case -------------------------------


@dataclass
class Template:
    """A database in one group state, the time it is at, and the ids its cases may name."""

    database: Path
    now: datetime
    names: dict[str, str] = field(default_factory=dict)


TEMPLATES: dict[str, Template] = {}


@pytest.fixture(scope="session")
def corpus_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the state databases are built, once per test session."""
    return tmp_path_factory.mktemp("corpus")


async def _names(database: Path) -> dict[str, str]:
    """Meeting ids and thread refs the case files refer to by name."""
    clock = FakeClock(THURSDAY)
    names = {"missing": "999999"}
    async with (
        harness_on(f"sqlite:///{database}", clock, database.parent) as h,
        h.bot.sessionmaker() as db,
    ):
        for channel, prefix in (("study-group", ""), ("other-group", "other-")):
            meetings = list(
                await db.scalars(
                    select(Meeting.id)
                    .join(Run, Meeting.run_id == Run.id)
                    .join(Group, Run.group_id == Group.id)
                    .where(Group.channel == channel)
                    .order_by(Run.id.desc(), Meeting.index)
                )
            )
            if meetings:
                names[f"{prefix}meeting"] = str(meetings[0])
                names[f"{prefix}next"] = str(meetings[1])
            thread = await db.scalar(
                select(Question.thread_ref)
                .join(Run, Question.run_id == Run.id)
                .join(Group, Run.group_id == Group.id)
                .where(Group.channel == channel)
            )
            if thread:
                names[f"{prefix}question"] = thread
        kickoff = await db.scalar(
            select(Delivery.message_ref)
            .join(Run, Delivery.run_id == Run.id)
            .join(Group, Run.group_id == Group.id)
            .where(Group.channel == "study-group", Delivery.kind == DeliveryKind.KICKOFF)
            .where(Delivery.message_ref.is_not(None))
        )
        if kickoff:
            names["kickoff"] = kickoff
    return names


EXPECTED_RUN = {
    "none": None,
    "waiting": RunStatus.ACTIVE,
    "running": RunStatus.ACTIVE,
    "paused": RunStatus.PAUSED,
    "stopped": RunStatus.CANCELLED,
}


async def _run_status(h: Harness) -> str | None:
    async with h.bot.sessionmaker() as db:
        return await db.scalar(
            select(Run.status)
            .join(Group, Run.group_id == Group.id)
            .where(Group.channel == "study-group")
            .order_by(Run.id.desc())
            .limit(1)
        )


async def _build(folder: Path) -> dict[str, Template]:
    """Every state, each built on from the one before it and copied aside."""
    database = folder / "building.db"
    clock = FakeClock(THURSDAY)
    url = f"sqlite:///{database}"
    batches = iter(range(1, 100))
    built: dict[str, Template] = {}

    async def steps(state: str, *typed: tuple[str, str], until: datetime | None = None) -> None:
        async with harness_on(url, clock, folder) as h:
            batch = next(batches)
            chats = {
                channel: MemoryChat(
                    bot=h.bot,
                    adapter=h.chat.adapter,
                    channel=channel,
                    event_prefix=f"setup{batch}-{channel}-",
                )
                for channel in ("study-group", "other-group")
            }
            if until is not None:  # first move the clock on, sending what falls due
                await h.run_until(until)
            for where_who, text in typed:
                channel, _, who = where_who.partition(":")
                reply = await chats[channel].command(text, by=who)
                assert reply is not None, (who, text)
            status = await _run_status(h)
            if state == "stopped" and status != RunStatus.CANCELLED:  # stopping may ask first
                await chats["study-group"].command("stop confirm", by="ada")
                status = await _run_status(h)
            assert status == EXPECTED_RUN[state], f"building {state!r}: the run is {status}"
        shutil.copy(database, folder / f"{state}.db")
        built[state] = Template(folder / f"{state}.db", clock.now())

    await steps("none", ("other-group:zoe", START_OTHER))
    await steps("waiting", ("study-group:ada", START_MML), ("study-group:bob", "join"))
    await steps(
        "running",
        ("study-group:bob", "ask Why is a basis of a vector space not unique?"),
        ("other-group:zoe", "ask What does the column space of A contain?"),
        until=MONDAY_EVENING,
    )
    await steps("paused", ("study-group:ada", "pause"))
    await steps("stopped", ("study-group:ada", "resume"), ("study-group:ada", "stop"))
    for template in built.values():
        template.names = await _names(template.database)
    return built


async def template_for(state: str, folder: Path) -> Template:
    """The state's database, built the first time a case needs one."""
    if not TEMPLATES:
        TEMPLATES.update(await _build(folder))
    return TEMPLATES[state]


@dataclass
class ChatOutcome:
    """What the bot answered and did for one case."""

    reply: Reply | None
    posted: list[str]  # what else the bot said (posts, threads, DMs)
    errors: list[logging.LogRecord]
    before: Rows
    after: Rows


async def in_chat(
    case: Case,
    folder: Path,
    tmp_path: Path,
    act: Callable[[MemoryChat, dict[str, str]], Awaitable[Reply | None]],
) -> tuple[ChatOutcome, dict[str, str]]:
    """Copy the state's database, start the bot on it, do ``act`` once, and look."""
    template = await template_for(case.state, folder)
    database = tmp_path / "case.db"
    shutil.copy(template.database, database)
    async with harness_on(f"sqlite:///{database}", FakeClock(template.now), tmp_path) as h:
        before = snapshot(database)
        chat = MemoryChat(bot=h.bot, adapter=h.chat.adapter, event_prefix="corpus-")
        seen = len(h.chat.adapter.said)
        with errors_logged() as errors:
            reply = await act(chat, template.names)
        said = h.chat.adapter.said[seen:]
    after = snapshot(database)
    others = [s.text for s in said if not s.ref.startswith("rcorpus-")]
    return ChatOutcome(reply, others, errors, before, after), template.names


def assert_chat_answer(case: Case, outcome: ChatOutcome, names: dict[str, str]) -> None:
    """The answer has the case's kind, fragment, and nothing a person should not read."""
    assert not outcome.errors, f"the bot logged an error: {outcome.errors[0].getMessage()}"
    assert outcome.reply is not None, "no answer at all"
    text = outcome.reply.message.text
    assert_plain(text)
    assert_fragment(text, case.fragment, names)
    if case.kind == "refusal":
        assert_hint(text)
    if case.kind in ("refusal", "notice"):
        assert outcome.reply.ephemeral, f"a refusal only its author should see:\n{text}"
    if case.kind in ("refusal", "notice", "located"):
        assert not outcome.posted, f"a refusal that posted: {outcome.posted}"
        assert_unchanged(outcome.before, outcome.after)


def _thread_and_text(typed: str) -> tuple[str | None, str]:
    """``[question] /study resolve`` is typed in the thread named ``question``."""
    found = re.match(r"^\[([^\]]+)\]\s*(.*)$", typed, re.S)
    return (found[1], found[2]) if found else (None, typed)


@pytest.mark.parametrize("case", chat_cases("commands"), ids=lambda c: c.id)
async def test_command(case: Case, corpus_folder: Path, tmp_path: Path) -> None:
    async def act(chat: MemoryChat, names: dict[str, str]) -> Reply | None:
        thread, typed = _thread_and_text(expand_for(case, names))
        assert typed.startswith("/study"), "commands are written as typed: /study ..."
        thread = names.get(thread, thread) if thread else None
        return await chat.command(typed.removeprefix("/study"), by=PEOPLE[case.who], thread=thread)

    outcome, names = await in_chat(case, corpus_folder, tmp_path, act)
    assert_chat_answer(case, outcome, names)


@pytest.mark.parametrize("case", chat_cases("buttons"), ids=lambda c: c.id)
async def test_button(case: Case, corpus_folder: Path, tmp_path: Path) -> None:
    async def act(chat: MemoryChat, names: dict[str, str]) -> Reply | None:
        action, _, value = expand_for(case, names).partition(" ")
        return await chat.click(action, value, by=PEOPLE[case.who])

    outcome, names = await in_chat(case, corpus_folder, tmp_path, act)
    assert_chat_answer(case, outcome, names)


# --- files: the same parser for `studybot syllabus validate` and an upload ------------------------


def _deep_lists(depth: int) -> bytes:
    return f"id: deep\nunits: {'[' * depth}{']' * depth}\n".encode()


def _deep_mappings(depth: int) -> bytes:
    return f"id: deep\nunits: {'{a: ' * depth}1{'}' * depth}\n".encode()


def _block_mappings(depth: int) -> bytes:
    return (
        "id: deep\nunits:\n" + "".join(f"{'  ' * (i + 1)}k{i}:\n" for i in range(depth))
    ).encode()


def _alias_bomb() -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return ("\n".join(lines) + "\nid: bomb\n").encode()


def _huge() -> bytes:
    valid = (CORPUS / "files" / "syllabus-valid.yaml").read_bytes()
    return valid + b"# padding\n" * 120_000


GENERATED: dict[str, Callable[[], bytes]] = {
    "empty.yaml": lambda: b"",
    "blank.yaml": lambda: b"   \n\n  \n",
    "comments-only.yaml": lambda: b"# nothing here\n# at all\n",
    "nested-lists-500.yaml": lambda: _deep_lists(500),
    "nested-flow-mappings-1000.yaml": lambda: _deep_mappings(1000),
    "nested-block-mappings-1000.yaml": lambda: _block_mappings(1000),
    "alias-bomb.yaml": _alias_bomb,
    "huge.yaml": _huge,
    "binary.yaml": lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    "latin1.yaml": lambda: "id: cafe\ntitle: Caf\u00e9 cr\u00e8me\n".encode("latin-1"),
    "utf16.yaml": lambda: "id: sixteen\ntitle: Wide\n".encode("utf-16"),
    "nul-byte.yaml": lambda: b"id: nul\ntitle: a\x00b\n",
}


def file_bytes(name: str) -> bytes:
    """A file of the corpus, or one made by a generator of that name."""
    return GENERATED[name]() if name in GENERATED else (CORPUS / "files" / name).read_bytes()


def test_every_file_case_has_its_file() -> None:
    for case in file_cases():
        assert case.text in GENERATED or (CORPUS / "files" / case.text).is_file(), case.id


@pytest.mark.parametrize("case", file_cases(), ids=lambda c: c.id)
async def test_file(
    case: Case, corpus_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = file_bytes(case.text)
    if case.via == "validate":
        (tmp_path / case.text).write_bytes(content)
        monkeypatch.chdir(tmp_path)
        with errors_logged() as errors:
            result = runner.invoke(app, ["syllabus", "validate", case.text])
        output = result.output
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"crashed: {result.exception!r}\n{output}"
        )
        assert not errors, f"logged an error: {errors[0].getMessage()}"
        assert_plain(output)
        assert_fragment(output, case.fragment)
        if case.kind == "located":
            assert result.exit_code == 1, f"exit status {result.exit_code}:\n{output}"
            assert_located(output, case.text)
        else:
            assert result.exit_code == 0, f"exit status {result.exit_code}:\n{output}"
        return

    case = Case(**{**case.__dict__, "who": "organizer", "state": "running"})

    async def act(chat: MemoryChat, names: dict[str, str]) -> Reply | None:
        return await chat.bot.handle(
            FileEvent(
                who=chat.person(PEOPLE[case.who]),
                where=chat.place(),
                event_id="corpus-upload",
                filename=case.text,
                size=len(content),
                content=content,
            )
        )

    outcome, names = await in_chat(case, corpus_folder, tmp_path, act)
    assert not outcome.errors, f"the bot logged an error: {outcome.errors[0].getMessage()}"
    assert outcome.reply is not None, "no answer at all"
    text = outcome.reply.message.text
    assert_plain(text)
    assert_fragment(text, case.fragment, names)
    if case.kind == "located":
        assert_located(text, case.text)
        assert not outcome.posted, f"a refused upload that posted: {outcome.posted}"
        assert_unchanged(outcome.before, outcome.after)


# --- the console: `studybot console`, a line piped in, in a copy of one home ---------------------

CONSOLE_PEOPLE = {"nonmember": "cy", "member": "bob", "organizer": "alice"}
SENTINEL = "time"  # typed after each case: the console must still be there to answer it


@pytest.fixture(scope="session")
def console_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A console home where alice started MML (the first session is this evening) and bob
    joined; each case runs in a copy of it."""
    home = tmp_path_factory.mktemp("console-home")
    typed = "/study start mml every monday at 18:00 tz Europe/Berlin\nas bob\n/study join\n"
    result = runner.invoke(
        app,
        ["console", "--as", "alice", "--start-at", CONSOLE_START],
        input=typed,
        env={"STUDYBOT_HOME": str(home)},
    )
    assert result.exit_code == 0 and "Welcome" in result.output, result.output
    return home


def _files(home: Path) -> dict[str, str]:
    return {
        str(p.relative_to(home)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(home.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("case", console_cases(), ids=lambda c: c.id)
def test_console_line(case: Case, console_home: Path, tmp_path: Path) -> None:
    home = tmp_path / "console"
    shutil.copytree(console_home, home)
    before = snapshot(home / "studybot.db")
    name = CONSOLE_PEOPLE[case.who]
    typed = as_bytes(case.text) + f"\n{SENTINEL}\n".encode()
    result = runner.invoke(
        app, ["console", "--as", name, "--fast", "1"], input=typed, env={"STUDYBOT_HOME": str(home)}
    )
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"crashed: {result.exception!r}\n{output}"
    )
    # A skipped line may end a piped session with status 1 (a script should notice).
    assert result.exit_code in ((0,) if case.kind == "ok" else (0, 1)), (
        f"exit status {result.exit_code}:\n{output}"
    )
    _, _, rest = output.partition("Type help for what you can type.")
    answer, found, _ = rest.rpartition(f"{name} {PROMPT_MARK} {SENTINEL}")
    assert found, f"the console stopped before the next line:\n{output}"
    # What was typed is echoed after the prompt mark: only the console's answer counts.
    answer = "\n".join(
        line for line in answer.splitlines() if not line.startswith(f"{name} {PROMPT_MARK}")
    )
    assert answer.strip(), f"no answer at all:\n{output}"
    assert_plain(answer)
    assert_fragment(answer, case.fragment)
    if case.kind == "refusal":
        assert_hint(answer)
    if case.kind != "ok":
        assert_unchanged(before, snapshot(home / "studybot.db"))
    assert_plain(output, where="the session")  # its start and its end too


# --- the command line: `studybot ...` with mistakes in its arguments ------------------------------


@pytest.mark.parametrize("case", cli_cases(), ids=lambda c: c.id)
def test_command_line(case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (tmp_path / "plain-file").write_text("not a folder\n")
    (tmp_path / "empty-folder").mkdir()
    (tmp_path / "text-folder").mkdir()
    (tmp_path / "text-folder" / "notes.txt").write_text("id: notes\n")
    names = {"tmp": str(tmp_path), "home": str(home), "file": str(tmp_path / "plain-file")}
    words = shlex.split(expand(case.text, names))
    env = {"STUDYBOT_HOME": str(home)}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    assert words[:1] == ["studybot"], "command lines start with `studybot`"
    monkeypatch.chdir(tmp_path)
    before = _files(home)
    with errors_logged() as errors:
        result = runner.invoke(app, words[1:], env=env, input="")
    output = result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"crashed: {result.exception!r}\n{output}"
    )
    assert not errors, f"logged an error: {errors[0].getMessage()}"
    expected = (0,) if case.kind == "ok" else (1, 2)
    assert result.exit_code in expected, f"exit status {result.exit_code}:\n{output}"
    assert_plain(output)
    assert_fragment(output, case.fragment, names)
    if case.kind == "ok":
        return
    if case.kind == "located":
        assert_located(output, words[-1])
    elif case.kind == "refusal":
        assert_hint(output)
    assert _files(home) == before, "a refused command changed STUDYBOT_HOME"


def test_the_corpus_is_large_enough() -> None:
    counts = {
        "commands": len(chat_cases("commands")),
        "buttons": len(chat_cases("buttons")),
        "files": len(file_cases()),
        "console": len(console_cases()),
        "cli": len(cli_cases()),
    }
    assert sum(counts.values()) >= 150, counts
    assert all(count >= 10 for count in counts.values()), counts


def test_expand_understands_the_escapes() -> None:
    assert expand(r"a\u200bb\tc\\d{{xy*3}}") == "a\u200bb\tc\\dxyxyxy"
    assert expand("click {meeting}:done", {"meeting": "7"}) == "click 7:done"
    assert as_bytes(r"\xff\xfe ok \u00e9") == b"\xff\xfe ok \xc3\xa9"
    assert len(expand("{{a*4001}}")) == 4001


async def test_the_snapshot_sees_what_an_accepted_command_changes(
    corpus_folder: Path, tmp_path: Path
) -> None:
    """The "nothing changed" check can fail: a check-in that is accepted changes a table."""
    case = Case("self-check", 0, "ok", "-", "/study checkin done", who="member", state="running")

    async def act(chat: MemoryChat, names: dict[str, str]) -> Reply | None:
        return await chat.command("checkin done", by="bob")

    outcome, _ = await in_chat(case, corpus_folder, tmp_path, act)
    with pytest.raises(AssertionError, match="changed the database"):
        assert_unchanged(outcome.before, outcome.after)
