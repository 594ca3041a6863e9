"""The CSV of DAIDALUS's ``DaidalusAlerting`` tool, written byte for byte the same way.

A header line (with its leading space), a units line, then one line per step per intruder.
Fields are separated by ``", "``; numbers are rounded to 6 decimals with trailing zeros dropped
(``0.0``, ``4.55919``); a time with no loss of well clear is ``infty``; a negative time to
co-altitude and an undefined modified tau are empty fields.

>>> format_number(4.559190000001), format_number(33.0), format_number(float("inf"))
('4.55919', '33.0', 'infty')
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sharedsky.errors import InvalidInput
from sharedsky.tactical.daidalus_alerting import AlertingTable
from sharedsky.units import FT_M, NM_M

__all__ = ["csv_lines", "format_number", "write_alerting_csv"]

_KNOT_MPS = NM_M / 3600.0
_FPM_MPS = FT_M / 60.0

# (header, unit, SI factor) of the metric columns after the times to volume of alert.
_METRICS = (
    ("Horizontal Separation", "[nmi]", NM_M),
    ("Vertical Separation", "[ft]", FT_M),
    ("Horizontal Closure Rate", "[knot]", _KNOT_MPS),
    ("Vertical Closure Rate", "[fpm]", _FPM_MPS),
    ("Projected HMD", "[nmi]", NM_M),
    ("Projected VMD", "[ft]", FT_M),
    ("Projected TCPA", "[s]", 1.0),
    ("Projected DCPA", "[nmi]", NM_M),
    ("Projected TCOA", "[s]", 1.0),
    ("Projected TAUMOD (WCV*)", "[s]", 1.0),
)


def format_number(value: float) -> str:
    """DAIDALUS's rendering: 6 decimals, trailing zeros dropped but one kept; ``infty``."""
    if math.isinf(value):
        return "infty" if value > 0 else "-infty"
    text = f"{value:.6f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _optional(value: float) -> str:
    """Empty where DAIDALUS leaves the field empty: undefined or negative."""
    return "" if math.isnan(value) or value < 0 else format_number(value)


def csv_lines(table: AlertingTable) -> Iterator[str]:
    """The lines of the CSV (without line ends): header, units, then one per table row."""
    depth = table.time_to_volume_s.shape[1]
    names = [
        "Time",
        "Ownship",
        "Traffic",
        "Alerter",
        "Alert Level",
        *(f"Time to Volume of Alert({k})" for k in range(1, depth + 1)),
        *(name for name, _, _ in _METRICS),
    ]
    yield " " + ", ".join(names)
    yield "[s],,,,, " + ", ".join(["[s]"] * depth + [unit for _, unit, _ in _METRICS])
    m = table.metrics
    columns = (
        m.hsep_m,
        m.vsep_m,
        m.h_closure_mps,
        m.v_closure_mps,
        m.hmd_m,
        m.vmd_m,
        m.tcpa_s,
        m.dcpa_m,
    )
    for row in range(len(table)):
        times = table.time_to_volume_s[row]
        fields = [
            format_number(float(table.time_s[row])),
            table.ownship,
            str(table.traffic[row]),
            str(int(table.alerter[row])),
            str(int(table.level[row])),
            *("" if math.isnan(t) else format_number(float(t)) for t in times),
            *(
                format_number(float(column[row]) / factor)
                for column, (_, _, factor) in zip(columns, _METRICS, strict=False)
            ),
            _optional(float(m.tcoa_s[row])),
            _optional(float(m.taumod_s[row])),
        ]
        yield ", ".join(fields)


def write_alerting_csv(table: AlertingTable, path: Path) -> None:
    """Write the CSV to ``path`` whole or not at all (a temporary file renamed into place)."""
    directory = path.parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    except OSError as error:
        raise InvalidInput.one(str(path), f"cannot write: {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            for line in csv_lines(table):
                out.write(line + "\n")
        # mkstemp makes the file private; an output file is an ordinary readable one.
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise InvalidInput.one(str(path), f"cannot write: {error.strerror}") from None
        raise
