"""What a line typed into ``studybot console`` means. Pure parsing, no I/O."""

from __future__ import annotations

from dataclasses import dataclass

from bot.adapters.console.adapter import normalize_ref


@dataclass(frozen=True)
class Command:
    """``/study ...``, optionally inside a thread (``reply #12 /study resolve``)."""

    text: str  # what followed "/study"
    thread: str | None = None  # set when typed as `reply #REF /study ...`


@dataclass(frozen=True)
class Become:
    """``as NAME``: act as another member."""

    name: str


@dataclass(frozen=True)
class ThreadMessage:
    """``reply #12 TEXT``: write in a thread."""

    ref: str
    text: str


@dataclass(frozen=True)
class React:
    """``react #7 ✅``: react to a message."""

    ref: str
    emoji: str


@dataclass(frozen=True)
class Click:
    """``click ACTION VALUE``: press a button."""

    action: str
    value: str


@dataclass(frozen=True)
class Membership:
    """``join`` or ``leave`` the channel."""

    joined: bool


@dataclass(frozen=True)
class Simple:
    """``time``, ``help`` or ``quit``."""

    word: str  # time, help, quit


@dataclass(frozen=True)
class Nothing:
    """A blank line or a `# comment` (handy in scripts)."""


@dataclass(frozen=True)
class Unknown:
    """A line the console does not understand; ``hint`` says what to type."""

    hint: str


Line = Command | Become | ThreadMessage | React | Click | Membership | Simple | Nothing | Unknown

HELP = """\
What you can type:
  /study ...             a bot command: /study help, /study join, /study checkin done, ...
  as NAME                act as another member
  reply #REF TEXT        write in a thread (the thread's ref, or a post with one thread)
  reply #REF /study ...  a command inside a thread, e.g. /study resolve
  react #REF ✅          react to a message (✅ on a question marks it resolved)
  click ACTION VALUE     press a button (each post shows the exact click to type)
  join | leave           join or leave the channel
  time                   the (simulated) time now
  help                   this list
  quit                   leave the console (Ctrl-D works too)"""

USAGE = {
    "reply": "Usage: reply #REF <text>",
    "react": "Usage: react #REF ✅",
    "click": "Usage: click ACTION VALUE (each post with buttons shows the exact command)",
    "as": "Usage: as NAME",
}


def _emoji(text: str) -> str:
    # ":white_check_mark:" is how Slack names the emoji; the core accepts the name or the symbol.
    return text.strip(":") if text.startswith(":") and text.endswith(":") else text


def parse_line(line: str) -> Line:
    """What one typed line asks for; never raises."""
    text = line.strip()
    if not text or text.startswith("#"):
        return Nothing()
    word, _, rest = text.partition(" ")
    rest = rest.strip()
    lowered = word.lower()
    if lowered == "/study":
        return Command(rest)
    if word.startswith("/"):
        return Unknown(f"Bot commands start with /study, e.g. /study help (not {word}).")
    if lowered == "as":
        return Become(rest) if rest else Unknown(USAGE["as"])
    if lowered == "reply":
        ref, _, message = rest.partition(" ")
        message = message.strip()
        if not ref or not message:
            return Unknown(USAGE["reply"])
        if message.lower() == "/study" or message.lower().startswith("/study "):
            return Command(message[len("/study") :].strip(), thread=normalize_ref(ref))
        return ThreadMessage(normalize_ref(ref), message)
    if lowered == "react":
        parts = rest.split()
        if len(parts) != 2:
            return Unknown(USAGE["react"])
        return React(normalize_ref(parts[0]), _emoji(parts[1]))
    if lowered == "click":
        parts = rest.split(maxsplit=1)
        if not parts:
            return Unknown(USAGE["click"])
        return Click(parts[0], parts[1].strip() if len(parts) > 1 else "")
    if lowered in ("join", "leave") and not rest:
        return Membership(joined=lowered == "join")
    if lowered in ("time", "help", "quit", "exit") and not rest:
        return Simple("quit" if lowered == "exit" else lowered)
    return Unknown(
        f"I don't understand {word!r}. Type help for what works here; bot commands start "
        "with /study."
    )
