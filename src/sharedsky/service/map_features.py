"""Operations as GeoJSON Features for the map: one Feature per volume, its outline drawn from
the footprint (:func:`sharedsky.geo.outline_lonlat`) with the band and window as properties.

Outlines are for display; every decision is made by the engines on the exact footprints.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sharedsky.geo import outline_lonlat
from sharedsky.model import Volume4D, rfc3339

__all__ = ["feature_collection", "volume_features"]


def volume_features(volumes: Iterable[Volume4D], **properties: Any) -> list[dict[str, Any]]:
    """A Feature per volume; ``properties`` (the operation's party, id, …) go on each."""
    features = []
    for index, volume in enumerate(volumes):
        polygons = outline_lonlat(volume.geometry)
        geometry: dict[str, Any] = (
            {"type": "Polygon", "coordinates": polygons[0]}
            if len(polygons) == 1
            else {"type": "MultiPolygon", "coordinates": polygons}
        )
        declared = volume.model_dump(mode="json", include={"altitude_lower", "altitude_upper"})
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    **properties,
                    "volume": index,
                    "footprint": volume.footprint.type,
                    "lower_m": round(volume.lower.metres, 2),
                    "upper_m": round(volume.upper.metres, 2),
                    "reference": volume.reference.value,
                    "lower": declared["altitude_lower"],
                    "upper": declared["altitude_upper"],
                    "time_start": rfc3339(volume.time_start),
                    "time_end": rfc3339(volume.time_end),
                },
            }
        )
    return features


def feature_collection(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": features}
