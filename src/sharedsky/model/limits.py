"""What a declaration may be: the limits validation enforces, and the time it is judged at."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = ["Limits"]


class Limits(BaseModel):
    """Validation limits (ASTM F3548 values by default) and an optional ``now``.

    Without ``now`` nothing is judged against the clock: engines never read one.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_footprint_area_km2: float = Field(250_000.0, gt=0)
    max_vertices: int = Field(10_000, gt=0)
    """Per operation, all volumes together; a circle counts 1 (F3548 OiMaxVertices)."""
    max_window_s: float = Field(30 * 86_400.0, gt=0)
    max_plan_horizon_s: float = Field(30 * 86_400.0, gt=0)
    """With ``now``: a volume may start no later than this after it (F3548 OiMaxPlanHorizonDays)."""
    now: AwareDatetime | None = None
