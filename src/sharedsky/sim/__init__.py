"""Layer 4: scenario files, flight kinematics, synthetic traffic, replay and the runner.

Uses only ``sharedsky.io``, ``model``, ``geo``, ``units``, ``errors`` and ``httpx``: the
runner talks to a server over its public HTTP API, never to the service's internals. The
scenario format is documented in ``README.md`` beside this file.
"""

from sharedsky.sim.expectations import ActionRecord, ExpectationResult, evaluate
from sharedsky.sim.kinematics import Trajectory, Waypoint, fly, orbit_waypoints
from sharedsky.sim.performance import PERFORMANCE, Performance, performance_for
from sharedsky.sim.replay import PartyRule, replay_tracks
from sharedsky.sim.runner import RunResult, RunSettings, ScenarioRunner, ServerError
from sharedsky.sim.scenario import (
    BUILTIN_SCENARIOS,
    Scenario,
    builtin_scenario,
    load_scenario,
    parse_scenario,
)
from sharedsky.sim.timeline import TimeMap, format_offset, offset_s
from sharedsky.sim.tracks import Noise, trajectory_frame
from sharedsky.sim.traffic import synthetic_traffic

__all__ = [
    "BUILTIN_SCENARIOS",
    "PERFORMANCE",
    "ActionRecord",
    "ExpectationResult",
    "Noise",
    "PartyRule",
    "Performance",
    "RunResult",
    "RunSettings",
    "Scenario",
    "ScenarioRunner",
    "ServerError",
    "TimeMap",
    "Trajectory",
    "Waypoint",
    "builtin_scenario",
    "evaluate",
    "fly",
    "format_offset",
    "load_scenario",
    "offset_s",
    "orbit_waypoints",
    "parse_scenario",
    "performance_for",
    "replay_tracks",
    "synthetic_traffic",
    "trajectory_frame",
]
