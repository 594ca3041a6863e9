"""Separation minima per pair of parties, and the level-flight rule for quantized altitudes.

Minima are a horizontal distance and a vertical distance; a loss of separation is strictly less
than both at once. Parties may agree wider minima between themselves (two air forces that do not
talk may want 10 NM); a pair with no entry uses the default.

Reported altitudes are quantized (25 ft steps for Mode S, 100 ft for Mode C) and altimeters of
aircraft holding a level differ by tens of feet, so two aircraft cruising at adjacent levels
1,000 ft apart are reported 950–975 ft apart. :class:`LevelFlight` says when an aircraft counts as
level and how much closer than the vertical minimum two level aircraft may be *reported* before
they count as a loss.

>>> policy = SeparationPolicy(pairs={("RU", "US"): Separation(hsep_m=18_520.0, vsep_m=609.6)})
>>> policy.minima("US", "RU").hsep_m, policy.minima("US", "TR").hsep_m
(18520.0, 9260.0)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sharedsky.errors import InvalidInput
from sharedsky.units import FT_M, NM_M

__all__ = ["LevelFlight", "Separation", "SeparationPolicy"]

Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Separation:
    """Horizontal and vertical minima in metres (default 5 NM and 1,000 ft)."""

    hsep_m: float = 5 * NM_M
    vsep_m: float = 1000 * FT_M

    def __post_init__(self) -> None:
        for name in ("hsep_m", "vsep_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InvalidInput.one(name, f"a separation minimum must be > 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class LevelFlight:
    """When two *level* aircraft are vertically separated despite altitude quantization.

    An aircraft is level when its reported vertical rate is at most ``rate_mps`` in magnitude
    (default 300 ft/min, above the ±64–128 ft/min that barometric rates jitter by in cruise);
    a level aircraft is extrapolated level, not along that jitter. Two level aircraft are in
    vertical loss only when their reported altitudes differ by less than the vertical minimum
    minus ``tolerance_m`` (default 100 ft: four 25 ft steps, so 1,000 ft adjacent levels
    reported 925–975 ft apart are not alerted, while two aircraft at one level, reported under
    900 ft apart, are).
    """

    rate_mps: float = 300 * FT_M / 60
    tolerance_m: float = 100 * FT_M

    def __post_init__(self) -> None:
        for name in ("rate_mps", "tolerance_m"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise InvalidInput.one(name, f"must be a finite value >= 0, got {value!r}")


@dataclass(frozen=True, slots=True)
class SeparationPolicy:
    """The default minima and the minima agreed between particular pairs of parties.

    Keys of ``pairs`` are unordered: ``("RU", "US")`` and ``("US", "RU")`` are the same pair.
    """

    default: Separation = field(default_factory=Separation)
    pairs: Mapping[tuple[str, str], Separation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        seen: dict[frozenset[str], Separation] = {}
        for (a, b), minima in self.pairs.items():
            key = frozenset((a, b))
            if key in seen and seen[key] != minima:
                raise InvalidInput.one(
                    "pairs", f"parties {a!r} and {b!r} are given two different minima"
                )
            seen[key] = minima

    def minima(self, party_a: str, party_b: str) -> Separation:
        """The minima between two parties (order does not matter)."""
        for (a, b), minima in self.pairs.items():
            if {a, b} == {party_a, party_b}:
                return minima
        return self.default

    def widest(self) -> Separation:
        """The widest horizontal and vertical minima of any pair (the sweep's search radius)."""
        every = [self.default, *self.pairs.values()]
        return Separation(hsep_m=max(s.hsep_m for s in every), vsep_m=max(s.vsep_m for s in every))

    def tables(self, parties: Sequence[str]) -> tuple[Floats, Floats]:
        """Square matrices of hsep and vsep (metres) between the given parties, by position."""
        k = len(parties)
        hsep = np.full((k, k), self.default.hsep_m)
        vsep = np.full((k, k), self.default.vsep_m)
        where = {party: n for n, party in enumerate(parties)}
        for (a, b), minima in self.pairs.items():
            if a in where and b in where:
                for i, j in ((where[a], where[b]), (where[b], where[a])):
                    hsep[i, j] = minima.hsep_m
                    vsep[i, j] = minima.vsep_m
        return hsep, vsep
