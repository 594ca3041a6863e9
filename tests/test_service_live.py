"""Tracks in, alerts out: the live picture through the API (sweeps driven by the test)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from service_fixtures import Service, operation, start_service
from sharedsky.geo.ellipsoid import WGS84 as GEOD
from sharedsky.service.live import LivePicture
from sharedsky.store import Database


def stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def state(icao24: str, lon: float, track: float, at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "icao24": icao24,
        "callsign": icao24.upper(),
        "timestamp": stamp(at),
        "latitude": 35.0,
        "longitude": lon,
        "altitude": 30000,
        "groundspeed": 400,
        "track": track,
        "vertical_rate": 0,
        **extra,
    }


def live(svc: Service) -> LivePicture:
    picture: LivePicture = svc.client.app.state.live  # type: ignore[attr-defined]
    return picture


def post(svc: Service, party: str, *states: dict[str, Any]) -> Any:
    return svc.client.post("/v1/tracks", json={"states": list(states)}, headers=svc.as_(party))


def converge(svc: Service) -> None:
    """RU and US aircraft head-on at FL300, ~50 km apart at 800 kt: a loss in about 100 s."""
    now = svc.clock()
    assert post(svc, "RU", state("ru1", 36.0, 90.0, now)).status_code == 202
    assert post(svc, "US", state("us1", 36.55, 270.0, now)).status_code == 202


def events(svc: Service, party: str) -> list[dict[str, Any]]:
    return svc.client.get("/v1/events?stream=false", headers=svc.as_(party)).json()["events"]


def test_converging_aircraft_raise_an_alert_for_both_parties_only(service: Service) -> None:
    converge(service)
    assert live(service).tick() == 1
    for party in ("RU", "US"):
        [alert] = service.client.get("/v1/alerts", headers=service.as_(party)).json()["alerts"]
        assert alert["level"] == "CAUTION"
        assert {alert["a"]["party"], alert["b"]["party"]} == {"RU", "US"}
        assert 90 < alert["time_to_conflict_s"] < 110 and alert["h_min_m"] < 100
        kinds = [e["kind"] for e in events(service, party) if e["kind"].startswith("alert")]
        assert kinds == ["alert.raised"]
    assert service.client.get("/v1/alerts", headers=service.as_("TR")).json()["alerts"] == []
    assert not [e for e in events(service, "TR") if e["kind"].startswith("alert")]


def test_alert_escalates_then_ends(service: Service) -> None:
    converge(service)
    live(service).tick()
    moved = 400 * 1852 / 3600 * 45 / (111_320 * 0.8192)  # degrees of longitude in 45 s
    service.clock.advance(45)
    now = service.clock()
    post(service, "RU", state("ru1", 36.0 + moved, 90.0, now))
    post(service, "US", state("us1", 36.55 - moved, 270.0, now))
    live(service).tick()
    [alert] = service.client.get("/v1/alerts", headers=service.as_("RU")).json()["alerts"]
    assert alert["level"] == "WARNING"
    # The aircraft turn away, then the alert ends after its hold.
    now = service.clock()
    post(service, "RU", state("ru1", 36.2, 0.0, now, latitude=35.2))
    post(service, "US", state("us1", 36.35, 180.0, now, latitude=34.8))
    for _ in range(6):
        live(service).tick()
        service.clock.advance(1)
    assert service.client.get("/v1/alerts", headers=service.as_("RU")).json()["alerts"] == []
    kinds = [e["kind"] for e in events(service, "US") if e["kind"].startswith("alert")]
    assert kinds == ["alert.raised", "alert.updated", "alert.ended"]


def test_traffic_shows_others_only_while_in_an_alert(service: Service) -> None:
    now = service.clock()
    post(service, "RU", state("ru1", 36.0, 90.0, now))
    post(service, "US", state("us1", 40.0, 90.0, now))  # far away
    live(service).tick()
    ru = service.client.get("/v1/traffic", headers=service.as_("RU")).json()["aircraft"]
    assert [a["icao24"] for a in ru] == ["ru1"]
    post(service, "US", state("us1", 36.55, 270.0, now))
    live(service).tick()
    ru = service.client.get("/v1/traffic", headers=service.as_("RU")).json()["aircraft"]
    assert [(a["party"], a["icao24"]) for a in ru] == [("RU", "ru1"), ("US", "us1")]
    tr = service.client.get("/v1/traffic", headers=service.as_("TR")).json()["aircraft"]
    assert tr == []


def test_acknowledge_and_suppress(service: Service) -> None:
    converge(service)
    live(service).tick()
    [alert] = service.client.get("/v1/alerts", headers=service.as_("RU")).json()["alerts"]
    base = f"/v1/alerts/{alert['id']}"
    assert service.client.post(f"{base}/acknowledge", headers=service.as_("TR")).status_code == 404
    assert service.client.post(f"{base}/acknowledge", headers=service.as_("RU")).status_code == 200
    assert service.client.post(f"{base}/suppress", headers=service.as_("US")).status_code == 422
    suppressed = service.client.post(
        f"{base}/suppress", json={"reason": "visual contact"}, headers=service.as_("US")
    )
    assert suppressed.status_code == 200
    [seen] = service.client.get("/v1/alerts", headers=service.as_("US")).json()["alerts"]
    assert seen["suppressed"] == "visual contact"
    kinds = [e["kind"] for e in events(service, "RU") if e["kind"].startswith("alert")]
    assert kinds == ["alert.raised", "alert.acknowledged", "alert.suppressed"]
    # US suppressed it: the escalation reaches RU only.
    service.clock.advance(45)
    moved = 400 * 1852 / 3600 * 45 / (111_320 * 0.8192)
    post(service, "RU", state("ru1", 36.0 + moved, 90.0, service.clock()))
    post(service, "US", state("us1", 36.55 - moved, 270.0, service.clock()))
    live(service).tick()
    assert [e["kind"] for e in events(service, "US")][-1] == "alert.suppressed"
    assert [e["kind"] for e in events(service, "RU")][-1] == "alert.updated"
    assert (
        service.client.post("/v1/alerts/999/acknowledge", headers=service.as_("RU")).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("change", "path"),
    [
        ({"latitude": 95}, "$.states[0]"),
        ({"altitude": "high"}, "$.states[0].altitude"),
        ({"timestamp": "yesterday"}, "$.states[0].timestamp"),
        ({"timestamp": "2030-01-01T00:00:00Z"}, "$.states[0].timestamp"),
        ({"target": "x"}, "$.states[0].target"),
        ({"icao24": ""}, "$.states[0].icao24"),
    ],
)
def test_bad_tracks_are_refused_whole(service: Service, change: dict[str, Any], path: str) -> None:
    good = state("ru1", 36.0, 90.0, service.clock())
    reply = post(service, "RU", good, {**good, "icao24": "ru2", **change})
    assert reply.status_code == 422, reply.text
    assert any(e["path"].startswith(path.replace("[0]", "[1]")) for e in reply.json()["errors"])
    live(service).tick()
    assert service.client.get("/v1/traffic", headers=service.as_("RU")).json()["aircraft"] == []


def test_empty_and_oversized_batches(service: Service) -> None:
    assert (
        service.client.post(
            "/v1/tracks", json={"states": []}, headers=service.as_("RU")
        ).status_code
        == 422
    )
    assert service.client.post("/v1/tracks", json=[], headers=service.as_("RU")).status_code == 422


def test_restart_ends_alerts_left_open(database: Database) -> None:
    first = start_service(database, ["RU", "US"])
    converge(first)
    live(first).tick()
    again = LivePicture(first.coordinator)  # a new server process on the same database
    kinds = [e["kind"] for e in events(first, "RU") if e["kind"].startswith("alert")]
    assert kinds == ["alert.raised", "alert.ended"]
    assert events(first, "RU")[-1]["payload"]["alert"]["reason"] == "restart"
    assert again.alerts("RU") == []


def test_border_warnings_before_and_during_an_incursion(database: Database) -> None:
    """A RU aircraft flies from Aleppo towards Gaziantep, across the Syria–Turkey border,
    then turns back: TR and RU are warned at each grade, with its time; US hears nothing."""
    svc = start_service(database, ["RU", "US", "TR"], airspace={"TR": ["TUR"]})
    lon, lat, track = 37.16, 36.20, 12.0
    speed = 450 * 1852 / 3600
    for step in range(40):
        now = svc.clock()
        if step == 14:
            track = 192.0  # back to Syria
        post(svc, "RU", state("ru9", lon, track, now, latitude=lat, groundspeed=450))
        live(svc).tick()
        svc.clock.advance(20)
        lon, lat, _ = GEOD.fwd(lon, lat, track, speed * 20)
    tr = [e for e in events(svc, "TR") if e["kind"].startswith("border")]
    ru = [e for e in events(svc, "RU") if e["kind"].startswith("border")]
    assert [e["seq"] for e in tr] == [e["seq"] for e in ru]  # both parties, the same record
    grades = [(e["kind"], e["payload"]["grade"]) for e in tr]
    assert grades == [
        ("border.warning", "approaching"),
        ("border.warning", "imminent"),
        ("border.warning", "immediate"),
        ("border.entered", "inside"),
        ("border.clear", "clear"),
    ]
    first = tr[0]["payload"]
    assert first["airspace"]["code"] == "TUR" and first["airspace"]["owners"] == ["TR"]
    assert first["aircraft"] == {"party": "RU", "icao24": "ru9", "callsign": "RU9"}
    assert 180 < first["time_to_entry_s"] <= 300
    entered = tr[3]["payload"]
    assert entered["inside"] and entered["depth_m"] >= 0 and entered["time_inside_s"] >= 0
    assert not [e for e in events(svc, "US") if e["kind"].startswith("border")]


def test_the_airspace_owner_sees_the_intruder_while_it_lasts(database: Database) -> None:
    svc = start_service(database, ["RU", "TR"], airspace={"TR": ["TUR"]})
    post(svc, "RU", state("ru9", 37.16, 12.0, svc.clock(), latitude=36.5))
    live(svc).tick()
    seen = svc.client.get("/v1/traffic", headers=svc.as_("TR")).json()["aircraft"]
    assert [(a["party"], a["icao24"]) for a in seen] == [("RU", "ru9")]
    # Heading away, far from the border: no longer shown.
    post(svc, "RU", state("ru9", 37.16, 190.0, svc.clock(), latitude=35.0))
    live(svc).tick()
    assert svc.client.get("/v1/traffic", headers=svc.as_("TR")).json()["aircraft"] == []


def test_parties_declare_real_countries(service: Service) -> None:
    admin = {"Authorization": f"Bearer {service.admin}"}
    bad = service.client.post(
        "/v1/admin/parties", json={"id": "XX", "airspace": ["TUR", "Atlantis", 5]}, headers=admin
    )
    assert bad.status_code == 422
    assert [e["path"] for e in bad.json()["errors"]] == ["$.airspace[1]", "$.airspace[2]"]


def test_volume_entry_and_conformance_warnings(service: Service) -> None:
    svc = service
    body = {**operation(start_h=-0.5, lower="FL100", upper="FL300"), "state": "activated"}
    assert svc.put("RU", "cap", body).status_code == 201
    now = svc.clock()
    # A US aircraft at FL200 heading for RU's volume (10 NM around 36.7E 34.7N), ~9 km out.
    post(svc, "US", state("us5", 36.4, 90.0, now, latitude=34.7, altitude=20000))
    # A RU aircraft outside every active RU volume.
    post(svc, "RU", state("ru5", 35.5, 90.0, now, latitude=34.0, altitude=20000))
    live(svc).tick()
    us = [e for e in events(svc, "US") if e["kind"].startswith(("volume", "conformance"))]
    ru = [e for e in events(svc, "RU") if e["kind"].startswith(("volume", "conformance"))]
    assert [e["kind"] for e in us] == ["volume.warning"]
    assert us[0]["payload"]["operation"] == {"party": "RU", "id": "cap", "volume": 0}
    assert 0 < us[0]["payload"]["time_to_entry_s"] < 120
    assert sorted(e["kind"] for e in ru) == ["conformance.lost", "volume.warning"]
    lost = next(e for e in ru if e["kind"] == "conformance.lost")["payload"]
    assert lost["aircraft"]["icao24"] == "ru5" and lost["deviations"] == ["lateral"]
    assert not [e for e in events(svc, "TR") if e["kind"].startswith(("volume", "conformance"))]
    # The RU aircraft moves into its volume; the US one is inside RU's volume.
    svc.clock.advance(5)
    now = svc.clock()
    post(svc, "RU", state("ru5", 36.7, 90.0, now, latitude=34.7, altitude=20000))
    post(svc, "US", state("us5", 36.7, 90.0, now, latitude=34.75, altitude=22000))
    live(svc).tick()
    kinds = [e["kind"] for e in events(svc, "RU")][-2:]
    assert sorted(kinds) == ["conformance.restored", "volume.entered"]


def test_unanswered_notices_escalate_once(service: Service) -> None:
    service.put("RU", "a", operation(priority=1))
    [notice] = service.put("US", "b", operation(priority=5, start_h=3)).json()["notices"]
    service.clock.advance(600)
    live(service).tick()
    assert not [e for e in events(service, "RU") if e["kind"] == "notice.escalated"]
    service.clock.advance(301)
    live(service).tick()
    live(service).tick()
    escalated = [e for e in events(service, "US") if e["kind"] == "notice.escalated"]
    assert len(escalated) == 1
    assert escalated[0]["payload"]["notice"]["id"] == notice["id"]
    assert escalated[0]["payload"]["notice"]["escalated_at"] is not None
    # An acknowledged notice does not escalate.
    [other] = service.put("US", "c", operation(priority=5, start_h=3)).json()["notices"]
    service.client.post(f"/v1/notices/{other['id']}/acknowledge", headers=service.as_("RU"))
    service.clock.advance(2000)
    live(service).tick()
    ids = [
        e["payload"]["notice"]["id"]
        for e in events(service, "RU")
        if e["kind"] == "notice.escalated"
    ]
    assert ids == [notice["id"]]


def test_a_partys_wider_minima_apply_to_its_pairs(database: Database) -> None:
    svc = start_service(database, ["RU", "US", "TR"])
    admin = {"Authorization": f"Bearer {svc.admin}"}
    wide = {"id": "NA", "minima": {"hsep_m": 10 * 1852.0, "vsep_m": 2000 * 0.3048}}
    assert svc.client.post("/v1/admin/parties", json=wide, headers=admin).status_code == 201
    token = svc.client.post("/v1/admin/parties/NA/tokens", headers=admin).json()["token"]
    svc.tokens["NA"] = token
    now = svc.clock()
    # Side by side, same track, 8 NM apart: a loss under 10 NM minima, not under 5 NM.
    gap = 8 * 1852 / (111_320 * 0.8192)
    post(svc, "NA", state("na1", 36.0, 0.0, now))
    post(svc, "US", state("us1", 36.0 + gap, 0.0, now))
    post(svc, "TR", state("tr1", 38.0, 0.0, now))
    post(svc, "RU", state("ru1", 38.0 + gap, 0.0, now))
    live(svc).tick()
    [alert] = svc.client.get("/v1/alerts", headers=svc.as_("US")).json()["alerts"]
    assert {alert["a"]["party"], alert["b"]["party"]} == {"NA", "US"}
    assert svc.client.get("/v1/alerts", headers=svc.as_("TR")).json()["alerts"] == []


def test_track_stream_over_a_websocket(service: Service) -> None:
    with service.client.websocket_connect("/v1/tracks/stream") as socket:
        socket.send_text('{"token": "ssk_nope"}')
        assert socket.receive_json()["status"] == 401
    with service.client.websocket_connect("/v1/tracks/stream") as socket:
        socket.send_text(json.dumps({"token": service.tokens["RU"]}))
        assert socket.receive_json() == {"status": 200, "party": "RU"}
        now = service.clock()
        socket.send_text(json.dumps({"states": [state("ru1", 36.0, 90.0, now)]}))
        assert socket.receive_json() == {"status": 202, "accepted": 1}
        socket.send_text(json.dumps({"states": [state("ru2", 36.0, 90.0, now, latitude=99)]}))
        refused = socket.receive_json()
        assert refused["status"] == 422 and refused["errors"][0]["path"].startswith("$.states[0]")
        socket.send_text("{not json")
        assert socket.receive_json()["status"] == 422
    live(service).tick()
    seen = service.client.get("/v1/traffic", headers=service.as_("RU")).json()["aircraft"]
    assert [a["icao24"] for a in seen] == ["ru1"]


def test_a_bystander_sees_nothing_of_others_business(service: Service) -> None:
    """RU and US declare conflicting operations with notes, exchange notices and messages, fly
    into an alert and register a webhook; TR, a bystander, reads every endpoint and finds no
    trace of any of it (ids, free text, aircraft, callsigns)."""
    svc = service
    svc.put("RU", "ru-op-secret", operation(priority=1, notes="RU-NOTES-SECRET"))
    notice = svc.put("US", "us-op-secret", operation(priority=5, notes="US-NOTES")).json()
    svc.client.post(
        f"/v1/notices/{notice['notices'][0]['id']}/object",
        json={"reason": "RU-REASON-SECRET"},
        headers=svc.as_("RU"),
    )
    svc.client.post(
        "/v1/messages", json={"to": "US", "text": "HOTLINE-SECRET"}, headers=svc.as_("RU")
    )
    svc.client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/x"}, headers=svc.as_("RU"))
    converge(svc)
    live(svc).tick()
    reads = [
        "/v1/operations",
        "/v1/operations?own=true",
        "/v1/notices",
        "/v1/notices?direction=sent",
        "/v1/messages?with=RU",
        "/v1/messages?with=US",
        "/v1/alerts",
        "/v1/traffic",
        "/v1/subscriptions",
        "/v1/webhooks",
        "/v1/events?stream=false",
    ]
    secrets = ["ru-op-secret", "us-op-secret", "NOTES", "REASON", "HOTLINE", "ru1", "us1", "9/x"]
    for path in reads:
        reply = svc.client.get(path, headers=svc.as_("TR"))
        assert reply.status_code == 200, path
        text = reply.text
        assert not [s for s in secrets if s in text], (path, text[:400])
    # And the parties themselves see each other's free text nowhere.
    us_view = svc.client.get("/v1/operations", headers=svc.as_("US")).text
    assert "RU-NOTES-SECRET" not in us_view
    us_events = svc.client.get("/v1/events?stream=false", headers=svc.as_("US")).text
    assert "RU-NOTES-SECRET" not in us_events and "9/x" not in us_events
