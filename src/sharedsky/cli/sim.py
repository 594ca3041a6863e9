"""``sharedsky sim``: synthetic traffic, and scenarios checked or played against a server."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sharedsky.cli._errors import reports_errors
from sharedsky.errors import InvalidInput
from sharedsky.sim import (
    BUILTIN_SCENARIOS,
    RunSettings,
    Scenario,
    ScenarioRunner,
    builtin_scenario,
    load_scenario,
    synthetic_traffic,
)

__all__ = ["sim_app"]

sim_app = typer.Typer(
    help="Scenarios and synthetic traffic (see sharedsky/sim/README.md for the format).",
    no_args_is_help=True,
)


def _area(text: str) -> tuple[float, float, float, float]:
    parts = text.split(",")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        values = []
    if len(values) != 4:
        raise InvalidInput.one("--area", f"{text!r} is not W,S,E,N in degrees")
    return values[0], values[1], values[2], values[3]


@sim_app.command("traffic")
@reports_errors
def traffic_command(
    aircraft: Annotated[int, typer.Option(help="How many aircraft.")],
    area: Annotated[str, typer.Option(help="W,S,E,N in degrees.")],
    out: Annotated[Path, typer.Option(help="Write here (.csv, .csv.gz, .parquet, .json).")],
    duration: Annotated[float, typer.Option(help="Seconds of traffic.")] = 60.0,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
) -> None:
    """Synthetic state vectors for load tests: straight level legs, one report a second."""
    frame = synthetic_traffic(aircraft=aircraft, area=_area(area), duration_s=duration, seed=seed)
    name = out.name.lower()
    if name.endswith(".parquet"):
        frame.to_parquet(out, index=False)
    elif name.endswith((".csv", ".csv.gz")):
        frame.to_csv(out, index=False)
    elif name.endswith((".json", ".json.gz")):
        frame.to_json(out, orient="records")
    else:
        raise InvalidInput.one("--out", "use .csv, .csv.gz, .parquet, .json or .json.gz")
    typer.echo(f"wrote {len(frame):,} states of {aircraft:,} aircraft to {out}")


def _scenario(name: str) -> Scenario:
    return builtin_scenario(name) if name in BUILTIN_SCENARIOS else load_scenario(Path(name))


@sim_app.command("check")
@reports_errors
def check_command(
    scenario: Annotated[str, typer.Argument(help="A scenario file or a built-in name.")],
) -> None:
    """Validate a scenario file (every problem with its path)."""
    found = _scenario(scenario)
    typer.echo(
        f"{found.name}: {len(found.parties)} parties, {len(found.operations)} operations,"
        f" {len(found.flights)} flights, {len(found.actions)} actions,"
        f" {len(found.expectations)} expectations"
    )


@sim_app.command("run")
@reports_errors
def run_command(
    scenario: Annotated[str, typer.Argument(help="A scenario file or a built-in name.")],
    server: Annotated[str, typer.Option(help="The server's base URL.")],
    admin_token: Annotated[
        str, typer.Option(envvar="SHAREDSKY_ADMIN_TOKEN", help="Creates the parties.")
    ],
    speed: Annotated[float, typer.Option(help="Scenario seconds per wall second.")] = 1.0,
) -> None:
    """Play a scenario against a (remote) server; exit 1 if an expectation fails."""
    from sharedsky.cli.demo import print_summary

    found = _scenario(scenario)
    runner = ScenarioRunner(
        found, server, admin_token=admin_token, settings=RunSettings(speed=speed)
    )
    runner.create_parties()
    result = runner.run()
    print_summary(Console(), found, result)
    if not result.ok:
        raise typer.Exit(1)
