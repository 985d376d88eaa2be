"""Earlier questions on the same book that a new question may repeat: in this group's runs of
the syllabus and, where their organizers share them, in other groups' (``bot.core.access``).
The ranking itself is ``bot.core.similar``; it is built once per set of questions and kept."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core import access, semantic
from bot.core.models import Place
from bot.core.services import groups
from bot.core.services.questions import answer_counts
from bot.core.similar import Ranking  # light: bm25s and numpy load with the first ranking
from bot.domain.states import ASKED, QuestionStatus
from bot.store.models import Group, Question, Run

SHOWN = 3  # suggestions at most: a short list is read, a long one is not
KEPT = 32  # rankings kept (one per group and syllabus asked about recently)


@dataclass(frozen=True, kw_only=True)
class Earlier:
    """An earlier question close to a new one, as its asker may be shown it."""

    question_id: int
    text: str
    unit_id: str
    resolved: bool
    answers: int
    place: Place  # the channel of its group, for its link
    message_ref: str | None
    elsewhere: bool  # asked in another group that shares its questions
    score: float


_rankings: dict[tuple[int, str], tuple[tuple[int, ...], Ranking | semantic.Meanings]] = {}


def _visible(group: Group, syllabus_id: str) -> Select[tuple[int, str]]:
    query = select(Question.id, Question.text).where(Question.status.in_(ASKED))
    return access.questions_seen(query, group, syllabus_id)


async def _ranking(db: AsyncSession, group: Group, syllabus_id: str) -> Ranking | semantic.Meanings:
    """The ranking of every question ``group`` may be shown on ``syllabus_id``, rebuilt only
    when that set changed (its size, newest id and id sum: a question added, withdrawn or a
    group's sharing turned on or off)."""
    visible = _visible(group, syllabus_id).subquery()
    counted = select(
        func.count(),
        func.coalesce(func.max(visible.c.id), 0),
        func.coalesce(func.sum(visible.c.id), 0),
    )
    signature = tuple((await db.execute(counted)).one())
    key = (group.id, syllabus_id)
    kept = _rankings.get(key)
    if kept is not None and kept[0] == signature:
        return kept[1]
    rows = (await db.execute(_visible(group, syllabus_id))).all()
    earlier = [(question_id, text) for question_id, text in rows]
    # Off the event loop: other groups' events go on while a large set is indexed (or, with
    # the semantic extra, while the model loads and new questions are embedded).
    kind = semantic.Meanings if semantic.installed() else Ranking
    ranking = await asyncio.to_thread(kind, earlier)
    _rankings.pop(key, None)
    _rankings[key] = (signature, ranking)  # newest last
    while len(_rankings) > KEPT:
        del _rankings[next(iter(_rankings))]
    return ranking


async def similar(db: AsyncSession, group: Group, syllabus_id: str, text: str) -> list[Earlier]:
    """The earlier questions most like ``text`` (at most ``SHOWN``), best first."""
    ranking = await _ranking(db, group, syllabus_id)
    matches = await asyncio.to_thread(ranking.best, text, limit=SHOWN)
    if not matches:
        return []
    score = {m.question_id: m.score for m in matches}
    rows = (
        await db.execute(
            select(Question, Group)
            .join(Run, Run.id == Question.run_id)
            .join(Group, Group.id == Run.group_id)
            .where(Question.id.in_(score))
        )
    ).all()
    answers = await answer_counts(db, list(score))
    found = [
        Earlier(
            question_id=question.id,
            text=question.text,
            unit_id=question.unit_id,
            resolved=question.status == QuestionStatus.RESOLVED,
            answers=answers.get(question.id, 0),
            place=groups.place_of(owner),
            message_ref=question.message_ref,
            elsewhere=owner.id != group.id,
            score=score[question.id],
        )
        for question, owner in rows
    ]
    return sorted(found, key=lambda e: -e.score)
