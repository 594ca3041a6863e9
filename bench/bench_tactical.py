"""Performance benchmark of the tactical conflict sweep (issue 3 targets, same-run baselines).

Cases:

* **dense box** (BlueSky's case): N aircraft at random in 500 × 500 km (33–37.5° N, 36–41.4° E),
  FL200–FL400, 30 % climbing or descending (up to ±3,000 ft/min), 200–250 m/s, 5 NM /
  1,000 ft / 300 s. Baseline: the brute-force all-pairs vectorized numpy sweep
  (``sweep_all_pairs``, the algorithm of BlueSky's numpy detector) on the same aircraft; the
  pair sets (conflicts and losses) must be identical. Target at N = 10,000: ≥ 50× faster than the
  brute force and under 100 ms.
* **wide area**: 100,000 aircraft over ~20 million km² (25–65° N, 20° W–40° E), 70 % at cruise
  levels FL290–FL450 (level), the rest FL000–FL290 climbing or descending; target a full sweep
  under 1 s and the process under 2 GB. All pairs at this size would be 5·10⁹ pairs, so the
  baseline is the brute force on a 10,000-aircraft subsample, scaled by N².
* **real data**: the ``traffic`` package's ``quickstart`` (Paris, 3 h) and ``switzerland``
  (upper airspace, 17 h) samples, swept every 10 s of their span with the latest state of each
  aircraft (max age 10 s, 3,000–50,000 ft): distinct pairs in loss now and in conflict within
  300 s, with and without the level-flight rule, and the time taken.

Run ``.venv/bin/python bench/bench_tactical.py`` (``--quick`` for a smoke run, ``--record`` to
write the results into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import importlib.util
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numba
import numpy as np
from rich.console import Console
from rich.table import Table

import common
from sharedsky.io import read_state_vectors
from sharedsky.tactical import (
    AircraftStates,
    SweepResult,
    SweepSettings,
    replay,
    sweep,
    sweep_all_pairs,
)
from sharedsky.tactical.sweep import warm_up
from sharedsky.units import FT_M

FPM = FT_M / 60


def dense_box(n: int, seed: int) -> AircraftStates:
    rng = np.random.default_rng(seed)
    lat = 33.0 + rng.random(n) * 4.5
    lon = 36.0 + rng.random(n) * 5.4
    moving = rng.random(n) < 0.3
    vs = np.where(moving, rng.choice([-1.0, 1.0], n) * rng.uniform(500, 3000, n) * FPM, 0.0)
    return AircraftStates.from_columns(
        time_s=0.0,
        ids=[f"{k:06x}" for k in range(n)],
        lat_deg=lat,
        lon_deg=lon,
        alt_m=rng.uniform(20_000, 40_000, n) * FT_M,
        gs_mps=rng.uniform(200, 250, n),
        track_deg=rng.uniform(0, 360, n),
        vs_mps=vs,
    )


def wide_area(n: int, seed: int) -> AircraftStates:
    rng = np.random.default_rng(seed)
    s0, s1 = np.sin(np.radians(25.0)), np.sin(np.radians(65.0))
    lat = np.degrees(np.arcsin(rng.uniform(s0, s1, n)))
    lon = rng.uniform(-20.0, 40.0, n)
    cruise = rng.random(n) < 0.7
    level = np.where(cruise, rng.choice(np.arange(290, 451, 10), n), rng.uniform(0, 290, n))
    vs = np.where(cruise, 0.0, rng.choice([-1.0, 1.0], n) * rng.uniform(0, 3000, n) * FPM)
    return AircraftStates.from_columns(
        time_s=0.0,
        ids=[f"{k:06x}" for k in range(n)],
        lat_deg=lat,
        lon_deg=lon,
        alt_m=level * 100 * FT_M,
        gs_mps=np.where(cruise, rng.uniform(200, 260, n), rng.uniform(70, 230, n)),
        track_deg=rng.uniform(0, 360, n),
        vs_mps=vs,
    )


def pairs(result: SweepResult) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
    c, los = result.conflicts, result.los
    return (
        set(zip(c.a.tolist(), c.b.tolist(), strict=True)),
        set(zip(los.a.tolist(), los.b.tolist(), strict=True)),
    )


def timed(call: Callable[[], SweepResult], repeat: int) -> tuple[list[float], SweepResult]:
    times: list[float] = []
    result = call()
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return times, result


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class Row:
    case: str
    n: str
    ours_ms: float
    baseline: str
    baseline_ms: float
    target: str
    met: bool | None
    note: str = ""

    def cells(self) -> list[str]:
        ratio = self.baseline_ms / self.ours_ms if self.ours_ms else float("nan")
        return [
            self.case,
            self.n,
            f"{self.ours_ms:,.1f}",
            self.baseline,
            f"{self.baseline_ms:,.0f}",
            f"{ratio:,.0f}×",
            self.target,
            {True: "yes", False: "NO", None: "—"}[self.met],
            self.note,
        ]


HEADERS = [
    "case",
    "N",
    "sweep ms",
    "baseline",
    "baseline ms",
    "speed-up",
    "target",
    "met?",
    "notes",
]


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    real: list[list[str]] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)
    identical: bool = True


def run_dense(res: Results, sizes: Sequence[int], seed: int, repeat: int, console: Console) -> None:
    for n in sizes:
        states = dense_box(n, seed)
        with console.status(f"dense box N={n:,}: fast sweep"):
            times, fast = timed(lambda s=states: sweep(s), repeat)
            one_times, _ = timed(lambda s=states: sweep(s, SweepSettings(workers=1)), repeat)
        with console.status(f"dense box N={n:,}: brute force (all {n * (n - 1) // 2:,} pairs)"):
            started = time.perf_counter()
            slow = sweep_all_pairs(states)
            brute_ms = (time.perf_counter() - started) * 1000
        same = pairs(fast) == pairs(slow)
        res.identical &= same
        ours = statistics.median(times) * 1000
        is_target = n == 10_000
        met = (ours < 100 and brute_ms / ours >= 50) if is_target else None
        res.rows.append(
            Row(
                "dense box",
                f"{n:,}",
                ours,
                "all-pairs numpy",
                brute_ms,
                "<100 ms, ≥50×" if is_target else "",
                met,
                f"{len(fast.conflicts.a):,} conflicts, {len(fast.los.a):,} LoS;"
                f" pairs {'identical' if same else 'DIFFER'}; 1 thread"
                f" {statistics.median(one_times) * 1000:,.1f} ms; max"
                f" {max(times) * 1000:,.1f} ms; {fast.candidates:,} pairs evaluated",
            )
        )


def run_wide(res: Results, n: int, seed: int, repeat: int, console: Console) -> None:
    states = wide_area(n, seed)
    with console.status(f"wide area N={n:,}: fast sweep"):
        times, fast = timed(lambda: sweep(states), repeat)
    rss = peak_rss_mb()
    sub = 10_000
    with console.status(f"wide area: brute force on a {sub:,} subsample"):
        sample = states.take(np.random.default_rng(seed).choice(n, sub, replace=False))
        started = time.perf_counter()
        sweep_all_pairs(sample)
        brute_ms = (time.perf_counter() - started) * 1000 * (n / sub) ** 2
    ours = statistics.median(times) * 1000
    res.rows.append(
        Row(
            "wide area",
            f"{n:,}",
            ours,
            f"all-pairs, {sub:,} sample × (N/{sub:,})²",
            brute_ms,
            "<1 s, <2 GB",
            ours < 1000 and rss < 2048,
            f"{len(fast.conflicts.a):,} conflicts, {len(fast.los.a):,} LoS; max"
            f" {max(times) * 1000:,.0f} ms; process peak RSS {rss:,.0f} MB",
        )
    )


def traffic_sample(name: str) -> Path | None:
    spec = importlib.util.find_spec("traffic")
    if spec is None or spec.submodule_search_locations is None:
        return None
    root = Path(next(iter(spec.submodule_search_locations)))
    return root / "data" / "samples" / "collections" / f"{name}.json.gz"


def run_real(res: Results, console: Console) -> None:
    for name in ("quickstart", "switzerland"):
        path = traffic_sample(name)
        if path is None:
            res.facts.append((name, "skipped: the traffic samples are not installed"))
            continue
        reports, read = read_state_vectors(path)
        start, stop = float(reports.time_s.min()), float(reports.time_s.max())
        found: dict[str, tuple[set[tuple[str, str]], set[tuple[str, str]]]] = {}
        step_ms: list[float] = []
        aircraft: list[int] = []
        for label, level in (("rule", SweepSettings().level), ("plain", None)):
            cfg = SweepSettings(level=level)
            los: set[tuple[str, str]] = set()
            conflicts: set[tuple[str, str]] = set()
            with console.status(f"{name}: every 10 s, level rule {label}"):
                for snap, _ in replay(
                    reports, start_s=start, stop_s=stop, step_s=10.0, max_age_s=10.0
                ):
                    snap = snap.take((snap.alt_m >= 3000 * FT_M) & (snap.alt_m <= 50_000 * FT_M))
                    started = time.perf_counter()
                    result = sweep(snap, cfg)
                    if label == "rule":
                        step_ms.append((time.perf_counter() - started) * 1000)
                        aircraft.append(len(snap))
                    ids = snap.ids
                    c, lost = result.conflicts, result.los
                    conflicts |= {(ids[a], ids[b]) for a, b in zip(c.a, c.b, strict=True)}
                    los |= {(ids[a], ids[b]) for a, b in zip(lost.a, lost.b, strict=True)}
            found[label] = (los, conflicts)
        res.real.append(
            [
                name,
                f"{read.kept:,} of {read.rows:,}",
                f"{len(step_ms):,}",
                f"{statistics.mean(aircraft):,.0f} / {max(aircraft):,}",
                f"{len(found['plain'][0])} → {len(found['rule'][0])}",
                f"{len(found['plain'][1])} → {len(found['rule'][1])}",
                f"{sum(step_ms) / 1000:,.2f} s",
                f"{statistics.median(step_ms):.2f} / {max(step_ms):.2f}",
            ]
        )


REAL_HEADERS = [
    "sample",
    "rows used",
    "sweeps",
    "aircraft mean / max",
    "LoS pairs, plain → level rule",
    "conflict pairs (300 s), plain → rule",
    "sweep time",
    "ms per sweep p50 / max",
]


def table(headers: list[str], rows: list[list[str]], title: str) -> Table:
    out = Table(title=title)
    for h in headers:
        out.add_column(h)
    for row in rows:
        out.add_row(*row)
    return out


def markdown(res: Results, info: list[tuple[str, str]], started: datetime, wall: float) -> str:
    lines = [
        "### Tactical conflict sweep (`bench/bench_tactical.py`), full scenario",
        "",
        f"Recorded {started.strftime('%Y-%m-%dT%H:%M:%SZ')} (UTC); the run took"
        f" {wall / 60:.1f} min.",
        "",
        *[f"- **{k}**: {v}" for k, v in info],
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "|".join("---" for _ in HEADERS) + "|",
        *["| " + " | ".join(r.cells()) + " |" for r in res.rows],
        "",
        "Real ADS-B (the `traffic` samples), swept every 10 s:",
        "",
        "| " + " | ".join(REAL_HEADERS) + " |",
        "|" + "|".join("---" for _ in REAL_HEADERS) + "|",
        *["| " + " | ".join(r) + " |" for r in res.real],
        "",
        *[f"- {k}: {v}" for k, v in res.facts],
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: small N, no real data")
    parser.add_argument("--record", action="store_true", help="write results to docs/benchmarks.md")
    parser.add_argument("--seed", type=int, default=20151001)
    args = parser.parse_args(argv)
    if args.record and args.quick:
        parser.error("--record needs the full scenario (no --quick)")
    console = Console(width=None if sys.stdout.isatty() else 160)
    info = common.machine(f"numpy {np.__version__}, numba {numba.__version__}")
    started = datetime.now(UTC)
    wall = time.perf_counter()
    warm_up()
    res = Results()
    repeat = 3 if args.quick else 7
    run_dense(
        res, [1_000, 2_000] if args.quick else [1_000, 5_000, 10_000], args.seed, repeat, console
    )
    run_wide(res, 10_000 if args.quick else 100_000, args.seed, 3, console)
    if not args.quick:
        run_real(res, console)
    wall = time.perf_counter() - wall
    console.print(table(HEADERS, [r.cells() for r in res.rows], "tactical conflict sweep"))
    if res.real:
        console.print(table(REAL_HEADERS, res.real, "real ADS-B, every 10 s"))
    for name, value in [*res.facts, *info]:
        console.print(f"[bold]{name}[/]: {value}")
    if args.record:
        common.record("bench_tactical", markdown(res, info, started, wall))
        console.print(f"recorded in {common.DOCS.relative_to(common.ROOT)}")
    return 0 if res.identical else 1


if __name__ == "__main__":
    sys.exit(main())
