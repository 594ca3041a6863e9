"""Layer 2: strategic deconfliction of declared 4D operations (a pure library).

No I/O and no clock: operations go in, frozen results come out. See
:class:`StrategicEngine` for the index and the check, :func:`resolution_hints` for what
would clear a refused operation.
"""

from sharedsky.strategic.buffers import BufferPolicy, Buffers
from sharedsky.strategic.conflict import CheckResult, Conflict
from sharedsky.strategic.engine import StrategicEngine, VolumeRef, vertical_gap_m
from sharedsky.strategic.hints import ResolutionHints, resolution_hints
from sharedsky.strategic.policy import PriorityPolicy, PriorityRule, Reason, Verdict

__all__ = [
    "BufferPolicy",
    "Buffers",
    "CheckResult",
    "Conflict",
    "PriorityPolicy",
    "PriorityRule",
    "Reason",
    "ResolutionHints",
    "StrategicEngine",
    "Verdict",
    "VolumeRef",
    "resolution_hints",
    "vertical_gap_m",
]
