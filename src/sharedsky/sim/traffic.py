"""Synthetic traffic for load tests: many aircraft on straight geodesic legs, vectorized.

Pure and seeded: aircraft start at random points of the area, at random flight levels (every
1,000 ft from FL050 to FL400) and speeds (250–500 kt) on random tracks, and fly their
geodesics level for ``duration_s``; one report per aircraft every ``step_s``.

>>> frame = synthetic_traffic(aircraft=3, area=(35.0, 34.0, 38.0, 37.0), duration_s=2, seed=1)
>>> len(frame), list(frame.columns)[:3]
(9, ['timestamp', 'icao24', 'callsign'])
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from sharedsky.errors import InvalidInput
from sharedsky.geo import WGS84
from sharedsky.units import NM_M

__all__ = ["synthetic_traffic"]

_KT_MPS = NM_M / 3600.0


def synthetic_traffic(
    *,
    aircraft: int,
    area: tuple[float, float, float, float],
    duration_s: float = 60.0,
    step_s: float = 1.0,
    start: datetime | None = None,
    seed: int = 0,
) -> pd.DataFrame:
    """State vectors (the columns of :mod:`sharedsky.sim.tracks`) of ``aircraft`` aircraft
    in ``area`` = (west, south, east, north) degrees, times from ``start`` (default the Unix
    epoch, so output does not depend on the clock)."""
    west, south, east, north = area
    issues = []
    if not 0 < aircraft <= 1_000_000:
        issues.append(("--aircraft", "between 1 and 1,000,000 aircraft"))
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        issues.append(("--area", "W,S,E,N with W < E in [-180, 180] and S < N in [-90, 90]"))
    if not (0 <= duration_s <= 86_400 and step_s > 0):
        issues.append(("--duration", "a duration of 0 to 86,400 s, a step > 0"))
    if issues:
        from sharedsky.errors import Issue

        raise InvalidInput([Issue(p, m) for p, m in issues])
    rng = np.random.default_rng(seed)
    lon = rng.uniform(west, east, aircraft)
    lat = np.degrees(
        np.arcsin(rng.uniform(np.sin(np.radians(south)), np.sin(np.radians(north)), aircraft))
    )
    alt_ft = rng.integers(5, 41, aircraft) * 1000.0
    gs_kt = rng.uniform(250.0, 500.0, aircraft)
    track = rng.uniform(0.0, 360.0, aircraft)
    ids = np.char.mod("%06x", rng.choice(0xFFFFFF, aircraft, replace=False))
    callsigns = np.char.add("SYN", np.char.mod("%05d", np.arange(aircraft)))
    epoch = (start or datetime(1970, 1, 1, tzinfo=UTC)).timestamp()
    frames = []
    for t in np.arange(0.0, duration_s + 1e-9, step_s):
        lon_t, lat_t, back = WGS84.fwd(lon, lat, track, gs_kt * _KT_MPS * t)
        frames.append(
            pd.DataFrame(
                {
                    "timestamp": epoch + t,
                    "icao24": ids,
                    "callsign": callsigns,
                    "latitude": np.round(lat_t, 6),
                    "longitude": np.round(lon_t, 6),
                    "altitude": alt_ft,
                    "groundspeed": np.round(gs_kt, 1),
                    "track": np.round((np.asarray(back) + 180.0) % 360.0, 2),
                    "vertical_rate": 0.0,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
