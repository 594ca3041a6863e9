"""The REST API on a real database (SQLite and PostgreSQL), endpoint by endpoint."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient

from service_fixtures import Service, operation, start_service, volume
from sharedsky.service import Coordinator, create_app
from sharedsky.store import Database
from sharedsky.store.schema import metadata

PROBLEM = "application/problem+json"


def events_of(svc: Service, party: str, after: int = 0) -> list[dict[str, Any]]:
    reply = svc.client.get(f"/v1/events?stream=false&after={after}", headers=svc.as_(party))
    assert reply.status_code == 200
    return reply.json()["events"]


def count_events(db: Database) -> int:
    with db.read() as conn:
        return int(conn.exec_driver_sql("SELECT COUNT(*) FROM events").scalar() or 0)


# -- the schema -------------------------------------------------------------------------------


def test_migrations_build_exactly_the_declared_schema(database: Database) -> None:
    with database.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    database.migrate()  # idempotent


def test_sqlite_is_durable_by_configuration(tmp_path: Any) -> None:
    from sharedsky.store import open_database

    db = open_database(f"sqlite:///{tmp_path / 'x.db'}")
    with db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "mysql://x/y", "nonsense"])
def test_unusable_database_urls_are_refused(url: str) -> None:
    from sharedsky.errors import InvalidInput
    from sharedsky.store import open_database

    with pytest.raises(InvalidInput):
        open_database(url)


# -- health, docs, authentication -------------------------------------------------------------


def test_health_and_docs_need_no_token(service: Service) -> None:
    assert service.client.get("/healthz").json()["status"] == "ok"
    schema = service.client.get("/openapi.json").json()
    assert "/v1/operations/{op_id}" in schema["paths"]
    assert service.client.get("/docs").status_code == 200


PARTY_ROUTES = [
    ("PUT", "/v1/operations/x"),
    ("GET", "/v1/operations/x"),
    ("DELETE", "/v1/operations/x"),
    ("GET", "/v1/operations"),
    ("GET", "/v1/notices"),
    ("POST", "/v1/notices/1/acknowledge"),
    ("POST", "/v1/notices/1/accept"),
    ("POST", "/v1/notices/1/object"),
    ("POST", "/v1/subscriptions"),
    ("GET", "/v1/subscriptions"),
    ("DELETE", "/v1/subscriptions/1"),
    ("POST", "/v1/messages"),
    ("GET", "/v1/messages?with=US"),
    ("POST", "/v1/messages/1/read"),
    ("GET", "/v1/events?stream=false"),
]
ADMIN_ROUTES = [
    ("POST", "/v1/admin/parties"),
    ("POST", "/v1/admin/parties/RU/tokens"),
    ("DELETE", "/v1/admin/tokens/abc"),
]


@pytest.mark.parametrize(("method", "path"), PARTY_ROUTES + ADMIN_ROUTES)
def test_every_route_needs_a_valid_token(service: Service, method: str, path: str) -> None:
    for headers in (
        {},
        {"Authorization": "Basic abc"},
        {"Authorization": "Bearer ssk_0000000000000000_" + "A" * 43},
        {"Authorization": "Bearer nonsense"},
    ):
        reply = service.client.request(method, path, headers=headers)
        assert reply.status_code == 401, (method, path, headers)
        assert reply.headers["content-type"] == PROBLEM
        assert reply.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("method", "path"), PARTY_ROUTES)
def test_party_routes_refuse_the_admin_token(service: Service, method: str, path: str) -> None:
    headers = {"Authorization": f"Bearer {service.admin}"}
    assert service.client.request(method, path, headers=headers).status_code == 403


@pytest.mark.parametrize(("method", "path"), ADMIN_ROUTES)
def test_admin_routes_refuse_party_tokens(service: Service, method: str, path: str) -> None:
    assert service.client.request(method, path, headers=service.as_("RU")).status_code == 403


def test_admin_creates_parties_and_tokens_and_revokes(service: Service) -> None:
    admin = {"Authorization": f"Bearer {service.admin}"}
    made = service.client.post(
        "/v1/admin/parties",
        json={"id": "SY", "name": "Syria", "airspace": ["SYR"], "minima": {"hsep_m": 9260}},
        headers=admin,
    )
    assert made.status_code == 201 and made.json()["party"]["airspace"] == ["SYR"]
    again = service.client.post("/v1/admin/parties", json={"id": "SY"}, headers=admin)
    assert again.status_code == 409
    bad = service.client.post(
        "/v1/admin/parties", json={"id": "no/slash", "minima": {"hsep_m": -1}}, headers=admin
    )
    assert bad.status_code == 422
    assert {e["path"] for e in bad.json()["errors"]} == {"$.id", "$.minima.hsep_m"}
    issued = service.client.post("/v1/admin/parties/SY/tokens", headers=admin).json()
    token = {"Authorization": f"Bearer {issued['token']}"}
    assert service.client.get("/v1/notices", headers=token).status_code == 200
    assert service.client.post("/v1/admin/parties/XX/tokens", headers=admin).status_code == 404
    assert (
        service.client.delete(f"/v1/admin/tokens/{issued['id']}", headers=admin).status_code == 200
    )
    assert service.client.get("/v1/notices", headers=token).status_code == 401
    # Tokens are stored hashed: the secret is nowhere in the database.
    with service.coordinator.db.read() as conn:
        dump = json.dumps(
            [list(r) for r in conn.exec_driver_sql("SELECT * FROM tokens")], default=str
        )
    assert issued["token"].split("_", 2)[2] not in dump


# -- operations -------------------------------------------------------------------------------


def test_create_read_update_delete_with_versions(service: Service) -> None:
    created = service.put("RU", "op1", operation(notes="private"))
    assert created.status_code == 201, created.text
    assert created.json()["operation"]["version"] == 1
    got = service.client.get("/v1/operations/op1", headers=service.as_("RU")).json()
    assert got["notes"] == "private" and got["party"] == "RU"
    # Another party's namespace: the same id is simply not theirs.
    assert service.client.get("/v1/operations/op1", headers=service.as_("US")).status_code == 404
    assert service.put("RU", "op1", operation()).status_code == 428
    stale = service.put("RU", "op1", operation(), version=7)
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    updated = service.put("RU", "op1", operation(upper="FL350"), version=1)
    assert updated.status_code == 200 and updated.json()["operation"]["version"] == 2
    assert service.put("RU", "ghost", operation(), version=1).status_code == 412
    path = "/v1/operations/op1"
    assert service.client.delete(path, headers=service.as_("RU")).status_code == 428
    stale_delete = service.client.delete(path, headers={**service.as_("RU"), "If-Match": "1"})
    assert stale_delete.status_code == 412
    deleted = service.client.delete(path, headers={**service.as_("RU"), "If-Match": "2"})
    assert deleted.status_code == 200 and deleted.json()["version"] == 3
    assert service.client.get(path, headers=service.as_("RU")).status_code == 404
    # The id can be declared again; versions continue.
    assert service.put("RU", "op1", operation()).json()["operation"]["version"] == 4
    kinds = [e["kind"] for e in events_of(service, "RU") if e["kind"].startswith("operation")]
    assert kinds == [
        "operation.created",
        "operation.updated",
        "operation.deleted",
        "operation.created",
    ]


def test_refused_write_returns_conflicts_and_hints_and_stores_nothing(service: Service) -> None:
    assert service.put("RU", "high", operation(priority=5)).status_code == 201
    before = count_events(service.coordinator.db)
    refused = service.put("US", "low", operation(priority=1))
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["conflicts"][0]["other"] == {"party": "RU", "id": "high", "volume": 0}
    assert problem["conflicts"][0]["verdict"] == "refused"
    assert problem["hints"]["time_shift_s"] is not None
    assert count_events(service.coordinator.db) == before
    assert service.client.get("/v1/operations/low", headers=service.as_("US")).status_code == 404
    # The hint works: shifted later by it, the operation is accepted.
    shift_h = problem["hints"]["time_later_s"] / 3600
    assert service.put("US", "low", operation(priority=1, start_h=2 + shift_h)).status_code == 201


def test_accepted_conflicting_write_notifies_with_lead_time(service: Service) -> None:
    assert service.put("RU", "a", operation(priority=1)).status_code == 201
    accepted = service.put("US", "b", operation(priority=5, start_h=0.5))
    assert accepted.status_code == 201
    body = accepted.json()
    assert body["conflicts"][0]["verdict"] == "allowed"
    [notice] = body["notices"]
    assert notice["recipient"] == "RU" and notice["reasons"] == ["conflict"]
    assert notice["lead_time_s"] == pytest.approx(1800.0)
    assert notice["short_notice"] is True  # under the 60 min policy
    received = service.client.get("/v1/notices", headers=service.as_("RU")).json()["notices"]
    assert [n["id"] for n in received] == [notice["id"]]
    assert service.client.get("/v1/notices", headers=service.as_("TR")).json()["notices"] == []


def test_notice_answers(service: Service) -> None:
    service.put("RU", "a", operation(priority=1))
    notice = service.put("US", "b", operation(priority=5)).json()["notices"][0]
    base = f"/v1/notices/{notice['id']}"
    # Only the recipient may answer; to anyone else the notice does not exist.
    for party in ("US", "TR"):
        assert (
            service.client.post(f"{base}/acknowledge", headers=service.as_(party)).status_code
            == 404
        )
    ack = service.client.post(f"{base}/acknowledge", headers=service.as_("RU"))
    assert ack.status_code == 200 and ack.json()["notice"]["status"] == "acknowledged"
    no_reason = service.client.post(f"{base}/object", headers=service.as_("RU"))
    assert no_reason.status_code == 422
    objected = service.client.post(
        f"{base}/object", json={"reason": "our aircraft hold there"}, headers=service.as_("RU")
    )
    assert objected.status_code == 200
    assert objected.json()["notice"]["answer_reason"] == "our aircraft hold there"
    twice = service.client.post(f"{base}/accept", headers=service.as_("RU"))
    assert twice.status_code == 422
    kinds = [e["kind"] for e in events_of(service, "US") if e["kind"].startswith("notice")]
    assert kinds == ["notice.sent", "notice.acknowledged", "notice.objected"]
    assert (
        service.client.post("/v1/notices/999/accept", headers=service.as_("RU")).status_code == 404
    )


def test_visibility_of_other_parties_operations(service: Service) -> None:
    service.put("RU", "a", operation(priority=1, notes="RU only"))
    service.put("US", "b", operation(priority=5, notes="US only"))
    service.put("TR", "far", operation(lon=30.0, lat=39.0))
    ru = service.client.get("/v1/operations", headers=service.as_("RU")).json()["operations"]
    assert [(o["party"], o["id"]) for o in ru] == [("RU", "a"), ("US", "b")]
    assert ru[0]["notes"] == "RU only"
    assert "notes" not in ru[1]  # never another party's free text
    tr = service.client.get("/v1/operations", headers=service.as_("TR")).json()["operations"]
    assert [(o["party"], o["id"]) for o in tr] == [("TR", "far")]
    own = service.client.get("/v1/operations?own=true", headers=service.as_("RU")).json()
    assert [o["id"] for o in own["operations"]] == ["a"]
    # Events: TR saw nothing of RU's and US's operations.
    assert all(e["actor"] in ("TR", "admin") for e in events_of(service, "TR"))


def test_subscriptions_bring_notices(service: Service) -> None:
    made = service.client.post(
        "/v1/subscriptions", json={"volume": volume(radius="30NM")}, headers=service.as_("TR")
    )
    assert made.status_code == 201
    reply = service.put("RU", "a", operation())
    [notice] = reply.json()["notices"]
    assert (notice["recipient"], notice["reasons"]) == ("TR", ["subscription"])
    listed = service.client.get("/v1/subscriptions", headers=service.as_("TR")).json()
    assert [s["id"] for s in listed["subscriptions"]] == [made.json()["id"]]
    sub = f"/v1/subscriptions/{made.json()['id']}"
    assert service.client.delete(sub, headers=service.as_("RU")).status_code == 404
    assert service.client.delete(sub, headers=service.as_("TR")).status_code == 200
    assert service.put("RU", "b", operation()).json()["notices"] == []


def test_hotline_with_receipts(service: Service) -> None:
    sent = service.client.post(
        "/v1/messages",
        json={"to": "US", "text": "keep clear of Hama FL200-FL300", "reference": {"notice": 1}},
        headers=service.as_("RU"),
    )
    assert sent.status_code == 201
    message = sent.json()["message"]
    assert message["delivered_at"] is None
    thread = service.client.get("/v1/messages?with=RU", headers=service.as_("US")).json()
    assert thread["messages"][0]["delivered_at"] is not None
    assert (
        service.client.post(
            f"/v1/messages/{message['id']}/read", headers=service.as_("TR")
        ).status_code
        == 404
    )
    read = service.client.post(f"/v1/messages/{message['id']}/read", headers=service.as_("US"))
    assert read.json()["message"]["read_at"] is not None
    kinds = [e["kind"] for e in events_of(service, "RU") if e["kind"].startswith("message")]
    assert kinds == ["message.sent", "message.delivered", "message.read"]
    assert events_of(service, "TR") == [e for e in events_of(service, "TR") if e["actor"] != "RU"]
    for bad, path in (
        ({"to": "XX", "text": "hi"}, "$.to"),
        ({"to": "RU", "text": "hi"}, "$.to"),
        ({"to": "US", "text": ""}, "$.text"),
        ({"to": "US", "text": "hi", "reference": {"target": 1}}, "$.reference"),
        ({"to": "US", "text": "hi", "mission": "x"}, "$.mission"),
    ):
        reply = service.client.post("/v1/messages", json=bad, headers=service.as_("RU"))
        assert reply.status_code == 422 and reply.json()["errors"][0]["path"] == path


# -- bad input changes nothing ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"{", "application/json", 422),
        (b'{"priority": NaN, "volumes": []}', "application/json", 422),
        (b"[]", "application/json", 422),
        (json.dumps(operation()).encode(), "text/plain", 415),
        (b"{" + b" " * 2_100_000 + b"}", "application/json", 413),
    ],
)
def test_malformed_bodies(service: Service, content: bytes, content_type: str, status: int) -> None:
    before = count_events(service.coordinator.db)
    reply = service.client.put(
        "/v1/operations/x",
        content=content,
        headers={**service.as_("RU"), "Content-Type": content_type},
    )
    assert reply.status_code == status
    assert reply.headers["content-type"] == PROBLEM
    assert count_events(service.coordinator.db) == before


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"mission": "strike"}, "$.mission"),
        ({"priority": "high"}, "$.priority"),
        ({"volumes": [volume(lower="FL300", upper="FL100")]}, "$.volumes[0]"),
        ({"volumes": [volume(lat=95.0)]}, "$.volumes[0]"),
        ({"volumes": [volume(start_h=-5.0)]}, "$.volumes[0].time_end"),
        ({"state": "ended"}, "$.state"),
    ],
)
def test_invalid_operations_are_refused_with_the_path(
    service: Service, change: dict[str, Any], path: str
) -> None:
    reply = service.put("RU", "x", {**operation(), **change})
    assert reply.status_code == 422, reply.text
    assert any(e["path"].startswith(path) for e in reply.json()["errors"]), reply.json()
    assert service.client.get("/v1/operations/x", headers=service.as_("RU")).status_code == 404


def test_idempotency_keys(service: Service) -> None:
    headers = {**service.as_("RU"), "Idempotency-Key": "k1"}
    first = service.client.put("/v1/operations/a", json=operation(), headers=headers)
    again = service.client.put("/v1/operations/a", json=operation(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    versions = [e for e in events_of(service, "RU") if e["kind"] == "operation.created"]
    assert len(versions) == 1
    other = service.client.put("/v1/operations/a", json=operation(priority=3), headers=headers)
    assert other.status_code == 422 and "different request" in other.json()["detail"]


def test_restart_rebuilds_the_engines_from_the_store(service: Service) -> None:
    service.put("RU", "a", operation(priority=5))
    service.client.post(
        "/v1/subscriptions", json={"volume": volume(radius="30NM")}, headers=service.as_("TR")
    )
    restarted = Coordinator(service.coordinator.db, clock=service.clock)
    assert len(restarted.engine) == 1 and len(restarted.areas) == 1
    again = TestClient(create_app(restarted), raise_server_exceptions=False)
    refused = again.put("/v1/operations/b", json=operation(priority=1), headers=service.as_("US"))
    assert refused.status_code == 409


def test_unknown_routes_and_methods_are_problems(service: Service) -> None:
    missing = service.client.get("/v1/nothing", headers=service.as_("RU"))
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    wrong = service.client.patch("/v1/operations/x", headers=service.as_("RU"))
    assert wrong.status_code == 405 and wrong.headers["content-type"] == PROBLEM
    assert (
        service.client.get(
            "/v1/events?stream=false&after=-1", headers=service.as_("RU")
        ).status_code
        == 422
    )


def test_operations_entering_a_partys_airspace_notify_it(database: Database) -> None:
    svc = start_service(database, ["RU", "US", "TR"], airspace={"TR": ["TUR"]})
    inside = svc.put("RU", "kilis", operation(lon=37.12, lat=36.72, radius="3NM"))
    [notice] = inside.json()["notices"]
    assert (notice["recipient"], notice["reasons"]) == ("TR", ["airspace"])
    # Over Aleppo, ~50 km south of the border: Turkey is not concerned.
    away = svc.put("RU", "aleppo", operation(lon=37.16, lat=36.20, radius="5NM"))
    assert away.json()["notices"] == []
    # Centred in Syria but reaching across the border.
    reach = svc.put("RU", "reach", operation(lon=37.16, lat=36.55, radius="15NM"))
    assert [n["recipient"] for n in reach.json()["notices"]] == ["TR"]
    seen = svc.client.get("/v1/operations", headers=svc.as_("TR")).json()["operations"]
    assert sorted(o["id"] for o in seen) == ["kilis", "reach"]
    assert svc.client.get("/v1/operations", headers=svc.as_("US")).json()["operations"] == []
    # A party's own airspace never notifies itself.
    assert svc.put("TR", "home", operation(lon=32.85, lat=39.93)).json()["notices"] == []


def test_a_partys_wider_buffers_apply_to_its_pairs(database: Database) -> None:
    svc = start_service(database, ["RU", "US"])
    admin = {"Authorization": f"Bearer {svc.admin}"}
    wide = {"id": "NA", "buffers": {"lateral_m": 30_000.0, "time_s": 600.0}}
    assert svc.client.post("/v1/admin/parties", json=wide, headers=admin).status_code == 201
    svc.tokens["NA"] = svc.client.post("/v1/admin/parties/NA/tokens", headers=admin).json()["token"]
    # Two 5 NM circles ~0.3° apart (~27 km): clear of each other under the default 3 NM buffer,
    # in conflict under NA's 30 km.
    assert svc.put("NA", "n", operation(priority=5, radius="5NM")).status_code == 201
    near = operation(priority=1, radius="5NM", lon=36.7 + 0.35)
    assert svc.put("RU", "r", near).status_code == 409
    assert (
        svc.put(
            "US", "u", operation(priority=1, radius="5NM", lon=36.7 + 0.35, lat=36.7)
        ).status_code
        == 201
    )
    # Restarted, the rule still holds (it comes from the store).
    again = Coordinator(svc.coordinator.db, clock=svc.clock)
    pair = again.engine.buffers.between("NA", "RU")
    assert pair.lateral_m == 30_000.0 and pair.time_s == 600.0
