"""Flight kinematics: a route of waypoints flown at 1 Hz with bank-limited turns.

Pure: no clock, no I/O. Positions are WGS-84 degrees, advanced along geodesics with
:data:`sharedsky.geo.WGS84`; altitudes are barometric metres; speeds are ground speeds in m/s
(no wind, so ground speed is true airspeed).

Each step of ``dt_s`` seconds, an aircraft flying to its next waypoint

* turns toward the waypoint's bearing at most at its type's turn rate (the bank-limited rate,
  capped at standard rate: :meth:`Performance.turn_rate_deg_s`),
* changes speed toward the waypoint's speed at most at its type's acceleration,
* climbs or descends toward the waypoint's altitude at most at its type's climb or descent
  rate, never past it (so the altitude is monotone between two levels),
* moves along the geodesic of its mean track over the step.

A waypoint is passed *fly-by*: the turn onto the next leg starts when the aircraft is within
the turn's anticipation distance ``r · tan(Δ/2)``; the last waypoint ends the flight. An
``orbit`` (holding pattern) is turned into waypoints around a circle before flying.

>>> from sharedsky.sim.performance import performance_for
>>> route = [Waypoint(36.0, 35.0, 3000.0, 200.0), Waypoint(36.5, 35.0, 3000.0, 200.0)]
>>> path = fly(route, performance_for("SU24"), departure_s=0.0)
>>> 220 < len(path.time_s) < 232   # 45.6 km at 200 m/s
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sharedsky.errors import InvalidInput
from sharedsky.geo import WGS84
from sharedsky.sim.performance import Performance

__all__ = ["Trajectory", "Waypoint", "fly", "orbit_waypoints"]

Array = npt.NDArray[np.float64]

MAX_DURATION_S = 12 * 3600.0


@dataclass(frozen=True, slots=True)
class Waypoint:
    """A point to fly to, and the altitude (m) and ground speed (m/s) to fly toward on the
    leg that ends there."""

    lon_deg: float
    lat_deg: float
    alt_m: float
    speed_mps: float


@dataclass(frozen=True, slots=True)
class Trajectory:
    """A flight at 1 Hz (or ``dt_s``): column arrays of equal length, time in scenario
    seconds, WGS-84 degrees, metres, m/s, degrees true."""

    time_s: Array
    lon_deg: Array
    lat_deg: Array
    alt_m: Array
    gs_mps: Array
    track_deg: Array
    vs_mps: Array

    @property
    def start_s(self) -> float:
        return float(self.time_s[0])

    @property
    def end_s(self) -> float:
        return float(self.time_s[-1])

    def index_at(self, time_s: float) -> int | None:
        """The sample at or just before ``time_s``; ``None`` outside the flight."""
        if time_s < self.time_s[0] or time_s > self.time_s[-1]:
            return None
        return int(np.searchsorted(self.time_s, time_s, side="right") - 1)


def _wrap(angle_deg: float) -> float:
    """An angle in (-180, 180]."""
    return (angle_deg + 180.0) % 360.0 - 180.0 or 0.0


def fly(
    route: Sequence[Waypoint],
    performance: Performance,
    *,
    departure_s: float,
    dt_s: float = 1.0,
    max_duration_s: float = MAX_DURATION_S,
) -> Trajectory:
    """Fly ``route`` from its first waypoint (at its altitude and speed, heading for the
    second) to its last; samples every ``dt_s`` from ``departure_s``."""
    if len(route) < 2:
        raise InvalidInput.one("route", "a route needs at least two waypoints")
    if not dt_s > 0:
        raise InvalidInput.one("dt_s", "the step must be > 0")
    first = route[0]
    lon, lat, alt, speed = first.lon_deg, first.lat_deg, first.alt_m, max(first.speed_mps, 1.0)
    track, _, _ = WGS84.inv(lon, lat, route[1].lon_deg, route[1].lat_deg)
    track = float(track) % 360.0
    out: list[tuple[float, float, float, float, float, float, float]] = []
    vs = 0.0
    target = 1
    t = departure_s
    steps = int(max_duration_s / dt_s)
    for _ in range(steps):
        out.append((t, lon, lat, alt, speed, track, vs))
        goal = route[target]
        bearing, _, distance = WGS84.inv(lon, lat, goal.lon_deg, goal.lat_deg)
        step_m = speed * dt_s
        if target == len(route) - 1:
            if distance <= step_m:
                break
        else:
            following = route[target + 1]
            next_bearing, _, _ = WGS84.inv(
                goal.lon_deg, goal.lat_deg, following.lon_deg, following.lat_deg
            )
            change = abs(_wrap(float(next_bearing) - float(bearing)))
            lead = performance.turn_radius_m(speed) * math.tan(math.radians(min(change, 150.0)) / 2)
            behind = abs(_wrap(float(bearing) - track)) > 90.0
            if distance <= max(lead, step_m) or (
                behind and distance < 2 * performance.turn_radius_m(speed)
            ):
                target += 1
                continue_bearing, _, _ = WGS84.inv(
                    lon, lat, route[target].lon_deg, route[target].lat_deg
                )
                bearing = continue_bearing
        max_turn = performance.turn_rate_deg_s(speed) * dt_s
        turn = float(np.clip(_wrap(float(bearing) - track), -max_turn, max_turn))
        goal = route[target]
        new_speed = speed + float(
            np.clip(goal.speed_mps - speed, -performance.accel_mps2 * dt_s,
                    performance.accel_mps2 * dt_s)
        )  # fmt: skip
        climb = float(
            np.clip(goal.alt_m - alt, -performance.descent_mps * dt_s,
                    performance.climb_mps * dt_s)
        )  # fmt: skip
        vs = climb / dt_s
        mean_track = (track + turn / 2.0) % 360.0
        lon2, lat2, _ = WGS84.fwd(lon, lat, mean_track, (speed + new_speed) / 2.0 * dt_s)
        lon, lat = float(lon2), float(lat2)
        track = (track + turn) % 360.0
        speed = new_speed
        alt += climb
        t += dt_s
    columns = np.asarray(out, dtype=np.float64)
    return Trajectory(
        time_s=columns[:, 0],
        lon_deg=columns[:, 1],
        lat_deg=columns[:, 2],
        alt_m=columns[:, 3],
        gs_mps=columns[:, 4],
        track_deg=columns[:, 5],
        vs_mps=columns[:, 6],
    )


def orbit_waypoints(
    *,
    center_lon_deg: float,
    center_lat_deg: float,
    radius_m: float,
    laps: float,
    clockwise: bool,
    entry_from: tuple[float, float],
    alt_m: float,
    speed_mps: float,
    points_per_lap: int = 12,
) -> list[Waypoint]:
    """Waypoints around a circle (a holding orbit), entered at the point nearest to
    ``entry_from`` (lon, lat) and flown ``laps`` times, clockwise or not."""
    start_az, _, _ = WGS84.inv(center_lon_deg, center_lat_deg, *entry_from)
    sign = 1.0 if clockwise else -1.0
    count = max(2, round(laps * points_per_lap))
    out = []
    for k in range(count + 1):
        az = float(start_az) + sign * 360.0 * k / points_per_lap
        lon, lat, _ = WGS84.fwd(center_lon_deg, center_lat_deg, az % 360.0, radius_m)
        out.append(Waypoint(float(lon), float(lat), alt_m, speed_mps))
    return out
