"""Event streams wake on this process's commits instead of polling the database."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import uvicorn

from service_fixtures import operation
from sharedsky.service import Coordinator, create_app
from sharedsky.service.wakeup import Wakeup
from sharedsky.store import open_database
from sharedsky.store.parties import issue_token


def test_a_notify_from_another_thread_ends_the_wait() -> None:
    async def scenario() -> float:
        wakeup = Wakeup()
        with wakeup.waiter() as waiter:
            threading.Timer(0.05, wakeup.notify).start()
            begin = time.monotonic()
            await waiter.wait(30)
            return time.monotonic() - begin

    assert asyncio.run(scenario()) < 5


def test_a_stream_gets_a_committed_event_long_before_its_fallback_poll(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'wake.db'}")
    coordinator = Coordinator(database)
    coordinator.create_party({"id": "RU", "name": "RU"})
    with database.transaction() as conn:
        _, token = issue_token(conn, party_id="RU", label="test", at=coordinator.clock())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(coordinator, tick_s=None, stream_poll_s=60)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            seen = client.get("/v1/events?stream=false").json()["events"]
            after = {"Last-Event-ID": str(seen[-1]["seq"])}
            with client.stream("GET", "/v1/events", headers=after) as stream:
                lines = stream.iter_lines()
                assert next(lines).startswith(": sharedsky event stream")
                time.sleep(0.3)  # the stream has read the database and waits
                put = client.put("/v1/operations/a", json=operation(base=datetime.now(UTC)))
                assert put.status_code == 201, put.text
                begin = time.monotonic()
                for line in lines:
                    if line.startswith("event: "):
                        assert line == "event: operation.created"
                        break
                assert time.monotonic() - begin < 10  # the fallback poll is 60 s
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        database.dispose()
