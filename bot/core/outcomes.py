"""What delivering a ledger row came to, and what a tick did, by outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Outcome(StrEnum):
    """What one delivery attempt came to."""

    SENT = "sent"
    MISSED = "missed"  # its run ended: never to be sent
    LATE = "late"  # due longer ago than the grace period (the bot was offline): never sent
    FAILED = "failed"  # the platform kept refusing it
    RETRY = "retry"  # held by a pause, or waiting: a later tick tries again


@dataclass
class TickReport:
    """The delivery keys a tick handled, by outcome."""

    sent: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    retry: list[str] = field(default_factory=list)

    def add(self, outcome: Outcome, key: str) -> None:
        """Record ``key`` under its outcome."""
        self.by_outcome()[outcome].append(key)

    def by_outcome(self) -> dict[Outcome, list[str]]:
        """The four lists, by outcome."""
        return {
            Outcome.SENT: self.sent,
            Outcome.MISSED: self.missed,
            Outcome.LATE: self.missed,
            Outcome.FAILED: self.failed,
            Outcome.RETRY: self.retry,
        }

    def extend(self, other: TickReport) -> None:
        """Add every key of ``other``."""
        for outcome in (Outcome.SENT, Outcome.MISSED, Outcome.FAILED, Outcome.RETRY):
            self.by_outcome()[outcome].extend(other.by_outcome()[outcome])
