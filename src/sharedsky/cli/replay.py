"""``sharedsky replay``: feed recorded state vectors to a server, aircraft mapped to parties."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sharedsky.cli._errors import reports_errors
from sharedsky.errors import InvalidInput, Issue
from sharedsky.sim import PartyRule, replay_tracks
from sharedsky.sim.replay import read_tracks

__all__ = ["replay_command"]


def _tokens(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    issues = []
    for k, text in enumerate(pairs):
        party, sep, token = text.partition("=")
        if not sep or not party.strip() or not token.strip():
            issues.append(Issue(f"--token-for[{k}]", "PARTY=TOKEN"))
        else:
            out[party.strip()] = token.strip()
    if issues:
        raise InvalidInput(issues)
    if not out:
        raise InvalidInput.one("--token-for", "give at least one PARTY=TOKEN")
    return out


@reports_errors
def replay_command(
    tracks: Annotated[
        Path, typer.Argument(help="State vectors (CSV, Parquet, JSON[.gz]) or a geodetic .daa.")
    ],
    server: Annotated[str, typer.Option(help="The server's base URL.")],
    token_for: Annotated[list[str], typer.Option("--token-for", help="PARTY=TOKEN; may repeat.")],
    party_rule: Annotated[
        list[str] | None,
        typer.Option("--party-rule", help="CALLSIGN_PREFIX=PARTY; may repeat, first match wins."),
    ] = None,
    default_party: Annotated[
        str | None,
        typer.Option(help="The party of aircraft no rule matches (default: left out)."),
    ] = None,
    speed: Annotated[float, typer.Option(help="Recorded seconds per wall second.")] = 1.0,
) -> None:
    """Replay recorded tracks to a server at any speed (each party posts its own aircraft)."""
    tokens = _tokens(token_for)
    rule = PartyRule.parse(party_rule or [], default=default_party)
    if default_party is None and not rule.prefixes and len(tokens) == 1:
        rule = PartyRule(default=next(iter(tokens)))
    reports = read_tracks(tracks)
    report = replay_tracks(reports, server, tokens=tokens, rule=rule, speed=speed)
    parties = ", ".join(f"{p}: {n}" for p, n in sorted(report.aircraft.items())) or "none"
    typer.echo(
        f"replayed {report.states:,} states in {report.posts:,} posts; aircraft per party:"
        f" {parties}; left out: {report.left_out}"
    )
