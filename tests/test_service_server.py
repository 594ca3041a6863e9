"""The real thing: ``sharedsky admin`` and ``sharedsky serve`` as processes, over HTTP.

Covers the event stream (Server-Sent Events, resumed with ``Last-Event-ID``) and crash
safety: the server killed with SIGKILL in the middle of concurrent writes loses none that it
answered 2xx and keeps nothing half-written.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from service_fixtures import operation, postgres_url

SCRIPT = Path(sys.executable).parent / "sharedsky"


def cli(*args: str, env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [str(SCRIPT), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    process = subprocess.Popen(
        [str(SCRIPT), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"server did not start: {process.stderr.read()!r}")  # type: ignore[union-attr]
            time.sleep(0.2)
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'served.db'}"
    else:
        import sqlalchemy as sa

        url = postgres_url()
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
        engine.dispose()
    return {**os.environ, "SHAREDSKY_DATABASE_URL": url}


def op(**kwargs: Any) -> dict[str, Any]:
    """An operation relative to the real clock: these servers run on it."""
    return operation(base=datetime.now(UTC), **kwargs)


def tokens(env: dict[str, str], *parties: str) -> dict[str, dict[str, str]]:
    out = {}
    for party in parties:
        cli("admin", "create-party", party, env=env)
        token = cli("admin", "issue-token", party, env=env)["token"]
        out[party] = {"Authorization": f"Bearer {token}"}
    return out


def read_sse(lines: Iterator[str], count: int) -> list[dict[str, Any]]:
    """The next ``count`` events of an open stream's lines, as (id, event, data)."""
    found: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    for line in lines:
        if line.startswith("id: "):
            current["id"] = int(line[4:])
        elif line.startswith("event: "):
            current["event"] = line[7:]
        elif line.startswith("data: "):
            current["data"] = json.loads(line[6:])
        elif line == "" and "id" in current:
            found.append(current)
            current = {}
            if len(found) == count:
                return found
    raise AssertionError(f"stream ended after {found}")


def test_event_stream_is_live_and_resumable(env: dict[str, str]) -> None:
    auth = tokens(env, "RU", "US")
    with server(env) as (base, _), httpx.Client(base_url=base, timeout=30) as client:
        with client.stream("GET", "/v1/events", headers=auth["RU"]) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            first = read_sse(lines, 2)  # party.created and token.issued
            assert [e["event"] for e in first] == ["party.created", "token.issued"]
            put = client.put("/v1/operations/a", json=op(priority=1), headers=auth["RU"])
            assert put.status_code == 201
            [created] = read_sse(lines, 1)
            assert created["event"] == "operation.created"
            assert created["data"]["payload"]["operation"]["id"] == "a"
        # While RU is away, US declares a conflicting higher-priority operation: a notice.
        assert (
            client.put("/v1/operations/b", json=op(priority=5), headers=auth["US"]).status_code
            == 201
        )
        resumed = {**auth["RU"], "Last-Event-ID": str(created["id"])}
        with client.stream("GET", "/v1/events", headers=resumed) as stream:
            [notice] = read_sse(stream.iter_lines(), 1)
        assert notice["event"] == "notice.sent" and notice["id"] > created["id"]
        assert notice["data"]["payload"]["notice"]["recipient"] == "RU"


def test_sigkill_during_concurrent_writes_loses_no_answered_write(env: dict[str, str]) -> None:
    auth = tokens(env, "P1", "P2", "P3", "P4")
    answered: dict[str, list[str]] = {p: [] for p in auth}
    stop = threading.Event()

    def writer(party: str, base: str) -> None:
        with httpx.Client(base_url=base, timeout=10) as client:
            n = 0
            while not stop.is_set():
                op_id = f"{party}-{n}"
                # Spread out so that nothing conflicts: every write should be accepted.
                body = op(lon=20.0 + n * 0.5, lat=10.0 + list(auth).index(party) * 5)
                try:
                    reply = client.put(f"/v1/operations/{op_id}", json=body, headers=auth[party])
                except httpx.TransportError:
                    return
                if reply.status_code == 201:
                    answered[party].append(op_id)
                n += 1

    with server(env) as (base, process):
        threads = [threading.Thread(target=writer, args=(p, base)) for p in auth]
        for t in threads:
            t.start()
        time.sleep(3.0)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        stop.set()
        for t in threads:
            t.join(timeout=30)
    total = sum(len(v) for v in answered.values())
    assert total > 10, answered
    with server(env) as (base, _), httpx.Client(base_url=base, timeout=30) as client:
        for party, ids in answered.items():
            listed = client.get("/v1/operations?own=true", headers=auth[party]).json()
            stored = {o["id"] for o in listed["operations"]}
            # Every answered write is there; at most the one in flight may be there too.
            assert set(ids) <= stored
            assert len(stored - set(ids)) <= 1
            for op_id in stored:
                got = client.get(f"/v1/operations/{op_id}", headers=auth[party])
                assert got.status_code == 200 and got.json()["volumes"]
            events = client.get("/v1/events?stream=false", headers=auth[party]).json()["events"]
            created = [e for e in events if e["kind"] == "operation.created"]
            assert len(created) == len(stored)  # each row with its event, nothing half-written
