"""The FAQ of a unit across cohorts, an organizer's marks on it, and whether a group shares its
questions with other groups reading the same book."""

from __future__ import annotations

from bot.core import grammar, qa_replies
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.handlers.lookup import group_here, link_to, run_ids, run_of, unit_named
from bot.core.models import Reply, say
from bot.core.posts import unit_ids
from bot.core.services import faq, groups, runs
from bot.domain.states import FaqMark, QuestionStatus
from bot.store.models import Question


async def sharing(ctx: Context, command: grammar.Sharing) -> Reply:
    """``/study sharing on|off`` (organizers)."""
    group = await group_here(ctx)
    group.shares_questions = command.on
    return say(qa_replies.sharing(on=command.on), ephemeral=False)


async def show(ctx: Context, command: grammar.Faq) -> Reply:
    """``/study faq [unit-id]``; with a mark, an organizer's ``feature|hide|unmark``."""
    if command.mark is not None:
        return await _mark(ctx, command)
    group = await group_here(ctx)
    run = await run_of(ctx, group, history=True)
    syllabus = await runs.syllabus_of_run(ctx.db, run)
    if command.unit is None:
        meeting = runs.current_meeting(await runs.meetings_of(ctx.db, run), ctx.now)
        wanted = unit_ids(meeting)[0] if meeting else syllabus.units[0].id
    else:
        wanted = command.unit
    unit = unit_named(syllabus, wanted)
    member = await groups.find_member(ctx.db, group, ctx.who.user_id)
    organizer = groups.is_organizer(member, ctx.who)
    found = await faq.entries(ctx.db, group, syllabus.id, unit.id, with_hidden=organizer)
    linked = [(entry, link_to(ctx, entry.place, entry.message_ref)) for entry in found]
    return qa_replies.faq(unit.id, unit.title, linked, organizer=organizer)


async def _mark(ctx: Context, command: grammar.Faq) -> Reply:
    """Feature, hide or unmark one of this group's resolved questions (organizers)."""
    group = await group_here(ctx)
    question = await ctx.db.get(Question, command.question_id or 0)
    if question is None or question.run_id not in await run_ids(ctx, group):
        raise Refusal(qa_replies.NOT_OURS)
    if question.status != QuestionStatus.RESOLVED:
        raise Refusal(qa_replies.NOT_RESOLVED)
    question.faq = None if command.mark == "none" else FaqMark(command.mark)
    return say(qa_replies.marked(question.id, question.faq))
