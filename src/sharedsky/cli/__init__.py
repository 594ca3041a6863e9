"""Layer 5: the ``sharedsky`` command (typer + rich), thin over the libraries."""

from __future__ import annotations

import typer

from sharedsky.cli.check import check_command

__all__ = ["app", "main"]

app = typer.Typer(
    name="sharedsky",
    help="Multi-party airspace deconfliction: strategic checks of declared 4D operations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("check")(check_command)


@app.callback()
def _root() -> None:
    """sharedsky: safety of flight between parties that do not share command."""


def main() -> None:
    app()
