"""``/study`` as a Discord application command group with typed options.

Each subcommand is turned back into the text a Slack user would type after ``/study`` (see
``command_text``), so one grammar (``bot.core.grammar``) parses every platform and a typed
option can never mean something the text form does not. ``/study syllabus load`` is the one
exception: it carries a file, which becomes a ``FileEvent``.
"""

from __future__ import annotations

from typing import Protocol

import discord
from discord import app_commands

from bot.adapters.discord.qa_commands import add_qa_group
from bot.core.grammar import MAX_TEXT, REMINDER_MODES, SPECS
from bot.core.models import Place
from bot.core.ports import Catalog, Suggestion

# The commands declared under `/study meeting` (Discord allows 25 subcommands under /study);
# `/study organizers` is `/study organizer list`, and `/study qa` holds the rest of Q&A.
UNDER_MEETING = ("reschedule", "break", "holidays", "unskip", "remind")
UNDER_ORGANIZER = ("organizers",)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
CHECKIN_CHOICES = [
    app_commands.Choice(name="Done: I read it all", value="done"),
    app_commands.Choice(name="Partly", value="partial"),
    app_commands.Choice(name="Behind", value="behind"),
]
DESCRIPTION_LIMIT = 100


class Hooks(Protocol):
    """What the command group needs from the adapter."""

    catalog: Catalog

    async def command(self, interaction: discord.Interaction, text: str) -> None:
        """Handle ``text`` as the words a member typed after ``/study``."""
        ...

    async def syllabus_file(
        self, interaction: discord.Interaction, attachment: discord.Attachment
    ) -> None:
        """Handle a syllabus file uploaded with ``/study syllabus load``."""
        ...

    def place_of(self, interaction: discord.Interaction) -> Place | None:
        """Where the interaction happened; None outside a server's channels (no suggestions)."""
        ...


def command_text(*words: str | int | None) -> str:
    """``("checkin", "done", None)`` -> ``"checkin done"``: the options a member filled in, in
    the order the grammar expects them."""
    return " ".join(str(word).strip() for word in words if word is not None and str(word).strip())


def summary(name: str) -> str:
    """A subcommand's description in Discord's command list, from its grammar spec."""
    spec = SPECS[name]
    text = spec.summary + (" (organizers)" if spec.organizer_only else "")
    return text[:DESCRIPTION_LIMIT]


def _choices(found: list[Suggestion]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=s.name, value=s.value) for s in found]


def study_group(hooks: Hooks) -> app_commands.Group:
    """The ``/study`` group; every callback hands its text to ``hooks.command``."""
    study = app_commands.Group(
        name="study",
        description="Read a textbook together, week by week",
        guild_only=True,
    )

    async def run(interaction: discord.Interaction, *words: str | int | None) -> None:
        await hooks.command(interaction, command_text(*words))

    def place(interaction: discord.Interaction) -> Place | None:
        return hooks.place_of(interaction)

    async def syllabi(
        interaction: discord.Interaction, typed: str
    ) -> list[app_commands.Choice[str]]:
        where = place(interaction)
        return _choices(await hooks.catalog.syllabi(where, typed)) if where else []

    async def shipped(
        interaction: discord.Interaction, typed: str
    ) -> list[app_commands.Choice[str]]:
        where = place(interaction)
        return _choices(await hooks.catalog.syllabi(where, typed, loaded=False)) if where else []

    async def units(interaction: discord.Interaction, typed: str) -> list[app_commands.Choice[str]]:
        where = place(interaction)
        return _choices(await hooks.catalog.units(where, typed)) if where else []

    async def schedules(
        interaction: discord.Interaction, typed: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(hooks.catalog.schedule_files(typed))

    async def zones(interaction: discord.Interaction, typed: str) -> list[app_commands.Choice[str]]:
        return _choices(hooks.catalog.timezones(typed))

    # --- everyone -------------------------------------------------------------------------------

    async def command_names(
        interaction: discord.Interaction, typed: str
    ) -> list[app_commands.Choice[str]]:
        # Offered as typed: there are more commands than the 25 choices Discord allows.
        found = [name for name in SPECS if typed.strip().lower() in name]
        return [app_commands.Choice(name=name, value=name) for name in found[:25]]

    @study.command(name="help", description=summary("help"))
    @app_commands.describe(command="Explain one command")
    @app_commands.autocomplete(command=command_names)
    async def help_(interaction: discord.Interaction, command: str | None = None) -> None:
        await run(interaction, "help", command)

    @study.command(name="join", description=summary("join"))
    async def join(interaction: discord.Interaction) -> None:
        await run(interaction, "join")

    @study.command(name="leave", description=summary("leave"))
    async def leave(interaction: discord.Interaction) -> None:
        await run(interaction, "leave")

    @study.command(name="checkin", description=summary("checkin"))
    @app_commands.describe(status="How the reading went", note="Anything to add (optional)")
    @app_commands.choices(status=CHECKIN_CHOICES)
    async def checkin(
        interaction: discord.Interaction,
        status: app_commands.Choice[str],
        note: app_commands.Range[str, 1, MAX_TEXT] | None = None,
    ) -> None:
        await run(interaction, "checkin", status.value, note)

    @study.command(name="ask", description=summary("ask"))
    @app_commands.describe(question="Your question; formulas in $...$")
    async def ask(
        interaction: discord.Interaction, question: app_commands.Range[str, 1, MAX_TEXT]
    ) -> None:
        await run(interaction, "ask", question)

    @study.command(name="tex", description=summary("tex"))
    @app_commands.describe(
        formula=r"LaTeX, e.g. \frac{a}{b} or \begin{pmatrix}1&2\\3&4\end{pmatrix}"
    )
    async def tex(
        interaction: discord.Interaction, formula: app_commands.Range[str, 1, MAX_TEXT]
    ) -> None:
        await run(interaction, "tex", formula)

    @study.command(name="resolve", description=summary("resolve"))
    async def resolve(interaction: discord.Interaction) -> None:
        await run(interaction, "resolve")

    @study.command(name="questions", description=summary("questions"))
    @app_commands.describe(scope="Open questions only (default), or all", unit="Only this unit")
    @app_commands.choices(scope=[app_commands.Choice(name=n, value=n) for n in ("open", "all")])
    @app_commands.autocomplete(unit=units)
    async def questions(
        interaction: discord.Interaction,
        scope: app_commands.Choice[str] | None = None,
        unit: str | None = None,
    ) -> None:
        await run(interaction, "questions", scope.value if scope else None, unit)

    @study.command(name="progress", description=summary("progress"))
    async def progress(interaction: discord.Interaction) -> None:
        await run(interaction, "progress")

    @study.command(name="me", description=summary("me"))
    async def me(interaction: discord.Interaction) -> None:
        await run(interaction, "me")

    @study.command(name="schedule", description=summary("schedule"))
    @app_commands.describe(everything="Every session, the breaks and the end date")
    @app_commands.rename(everything="all")
    async def schedule(interaction: discord.Interaction, everything: bool = False) -> None:
        await run(interaction, "schedule", "all" if everything else None)

    @study.command(name="reminders", description=summary("reminders"))
    @app_commands.describe(
        mode="dm: a direct message; channel: only the channel's post; off: no nudge at all"
    )
    @app_commands.choices(mode=[app_commands.Choice(name=n, value=n) for n in REMINDER_MODES])
    async def reminders(interaction: discord.Interaction, mode: app_commands.Choice[str]) -> None:
        await run(interaction, "reminders", mode.value)

    @study.command(name="away", description=summary("away"))
    @app_commands.describe(until="Your last day away, YYYY-MM-DD")
    async def away(interaction: discord.Interaction, until: str) -> None:
        await run(interaction, "away", "until", until)

    @study.command(name="back", description=summary("back"))
    async def back(interaction: discord.Interaction) -> None:
        await run(interaction, "back")

    @study.command(name="export", description=summary("export"))
    @app_commands.describe(kind="csv: the check-ins; ical: the calendar")
    @app_commands.rename(kind="format")
    @app_commands.choices(kind=[app_commands.Choice(name=n, value=n) for n in ("csv", "ical")])
    async def export(interaction: discord.Interaction, kind: app_commands.Choice[str]) -> None:
        await run(interaction, "export", kind.value)

    syllabus = app_commands.Group(
        name="syllabus", description=summary("syllabus"), parent=study, guild_only=True
    )

    @syllabus.command(name="list", description="The syllabi you can start")
    async def syllabus_list(interaction: discord.Interaction) -> None:
        await run(interaction, "syllabus", "list")

    @syllabus.command(name="show", description="Units, readings and questions of one syllabus")
    @app_commands.describe(syllabus="A syllabus id")
    @app_commands.autocomplete(syllabus=shipped)
    async def syllabus_show(interaction: discord.Interaction, syllabus: str) -> None:
        await run(interaction, "syllabus", "show", syllabus)

    @syllabus.command(
        name="load", description="Load your own syllabus from a YAML file (organizers)"
    )
    @app_commands.describe(file="A syllabus file (.yaml, at most 1 MiB)")
    async def syllabus_load(interaction: discord.Interaction, file: discord.Attachment) -> None:
        await hooks.syllabus_file(interaction, file)

    # --- organizers -----------------------------------------------------------------------------

    @study.command(name="start", description=summary("start"))
    @app_commands.describe(
        syllabus="A syllabus id, e.g. mml",
        start_date="First day, YYYY-MM-DD (default: the next possible day)",
        every="Meeting weekday (default: monday)",
        at="Meeting time, HH:MM (default: 18:00)",
        tz="Time zone, e.g. Europe/Berlin (default: the group's last, else UTC)",
        pace="Units per session (default: 1)",
        now="Begin the first session at once (instead of a start day)",
    )
    @app_commands.rename(start_date="from")
    @app_commands.choices(every=[app_commands.Choice(name=d, value=d) for d in WEEKDAYS])
    @app_commands.autocomplete(syllabus=syllabi, tz=zones)
    async def start(
        interaction: discord.Interaction,
        syllabus: str,
        start_date: str | None = None,
        every: app_commands.Choice[str] | None = None,
        at: str | None = None,
        tz: str | None = None,
        pace: app_commands.Range[int, 1, 20] | None = None,
        now: bool = False,
    ) -> None:
        await run(
            interaction,
            "start",
            syllabus,
            *(("now",) if now else ()),
            *(("from", start_date) if start_date else ()),
            *(("every", every.value) if every else ()),
            *(("at", at) if at else ()),
            *(("tz", tz) if tz else ()),
            *(("pace", pace) if pace else ()),
        )

    @study.command(name="plan", description=summary("plan"))
    @app_commands.describe(schedule="A schedule file from the schedules folder")
    @app_commands.autocomplete(schedule=schedules)
    async def plan(interaction: discord.Interaction, schedule: str) -> None:
        await run(interaction, "plan", schedule)

    # Discord allows 25 subcommands under /study: the changes to a running group's meetings
    # share one group, `/study meeting reschedule|break|holidays|unskip|link|place`.
    meeting = app_commands.Group(
        name="meeting",
        description="Organizers: change when and where the group meets",
        parent=study,
        guild_only=True,
    )

    @meeting.command(name="reschedule", description=summary("reschedule"))
    @app_commands.describe(
        every="New meeting weekday", at="New meeting time, HH:MM", tz="New time zone"
    )
    @app_commands.choices(every=[app_commands.Choice(name=d, value=d) for d in WEEKDAYS])
    @app_commands.autocomplete(tz=zones)
    async def reschedule(
        interaction: discord.Interaction,
        every: app_commands.Choice[str] | None = None,
        at: str | None = None,
        tz: str | None = None,
    ) -> None:
        await run(
            interaction,
            "reschedule",
            *(("every", every.value) if every else ()),
            *(("at", at) if at else ()),
            *(("tz", tz) if tz else ()),
        )

    @meeting.command(name="break", description=summary("break"))
    @app_commands.describe(first="First day, YYYY-MM-DD", last="Last day (default: the first)")
    async def break_(interaction: discord.Interaction, first: str, last: str | None = None) -> None:
        await run(interaction, "break", first, *((last,) if last else ()))

    @meeting.command(name="holidays", description=summary("holidays"))
    @app_commands.describe(country="A two-letter country code, e.g. DE, US, IN")
    async def holidays(interaction: discord.Interaction, country: str) -> None:
        await run(interaction, "holidays", country)

    @meeting.command(name="unskip", description=summary("unskip"))
    async def unskip(interaction: discord.Interaction) -> None:
        await run(interaction, "unskip")

    @meeting.command(name="remind", description=summary("remind"))
    @app_commands.describe(before="How long before each session, e.g. 30m or 1h; or off")
    async def remind(interaction: discord.Interaction, before: str) -> None:
        off = before.strip().lower() == "off"
        await run(interaction, "remind", *(("off",) if off else ("before", before)))

    @meeting.command(name="link", description="The call's link, shown in kickoffs and reminders")
    @app_commands.describe(url="https://...")
    async def meeting_link(
        interaction: discord.Interaction, url: app_commands.Range[str, 1, 500]
    ) -> None:
        await run(interaction, "meeting", "link", url)

    @meeting.command(name="place", description="Where the group meets in person")
    @app_commands.describe(where="A room, an address")
    async def meeting_place(
        interaction: discord.Interaction, where: app_commands.Range[str, 1, 200]
    ) -> None:
        await run(interaction, "meeting", "place", where)

    @study.command(name="pause", description=summary("pause"))
    async def pause(interaction: discord.Interaction) -> None:
        await run(interaction, "pause")

    @study.command(name="resume", description=summary("resume"))
    async def resume(interaction: discord.Interaction) -> None:
        await run(interaction, "resume")

    @study.command(name="skip", description=summary("skip"))
    async def skip(interaction: discord.Interaction) -> None:
        await run(interaction, "skip")

    @study.command(name="stop", description=summary("stop"))
    @app_commands.describe(confirm="Stop at once, without the confirmation button")
    async def stop(interaction: discord.Interaction, confirm: bool = False) -> None:
        await run(interaction, "stop", "confirm" if confirm else None)

    organizer = app_commands.Group(
        name="organizer", description=summary("organizer"), parent=study, guild_only=True
    )

    @organizer.command(name="list", description=summary("organizers"))
    async def organizers(interaction: discord.Interaction) -> None:
        await run(interaction, "organizers")

    @organizer.command(name="add", description="Make a member an organizer")
    @app_commands.describe(member="A member of the group")
    async def organizer_add(interaction: discord.Interaction, member: discord.Member) -> None:
        await run(interaction, "organizer", "add", member.mention)

    @organizer.command(name="remove", description="Make an organizer a plain member again")
    @app_commands.describe(member="An organizer of the group")
    async def organizer_remove(interaction: discord.Interaction, member: discord.Member) -> None:
        await run(interaction, "organizer", "remove", member.mention)

    add_qa_group(study, run=run, units=units, summary=summary)
    return study
