"""Performance benchmark of border-incursion prediction (issue 3: 100,000 aircraft against all
countries, under 1 s), with a same-run naive baseline.

Scenario (seeded numpy RNG, reproducible): 100,000 aircraft at uniform random positions in six
land-heavy boxes (Europe, the Middle East, South and East Asia, North America, South America,
Africa; each box equally likely, so about a third of the aircraft are over sea), courses
uniform, ground speeds 180–260 m/s (15 % 60–180 m/s). An aircraft over a country belongs to
that country's party and may fly only there; 5 % of them instead belong to another country
drawn at random (aircraft inside foreign airspace: depth and back-extrapolated entry are
computed for them); aircraft over sea belong to a party that may fly in no country. All 240
bundled countries (Natural Earth 1:50m), look-ahead 300 s, look-back 300 s.

Measured:

* ``predict_incursions`` on the whole snapshot, repeated (wall clock and thread CPU time);
* the baseline, **a per-aircraft shapely loop** on a random subsample, scaled to the full
  snapshot: for each aircraft, its track as a ``LineString`` through ``pyproj`` points at the
  same times, candidate countries from a ``shapely.STRtree`` of the 240 polygons, then for each
  candidate foreign country an exact ``intersection``, ``line_locate_point`` for the entry and
  exit, ``contains`` for now, and a planar ``distance`` to the boundary for the depth. Its
  (aircraft, country) pairs are compared with the engine's.

Run ``.venv/bin/python bench/bench_borders.py`` (``--quick`` for a smoke run, ``--record`` to
write the results into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyproj
import shapely
from rich.console import Console
from rich.table import Table

import common
from sharedsky.io.borders import load_countries
from sharedsky.tactical.incursions import Airspaces, Incursions, predict_incursions
from sharedsky.tactical.states import AircraftStates

BOXES = {
    "Europe": (-10.0, 40.0, 35.0, 60.0),
    "Middle East": (25.0, 60.0, 12.0, 42.0),
    "South and East Asia": (70.0, 140.0, 10.0, 50.0),
    "North America": (-125.0, -70.0, 25.0, 50.0),
    "South America": (-75.0, -35.0, -35.0, 5.0),
    "Africa": (-15.0, 50.0, -35.0, 35.0),
}
"""(west, east, south, north) degrees."""

LOOKAHEAD_S = 300.0
STRAYS = 0.05
TARGET_S = 1.0
GEOD = pyproj.Geod(ellps="WGS84")


def scenario(
    countries: Airspaces, n: int, seed: int
) -> tuple[AircraftStates, dict[str, list[str]]]:
    """The snapshot and the party → allowed countries mapping."""
    rng = np.random.default_rng(seed)
    boxes = np.array(list(BOXES.values()))[rng.integers(0, len(BOXES), n)]
    lon = rng.uniform(boxes[:, 0], boxes[:, 1])
    lat = rng.uniform(boxes[:, 2], boxes[:, 3])
    slow = rng.random(n) < 0.15
    gs = np.where(slow, rng.uniform(60.0, 180.0, n), rng.uniform(180.0, 260.0, n))
    point, owner = countries.locate(lon, lat)
    ids = np.asarray(countries.ids)
    party = np.full(n, "sea", dtype=object)
    party[point] = ids[owner]
    stray = rng.random(n) < STRAYS
    party[stray & (party != "sea")] = ids[rng.integers(0, len(ids), n)][stray & (party != "sea")]
    states = AircraftStates.from_columns(
        time_s=1.7e9,
        ids=[f"{k:06x}" for k in range(n)],
        lat_deg=lat,
        lon_deg=lon,
        alt_m=rng.uniform(3_000.0, 12_000.0, n),
        gs_mps=gs,
        track_deg=rng.uniform(0.0, 360.0, n),
        vs_mps=np.zeros(n),
        party=party.astype(str),
    )
    allowed: dict[str, list[str]] = {key: [key] for key in countries.ids}
    allowed["sea"] = []
    return states, allowed


# --- the naive baseline --------------------------------------------------------------------


@dataclass
class Naive:
    """The per-aircraft shapely loop, and the pairs it found."""

    countries: Airspaces
    allowed: dict[str, list[str]]
    tree: Any = field(init=False)

    def __post_init__(self) -> None:
        self.tree = shapely.STRtree(self.countries.geometries)

    def aircraft(self, states: AircraftStates, i: int) -> set[tuple[str, str]]:
        mine = {self.countries.find(k) for k in self.allowed.get(str(states.party[i]), [])}
        lon0, lat0, gs = float(states.lon_deg[i]), float(states.lat_deg[i]), float(states.gs_mps[i])
        pieces = max(1, int(np.ceil(gs * LOOKAHEAD_S / 10_000.0)))
        times = np.arange(pieces + 1) / pieces * LOOKAHEAD_S
        x, y, _ = GEOD.fwd(
            np.full(pieces + 1, lon0),
            np.full(pieces + 1, lat0),
            np.full(pieces + 1, float(states.track_deg[i])),
            gs * times,
        )
        x = lon0 + (np.asarray(x) - lon0 + 180.0) % 360.0 - 180.0
        track = shapely.LineString(np.column_stack([x, y]))
        here = shapely.Point(lon0, lat0)
        found = set()
        for p in self.tree.query(track):
            if p in mine:
                continue
            country = self.countries.geometries[p]
            inside = country.contains(here)
            crossing = track.intersection(country)
            if not inside and crossing.is_empty:
                continue
            for part in shapely.get_parts(crossing):
                if not part.is_empty:
                    track.line_locate_point(shapely.Point(part.coords[0]))
                    track.line_locate_point(shapely.Point(part.coords[-1]))
            if inside:
                country.boundary.distance(here)
            found.add((str(states.ids[i]), self.countries.ids[p]))
        return found


# --- measurement ---------------------------------------------------------------------------


@dataclass
class Results:
    rows: list[list[str]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)


HEADERS = ["case", "aircraft", "p50 s", "min s", "max s", "CPU p50 s", "target", "met?", "ratio"]


def timed(call: Any, repeat: int) -> tuple[list[float], list[float], Any]:
    walls, cpus = [], []
    out = None
    for _ in range(repeat):
        w, c = time.perf_counter(), time.thread_time()
        out = call()
        cpus.append(time.thread_time() - c)
        walls.append(time.perf_counter() - w)
    return walls, cpus, out


def run(args: argparse.Namespace, console: Console) -> Results:
    res = Results()
    res.facts.append(("load average (1 / 5 / 15 min) at start", load()))
    started = time.perf_counter()
    countries = load_countries()
    res.facts.append(
        (
            "airspaces",
            f"{len(countries)} countries loaded and indexed in"
            f" {time.perf_counter() - started:.2f} s (once per process; not in the timings)",
        )
    )
    states, allowed = scenario(countries, args.aircraft, args.seed)
    over = int((states.party != "sea").sum())
    res.facts.append(
        (
            "scenario",
            f"{len(states):,} aircraft, {over:,} over a country; look-ahead"
            f" {LOOKAHEAD_S:g} s; seed {args.seed}",
        )
    )

    def predict() -> Incursions:
        return predict_incursions(states, countries, allowed, lookahead_s=LOOKAHEAD_S)

    predict()  # warm caches and allocator outside the timings
    console.print(f"timing predict_incursions × {args.repeat} …")
    walls, cpus, found = timed(predict, args.repeat)

    sample = np.sort(
        np.random.default_rng(args.seed + 1).choice(len(states), args.sample, replace=False)
    )
    naive = Naive(countries, allowed)
    console.print(f"timing the per-aircraft shapely loop on {args.sample:,} aircraft …")
    t = time.perf_counter()
    c = time.thread_time()
    pairs: set[tuple[str, str]] = set()
    for i in sample:
        pairs |= naive.aircraft(states, int(i))
    naive_cpu = (time.thread_time() - c) * len(states) / args.sample
    naive_wall = (time.perf_counter() - t) * len(states) / args.sample

    p50 = statistics.median(walls)
    res.rows.append(
        [
            "predict_incursions, all countries",
            f"{len(states):,}",
            f"{p50:.3f}",
            f"{min(walls):.3f}",
            f"{max(walls):.3f}",
            f"{statistics.median(cpus):.3f}",
            f"< {TARGET_S:g} s",
            "yes" if p50 < TARGET_S else "NO",
            f"{p50 / naive_wall:.3g}",
        ]
    )
    res.rows.append(
        [
            f"baseline: per-aircraft shapely loop ({args.sample:,} sampled, scaled)",
            f"{len(states):,}",
            f"{naive_wall:.1f}",
            "—",
            "—",
            f"{naive_cpu:.1f}",
            "—",
            "—",
            "1",
        ]
    )
    chosen = set(states.ids[sample].tolist())
    engine = {
        (str(a), str(b))
        for a, b in zip(found.aircraft_ids, found.airspace_ids, strict=True)
        if a in chosen
    }
    res.facts.append(
        (
            "found",
            f"{len(found):,} (aircraft, foreign country) rows: {int(found.inside.sum()):,} inside"
            f" now, {int((~found.inside).sum()):,} predicted entries",
        )
    )
    res.facts.append(
        (
            "agreement on the sample",
            f"engine {len(engine):,} pairs, baseline {len(pairs):,},"
            f" in both {len(engine & pairs):,}"
            " (the baseline joins pyproj points where the engine interpolates between anchors"
            " less than 1 m away, so a track grazing a border may differ)",
        )
    )
    res.facts.append(("process peak RSS", f"{peak_rss_mib():,.0f} MiB"))
    res.facts.append(("load average (1 / 5 / 15 min) at the end", load()))
    return res


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


NOTES = (
    "p50, min, max: wall-clock time of one call on the whole snapshot (the target is judged on"
    " p50); CPU: the same calls' thread CPU time, which other processes on this shared machine"
    " cannot inflate. ratio: p50 ÷ the baseline's time scaled to the whole snapshot."
)


def table(res: Results, title: str) -> Table:
    out = Table(title=title)
    for h in HEADERS:
        out.add_column(h, justify="left" if h in ("case", "target", "met?") else "right")
    for row in res.rows:
        cells = list(row)
        cells[7] = {"NO": "[bold red]NO[/]", "yes": "[green]yes[/]"}.get(cells[7], cells[7])
        out.add_row(*cells)
    return out


def markdown(
    res: Results, info: list[tuple[str, str]], started: datetime, wall: float, repeat: int
) -> str:
    lines = [
        "### Border incursions (`bench/bench_borders.py`), full scenario",
        "",
        f"Recorded {started.strftime('%Y-%m-%dT%H:%M:%SZ')} (UTC); the run took"
        f" {wall / 60:.1f} min; {repeat} timed calls after one warm-up call.",
        "",
        "The scenario: 100,000 aircraft at random in six land-heavy boxes (Europe, the Middle"
        " East, South and East Asia, North America, South America, Africa), 180–260 m/s (15 %"
        " 60–180 m/s); each over a country belongs to it (5 % to another country, so inside"
        " foreign airspace), aircraft over sea may fly in no country; all 240 Natural Earth"
        " 1:50m countries, 300 s look-ahead. Baseline: a per-aircraft shapely loop (track"
        " `LineString` through pyproj points, `STRtree` of the countries, exact `intersection`,"
        " `line_locate_point`, `contains`, planar boundary `distance`) on a random sample,"
        " scaled to the snapshot.",
        "",
        *[f"- **{k}**: {v}" for k, v in info],
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join("---" if h in ("case", "target", "met?") else "---:" for h in HEADERS) + "|",
        *["| " + " | ".join("**NO**" if c == "NO" else c for c in row) + " |" for row in res.rows],
        "",
        NOTES,
        "",
        *[f"- {k}: {v}" for k, v in res.facts],
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 10,000 aircraft")
    parser.add_argument("--record", action="store_true", help="write results to docs/benchmarks.md")
    parser.add_argument("--seed", type=int, default=20151124)
    args = parser.parse_args(argv)
    if args.record and args.quick:
        parser.error("--record needs the full scenario (no --quick)")
    args.aircraft = 10_000 if args.quick else 100_000
    args.sample = 300 if args.quick else 2_000
    args.repeat = 3 if args.quick else 7
    console = Console(width=None if sys.stdout.isatty() else 160)
    info = common.machine(
        f"numpy {np.__version__}, shapely {shapely.__version__}"
        f" (GEOS {shapely.geos_version_string}), pyproj {pyproj.__version__}"
    )
    started = datetime.now(UTC)
    wall = time.perf_counter()
    res = run(args, console)
    wall = time.perf_counter() - wall
    title = f"border incursions, {args.aircraft:,} aircraft{' (quick)' if args.quick else ''}"
    console.print(table(res, title))
    console.print(NOTES)
    for name, value in [*res.facts, *info]:
        console.print(f"[bold]{name}[/]: {value}")
    if args.record:
        common.record("bench_borders", markdown(res, info, started, wall, args.repeat))
        console.print(f"recorded in {common.DOCS.relative_to(common.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
