"""A real ``sharedsky serve`` on SQLite and Debian's chromium driven by Playwright, for the map
page's tests and its benchmark.

The browser is Debian's ``chromium`` (Playwright's own download cannot work offline). Without
it, or without the built page (``make web``), the tests skip, except under
``SHAREDSKY_REQUIRE_BROWSER=1`` (set by ``.ci/run``), where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from sharedsky.service.web_page import STATIC_DIR
from test_service_server import SCRIPT, cli, free_port

OUTPUT = Path(__file__).resolve().parent.parent / "test-output" / "web"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PARTIES = {"RU": ("Russian air group", ""), "US": ("Coalition", ""), "TR": ("Turkey", "TUR")}


def need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("SHAREDSKY_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} and SHAREDSKY_REQUIRE_BROWSER=1")
    pytest.skip(reason)


def chromium_path() -> str:
    found = shutil.which("chromium")
    need(found is not None, "no chromium on PATH (apt-get install chromium)")
    need((STATIC_DIR / "index.html").is_file(), "the map page is not built (make web)")
    assert found is not None
    return found


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Site:
    """A served database with parties RU, US and TR (TR owns Turkey's airspace)."""

    base: str
    tokens: dict[str, str]
    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def auth(self, party: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[party]}"}

    def call(self, method: str, path: str, party: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(
            method, f"{self.base}{path}", headers=self.auth(party), timeout=30, **kwargs
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(SCRIPT), "serve", "--port", str(self.port)],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"sharedsky serve did not start: {self.log.read_text()}")
            if self.process.poll() is not None:
                # After a restart the port can stay taken a moment longer: try again.
                time.sleep(1.0)
                self.process = subprocess.Popen(
                    [str(SCRIPT), "serve", "--port", str(self.port)],
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                    stderr=self.log.open("ab"),
                )
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


@contextmanager
def served_site(tmp: Path) -> Iterator[Site]:
    env = {**os.environ, "SHAREDSKY_DATABASE_URL": f"sqlite:///{tmp / 'map.db'}"}
    tokens = {}
    for party, (name, airspace) in PARTIES.items():
        args = ["admin", "create-party", party, "--name", name]
        if airspace:
            args += ["--airspace", airspace]
        cli(*args, env=env)
        tokens[party] = cli("admin", "issue-token", party, env=env)["token"]
    port = free_port()
    site = Site(f"http://127.0.0.1:{port}", tokens, env, port, tmp / "serve.log")
    site.start()
    try:
        yield site
    finally:
        site.stop()


def state(
    icao24: str,
    lon: float,
    lat: float,
    track: float,
    *,
    at: datetime | None = None,
    altitude: float = 30_000,
    speed: float = 400,
) -> dict[str, Any]:
    """A state vector now (the served site runs on the real clock)."""
    return {
        "icao24": icao24,
        "callsign": icao24.upper(),
        "timestamp": stamp(at or datetime.now(UTC)),
        "latitude": lat,
        "longitude": lon,
        "altitude": altitude,
        "groundspeed": speed,
        "track": track,
        "vertical_rate": 0,
    }


def circle_operation(
    lon: float, lat: float, *, priority: int, start_min: float, hours: float = 2.0
) -> dict[str, Any]:
    start = datetime.now(UTC) + timedelta(minutes=start_min)
    return {
        "priority": priority,
        "volumes": [
            {
                "footprint": {"type": "circle", "center": [lon, lat], "radius": "15NM"},
                "altitude_lower": "FL150",
                "altitude_upper": "FL300",
                "time_start": stamp(start),
                "time_end": stamp(start + timedelta(hours=hours)),
            }
        ],
    }
