"""``sharedsky ledger``: verify the evidence log or a bundle, export a bundle, show the key."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sharedsky.cli._errors import reports_errors
from sharedsky.cli.serve import DatabaseUrl, LedgerKey, default_key_path
from sharedsky.errors import InvalidInput
from sharedsky.ledger import PublicKey, Relation, TreeHead, compare_heads, verify_bundle
from sharedsky.service import Coordinator, LedgerService, load_signing_key
from sharedsky.store import default_url, open_database
from sharedsky.store.ledger import verify_database

__all__ = ["ledger_app"]

ledger_app = typer.Typer(
    help="The evidence ledger: check it, export what a party was shown, show the key.",
    no_args_is_help=True,
)

EXIT_TAMPERED = 1


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise InvalidInput.one(str(path), f"cannot read the {what}: {error}") from None


def _read_head(path: Path) -> TreeHead:
    try:
        return TreeHead.from_json(_read_json(path, "head"))
    except ValueError as error:
        raise InvalidInput.one(str(path), str(error)) from None


def _public_key(path: Path | None) -> PublicKey | None:
    if path is None:
        return None
    try:
        return PublicKey.from_text(path.read_text())
    except (OSError, ValueError) as error:
        raise InvalidInput.one("--public-key", f"{path}: {error}") from None


@ledger_app.command("verify")
@reports_errors
def verify(
    database_url: DatabaseUrl = None,
    bundle: Annotated[
        Path | None, typer.Option("--bundle", help="Check an evidence bundle instead.")
    ] = None,
    public_key: Annotated[
        Path | None,
        typer.Option(help="The server's public key (base64 or PEM) to trust."),
    ] = None,
    head: Annotated[
        list[Path] | None,
        typer.Option("--head", help="A signed head kept earlier (JSON); may repeat."),
    ] = None,
) -> None:
    """Recompute the whole tree and check every head and party signature (or a bundle).
    Exit 0: it holds; 1: it does not (the first place is named); 2: bad input."""
    console = Console(stderr=True)
    key = _public_key(public_key)
    if bundle is not None:
        if database_url is not None:
            raise InvalidInput.one("--bundle", "give --database-url or --bundle, not both")
        found = verify_bundle(_read_json(bundle, "bundle"), key=key)
        for entry in found.entries:
            print(f"{entry.seq:>8}  {entry.at}  {entry.kind:<24} {entry.actor or '-'}")
        for note in found.notes:
            console.print(f"note: {note}")
        size = "?" if found.head is None else found.head.size
        return _conclude(found.problems, f"bundle: {len(found.entries)} entries, head {size}")
    kept = [_read_head(path) for path in head or []]
    database = open_database(database_url or default_url(), migrate=False)
    with console.status("verifying the ledger…"), database.read() as conn:
        verdict = verify_database(conn, keys=None if key is None else [key], kept=kept)
    for note in verdict.notes:
        console.print(f"note: {note}")
    _conclude(
        verdict.problems,
        f"{verdict.leaves:,} leaves, {verdict.events:,} events, {verdict.heads:,} heads, "
        f"{verdict.signatures:,} party signatures; root {verdict.root.hex()}",
    )


def _conclude(problems: list[str], summary: str) -> None:
    if problems:
        for problem in problems:
            print(f"sharedsky: tampered: {problem}", file=sys.stderr)
        print(f"FAILED: {problems[0]}")
        raise typer.Exit(EXIT_TAMPERED)
    print(f"ok: {summary}")


@ledger_app.command("compare-heads")
@reports_errors
def compare_heads_command(
    first: Annotated[Path, typer.Argument(help="A signed head (JSON) kept from the server.")],
    second: Annotated[Path, typer.Argument(help="Another one.")],
    public_key: Annotated[Path, typer.Option(help="The server's public key (base64 or PEM).")],
    proof: Annotated[
        Path | None,
        typer.Option(help="The server's consistency proof between them (its JSON reply)."),
    ] = None,
) -> None:
    """Whether two signed heads belong to one history. Exit 0: they do; 1: a fork (the log
    was rewritten); 2: bad input, or not decidable without a consistency proof."""
    key = _public_key(public_key)
    assert key is not None
    heads = [_read_head(first), _read_head(second)]
    hashes = None
    if proof is not None:
        served = _read_json(proof, "proof")
        try:
            hashes = [bytes.fromhex(p) for p in served["consistency_proof"]]
        except (TypeError, KeyError, ValueError):
            raise InvalidInput.one(str(proof), "not a consistency proof reply") from None
    found = compare_heads(heads[0], heads[1], key=key, proof=hashes)
    if found.relation is Relation.FORK:
        print(f"FORK: {found.reason}")
        raise typer.Exit(EXIT_TAMPERED)
    if found.relation is not Relation.CONSISTENT:
        raise InvalidInput.one("heads", f"{found.relation}: {found.reason}")
    print(f"consistent: {found.reason}")


@ledger_app.command("export")
@reports_errors
def export(
    party: Annotated[str, typer.Option(help="The party whose view is exported.")],
    operation: Annotated[str, typer.Option(help="The operation, as OWNER/ID.")],
    out: Annotated[Path | None, typer.Option(help="Write here (default: stdout).")] = None,
    database_url: DatabaseUrl = None,
    ledger_key: LedgerKey = None,
) -> None:
    """An evidence bundle: the events PARTY was shown about OPERATION, with proofs."""
    owner, _, op_id = operation.partition("/")
    if not owner or not op_id:
        raise InvalidInput.one("--operation", "write the operation as OWNER/ID")
    url = database_url or default_url()
    path = ledger_key or default_key_path(url)
    if not path.exists():
        raise InvalidInput.one("--ledger-key", f"{path} does not exist (give the server's key)")
    coordinator = Coordinator(open_database(url))
    bundle = LedgerService(coordinator, load_signing_key(path)).bundle(party, owner, op_id)
    text = json.dumps(bundle, indent=1)
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n")


@ledger_app.command("public-key")
@reports_errors
def public_key_command(database_url: DatabaseUrl = None, ledger_key: LedgerKey = None) -> None:
    """Print the server's public key (base64), to hand to whoever verifies."""
    url = database_url or default_url()
    path = ledger_key or default_key_path(url)
    if not path.exists():
        raise InvalidInput.one("--ledger-key", f"{path} does not exist")
    print(load_signing_key(path).public.text)
