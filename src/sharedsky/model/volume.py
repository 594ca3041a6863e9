"""A 4D volume: a footprint, an altitude band and a time window (UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sharedsky import geo
from sharedsky.errors import InvalidInput, Issue, path_of
from sharedsky.model.altitude import (
    Altitude,
    AltitudeInput,
    AltitudeReference,
    AltitudeSpec,
    parse_altitude,
)
from sharedsky.model.footprint import Footprint
from sharedsky.model.limits import Limits

__all__ = ["Volume4D", "issues_from_validation_error", "rfc3339"]


def rfc3339(moment: datetime) -> str:
    """``2015-09-30T10:00:00Z`` (UTC, seconds; fractions only when present)."""
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


class Volume4D(BaseModel):
    """Footprint × altitude band × time window. Validated on construction.

    ``model_validate(data, context={"limits": Limits(...)})`` applies limits and, when the
    limits carry a ``now``, the checks against it. Geometry errors raise
    :class:`~sharedsky.errors.InvalidInput` with paths relative to the volume.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    footprint: Footprint
    altitude_lower: AltitudeInput
    altitude_upper: AltitudeInput
    time_start: AwareDatetime
    time_end: AwareDatetime

    _geometry: geo.FootprintGeometry = PrivateAttr()
    _lower: Altitude = PrivateAttr()
    _upper: Altitude = PrivateAttr()

    @field_validator("time_start", "time_end", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        if not isinstance(value, str | datetime):
            raise ValueError("time must be an RFC 3339 string such as 2015-09-30T10:00:00Z")
        return value

    @field_validator("time_start", "time_end")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)

    @field_validator("altitude_lower", "altitude_upper")
    @classmethod
    def _altitude(cls, value: AltitudeSpec | str) -> AltitudeSpec | str:
        parse_altitude(value)
        return value

    @model_validator(mode="after")
    def _semantics(self, info: ValidationInfo) -> Volume4D:
        # pydantic runs "after" validators on instances too: a built volume is not built again.
        if self.__pydantic_private__ and "_geometry" in self.__pydantic_private__:
            return self
        limits = (info.context or {}).get("limits") or Limits()
        issues: list[Issue] = []
        lower, upper = parse_altitude(self.altitude_lower), parse_altitude(self.altitude_upper)
        if lower.reference is not upper.reference:
            issues.append(
                Issue(
                    "altitude_upper",
                    f"lower ({lower.reference}) and upper ({upper.reference}) must share a"
                    " reference",
                )
            )
        elif lower.metres >= upper.metres:
            issues.append(
                Issue(
                    "altitude_upper",
                    f"upper altitude {upper.declared} must be above lower {lower.declared}",
                )
            )
        issues += _window_issues(self.time_start, self.time_end, limits)
        try:
            geometry = self.footprint.geometry()
        except InvalidInput as error:
            issues += error.under("footprint").issues
        else:
            area_km2 = geometry.area_m2 / 1e6
            if area_km2 > limits.max_footprint_area_km2:
                issues.append(
                    Issue(
                        "footprint",
                        f"footprint area {area_km2:,.0f} km² exceeds the limit of"
                        f" {limits.max_footprint_area_km2:,.0f} km²",
                    )
                )
            self._geometry = geometry
        if issues:
            raise InvalidInput(issues)
        self._lower, self._upper = lower, upper
        return self

    @classmethod
    def parse(cls, data: Any, *, limits: Limits | None = None) -> Volume4D:
        """Validate ``data``; every problem raises :class:`InvalidInput` with relative paths."""
        try:
            return cls.model_validate(data, context={"limits": limits or Limits()})
        except ValidationError as error:
            raise InvalidInput(issues_from_validation_error(error)) from None

    @property
    def geometry(self) -> geo.FootprintGeometry:
        return self._geometry

    @property
    def lower(self) -> Altitude:
        return self._lower

    @property
    def upper(self) -> Altitude:
        return self._upper

    @property
    def reference(self) -> AltitudeReference:
        return self._lower.reference

    def shifted(self, *, time_s: float = 0.0, altitude_m: float = 0.0) -> Volume4D:
        """The same volume moved in time and altitude (a new, validated object)."""
        delta = timedelta(seconds=time_s)
        return self.replaced(
            time_start=self.time_start + delta,
            time_end=self.time_end + delta,
            lower_m=self._lower.metres + altitude_m,
            upper_m=self._upper.metres + altitude_m,
        )

    def replaced(
        self,
        *,
        time_start: datetime | None = None,
        time_end: datetime | None = None,
        lower_m: float | None = None,
        upper_m: float | None = None,
    ) -> Volume4D:
        """A copy with a new window or band (same reference), validated without size limits."""
        data = self.model_dump(mode="json")
        if time_start is not None:
            data["time_start"] = rfc3339(time_start)
        if time_end is not None:
            data["time_end"] = rfc3339(time_end)
        for key, value in (("altitude_lower", lower_m), ("altitude_upper", upper_m)):
            if value is not None:
                data[key] = {"value": value, "units": "M", "reference": self.reference.value}
        return Volume4D.parse(data, limits=_UNLIMITED)


_UNLIMITED = Limits(
    max_footprint_area_km2=float("inf"), max_window_s=float("inf"), max_vertices=2**62
)


def _window_issues(start: datetime, end: datetime, limits: Limits) -> list[Issue]:
    issues = []
    if end <= start:
        issues.append(Issue("time_end", f"time_end {rfc3339(end)} must be after time_start"))
    elif (end - start).total_seconds() > limits.max_window_s:
        days = limits.max_window_s / 86_400
        issues.append(Issue("time_end", f"the time window is longer than {days:g} days"))
    if limits.now is not None:
        if end <= limits.now:
            issues.append(
                Issue(
                    "time_end",
                    f"time_end {rfc3339(end)} is in the past (now {rfc3339(limits.now)})",
                )
            )
        if (start - limits.now).total_seconds() > limits.max_plan_horizon_s:
            days = limits.max_plan_horizon_s / 86_400
            issues.append(
                Issue("time_start", f"time_start is more than {days:g} days ahead of now")
            )
    return issues


def issues_from_validation_error(error: ValidationError) -> list[Issue]:
    """Each pydantic error as an :class:`Issue` with a relative JSON path."""
    issues = []
    for item in error.errors(include_url=False):
        loc = [part for part in item["loc"] if not (isinstance(part, str) and part in _TAGS)]
        message = item["msg"].removeprefix("Value error, ")
        issues.append(Issue(path_of(loc).removeprefix("$").removeprefix("."), message))
    return issues


# Union members that pydantic names in error locations; they are not part of the JSON path.
_TAGS = frozenset({"polygon", "circle", "corridor", "orbit", "spec", "text", "number"})
