"""Separation buffers between volumes: lateral, vertical and temporal, per pair of parties.

Defaults follow FAA JO 7110.65 §9-3-2 (``reference/domain.md`` §5): 3 NM laterally (6 NM where
the two bands meet at or above FL600, that is when the higher of the two floors is at or above
it) and 500 ft vertically (1,000 ft when the upper volume's floor is above FL290). Zero buffers
mean pure overlap.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field

from sharedsky.units import FT_M, NM_M

__all__ = ["FL290_M", "FL600_M", "BufferPolicy", "Buffers"]

FL290_M = 29_000 * FT_M
FL600_M = 60_000 * FT_M


class Buffers(BaseModel):
    """The buffers kept between two volumes (metres and seconds)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    lateral_m: float = Field(3 * NM_M, ge=0, allow_inf_nan=False)
    lateral_high_m: float = Field(6 * NM_M, ge=0, allow_inf_nan=False)
    """Lateral buffer where the bands meet at or above ``lateral_high_from_m`` (the higher
    floor is at or above it)."""
    lateral_high_from_m: float = Field(FL600_M, allow_inf_nan=False)
    vertical_m: float = Field(500 * FT_M, ge=0, allow_inf_nan=False)
    vertical_high_m: float = Field(1_000 * FT_M, ge=0, allow_inf_nan=False)
    """Vertical buffer when the upper volume's floor is above ``vertical_high_above_m``."""
    vertical_high_above_m: float = Field(FL290_M, allow_inf_nan=False)
    time_s: float = Field(0.0, ge=0, allow_inf_nan=False)

    @classmethod
    def zero(cls) -> Buffers:
        return cls(lateral_m=0, lateral_high_m=0, vertical_m=0, vertical_high_m=0, time_s=0)

    @classmethod
    def uniform(cls, *, lateral_m: float, vertical_m: float, time_s: float) -> Buffers:
        """The same buffers at every altitude (what the CLI flags set)."""
        return cls(
            lateral_m=lateral_m,
            lateral_high_m=lateral_m,
            vertical_m=vertical_m,
            vertical_high_m=vertical_m,
            time_s=time_s,
        )

    def lateral_at(self, floor_m: float) -> float:
        """Lateral buffer when the higher of the two floors is ``floor_m``."""
        return self.lateral_high_m if floor_m >= self.lateral_high_from_m else self.lateral_m

    def vertical_at(self, floor_m: float) -> float:
        """Vertical buffer when the upper volume's floor is ``floor_m``."""
        return self.vertical_high_m if floor_m > self.vertical_high_above_m else self.vertical_m

    @property
    def max_lateral_m(self) -> float:
        return max(self.lateral_m, self.lateral_high_m)

    @property
    def max_vertical_m(self) -> float:
        return max(self.vertical_m, self.vertical_high_m)


class BufferPolicy(BaseModel):
    """Buffers for every pair of parties: a default and overrides for named pairs.

    >>> policy = BufferPolicy(pairs={("RU", "US"): Buffers(lateral_m=20_000)})
    >>> policy.between("US", "RU").lateral_m
    20000.0
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    default: Buffers = Field(default_factory=Buffers)
    pairs: Mapping[tuple[str, str], Buffers] = Field(default_factory=dict)

    def between(self, party_a: str, party_b: str) -> Buffers:
        found = self.pairs.get((party_a, party_b)) or self.pairs.get((party_b, party_a))
        return found or self.default

    def widest_for(self, party: str) -> Buffers:
        """Buffers at least as wide as any this party keeps with another (for index queries)."""
        relevant = [self.default, *(b for (p, q), b in self.pairs.items() if party in (p, q))]
        return Buffers(
            lateral_m=max(b.max_lateral_m for b in relevant),
            lateral_high_m=max(b.max_lateral_m for b in relevant),
            vertical_m=max(b.max_vertical_m for b in relevant),
            vertical_high_m=max(b.max_vertical_m for b in relevant),
            time_s=max(b.time_s for b in relevant),
        )
