"""What a strategic check finds: conflicts between volumes of two operations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import NamedTuple

from sharedsky.strategic.policy import Reason, Verdict

__all__ = ["CheckResult", "Conflict"]


class Conflict(NamedTuple):
    """Volume ``a_volume`` of operation ``a`` (the one checked) against ``b_volume`` of ``b``.

    An immutable record (a named tuple: checks create many, and cheaply).

    ``time_start``/``time_end`` bound the period in which ``a``'s window meets ``b``'s window
    grown by the time buffer. Gaps are negative when the volumes overlap (see
    :mod:`sharedsky.geo.distance` for the lateral one); a conflict is a gap below its buffer in
    all three dimensions.
    """

    a: str
    a_party: str
    a_volume: int
    b: str
    b_party: str
    b_volume: int
    time_start_s: float
    """Seconds since the Unix epoch (UTC); :attr:`time_start` gives the datetime."""
    time_end_s: float
    lateral_gap_m: float
    vertical_gap_m: float
    lateral_buffer_m: float
    vertical_buffer_m: float
    time_buffer_s: float
    verdict: Verdict
    reason: Reason

    @property
    def refused(self) -> bool:
        return self.verdict is Verdict.REFUSED

    @property
    def time_start(self) -> datetime:
        return datetime.fromtimestamp(self.time_start_s, UTC)

    @property
    def time_end(self) -> datetime:
        return datetime.fromtimestamp(self.time_end_s, UTC)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Every conflict of one operation, in a stable order (b, b_volume, a_volume)."""

    operation: str
    conflicts: tuple[Conflict, ...]

    @property
    def refused(self) -> bool:
        """True when any conflict forbids planning the operation."""
        return any(c.refused for c in self.conflicts)

    @property
    def blocking(self) -> tuple[Conflict, ...]:
        return tuple(c for c in self.conflicts if c.refused)
