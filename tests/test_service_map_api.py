"""The API the map page needs: the party and the directory, operations as GeoJSON, outlines
of drafts, a check that stores nothing, alert positions, and the page's own files."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service_fixtures import Service, operation, start_service, volume
from sharedsky.service import create_app
from test_service_live import converge, live

PROBLEM = "application/problem+json"

MAP_ROUTES = [
    ("GET", "/v1/party"),
    ("GET", "/v1/parties"),
    ("GET", "/v1/map/operations"),
    ("POST", "/v1/map/outlines"),
    ("POST", "/v1/operations/x/check"),
]


def event_count(svc: Service, party: str) -> int:
    page = svc.client.get("/v1/events?stream=false", headers=svc.as_(party)).json()
    return len(page["events"])


@pytest.mark.parametrize(("method", "path"), MAP_ROUTES)
def test_map_routes_need_a_party_token(service: Service, method: str, path: str) -> None:
    for headers in ({}, {"Authorization": "Bearer ssk_0000000000000000_" + "A" * 43}):
        reply = service.client.request(method, path, headers=headers)
        assert reply.status_code == 401, (method, path)
        assert reply.headers["content-type"] == PROBLEM
    admin = {"Authorization": f"Bearer {service.admin}"}
    assert service.client.request(method, path, headers=admin).status_code == 403


def test_the_party_and_the_directory(database: Any) -> None:
    svc = start_service(database, ["RU", "TR"], airspace={"TR": ["TUR"]})
    me = svc.client.get("/v1/party", headers=svc.as_("TR")).json()
    assert me["id"] == "TR" and me["name"] == "party TR" and me["airspace"] == ["TUR"]
    assert set(me) == {"id", "name", "airspace", "buffers", "minima"}
    parties = svc.client.get("/v1/parties", headers=svc.as_("RU")).json()["parties"]
    assert parties == [
        {"id": "RU", "name": "party RU", "airspace": []},
        {"id": "TR", "name": "party TR", "airspace": ["TUR"]},
    ]


def test_map_operations_are_what_the_party_may_see_as_features(service: Service) -> None:
    svc = service
    assert svc.put("RU", "ru-op", operation(priority=1, notes="RU-SECRET")).status_code == 201
    assert svc.put("US", "us-op", operation(priority=5, notes="US-SECRET")).status_code == 201
    corridor = {
        "priority": 0,
        "volumes": [
            {
                **volume(lon=30.0, lat=30.0),
                "footprint": {
                    "type": "corridor",
                    "centerline": [[30.0, 30.0], [31.0, 30.5]],
                    "width": "10NM",
                },
            }
        ],
    }
    assert svc.put("TR", "tr-far", corridor).status_code == 201
    ru = svc.client.get("/v1/map/operations", headers=svc.as_("RU")).json()
    assert ru["type"] == "FeatureCollection"
    seen = {(f["properties"]["party"], f["properties"]["id"]) for f in ru["features"]}
    assert seen == {("RU", "ru-op"), ("US", "us-op")}
    assert "SECRET" not in str(ru)
    own = next(f for f in ru["features"] if f["properties"]["party"] == "RU")
    props = own["properties"]
    assert props["own"] is True and props["footprint"] == "circle" and props["volume"] == 0
    assert props["lower"] == "FL100" and props["upper"] == "FL300"
    assert props["lower_m"] == pytest.approx(3048.0) and props["reference"] == "MSL"
    assert props["state"] == "accepted" and props["version"] == 1
    other = next(f for f in ru["features"] if f["properties"]["party"] == "US")
    assert other["properties"]["own"] is False
    [ring] = own["geometry"]["coordinates"]
    lats = [p[1] for p in ring]
    # A 10 NM circle at 34.7° N spans 2 × 18.52 km ≈ 0.334° of latitude.
    assert max(lats) - min(lats) == pytest.approx(0.334, abs=0.002)
    tr = svc.client.get("/v1/map/operations", headers=svc.as_("TR")).json()
    assert [f["properties"]["id"] for f in tr["features"]] == ["tr-far"]
    assert tr["features"][0]["properties"]["footprint"] == "corridor"
    # The time filter: nothing of these starts before the clock plus an hour.
    early = svc.client.get(
        "/v1/map/operations",
        params={"start": "2026-11-25T10:00:00Z", "end": "2026-11-25T13:00:00Z"},
        headers=svc.as_("RU"),
    )
    assert early.json()["features"] == []
    backwards = svc.client.get(
        "/v1/map/operations",
        params={"start": "2026-11-25T13:00:00Z", "end": "2026-11-25T10:00:00Z"},
        headers=svc.as_("RU"),
    )
    assert backwards.status_code == 422 and backwards.headers["content-type"] == PROBLEM


def test_a_check_tells_what_a_write_would_meet_and_stores_nothing(service: Service) -> None:
    svc = service
    assert svc.put("US", "us-op", operation(priority=5)).status_code == 201
    before = event_count(svc, "RU"), event_count(svc, "US")
    reply = svc.client.post(
        "/v1/operations/ru-op/check", json=operation(priority=1), headers=svc.as_("RU")
    )
    assert reply.status_code == 200
    body = reply.json()
    assert body["refused"] is True
    assert [c["other"]["id"] for c in body["conflicts"]] == ["us-op"]
    assert body["hints"]["time_shift_s"] is not None or body["hints"]["altitude_shift_m"]
    assert body["outlines"]["features"][0]["properties"]["footprint"] == "circle"
    clear = svc.client.post(
        "/v1/operations/ru-op/check",
        json=operation(priority=1, lon=20.0, lat=20.0),
        headers=svc.as_("RU"),
    ).json()
    assert clear == {**clear, "refused": False, "conflicts": [], "hints": None}
    assert (event_count(svc, "RU"), event_count(svc, "US")) == before
    assert svc.client.get("/v1/operations/ru-op", headers=svc.as_("RU")).status_code == 404
    # What the PUT would say is what the check said.
    put = svc.put("RU", "ru-op", operation(priority=1))
    assert put.status_code == 409
    assert put.json()["conflicts"] == body["conflicts"] and put.json()["hints"] == body["hints"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"priority": 1, "volumes": [volume(lower="FL300", upper="FL100")]}, "altitude_upper"),
        ({"priority": 1, "volumes": [volume(lat=95.0)]}, "footprint"),
        ({"priority": 1, "volumes": [], "colour": "red"}, "$.colour"),
        ([1, 2], "$"),
    ],
)
def test_a_bad_check_is_a_problem_naming_the_field(service: Service, body: Any, path: str) -> None:
    reply = service.client.post("/v1/operations/x/check", json=body, headers=service.as_("RU"))
    assert reply.status_code == 422 and reply.headers["content-type"] == PROBLEM
    assert any(path in e["path"] for e in reply.json()["errors"]), reply.json()


def test_outlines_of_drafts_and_past_versions(service: Service) -> None:
    svc = service
    past = volume(start_h=-30.0, hours=2.0)
    polygon = {
        **volume(),
        "footprint": {
            "type": "polygon",
            "coordinates": [[[179.9, 10.0], [-179.9, 10.0], [-179.9, 10.2], [179.9, 10.2]]],
        },
    }
    reply = svc.client.post(
        "/v1/map/outlines", json={"volumes": [past, polygon]}, headers=svc.as_("RU")
    )
    assert reply.status_code == 200, reply.text
    first, second = reply.json()["features"]
    assert first["properties"]["time_end"] < "2026-11-25T12:00:00Z"
    [ring] = second["geometry"]["coordinates"]
    lons = [p[0] for p in ring]
    # Across the antimeridian the ring is continuous: it runs past 180, it does not wrap.
    assert max(abs(a - b) for a, b in itertools.pairwise(lons)) < 1.0
    assert min(lons) == pytest.approx(179.9, abs=1e-6)
    assert max(lons) == pytest.approx(180.1, abs=1e-6)
    for bad, where in [
        ({"volumes": []}, "$.volumes"),
        ({"volumes": [volume(radius="-1NM")]}, "$.volumes[0]"),
        ({"shapes": []}, "$"),
        ({"volumes": [volume()] * 101}, "$.volumes"),
    ]:
        refused = svc.client.post("/v1/map/outlines", json=bad, headers=svc.as_("RU"))
        assert refused.status_code == 422, bad
        assert any(e["path"].startswith(where) for e in refused.json()["errors"])


def test_alerts_carry_where_each_aircraft_was(service: Service) -> None:
    converge(service)
    live(service).tick()
    [alert] = service.client.get("/v1/alerts", headers=service.as_("RU")).json()["alerts"]
    sides = {alert["a"]["icao24"]: alert["a"], alert["b"]["icao24"]: alert["b"]}
    assert sides["ru1"]["lat"] == 35.0 and sides["ru1"]["lon"] == 36.0
    assert sides["ru1"]["altitude_ft"] == 30_000
    page = service.client.get("/v1/events?stream=false", headers=service.as_("US")).json()
    [raised] = [e for e in page["events"] if e["kind"] == "alert.raised"]
    recorded = {
        s["icao24"]: s for s in (raised["payload"]["alert"]["a"], raised["payload"]["alert"]["b"])
    }
    # Swept at the reports' own time: where the reports put them.
    assert recorded["us1"]["lon"] == pytest.approx(36.55, abs=1e-6)
    assert recorded["us1"]["lat"] == pytest.approx(35.0, abs=1e-6)
    assert recorded["us1"]["altitude_ft"] == 30_000


def test_a_bystander_finds_nothing_in_the_map_routes(service: Service) -> None:
    svc = service
    svc.put("RU", "ru-op-secret", operation(priority=1, notes="RU-NOTES-SECRET"))
    svc.put("US", "us-op-secret", operation(priority=5, notes="US-NOTES"))
    text = svc.client.get("/v1/map/operations", headers=svc.as_("TR")).text
    assert "secret" not in text.lower()
    directory = svc.client.get("/v1/parties", headers=svc.as_("TR")).text
    assert "secret" not in directory.lower()


# -- the page's files --------------------------------------------------------------------------


@pytest.fixture
def page_client(service: Service) -> Callable[[Path], TestClient]:
    def client(static: Path) -> TestClient:
        app = create_app(service.coordinator, tick_s=None, static_dir=static)
        return TestClient(app, raise_server_exceptions=False)

    return client


def test_the_page_is_served_with_a_strict_policy(page_client: Any, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html><title>sharedsky</title>")
    (tmp_path / "app.js").write_text("export {};")
    client = page_client(tmp_path)
    page = client.get("/")
    assert page.status_code == 200 and "sharedsky" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    script = client.get("/static/app.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith(
        "text/javascript"
    )
    for bad in ["/static/missing.js", "/static/..%2Fsecret", "/static/.hidden", "/static/a/b.js"]:
        assert client.get(bad).status_code == 404, bad


def test_an_unbuilt_page_says_how_to_build_it(page_client: Any, tmp_path: Path) -> None:
    reply = page_client(tmp_path / "nowhere").get("/")
    assert reply.status_code == 503 and reply.headers["content-type"] == PROBLEM
    assert "make web" in reply.json()["detail"]


def test_the_borders_need_no_token(page_client: Any, tmp_path: Path) -> None:
    reply = page_client(tmp_path).get("/map/countries.geojson")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/geo+json")
    names = {f["properties"]["iso_a3"] for f in reply.json()["features"]}
    assert {"SYR", "TUR"} <= names
