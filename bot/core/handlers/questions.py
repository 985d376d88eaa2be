"""Q&A: asking (a post with its own thread), answers written in the thread, resolving."""

from __future__ import annotations

from sqlalchemy import update

from bot.core import grammar, pictures, qa_replies, replies
from bot.core.context import Context
from bot.core.errors import Refusal
from bot.core.handlers.lookup import (
    group_here,
    link_to,
    member_here,
    run_ids,
    run_of,
    unit_named,
)
from bot.core.models import (
    RESOLVE_EMOJI,
    ActionEvent,
    ReactionEvent,
    Reply,
    ThreadMessageEvent,
    ToDraw,
    say,
)
from bot.core.posts import unit_ids
from bot.core.services import asked_before, groups, questions, runs
from bot.domain.states import ASKED, DeliveryKind, QuestionStatus
from bot.store.models import Answer, Group, Member, Question, Run


def _filed_under(text: str, known: dict[str, str], here: tuple[str, ...]) -> tuple[str, str]:
    """The unit a question is about and its text: a unit id (``mml-03`` or ``[mml-03]``)
    written first names it and is taken off the text; otherwise the first unit of the
    session being read."""
    first, _, rest = text.strip().partition(" ")
    named = known.get(first.strip("[]():,").casefold())
    if named is not None and rest.strip():
        return named, rest.strip()
    return here[0], text


async def ask(ctx: Context, command: grammar.Ask) -> Reply:
    """``/study ask [unit-id] <question>``: posted in the channel with a thread for its
    answers, filed under the unit it names or the session's first. When earlier questions on
    the book look the same, the asker sees them first and chooses (``post_draft``)."""
    group = await group_here(ctx)
    run = await run_of(ctx, group, active=True)
    member = await member_here(ctx, group)
    syllabus = await runs.syllabus_of_run(ctx.db, run)
    meetings = await runs.meetings_of(ctx.db, run)
    meeting = runs.current_meeting(meetings, ctx.now) or meetings[0]
    here = unit_ids(meeting)
    known = {unit.id.casefold(): unit.id for unit in syllabus.units}
    unit_id, text = _filed_under(command.text, known, here)
    earlier = await asked_before.similar(ctx.db, group, syllabus.id, text)
    question = Question(
        run_id=run.id,
        meeting_id=meeting.id,
        member_id=member.id,
        unit_id=unit_id,
        text=text,
        created_at=ctx.now,
        status=QuestionStatus.DRAFT if earlier else QuestionStatus.OPEN,
    )
    ctx.db.add(question)
    await ctx.db.flush()
    if earlier:
        found = [(_described(e), link_to(ctx, e.place, e.message_ref)) for e in earlier]
        return qa_replies.asked_before(found, draft_id=question.id)
    return await _posted(ctx, run, question, others=[unit for unit in here if unit != unit_id])


def _described(earlier: asked_before.Earlier) -> str:
    return qa_replies.describe(
        earlier.text,
        resolved=earlier.resolved,
        answers=earlier.answers,
        elsewhere=earlier.elsewhere,
    )


async def _posted(ctx: Context, run: Run, question: Question, *, others: list[str]) -> Reply:
    """``question`` goes out: its post and thread through the ledger, its number to the asker."""
    number = (await questions.numbers(ctx.db, run))[question.id]
    for kind in (DeliveryKind.QA_POST, DeliveryKind.QA_THREAD):
        await ctx.post_later(
            run_id=run.id, meeting_id=question.meeting_id, kind=kind, seq=question.id
        )
    return replies.question_posted(number, question.unit_id, others=others)


async def _draft(ctx: Context, event: ActionEvent) -> tuple[Run, Question]:
    """The asker's own draft that a button under "Asked before" names."""
    group = await group_here(ctx)
    member = await member_here(ctx, group)
    question = await ctx.db.get(Question, int(event.value)) if event.value.isdigit() else None
    if question is None or question.member_id != member.id:
        raise Refusal(qa_replies.DRAFT_GONE)
    run = await ctx.db.get(Run, question.run_id)
    if question.status != QuestionStatus.DRAFT or run is None or run.ended_at is not None:
        raise Refusal(qa_replies.DRAFT_GONE)
    return run, question


async def post_draft(ctx: Context, event: ActionEvent) -> Reply:
    """*Post my question*: the draft is asked after all, as if no earlier one looked alike."""
    run, question = await _draft(ctx, event)
    question.status, question.created_at = QuestionStatus.OPEN, ctx.now
    return await _posted(ctx, run, question, others=[])


async def withdraw_draft(ctx: Context, event: ActionEvent) -> Reply:
    """*Withdraw it*: an earlier question answered it; nothing is posted, nothing is kept."""
    _, question = await _draft(ctx, event)
    await ctx.db.delete(question)
    return qa_replies.withdrawn()


async def tex(ctx: Context, command: grammar.Tex) -> Reply:
    """``/study tex <formula>``: the formula typeset, for the member alone (drawn once the
    command's transaction is over; see ``bot.core.pictures``)."""
    latex = command.latex.strip()
    if len(latex) > 1 and latex.startswith("$") and latex.endswith("$"):
        latex = latex.strip("$").strip()  # written as in a question: the dollars are optional
    message = replies.formula_preview(latex)
    return Reply(message=message, to_draw=ToDraw(formulas_in=f"$${latex}$$", alone=True))


async def ask_click(ctx: Context, event: ActionEvent) -> Reply:
    """The kickoff's *Ask a question* form; its value is what the member wrote."""
    text = grammar.visible(event.value)
    if not text or text.isdigit():
        raise Refusal(replies.WRITE_A_QUESTION)
    if len(text) > grammar.MAX_TEXT:
        raise Refusal(replies.question_too_long(len(text), grammar.MAX_TEXT))
    return await ask(ctx, grammar.Ask(text))


async def resolve(ctx: Context, command: grammar.Resolve) -> Reply:
    """``/study resolve`` inside a question's thread."""
    group = await group_here(ctx)
    if ctx.place.thread is None:
        raise Refusal("Use `/study resolve` inside the question's thread.")
    question = await questions.question_in_thread(
        ctx.db, await run_ids(ctx, group), ctx.place.thread
    )
    if question is None:
        raise Refusal(replies.NOT_A_QUESTION_THREAD)
    return await resolve_question(ctx, group, question)


async def resolve_question(ctx: Context, group: Group, question: Question) -> Reply:
    """The asker or an organizer of ``group`` resolves ``question`` (anyone else is refused)."""
    member = await groups.find_member(ctx.db, group, ctx.who.user_id)
    is_asker = member is not None and member.id == question.member_id
    if not (is_asker or groups.is_organizer(member, ctx.who)):
        raise Refusal("Only the person who asked, or an organizer, can resolve this question.")
    if question.status == QuestionStatus.RESOLVED:
        raise Refusal("This question is already resolved.")
    resolver = member or await member_here(ctx, group)  # an admin who never joined
    questions.resolve(question, resolver, ctx.now)
    await show_change(ctx, question, note="resolved", by=resolver)
    return say("Marked as resolved. Thanks for closing the loop!")


async def show_change(
    ctx: Context, question: Question, *, note: str | None = None, by: Member | None = None
) -> None:
    """After ``question`` changed (resolved, reopened, edited, moved, withdrawn): its post
    brought up to date and, with ``note``, a line in its thread; ledger rows of their own for
    each change, numbered by the question's revision (counted in the database, so that two
    changes at once get two numbers). No nudge once it is settled."""
    revision = await ctx.db.scalar(
        update(Question)
        .where(Question.id == question.id)
        .values(revision=Question.revision + 1)
        .returning(Question.revision)
    )
    seq = -(question.id * 1000 + (revision or 0) % 1000)  # apart from first posts' own seq
    payload = {"question": question.id, **({"note": note, "by": by.id} if note and by else {})}
    kinds = (DeliveryKind.QA_EDIT, *((DeliveryKind.QA_NOTE,) if note else ()))
    for kind in kinds:
        await ctx.post_later(
            run_id=question.run_id,
            meeting_id=question.meeting_id,
            kind=kind,
            seq=seq,
            payload=payload,
        )
    if question.status != QuestionStatus.OPEN:
        await questions.drop_nudge(ctx.db, question)


async def list_them(ctx: Context, command: grammar.Questions) -> Reply:
    """``/study questions [open|all] [unit]``, numbered as they were asked."""
    group = await group_here(ctx)
    run = await run_of(ctx, group, history=True)
    unit = None
    if command.unit is not None:
        unit = unit_named(await runs.syllabus_of_run(ctx.db, run), command.unit).id
    found = await questions.list_questions(ctx.db, run, scope=command.scope, unit=unit)
    return replies.question_list(
        found,
        numbers=await questions.numbers(ctx.db, run),
        answers=await questions.answer_counts(ctx.db, [q.id for q in found]),
        scope=command.scope,
        unit=unit,
    )


async def on_thread_message(ctx: Context, event: ThreadMessageEvent) -> Reply | None:
    """A message in a question's thread is an answer, unless the asker wrote it."""
    group = await groups.find_group(ctx.db, ctx.place)
    if group is None or ctx.place.thread is None:
        return None
    question = await questions.question_in_thread(
        ctx.db, await run_ids(ctx, group), ctx.place.thread
    )
    if question is None or not event.text.strip():
        return None
    member = await member_here(ctx, group)
    if member.id == question.member_id:
        return None  # the asker's follow-up ("thanks!", a clarification) is not an answer
    answer = await questions.record_answer(
        ctx.db,
        question=question,
        member=member,
        text=event.text[: grammar.MAX_TEXT],
        message_ref=event.message_ref,
        now=ctx.now,
    )
    asker = await ctx.db.get(Member, question.member_id)
    if answer is not None and asker is not None and asker.left_at is None:
        await questions.nudge_later(ctx.db, question, asker, answered_at=ctx.now)
    if answer is not None and pictures.any_worth_drawing(answer.text):
        # Its formulas typeset, in a reply under it (a member's own message cannot carry them).
        await ctx.post_later(
            run_id=question.run_id,
            meeting_id=question.meeting_id,
            kind=DeliveryKind.QA_FORMULAS,
            seq=answer.id,
        )
    return None


async def on_reaction(ctx: Context, event: ReactionEvent) -> Reply | None:
    """✅ on a question (or in its thread) by the asker or an organizer resolves it; on an
    answer, it also accepts that answer (quoted in the unit's FAQ)."""
    if event.emoji not in RESOLVE_EMOJI:
        return None
    group = await groups.find_group(ctx.db, ctx.place)
    if group is None:
        return None
    ids = await run_ids(ctx, group)
    question = await questions.question_by_message(ctx.db, ids, event.message_ref)
    if question is None or question.status not in ASKED:
        return None
    answer = await questions.answer_by_message(ctx.db, question, event.reply_ref)
    if question.status == QuestionStatus.RESOLVED and (
        answer is None or question.accepted_answer_id is not None
    ):
        return None
    try:
        if answer is not None:
            return await accept_answer(ctx, group, question, answer)
        return await resolve_question(ctx, group, question)
    except Refusal:
        return None  # a stranger's ✅ is just a reaction


async def accept_answer(ctx: Context, group: Group, question: Question, answer: Answer) -> Reply:
    """The asker or an organizer accepts ``answer``: the question is resolved by it."""
    member = await groups.find_member(ctx.db, group, ctx.who.user_id)
    is_asker = member is not None and member.id == question.member_id
    if not (is_asker or groups.is_organizer(member, ctx.who)):
        raise Refusal("Only the person who asked, or an organizer, can accept an answer.")
    resolver = member or await member_here(ctx, group)
    if question.status != QuestionStatus.RESOLVED:
        questions.resolve(question, resolver, ctx.now)
    question.accepted_answer_id = answer.id
    await show_change(ctx, question, note="accepted", by=resolver)
    return say("Accepted: that answer resolves the question and goes into the unit's FAQ.")
