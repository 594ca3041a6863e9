"""Databases and a service for the store and API tests, on SQLite and PostgreSQL.

PostgreSQL comes from ``SHAREDSKY_TEST_POSTGRES_URL`` (``.ci/run`` starts a real server with
``scripts/test-postgres.sh`` and sets it). Without it the PostgreSQL variants skip, except
under ``SHAREDSKY_REQUIRE_POSTGRES=1`` (set by ``.ci/run``), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from sharedsky.service import Coordinator, ServicePolicy, create_app
from sharedsky.store import Database, open_database
from sharedsky.store.parties import issue_token

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def postgres_url() -> str:
    url = os.environ.get("SHAREDSKY_TEST_POSTGRES_URL")
    if not url:
        reason = "no PostgreSQL (set SHAREDSKY_TEST_POSTGRES_URL; .ci/run starts one)"
        if os.environ.get("SHAREDSKY_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} and SHAREDSKY_REQUIRE_POSTGRES=1")
        pytest.skip(reason)
    return url


def fresh_database(backend: str, tmp_path: Path) -> Database:
    """An empty, migrated database of the given backend."""
    if backend == "sqlite":
        return open_database(f"sqlite:///{tmp_path / 'test.db'}")
    url = postgres_url()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    return open_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    db = fresh_database(request.param, tmp_path)
    yield db
    db.dispose()


class Clock:
    """A settable clock for the service (engines never read one)."""

    def __init__(self, start: datetime = NOW) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Service:
    coordinator: Coordinator
    client: TestClient
    clock: Clock
    admin: str
    tokens: dict[str, str]

    def as_(self, party: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[party]}"}

    def put(self, party: str, op_id: str, body: Any, version: int | None = None) -> Any:
        headers = self.as_(party)
        if version is not None:
            headers["If-Match"] = str(version)
        return self.client.put(f"/v1/operations/{op_id}", json=body, headers=headers)


def start_service(
    database: Database,
    parties: list[str],
    policy: ServicePolicy | None = None,
    airspace: dict[str, list[str]] | None = None,
) -> Service:
    clock = Clock()
    coordinator = Coordinator(database, clock=clock, policy=policy)
    with database.transaction() as conn:
        _, admin = issue_token(conn, party_id=None, label="tests", at=clock())
    tokens = {}
    for party in parties:
        coordinator.create_party(
            {"id": party, "name": f"party {party}", "airspace": (airspace or {}).get(party, [])}
        )
        tokens[party] = coordinator.issue_token(party, label="tests").body["token"]
    client = TestClient(create_app(coordinator), raise_server_exceptions=False)
    return Service(coordinator, client, clock, admin, tokens)


@pytest.fixture
def service(database: Database) -> Service:
    return start_service(database, ["RU", "US", "TR"])


def volume(
    lon: float = 36.7,
    lat: float = 34.7,
    radius: str = "10NM",
    lower: str = "FL100",
    upper: str = "FL300",
    start_h: float = 2.0,
    hours: float = 2.0,
    base: datetime = NOW,
) -> dict[str, Any]:
    """A circle volume starting ``start_h`` hours after ``base`` (the tests' clock)."""
    start = base + timedelta(hours=start_h)
    end = start + timedelta(hours=hours)
    return {
        "footprint": {"type": "circle", "center": [lon, lat], "radius": radius},
        "altitude_lower": lower,
        "altitude_upper": upper,
        "time_start": start.isoformat().replace("+00:00", "Z"),
        "time_end": end.isoformat().replace("+00:00", "Z"),
    }


def operation(priority: int = 0, notes: str = "", **kwargs: Any) -> dict[str, Any]:
    return {"priority": priority, "volumes": [volume(**kwargs)], "notes": notes}


Builder = Callable[..., dict[str, Any]]
