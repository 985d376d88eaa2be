"""Starting, pausing, resuming, skipping and stopping a run; its schedule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from bot.core import grammar, replies, run_replies
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.handlers.lookup import group_here, member_here, run_of
from bot.core.handlers.syllabi import syllabus_for
from bot.core.models import ActionEvent, Reply, say
from bot.core.ports import Calendar
from bot.core.services import events, groups, runs
from bot.domain.errors import InputError
from bot.domain.problems import DataFileError
from bot.domain.states import Role, RunStatus
from bot.store.models import Group, Meeting, Member, Run

if TYPE_CHECKING:  # the models (pydantic) load with the first schedule read, not at start
    from bot.domain.schedule import ScheduleSpec

DEFAULT_SCHEDULE = {"weekday": "monday", "time": "18:00", "timezone": "UTC"}
FURTHEST_START = timedelta(days=2 * 365)  # a start further ahead is a typo (2126 for 2026)


async def _may_start(ctx: Context, group: Group) -> Member:
    """The member starting a run; the first to start one becomes the group's organizer (who
    may start one is the access rule's: ``bot.core.access``)."""
    member = await member_here(ctx, group)
    member.role = Role.ORGANIZER
    if await runs.open_run(ctx.db, group) is not None:
        raise Refusal(run_replies.ALREADY_RUNNING)
    return member


def validated_spec(fields: dict[str, Any], *, usage: str = "start") -> ScheduleSpec:
    """The schedule ``fields`` describe; a refusal in plain words (with ``usage``'s line)."""
    from pydantic import ValidationError  # pydantic: on first use, not at start

    from bot.domain.explain import Found, clean_loc, explain
    from bot.domain.schedule import ScheduleSpec

    try:
        return ScheduleSpec.model_validate(fields)
    except ValidationError as error:
        # The files' one table of plain sentences: pydantic's own wording never reaches anyone.
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'schedule'} "
            + explain(
                e["type"],
                Found(
                    loc=clean_loc(e["loc"]),
                    value=e.get("input"),
                    written=None,
                    ctx=e.get("ctx") or {},
                    model=ScheduleSpec,
                ),
            )
            for e in error.errors(include_url=False)
        )
        raise Refusal(f"I can't use that schedule: {problems}. {grammar.usage(usage)}") from None


def zone_problem(name: str) -> str | None:
    """Why ``tz <name>`` cannot be a new group's time zone (unknown, an abbreviation such as
    EST, or a fixed offset such as UTC+2, which miss daylight saving time), or None."""
    from bot.domain.zones import zone_named

    try:
        zone_named(name)
    except InputError as problem:
        return run_replies.zone_refused(str(problem))
    return None


def _start_date_problem(start: date, today: date) -> str | None:
    """Why a ``from`` date cannot start a run, or None."""
    if start < today:
        return run_replies.start_date_refused(start)
    if start > today + FURTHEST_START:
        return run_replies.start_date_refused(start, latest=today + FURTHEST_START)
    return None


def _with_events(ctx: Context, run: Run, meetings: list[Meeting]) -> None:
    """On a platform with events (Discord), each session gets one members can mark
    Interested, made a few weeks ahead (``bot.core.services.events``)."""
    if isinstance(ctx.adapter, Calendar):
        events.add_rows(ctx.db, run, meetings, ctx.now)


async def _usual_rhythm(ctx: Context, group: Group, command: grammar.Start) -> dict[str, str]:
    """What a start leaves unsaid: the day, time and zone of the group's last run (a group
    that stopped and starts the next book keeps its evening), else Monday 18:00 in the zone of
    the organizer's profile where the platform says it (Slack does; the console is in UTC).
    Where it does not (Discord), a first start without ``tz`` asks for one: a group that meets
    at 18:00 UTC by mistake is worse than one more command."""
    last = await runs.latest_run(ctx.db, group)
    if last is not None:
        kept = {key: str(last.schedule[key]) for key in DEFAULT_SCHEDULE if key in last.schedule}
        return kept | ({"time": kept["time"][:5]} if "time" in kept else {})  # stored HH:MM:SS
    profile = ctx.who.timezone
    zone = profile if profile and zone_problem(profile) is None else None
    if zone is None and command.timezone is None:
        raise Refusal(run_replies.zone_wanted(command.syllabus_id))
    return {**DEFAULT_SCHEDULE, "timezone": zone or DEFAULT_SCHEDULE["timezone"]}


async def start(ctx: Context, command: grammar.Start) -> Reply:
    """``/study start <syllabus> [from ...] [every ... at ...] [tz ...] [pace n]``."""
    if command.timezone and (problem := zone_problem(command.timezone)):
        raise Refusal(problem)
    group = await groups.ensure_group(ctx.db, ctx.place)
    organizer = await _may_start(ctx, group)
    syllabus = await syllabus_for(ctx, command.syllabus_id)
    given = {"weekday": command.weekday, "time": command.time, "timezone": command.timezone}
    fields: dict[str, Any] = {
        "syllabus": syllabus.id,
        "start": command.start or "2000-01-03",  # replaced by today below
        **await _usual_rhythm(ctx, group, command),
        **{key: value for key, value in given.items() if value},
    }
    if command.pace:
        fields["pace"] = {"units_per_session": command.pace}
    spec = validated_spec(fields)
    today = ctx.now.astimezone(spec.zone).date()
    if command.start and (problem := _start_date_problem(spec.start, today)):
        raise Refusal(problem)
    if command.now:  # the first session begins at once, the rhythm holds from the next
        spec = spec.model_copy(update={"start": today, "first_session": ctx.now})
    elif not command.start:
        spec = runs.first_future_start(syllabus, spec.model_copy(update={"start": today}), ctx.now)
    run, meetings = await runs.start_run(
        ctx.db,
        group=group,
        syllabus=syllabus,
        spec=spec,
        organizer=organizer,
        now=ctx.now,
        source="content",
    )
    if meetings[0].starts_at <= ctx.now and not command.now:
        raise Refusal(
            "That first session would already have started; choose a later start or time."
        )
    _with_events(ctx, run, meetings)
    if command.now:  # its kickoff and threads go out with this command, not at the next tick
        ctx.outbox.extend(await runs.due_posts(ctx.db, meetings[0], ctx.now))
    return run_replies.started(syllabus, spec, meetings, ephemeral=False)


async def plan(ctx: Context, command: grammar.Plan) -> Reply:
    """``/study plan <file>``: start from a schedule file in the schedules folder."""
    group = await groups.ensure_group(ctx.db, ctx.place)
    organizer = await _may_start(ctx, group)
    name = command.name.removesuffix(".yaml").removesuffix(".yml")
    path = ctx.schedules / f"{name}.yaml"
    if "/" in name or "\\" in name or not path.is_file():
        known = ", ".join(sorted(p.stem for p in ctx.schedules.glob("*.yaml"))) or "none"
        raise Refusal(f"There is no schedule `{command.name}`. Known: {known}.")
    from bot.domain.datafile import read_yaml  # yaml and pydantic: on first use, not at start
    from bot.domain.schedule_check import check_schedule

    try:
        loaded = check_schedule(
            read_yaml(path, display_name=path.name), library=ctx.library, today=ctx.now.date()
        )
    except DataFileError as problems:
        raise Refusal(f"That schedule has problems:\n{problems}") from None
    spec, moved_from = loaded.spec, None
    if loaded.meetings[0].starts_at <= ctx.now:  # a file from an earlier term: its rhythm holds
        moved_from = (path.name, spec.start)
        today = ctx.now.astimezone(spec.zone).date()
        spec = runs.first_future_start(
            loaded.syllabus, spec.model_copy(update={"start": today}), ctx.now
        )
    run, meetings = await runs.start_run(
        ctx.db,
        group=group,
        syllabus=loaded.syllabus,
        spec=spec,
        organizer=organizer,
        now=ctx.now,
        source=str(path),
    )
    _with_events(ctx, run, meetings)
    return run_replies.started(
        loaded.syllabus, spec, meetings, ephemeral=False, moved_from=moved_from
    )


async def _organizers_run(ctx: Context) -> Run:
    """The run an organizer's command acts on (the access rule admitted only organizers)."""
    return await run_of(ctx, await group_here(ctx))


async def upcoming_notice(
    ctx: Context, run: Run, heading: str, *, ephemeral: bool, calendar: bool = False
) -> Reply:
    """``heading`` over the next five sessions: the notice after a change of dates (kept short
    for the channel), or with ``calendar`` a link per session that adds it to a calendar."""
    following = runs.upcoming(await runs.meetings_of(ctx.db, run), ctx.now)[:5]
    spec = runs.spec_of(run)
    return run_replies.schedule(
        following,
        run.timezone,
        heading=heading,
        paused=run.status == RunStatus.PAUSED,
        ephemeral=ephemeral,
        where=spec.link or spec.place if calendar else None,
    )


async def pause(ctx: Context, command: grammar.Pause) -> Reply:
    """``/study pause``: posts are held until resume."""
    run = await _organizers_run(ctx)
    if run.status == RunStatus.PAUSED:
        raise Refusal(replies.ALREADY_PAUSED)
    await runs.pause(ctx.db, run, ctx.now)
    return say(
        "Paused: no posts until an organizer runs `/study resume`. Later sessions will move back.",
        ephemeral=False,
    )


async def resume(ctx: Context, command: grammar.Resume) -> Reply:
    """``/study resume``: held posts are released and later meetings move back."""
    run = await _organizers_run(ctx)
    if run.status != RunStatus.PAUSED:
        raise Refusal(replies.NOT_PAUSED)
    skipped = await runs.resume(ctx.db, run, ctx.now)
    meetings = {m.id: m for m in await runs.meetings_of(ctx.db, run)}
    heading = run_replies.resumed([(row.kind, meetings[row.meeting_id]) for row in skipped])
    return await upcoming_notice(ctx, run, heading, ephemeral=False)


async def skip(ctx: Context, command: grammar.Skip) -> Reply:
    """``/study skip``: no meeting next time; everything after moves back a week. A paused
    group has no next meeting yet (resuming moves them all), so skipping then is refused."""
    run = await _organizers_run(ctx)
    if run.status == RunStatus.PAUSED:
        raise Refusal(run_replies.SKIP_WHILE_PAUSED)
    if await runs.skip_next(ctx.db, run, ctx.now) is None:
        raise Refusal("There is no session left to skip.")
    heading = "Skipped a week; everything after moves back. The next sessions:"
    return await upcoming_notice(ctx, run, heading, ephemeral=False)


async def stop(ctx: Context, command: grammar.Stop) -> Reply:
    """``/study stop`` says what stopping does and offers a button; ``/study stop confirm``
    (or the button) stops: no more scheduled posts, and no resuming."""
    run = await _organizers_run(ctx)
    if command.confirmed:
        await runs.stop(ctx.db, run, ctx.now)
        return say(run_replies.STOPPED, ephemeral=False)
    syllabus = await runs.syllabus_of_run(ctx.db, run)
    left = runs.upcoming(await runs.meetings_of(ctx.db, run), ctx.now)
    return run_replies.confirm_stop(syllabus.title, sessions_left=len(left), run_id=run.id)


async def stop_click(ctx: Context, event: ActionEvent) -> Reply:
    """The *Stop the run* button of ``/study stop``; its value is the run's id, so an old
    button cannot stop a run started since."""
    group = await group_here(ctx)
    run = await runs.open_run(ctx.db, group)
    if run is None or str(run.id) != event.value:
        raise Refusal(run_replies.STOP_GONE)
    await runs.stop(ctx.db, run, ctx.now)
    return say(run_replies.STOPPED, ephemeral=False)


async def show_schedule(ctx: Context, command: grammar.ShowSchedule) -> Reply:
    """``/study schedule``: the next five meetings; ``all``: every one, breaks and the end."""
    run = await run_of(ctx, await group_here(ctx))
    if not command.everything:
        return await upcoming_notice(ctx, run, "Coming up", ephemeral=True, calendar=True)
    return run_replies.schedule_all(
        await runs.meetings_of(ctx.db, run),
        run.timezone,
        breaks=runs.spec_of(run).breaks,
        skipped=run.skipped,
        paused=run.status == RunStatus.PAUSED,
    )
