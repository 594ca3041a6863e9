"""Webhooks: events pushed in order to a real HTTP receiver on loopback, signed, retried with
backoff, never skipped."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from service_fixtures import Service, operation
from sharedsky.service.webhooks import WebhookDispatcher, signature


class Receiver:
    """Answers 500 to the first ``fail`` deliveries, then 204; keeps what it got."""

    def __init__(self, fail: int) -> None:
        self.fail = fail
        self.got: list[tuple[bytes, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.got.append((body, self.headers["X-Sharedsky-Signature"]))
                failing = receiver.fail > 0
                receiver.fail -= 1
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail=2)
    yield r
    r.server.shutdown()


def dispatcher(svc: Service) -> WebhookDispatcher:
    hooks: WebhookDispatcher = svc.client.app.state.webhooks  # type: ignore[attr-defined]
    return hooks


def test_events_arrive_signed_in_order_after_retries(service: Service, receiver: Receiver) -> None:
    made = service.client.post(
        "/v1/webhooks", json={"url": receiver.url}, headers=service.as_("RU")
    )
    assert made.status_code == 201
    secret = made.json()["secret"]
    service.put("RU", "a", operation(priority=1))
    service.put("US", "b", operation(priority=5))  # a notice for RU too
    hooks = dispatcher(service)
    assert hooks.deliver() == 0  # the receiver fails…
    [listed] = service.client.get("/v1/webhooks", headers=service.as_("RU")).json()["webhooks"]
    assert listed["failures"] == 1 and listed["last_error"] == "HTTP 500"
    assert hooks.deliver() == 0  # …and is not due again before its backoff
    service.clock.advance(2.5)
    assert hooks.deliver() == 0  # second failure
    service.clock.advance(4.5)
    delivered = hooks.deliver()
    assert delivered >= 2
    bodies = [json.loads(body) for body, _ in receiver.got]
    assert len(bodies) == 3 and bodies[0] == bodies[1] == bodies[2]  # the same batch, retried
    for body, sig in receiver.got:
        assert sig == signature(secret, body)
    kinds = [e["kind"] for e in bodies[-1]["events"]]
    assert kinds[0] == "webhook.registered" and "notice.sent" in kinds
    assert [e["seq"] for e in bodies[-1]["events"]] == sorted(
        e["seq"] for e in bodies[-1]["events"]
    )
    assert all(e["actor"] != "US" or e["kind"] == "notice.sent" for e in bodies[-1]["events"])
    assert hooks.deliver() == 0  # nothing new: nothing sent
    assert len(receiver.got) == 3


def test_webhook_urls_are_checked_and_owned(service: Service, receiver: Receiver) -> None:
    for bad in ({"url": "ftp://x"}, {"url": "not a url"}, {"uri": receiver.url}, {"url": 5}):
        reply = service.client.post("/v1/webhooks", json=bad, headers=service.as_("RU"))
        assert reply.status_code == 422
    made = service.client.post(
        "/v1/webhooks", json={"url": receiver.url}, headers=service.as_("RU")
    )
    path = f"/v1/webhooks/{made.json()['id']}"
    assert service.client.delete(path, headers=service.as_("US")).status_code == 404
    assert service.client.delete(path, headers=service.as_("RU")).status_code == 200
    assert service.client.get("/v1/webhooks", headers=service.as_("RU")).json()["webhooks"] == []
