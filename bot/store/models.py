"""The tables. Every change here needs an Alembic migration (``alembic check`` runs in the tests).

Timestamps are always timezone-aware UTC in Python, whatever the database keeps.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from bot.domain.states import (
    CheckinStatus,
    DeliveryKind,
    DeliveryStatus,
    FaqMark,
    QuestionStatus,
    ReminderMode,
    Role,
    RunStatus,
)


def utcnow() -> datetime:
    """Now, aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out; SQLite keeps naive UTC, PostgreSQL ``timestamptz``."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Aware datetimes go in as UTC (naive UTC on SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Datetimes come out aware, in UTC."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _one_of(column: str, values: type[StrEnum]) -> CheckConstraint:
    allowed = ", ".join(f"'{v.value}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_allowed")


class Base(DeclarativeBase):
    """The declarative base, with constraint names that migrations can rely on."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
        list[Any]: JSON(),
    }


class Group(Base):
    """A study group: one channel on one platform."""

    __tablename__ = "groups"
    __table_args__ = (UniqueConstraint("platform", "workspace", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Organizers' choice: other groups of this installation reading the same book may see this
    # group's questions in their suggestions and FAQ. Off until an organizer turns it on.
    shares_questions: Mapped[bool] = mapped_column(default=False)


class Member(Base):
    """A person in a group: role, reminder preference, when they joined or left."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("group_id", "user_id"),
        _one_of("role", Role),
        _one_of("reminders", ReminderMode),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER)
    reminders: Mapped[str] = mapped_column(String(16), default=ReminderMode.CHANNEL)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    # `/study away until ...`: sessions on these days (in the group's zone) neither nudge the
    # member nor count against them; `/study back` ends the absence today.
    away_from: Mapped[date | None]
    away_until: Mapped[date | None]

    def away_on(self, day: date) -> bool:
        """Whether the member said they are away on ``day``."""
        return (
            self.away_from is not None
            and self.away_until is not None
            and self.away_from <= day <= self.away_until
        )


class StoredSyllabus(Base):
    """A syllabus exactly as it was loaded; runs point here, so editing a file later changes
    nothing for a group already reading it."""

    __tablename__ = "syllabi"
    __table_args__ = (UniqueConstraint("syllabus_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    syllabus_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]]
    source: Mapped[str] = mapped_column(String(500), default="")
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Run(Base):
    """A group reading one syllabus on one schedule."""

    __tablename__ = "runs"
    __table_args__ = (_one_of("status", RunStatus), Index(None, "group_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    syllabus_pk: Mapped[int] = mapped_column(ForeignKey("syllabi.id"))
    schedule: Mapped[dict[str, Any]]
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.ACTIVE)
    started_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    skipped: Mapped[list[Any]] = mapped_column(default=list)  # ISO dates organizers skipped


class Meeting(Base):
    """One dated meeting of a run (the table keeps its first name, ``sessions``)."""

    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("run_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    index: Mapped[int]
    week: Mapped[int]
    starts_at: Mapped[datetime]
    reminder_at: Mapped[datetime]
    summary_at: Mapped[datetime]
    title: Mapped[str] = mapped_column(String(1000))
    units: Mapped[list[Any]]
    readings: Mapped[list[Any]]


class CheckIn(Base):
    """How a member's reading went for one meeting; a new one replaces the old."""

    __tablename__ = "checkins"
    __table_args__ = (
        UniqueConstraint("session_id", "member_id"),
        _one_of("status", CheckinStatus),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        "session_id", ForeignKey("sessions.id", ondelete="CASCADE")
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Question(Base):
    """A Q&A question: its post, its thread, and whether it is resolved."""

    __tablename__ = "questions"
    __table_args__ = (
        _one_of("status", QuestionStatus),
        _one_of("faq", FaqMark),
        Index(None, "run_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(
        "session_id", ForeignKey("sessions.id", ondelete="SET NULL")
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    unit_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=QuestionStatus.OPEN)
    message_ref: Mapped[str | None] = mapped_column(String(128))
    thread_ref: Mapped[str | None] = mapped_column(String(128), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    # The answer the asker or an organizer accepted: quoted in the unit's FAQ.
    accepted_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("answers.id", ondelete="SET NULL", use_alter=True)
    )
    faq: Mapped[str | None] = mapped_column(String(16))  # FaqMark, or None: listed as usual
    # Counts the changes after posting (resolved, reopened, edited, moved): each one's edit of
    # the post and note in its thread are ledger rows of their own (``bot.core.qa_changes``).
    revision: Mapped[int] = mapped_column(default=0, server_default="0")


class Answer(Base):
    """A message in a question's thread by someone other than the asker."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("question_id", "message_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    message_ref: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Delivery(Base):
    """The ledger: one row per post the bot makes on its own, sent exactly once.

    ``(run, session, kind, seq)`` is the key; ``seq`` numbers the question threads of a kickoff,
    and is the member's id for a direct message (one row per member: a crash or one closed DM
    never repeats the others).
    A tick looks for ``status = 'pending' AND due_at <= now`` (or an expired claim), which the
    ``(status, due_at)`` index answers in one lookup however many groups exist. On PostgreSQL a
    trigger notifies ``studybot_ledger`` whenever a row becomes pending, to wake every sender.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("run_id", "session_id", "kind", "seq"),
        _one_of("kind", DeliveryKind),
        _one_of("status", DeliveryStatus),
        Index(None, "status", "due_at"),
        # next_wake's earliest retry, one walk. SQLite keeps only the rows backing off after a
        # failure (it cannot skip the NULLs otherwise); a PostgreSQL-only predicate here would
        # load that dialect at every start, for a few MB of index saved on a big server.
        Index(None, "status", "retry_at", sqlite_where=text("retry_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    meeting_id: Mapped[int] = mapped_column(
        "session_id", ForeignKey("sessions.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(16))
    seq: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    # After a failed attempt the row waits until then (a growing back-off), not at once.
    retry_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    message_ref: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
    # A direct message's recipient (a reminder DM, a notice to an organizer); None: the channel.
    target: Mapped[str | None] = mapped_column(String(64))
    # What a post says that cannot be read back from the run (a notice's count and oldest time).
    payload: Mapped[dict[str, Any] | None]


class ProcessedEvent(Base):
    """Platforms retry: an incoming event id is recorded in the same transaction as its
    effects, so the same event delivered twice changes nothing the second time."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    event_id: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SendSlot(Base):
    """The next free moment to post to a channel, or to a workspace under a ceiling.

    Every process that sends reserves its turn here (``bot.core.pacing``), so N processes keep
    to one platform limit together: the rate lives where they all meet, the database.
    """

    __tablename__ = "send_slots"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    # Seconds since the epoch, real time: the platforms' limits are in real time.
    next_at: Mapped[float]
