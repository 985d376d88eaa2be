"""A unit's FAQ: its resolved questions across cohorts, each with the answer its asker or an
organizer accepted, as a member of one group may see them (``bot.core.access``): featured
ones first, hidden ones left out (organizers see them, marked)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core import access
from bot.core.models import Place
from bot.core.services import groups
from bot.core.services.questions import answer_counts
from bot.domain.states import FaqMark, QuestionStatus
from bot.store.models import Answer, Group, Question


@dataclass(frozen=True, kw_only=True)
class Entry:
    """One resolved question of a unit's FAQ."""

    question_id: int
    text: str
    unit_id: str
    answers: int
    accepted: str | None  # the accepted answer's text
    mark: FaqMark | None
    place: Place  # its group's channel, for its link
    message_ref: str | None
    elsewhere: bool  # from another group that shares its questions


# An entry is listed unless an organizer hid it.
LISTED = Question.faq.is_(None) | (Question.faq != FaqMark.HIDDEN)


def _resolved_on(
    query: Select[Any], group: Group, syllabus_id: str, units: Sequence[str]
) -> Select[Any]:
    resolved = query.where(Question.status == QuestionStatus.RESOLVED, Question.unit_id.in_(units))
    return access.questions_seen(resolved, group, syllabus_id)


async def count(db: AsyncSession, group: Group, syllabus_id: str, units: Sequence[str]) -> int:
    """How many FAQ entries ``units`` have (what a kickoff says); hidden ones do not count."""
    query = _resolved_on(select(func.count(Question.id)), group, syllabus_id, units).where(LISTED)
    return int(await db.scalar(query) or 0)


async def entries(
    db: AsyncSession, group: Group, syllabus_id: str, unit: str, *, with_hidden: bool
) -> list[Entry]:
    """The FAQ of ``unit``: featured first, then those with the most answers, oldest first."""
    accepted = aliased(Answer)
    query = _resolved_on(select(Question, Group, accepted.text), group, syllabus_id, [unit])
    query = query.outerjoin(accepted, accepted.id == Question.accepted_answer_id)
    if not with_hidden:
        query = query.where(LISTED)
    rows = (await db.execute(query.order_by(Question.created_at, Question.id))).all()
    answers = await answer_counts(db, [question.id for question, _, _ in rows])
    found = [
        Entry(
            question_id=question.id,
            text=question.text,
            unit_id=question.unit_id,
            answers=answers.get(question.id, 0),
            accepted=accepted_text,
            mark=FaqMark(question.faq) if question.faq else None,
            place=groups.place_of(owner),
            message_ref=question.message_ref,
            elsewhere=owner.id != group.id,
        )
        for question, owner, accepted_text in rows
    ]
    return sorted(found, key=lambda e: (e.mark != FaqMark.FEATURED, -e.answers))
