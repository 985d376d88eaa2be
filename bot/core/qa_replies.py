"""What the bot says about questions that were asked before: the suggestions beside a new
question, and the answers to the buttons under them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.core.models import (
    Actions,
    Block,
    Bullets,
    Button,
    Link,
    Links,
    Paragraph,
    Reply,
    SmallPrint,
)
from bot.core.posts import plural
from bot.core.replies import say, titled
from bot.core.safety import defuse, one_line
from bot.domain.states import FaqMark


class FaqEntry(Protocol):
    """What the FAQ shows of an entry (``bot.core.services.faq.Entry``)."""

    question_id: int
    text: str
    answers: int
    accepted: str | None
    mark: FaqMark | None
    elsewhere: bool


POST_ANYWAY = "post-question"  # the button that posts a draft
WITHDRAW = "withdraw-question"  # the button that drops it

DRAFT_GONE = (
    "That question is no longer waiting: it was posted or withdrawn already. "
    "`/study questions` lists the group's questions."
)
WITHDRAWN = "Withdrawn: nothing was posted. Ask again any time with `/study ask ...`."


def asked_before(found: Sequence[tuple[str, str | None]], *, draft_id: int) -> Reply:
    """A new question that looks like earlier ones: those (each a description and its link,
    if the platform gives one), and the buttons that post it anyway or withdraw it. Only the
    asker sees this; nothing is posted until they choose."""
    linked = tuple(Link(about, url) for about, url in found if url)
    unlinked = tuple(about for about, url in found if not url)
    blocks: list[Block] = []
    blocks += [Links(linked)] if linked else []
    blocks += [Bullets(unlinked)] if unlinked else []
    blocks += [
        Paragraph(
            "Does one of these answer yours? If not, post it: the group sees it as usual. "
            "Only you see this."
        ),
        Actions(
            (
                Button("Post my question", POST_ANYWAY, str(draft_id), "primary"),
                Button("Withdraw it", WITHDRAW, str(draft_id)),
            )
        ),
    ]
    return titled("Asked before", blocks)


def describe(text: str, *, resolved: bool, answers: int, elsewhere: bool) -> str:
    """One earlier question as the suggestions name it (no asker's name: see ``access``)."""
    state = "resolved" if resolved else "open"
    where = ", in another group" if elsewhere else ""
    return f"“{defuse(one_line(text, 90))}” ({state}, {plural(answers, 'answer')}{where})"


def withdrawn() -> Reply:
    """The *Withdraw it* button: the draft is gone."""
    return say(WITHDRAWN)


NOT_OURS = (
    "There is no resolved question with that number in this group. `/study faq` lists them "
    "with their numbers; another group's questions are marked by its own organizers."
)
NOT_RESOLVED = "Only a resolved question is in the FAQ: resolve it first (✅ or `/study resolve`)."


def sharing(*, on: bool) -> str:
    """``/study sharing on|off``: what changed, said to the group."""
    if on:
        return (
            "This group now shares its questions: other groups reading the same book see them "
            "(never who asked) in their “Asked before” suggestions and their FAQ. "
            "`/study sharing off` stops it."
        )
    return "This group's questions are its own again: other groups no longer see them."


def faq(
    unit_id: str,
    title: str,
    found: Sequence[tuple[FaqEntry, str | None]],
    *,
    organizer: bool,
) -> Reply:
    """``/study faq``: a unit's resolved questions, each with its accepted answer quoted.
    Organizers see every entry's number (for ``feature|hide|unmark``) and the hidden ones."""
    heading = f"Asked before on {unit_id}: {title}"
    if not found:
        return titled(
            heading,
            [Paragraph("No resolved questions on this unit yet. Ask with `/study ask ...`.")],
        )
    blocks: list[Block] = []
    for entry, url in found:
        flags = [FLAG[entry.mark]] if entry.mark else []
        flags += ["from another group"] if entry.elsewhere else []
        number = f"#{entry.question_id} " if organizer else ""
        about = (
            f"{number}{defuse(one_line(entry.text, 200))} ({plural(entry.answers, 'answer')}"
            f"{''.join(', ' + f for f in flags)})"
        )
        blocks.append(Links((Link(about, url),)) if url else Bullets((about,)))
        if entry.accepted:
            blocks.append(Paragraph(f"Accepted answer: {defuse(one_line(entry.accepted, 300))}"))
    if organizer:
        blocks.append(SmallPrint(ORGANIZER_HINT))
    return titled(heading, blocks)


FLAG = {FaqMark.FEATURED: "featured", FaqMark.HIDDEN: "hidden: only organizers see it"}
ORGANIZER_HINT = "Organizers: `/study faq feature|hide|unmark <number>` changes an entry."


def marked(question_id: int, mark: FaqMark | None) -> str:
    """``/study faq feature|hide|unmark``: done."""
    if mark is FaqMark.FEATURED:
        return f"#{question_id} is featured: it comes first in its unit's FAQ."
    if mark is FaqMark.HIDDEN:
        return f"#{question_id} is hidden from the FAQ (organizers still see it, marked)."
    return f"#{question_id} is listed in the FAQ as usual."


# --- a question after it is asked (bot.core.handlers.question_changes) ----------------------

NAME_THE_QUESTION = (
    "Which question? Give its number (`/study questions all` lists them), e.g. "
    "`/study reopen 3`, or type the command in the question's thread."
)
ASKERS_ONLY = "Only the person who asked that question can change it."
REOPEN_WHO = "Only the person who asked, or an organizer, can reopen this question."
NOT_RESOLVED_YET = "That question is still open: there is nothing to reopen."
REOPENED = "Reopened: its post says so again, and answers in its thread count."
WITHDRAWN_ALREADY = "That question was withdrawn; ask again with `/study ask ...`."
EDITED = "Edited: its post in the channel now reads as you wrote."
WITHDRAW_OPEN_ONLY = "Only an open question can be withdrawn; a resolved one stays for the FAQ."
ANSWERED_ALREADY = (
    "Someone has answered it already, so it stays: their answer is part of the group's record. "
    "`/study edit` rewrites it instead."
)
WITHDRAWN_POSTED = "Withdrawn: its post now says so, and it is not counted or listed."


def no_such_question(number: int, count: int) -> str:
    """A question number that is not one of the run's."""
    if count == 0:
        return "No questions have been asked in this run yet."
    return f"There is no question {number}: this run has questions 1 to {count}."


def moved(unit: str) -> str:
    """``/study move``: done."""
    return f"Moved: it is filed under {unit} now, and its post says so."


NUDGE_GONE = "That question is no longer there to resolve (it was withdrawn, or its run removed)."
ACCEPTED_ALREADY = "An answer to that question was accepted already."
KEPT_OPEN = (
    "It stays open. A follow-up in its thread brings it back to everyone's attention; ✅ on an "
    "answer there resolves it when one does."
)
