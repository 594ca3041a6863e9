"""``sharedsky replay``: recorded tracks posted by each party's own client, re-stamped on the
real clock, at the chosen speed (a MockTransport stands in for the server); bad input fails
in one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from sharedsky.cli import app
from sharedsky.sim import PartyRule, replay_tracks, synthetic_traffic
from sharedsky.sim.replay import read_tracks


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def test_replay_maps_aircraft_to_parties_and_restamps(tmp_path: Path) -> None:
    frame = synthetic_traffic(aircraft=6, area=(35.0, 34.0, 38.0, 37.0), duration_s=20, seed=2)
    frame["callsign"] = ["RUS1", "RUS2", "USA1", "USA2", "TUR1", "XXX1"] * (len(frame) // 6)
    path = tmp_path / "tracks.csv"
    frame.to_csv(path, index=False)
    posts: list[tuple[str, dict[str, Any]]] = []
    clock = FakeClock()

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/v1/tracks"
        posts.append((request.headers["authorization"], json.loads(request.content)))
        return httpx.Response(202, json={"accepted": 1})

    rule = PartyRule.parse(["RUS=RU", "USA=US", "TUR=TR"])
    report = replay_tracks(
        read_tracks(path),
        "http://server",
        tokens={"RU": "t-ru", "US": "t-us", "TR": "t-tr"},
        rule=rule,
        speed=5.0,
        clock=clock,
        sleep=clock.sleep,
        transport=httpx.MockTransport(handler),
    )
    assert report.aircraft == {"RU": 2, "US": 2, "TR": 1}
    assert report.left_out == 1
    # 20 recorded seconds at ×5: 4 wall seconds, a post per party per wall second (5 ticks).
    assert len(posts) == 15
    by_token: dict[str, set[str]] = {}
    for token, body in posts:
        by_token.setdefault(token, set()).update(s["callsign"] for s in body["states"])
        assert {s["timestamp"] for s in body["states"]} <= {
            round(1_700_000_000.0 + k, 3) for k in range(6)
        }
    assert by_token == {
        "Bearer t-ru": {"RUS1", "RUS2"},
        "Bearer t-us": {"USA1", "USA2"},
        "Bearer t-tr": {"TUR1"},
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["replay", "none.csv", "--server", "http://x", "--token-for", "RU=t"], "no such file"),
        (["replay", "none.csv", "--server", "http://x", "--token-for", "RU"], "PARTY=TOKEN"),
        (["replay", "none.csv", "--server", "http://x", "--token-for", "RU=t",
          "--party-rule", "RUS"], "PREFIX=PARTY"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("sharedsky: error:"), result.output
    assert message in lines[0]
