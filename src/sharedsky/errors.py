"""The one exception tree of sharedsky.

::

    SharedskyError                 base; carries a problem type, an HTTP status and a title
    ├── InvalidInput               bad input: every problem found, each with its JSON path (422)
    ├── UnknownEntity              an id that is not there (404)
    ├── AlreadyExists              an id that is taken (409)
    └── StaleVersion               a write against a version that is no longer current (409)

The service maps these to RFC 9457 problem+json in one handler; the CLI prints one line per
problem and exits with status 2. Nothing else is raised on purpose for bad input.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "AlreadyExists",
    "InvalidInput",
    "Issue",
    "SharedskyError",
    "StaleVersion",
    "UnknownEntity",
    "join_path",
    "path_of",
]


class SharedskyError(Exception):
    """Base of every error sharedsky raises for a reason a user can act on."""

    problem_type = "about:blank"
    status = 500
    title = "Internal error"


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with the input: where (a JSON path such as ``$.operations[0].id``) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class InvalidInput(SharedskyError):
    """The input cannot be accepted; ``issues`` lists every problem found, with its path."""

    problem_type = "https://sharedsky.dev/problems/invalid-input"
    status = 422
    title = "Invalid input"

    def __init__(self, issues: Sequence[Issue]) -> None:
        if not issues:
            raise ValueError("InvalidInput needs at least one issue")
        self.issues: tuple[Issue, ...] = tuple(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))

    @classmethod
    def one(cls, path: str, message: str) -> InvalidInput:
        return cls([Issue(path, message)])

    def under(self, prefix: str) -> InvalidInput:
        """The same issues with their paths placed under ``prefix`` (a JSON path)."""
        return InvalidInput([Issue(join_path(prefix, i.path), i.message) for i in self.issues])


def join_path(prefix: str, suffix: str) -> str:
    """Join two JSON-path pieces: ``join_path("$.a", "[0].b") == "$.a[0].b"``."""
    if not suffix:
        return prefix
    if not prefix:
        return suffix
    if suffix.startswith("$"):
        suffix = suffix[1:]
    if suffix.startswith(("[", ".")) or not suffix:
        return prefix + suffix
    return f"{prefix}.{suffix}"


def path_of(parts: Iterable[str | int]) -> str:
    """A JSON path from a location such as pydantic's: ``("a", 0, "b")`` → ``$.a[0].b``."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


class UnknownEntity(SharedskyError):
    problem_type = "https://sharedsky.dev/problems/unknown-entity"
    status = 404
    title = "Unknown entity"


class StaleVersion(SharedskyError):
    problem_type = "https://sharedsky.dev/problems/stale-version"
    status = 409
    title = "Stale version"


class AlreadyExists(SharedskyError):
    problem_type = "https://sharedsky.dev/problems/already-exists"
    status = 409
    title = "Already exists"
