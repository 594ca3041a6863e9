"""``sharedsky demo``: the service, the built-in 2015 scenario and the map, on one machine.

Starts ``sharedsky serve`` on an embedded SQLite in a temporary folder (no network needed),
creates the scenario's parties with an administrator token, prints each party's sign-in
token (the map at ``/`` asks for it; it never goes in a URL), plays the scenario through the
public API, checks the ledger as ``sharedsky ledger verify`` does and prints a summary. Then it
keeps serving until Ctrl-C, unless ``--no-serve-after``.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sharedsky.cli._errors import reports_errors
from sharedsky.cli._server import free_port, served
from sharedsky.service import Coordinator
from sharedsky.sim import (
    BUILTIN_SCENARIOS,
    RunResult,
    RunSettings,
    Scenario,
    ScenarioRunner,
    builtin_scenario,
    format_offset,
    load_scenario,
)
from sharedsky.sim.expectations import scenario_time_s
from sharedsky.store import open_database
from sharedsky.store.ledger import verify_database
from sharedsky.store.parties import issue_token

__all__ = ["demo_command", "print_summary"]


def _admin_token(database_url: str) -> str:
    """A new administrator token, as ``sharedsky admin issue-token --admin`` issues it."""
    coordinator = Coordinator(open_database(database_url))
    with coordinator.db.transaction() as conn:
        _, token = issue_token(conn, party_id=None, label="demo", at=coordinator.clock())
    return token


def _verify_ledger(database_url: str) -> tuple[bool, str]:
    """What ``sharedsky ledger verify --database-url URL`` checks, in this process."""
    database = open_database(database_url, migrate=False)
    with database.read() as conn:
        verdict = verify_database(conn, keys=None, kept=[])
    if verdict.problems:
        return False, verdict.problems[0]
    return True, (
        f"{verdict.leaves:,} leaves, {verdict.events:,} events, {verdict.heads:,} signed heads;"
        f" root {verdict.root.hex()[:16]}…"
    )


def print_summary(console: Console, scenario: Scenario, result: RunResult) -> None:
    """Notices and lead times (one per operation version: an amendment, activation included,
    is told to every party told of an earlier version), alerts with their warning times,
    border warnings, coordinated and uncoordinated pairs, and every expectation: all times in
    scenario time. A notice's pair is coordinated when the recipient accepted it."""
    tm = result.timemap
    notices: dict[int, dict[str, object]] = {}
    alerts: dict[int, dict[str, object]] = {}
    borders: list[tuple[float, str, str, str, object]] = []
    for party, events in result.events.items():
        for event in events:
            kind = str(event["kind"])
            payload = event["payload"]
            if kind.startswith("notice."):
                notices[int(payload["notice"]["id"])] = payload["notice"]
            elif kind.startswith("alert.") and kind != "alert.ended":
                alert = payload["alert"]
                alerts.setdefault(int(alert["id"]), alert)
                alerts[int(alert["id"])] = {**alerts[int(alert["id"])], "highest": alert["highest"]}
            elif (
                kind in ("border.warning", "border.entered")
                and party == payload["aircraft"]["party"]
            ):
                borders.append(
                    (
                        scenario_time_s(tm, str(event["at"])),
                        payload["aircraft"]["callsign"],
                        payload["airspace"]["code"],
                        payload["grade"],
                        payload["time_to_entry_s"],
                    )
                )
    table = Table(title="Notices")
    for column in ("from", "to", "operation", "version", "sent", "lead time", "answer", "pair"):
        table.add_column(column)
    for notice in notices.values():
        lead = scenario_time_s(tm, str(notice["operation_start"])) - scenario_time_s(
            tm, str(notice["created_at"])
        )
        status = str(notice["status"])
        operation = notice["operation"]
        assert isinstance(operation, dict)
        table.add_row(
            str(notice["sender"]),
            str(notice["recipient"]),
            str(operation["id"]),
            str(notice["operation_version"]),
            format_offset(scenario_time_s(tm, str(notice["created_at"]))),
            f"{lead / 60:.0f} min" + (" (short)" if lead < 3600 - 1 else ""),
            status,
            "coordinated" if status == "accepted" else "uncoordinated",
        )
    console.print(table)
    table = Table(title="Pair alerts")
    for column in ("aircraft", "raised", "warning time", "highest"):
        table.add_column(column)
    for alert in alerts.values():
        a, b = alert["a"], alert["b"]
        assert isinstance(a, dict) and isinstance(b, dict)
        table.add_row(
            f"{a['callsign']} ({a['party']}) – {b['callsign']} ({b['party']})",
            format_offset(scenario_time_s(tm, str(alert["started_at"]))),
            f"{float(str(alert['time_to_conflict_s'])):.0f} s",
            str(alert["highest"]),
        )
    console.print(table)
    table = Table(title="Border warnings")
    for column in ("time", "aircraft", "airspace", "grade", "time to entry"):
        table.add_column(column)
    for at, callsign, code, grade, entry in sorted(borders):
        table.add_row(
            format_offset(at), callsign, code, grade, "" if entry is None else f"{entry} s"
        )
    console.print(table)
    table = Table(title=f"Expectations of {scenario.name}")
    for column in ("expectation", "", "what happened"):
        table.add_column(column)
    for check in result.expectations:
        table.add_row(check.id, "[green]ok[/]" if check.ok else "[red]FAILED[/]", check.detail)
    for action in result.actions:
        if not action.expected:
            table.add_row(
                f"action {action.index}", "[red]FAILED[/]", f"{action.kind}: {action.detail}"
            )
    console.print(table)


@reports_errors
def demo_command(
    speed: Annotated[
        float, typer.Option(help="Scenario seconds per wall second while aircraft fly.", min=0.1)
    ] = 20.0,
    port: Annotated[
        int, typer.Option(help="Port to serve on (0: any free one).", min=0, max=65535)
    ] = 8080,
    scenario_name: Annotated[
        str,
        typer.Option(
            "--scenario", help=f"A built-in scenario ({', '.join(BUILTIN_SCENARIOS)}) or a file."
        ),
    ] = "syria-2015",
    serve_after: Annotated[
        bool,
        typer.Option("--serve-after/--no-serve-after", help="Keep serving the map afterwards."),
    ] = True,
) -> None:
    """Run the service and the built-in 2015 scenario on an embedded database, then serve the
    map (sign in with a party's token)."""
    if scenario_name in BUILTIN_SCENARIOS:
        scenario = builtin_scenario(scenario_name)
    else:
        scenario = load_scenario(Path(scenario_name))
    console = Console()
    with tempfile.TemporaryDirectory(prefix="sharedsky-demo-") as folder:
        url = f"sqlite:///{Path(folder) / 'demo.db'}"
        admin = _admin_token(url)
        chosen = port or free_port()
        with served(url, chosen) as base:
            runner = ScenarioRunner(
                scenario,
                base,
                admin_token=admin,
                settings=RunSettings(speed=speed),
                log=lambda line: console.print(f"  {line}", highlight=False),
            )
            tokens = runner.create_parties()
            console.print(f"[bold]{scenario.title or scenario.name}[/]")
            console.print(f"The map: {base}/ — sign in with a party's token:")
            for party in scenario.parties:
                console.print(
                    f"  [{party.colour}]■[/] {party.id:4} {party.name}: {tokens[party.id]}",
                    highlight=False,
                )
            console.print(f"Playing at ×{speed:g} (hours with nothing airborne go faster)…")
            result = runner.run()
            ok, verdict = _verify_ledger(url)
            print_summary(console, scenario, result)
            console.print(
                f"Ledger: {'[green]verified[/]' if ok else '[red]NOT verified[/]'} {verdict}",
                highlight=False,
            )
            if serve_after:
                console.print(f"Serving {base}/ — Ctrl-C to stop.")
                try:
                    while True:
                        time.sleep(1.0)
                except KeyboardInterrupt:
                    console.print("Stopped.")
    if not (result.ok and ok):
        raise typer.Exit(1)
