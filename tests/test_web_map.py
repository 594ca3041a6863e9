"""The map page in a real browser (Debian's chromium, driven by Playwright) against a real
``sharedsky serve`` on SQLite: sign-in, live aircraft and alerts, notices, drawing and
submitting an operation, the hotline between two parties, need-to-know, layout and keyboard.

Screenshots land in ``test-output/web/``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from sharedsky.geo import WGS84
from web_fixtures import (
    CHROMIUM_FLAGS,
    OUTPUT,
    Site,
    chromium_path,
    circle_operation,
    served_site,
    state,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    chromium_path()
    with served_site(tmp_path_factory.mktemp("map")) as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = chromium_path()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport={"width": 1366, "height": 768})
    yield made
    made.close()


class Flyer:
    """Reports aircraft of a party every second along their tracks, as a real feed would."""

    def __init__(self, site: Site, party: str, aircraft: list[dict[str, Any]]) -> None:
        self.site, self.party, self.aircraft = site, party, aircraft
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.time()

    def positions(self) -> list[dict[str, Any]]:
        elapsed = time.time() - self._started
        out = []
        for a in self.aircraft:
            metres = a["speed"] * 1852 / 3600 * elapsed
            lon, lat, _ = WGS84.fwd(a["lon"], a["lat"], a["track"], metres)
            out.append(state(a["icao24"], float(lon), float(lat), a["track"], speed=a["speed"]))
        return out

    def post_once(self) -> None:
        reply = self.site.call("POST", "/v1/tracks", self.party, json={"states": self.positions()})
        assert reply.status_code == 202, reply.text

    def _run(self) -> None:
        while not self._stop.wait(1.0):
            self.post_once()

    def __enter__(self) -> Flyer:
        self.post_once()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def aircraft(icao24: str, lon: float, lat: float, track: float, speed: float = 400) -> Any:
    return {"icao24": icao24, "lon": lon, "lat": lat, "track": track, "speed": speed}


def sign_in(context: BrowserContext, site: Site, party: str) -> Page:
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.on("pageerror", lambda e: failed.append(f"page error: {e}"))
    page.goto(site.base + "/")
    page.fill("#token", site.tokens[party])
    page.click("#signin-submit")
    page.wait_for_selector(f"body[data-party='{party}']", timeout=30_000)
    page.wait_for_selector("body[data-map-ready='1']", timeout=60_000)
    page.wait_for_selector("body[data-stream='open']", timeout=30_000)
    assert site.tokens[party] not in page.url
    page.failed = failed  # type: ignore[attr-defined]
    return page


def snapshot(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate("window.sharedsky.snapshot()")
    return found


def wait_for(page: Page, predicate: str, timeout_ms: int = 15_000) -> None:
    """Wait until ``predicate`` (JavaScript over ``s``, the page's snapshot) is true."""
    page.wait_for_function(
        f"() => {{ const s = window.sharedsky.snapshot(); return {predicate}; }}",
        timeout=timeout_ms,
    )


def tab(page: Page, name: str) -> None:
    page.click(f"button[data-tab='{name}']")


def shot(page: Page, name: str) -> Path:
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path))
    return path


# -- tests ------------------------------------------------------------------------------------


def test_a_wrong_token_is_refused_and_a_right_one_kept_out_of_the_url(
    context: BrowserContext, site: Site
) -> None:
    page = context.new_page()
    page.goto(site.base + "/")
    page.fill("#token", "ssk_0000000000000000_" + "A" * 43)
    page.click("#signin-submit")
    page.wait_for_function("() => document.querySelector('#signin-error').textContent.length > 0")
    assert page.get_attribute("body", "data-party") in (None, "")
    page.close()
    page = sign_in(context, site, "RU")
    assert page.evaluate("Object.values(sessionStorage).join()").find(site.tokens["RU"]) >= 0
    assert page.evaluate("localStorage.length") == 0
    assert site.tokens["RU"] not in page.url
    assert "Russian air group" in page.inner_text("#party-name")
    # Nothing but this server was asked for anything (no tiles, fonts or CDNs).
    assert page.failed == []  # type: ignore[attr-defined]
    page.click("#signout")
    page.wait_for_selector("#signin", state="visible")
    assert page.evaluate("sessionStorage.length") == 0


def test_aircraft_appear_and_a_conflict_is_alerted_on_the_map_and_in_the_list(
    context: BrowserContext, site: Site
) -> None:
    page = sign_in(context, site, "RU")
    ru = [aircraft("ru101", 36.0, 35.0, 90.0)]
    us = [aircraft("us101", 36.55, 35.0, 270.0)]
    with Flyer(site, "RU", ru), Flyer(site, "US", us):
        wait_for(page, "s.aircraft.some(a => a.icao24 === 'ru101')")
        posted = time.monotonic()
        wait_for(page, "s.alerts.length > 0", timeout_ms=10_000)
        seen_after_s = time.monotonic() - posted
        page.wait_for_selector("#alerts li[data-alert-id]")
        snap = snapshot(page)
        [alert] = [a for a in snap["alerts"] if "us101" in str(a)]
        # While in an alert the other party's aircraft is shown, and only then.
        assert any(a["icao24"] == "us101" for a in snap["aircraft"])
        shot(page, "alert")
        # The alert reaches the page within the 2 s the issue asks for (the bench measures
        # the distribution; here one generous bound against a stuck page).
        assert seen_after_s < 10.0
        item = page.locator(f"#alerts li[data-alert-id='{alert['id']}']")
        item.locator("button.ack").click()
        wait_for(page, f"s.alerts.some(a => a.id === {alert['id']} && a.acknowledged)")
        served = site.call("GET", "/v1/alerts", "RU").json()["alerts"]
        assert [a["acknowledged"] for a in served if a["id"] == alert["id"]] == [True]
        # Suppressing needs a reason: an empty one is refused by the page, nothing is sent.
        item.locator("button.suppress").click()
        item.locator("input.reason").fill("")
        item.locator("button.confirm-suppress").click()
        served = site.call("GET", "/v1/alerts", "RU").json()["alerts"]
        assert [a["suppressed"] for a in served if a["id"] == alert["id"]] == [None]
        item.locator("input.reason").fill("visual contact, passing behind")
        item.locator("button.confirm-suppress").click()
        wait_for(page, f"s.alerts.some(a => a.id === {alert['id']} && a.suppressed)")
        served = site.call("GET", "/v1/alerts", "RU").json()["alerts"]
        assert [a["suppressed"] for a in served if a["id"] == alert["id"]] == [
            "visual contact, passing behind"
        ]


def test_a_notice_is_answered_and_the_sender_sees_the_answer(browser: Browser, site: Site) -> None:
    ru_context = browser.new_context(viewport={"width": 1366, "height": 768})
    us_context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        ru = sign_in(ru_context, site, "RU")
        us = sign_in(us_context, site, "US")
        assert (
            site.call(
                "PUT",
                "/v1/operations/ru-notice",
                "RU",
                json=circle_operation(38.0, 36.0, priority=1, start_min=30),
            ).status_code
            == 201
        )
        put = site.call(
            "PUT",
            "/v1/operations/us-notice",
            "US",
            json=circle_operation(38.1, 36.0, priority=5, start_min=30),
        )
        assert put.status_code == 201, put.text
        [notice] = [n for n in put.json()["notices"] if n["recipient"] == "RU"]
        tab(ru, "notices")
        item = ru.locator(f"#notices li[data-notice-id='{notice['id']}']")
        item.wait_for(timeout=15_000)
        assert item.locator(".short-notice").count() == 1  # 30 minutes' notice, under 60
        item.locator("button.acknowledge").click()
        wait_for(ru, f"s.notices.some(n => n.id === {notice['id']} && n.status === 'acknowledged')")
        served = site.call("GET", "/v1/notices", "RU").json()["notices"]
        assert [n["status"] for n in served if n["id"] == notice["id"]] == ["acknowledged"]
        # The objection needs a reason; the sender's outbox shows it arrive.
        item.locator("button.object").click()
        item.locator("input.reason").fill("conflicts with our declared area; please move east")
        item.locator("button.confirm-object").click()
        tab(us, "notices")
        sent = us.locator(f"#notices-sent li[data-notice-id='{notice['id']}'] .status")
        sent.wait_for(timeout=15_000)
        us.wait_for_function(
            "() => document.querySelector("
            f"\"#notices-sent li[data-notice-id='{notice['id']}'] .status\")"
            ".textContent.includes('objected')",
            timeout=15_000,
        )
        served = site.call("GET", "/v1/notices?direction=sent", "US").json()["notices"]
        assert [n["status"] for n in served if n["id"] == notice["id"]] == ["objected"]
        # The other party's operation is drawn for RU (it concerns RU), without free text.
        wait_for(ru, "s.operations.some(o => o.party === 'US' && o.id === 'us-notice')")
        shot(ru, "notices")
    finally:
        ru_context.close()
        us_context.close()


def click_at(page: Page, lon: float, lat: float, *, double: bool = False) -> None:
    point = page.evaluate(
        "([lon, lat]) => { const p = window.sharedsky.map.project([lon, lat]);"
        " const r = window.sharedsky.map.getCanvas().getBoundingClientRect();"
        " return [r.left + p.x, r.top + p.y]; }",
        [lon, lat],
    )
    if double:
        page.mouse.dblclick(point[0], point[1])
    else:
        page.mouse.click(point[0], point[1])


def test_draw_check_and_submit_an_operation(context: BrowserContext, site: Site) -> None:
    assert (
        site.call(
            "PUT",
            "/v1/operations/us-block",
            "US",
            json=circle_operation(37.0, 34.0, priority=9, start_min=90),
        ).status_code
        == 201
    )
    page = sign_in(context, site, "RU")
    page.evaluate("window.sharedsky.map.jumpTo({center: [37.0, 34.0], zoom: 7})")
    page.wait_for_timeout(500)
    tab(page, "declare")
    page.click("#draw-polygon")
    for lon, lat in [(36.8, 33.8), (37.2, 33.8), (37.2, 34.2), (36.8, 34.2)]:
        click_at(page, lon, lat)
    page.click("#finish-draw")
    start = datetime.now(UTC).replace(second=0, microsecond=0)
    page.fill("#op-id", "ru-drawn")
    page.fill("#op-priority", "1")
    page.fill("#alt-lower", "150")
    page.fill("#alt-upper", "250")
    page.fill("#time-start", f"{start.replace(hour=(start.hour + 2) % 24):%Y-%m-%dT%H:%M}Z")
    page.fill("#time-end", f"{start.replace(hour=(start.hour + 4) % 24):%Y-%m-%dT%H:%M}Z")
    if start.hour >= 20:
        pytest.skip("the fixed +2 h/+4 h window would wrap past midnight")
    page.click("#check-op")
    page.wait_for_function(
        "() => document.querySelector('#check-result').textContent.includes('refused')"
    )
    assert page.locator("#check-result li.conflict").count() >= 1
    # The check stored nothing.
    assert site.call("GET", "/v1/operations/ru-drawn", "RU").status_code == 404
    shot(page, "declare-refused")
    # Move it clear of the coalition's volume and submit.
    page.click("#clear-draw")
    page.click("#draw-circle")
    click_at(page, 35.5, 33.0)
    page.fill("#radius-nm", "8")
    page.click("#check-op")
    page.wait_for_function(
        "() => !document.querySelector('#check-result').textContent.includes('refused')"
        " && document.querySelector('#check-result').textContent.length > 0"
    )
    page.click("#submit-op")
    page.wait_for_function("() => document.querySelector('#submit-result').textContent.length > 0")
    stored = site.call("GET", "/v1/operations/ru-drawn", "RU")
    assert stored.status_code == 200, page.inner_text("#submit-result")
    footprint = stored.json()["volumes"][0]["footprint"]
    assert footprint["type"] == "circle"
    assert footprint["center"][0] == pytest.approx(35.5, abs=0.05)
    wait_for(page, "s.operations.some(o => o.party === 'RU' && o.id === 'ru-drawn')")


def test_hotline_between_two_parties_with_receipts(browser: Browser, site: Site) -> None:
    ru_context = browser.new_context(viewport={"width": 1366, "height": 768})
    us_context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        ru = sign_in(ru_context, site, "RU")
        us = sign_in(us_context, site, "US")
        tab(ru, "hotline")
        ru.select_option("#chat-with", "US")
        ru.fill("#chat-text", "Request you keep clear north of 35N until 1400Z")
        ru.click("#chat-send")
        mine = ru.locator("#chat-log li[data-message-id]").last
        mine.wait_for()
        message_id = mine.get_attribute("data-message-id")
        tab(us, "hotline")
        us.select_option("#chat-with", "RU")
        us.locator(f"#chat-log li[data-message-id='{message_id}']").wait_for(timeout=15_000)
        assert "keep clear north" in us.inner_text("#chat-log")
        ru.wait_for_function(
            "() => document.querySelector("
            f"\"#chat-log li[data-message-id='{message_id}'] .receipt\")"
            ".textContent.includes('read')",
            timeout=15_000,
        )
        us.fill("#chat-text", "Copied, keeping clear")
        us.click("#chat-send")
        ru.wait_for_function(
            "() => document.querySelector('#chat-log').textContent"
            ".includes('Copied, keeping clear')",
            timeout=15_000,
        )
        shot(ru, "hotline")
    finally:
        ru_context.close()
        us_context.close()


def test_a_bystander_sees_nothing_of_the_others(context: BrowserContext, site: Site) -> None:
    assert (
        site.call(
            "PUT",
            "/v1/operations/ru-private",
            "RU",
            json={
                **circle_operation(42.0, 33.0, priority=1, start_min=120),
                "notes": "RU-PRIVATE-NOTE",
            },
        ).status_code
        == 201
    )
    page = sign_in(context, site, "TR")
    with Flyer(site, "RU", [aircraft("ru301", 42.0, 33.0, 180.0)]):
        page.wait_for_timeout(3_000)
        snap = snapshot(page)
    assert not [a for a in snap["aircraft"] if a["party"] != "TR"]
    assert not [o for o in snap["operations"] if o["party"] != "TR"]
    assert snap["alerts"] == []
    text = page.content()
    for secret in ("ru-private", "RU-PRIVATE-NOTE", "ru301", "RU301"):
        assert secret not in text


def test_a_flight_towards_turkey_is_warned_to_its_party_and_to_turkey(
    browser: Browser, site: Site
) -> None:
    tr_context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        tr = sign_in(tr_context, site, "TR")
        # Aleppo towards Gaziantep at 450 kt: the border is about 60 km ahead.
        with Flyer(site, "RU", [aircraft("ru401", 37.16, 36.20, 10.0, speed=450)]):
            wait_for(tr, "s.borderWarnings.some(w => JSON.stringify(w).includes('ru401'))", 20_000)
            wait_for(tr, "s.aircraft.some(a => a.icao24 === 'ru401')")
            tab(tr, "alerts")
            assert tr.locator("#border-warnings li").count() >= 1
            shot(tr, "border-warning")
    finally:
        tr_context.close()


@pytest.mark.parametrize("size", [(1366, 768), (3840, 2160)])
def test_readable_and_keyboard_reachable(
    browser: Browser, site: Site, size: tuple[int, int]
) -> None:
    width, height = size
    made = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = made.new_page()
        page.goto(site.base + "/")
        # The sign-in is reachable by keyboard alone.
        page.keyboard.press("Tab")
        for _ in range(5):
            if page.evaluate("document.activeElement.id") == "token":
                break
            page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "token"
        page.keyboard.type(site.tokens["RU"])
        page.keyboard.press("Enter")
        page.wait_for_selector("body[data-party='RU']", timeout=30_000)
        page.wait_for_selector("body[data-map-ready='1']", timeout=60_000)
        # No horizontal overflow, and text large enough to read at this size.
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        font_px = page.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('#alerts-sort')).fontSize)"
        )
        assert font_px >= (12 if width < 2000 else 18)
        # Every panel's tab can be reached and opened from the keyboard.
        for name in ("alerts", "notices", "declare", "hotline", "replay"):
            button = page.locator(f"button[data-tab='{name}']")
            button.focus()
            page.keyboard.press("Enter")
            assert button.get_attribute("aria-selected") == "true"
        focusable = page.evaluate(
            "[...document.querySelectorAll('#side button, #side input, #side select')]"
            ".filter(e => e.offsetParent !== null && e.tabIndex < 0"
            " && !e.closest('[role=tablist]')).length"
        )
        assert focusable == 0
        shot(page, f"layout-{width}x{height}")
    finally:
        made.close()


def test_the_stream_resumes_after_the_server_restarts(context: BrowserContext, site: Site) -> None:
    page = sign_in(context, site, "RU")
    before = snapshot(page)["lastEventId"]
    site.stop()
    page.wait_for_selector("body:not([data-stream='open'])", timeout=30_000)
    site.start()
    # Written before the page is back: it must still arrive, through Last-Event-ID.
    put = site.call(
        "PUT",
        "/v1/operations/ru-after-restart",
        "RU",
        json=circle_operation(40.0, 36.5, priority=1, start_min=200),
    )
    assert put.status_code == 201, put.text
    page.wait_for_selector("body[data-stream='open']", timeout=60_000)
    wait_for(page, f"s.lastEventId > {before}", 30_000)
    events = site.call("GET", f"/v1/events?stream=false&after={before}", "RU").json()["events"]
    # The restart also ends, in the log, alerts the stopped server left open.
    assert "operation.created" in [e["kind"] for e in events]
    wait_for(page, f"s.lastEventId >= {events[-1]['seq']}", 30_000)
    wait_for(page, "s.operations.some(o => o.id === 'ru-after-restart')")
