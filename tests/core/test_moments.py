"""Moments: one token in the core's text, each reader's zone on the platforms that can show
it, the group's zone everywhere else; a member cannot write one."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.moments import MARKERS, Moment, as_written, moment, split
from bot.core.safety import defuse

AT = datetime(2026, 10, 26, 17, 30, tzinfo=UTC)  # the first Monday of Berlin's winter time


def test_a_moment_carries_its_instant_and_the_groups_reading() -> None:
    token = moment(AT, "Europe/Berlin")
    text = f"Next: Vectors, {token}. Bring questions."
    assert split(text) == [
        "Next: Vectors, ",
        Moment(int(AT.timestamp()), "Mon 26 Oct 2026, 18:30 CET"),
        ". Bring questions.",
    ]
    assert as_written(text) == "Next: Vectors, Mon 26 Oct 2026, 18:30 CET. Bring questions."
    assert as_written(moment(AT, "America/New_York")) == "Mon 26 Oct 2026, 13:30 EDT"


def test_member_text_cannot_carry_a_moment() -> None:
    forged = f"meet {MARKERS[0]}0{MARKERS[1]}never{MARKERS[2]} ok"
    assert split(defuse(forged)) == ["meet 0never ok"]
