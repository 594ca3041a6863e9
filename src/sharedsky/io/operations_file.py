"""The operations file the CLI checks: ``{"operations": [{"id", "party", "priority", "state",
"volumes": [Volume4D, ...]}, ...]}``, each volume in the native, F3548 or GeoJSON form.

Everything wrong in the file is reported at once, each problem with its JSON path; nothing is
returned unless the whole file is valid.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sharedsky.errors import InvalidInput, Issue
from sharedsky.io.f3548 import is_f3548, parse_f3548_volume
from sharedsky.io.geojson import is_feature, parse_feature_volume
from sharedsky.model import Limits, Operation, Volume4D

__all__ = ["MAX_FILE_BYTES", "load_json", "parse_operations", "parse_volume", "read_operations"]

MAX_FILE_BYTES = 256 * 2**20
MAX_OPERATIONS = 1_000_000


def parse_volume(data: Any, *, limits: Limits | None = None) -> Volume4D:
    """A volume in any accepted form, told apart by its keys (never guessed from values)."""
    if is_f3548(data):
        return parse_f3548_volume(data, limits=limits)
    if is_feature(data):
        return parse_feature_volume(data, limits=limits)
    if not isinstance(data, dict):
        raise InvalidInput.one("", "a volume must be a JSON object")
    return Volume4D.parse(data, limits=limits)


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number JSON allows")


def load_json(text: str | bytes) -> Any:
    """Strict JSON: NaN and Infinity are refused; errors name line and column."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise InvalidInput.one(
            "$", f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except ValueError as error:
        raise InvalidInput.one("$", f"malformed JSON: {error}") from None
    except RecursionError:
        raise InvalidInput.one("$", "malformed JSON: nested too deeply") from None


def parse_operations(document: Any, *, limits: Limits | None = None) -> list[Operation]:
    """Every operation of an operations document, or :class:`InvalidInput` with every issue."""
    if not isinstance(document, dict):
        raise InvalidInput.one("$", 'expected an object such as {"operations": [...]}')
    raw = document.get("operations")
    if not isinstance(raw, list):
        raise InvalidInput.one("$.operations", "expected a list of operations")
    extra = sorted(set(document) - {"operations"})
    issues = [Issue(f"$.{key}", "unknown field") for key in extra]
    if len(raw) > MAX_OPERATIONS:
        raise InvalidInput.one("$.operations", f"more than {MAX_OPERATIONS:,} operations")
    operations: list[Operation] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(raw):
        here = f"$.operations[{i}]"
        try:
            operation = Operation.parse(item, limits=limits, parse_volume=parse_volume)
        except InvalidInput as error:
            issues += error.under(here).issues
            continue
        if operation.id in seen:
            issues.append(
                Issue(
                    f"{here}.id",
                    f"duplicate id {operation.id!r} (also operations[{seen[operation.id]}])",
                )
            )
        seen.setdefault(operation.id, i)
        operations.append(operation)
    if issues:
        raise InvalidInput(issues)
    return operations


def read_operations(path: Path, *, limits: Limits | None = None) -> list[Operation]:
    """Operations from a file; :class:`InvalidInput` for anything unreadable or invalid."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InvalidInput.one(
                "", f"{path} is {size:,} bytes; at most {MAX_FILE_BYTES:,} are read"
            )
        text = path.read_bytes()
    except OSError as error:
        raise InvalidInput.one("", f"cannot read {path}: {error.strerror or error}") from None
    return parse_operations(load_json(text), limits=limits)
