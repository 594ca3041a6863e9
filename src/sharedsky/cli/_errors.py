"""How commands fail: one line per problem on stderr, exit status 2, no traceback."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer

from sharedsky.errors import InvalidInput, SharedskyError

__all__ = ["EXIT_BAD_INPUT", "reports_errors"]

EXIT_BAD_INPUT = 2

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Wrap a command so that :class:`SharedskyError` becomes one line per problem and exit 2."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except InvalidInput as error:
            for issue in error.issues:
                print(f"sharedsky: error: {issue}", file=sys.stderr)
        except SharedskyError as error:
            print(f"sharedsky: error: {error}", file=sys.stderr)
        raise typer.Exit(EXIT_BAD_INPUT)

    return wrapper
