"""DAIDALUS ``.conf`` files: the alerting parameters, read into :class:`AlertingParameters`.

One ``key = value [unit]`` per line, ``#`` comments, ``true``/``false`` booleans and comma
lists. Keys are case-insensitive. A value without a unit is SI. Only the keys alerting needs
are read; the others (bands, kinematics, DTA, ...) are ignored.

Required: ``lookahead_time``, ``alerting_m``, ``alerting_n``, ``hysteresis_time``,
``persistence_time``, ``alerters``, and for each alerter ``A`` and each of its levels ``k``
(numbered from 1 without gaps) ``A_alert_k_{region, alerting_time, early_alerting_time,
detector}``; for each detector ``D`` so named ``A_load_core_detection_D`` (``WCV_TAUMOD`` or
``WCV_TAUMOD_SUM``) and ``A_D_WCV_{DTHR, ZTHR, TTHR, TCOA}``. Optional: ``ownship_centric_alerting``
(false), ``corrective_region`` (MID) and the SUM z-scores (0).

>>> params = parse_daidalus_conf('''
... lookahead_time = 3 [min]
... alerting_m = 2
... alerting_n = 4
... hysteresis_time = 5.0 [s]
... persistence_time = 4.0 [s]
... alerters = Cyl
... Cyl_alert_1_region = NEAR
... Cyl_alert_1_alerting_time = 30 [s]
... Cyl_alert_1_early_alerting_time = 40 [s]
... Cyl_alert_1_detector = det_1
... Cyl_load_core_detection_det_1 = gov.nasa.larcfm.ACCoRD.WCV_TAUMOD
... Cyl_det_1_WCV_DTHR = 1 [nmi]
... Cyl_det_1_WCV_ZTHR = 500 [ft]
... Cyl_det_1_WCV_TTHR = 0 [s]
... Cyl_det_1_WCV_TCOA = 0 [s]
... ''')
>>> params.lookahead_s, params.alerters[0].levels[0].detector.dthr_m
(180.0, 1852.0)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from sharedsky.errors import InvalidInput, Issue
from sharedsky.io.daa import Dimension, unit_factor
from sharedsky.tactical.daidalus_alerting import (
    Alerter,
    AlertFilter,
    AlertingParameters,
    AlertThresholds,
    BandsRegion,
)
from sharedsky.tactical.wcv import SumParameters, WcvThresholds

__all__ = ["parse_daidalus_conf", "read_daidalus_conf"]

_LINE = re.compile(r"^\s*([^=\s]+)\s*=\s*(.*?)\s*(\[[^\]]*\])?\s*$")
_DETECTORS = {"WCV_TAUMOD": False, "WCV_TAUMOD_SUM": True}


@dataclass(frozen=True, slots=True)
class _Entry:
    line: int
    value: str
    unit: str | None


class _Keys:
    """The entries of a file by lower-case key, collecting every problem met while reading."""

    def __init__(self, entries: dict[str, _Entry], source: str) -> None:
        self.entries = entries
        self.source = source
        self.issues: list[Issue] = []

    def _where(self, entry: _Entry) -> str:
        return f"{self.source}:{entry.line}" if self.source else f"line {entry.line}"

    def _get(self, key: str) -> _Entry | None:
        entry = self.entries.get(key.lower())
        if entry is None:
            self.issues.append(Issue(self.source, f"missing key {key}"))
        return entry

    def fail(self, key: str, message: str) -> None:
        entry = self.entries[key.lower()]
        self.issues.append(Issue(self._where(entry), f"{key}: {message}"))

    def has(self, key: str) -> bool:
        return key.lower() in self.entries

    def text(self, key: str) -> str | None:
        entry = self._get(key)
        return None if entry is None else entry.value

    def quantity(self, key: str, dimension: Dimension, *, minimum: float = 0.0) -> float:
        """The value in SI; NaN (and an issue recorded) when missing or bad."""
        entry = self._get(key)
        if entry is None:
            return math.nan
        try:
            value = float(entry.value)
        except ValueError:
            self.fail(key, f"{entry.value!r} is not a number")
            return math.nan
        try:
            value *= 1.0 if entry.unit is None else unit_factor(entry.unit, dimension)
        except ValueError as error:
            self.fail(key, str(error))
            return math.nan
        if not math.isfinite(value) or value < minimum:
            self.fail(key, f"{entry.value} must be a finite number of at least {minimum:g}")
            return math.nan
        return value

    def optional_quantity(self, key: str, dimension: Dimension) -> float:
        return self.quantity(key, dimension) if self.has(key) else 0.0

    def count(self, key: str, *, minimum: int) -> int:
        value = self.quantity(key, Dimension.NONE, minimum=minimum)
        if math.isnan(value):
            return minimum
        if value != int(value):
            self.fail(key, f"{self.entries[key.lower()].value} is not a whole number")
        return int(value)

    def boolean(self, key: str) -> bool:
        if not self.has(key):
            return False
        value = self.entries[key.lower()].value.lower()
        if value not in ("true", "false"):
            self.fail(key, f"{value!r} is not true or false")
        return value == "true"

    def region(self, key: str) -> BandsRegion:
        value = self.text(key)
        if value is None:
            return BandsRegion.NONE
        try:
            return BandsRegion(value.upper())
        except ValueError:
            names = ", ".join(r.value for r in BandsRegion)
            self.fail(key, f"{value!r} is not a region ({names})")
            return BandsRegion.NONE


def read_daidalus_conf(path: Path) -> AlertingParameters:
    """The alerting parameters of a ``.conf`` file; ``InvalidInput`` naming every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise InvalidInput.one(str(path), f"cannot read the configuration: {reason}") from None
    return parse_daidalus_conf(text, source=str(path))


def _entries(text: str, source: str) -> dict[str, _Entry]:
    entries: dict[str, _Entry] = {}
    issues: list[Issue] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{source}:{number}" if source else f"line {number}"
        match = _LINE.match(line)
        if match is None:
            issues.append(Issue(where, f"{line.strip()!r} is not 'key = value [unit]'"))
            continue
        key = match.group(1).lower()
        if key in entries:
            issues.append(Issue(where, f"{match.group(1)} is set twice"))
        entries[key] = _Entry(number, match.group(2), match.group(3))
    if issues:
        raise InvalidInput(issues)
    return entries


def parse_daidalus_conf(text: str, *, source: str = "") -> AlertingParameters:
    """The alerting parameters written in ``text`` (see the module docs)."""
    keys = _Keys(_entries(text, source), source)
    lookahead = keys.quantity("lookahead_time", Dimension.TIME)
    if lookahead == 0:
        keys.fail("lookahead_time", "must be positive")
    m = keys.count("alerting_m", minimum=1)
    n = keys.count("alerting_n", minimum=1)
    if n < m:
        keys.fail("alerting_n", f"must be at least alerting_m ({m})")
    alert_filter = AlertFilter(
        m=m,
        n=max(m, n),
        hysteresis_s=keys.quantity("hysteresis_time", Dimension.TIME),
        persistence_s=keys.quantity("persistence_time", Dimension.TIME),
    )
    corrective = keys.region("corrective_region") if keys.has("corrective_region") else None
    sum_params = SumParameters(
        h_pos_z_score=keys.optional_quantity("h_pos_z_score", Dimension.NONE),
        h_vel_z_score_min=keys.optional_quantity("h_vel_z_score_min", Dimension.NONE),
        h_vel_z_score_max=keys.optional_quantity("h_vel_z_score_max", Dimension.NONE),
        h_vel_z_distance_m=keys.optional_quantity("h_vel_z_distance", Dimension.LENGTH),
        v_pos_z_score=keys.optional_quantity("v_pos_z_score", Dimension.NONE),
        v_vel_z_score=keys.optional_quantity("v_vel_z_score", Dimension.NONE),
    )
    names = keys.text("alerters")
    alerters = tuple(
        _alerter(keys, name.strip()) for name in (names or "").split(",") if name.strip()
    )
    if names is not None and not alerters:
        keys.fail("alerters", "lists no alerter")
    ownship_centric = keys.boolean("ownship_centric_alerting")
    if keys.issues:
        raise InvalidInput(keys.issues)
    return AlertingParameters(
        lookahead_s=lookahead,
        alerters=alerters,
        filter=alert_filter,
        ownship_centric=ownship_centric,
        corrective_region=corrective or BandsRegion.MID,
        sum=sum_params,
    )


def _alerter(keys: _Keys, name: str) -> Alerter:
    prefix = f"{name}_alert_".lower()
    numbers = sorted(
        {
            int(rest.split("_", 1)[0])
            for key in keys.entries
            if key.startswith(prefix) and (rest := key[len(prefix) :]).split("_", 1)[0].isdigit()
        }
    )
    if not numbers:
        keys.issues.append(Issue(keys.source, f"alerter {name} has no levels ({name}_alert_1_*)"))
    elif numbers != list(range(1, len(numbers) + 1)):
        keys.issues.append(
            Issue(keys.source, f"alerter {name} levels must be numbered 1..{len(numbers)}")
        )
    return Alerter(name=name, levels=tuple(_level(keys, name, k) for k in numbers))


def _level(keys: _Keys, alerter: str, k: int) -> AlertThresholds:
    base = f"{alerter}_alert_{k}_"
    alerting = keys.quantity(base + "alerting_time", Dimension.TIME)
    early = keys.quantity(base + "early_alerting_time", Dimension.TIME)
    if early < alerting:
        keys.fail(
            base + "early_alerting_time", f"must be at least the alerting time {alerting:g} s"
        )
    region = keys.region(base + "region")
    detector = keys.text(base + "detector")
    if not detector:
        # Its thresholds cannot be named: the missing key is the one problem to report.
        nan = math.nan
        thresholds = WcvThresholds(dthr_m=nan, zthr_m=nan, tthr_s=nan, tcoa_s=nan)
        return AlertThresholds(
            region=region,
            alerting_time_s=alerting,
            early_alerting_time_s=early,
            detector=thresholds,
        )
    loader = f"{alerter}_load_core_detection_{detector}"
    kind = keys.text(loader) or ""
    class_name = kind.rsplit(".", 1)[-1].upper()
    if kind and class_name not in _DETECTORS:
        keys.fail(loader, f"detector {kind!r} is not supported (WCV_TAUMOD, WCV_TAUMOD_SUM)")
    wcv = f"{alerter}_{detector}_WCV_"
    return AlertThresholds(
        region=region,
        alerting_time_s=alerting,
        early_alerting_time_s=early,
        detector=WcvThresholds(
            dthr_m=keys.quantity(wcv + "DTHR", Dimension.LENGTH),
            zthr_m=keys.quantity(wcv + "ZTHR", Dimension.LENGTH),
            tthr_s=keys.quantity(wcv + "TTHR", Dimension.TIME),
            tcoa_s=keys.quantity(wcv + "TCOA", Dimension.TIME),
        ),
        sum=_DETECTORS.get(class_name, False),
    )
