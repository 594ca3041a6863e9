"""Who may plan into whom: the priority policy (ASTM F3548 SCD0015–SCD0050).

A policy is a small strategy object with one method, passed to the engine; the default,
:class:`PriorityRule`, is the F3548 rule with equal priorities refused (the US and Swiss test
configurations).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from sharedsky.model import Operation

__all__ = ["PriorityPolicy", "PriorityRule", "Reason", "Verdict"]


class Verdict(enum.StrEnum):
    REFUSED = "refused"
    ALLOWED = "allowed"


class Reason(enum.StrEnum):
    LOWER_PRIORITY = "lower_priority"
    """The operation checked has a lower priority than the other: it may not plan into it."""
    HIGHER_PRIORITY = "higher_priority"
    EQUAL_PRIORITY_REFUSED = "equal_priority_refused"
    EQUAL_PRIORITY_ALLOWED = "equal_priority_allowed"
    OFF_NOMINAL = "off_nominal"
    """Nonconforming and contingent operations describe what is flown; they are not refused."""
    PREEXISTING = "preexisting"
    """An activated operation's conflict that its previous version already had."""
    SAME_PARTY = "same_party"


class PriorityPolicy(Protocol):
    def verdict(self, checked: Operation, other: Operation) -> tuple[Verdict, Reason]:
        """May ``checked`` be planned while it conflicts with ``other``?"""
        ...


@dataclass(frozen=True, slots=True)
class PriorityRule:
    """Lower priority may not plan into higher; equal priority per ``equal_priority_allowed``."""

    equal_priority_allowed: bool = False

    def verdict(self, checked: Operation, other: Operation) -> tuple[Verdict, Reason]:
        if checked.state.off_nominal:
            return Verdict.ALLOWED, Reason.OFF_NOMINAL
        if checked.party == other.party:
            return Verdict.ALLOWED, Reason.SAME_PARTY
        if checked.priority < other.priority:
            return Verdict.REFUSED, Reason.LOWER_PRIORITY
        if checked.priority > other.priority:
            return Verdict.ALLOWED, Reason.HIGHER_PRIORITY
        if self.equal_priority_allowed:
            return Verdict.ALLOWED, Reason.EQUAL_PRIORITY_ALLOWED
        return Verdict.REFUSED, Reason.EQUAL_PRIORITY_REFUSED
