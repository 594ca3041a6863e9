"""State vectors in the OpenSky / ``traffic`` convention, from CSV, Parquet or JSON.

Columns (names as OpenSky and the ``traffic`` library spell them): ``timestamp`` (ISO 8601, or
Unix seconds), ``icao24`` (the aircraft's identity), ``latitude``, ``longitude`` (degrees),
``altitude`` (barometric, ft), ``groundspeed`` (kt), ``track`` (degrees true),
``vertical_rate`` (ft/min); optional ``callsign``, ``party``, ``geoaltitude`` (ft, read but not
used: separation is judged on barometric altitude, which is what both aircraft fly),
``onground``. JSON is a list of records, as the ``traffic`` samples are (``.json.gz`` too).

Real surveillance data has holes and glitches. A file that cannot be read as a table, lacks a
required column, or has a timestamp or number that does not parse is refused with a message
naming the column and row. Rows that parse but cannot be an airborne state (a missing value,
on the ground, a position off the globe, an altitude or speed beyond any aircraft) are dropped
and counted by reason in :class:`ReadReport`, so a user sees how much was left out and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sharedsky.errors import InvalidInput, Issue
from sharedsky.tactical.states import (
    MAX_ALTITUDE_M,
    MAX_GROUND_SPEED_MPS,
    MAX_VERTICAL_SPEED_MPS,
    MIN_ALTITUDE_M,
    StateReports,
)
from sharedsky.units import FT_M, NM_M

__all__ = ["REQUIRED_COLUMNS", "ReadReport", "parse_time_s", "read_state_vectors"]

REQUIRED_COLUMNS = (
    "timestamp",
    "icao24",
    "latitude",
    "longitude",
    "altitude",
    "groundspeed",
    "track",
    "vertical_rate",
)
_NUMERIC = ("latitude", "longitude", "altitude", "groundspeed", "track", "vertical_rate")
_KT_MPS = NM_M / 3600.0
_FPM_MPS = FT_M / 60.0


@dataclass(frozen=True, slots=True)
class ReadReport:
    """What a read kept and what it dropped, by reason."""

    rows: int
    kept: int
    dropped: dict[str, int] = field(default_factory=dict)


def _frame(path: Path) -> pd.DataFrame:
    name = path.name.lower()
    try:
        if name.endswith(".csv") or name.endswith(".csv.gz"):
            return pd.read_csv(path, dtype={"icao24": str, "callsign": str, "party": str})
        if name.endswith(".parquet"):
            return pd.read_parquet(path)
        if name.endswith((".json", ".json.gz", ".jsonl", ".jsonl.gz")):
            lines = ".jsonl" in name
            return pd.read_json(
                path, lines=lines, dtype={"icao24": str, "callsign": str, "party": str}
            )
    except FileNotFoundError:
        raise InvalidInput.one(str(path), "no such file") from None
    except (ValueError, OSError, UnicodeDecodeError) as error:
        first = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise InvalidInput.one(str(path), f"cannot be read as a table: {first}") from None
    except Exception as error:  # the parsers raise many types for junk input
        raise InvalidInput.one(
            str(path), f"cannot be read as a table: {type(error).__name__}: {error}"
        ) from None
    raise InvalidInput.one(
        str(path), "unknown format: use .csv, .csv.gz, .parquet, .json, .json.gz or .jsonl"
    )


def parse_time_s(values: pd.Series, column: str = "timestamp") -> np.ndarray:
    """POSIX seconds from ISO 8601 strings (naive means UTC), Unix seconds, or datetimes."""
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = pd.to_datetime(values, utc=True)
    elif pd.api.types.is_numeric_dtype(values):
        seconds: np.ndarray = np.asarray(values.to_numpy(dtype=np.float64), dtype=np.float64)
        bad = ~np.isfinite(seconds)
        if bad.any():
            row = int(np.argmax(bad))
            raise InvalidInput.one(f"{column}[{row}]", "is not a time")
        return seconds
    else:
        try:
            stamps = pd.to_datetime(values, utc=True, format="ISO8601")
        except (ValueError, TypeError) as error:
            raise InvalidInput.one(column, f"is not ISO 8601 or Unix seconds: {error}") from None
    missing = stamps.isna().to_numpy()
    if missing.any():
        row = int(np.argmax(missing))
        raise InvalidInput.one(f"{column}[{row}]", "is missing")
    epoch = pd.Timestamp("1970-01-01", tz="UTC")
    return np.asarray((stamps - epoch).dt.total_seconds(), dtype=np.float64)


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    try:
        numbers: np.ndarray = np.asarray(pd.to_numeric(frame[column]), dtype=np.float64)
        return numbers
    except (ValueError, TypeError):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        row = int(np.argmax(bad.to_numpy()))
        raise InvalidInput.one(
            f"{column}[{row}]", f"{frame[column].iloc[row]!r} is not a number"
        ) from None


def read_state_vectors(path: Path) -> tuple[StateReports, ReadReport]:
    """Reports from a CSV, Parquet or JSON file, with what was dropped and why."""
    frame = _frame(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(
            [
                Issue(str(path), f"missing column {c!r} (need {', '.join(REQUIRED_COLUMNS)})")
                for c in missing
            ]
        )
    rows = len(frame)
    time_s = parse_time_s(frame["timestamp"])
    numbers = {c: _numbers(frame, c) for c in _NUMERIC}
    ids = frame["icao24"].astype("string").str.strip().str.lower()

    keep = np.ones(rows, dtype=bool)
    dropped: dict[str, int] = {}

    def drop(reason: str, mask: np.ndarray) -> None:
        mask = mask & keep
        if mask.any():
            dropped[reason] = int(mask.sum())
            keep[mask] = False

    drop("no identity", ids.isna().to_numpy() | (ids.fillna("") == "").to_numpy())
    drop("missing value", ~np.all([np.isfinite(v) for v in numbers.values()], axis=0))
    if "onground" in frame.columns:
        drop("on the ground", frame["onground"].fillna(False).astype(bool).to_numpy())
    lat, lon = numbers["latitude"], numbers["longitude"]
    drop("off the globe", (np.abs(lat) > 90) | (np.abs(lon) > 180))
    alt = numbers["altitude"] * FT_M
    drop("implausible altitude", (alt < MIN_ALTITUDE_M) | (alt > MAX_ALTITUDE_M))
    gs = numbers["groundspeed"] * _KT_MPS
    vs = numbers["vertical_rate"] * _FPM_MPS
    drop(
        "implausible speed",
        (gs < 0) | (gs > MAX_GROUND_SPEED_MPS) | (np.abs(vs) > MAX_VERTICAL_SPEED_MPS),
    )

    def text(column: str) -> np.ndarray | None:
        if column not in frame.columns:
            return None
        values = frame[column].astype("string").fillna("").str.strip()
        return np.asarray(values.to_numpy(dtype=str), dtype=np.str_)[keep]

    reports = StateReports.from_columns(
        time_s=time_s[keep],
        ids=ids.to_numpy(dtype=str, na_value="")[keep],
        lat_deg=lat[keep],
        lon_deg=lon[keep],
        alt_m=alt[keep],
        gs_mps=gs[keep],
        track_deg=numbers["track"][keep],
        vs_mps=vs[keep],
        callsign=text("callsign"),
        party=text("party"),
    )
    return reports, ReadReport(rows=rows, kept=int(keep.sum()), dropped=dropped)
