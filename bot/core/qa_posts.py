"""What the bot posts about a Q&A question after it is asked: the post of one withdrawn by its
asker, the notes in its thread when it is reopened or an answer is accepted, and the private
nudge to an asker whose thread went quiet."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.models import Actions, Button, Heading, Message, Paragraph, SmallPrint
from bot.core.posts import plural
from bot.core.safety import defuse, one_line


def question_withdrawn_post(*, number: int, unit_title: str, unit_id: str = "") -> Message:
    """A question its asker withdrew before anyone answered: its text is gone from the post."""
    return Message(
        text=f"Question {number} was withdrawn by its asker.",
        blocks=(
            Heading(f"Question {number} · {unit_title} (withdrawn)"),
            Paragraph("Withdrawn by its asker before anyone answered."),
        ),
        labels=(*((unit_id,) if unit_id else ()),),
    )


def reopened_note(who: str) -> Message:
    """Said in a question's thread when it is reopened."""
    note = f"Reopened by {defuse(who)}: answers are welcome again."
    return Message(text=note, blocks=(Paragraph(note),))


def accepted_note(resolver: str, author: str) -> Message:
    """Said in a question's thread when an answer is accepted (which resolves the question)."""
    note = f"✅ Resolved by {defuse(resolver)}: {defuse(author)}'s answer did it. Thank you!"
    return Message(text=note, blocks=(Paragraph(note),))


ACCEPT = "qa-accept"  # a nudge's button: this answer did it (value: the answer's id)
RESOLVE = "qa-resolve"  # it is answered, no one answer in particular (value: the question's id)
KEEP = "qa-keep"  # not yet: it stays open


def quiet_nudge(
    *,
    question_id: int,
    number: int,
    text: str,
    answers: Sequence[tuple[int, str, str]],
    days: int,
) -> Message:
    """To the asker alone, once: their question has replies and has been quiet a while. The
    buttons accept one of the latest answers, resolve it, or leave it open."""
    intro = (
        f"Your question {number}, “{defuse(one_line(text, 120))}”, has "
        f"{plural(len(answers), 'answer')} and no new one for {plural(days, 'day')}. Did it "
        "answer your question?"
    )
    how = (
        "If an answer did, press it (or react ✅ on it in the thread): it goes into the unit's "
        "FAQ for the next readers. If not, a follow-up in the thread brings it back to "
        "everyone's attention. Nobody else sees this message."
    )
    latest = answers[-MAX_ANSWER_BUTTONS:]
    buttons = (
        *(
            Button(f"{one_line(name, 20)}: “{one_line(said, 40)}”", ACCEPT, str(a))
            for a, name, said in latest
        ),
        Button("Yes, resolve it", RESOLVE, str(question_id), "primary"),
        Button("Not yet", KEEP, str(question_id)),
    )
    blocks = (Paragraph(intro), Paragraph(how), Actions(buttons))
    return Message(text=f"{intro} {how}", blocks=(*blocks, SmallPrint("studybot, privately")))


MAX_ANSWER_BUTTONS = 3  # the latest answers get a button each; ✅ in the thread takes any


def with_faq(message: Message, *, count: int, unit_id: str) -> Message:
    """A kickoff, with how many questions earlier cohorts resolved on its reading."""
    if not count:
        return message
    line = (
        f"Asked before on this reading: {plural(count, 'question')} with answers "
        f"(`/study faq {unit_id}`)."
    )
    return message.followed_by(SmallPrint(line))
