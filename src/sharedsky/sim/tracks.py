"""State vectors of simulated flights, in the OpenSky / ``traffic`` convention.

Columns: ``timestamp`` (scenario seconds here; the runner stamps the wall time), ``icao24``,
``callsign``, ``latitude``, ``longitude`` (WGS-84 degrees), ``altitude`` (ft), ``groundspeed``
(kt), ``track`` (degrees true), ``vertical_rate`` (ft/min). Optional :class:`Noise` adds
Gaussian position and altitude errors and drops reports at random, from a seed, so the same
seed gives the same tracks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from sharedsky.geo import WGS84
from sharedsky.sim.kinematics import Trajectory
from sharedsky.units import FT_M, NM_M

__all__ = ["COLUMNS", "Noise", "state_rows", "trajectory_frame"]

COLUMNS = (
    "timestamp",
    "icao24",
    "callsign",
    "latitude",
    "longitude",
    "altitude",
    "groundspeed",
    "track",
    "vertical_rate",
)
_KT_MPS = NM_M / 3600.0
_FPM_MPS = FT_M / 60.0


class _Flight(Protocol):
    @property
    def callsign(self) -> str: ...
    @property
    def icao24(self) -> str: ...
    @property
    def party(self) -> str: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Noise:
    """Surveillance errors: position σ (m, each axis), altitude σ (ft), the chance that a
    report is dropped, and the seed."""

    position_m: float = 0.0
    altitude_ft: float = 0.0
    dropout: float = 0.0
    seed: int = 0


def trajectory_frame(
    trajectory: Trajectory,
    *,
    icao24: str,
    callsign: str,
    noise: Noise | None = None,
    index: int = 0,
) -> pd.DataFrame:
    """The trajectory's state vectors (one row per kept sample)."""
    lon, lat = trajectory.lon_deg.copy(), trajectory.lat_deg.copy()
    alt_ft = trajectory.alt_m / FT_M
    keep = np.ones(len(lon), dtype=bool)
    if noise is not None:
        rng = np.random.default_rng([noise.seed, index])
        if noise.position_m > 0:
            east = rng.normal(0.0, noise.position_m, len(lon))
            north = rng.normal(0.0, noise.position_m, len(lon))
            az = np.degrees(np.arctan2(east, north))
            lon2, lat2, _ = WGS84.fwd(lon, lat, az, np.hypot(east, north))
            lon, lat = np.asarray(lon2), np.asarray(lat2)
        if noise.altitude_ft > 0:
            alt_ft = alt_ft + rng.normal(0.0, noise.altitude_ft, len(lon))
        if noise.dropout > 0:
            keep = rng.random(len(lon)) >= noise.dropout
            keep[0] = True
    frame = pd.DataFrame(
        {
            "timestamp": trajectory.time_s,
            "icao24": icao24.lower(),
            "callsign": callsign,
            "latitude": np.round(lat, 6),
            "longitude": np.round(lon, 6),
            "altitude": np.round(alt_ft, 0),
            "groundspeed": np.round(trajectory.gs_mps / _KT_MPS, 1),
            "track": np.round(trajectory.track_deg, 2),
            "vertical_rate": np.round(trajectory.vs_mps / _FPM_MPS, 0),
        }
    )
    return frame[keep].reset_index(drop=True)


def state_rows(
    flight: _Flight, trajectory: Trajectory, noise: Noise | None, *, index: int = 0
) -> tuple[str, list[dict[str, Any] | None]]:
    """The flight's party and one ``POST /v1/tracks`` state per sample (``None`` where the
    noise dropped it), without the timestamp, which the runner sets."""
    frame = trajectory_frame(
        trajectory, icao24=flight.icao24, callsign=flight.callsign, noise=noise, index=index
    )
    rows: list[dict[str, Any] | None] = [None] * len(trajectory.time_s)
    first = trajectory.time_s[0]
    for record in frame.to_dict("records"):
        k = round((float(record.pop("timestamp")) - first) / _step(trajectory))
        rows[k] = record
    return flight.party, rows


def _step(trajectory: Trajectory) -> float:
    return float(trajectory.time_s[1] - trajectory.time_s[0]) if len(trajectory.time_s) > 1 else 1.0
