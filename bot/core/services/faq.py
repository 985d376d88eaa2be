"""A unit's FAQ: its resolved questions across cohorts, each with the answer its asker or an
organizer accepted, as a member of one group may see them (``bot.core.access``): featured
ones first, hidden ones left out (organizers see them, marked)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.core import access
from bot.core.models import Place
from bot.core.services.questions import answer_counts
from bot.domain.states import FaqMark, QuestionStatus
from bot.store.models import Answer, Group, Question, Run, StoredSyllabus


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


def _resolved_on(group: Group, syllabus_id: str, units: Sequence[str]) -> list[ColumnElement[bool]]:
    return [
        StoredSyllabus.syllabus_id == syllabus_id,
        Question.status == QuestionStatus.RESOLVED,
        Question.unit_id.in_(units),
        access.questions_seen_from(group),
    ]


def _joined(query: Select[Any]) -> Select[Any]:
    return (
        query.join(Run, Run.id == Question.run_id)
        .join(StoredSyllabus, StoredSyllabus.id == Run.syllabus_pk)
        .join(Group, Group.id == Run.group_id)
    )


async def count(db: AsyncSession, group: Group, syllabus_id: str, units: Sequence[str]) -> int:
    """How many FAQ entries ``units`` have (what a kickoff says); hidden ones do not count."""
    query = _joined(select(func.count(Question.id))).where(
        *_resolved_on(group, syllabus_id, units),
        (Question.faq.is_(None)) | (Question.faq != FaqMark.HIDDEN),
    )
    return int(await db.scalar(query) or 0)


async def entries(
    db: AsyncSession, group: Group, syllabus_id: str, unit: str, *, with_hidden: bool
) -> list[Entry]:
    """The FAQ of ``unit``: featured first, then those with the most answers, oldest first."""
    accepted = aliased(Answer)
    query = (
        _joined(select(Question, Group, accepted.text))
        .outerjoin(accepted, accepted.id == Question.accepted_answer_id)
        .where(*_resolved_on(group, syllabus_id, [unit]))
    )
    if not with_hidden:
        query = query.where((Question.faq.is_(None)) | (Question.faq != FaqMark.HIDDEN))
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
            place=Place(platform=owner.platform, workspace=owner.workspace, channel=owner.channel),
            message_ref=question.message_ref,
            elsewhere=owner.id != group.id,
        )
        for question, owner, accepted_text in rows
    ]
    return sorted(found, key=lambda e: (e.mark != FaqMark.FEATURED, -e.answers))
