"""Aircraft performance for the simulator: a small table per type, documented here.

Values are round figures of the kind published for each class (manufacturer brochures and
BADA/OpenAP-style summaries), good enough for tracks that look right, not for flight planning:
cruise speed, the climb and descent rates a crew would fly at mid levels, the bank angle used
in turns, and the longitudinal acceleration. The turn rate is the lower of the standard rate
(3°/s) and the rate that the bank angle gives at the current true airspeed:
``ω = g · tan(bank) / V``.

>>> perf = performance_for("SU24")
>>> round(perf.turn_rate_deg_s(200.0), 2)
1.62
>>> performance_for("NOPE")  # doctest: +IGNORE_EXCEPTION_DETAIL
Traceback (most recent call last):
sharedsky.errors.InvalidInput: unknown aircraft type 'NOPE'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sharedsky.errors import InvalidInput
from sharedsky.units import FT_M, NM_M

__all__ = ["PERFORMANCE", "STANDARD_RATE_DEG_S", "Performance", "performance_for"]

G_MPS2 = 9.80665
STANDARD_RATE_DEG_S = 3.0
_KT_MPS = NM_M / 3600.0
_FPM_MPS = FT_M / 60.0


@dataclass(frozen=True, slots=True)
class Performance:
    """What the kinematics needs of a type (SI units)."""

    type: str
    description: str
    cruise_mps: float
    climb_mps: float
    descent_mps: float
    bank_deg: float
    accel_mps2: float
    ceiling_m: float

    def turn_rate_deg_s(self, speed_mps: float) -> float:
        """The turn rate at this true airspeed: bank-limited, never above standard rate."""
        bank = G_MPS2 * math.tan(math.radians(self.bank_deg)) / max(speed_mps, 1.0)
        return min(STANDARD_RATE_DEG_S, math.degrees(bank))

    def turn_radius_m(self, speed_mps: float) -> float:
        """The radius of a turn at :meth:`turn_rate_deg_s`."""
        return speed_mps / math.radians(self.turn_rate_deg_s(speed_mps))


def _row(
    type_: str,
    description: str,
    *,
    cruise_kt: float,
    climb_fpm: float,
    descent_fpm: float,
    bank_deg: float,
    accel_kt_s: float,
    ceiling_ft: float,
) -> Performance:
    return Performance(
        type=type_,
        description=description,
        cruise_mps=cruise_kt * _KT_MPS,
        climb_mps=climb_fpm * _FPM_MPS,
        descent_mps=descent_fpm * _FPM_MPS,
        bank_deg=bank_deg,
        accel_mps2=accel_kt_s * _KT_MPS,
        ceiling_m=ceiling_ft * FT_M,
    )


# ICAO type designators; the figures are mid-level operating values, not limits.
PERFORMANCE: dict[str, Performance] = {
    p.type: p
    for p in (
        _row("SU24", "Sukhoi Su-24", cruise_kt=450, climb_fpm=6000, descent_fpm=5000,
             bank_deg=30, accel_kt_s=3.0, ceiling_ft=36000),
        _row("SU25", "Sukhoi Su-25", cruise_kt=380, climb_fpm=4000, descent_fpm=4000,
             bank_deg=30, accel_kt_s=2.0, ceiling_ft=23000),
        _row("SU30", "Sukhoi Su-30", cruise_kt=480, climb_fpm=8000, descent_fpm=6000,
             bank_deg=30, accel_kt_s=4.0, ceiling_ft=56000),
        _row("SU34", "Sukhoi Su-34", cruise_kt=460, climb_fpm=7000, descent_fpm=5000,
             bank_deg=30, accel_kt_s=3.0, ceiling_ft=49000),
        _row("F16", "General Dynamics F-16", cruise_kt=480, climb_fpm=8000, descent_fpm=6000,
             bank_deg=30, accel_kt_s=4.0, ceiling_ft=50000),
        _row("F15", "McDonnell Douglas F-15", cruise_kt=480, climb_fpm=8000, descent_fpm=6000,
             bank_deg=30, accel_kt_s=4.0, ceiling_ft=60000),
        _row("FA18", "Boeing F/A-18", cruise_kt=470, climb_fpm=7000, descent_fpm=6000,
             bank_deg=30, accel_kt_s=3.5, ceiling_ft=50000),
        _row("K35R", "Boeing KC-135", cruise_kt=460, climb_fpm=2000, descent_fpm=2500,
             bank_deg=25, accel_kt_s=1.0, ceiling_ft=50000),
        _row("E3TF", "Boeing E-3", cruise_kt=420, climb_fpm=2000, descent_fpm=2500,
             bank_deg=25, accel_kt_s=1.0, ceiling_ft=41000),
        _row("Q9", "General Atomics MQ-9 (RPA)", cruise_kt=180, climb_fpm=1500,
             descent_fpm=1500, bank_deg=25, accel_kt_s=0.5, ceiling_ft=50000),
        _row("A320", "Airbus A320", cruise_kt=450, climb_fpm=2000, descent_fpm=2000,
             bank_deg=25, accel_kt_s=1.0, ceiling_ft=39800),
        _row("B738", "Boeing 737-800", cruise_kt=450, climb_fpm=2000, descent_fpm=2000,
             bank_deg=25, accel_kt_s=1.0, ceiling_ft=41000),
        _row("IL76", "Ilyushin Il-76", cruise_kt=420, climb_fpm=1800, descent_fpm=2000,
             bank_deg=25, accel_kt_s=0.8, ceiling_ft=42000),
        _row("C172", "Cessna 172", cruise_kt=110, climb_fpm=700, descent_fpm=500,
             bank_deg=25, accel_kt_s=0.5, ceiling_ft=14000),
    )
}  # fmt: skip


def performance_for(type_: str) -> Performance:
    """The performance row of an ICAO type designator (case-insensitive)."""
    found = PERFORMANCE.get(type_.strip().upper())
    if found is None:
        known = ", ".join(sorted(PERFORMANCE))
        raise InvalidInput.one("", f"unknown aircraft type {type_!r} (known: {known})")
    return found
