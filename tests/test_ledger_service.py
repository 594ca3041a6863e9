"""The evidence ledger in the service: heads, proofs, party signatures, bundles, tampering."""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from service_fixtures import NOW, Service, operation, start_service
from sharedsky.cli import app as cli
from sharedsky.ledger import (
    PublicKey,
    SigningKey,
    TreeHead,
    parse_entry,
    sign_request,
    verify_bundle,
    verify_consistency,
    verify_inclusion,
)
from sharedsky.model import rfc3339
from sharedsky.service import LedgerService
from sharedsky.store import Database
from sharedsky.store.ledger import verify_database


def ledger(svc: Service) -> LedgerService:
    found: LedgerService = svc.client.app.state.ledger  # type: ignore[attr-defined]
    return found


def server_key(svc: Service) -> PublicKey:
    body = svc.client.get("/v1/ledger/key", headers=svc.as_("RU")).json()
    return PublicKey.from_text(body["public_key"])


def register(svc: Service, party: str) -> SigningKey:
    key = SigningKey.generate()
    reply = svc.client.put(
        "/v1/party/key", json={"public_key": key.public.text}, headers=svc.as_(party)
    )
    assert reply.status_code == 200, reply.text
    return key


def signed_put(
    svc: Service, party: str, key: SigningKey, op_id: str, body: Any, **over: str
) -> Any:
    path = f"/v1/operations/{op_id}"
    nonce = over.pop("nonce", secrets.token_hex(12))
    at = over.pop("signed_at", rfc3339(svc.clock()))
    headers = {**svc.as_(party), **sign_request(key, "PUT", path, party, body, at, nonce)}
    headers.update(over)
    return svc.client.put(path, json=body, headers=headers)


def test_heads_and_proofs_over_the_api(service: Service) -> None:
    svc = service
    assert svc.put("RU", "hama", operation(priority=1, notes="secret plan")).status_code == 201
    first = svc.client.post("/v1/ledger/heads", headers=svc.as_("US")).json()
    assert svc.put("US", "east", operation(priority=2)).status_code == 201
    second = svc.client.post("/v1/ledger/heads", headers=svc.as_("US")).json()
    key = server_key(svc)
    heads = [TreeHead.from_json(first), TreeHead.from_json(second)]
    assert all(h.verified_by(key) for h in heads)
    assert heads[1].previous_size == heads[0].size < heads[1].size
    assert svc.client.get("/v1/ledger/heads/latest", headers=svc.as_("TR")).json() == second
    assert svc.client.get(f"/v1/ledger/heads/{heads[0].size}", headers=svc.as_("TR")).json() == (
        first
    )
    # Signing again with nothing new returns the same head.
    assert svc.client.post("/v1/ledger/heads", headers=svc.as_("US")).json() == second
    proof = svc.client.get(
        "/v1/ledger/proofs/consistency",
        params={"first": heads[0].size, "second": heads[1].size},
        headers=svc.as_("TR"),
    ).json()
    assert verify_consistency(
        [bytes.fromhex(p) for p in proof["consistency_proof"]],
        heads[0].size,
        heads[1].size,
        bytes.fromhex(heads[0].root_hash),
        bytes.fromhex(heads[1].root_hash),
    )
    events = svc.client.get("/v1/events?stream=false", headers=svc.as_("RU")).json()["events"]
    assert events
    for event in events:
        found = svc.client.get(
            "/v1/ledger/proofs/inclusion", params={"event": event["seq"]}, headers=svc.as_("RU")
        ).json()
        entry = parse_entry(found["entry"])
        assert (entry.seq, entry.kind, entry.payload) == (
            event["seq"],
            event["kind"],
            event["payload"],
        )
        assert verify_inclusion(
            [bytes.fromhex(p) for p in found["inclusion_proof"]],
            found["leaf_index"],
            heads[1].size,
            entry.leaf_hash,
            bytes.fromhex(heads[1].root_hash),
        )
    # An event RU was not shown (US's own operation) is not RU's to prove.
    us_events = svc.client.get("/v1/events?stream=false", headers=svc.as_("US")).json()["events"]
    hidden = {e["seq"] for e in us_events} - {e["seq"] for e in events}
    assert hidden
    for seq in hidden:
        reply = svc.client.get(
            "/v1/ledger/proofs/inclusion", params={"event": seq}, headers=svc.as_("RU")
        )
        assert reply.status_code == 404
    for path in ["/v1/ledger/key", "/v1/ledger/heads/latest", "/v1/ledger/heads/1"]:
        assert svc.client.get(path).status_code == 401
        assert (
            svc.client.get(path, headers={"Authorization": f"Bearer {svc.admin}"}).status_code
            == 403
        )
    assert svc.client.get("/v1/ledger/heads/999999", headers=svc.as_("RU")).status_code == 404
    bad = svc.client.get(
        "/v1/ledger/proofs/consistency", params={"first": 5, "second": 2}, headers=svc.as_("RU")
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_party_signatures_are_checked_stored_and_replays_refused(service: Service) -> None:
    svc = service
    unsigned_key = SigningKey.generate()
    body = operation(priority=1)
    refused = signed_put(svc, "RU", unsigned_key, "a", body)
    assert refused.status_code == 422
    assert "registered no public key" in refused.text
    key = register(svc, "RU")
    nonce = secrets.token_hex(12)
    accepted = signed_put(svc, "RU", key, "a", body, nonce=nonce)
    assert accepted.status_code == 201, accepted.text
    events = svc.client.get("/v1/events?stream=false", headers=svc.as_("RU")).json()["events"]
    created = [e for e in events if e["kind"] == "operation.created"][-1]
    proof = svc.client.get(
        "/v1/ledger/proofs/inclusion",
        params={"event": created["seq"], "size": ledger(svc).sign().size},  # type: ignore[union-attr]
        headers=svc.as_("RU"),
    ).json()
    signature = parse_entry(proof["entry"]).signature
    assert signature is not None and signature.party == "RU" and signature.nonce == nonce
    # The same signed request again (a replay), a wrong key, a body changed after signing, a
    # stale time: refused, and nothing stored.
    with svc.coordinator.db.read() as conn:
        before = conn.exec_driver_sql("SELECT count(*) FROM events").scalar()
    replay = signed_put(svc, "RU", key, "b", body, nonce=nonce)
    assert replay.status_code == 409 and "replayed" in replay.text
    assert signed_put(svc, "RU", SigningKey.generate(), "b", body).status_code == 422
    headers = {
        **svc.as_("RU"),
        **sign_request(key, "PUT", "/v1/operations/b", "RU", body, rfc3339(NOW), "n" * 20),
    }
    tampered = {**body, "priority": 9}
    changed = svc.client.put("/v1/operations/b", json=tampered, headers=headers)
    assert changed.status_code == 422 and "does not verify" in changed.text
    stale = rfc3339(svc.clock().replace(hour=svc.clock().hour - 1))
    old = signed_put(svc, "RU", key, "b", body, signed_at=stale)
    assert old.status_code == 422 and "Sharedsky-Signed-At" in old.text
    # A signature for another path does not carry over.
    moved = {
        **svc.as_("RU"),
        **sign_request(key, "PUT", "/v1/operations/c", "RU", body, rfc3339(NOW), "m" * 20),
    }
    assert svc.client.put("/v1/operations/b", json=body, headers=moved).status_code == 422
    with svc.coordinator.db.read() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM events").scalar() == before
    assert svc.client.get("/v1/operations/b", headers=svc.as_("RU")).status_code == 404
    ledger(svc).sign()
    with svc.coordinator.db.read() as conn:
        verdict = verify_database(conn, keys=[server_key(svc)])
    assert verdict.ok, verdict.problems
    assert verdict.signatures == 1


def test_evidence_bundle_verifies_offline_and_detects_changes(
    service: Service, tmp_path: Path
) -> None:
    svc = service
    key = register(svc, "RU")
    conflicting = operation(priority=1, notes="RU free text")
    assert svc.put("US", "east", operation(priority=0)).status_code == 201
    assert signed_put(svc, "RU", key, "hama", conflicting).status_code == 201
    notices = svc.client.get("/v1/notices", headers=svc.as_("US")).json()["notices"]
    assert notices
    answer = svc.client.post(f"/v1/notices/{notices[0]['id']}/acknowledge", headers=svc.as_("US"))
    assert answer.status_code == 200
    server = server_key(svc)
    # US's view of RU's operation: the notice and its acknowledgement, never RU's notes.
    us = svc.client.get(
        "/v1/ledger/evidence", params={"party": "RU", "operation": "hama"}, headers=svc.as_("US")
    ).json()
    assert "RU free text" not in json.dumps(us)
    found = verify_bundle(us, key=server)
    assert found.ok, found.problems
    assert {e.kind for e in found.entries} >= {"notice.sent", "notice.acknowledged"}
    # RU's own view holds its signed request, checked with its registered key.
    ru = svc.client.get(
        "/v1/ledger/evidence", params={"party": "RU", "operation": "hama"}, headers=svc.as_("RU")
    ).json()
    checked = verify_bundle(ru, key=server)
    assert checked.ok, checked.problems
    assert any(e.signature is not None for e in checked.entries)
    # Any change is caught: an entry's text, a proof, the head, another server key.
    runner = CliRunner()
    good = tmp_path / "us.json"
    good.write_text(json.dumps(us))
    key_file = tmp_path / "server.pub"
    key_file.write_text(server.text)
    ok = runner.invoke(
        cli, ["ledger", "verify", "--bundle", str(good), "--public-key", str(key_file)]
    )
    assert ok.exit_code == 0, ok.output
    assert ok.output.startswith("") and "ok: bundle" in ok.output
    variants = []
    text = us["entries"][0]["entry"]
    variants.append(("entries", 0, "entry", text.replace("notice", "notica", 1)))
    proof = list(us["entries"][-1]["inclusion_proof"])
    if proof:
        proof[0] = ("0" if proof[0][0] != "0" else "1") + proof[0][1:]
        variants.append(("entries", len(us["entries"]) - 1, "inclusion_proof", proof))
    for what, index, field, value in variants:
        bad = json.loads(json.dumps(us))
        bad[what][index][field] = value
        assert not verify_bundle(bad, key=server).ok
    bad_head = json.loads(json.dumps(us))
    bad_head["head"]["timestamp"] = "2030-01-01T00:00:00Z"
    assert not verify_bundle(bad_head, key=server).ok
    assert not verify_bundle(us, key=SigningKey.generate().public).ok
    tampered = tmp_path / "bad.json"
    tampered.write_text(json.dumps(bad_head))
    failed = runner.invoke(
        cli, ["ledger", "verify", "--bundle", str(tampered), "--public-key", str(key_file)]
    )
    assert failed.exit_code == 1 and "FAILED: the head at size" in failed.output
    nothing = svc.client.get(
        "/v1/ledger/evidence", params={"party": "TR", "operation": "x"}, headers=svc.as_("TR")
    )
    assert nothing.status_code == 404


# -- tampering: every kind of change to any row is caught and located -------------------------


def _build_log(db: Database) -> tuple[Service, PublicKey, TreeHead]:
    svc = start_service(db, ["RU", "US", "TR"])
    key = register(svc, "RU")
    signer = ledger(svc)
    for n in range(3):
        assert svc.put("US", f"u{n}", operation(priority=0, start_h=2 + 3 * n)).status_code == 201
        body = operation(priority=1, start_h=2 + 3 * n)
        assert signed_put(svc, "RU", key, f"r{n}", body).status_code == 201
        signer.sign()
    svc.client.post("/v1/messages", json={"to": "US", "text": "hello"}, headers=svc.as_("RU"))
    head = signer.sign()
    assert head is not None
    return svc, server_key(svc), head


Change = tuple[str, str, int, int]


@st.composite
def changes(draw: st.DrawFn) -> Change:
    table = draw(st.sampled_from(["events", "ledger_leaves", "tree_heads", "event_signatures"]))
    action = draw(st.sampled_from(["change", "delete", "insert", "swap"]))
    return table, action, draw(st.integers(0, 10_000)), draw(st.integers(0, 10_000))


def _tamper(conn: sa.Connection, change: Change) -> str | None:
    """Apply one change; return the words the verdict's first problem must contain."""
    table, action, a, b = change
    if table == "events":
        rows = conn.exec_driver_sql("SELECT seq, entry FROM events ORDER BY seq").all()
        seq, entry = rows[a % len(rows)]
        other = rows[b % len(rows)][0]
        if action == "change":
            column = ("kind", "actor", "entry", "at")[b % 4]
            value: Any = {
                "kind": "notice.forged",
                "actor": "XX",
                "entry": entry.replace('"event":', '"event": ', 1),
                "at": "2020-01-01 00:00:00",
            }[column]
            conn.execute(
                sa.text(f"UPDATE events SET {column} = :v WHERE seq = :s"), {"v": value, "s": seq}
            )
        elif action == "delete":
            conn.execute(sa.text("DELETE FROM event_audience WHERE seq = :s"), {"s": seq})
            conn.execute(sa.text("DELETE FROM events WHERE seq = :s"), {"s": seq})
        elif action == "insert":
            seq = rows[-1][0] + 1 + a % 5
            conn.execute(
                sa.text(
                    "INSERT INTO events (seq, at, kind, actor, entry)"
                    " VALUES (:s, :at, 'x', NULL, '{}')"
                ),
                {"s": seq, "at": NOW},
            )
        else:
            if seq == other:
                return None
            entries = {seq: entry, other: rows[b % len(rows)][1]}
            for s, e in ((seq, entries[other]), (other, entries[seq])):
                conn.execute(
                    sa.text("UPDATE events SET entry = :e WHERE seq = :s"), {"e": e, "s": s}
                )
            seq = min(seq, other)
        return f"event {seq}"
    if table == "ledger_leaves":
        rows = conn.exec_driver_sql(
            "SELECT leaf_index, event_seq, leaf_hash FROM ledger_leaves ORDER BY leaf_index"
        ).all()
        index, seq, digest = rows[a % len(rows)]
        if action == "change":
            flipped = "0" if digest[b % 64] != "0" else "1"
            value = digest[: b % 64] + flipped + digest[b % 64 + 1 :]
            conn.execute(
                sa.text("UPDATE ledger_leaves SET leaf_hash = :v WHERE leaf_index = :i"),
                {"v": value, "i": index},
            )
            return f"leaf {index}"
        if action == "delete":
            conn.execute(sa.text("DELETE FROM ledger_leaves WHERE leaf_index = :i"), {"i": index})
            return f"leaf {index}" if index < len(rows) - 1 else f"event {seq}"
        if action == "insert":
            new = len(rows)
            conn.execute(
                sa.text("INSERT INTO ledger_leaves VALUES (:i, :s, :h)"),
                {"i": new, "s": rows[-1][1] + 1000, "h": "ab" * 32},
            )
            return f"leaf {new}"
        other = rows[b % len(rows)]
        if other[2] == digest:
            return None
        conn.execute(
            sa.text("UPDATE ledger_leaves SET leaf_hash = :h WHERE leaf_index = :i"),
            {"h": other[2], "i": index},
        )
        conn.execute(
            sa.text("UPDATE ledger_leaves SET leaf_hash = :h WHERE leaf_index = :i"),
            {"h": digest, "i": other[0]},
        )
        return f"leaf {min(index, other[0])}"
    if table == "tree_heads":
        rows = conn.exec_driver_sql("SELECT * FROM tree_heads ORDER BY size").mappings().all()
        row = dict(rows[a % len(rows)])
        size = row["size"]
        if action == "change":
            column = ("root_hash", "timestamp", "previous_size", "signature", "key_id")[b % 5]
            value = {
                "root_hash": "00" * 32,
                "timestamp": "2031-01-01T00:00:00Z",
                "previous_size": row["previous_size"] + 1,
                "signature": row["signature"][::-1],
                "key_id": "f" * 32,
            }[column]
            conn.execute(
                sa.text(f"UPDATE tree_heads SET {column} = :v WHERE size = :s"),
                {"v": value, "s": size},
            )
        elif action == "delete":
            conn.execute(sa.text("DELETE FROM tree_heads WHERE size = :s"), {"s": size})
            later = [r["size"] for r in rows if r["size"] > size]
            size = later[0] if later else size
            return f"head at size {size}"
        elif action == "insert":
            size = rows[-1]["size"] - 1 - a % 3
            if any(r["size"] == size for r in rows) or size < 1:
                return None
            row.update(size=size)
            conn.execute(
                sa.text(
                    "INSERT INTO tree_heads VALUES (:size, :root_hash, :timestamp,"
                    " :previous_size, :previous_root_hash, :key_id, :signature)"
                ),
                row,
            )
        else:
            other = dict(rows[b % len(rows)])
            if other["size"] == size:
                return None
            for target, source in ((size, other), (other["size"], row)):
                conn.execute(
                    sa.text("UPDATE tree_heads SET root_hash = :r, signature = :g WHERE size = :s"),
                    {"r": source["root_hash"], "g": source["signature"], "s": target},
                )
            size = min(size, other["size"])
        return f"head at size {size}"
    rows = conn.exec_driver_sql("SELECT event_seq, document FROM event_signatures").all()
    seq, document = rows[a % len(rows)]
    if action in ("change", "swap"):
        conn.execute(
            sa.text("UPDATE event_signatures SET document = :d WHERE event_seq = :s"),
            {"d": document.replace('"priority":1', '"priority":5'), "s": seq},
        )
    elif action == "delete":
        conn.execute(sa.text("DELETE FROM event_signatures WHERE event_seq = :s"), {"s": seq})
    else:
        return None  # an extra signature row for an unsigned event: covered by "change events"
    return f"event {seq}"


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_any_tampered_row_is_caught_and_named(backend: str, tmp_path: Path) -> None:
    from service_fixtures import fresh_database

    db = fresh_database(backend, tmp_path)
    try:
        _, key, head = _build_log(db)
        with db.read() as conn:
            clean = verify_database(conn, keys=[key], kept=[head])
        assert clean.ok, clean.problems
        assert clean.heads >= 4 and clean.signatures == 3 and not clean.notes

        @settings(
            max_examples=60 if backend == "sqlite" else 30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture],
        )
        @given(changes())
        def check(change: Change) -> None:
            with db.engine.connect() as conn:
                transaction = conn.begin()
                try:
                    expected = _tamper(conn, change)
                    if expected is None:
                        return
                    verdict = verify_database(conn, keys=[key], kept=[head])
                    assert not verdict.ok, change
                    assert expected in verdict.problems[0], (change, verdict.problems)
                finally:
                    transaction.rollback()

        check()
    finally:
        db.dispose()


def test_cli_verify_names_the_first_bad_entry(tmp_path: Path) -> None:
    from service_fixtures import fresh_database

    db = fresh_database("sqlite", tmp_path)
    _, key, head = _build_log(db)
    url = str(db.engine.url)
    key_file = tmp_path / "server.pub"
    key_file.write_text(key.text)
    head_file = tmp_path / "head.json"
    head_file.write_text(json.dumps(head.as_json()))
    runner = CliRunner()
    args = ["ledger", "verify", "--database-url", url, "--public-key", str(key_file)]
    ok = runner.invoke(cli, [*args, "--head", str(head_file)])
    assert ok.exit_code == 0, ok.output
    assert f"{head.size:,} leaves" in ok.output
    with db.transaction() as conn:
        conn.exec_driver_sql("UPDATE events SET kind = 'notice.forged' WHERE seq = 5")
    failed = runner.invoke(cli, args)
    assert failed.exit_code == 1
    assert "FAILED: event 5 " in failed.output
    bad = runner.invoke(cli, ["ledger", "verify", "--bundle", str(tmp_path / "missing.json")])
    assert bad.exit_code == 2
    db.dispose()


def test_parallel_verification_agrees_with_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large SQLite logs are checked by worker processes over ranges of leaves; they find
    the same first place as one process does."""
    import shutil

    from service_fixtures import fresh_database
    from sharedsky.store import ledger as store_ledger
    from sharedsky.store import open_database

    db = fresh_database("sqlite", tmp_path)
    _, key, head = _build_log(db)
    db.dispose()
    monkeypatch.setattr(store_ledger, "_PARALLEL_FROM", 1)
    source = tmp_path / "test.db"
    tampers: list[Change | None] = [
        None,
        ("events", "change", 7, 2),
        ("ledger_leaves", "change", 3, 9),
        ("ledger_leaves", "delete", 5, 0),
        ("events", "insert", 0, 0),
        ("tree_heads", "change", 1, 0),
    ]
    for n, change in enumerate(tampers):
        copy = tmp_path / f"copy{n}.db"
        shutil.copy(source, copy)
        tampered = open_database(f"sqlite:///{copy}", migrate=False)
        expected = None
        if change is not None:
            with tampered.transaction() as conn:
                expected = _tamper(conn, change)
        with tampered.read() as conn:
            alone = verify_database(conn, keys=[key], kept=[head], workers=1)
        with tampered.read() as conn:
            split = verify_database(conn, keys=[key], kept=[head], workers=2)
        tampered.dispose()
        assert split.problems == alone.problems
        assert split.root == alone.root and split.leaves == alone.leaves
        if expected is None:
            assert alone.ok, alone.problems
        else:
            assert expected in alone.problems[0]


def test_two_kept_heads_prove_one_history_or_a_fork(service: Service, tmp_path: Path) -> None:
    svc = service
    assert svc.put("RU", "a", operation(priority=1)).status_code == 201
    first = svc.client.post("/v1/ledger/heads", headers=svc.as_("RU")).json()
    assert svc.put("RU", "b", operation(priority=1, start_h=9)).status_code == 201
    second = svc.client.post("/v1/ledger/heads", headers=svc.as_("RU")).json()
    proof = svc.client.get(
        "/v1/ledger/proofs/consistency",
        params={"first": first["size"], "second": second["size"]},
        headers=svc.as_("RU"),
    ).json()
    # A server that signs a second history: same size, another root, its own key.
    other = ledger(svc).key.sign_head(second["size"], bytes(32), second["timestamp"], None)
    files = {}
    for name, body in [
        ("first", first),
        ("second", second),
        ("forged", other.as_json()),
        ("proof", proof),
        ("key", None),
    ]:
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(server_key(svc).text if body is None else json.dumps(body))
    runner = CliRunner()

    def compare(*args: str) -> Any:
        return runner.invoke(
            cli, ["ledger", "compare-heads", *args, "--public-key", str(files["key"])]
        )

    same = compare(str(files["first"]), str(files["second"]), "--proof", str(files["proof"]))
    assert same.exit_code == 0 and same.output.startswith("consistent"), same.output
    fork = compare(str(files["second"]), str(files["forged"]))
    assert fork.exit_code == 1 and fork.output.startswith("FORK"), fork.output
    unproven = compare(str(files["first"]), str(files["forged"]))
    assert unproven.exit_code == 2
    wrong = compare(str(files["first"]), str(files["forged"]), "--proof", str(files["proof"]))
    assert wrong.exit_code == 2 and "rewritten" in wrong.output
    stranger = SigningKey.generate().sign_head(1, bytes(32), first["timestamp"], None)
    files["stranger"] = tmp_path / "stranger.json"
    files["stranger"].write_text(json.dumps(stranger.as_json()))
    assert compare(str(files["first"]), str(files["stranger"])).exit_code == 2


def test_cli_exports_a_bundle_that_verifies_offline(tmp_path: Path) -> None:
    from service_fixtures import fresh_database

    db = fresh_database("sqlite", tmp_path)
    svc = start_service(db, ["RU", "US"])
    assert svc.put("US", "east", operation(priority=0)).status_code == 201
    assert svc.put("RU", "hama", operation(priority=1, notes="RU only")).status_code == 201
    key_file = tmp_path / "server.key"
    key_file.write_bytes(ledger(svc).key.to_pem())
    public = tmp_path / "server.pub"
    runner = CliRunner()
    url = ["--database-url", str(db.engine.url)]
    shown = runner.invoke(cli, ["ledger", "public-key", *url, "--ledger-key", str(key_file)])
    assert shown.exit_code == 0
    public.write_text(shown.output)
    out = tmp_path / "us-hama.json"
    exported = runner.invoke(
        cli,
        [
            "ledger",
            "export",
            "--party",
            "US",
            "--operation",
            "RU/hama",
            "--out",
            str(out),
            "--ledger-key",
            str(key_file),
            *url,
        ],
    )
    assert exported.exit_code == 0, exported.output
    assert "RU only" not in out.read_text()
    checked = runner.invoke(
        cli, ["ledger", "verify", "--bundle", str(out), "--public-key", str(public)]
    )
    assert checked.exit_code == 0, checked.output
    assert "notice.sent" in checked.output
    missing = runner.invoke(
        cli,
        ["ledger", "export", "--party", "US", "--operation", "RU/hama", "--ledger-key",
         str(tmp_path / "absent.key"), *url],
    )  # fmt: skip
    assert missing.exit_code == 2 and "does not exist" in missing.output
    assert not (tmp_path / "absent.key").exists()
    db.dispose()
