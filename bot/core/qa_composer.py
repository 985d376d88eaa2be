"""What the ledger's Q&A rows say: a member's question posted with its thread, the post edited
when it is resolved, reopened or edited, a note in its thread, an answer's formulas typeset,
and the private "did this answer it?" nudge. The table ``QA_COMPOSERS`` joins
``bot.core.composer``'s."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import posts, qa_posts
from bot.core.models import ToDraw
from bot.core.outgoing import (
    Composed,
    Composer,
    Row,
    ToChannel,
    ToEdit,
    ToMember,
    ToReply,
    ToThread,
    waiting_for,
)
from bot.core.services import questions, runs
from bot.domain.states import DeliveryKind, QuestionStatus
from bot.store.models import Answer, Member, Question


async def question_of(db: AsyncSession, it: Row) -> Question:
    """The question a Q&A row is about (its ``seq``, or its payload's for a later change)."""
    payload = it.row.payload or {}
    question = await db.get(Question, int(payload.get("question", it.row.seq)))
    assert question is not None  # the row was written with its question
    return question


async def _qa_parts(db: AsyncSession, it: Row, question: Question) -> dict[str, Any]:
    syllabus = await runs.syllabus_of_run(db, it.run)
    asker = await db.get(Member, question.member_id)
    return {
        "number": (await questions.numbers(db, it.run))[question.id],
        "asker": asker.display_name if asker else "someone",
        "unit_title": syllabus.unit(question.unit_id).title,
        "text": question.text,
        "unit_id": question.unit_id,
    }


async def _qa_post(db: AsyncSession, it: Row) -> Composed:
    question = await question_of(db, it)
    message = posts.question_post(**await _qa_parts(db, it, question))
    to_draw = ToDraw(formulas_in=question.text)
    return Composed(outgoing=ToChannel(message), question_ref="message_ref", to_draw=to_draw)


async def _qa_thread(db: AsyncSession, it: Row) -> Composed | None:
    question = await question_of(db, it)
    if question.message_ref is None:
        await waiting_for(db, it, DeliveryKind.QA_POST)
        return None
    outgoing = ToThread(question.message_ref, posts.ANSWERS_GO_HERE)
    return Composed(outgoing=outgoing, question_ref="thread_ref")


async def _qa_edit(db: AsyncSession, it: Row) -> Composed | None:
    """The question's post, brought up to its state: resolved, open again (or edited, or
    moved to another unit), or withdrawn."""
    question = await question_of(db, it)
    if question.message_ref is None:
        await waiting_for(db, it, DeliveryKind.QA_POST)
        return None
    parts = await _qa_parts(db, it, question)
    if question.status == QuestionStatus.WITHDRAWN:
        message = qa_posts.question_withdrawn_post(
            number=parts["number"], unit_title=parts["unit_title"], unit_id=question.unit_id
        )
        return Composed(outgoing=ToEdit(question.message_ref, message))
    if question.status == QuestionStatus.RESOLVED:
        resolver = await db.get(Member, question.resolved_by) if question.resolved_by else None
        message = posts.question_resolved_post(
            **parts, resolver=resolver.display_name if resolver else "an organizer"
        )
    else:
        message = posts.question_post(**parts)
    to_draw = ToDraw(formulas_in=question.text)  # an edit replaces the pictures too
    return Composed(outgoing=ToEdit(question.message_ref, message), to_draw=to_draw)


async def _qa_note(db: AsyncSession, it: Row) -> Composed | None:
    """A line in the question's thread: resolved (perhaps by an accepted answer), or reopened."""
    question = await question_of(db, it)
    if question.thread_ref is None:
        await waiting_for(db, it, DeliveryKind.QA_THREAD)
        return None
    payload = it.row.payload or {}
    who = await db.get(Member, payload.get("by", question.resolved_by or 0))
    name = who.display_name if who else "an organizer"
    if payload.get("note") == "reopened":
        note = qa_posts.reopened_note(name)
    elif accepted := await db.get(Answer, question.accepted_answer_id or 0):
        author = await db.get(Member, accepted.member_id)
        note = qa_posts.accepted_note(name, author.display_name if author else "someone")
    else:
        note = posts.resolved_note(name)
    return Composed(outgoing=ToReply(question.thread_ref, note))


async def _qa_nudge(db: AsyncSession, it: Row) -> Composed | None:
    """To the asker alone: "did this answer it?", once the thread has been quiet a while."""
    question = await question_of(db, it)
    assert it.row.target is not None  # written with the asker's user id
    parts = await _qa_parts(db, it, question)
    message = qa_posts.quiet_nudge(
        question_id=question.id,
        number=parts["number"],
        text=question.text,
        answers=await questions.answers_with_authors(db, question),
        days=questions.QUIET.days,
    )
    return Composed(outgoing=ToMember(it.row.target, message), link_to=question.message_ref)


async def _qa_formulas(db: AsyncSession, it: Row) -> Composed | None:
    answer = await db.get(Answer, it.row.seq)
    assert answer is not None  # the row was written with its answer
    question = await db.get(Question, answer.question_id)
    assert question is not None
    if question.thread_ref is None:
        await waiting_for(db, it, DeliveryKind.QA_THREAD)
        return None
    author = await db.get(Member, answer.member_id)
    message = posts.answer_formulas(author.display_name if author else "someone")
    to_draw = ToDraw(formulas_in=answer.text)
    return Composed(outgoing=ToReply(question.thread_ref, message), to_draw=to_draw)


QA_COMPOSERS: dict[DeliveryKind, Composer] = {
    DeliveryKind.QA_POST: _qa_post,
    DeliveryKind.QA_THREAD: _qa_thread,
    DeliveryKind.QA_EDIT: _qa_edit,
    DeliveryKind.QA_NOTE: _qa_note,
    DeliveryKind.QA_FORMULAS: _qa_formulas,
    DeliveryKind.QA_NUDGE: _qa_nudge,
}
