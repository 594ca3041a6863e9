"""Performance benchmark of the evidence ledger (issue 5), with same-run baselines.

Cases:

* **append cost**: 400 operation writes (``Coordinator.put_operation``, one party's circles
  with notices to nobody, and 1 in 4 conflicting with another party's so a notice is sent) on
  SQLite; the time inside ``record_leaf`` (hashing the entry, the leaf row) as a share of the
  whole write. Target: under 10 %. The entry's text itself is not counted: it is the event's
  JSON, which the event row held before the ledger too.
* **verify**: a log of 1,000,000 events (two-party audiences, small payloads, a signed head
  every 10,000 leaves) written straight into an SQLite file, then
  ``verify_database`` over it. Target: under 10 s. Baseline in the same run: reading every
  entry and hashing it (SHA-256), with no Merkle tree, heads or checks: the floor of any
  verifier of this log.
* **proofs**: ``GET /v1/ledger/proofs/inclusion`` from a real ``sharedsky serve`` process on
  that database (one keep-alive ``http.client`` connection, random events), and
  ``LedgerService.inclusion`` called directly. Target: under 5 ms.

Run ``.venv/bin/python bench/bench_ledger.py`` (``--events N`` to change the size,
``--record`` to write the results into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

import common
import sharedsky.store.events as store_events
from bench_service import serve
from sharedsky.ledger import Entry, MerkleTree, SigningKey, leaf_hash
from sharedsky.model import rfc3339
from sharedsky.service import Coordinator, LedgerService
from sharedsky.store import open_database
from sharedsky.store.ledger import verify_database
from sharedsky.store.parties import issue_token

START = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def append_cost(folder: Path, writes: int) -> dict[str, float]:
    coordinator = Coordinator(open_database(f"sqlite:///{folder / 'append.db'}"))
    for party in ("RU", "US"):
        coordinator.create_party({"id": party, "name": party})
    spent = [0.0]
    original = store_events.record_leaf

    def timed(conn: Any, index: int, seq: int, entry: str) -> None:
        begin = time.perf_counter()
        original(conn, index, seq, entry)
        spent[0] += time.perf_counter() - begin

    def volume(lon: float, lat: float) -> dict[str, Any]:
        start = coordinator.clock() + timedelta(hours=2)
        return {
            "footprint": {"type": "circle", "center": [lon, lat], "radius": "2NM"},
            "altitude_lower": "FL100",
            "altitude_upper": "FL200",
            "time_start": rfc3339(start),
            "time_end": rfc3339(start + timedelta(hours=1)),
        }

    for n in range(writes // 4):
        coordinator.put_operation(
            "US", f"u{n}", {"priority": 0, "volumes": [volume(n * 0.5, 10)]}, if_match=None
        )
    store_events.record_leaf = timed  # type: ignore[assignment]
    times = []
    try:
        for n in range(writes):
            lon = (n // 4) * 0.5 if n % 4 == 0 else (n * 0.5) % 340 - 170
            lat = 10 if n % 4 == 0 else 20
            begin = time.perf_counter()
            coordinator.put_operation(
                "RU", f"r{n}", {"priority": 1, "volumes": [volume(lon, lat)]}, if_match=None
            )
            times.append(time.perf_counter() - begin)
    finally:
        store_events.record_leaf = original
    coordinator.db.dispose()
    return {
        "writes": writes,
        "write_p50_ms": statistics.median(times) * 1e3,
        "write_total_s": sum(times),
        "leaf_s": spent[0],
        "share": spent[0] / sum(times),
    }


def build_log(path: Path, count: int, console: Console) -> tuple[SigningKey, float]:
    """A migrated database holding ``count`` events with leaves and heads."""
    database = open_database(f"sqlite:///{path}")
    database.dispose()
    key = SigningKey.generate()
    tree = MerkleTree()
    begin = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")
    previous = None
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("writing the log", total=count)
        batch = 20_000
        for first in range(1, count + 1, batch):
            events, audience, leaves, heads = [], [], [], []
            for seq in range(first, min(first + batch, count + 1)):
                at = START + timedelta(milliseconds=seq * 10)
                who = ("P1", f"P{2 + seq % 9}")
                entry = Entry(
                    seq,
                    rfc3339(at),
                    "notice.sent",
                    "P1",
                    who,
                    {"notice": {"id": seq, "operation": {"party": "P1", "id": f"op{seq % 997}"}}},
                )
                text = entry.text
                digest = leaf_hash(text.encode())
                tree.append(digest)
                events.append((seq, at.strftime("%Y-%m-%d %H:%M:%S.%f"), entry.kind, "P1", text))
                audience.extend((p, seq) for p in who)
                leaves.append((seq - 1, seq, digest.hex()))
                if seq % 10_000 == 0:
                    head = key.sign_head(seq, tree.root(seq), rfc3339(at), previous)
                    heads.append(tuple(head.as_json().values()))
                    previous = head
            connection.executemany("INSERT INTO events VALUES (?,?,?,?,?)", events)
            connection.executemany("INSERT INTO event_audience VALUES (?,?)", audience)
            connection.executemany("INSERT INTO ledger_leaves VALUES (?,?,?)", leaves)
            connection.executemany("INSERT INTO tree_heads VALUES (?,?,?,?,?,?,?)", heads)
            connection.commit()
            progress.advance(task, len(events))
    connection.execute(
        "INSERT INTO ledger_keys VALUES (?,?,?)",
        (key.public.id, key.public.text, START.strftime("%Y-%m-%d %H:%M:%S.%f")),
    )
    connection.commit()
    connection.close()
    return key, time.perf_counter() - begin


def hash_floor(path: Path) -> float:
    begin = time.perf_counter()
    connection = sqlite3.connect(path)
    for (text,) in connection.execute("SELECT entry FROM events ORDER BY seq"):
        hashlib.sha256(b"\x00" + text.encode()).digest()
    connection.close()
    return time.perf_counter() - begin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=400)
    parser.add_argument("--proofs", type=int, default=1_000)
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    console = Console()
    started = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        console.print("append cost …")
        append = append_cost(folder, args.writes)
        console.print(f"building a log of {args.events:,} events …")
        path = folder / "log.db"
        key, build_s = build_log(path, args.events, console)
        floor_s = hash_floor(path)
        database = open_database(f"sqlite:///{path}", migrate=False)
        begin = time.perf_counter()
        with database.read() as conn:
            verdict = verify_database(conn, keys=[key.public])
        verify_s = time.perf_counter() - begin
        assert verdict.ok, verdict.problems[:3]
        floor_again = hash_floor(path)
        coordinator = Coordinator(database)
        coordinator.create_party({"id": "P1", "name": "P1"})
        with database.transaction() as conn:
            _, token = issue_token(conn, party_id="P1", label="bench", at=coordinator.clock())
        begin = time.perf_counter()
        service = LedgerService(coordinator, key)
        service.sign()
        load_s = time.perf_counter() - begin
        rng = random.Random(5)
        direct, served = [], []
        for _ in range(args.proofs):
            seq = rng.randint(1, args.events)
            begin = time.perf_counter()
            service.inclusion("P1", seq, None)
            direct.append((time.perf_counter() - begin) * 1e3)
        database.dispose()
        key_file = folder / "server.key"
        key_file.write_bytes(key.to_pem())
        command = [sys.executable, "-m", "sharedsky", "serve", "--ledger-key", str(key_file)]
        with serve(command, f"sqlite:///{path}", folder, "ledger") as server:
            # The stdlib client: httpx spends about 1 ms of its own per request here, which is
            # not the server's.
            host, port = server.base.removeprefix("http://").split(":")
            client = http.client.HTTPConnection(host, int(port))
            # The server's first seconds are its background loops' warm-up (the live sweep's
            # first run loads its compiled kernels): steady state is what is measured.
            settle = time.monotonic() + 5
            while time.monotonic() < settle:
                client.request("GET", "/healthz")
                client.getresponse().read()
            for _ in range(args.proofs):
                seq = rng.randint(1, args.events)
                begin = time.perf_counter()
                client.request(
                    "GET",
                    f"/v1/ledger/proofs/inclusion?event={seq}",
                    headers={"Authorization": f"Bearer {token}"},
                )
                reply = client.getresponse()
                body = reply.read()
                served.append((time.perf_counter() - begin) * 1e3)
                assert reply.status == 200, body
            client.close()
    wall = (datetime.now(UTC) - started).total_seconds()
    floor = min(floor_s, floor_again)
    rows = [
        (
            f"append: record_leaf share of {append['writes']} operation writes (SQLite)",
            f"{append['share'] * 100:.1f} % (write p50 {append['write_p50_ms']:.2f} ms)",
            "< 10 %",
            "yes" if append["share"] < 0.10 else "**NO**",
            "—",
        ),
        (
            f"verify {args.events:,} events (SQLite)",
            f"{verify_s:.2f} s",
            "< 10 s",
            "yes" if verify_s < 10 else "**NO**",
            f"read + SHA-256 of every entry {floor:.2f} s; ratio {verify_s / floor:.1f}",
        ),
        (
            f"inclusion proof served (HTTP, `sharedsky serve`), {args.events:,} leaves",
            f"p50 {statistics.median(served):.2f} / p99 {percentile(served, 99):.2f} ms",
            "< 5 ms",
            "yes" if percentile(served, 99) < 5 else "**NO**",
            f"LedgerService.inclusion alone p50 {statistics.median(direct):.2f} / "
            f"p99 {percentile(direct, 99):.2f} ms",
        ),
    ]
    table = Table(title="evidence ledger")
    for column in ("case", "result", "target", "met?", "baseline / notes"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    info = common.machine("cryptography, rfc8785, SQLAlchemy")
    lines = [
        "### Evidence ledger (`bench/bench_ledger.py`)",
        "",
        f"Recorded {started.strftime('%Y-%m-%dT%H:%M:%SZ')} (UTC); the run took "
        f"{wall / 60:.1f} min.",
        "",
        *[f"- **{k}**: {v}" for k, v in info],
        "",
        "| case | result | target | met? | baseline (same run) / notes |",
        "|---|---|---|---|---|",
        *["| " + " | ".join(row) + " |" for row in rows],
        "",
        f"- the {args.events:,}-event log was written in {build_s:.1f} s (entries, leaves, "
        f"{args.events // 10_000} signed heads); starting the ledger service on it (the tree "
        f"of every leaf in memory) took {load_s:.2f} s",
        f"- append: {append['leaf_s'] * 1e3:.0f} ms in record_leaf of "
        f"{append['write_total_s'] * 1e3:.0f} ms of writes",
        "",
    ]
    if args.record:
        common.record("bench_ledger", "\n".join(lines))


if __name__ == "__main__":
    main()
