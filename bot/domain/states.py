"""The states and kinds stored in the database, one enum each. They are ``StrEnum`` so that a
value read back from a text column compares equal to its member."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a member may do in a group."""

    ORGANIZER = "organizer"
    MEMBER = "member"


class ReminderMode(StrEnum):
    """How a member wants the mid-week nudge: by direct message, only the channel's post, or
    not at all (left out of the nudge's count too)."""

    DM = "dm"
    CHANNEL = "channel"
    OFF = "off"


class RunStatus(StrEnum):
    """Where a group is in reading one syllabus."""

    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"
    CANCELLED = "cancelled"


OPEN_RUN = (RunStatus.ACTIVE, RunStatus.PAUSED)  # a run that still posts, or will after resume


class CheckinStatus(StrEnum):
    """How a member's reading went this week."""

    DONE = "done"
    PARTIAL = "partial"
    BEHIND = "behind"


class QuestionStatus(StrEnum):
    """A Q&A question: a draft shown to its asker beside similar earlier questions (dropped if
    they withdraw it), then posted (open), resolved by the asker or an organizer, or withdrawn
    by the asker while unanswered (its post says so, and it keeps its number)."""

    DRAFT = "draft"
    OPEN = "open"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


ASKED = (QuestionStatus.OPEN, QuestionStatus.RESOLVED)  # posted in the channel, and counted
POSTED = (*ASKED, QuestionStatus.WITHDRAWN)  # given a number (a withdrawn one keeps its number)


class FaqMark(StrEnum):
    """An organizer's say on a resolved question in its unit's FAQ (none: listed as usual)."""

    FEATURED = "featured"  # listed first
    HIDDEN = "hidden"  # not listed


class DeliveryKind(StrEnum):
    """The posts of one meeting, in the order they go out."""

    KICKOFF = "kickoff"
    QUESTION = "question"
    REMINDER = "reminder"
    SUMMARY = "summary"
    REMINDER_DM = "reminder_dm"  # one per member who asked for DMs, written by the reminder
    NOTICE = "notice"  # to one organizer: posts that came too late to send
    QA_POST = "qa_post"  # a member's question, posted for the channel (seq: the question's id)
    QA_THREAD = "qa_thread"  # the thread its answers go in
    QA_EDIT = "qa_edit"  # the question's post, edited to show it resolved
    QA_NOTE = "qa_note"  # "resolved by ..." in the question's thread
    QA_FORMULAS = "qa_formulas"  # an answer's formulas, typeset in its thread (seq: its id)
    SOON = "soon"  # "starts in 30 minutes", when the schedule has remind_before
    EVENT = "event"  # the session's platform event: seq 0 creates it, later ones update it
    EVENT_CANCEL = "event_cancel"  # the event of a session that will not take place
    QA_NUDGE = "qa_nudge"  # to the asker alone: a quiet thread with replies, did it answer it?


class DeliveryStatus(StrEnum):
    """A ledger row's life: pending -> claimed -> sent (or missed/failed); held while paused."""

    PENDING = "pending"
    CLAIMED = "claimed"
    SENT = "sent"
    MISSED = "missed"
    FAILED = "failed"
    HELD = "held"
