"""Replay of recorded state vectors into a server, at any speed.

Recorded reports (``sharedsky.io.read_state_vectors``: CSV, Parquet, JSON, the ``traffic``
samples; or a geodetic DAIDALUS ``.daa`` via ``sharedsky.io.read_daa``) are played on the wall
clock: recorded time ``t`` is due at ``wall_start + (t - t_first) / speed``. Once a wall
second, each aircraft's newest report due by then is posted to ``POST /v1/tracks`` by the
client of the aircraft's party, stamped with the real time of the post (the server accepts no
other), as :mod:`sharedsky.sim.runner` does for scenarios. A report older than ``max_gap_s``
of recorded time is not re-sent (the aircraft has dropped out).

Aircraft are given to parties by a :class:`PartyRule`: the file's ``party`` column when it has
one, else the first callsign prefix that matches, else the default party.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt

from sharedsky.errors import InvalidInput
from sharedsky.io import read_daa, read_state_vectors
from sharedsky.units import FT_M, NM_M

__all__ = ["PartyRule", "ReplayReport", "Reports", "read_tracks", "replay_tracks"]

_KT_MPS = NM_M / 3600.0
_FPM_MPS = FT_M / 60.0


@dataclass(frozen=True, slots=True)
class Reports:
    """Recorded reports as columns (POSIX seconds, degrees, metres, m/s, degrees true)."""

    time_s: npt.NDArray[np.float64]
    ids: npt.NDArray[np.str_]
    callsign: npt.NDArray[np.str_]
    party: npt.NDArray[np.str_]
    lat_deg: npt.NDArray[np.float64]
    lon_deg: npt.NDArray[np.float64]
    alt_m: npt.NDArray[np.float64]
    gs_mps: npt.NDArray[np.float64]
    track_deg: npt.NDArray[np.float64]
    vs_mps: npt.NDArray[np.float64]


def read_tracks(path: Path) -> Reports:
    """Reports from a state-vector file or a geodetic ``.daa`` scenario."""
    if path.name.lower().endswith(".daa"):
        encounter = read_daa(path)
        if not encounter.geodetic:
            raise InvalidInput.one(str(path), "only a geodetic .daa (lat/lon) can be replayed")
        names = np.asarray(encounter.names, dtype=np.str_)
        return Reports(
            time_s=np.asarray(encounter.time_s, dtype=np.float64),
            ids=names,
            callsign=names,
            party=np.full(len(names), "", dtype=np.str_),
            lat_deg=np.asarray(encounter.lat_deg),
            lon_deg=np.asarray(encounter.lon_deg),
            alt_m=np.asarray(encounter.alt_m),
            gs_mps=np.hypot(encounter.ve_mps, encounter.vn_mps),
            track_deg=np.degrees(np.arctan2(encounter.ve_mps, encounter.vn_mps)) % 360.0,
            vs_mps=np.asarray(encounter.vz_mps),
        )
    reports, _ = read_state_vectors(path)
    n = len(reports.time_s)
    empty = np.full(n, "", dtype=np.str_)
    return Reports(
        time_s=np.asarray(reports.time_s),
        ids=np.asarray(reports.ids, dtype=np.str_),
        callsign=empty if reports.callsign is None else np.asarray(reports.callsign, np.str_),
        party=empty if reports.party is None else np.asarray(reports.party, dtype=np.str_),
        lat_deg=np.asarray(reports.lat_deg),
        lon_deg=np.asarray(reports.lon_deg),
        alt_m=np.asarray(reports.alt_m),
        gs_mps=np.asarray(reports.gs_mps),
        track_deg=np.asarray(reports.track_deg),
        vs_mps=np.asarray(reports.vs_mps),
    )


@dataclass(frozen=True, slots=True)
class PartyRule:
    """Which party flies an aircraft: the recorded party, else a callsign prefix, else
    ``default`` (``None``: the aircraft is left out).

    >>> rule = PartyRule(prefixes=(("SWR", "CH"), ("EZY", "UK")), default="OTHER")
    >>> rule.party_of(callsign="SWR123", recorded="")
    'CH'
    >>> rule.party_of(callsign="DLH1", recorded="")
    'OTHER'
    """

    prefixes: tuple[tuple[str, str], ...] = ()
    default: str | None = None

    @classmethod
    def parse(cls, rules: Sequence[str], default: str | None = None) -> PartyRule:
        """From ``PREFIX=PARTY`` texts."""
        pairs = []
        for k, text in enumerate(rules):
            prefix, sep, party = text.partition("=")
            if not sep or not prefix.strip() or not party.strip():
                raise InvalidInput.one(f"--party-rule[{k}]", f"{text!r} is not PREFIX=PARTY")
            pairs.append((prefix.strip().upper(), party.strip()))
        return cls(prefixes=tuple(pairs), default=default)

    def party_of(self, *, callsign: str, recorded: str) -> str | None:
        if recorded:
            return recorded
        upper = callsign.strip().upper()
        for prefix, party in self.prefixes:
            if upper.startswith(prefix):
                return party
        return self.default


@dataclass(frozen=True, slots=True)
class ReplayReport:
    posts: int
    states: int
    aircraft: dict[str, int]
    """Aircraft per party."""
    left_out: int
    """Aircraft no rule gave a party (or whose party has no token)."""


def replay_tracks(
    reports: Reports,
    base_url: str,
    *,
    tokens: Mapping[str, str],
    rule: PartyRule,
    speed: float = 1.0,
    step_s: float = 1.0,
    max_gap_s: float = 30.0,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    transport: httpx.BaseTransport | None = None,
    log: Callable[[str], None] | None = None,
) -> ReplayReport:
    """Play ``reports`` into the server at ``base_url`` (see the module's docstring)."""
    if not (speed > 0 and math.isfinite(speed)):
        raise InvalidInput.one("--speed", "a speed is a finite number > 0")
    if len(reports.time_s) == 0:
        raise InvalidInput.one("tracks", "no reports to replay")
    order = np.argsort(reports.time_s, kind="stable")
    parties: dict[str, str | None] = {}
    for k in order:
        aircraft = str(reports.ids[k])
        if aircraft not in parties or parties[aircraft] is None:
            party = rule.party_of(callsign=str(reports.callsign[k]), recorded=str(reports.party[k]))
            parties[aircraft] = party if party in tokens else None
    counts: dict[str, int] = {}
    for party in parties.values():
        if party is not None:
            counts[party] = counts.get(party, 0) + 1
    clients = {
        p: httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {tokens[p]}"},
            timeout=30.0,
            transport=transport,
        )
        for p in counts
    }
    first = float(reports.time_s[order[0]])
    last = float(reports.time_s[order[-1]])
    wall0 = clock()
    newest: dict[str, int] = {}
    cursor = 0
    posts = states = 0
    try:
        while True:
            now = clock()
            due = first + (now - wall0) * speed
            while cursor < len(order) and reports.time_s[order[cursor]] <= due:
                newest[str(reports.ids[order[cursor]])] = int(order[cursor])
                cursor += 1
            batches: dict[str, list[dict[str, Any]]] = {}
            for aircraft, k in newest.items():
                party = parties[aircraft]
                if party is None or due - reports.time_s[k] > max_gap_s:
                    continue
                batches.setdefault(party, []).append(_state(reports, k, now))
            for party, batch in batches.items():
                for start in range(0, len(batch), 10_000):
                    reply = clients[party].post(
                        "/v1/tracks", json={"states": batch[start : start + 10_000]}
                    )
                    if reply.status_code >= 300:
                        raise InvalidInput.one(
                            "server", f"HTTP {reply.status_code}: {reply.text[:300]}"
                        )
                    posts += 1
                    states += len(batch[start : start + 10_000])
            if log is not None:
                log(f"t={due - first:8.0f}s aircraft={sum(len(b) for b in batches.values())}")
            if due >= last:
                break
            sleep(max(0.0, now + step_s - clock()))
    except httpx.HTTPError as error:
        raise InvalidInput.one("server", f"{base_url}: {type(error).__name__}: {error}") from None
    finally:
        for client in clients.values():
            client.close()
    left_out = sum(1 for p in parties.values() if p is None)
    return ReplayReport(posts=posts, states=states, aircraft=counts, left_out=left_out)


def _state(reports: Reports, k: int, now: float) -> dict[str, Any]:
    return {
        "timestamp": round(now, 3),
        "icao24": str(reports.ids[k])[:16],
        "callsign": str(reports.callsign[k])[:16],
        "latitude": float(reports.lat_deg[k]),
        "longitude": float(reports.lon_deg[k]),
        "altitude": float(reports.alt_m[k]) / FT_M,
        "groundspeed": float(reports.gs_mps[k]) / _KT_MPS,
        "track": float(reports.track_deg[k]),
        "vertical_rate": float(reports.vs_mps[k]) / _FPM_MPS,
    }
