"""Schemathesis fuzzes every operation of the OpenAPI schema against the app on a real
(SQLite) database, as a party: no 5xx, responses are JSON or problem+json, and a request that
was refused (4xx) never changed anything (the event log did not grow)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service_fixtures import Service, operation, start_service
from sharedsky.store import open_database


@pytest.fixture
def fuzzed(tmp_path: Path) -> Service:
    svc = start_service(open_database(f"sqlite:///{tmp_path / 'fuzz.db'}"), ["RU", "US"])
    # Something to find: an operation of each party, a notice, a message.
    assert svc.put("RU", "a", operation(priority=1)).status_code == 201
    assert svc.put("US", "b", operation(priority=5)).status_code == 201
    svc.client.post("/v1/messages", json={"to": "US", "text": "hello"}, headers=svc.as_("RU"))
    return svc


def event_count(svc: Service) -> int:
    with svc.coordinator.db.read() as conn:
        return int(conn.exec_driver_sql("SELECT COUNT(*) FROM events").scalar() or 0)


def test_no_server_errors_and_refusals_change_nothing(fuzzed: Service) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed.client.app)
    # The event stream never ends by design; it has its own tests over a real server.
    operations = [
        result.ok() for result in schema.get_all_operations() if result.ok().path != "/v1/events"
    ]
    assert len(operations) >= 20

    @given(st.data())
    @settings(
        max_examples=300,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def fuzz(data: st.DataObject) -> None:
        api = data.draw(st.sampled_from(operations))
        case = data.draw(api.as_strategy())
        before = event_count(fuzzed)
        headers = {**(case.headers or {}), **fuzzed.as_("RU")}
        response = case.call(headers=headers)
        where = (case.method, case.formatted_path, response.status_code, response.text[:300])
        assert response.status_code < 500, where
        if response.status_code >= 400:
            media = response.headers["content-type"][0]  # schemathesis: header → list of values
            assert media.startswith("application/problem+json"), where
            assert event_count(fuzzed) == before, where

    fuzz()
