"""``sharedsky alerting``: DO-365 alert levels of a DAIDALUS encounter, as DaidalusAlerting."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from sharedsky.cli._errors import reports_errors
from sharedsky.io.daa import read_daa
from sharedsky.io.daidalus_conf import read_daidalus_conf
from sharedsky.io.daidalus_csv import write_alerting_csv
from sharedsky.tactical.daidalus_alerting import alert_levels

__all__ = ["alerting_command"]


@reports_errors
def alerting_command(
    scenario: Annotated[
        Path, typer.Argument(metavar="SCENARIO.daa", help="DAIDALUS encounter file.")
    ],
    config: Annotated[
        Path, typer.Option("--config", metavar="CONF.conf", help="DAIDALUS configuration.")
    ],
    out: Annotated[Path, typer.Option("--out", metavar="OUT.csv", help="CSV to write.")],
    no_hysteresis: Annotated[
        bool,
        typer.Option(
            "--no-hysteresis",
            help="Show raw levels: no M of N, hysteresis, persistence or early alerting.",
        ),
    ] = False,
) -> None:
    """Alert level of every intruder at every step, in DaidalusAlerting's CSV.

    Exit 0: written; 2: bad input (nothing written).
    """
    params = read_daidalus_conf(config)
    if no_hysteresis:
        params = dataclasses.replace(params, filter=None)
    table = alert_levels(read_daa(scenario), params)
    write_alerting_csv(table, out)
