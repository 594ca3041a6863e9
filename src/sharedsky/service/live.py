"""The live picture: parties' tracks in, pair alerts out, once a second.

Each party posts state vectors of its own aircraft (the tactical engine's columns: ``icao24``,
``timestamp``, ``latitude``, ``longitude``, ``altitude`` ft, ``groundspeed`` kt, ``track`` deg,
``vertical_rate`` ft/min, optional ``callsign``). An aircraft is known as ``party:icao24``, so
two parties' aircraft never merge. :meth:`LivePicture.tick` sweeps the newest state of every
aircraft, extrapolated to now, with the cylinder profile, and writes each alert raised, changed
or ended as an event for the parties of both aircraft, in one transaction.

Border warnings (:mod:`sharedsky.service.airspace_watch`) come from the same snapshot, for the
airspaces parties declared as their own, and so do volume entries and nonconformance
(:mod:`sharedsky.service.volume_watch`).

Track states are sensor data replaced every second, so only the newest per aircraft is kept,
in memory; what matters afterwards (every alert and its times) is in the event log. Alerts
left open by a stopped server are ended, with that reason, when the next one starts.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa

from sharedsky.errors import InvalidInput, Issue, UnknownEntity
from sharedsky.model import rfc3339
from sharedsky.service.airspace_watch import AirspaceWatch, countries
from sharedsky.service.coordinator import MAX_TEXT, Coordinator, Reply
from sharedsky.service.volume_watch import VolumeWatch
from sharedsky.store.events import append_event, payload_of
from sharedsky.store.parties import Party, list_parties
from sharedsky.store.schema import events
from sharedsky.tactical import (
    AircraftStates,
    Alert,
    AlertTracker,
    CylinderProfile,
    Separation,
    SeparationPolicy,
    StateReports,
    latest,
)
from sharedsky.units import FT_M, NM_M

__all__ = ["MAX_STATES", "LivePicture"]

MAX_STATES = 10_000
_FIELDS = {
    "timestamp",
    "icao24",
    "callsign",
    "latitude",
    "longitude",
    "altitude",
    "groundspeed",
    "track",
    "vertical_rate",
}
_NUMBERS = ("latitude", "longitude", "altitude", "groundspeed", "track", "vertical_rate")


@dataclass
class _Track:
    party: str
    icao24: str
    callsign: str
    row: dict[str, float]


@dataclass
class _Open:
    alert: Alert
    acknowledged: set[str] = field(default_factory=set)
    suppressed: dict[str, str] = field(default_factory=dict)


def _aircraft(key: str) -> tuple[str, str]:
    party, _, icao24 = key.partition(":")
    return party, icao24


class LivePicture:
    """Tracks of all parties and the alerts between them."""

    def __init__(
        self,
        coordinator: Coordinator,
        *,
        profile: CylinderProfile | None = None,
        max_age_s: float = 10.0,
    ) -> None:
        self.coordinator = coordinator
        self.profile = profile or CylinderProfile()
        self.max_age_s = max_age_s
        self._lock = threading.Lock()
        self._tracks: dict[str, _Track] = {}
        self._tracker = AlertTracker()
        self._open: dict[int, _Open] = {}
        self._watch: AirspaceWatch | None = None
        self._watch_version = -1
        self._volumes: VolumeWatch | None = None
        self._volumes_version = -1
        self._close_orphans()

    # -- tracks in --------------------------------------------------------------------------

    def ingest(self, party: str, data: Any) -> Reply:
        """Validate a batch of the party's own states; keep each aircraft's newest."""
        if not isinstance(data, dict) or set(data) != {"states"}:
            raise InvalidInput.one("$", 'a batch is {"states": [state, ...]}')
        states = data["states"]
        if not isinstance(states, list) or not 0 < len(states) <= MAX_STATES:
            raise InvalidInput.one("$.states", f"a list of 1 to {MAX_STATES:,} states")
        issues: list[Issue] = []
        rows: list[tuple[str, str, dict[str, float]]] = []
        for k, state in enumerate(states):
            where = f"$.states[{k}]"
            if not isinstance(state, dict):
                issues.append(Issue(where, "a state is an object"))
                continue
            issues += [Issue(f"{where}.{f}", "unknown field") for f in sorted(set(state) - _FIELDS)]
            icao24 = state.get("icao24")
            if not isinstance(icao24, str) or not 0 < len(icao24.strip()) <= 16:
                issues.append(Issue(f"{where}.icao24", "an aircraft address of 1–16 characters"))
                continue
            callsign = state.get("callsign") or ""
            if not isinstance(callsign, str) or len(callsign) > 16:
                issues.append(Issue(f"{where}.callsign", "a callsign of at most 16 characters"))
            row: dict[str, float] = {}
            for name in _NUMBERS:
                value = state.get(name)
                if (
                    isinstance(value, bool)
                    or not isinstance(value, int | float)
                    or not (math.isfinite(value))
                ):
                    issues.append(Issue(f"{where}.{name}", "a finite number is required"))
                else:
                    row[name] = float(value)
            moment = _posix_s(state.get("timestamp"))
            if moment is None:
                issues.append(Issue(f"{where}.timestamp", "RFC 3339 or Unix seconds"))
            else:
                row["time_s"] = moment
            rows.append((icao24.strip().lower(), str(callsign).strip(), row))
        if issues:
            raise InvalidInput(issues[:100])
        try:
            reports = self._reports([(party, i, c, r) for i, c, r in rows])
        except InvalidInput as error:
            raise InvalidInput(
                [Issue(f"$.states{_index(i.path)}", i.message) for i in error.issues]
            ) from None
        now = self.coordinator.clock().timestamp()
        future = np.flatnonzero(reports.time_s > now + 5.0)
        if len(future):
            raise InvalidInput.one(f"$.states[{future[0]}].timestamp", "is in the future")
        with self._lock:
            for icao24, callsign, row in rows:
                key = f"{party}:{icao24}"
                old = self._tracks.get(key)
                if old is None or old.row["time_s"] <= row["time_s"]:
                    self._tracks[key] = _Track(party, icao24, callsign, row)
        return Reply(202, {"accepted": len(rows)})

    @staticmethod
    def _reports(tracks: list[tuple[str, str, str, dict[str, float]]]) -> StateReports:
        def column(name: str, scale: float = 1.0) -> list[float]:
            return [t[3][name] * scale for t in tracks]

        return StateReports.from_columns(
            time_s=column("time_s"),
            ids=[f"{t[0]}:{t[1]}" for t in tracks],
            lat_deg=column("latitude"),
            lon_deg=column("longitude"),
            alt_m=column("altitude", FT_M),
            gs_mps=column("groundspeed", NM_M / 3600),
            track_deg=column("track"),
            vs_mps=column("vertical_rate", FT_M / 60),
            callsign=[t[2] for t in tracks],
            party=[t[0] for t in tracks],
        )

    # -- the sweep --------------------------------------------------------------------------

    def tick(self) -> int:
        """One sweep at the coordinator's now (and the notices' escalation timer); returns how
        many events it wrote."""
        escalated = self.coordinator.escalate_notices()
        now = self.coordinator.clock()
        with self._lock:
            tracks = [(t.party, t.icao24, t.callsign, t.row) for t in self._tracks.values()]
            stale = [k for k, t in self._tracks.items() if now.timestamp() - t.row["time_s"] > 3600]
            for key in stale:
                del self._tracks[key]
        snapshot, _ = latest(self._reports(tracks), at_s=now.timestamp(), max_age_s=self.max_age_s)
        watch = self._airspace_watch()
        update = self._tracker.update(self.profile.levels(snapshot), at_s=now.timestamp())
        changes = [("raised", a) for a in update.raised] + [("updated", a) for a in update.changed]
        changes += [("ended", a) for a in update.ended]
        callsigns = {f"{p}:{i}": c for p, i, c, _ in tracks}
        positions = _positions(snapshot, {k for _, a in changes for k in (a.a, a.b)})
        warnings = [] if watch is None else watch.update(snapshot, callsigns)
        warnings += self._volume_watch().update(snapshot, callsigns)
        if not changes and not warnings:
            return escalated
        with self.coordinator.db.transaction() as conn:
            for warning in warnings:
                append_event(
                    conn,
                    kind=warning.kind,
                    actor=None,
                    audience=warning.audience,
                    payload=warning.payload,
                    at=now,
                )
            for kind, alert in changes:
                entry = self._open.setdefault(alert.alert_id, _Open(alert))
                entry.alert = alert
                audience = {_aircraft(alert.a)[0], _aircraft(alert.b)[0]} - set(entry.suppressed)
                append_event(
                    conn,
                    kind=f"alert.{kind}",
                    actor=None,
                    audience=audience,
                    payload={"alert": _alert_json(alert, callsigns, positions, now)},
                    at=now,
                )
                if kind == "ended":
                    del self._open[alert.alert_id]
        return escalated + len(changes) + len(warnings)

    def _volume_watch(self) -> VolumeWatch:
        """The volume watch for the operations as they are now (rebuilt when they change)."""
        version = self.coordinator.operations_version
        if self._volumes is None or version != self._volumes_version:
            fresh = VolumeWatch(self.coordinator.operations())
            if self._volumes is not None:
                fresh.carry(self._volumes)
            self._volumes, self._volumes_version = fresh, version
        return self._volumes

    def _airspace_watch(self) -> AirspaceWatch | None:
        """The border watch and the pair minima for the parties as they are now (rebuilt when
        they change)."""
        version = self.coordinator.parties_version
        if version != self._watch_version:
            with self.coordinator.db.read() as conn:
                parties = list_parties(conn)
            owners = {p.id: [str(a) for a in p.airspace] for p in parties if p.airspace}
            self._watch = AirspaceWatch(countries(), owners) if owners else None
            self.profile = replace(self.profile, minima=_minima(self.profile.minima, parties))
            self._watch_version = version
        return self._watch

    def _close_orphans(self) -> None:
        """End, in the log, alerts a previous run raised and never ended."""
        with self.coordinator.db.read() as conn:
            rows = [
                (kind, payload_of(entry))
                for kind, entry in conn.execute(
                    sa.select(events.c.kind, events.c.entry).where(events.c.kind.like("alert.%"))
                )
            ]
        open_alerts: dict[int, dict[str, Any]] = {}
        for kind, payload in rows:
            alert = payload["alert"]
            if kind == "alert.ended":
                open_alerts.pop(alert["id"], None)
            elif kind in ("alert.raised", "alert.updated"):
                # Acknowledgements and suppressions name the alert only; they change no state.
                open_alerts[alert["id"]] = alert
        first_id = max((int(p["alert"]["id"]) for _, p in rows), default=0) + 1
        self._tracker = AlertTracker(first_id=first_id)
        if not open_alerts:
            return
        now = self.coordinator.clock()
        with self.coordinator.db.transaction() as conn:
            for alert in open_alerts.values():
                ended = {**alert, "level": "NONE", "ended_at": rfc3339(now), "reason": "restart"}
                append_event(
                    conn,
                    kind="alert.ended",
                    actor=None,
                    audience={alert["a"]["party"], alert["b"]["party"]},
                    payload={"alert": ended},
                    at=now,
                )

    # -- what a party sees ------------------------------------------------------------------

    def alerts(self, party: str) -> list[dict[str, Any]]:
        """Active alerts involving the party's aircraft."""
        now = self.coordinator.clock()
        with self._lock:
            callsigns = {k: t.callsign for k, t in self._tracks.items()}
            positions = {
                k: (t.row["latitude"], t.row["longitude"], t.row["altitude"])
                for k, t in self._tracks.items()
            }
            found = [
                {
                    **_alert_json(o.alert, callsigns, positions, now),
                    "acknowledged": party in o.acknowledged,
                    "suppressed": o.suppressed.get(party),
                }
                for o in self._open.values()
                if party in (_aircraft(o.alert.a)[0], _aircraft(o.alert.b)[0])
            ]
        return sorted(found, key=lambda a: (a["time_to_conflict_s"], a["id"]))

    def traffic(self, party: str) -> list[dict[str, Any]]:
        """The party's own aircraft, and others' while they are in an alert with one of its or
        inside or predicted to enter its airspace."""
        now = self.coordinator.clock().timestamp()
        watched = set() if self._watch is None else self._watch.visible_to(party)
        with self._lock:
            partners = set(watched)
            for o in self._open.values():
                a, b = o.alert.a, o.alert.b
                if _aircraft(a)[0] == party:
                    partners.add(b)
                if _aircraft(b)[0] == party:
                    partners.add(a)
            shown = [
                t
                for k, t in self._tracks.items()
                if (t.party == party or k in partners) and now - t.row["time_s"] <= self.max_age_s
            ]
            return [
                {
                    "party": t.party,
                    "icao24": t.icao24,
                    "callsign": t.callsign,
                    "timestamp": _moment_s(t.row["time_s"]),
                    **{name: t.row[name] for name in _NUMBERS},
                }
                for t in sorted(shown, key=lambda t: (t.party, t.icao24))
            ]

    def respond(self, party: str, alert_id: int, action: str, reason: str | None) -> Reply:
        """Acknowledge or suppress an alert for the party's own aircraft (a reason is needed
        to suppress); both are events."""
        with self._lock:
            entry = self._open.get(alert_id)
            parties = (
                set()
                if entry is None
                else {_aircraft(entry.alert.a)[0], _aircraft(entry.alert.b)[0]}
            )
            if entry is None or party not in parties:
                raise UnknownEntity(f"no active alert {alert_id}")
            if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_TEXT):
                raise InvalidInput.one("$.reason", f"text of at most {MAX_TEXT} characters")
            if action == "suppress":
                if not (reason or "").strip():
                    raise InvalidInput.one("$.reason", "a suppression needs a reason")
                entry.suppressed[party] = str(reason)
            else:
                entry.acknowledged.add(party)
        now = self.coordinator.clock()
        with self.coordinator.db.transaction() as conn:
            append_event(
                conn,
                kind=f"alert.{'suppressed' if action == 'suppress' else 'acknowledged'}",
                actor=party,
                audience=parties,
                payload={"alert": {"id": alert_id}, "party": party, "reason": reason},
                at=now,
            )
        return Reply(200, {"alert": {"id": alert_id}, "action": action, "reason": reason})


def _minima(policy: SeparationPolicy, parties: list[Party]) -> SeparationPolicy:
    """Between two parties, the wider of the minima each asked for (the default otherwise)."""
    default = policy.default
    asked = {
        p.id: Separation(
            hsep_m=p.minima.get("hsep_m", default.hsep_m) or default.hsep_m,
            vsep_m=p.minima.get("vsep_m", default.vsep_m) or default.vsep_m,
        )
        for p in parties
        if p.minima
    }
    pairs = {}
    for a in asked:
        for b in (p.id for p in parties):
            if a <= b or b not in asked:
                mine = asked[a]
                theirs = asked.get(b, default)
                pairs[(a, b)] = Separation(
                    hsep_m=max(mine.hsep_m, theirs.hsep_m), vsep_m=max(mine.vsep_m, theirs.vsep_m)
                )
    return SeparationPolicy(default=default, pairs=pairs)


def _index(path: str) -> str:
    """``ids[3]`` → ``[3]`` (the state's position in the batch)."""
    return path[path.index("[") :] if "[" in path else ""


def _moment_s(seconds: float) -> str:
    return rfc3339(datetime.fromtimestamp(seconds, UTC))


def _posix_s(value: Any) -> float | None:
    """POSIX seconds of an RFC 3339 time (naive means UTC) or a number of Unix seconds; ``None``
    for anything else. Per state, so no pandas: a batch holds thousands."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def _positions(snapshot: AircraftStates, keys: set[str]) -> dict[str, tuple[float, float, float]]:
    """Latitude, longitude and altitude (ft) of these aircraft in the swept snapshot."""
    if not keys:
        return {}
    ids = np.asarray(snapshot.ids)
    wanted = np.asarray(sorted(keys))
    at = np.searchsorted(ids, wanted)
    found = (at < len(ids)) & (ids[np.minimum(at, len(ids) - 1)] == wanted)
    return {
        str(k): (
            float(snapshot.lat_deg[i]),
            float(snapshot.lon_deg[i]),
            float(snapshot.alt_m[i]) / FT_M,
        )
        for k, i, ok in zip(wanted, at, found, strict=True)
        if ok
    }


def _alert_json(
    alert: Alert,
    callsigns: Mapping[str, str],
    positions: Mapping[str, tuple[float, float, float]],
    now: datetime,
) -> dict[str, Any]:
    """An alert as parties see it; each aircraft with where it was (lat, lon in degrees,
    altitude in feet), so that the record shows whose track said what."""

    def side(key: str) -> dict[str, Any]:
        party, icao24 = _aircraft(key)
        lat, lon, alt_ft = positions.get(key, (None, None, None))
        return {
            "party": party,
            "icao24": icao24,
            "callsign": callsigns.get(key, ""),
            "lat": None if lat is None else round(lat, 6),
            "lon": None if lon is None else round(lon, 6),
            "altitude_ft": None if alt_ft is None else round(alt_ft),
        }

    return {
        "id": alert.alert_id,
        "a": side(alert.a),
        "b": side(alert.b),
        "level": alert.level.name,
        "highest": alert.highest.name,
        "time_to_conflict_s": round(alert.time_to_conflict_s, 3),
        "time_to_cpa_s": round(alert.time_to_cpa_s, 3),
        "h_now_m": round(alert.h_now_m, 1),
        "v_now_m": round(alert.v_now_m, 1),
        "h_min_m": round(alert.h_min_m, 1),
        "v_min_m": round(alert.v_min_m, 1),
        "started_at": _moment_s(alert.started_s),
        "ended_at": None if alert.ended_s is None else _moment_s(alert.ended_s),
    }
