"""Every handler, reached through two explicit tables built at import time: one for ``/study``
commands (by command type) and one for kickoff buttons (by action). A test checks that every
command the grammar can produce has a handler here."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.core import grammar, qa_posts, qa_replies
from bot.core.context import Context
from bot.core.handlers import (
    checkins,
    faq,
    meetings,
    membership,
    question_changes,
    questions,
    reports,
    runs,
    syllabi,
)
from bot.core.models import ActionEvent, Reply

Handler = Callable[[Context, Any], Awaitable[Reply | None]]

COMMANDS: dict[type[grammar.Command], Handler] = {
    grammar.Help: reports.help_topic,
    grammar.Join: membership.join,
    grammar.Leave: membership.leave,
    grammar.CheckIn: checkins.checkin,
    grammar.Ask: questions.ask,
    grammar.Tex: questions.tex,
    grammar.Resolve: questions.resolve,
    grammar.Questions: questions.list_them,
    grammar.Faq: faq.show,
    grammar.Reopen: question_changes.reopen,
    grammar.Edit: question_changes.edit,
    grammar.Move: question_changes.move,
    grammar.Withdraw: question_changes.withdraw,
    grammar.Sharing: faq.sharing,
    grammar.Progress: reports.progress,
    grammar.Me: reports.me,
    grammar.ShowSchedule: runs.show_schedule,
    grammar.SyllabusList: syllabi.list_them,
    grammar.SyllabusShow: syllabi.show,
    grammar.Reminders: membership.reminders,
    grammar.Away: membership.away,
    grammar.Back: membership.back,
    grammar.Organizers: membership.organizers,
    grammar.Start: runs.start,
    grammar.Plan: runs.plan,
    grammar.Pause: runs.pause,
    grammar.Resume: runs.resume,
    grammar.Skip: runs.skip,
    grammar.Stop: runs.stop,
    grammar.Reschedule: meetings.reschedule,
    grammar.Break: meetings.add_break,
    grammar.Holidays: meetings.holidays,
    grammar.Unskip: meetings.unskip,
    grammar.Remind: meetings.remind,
    grammar.MeetAt: meetings.meet_at,
    grammar.Organizer: membership.organizer,
    grammar.Export: reports.export,
}

ACTIONS: dict[str, Callable[[Context, ActionEvent], Awaitable[Reply]]] = {
    "checkin": checkins.click,
    "ask": questions.ask_click,
    "stop": runs.stop_click,  # the confirmation button of ``/study stop``
    qa_replies.POST_ANYWAY: questions.post_draft,  # under "Asked before"
    qa_replies.WITHDRAW: questions.withdraw_draft,
    qa_posts.ACCEPT: question_changes.accept_click,  # the quiet-thread nudge's buttons
    qa_posts.RESOLVE: question_changes.resolve_click,
    qa_posts.KEEP: question_changes.keep_click,
}

__all__ = ["ACTIONS", "COMMANDS", "Handler"]
