"""``sharedsky serve`` and ``sharedsky admin``: the service and its administration."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from sharedsky.cli._errors import reports_errors
from sharedsky.service import Coordinator, LedgerService, create_app, load_signing_key
from sharedsky.store import default_url, open_database
from sharedsky.store.parties import issue_token

__all__ = ["DatabaseUrl", "LedgerKey", "admin_app", "default_key_path", "serve_command"]

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="SHAREDSKY_DATABASE_URL",
        help="sqlite:///FILE (default ./sharedsky.db) or postgresql+psycopg://USER@HOST/DB.",
    ),
]


LedgerKey = Annotated[
    Path | None,
    typer.Option(
        "--ledger-key",
        envvar="SHAREDSKY_LEDGER_KEY",
        help="The server's Ed25519 key (PEM), created if absent (default: beside the SQLite "
        "file, or ./sharedsky-ledger.key).",
    ),
]


def default_key_path(database_url: str) -> Path:
    """``FILE.ledger-key`` beside an SQLite ``FILE``; ``./sharedsky-ledger.key`` otherwise."""
    if database_url.startswith("sqlite:///"):
        return Path(database_url.removeprefix("sqlite:///") + ".ledger-key")
    return Path("sharedsky-ledger.key")


@reports_errors
def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8080,
    database_url: DatabaseUrl = None,
    ledger_key: LedgerKey = None,
) -> None:
    """Run the service: REST under /v1, OpenAPI at /openapi.json, docs at /docs."""
    url = database_url or default_url()
    database = open_database(url)
    coordinator = Coordinator(database)
    key = load_signing_key(ledger_key or default_key_path(url))
    app = create_app(coordinator, ledger=LedgerService(coordinator, key))
    # Event streams never end by themselves: on shutdown give them 5 s, then close them.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        timeout_graceful_shutdown=5,
    )


admin_app = typer.Typer(
    help="Create parties and manage API tokens (acts on the database directly).",
    no_args_is_help=True,
)


def _coordinator(database_url: str | None) -> Coordinator:
    return Coordinator(open_database(database_url or default_url()))


@admin_app.command("create-party")
@reports_errors
def create_party(
    party_id: Annotated[str, typer.Argument(metavar="ID", help="The party's id, e.g. TR.")],
    name: Annotated[str | None, typer.Option(help="Display name (default: the id).")] = None,
    airspace: Annotated[
        str, typer.Option(help="Sovereign/home airspace: ISO 3166 codes, comma separated.")
    ] = "",
    database_url: DatabaseUrl = None,
) -> None:
    """Create a party."""
    codes = [c.strip() for c in airspace.split(",") if c.strip()]
    reply = _coordinator(database_url).create_party(
        {"id": party_id, "name": name or party_id, "airspace": codes}
    )
    print(json.dumps(reply.body["party"]))


@admin_app.command("issue-token")
@reports_errors
def issue(
    party_id: Annotated[
        str | None, typer.Argument(metavar="PARTY", help="The party (omit with --admin).")
    ] = None,
    admin: Annotated[bool, typer.Option("--admin", help="An administrator token.")] = False,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    database_url: DatabaseUrl = None,
) -> None:
    """Issue a token; it is printed once and stored only as a hash."""
    coordinator = _coordinator(database_url)
    if admin == (party_id is not None):
        raise typer.BadParameter("give a PARTY or --admin, not both")
    if admin:
        with coordinator.db.transaction() as conn:
            token_id, token = issue_token(conn, party_id=None, label=label, at=coordinator.clock())
        print(json.dumps({"id": token_id, "party": None, "token": token}))
        return
    assert party_id is not None
    print(json.dumps(coordinator.issue_token(party_id, label=label).body))


@admin_app.command("revoke-token")
@reports_errors
def revoke(
    token_id: Annotated[str, typer.Argument(metavar="TOKEN_ID")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a token by its id (the part after ``ssk_``)."""
    print(json.dumps(_coordinator(database_url).revoke_token(token_id).body))
