"""Q&A threads: questions, their answers, and resolving them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.states import ASKED, QuestionStatus
from bot.store.models import Answer, Member, Question, Run


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
