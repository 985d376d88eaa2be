"""A question after it is asked: reopened, edited, filed under another unit or withdrawn. Its
post follows each change (``questions.show_change``); a question is named by its number in the
group's list (``/study questions``) or, for ``reopen``, by the thread the command is typed in."""

from __future__ import annotations

from bot.core import grammar, qa_replies
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.handlers.lookup import group_here, member_here, run_ids, run_of, unit_named
from bot.core.handlers.questions import accept_answer, resolve_question, show_change
from bot.core.models import ActionEvent, Reply, say
from bot.core.services import groups, questions, runs
from bot.domain.states import QuestionStatus
from bot.store.models import Answer, Group, Member, Question, Run


async def _numbered(ctx: Context, group: Group, number: int | None) -> Question:
    """The question ``number`` of the group's latest run, or the one whose thread this is."""
    if number is None:
        found = None
        if ctx.place.thread is not None:
            found = await questions.question_in_thread(
                ctx.db, await run_ids(ctx, group), ctx.place.thread
            )
        if found is None:
            raise Refusal(qa_replies.NAME_THE_QUESTION)
        return found
    run = await run_of(ctx, group, history=True)
    numbered = {n: question_id for question_id, n in (await questions.numbers(ctx.db, run)).items()}
    found = await ctx.db.get(Question, numbered[number]) if number in numbered else None
    if found is None:
        raise Refusal(qa_replies.no_such_question(number, len(numbered)))
    return found


async def _askers(
    ctx: Context, command: grammar.Edit | grammar.Move | grammar.Withdraw
) -> tuple[Group, Member, Question]:
    """The question a command names, when the person who typed it asked it."""
    group = await group_here(ctx)
    member = await member_here(ctx, group)
    question = await _numbered(ctx, group, command.number)
    if question.member_id != member.id:
        raise Refusal(qa_replies.ASKERS_ONLY)
    return group, member, question


async def reopen(ctx: Context, command: grammar.Reopen) -> Reply:
    """``/study reopen [number]``: the asker or an organizer opens a resolved question again."""
    group = await group_here(ctx)
    question = await _numbered(ctx, group, command.number)
    member = await groups.find_member(ctx.db, group, ctx.who.user_id)
    is_asker = member is not None and member.id == question.member_id
    if not (is_asker or groups.is_organizer(member, ctx.who)):
        raise Refusal(qa_replies.REOPEN_WHO)
    if question.status != QuestionStatus.RESOLVED:
        raise Refusal(qa_replies.NOT_RESOLVED_YET)
    question.status, question.resolved_at, question.resolved_by = QuestionStatus.OPEN, None, None
    question.accepted_answer_id = None  # out of the FAQ until it is resolved again
    await show_change(ctx, question, note="reopened", by=member or await member_here(ctx, group))
    return say(qa_replies.REOPENED)


async def edit(ctx: Context, command: grammar.Edit) -> Reply:
    """``/study edit <number> <text>``: the asker's question reads differently from now on."""
    _, _, question = await _askers(ctx, command)
    if question.status not in (QuestionStatus.OPEN, QuestionStatus.RESOLVED):
        raise Refusal(qa_replies.WITHDRAWN_ALREADY)
    question.text = command.text
    await show_change(ctx, question)
    return say(qa_replies.EDITED)


async def move(ctx: Context, command: grammar.Move) -> Reply:
    """``/study move <number> <unit>``: filed under another unit of the syllabus."""
    group, _, question = await _askers(ctx, command)
    run = await run_of(ctx, group, history=True)
    syllabus = await runs.syllabus_of_run(ctx.db, run)
    unit = unit_named(syllabus, command.unit).id
    if question.status not in (QuestionStatus.OPEN, QuestionStatus.RESOLVED):
        raise Refusal(qa_replies.WITHDRAWN_ALREADY)
    question.unit_id = unit
    await show_change(ctx, question)
    return say(qa_replies.moved(unit))


async def withdraw(ctx: Context, command: grammar.Withdraw) -> Reply:
    """``/study withdraw <number>``: taken back while nobody has answered it."""
    _, _, question = await _askers(ctx, command)
    if question.status != QuestionStatus.OPEN:
        raise Refusal(qa_replies.WITHDRAW_OPEN_ONLY)
    if (await questions.answer_counts(ctx.db, [question.id])).get(question.id):
        raise Refusal(qa_replies.ANSWERED_ALREADY)
    question.status = QuestionStatus.WITHDRAWN
    await show_change(ctx, question)
    return say(qa_replies.WITHDRAWN_POSTED)


# --- the buttons of the quiet-thread nudge, pressed in a direct message ----------------------


async def _nudged(ctx: Context, question: Question | None) -> tuple[Group, Question]:
    """The question a nudge's button names and its group (a direct message has no channel)."""
    run = await ctx.db.get(Run, question.run_id) if question is not None else None
    group = await ctx.db.get(Group, run.group_id) if run is not None else None
    if (
        question is None
        or group is None
        or question.status
        not in (
            QuestionStatus.OPEN,
            QuestionStatus.RESOLVED,
        )
    ):
        raise Refusal(qa_replies.NUDGE_GONE)
    return group, question


async def accept_click(ctx: Context, event: ActionEvent) -> Reply:
    """*<name>'s answer did it*: that answer is accepted, which resolves the question."""
    answer = await ctx.db.get(Answer, int(event.value)) if event.value.isdigit() else None
    question = await ctx.db.get(Question, answer.question_id) if answer is not None else None
    group, question = await _nudged(ctx, question)
    assert answer is not None
    if question.accepted_answer_id is not None:
        raise Refusal(qa_replies.ACCEPTED_ALREADY)
    return await accept_answer(ctx, group, question, answer)


async def resolve_click(ctx: Context, event: ActionEvent) -> Reply:
    """*Yes, resolve it*: resolved without naming one answer."""
    question = await ctx.db.get(Question, int(event.value)) if event.value.isdigit() else None
    group, question = await _nudged(ctx, question)
    return await resolve_question(ctx, group, question)


async def keep_click(ctx: Context, event: ActionEvent) -> Reply:
    """*Not yet*: it stays open; nothing changes."""
    question = await ctx.db.get(Question, int(event.value)) if event.value.isdigit() else None
    await _nudged(ctx, question)
    return say(qa_replies.KEPT_OPEN)
