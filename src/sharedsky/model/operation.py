"""An operation: a party's declared use of airspace, as one or more 4D volumes."""

from __future__ import annotations

import enum
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sharedsky.errors import InvalidInput, Issue
from sharedsky.model.limits import Limits
from sharedsky.model.volume import Volume4D, issues_from_validation_error

__all__ = ["Operation", "OperationState"]


class OperationState(enum.StrEnum):
    """ASTM F3548 states (Ended is a state here; F3548 deletes the reference instead)."""

    ACCEPTED = "accepted"
    ACTIVATED = "activated"
    NONCONFORMING = "nonconforming"
    CONTINGENT = "contingent"
    ENDED = "ended"

    @property
    def off_nominal(self) -> bool:
        return self in (OperationState.NONCONFORMING, OperationState.CONTINGENT)

    def can_become(self, new: OperationState) -> bool:
        """F3548's transitions (a state may also stay as it is while volumes change)."""
        return new is self or new in _TRANSITIONS[self]


_TRANSITIONS: dict[OperationState, frozenset[OperationState]] = {
    OperationState.ACCEPTED: frozenset(
        {
            OperationState.ACTIVATED,
            OperationState.NONCONFORMING,
            OperationState.CONTINGENT,
            OperationState.ENDED,
        }
    ),
    OperationState.ACTIVATED: frozenset(
        {OperationState.NONCONFORMING, OperationState.CONTINGENT, OperationState.ENDED}
    ),
    OperationState.NONCONFORMING: frozenset(
        {OperationState.ACTIVATED, OperationState.CONTINGENT, OperationState.ENDED}
    ),
    OperationState.CONTINGENT: frozenset({OperationState.ENDED}),
    OperationState.ENDED: frozenset(),
}


Identifier = str


class VolumeParser(Protocol):
    def __call__(self, data: Any, *, limits: Limits | None = None) -> Volume4D: ...


class Operation(BaseModel):
    """``id`` and ``party`` are opaque text; ``priority`` is an integer, higher wins."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier = Field(min_length=1, max_length=256)
    party: Identifier = Field(min_length=1, max_length=256)
    priority: int = Field(0, ge=-(2**31), le=2**31 - 1)
    state: OperationState = OperationState.ACCEPTED
    volumes: tuple[Volume4D, ...] = Field(min_length=1)

    @property
    def vertex_count(self) -> int:
        return sum(v.geometry.vertex_count for v in self.volumes)

    @classmethod
    def parse(
        cls,
        data: Any,
        *,
        limits: Limits | None = None,
        parse_volume: VolumeParser = Volume4D.parse,
    ) -> Operation:
        """Validate an operation; all problems in one :class:`InvalidInput`.

        Volumes are read with ``parse_volume`` (the native form by default; the io layer passes
        one that also reads F3548 and GeoJSON). ``volumes`` may also hold already-built
        :class:`Volume4D` objects.
        """
        limits = limits or Limits()
        if not isinstance(data, dict):
            raise InvalidInput.one("", "an operation must be a JSON object")
        issues: list[Issue] = []
        raw_volumes = data.get("volumes")
        volumes: list[Volume4D] = []
        if isinstance(raw_volumes, list):
            for j, raw in enumerate(raw_volumes):
                try:
                    volumes.append(
                        raw if isinstance(raw, Volume4D) else parse_volume(raw, limits=limits)
                    )
                except InvalidInput as error:
                    issues += error.under(f"volumes[{j}]").issues
        elif "volumes" in data:
            issues.append(Issue("volumes", "volumes must be a list of Volume4D"))
        header = {k: v for k, v in data.items() if k != "volumes"}
        # Volumes already validated (or already reported) are not validated again.
        header["volumes"] = volumes if isinstance(raw_volumes, list) and not issues else []
        try:
            operation = cls.model_validate(header)
        except ValidationError as error:
            found = issues_from_validation_error(error)
            if issues or "volumes" not in data:
                found = [i for i in found if not i.path.startswith("volumes")]
            if "volumes" not in data:
                found.append(Issue("volumes", "Field required"))
            # The operation's own fields first, then its volumes'.
            issues = found + issues
        if issues:
            raise InvalidInput(issues)
        if operation.vertex_count > limits.max_vertices:
            raise InvalidInput.one(
                "volumes",
                f"{operation.vertex_count:,} vertices in all volumes; at most"
                f" {limits.max_vertices:,} are accepted",
            )
        return operation

    def with_volumes(self, volumes: tuple[Volume4D, ...]) -> Operation:
        return self.model_copy(update={"volumes": volumes})
