"""Q&A threads: questions, their answers, and resolving them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.states import ASKED, POSTED, DeliveryKind, DeliveryStatus, QuestionStatus
from bot.store.models import Answer, Delivery, Member, Question, Run

QUIET = timedelta(days=5)  # a thread with replies this long without a new one: nudge its asker


async def question_in_thread(
    db: AsyncSession, run_ids: list[int], thread_ref: str
) -> Question | None:
    """The question whose thread is ``thread_ref``, among these runs. A thread named by its
    parent (Slack's are; so are Discord threads started from a message) is matched by the
    question's post too, which is recorded a moment before its thread."""
    if not run_ids:
        return None
    return await db.scalar(
        select(Question).where(
            Question.run_id.in_(run_ids),
            (Question.thread_ref == thread_ref) | (Question.message_ref == thread_ref),
        )
    )


async def question_by_message(db: AsyncSession, run_ids: list[int], ref: str) -> Question | None:
    """The question whose channel post or thread is ``ref`` (reactions land on either)."""
    if not run_ids:
        return None
    return await db.scalar(
        select(Question).where(
            Question.run_id.in_(run_ids),
            (Question.message_ref == ref) | (Question.thread_ref == ref),
        )
    )


async def record_answer(
    db: AsyncSession,
    *,
    question: Question,
    member: Member,
    text: str,
    message_ref: str,
    now: datetime,
) -> Answer | None:
    """Store an answer once per platform message; None if it was already stored."""
    exists = await db.scalar(
        select(Answer.id).where(
            Answer.question_id == question.id, Answer.message_ref == message_ref
        )
    )
    if exists is not None:
        return None
    answer = Answer(
        question_id=question.id,
        member_id=member.id,
        text=text,
        message_ref=message_ref,
        created_at=now,
    )
    db.add(answer)
    await db.flush()
    return answer


def resolve(question: Question, member: Member, now: datetime) -> None:
    """Mark ``question`` resolved by ``member``."""
    question.status, question.resolved_at, question.resolved_by = (
        QuestionStatus.RESOLVED,
        now,
        member.id,
    )


async def list_questions(
    db: AsyncSession, run: Run, *, scope: str, unit: str | None
) -> list[Question]:
    """A run's questions in the order they were asked (``scope`` open or all); never a draft
    or a withdrawn one, which the channel never saw."""
    query = (
        select(Question)
        .where(Question.run_id == run.id, Question.status.in_(ASKED))
        .order_by(Question.created_at, Question.id)  # a draft posted later counts from then
    )
    if scope == "open":
        query = query.where(Question.status == QuestionStatus.OPEN)
    if unit:
        query = query.where(Question.unit_id == unit)
    return list(await db.scalars(query))


async def numbers(db: AsyncSession, run: Run) -> dict[int, int]:
    """Each posted question's number in its run ("Question 3"), in the order they were posted;
    a withdrawn one keeps its number, so that the others keep theirs."""
    query = (
        select(Question.id)
        .where(Question.run_id == run.id, Question.status.in_(POSTED))
        .order_by(Question.created_at, Question.id)
    )
    return {question_id: n for n, question_id in enumerate(await db.scalars(query), start=1)}


async def answer_counts(db: AsyncSession, question_ids: list[int]) -> dict[int, int]:
    """How many answers each question has."""
    if not question_ids:
        return {}
    rows = await db.execute(
        select(Answer.question_id, func.count())
        .where(Answer.question_id.in_(question_ids))
        .group_by(Answer.question_id)
    )
    return {question_id: count for question_id, count in rows.all()}


async def answers_with_authors(db: AsyncSession, question: Question) -> list[tuple[int, str, str]]:
    """``question``'s answers, oldest first: (the answer's id, its author's name, its text)."""
    rows = await db.execute(
        select(Answer.id, Member.display_name, Answer.text)
        .join(Member, Member.id == Answer.member_id)
        .where(Answer.question_id == question.id)
        .order_by(Answer.created_at, Answer.id)
    )
    return [(answer_id, name, text) for answer_id, name, text in rows.all()]


async def answer_by_message(db: AsyncSession, question: Question, ref: str | None) -> Answer | None:
    """The answer to ``question`` whose message is ``ref`` (a reaction on it), if any."""
    if ref is None:
        return None
    return await db.scalar(
        select(Answer).where(Answer.question_id == question.id, Answer.message_ref == ref)
    )


async def nudge_later(
    db: AsyncSession, question: Question, asker: Member, *, answered_at: datetime
) -> None:
    """The asker's one "did this answer it?", due once the thread has been ``QUIET`` since
    this answer: written with the first answer, moved on by each later one, never sent twice."""
    if question.meeting_id is None or question.status != QuestionStatus.OPEN:
        return
    row = await db.scalar(
        select(Delivery).where(
            Delivery.kind == DeliveryKind.QA_NUDGE,
            Delivery.run_id == question.run_id,
            Delivery.seq == question.id,
        )
    )
    if row is None:
        db.add(
            Delivery(
                run_id=question.run_id,
                meeting_id=question.meeting_id,
                kind=DeliveryKind.QA_NUDGE,
                seq=question.id,
                target=asker.user_id,
                due_at=answered_at + QUIET,
            )
        )
    elif row.status == DeliveryStatus.PENDING:
        row.due_at = answered_at + QUIET


async def drop_nudge(db: AsyncSession, question: Question) -> None:
    """A settled question's nudge, not sent yet, is not sent at all."""
    await db.execute(
        delete(Delivery).where(
            Delivery.kind == DeliveryKind.QA_NUDGE,
            Delivery.run_id == question.run_id,
            Delivery.seq == question.id,
            Delivery.status == DeliveryStatus.PENDING,
        )
    )
