"""Organizers change a running group's meetings from chat: a new day, time or zone, a break,
public holidays, a skip undone, the call's link or the room. Each change posts one notice to
the group with the dates that follow (``upcoming_notice``)."""

from __future__ import annotations

from bot.core import grammar, run_replies
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.handlers.lookup import group_here, run_of
from bot.core.handlers.runs import upcoming_notice, zone_problem
from bot.core.models import Reply, say
from bot.core.services import rhythm, runs
from bot.domain.errors import InputError
from bot.store.models import Run


async def _running(ctx: Context) -> Run:
    """The run the change is for (the access rule admitted only organizers)."""
    return await run_of(ctx, await group_here(ctx))


async def reschedule(ctx: Context, command: grammar.Reschedule) -> Reply:
    """``/study reschedule [every <weekday>] [at HH:MM] [tz <zone>]``."""
    from bot.core.handlers.runs import validated_spec

    if command.timezone and (problem := zone_problem(command.timezone)):
        raise Refusal(problem)
    run = await _running(ctx)
    given = {"weekday": command.weekday, "time": command.time, "timezone": command.timezone}
    changed = {key: value for key, value in given.items() if value}
    spec = validated_spec({**run.schedule, **changed}, usage="reschedule")
    if not await rhythm.reschedule(ctx.db, run, spec, ctx.now):
        raise Refusal(run_replies.NOTHING_TO_MOVE)
    return await upcoming_notice(ctx, run, run_replies.rescheduled(spec), ephemeral=False)


async def add_break(ctx: Context, command: grammar.Break) -> Reply:
    """``/study break <from> [<to>]``."""
    from bot.domain.dates import parse_date

    run = await _running(ctx)
    try:
        start, end = parse_date(command.start), parse_date(command.end)
    except InputError as problem:
        raise Refusal(f"{problem}. {grammar.usage('break')}") from None
    if end < start:
        raise Refusal(run_replies.break_backwards(start, end))
    if end < ctx.now.astimezone(runs.spec_of(run).zone).date():
        raise Refusal(run_replies.break_past(end))
    await rhythm.add_break(ctx.db, run, start, end, ctx.now)
    return await upcoming_notice(ctx, run, run_replies.break_added(start, end), ephemeral=False)


async def holidays(ctx: Context, command: grammar.Holidays) -> Reply:
    """``/study holidays <country-code>``."""
    run = await _running(ctx)
    skipped = await rhythm.skip_holidays(ctx.db, run, command.country, ctx.now)
    if skipped is None:
        raise Refusal(run_replies.unknown_country(command.country))
    if not skipped:
        return say(run_replies.no_holiday_hit(command.country.upper()))
    heading = run_replies.holidays_skipped(command.country.upper(), skipped)
    return await upcoming_notice(ctx, run, heading, ephemeral=False)


async def unskip(ctx: Context, command: grammar.Unskip) -> Reply:
    """``/study unskip``."""
    run = await _running(ctx)
    day = await rhythm.unskip(ctx.db, run, ctx.now)
    if day is None:
        raise Refusal(run_replies.NOTHING_TO_UNSKIP)
    return await upcoming_notice(ctx, run, run_replies.unskipped(day), ephemeral=False)


async def meet_at(ctx: Context, command: grammar.MeetAt) -> Reply:
    """``/study meeting link <url>`` or ``/study meeting place <where>``."""
    run = await _running(ctx)
    value = command.value.strip()
    if command.what == "link" and not value.startswith(("https://", "http://")):
        raise Refusal(run_replies.LINK_REFUSED)
    await rhythm.meet_at(ctx.db, run, ctx.now, **{command.what: value})
    return say(run_replies.meeting_set(command.what, value), ephemeral=False)


async def remind(ctx: Context, command: grammar.Remind) -> Reply:
    """``/study remind before <duration>`` or ``/study remind off``."""
    from bot.core.handlers.runs import validated_spec

    run = await _running(ctx)
    before = None
    if command.before is not None:
        spec = validated_spec({**run.schedule, "remind_before": command.before}, usage="remind")
        before = spec.remind_before
    await rhythm.remind_before(ctx.db, run, before, ctx.now)
    return say(run_replies.reminder_before(before), ephemeral=False)
