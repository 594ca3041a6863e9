"""Layer 5: the ``sharedsky`` command (typer + rich), thin over the libraries."""

from __future__ import annotations

import typer

from sharedsky.cli.alerting import alerting_command
from sharedsky.cli.check import check_command
from sharedsky.cli.demo import demo_command
from sharedsky.cli.detect import detect_command
from sharedsky.cli.ledger import ledger_app
from sharedsky.cli.replay import replay_command
from sharedsky.cli.serve import admin_app, serve_command
from sharedsky.cli.sim import sim_app

__all__ = ["app", "main"]

app = typer.Typer(
    name="sharedsky",
    help="Multi-party airspace deconfliction: declared 4D operations checked before flight,"
    " live tracks watched for predicted losses of separation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("check")(check_command)
app.command("alerting")(alerting_command)
app.command("detect")(detect_command)
app.command("serve")(serve_command)
app.command("demo")(demo_command)
app.command("replay")(replay_command)
app.add_typer(admin_app, name="admin")
app.add_typer(ledger_app, name="ledger")
app.add_typer(sim_app, name="sim")


@app.callback()
def _root() -> None:
    """sharedsky: safety of flight between parties that do not share command."""


def main() -> None:
    app()
