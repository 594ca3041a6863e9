"""The HTTP API (FastAPI): thin routes over the :class:`Coordinator`.

Every route but ``/healthz``, ``/openapi.json``, ``/docs`` and the map page's files
(:mod:`sharedsky.service.web_page`) is authenticated with a bearer
token; party routes act as the token's party, ``/v1/admin`` needs an administrator token.
Bodies are read raw (so that idempotency keys bind the exact bytes), limited in size, must be
``application/json``, and are parsed strictly (no NaN). Errors are problem+json.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request, WebSocket, WebSocketDisconnect
from fastapi import Path as FastPath
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response, StreamingResponse

from sharedsky.errors import InvalidInput, SharedskyError
from sharedsky.io import load_json
from sharedsky.ledger import SignedRequest, SigningKey
from sharedsky.model import rfc3339
from sharedsky.service.coordinator import Coordinator, Reply, request_digest
from sharedsky.service.ledger import LedgerService
from sharedsky.service.live import LivePicture
from sharedsky.service.problems import Problem, problem_response
from sharedsky.service.wakeup import Wakeup
from sharedsky.service.web_page import STATIC_DIR, mount_map
from sharedsky.service.webhooks import WebhookDispatcher
from sharedsky.store.events import read_events, signed_by
from sharedsky.store.notices import NoticeStatus
from sharedsky.store.parties import ADMIN, authenticate

__all__ = ["MAX_BODY_BYTES", "create_app"]

MAX_BODY_BYTES = 2_000_000
_SIGNATURE_HEADERS = ("sharedsky-signature", "sharedsky-signed-at", "sharedsky-nonce")
_OBJECT = {"content": {"application/json": {"schema": {"type": "object"}}}, "required": True}


class _Principals:
    """Tokens checked in the last :attr:`TTL_S` seconds, by the SHA-256 of the token.

    A token check is a database read and a hash, more than many requests' own work. A token
    revoked through this server is forgotten at once; one revoked by another process (the
    ``sharedsky admin`` CLI) stops working within ``TTL_S``.
    """

    TTL_S = 1.0

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def resolve(self, coordinator: Coordinator, token: str) -> str | None:
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(key)
        if seen is not None and now - seen[1] < self.TTL_S:
            return seen[0]
        with coordinator.db.read() as conn:
            who = authenticate(conn, token)
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen.clear()
            if who is None:
                self._seen.pop(key, None)
            else:
                self._seen[key] = (who, now)
        return who

    def forget_all(self) -> None:
        with self._lock:
            self._seen.clear()


def _principal(request: Request, authorization: Annotated[str | None, Header()] = None) -> str:
    """Who the bearer token speaks for: a party id, or ``ADMIN``."""
    if not authorization or not authorization.startswith("Bearer "):
        raise Problem(401, "unauthorized", "Unauthorized", "send Authorization: Bearer TOKEN")
    principals: _Principals = request.app.state.principals
    who = principals.resolve(
        request.app.state.coordinator, authorization.removeprefix("Bearer ").strip()
    )
    if who is None:
        raise Problem(401, "unauthorized", "Unauthorized", "the token is unknown or revoked")
    return who


def _party(who: Annotated[str, Depends(_principal)]) -> str:
    if who == ADMIN:
        raise Problem(403, "forbidden", "Forbidden", "an administrator token acts on /v1/admin")
    return who


def _admin(who: Annotated[str, Depends(_principal)]) -> str:
    if who != ADMIN:
        raise Problem(403, "forbidden", "Forbidden", "this needs an administrator token")
    return who


Party = Annotated[str, Depends(_party)]
RowId = Annotated[int, FastPath(ge=1, le=2**62, description="A numeric id.")]
Admin = Annotated[str, Depends(_admin)]
WindowStart = Annotated[datetime | None, Query(description="Only those ending after this.")]
WindowEnd = Annotated[datetime | None, Query(description="Only those starting before this.")]


def _ordered(start: datetime | None, end: datetime | None) -> None:
    """A listing window's bounds, refused when they are the wrong way round."""
    if start is not None and end is not None and end <= start:
        raise InvalidInput.one("end", "end must be after start")


def create_app(
    coordinator: Coordinator,
    *,
    live: LivePicture | None = None,
    tick_s: float | None = 1.0,
    stream_poll_s: float = 2.0,
    ledger: LedgerService | None = None,
    static_dir: Path = STATIC_DIR,
) -> FastAPI:
    """The application over one coordinator (and so one database).

    Event streams wake on this process's commits and poll every ``stream_poll_s`` for other
    processes' writes. With ``tick_s`` the live picture is swept every ``tick_s`` seconds while
    the app runs; ``None`` leaves the sweeping to the caller (tests call
    :meth:`LivePicture.tick`). The
    ledger signs a tree head every ``tick_s`` while events flow; without ``ledger`` the app
    signs with a new key of its own (``sharedsky serve`` passes the key kept in a file).
    The map page is served from ``static_dir`` (the build of ``web/``).
    """
    picture = live or LivePicture(coordinator)
    hooks = WebhookDispatcher(coordinator)
    evidence = ledger or LedgerService(coordinator, SigningKey.generate())
    wakeup = Wakeup()
    coordinator.db.on_commit(wakeup.notify)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()

        def every_tick(name: str, work: Callable[[], object], failure: str) -> threading.Thread:
            def run_loop() -> None:
                assert tick_s is not None
                while not stop.wait(tick_s):
                    try:
                        work()
                    except Exception:  # one failed round must not stop the next
                        logging.getLogger(f"sharedsky.{name}").exception(failure)

            return threading.Thread(target=run_loop, name=f"sharedsky-{name}", daemon=True)

        workers = [
            every_tick("live", picture.tick, "live sweep failed"),
            every_tick("webhooks", hooks.deliver, "webhook round failed"),
            every_tick("ledger", evidence.sign, "signing a head failed"),
        ]
        if tick_s is not None:
            for worker in workers:
                worker.start()
        yield
        stop.set()
        for worker in workers:
            if worker.is_alive():
                worker.join(timeout=10)
        hooks.close()

    app = FastAPI(
        lifespan=lifespan,
        title="sharedsky",
        version="0.1.0",
        description="Multi-party airspace deconfliction: declared operations, notices, "
        "hotline and event stream, each party seeing what it needs to know.",
    )
    app.state.coordinator = coordinator
    app.state.live = picture
    app.state.webhooks = hooks
    app.state.ledger = evidence
    app.state.principals = principals = _Principals()

    @app.exception_handler(SharedskyError)
    async def _known(request: Request, error: SharedskyError) -> Response:
        return problem_response(error, request.url.path)

    @app.exception_handler(Problem)
    async def _problem(request: Request, error: Problem) -> Response:
        return problem_response(error, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, error: RequestValidationError) -> Response:
        issues = [
            InvalidInput.one(".".join(str(p) for p in e["loc"]), str(e["msg"])).issues[0]
            for e in error.errors()
        ]
        return problem_response(InvalidInput(issues), request.url.path)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> Response:
        kind = {404: "not-found", 405: "method-not-allowed"}.get(error.status_code, "http")
        return problem_response(
            Problem(error.status_code, kind, str(error.detail), str(error.detail)),
            request.url.path,
        )

    @app.exception_handler(Exception)
    async def _crash(request: Request, error: Exception) -> Response:
        return problem_response(error, request.url.path)

    async def raw_body(request: Request) -> bytes:
        """The body's bytes, refused (413) beyond :data:`MAX_BODY_BYTES`."""
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
            raise Problem(413, "too-large", "Body too large", f"at most {MAX_BODY_BYTES} bytes")
        raw = bytearray()
        async for chunk in request.stream():
            raw += chunk
            if len(raw) > MAX_BODY_BYTES:
                raise Problem(413, "too-large", "Body too large", f"at most {MAX_BODY_BYTES} bytes")
        return bytes(raw)

    async def body(request: Request) -> tuple[Any, tuple[str, str] | None]:
        """The parsed JSON body and the (key, digest) of an Idempotency-Key header."""
        raw = await raw_body(request)
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise Problem(
                415, "unsupported-media-type", "Unsupported media type", "send application/json"
            )
        data = load_json(bytes(raw))
        key = request.headers.get("idempotency-key")
        if key is None:
            return data, None
        if not 1 <= len(key) <= 128:
            raise InvalidInput.one("Idempotency-Key", "a key is 1 to 128 characters")
        return data, (key, request_digest(request.method, request.url.path, bytes(raw)))

    async def run(
        call: Callable[[], Reply],
        signed: tuple[Request, str, Any] | None = None,
    ) -> Response:
        """Run a write in a worker thread; with ``signed`` = (request, party, body), a party
        signature on the request is checked first and kept with the event it causes."""
        checked = None if signed is None else signature_of(*signed)

        def call_signed() -> Reply:
            with signed_by(checked):
                return call()

        reply = await asyncio.to_thread(call_signed)
        return JSONResponse(reply.body, status_code=reply.status)

    def signature_of(request: Request, who: str, data: Any) -> SignedRequest | None:
        if "sharedsky-signature" not in request.headers:
            return None
        return SignedRequest.check(
            method=request.method,
            path=request.url.path,
            party=who,
            body=data,
            headers={k: request.headers.get(k) for k in _SIGNATURE_HEADERS},
            key=coordinator.party_key(who),
            now=coordinator.clock(),
        )

    def version_of(if_match: str | None) -> int | None:
        if if_match is None:
            return None
        text = if_match.strip().strip('"')
        if not text.isdigit():
            raise InvalidInput.one("If-Match", "the version is a positive integer")
        return int(text)

    mount_map(app, static_dir)

    # -- health -----------------------------------------------------------------------------

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, Any]:
        with coordinator.db.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "database": coordinator.db.dialect}

    # -- operations -------------------------------------------------------------------------

    @app.put(
        "/v1/operations/{op_id}",
        tags=["operations"],
        status_code=201,
        openapi_extra={"requestBody": _OBJECT},
    )
    async def put_operation(
        op_id: str,
        request: Request,
        who: Party,
        if_match: Annotated[str | None, Header()] = None,
    ) -> Response:
        """Create an operation, or replace it (``If-Match: <version>``). Refused: 409 with
        the conflicts and resolution hints, and nothing stored."""
        data, idem = await body(request)
        version = version_of(if_match)
        return await run(
            lambda: coordinator.put_operation(who, op_id, data, if_match=version, idempotency=idem),
            (request, who, data),
        )

    @app.get("/v1/operations/{op_id}", tags=["operations"])
    def get_operation(op_id: str, who: Party) -> dict[str, Any]:
        """One of the party's own operations, in full."""
        return coordinator.get_own(who, op_id)

    @app.delete("/v1/operations/{op_id}", tags=["operations"])
    async def delete_operation(
        op_id: str,
        request: Request,
        who: Party,
        if_match: Annotated[str | None, Header()] = None,
    ) -> Response:
        version = version_of(if_match)
        key = request.headers.get("idempotency-key")
        idem = None if key is None else (key, request_digest("DELETE", request.url.path, b""))
        return await run(
            lambda: coordinator.delete_operation(who, op_id, if_match=version, idempotency=idem),
            (request, who, None),
        )

    @app.get("/v1/operations", tags=["operations"])
    def list_operations(
        who: Party,
        start: WindowStart = None,
        end: WindowEnd = None,
        own: Annotated[bool, Query(description="Only the party's own operations.")] = False,
    ) -> dict[str, Any]:
        """The party's own operations and the others' that concern it."""
        _ordered(start, end)
        return {
            "operations": coordinator.visible_operations(
                who, start=start, end=end, include_others=not own
            )
        }

    @app.post(
        "/v1/operations/{op_id}/check", tags=["operations"], openapi_extra={"requestBody": _OBJECT}
    )
    async def check_operation(op_id: str, request: Request, who: Party) -> dict[str, Any]:
        """What ``PUT /v1/operations/{op_id}`` with this body would meet: the conflicts,
        whether it would be refused (with the resolution hints) and the volumes' outlines.
        Nothing is stored."""
        data, _idem = await body(request)
        return await asyncio.to_thread(coordinator.check_operation, who, op_id, data)

    # -- the map ----------------------------------------------------------------------------

    @app.get("/v1/map/operations", tags=["map"])
    def map_operations(
        who: Party,
        start: WindowStart = None,
        end: WindowEnd = None,
    ) -> dict[str, Any]:
        """The operations of ``GET /v1/operations`` as GeoJSON: a Feature per volume, with
        its outline (for display), altitude band, time window, party, state and priority."""
        _ordered(start, end)
        return coordinator.map_operations(who, start=start, end=end)

    @app.post("/v1/map/outlines", tags=["map"], openapi_extra={"requestBody": _OBJECT})
    async def outlines(request: Request, _: Party) -> dict[str, Any]:
        """Outlines of volumes that are not stored (``{"volumes": [...]}``): a draft, or an
        earlier version being replayed."""
        data, _idem = await body(request)
        return await asyncio.to_thread(coordinator.outlines, data)

    # -- parties ----------------------------------------------------------------------------

    @app.get("/v1/party", tags=["parties"])
    def me(who: Party) -> dict[str, Any]:
        """The calling party: id, name, declared airspace, buffers and minima."""
        return coordinator.party_view(who)

    @app.get("/v1/parties", tags=["parties"])
    def directory(_: Party) -> dict[str, Any]:
        """Every party's id, name and declared airspace (nothing of their business)."""
        return {"parties": coordinator.directory()}

    # -- notices ----------------------------------------------------------------------------

    @app.get("/v1/notices", tags=["notices"])
    def list_notices(
        who: Party, direction: Annotated[str, Query(pattern="^(received|sent)$")] = "received"
    ) -> dict[str, Any]:
        return {"notices": coordinator.notices(who, direction)}

    async def answer(
        notice_id: RowId, request: Request, who: str, status: NoticeStatus
    ) -> Response:
        data, reason, idem = await optional_reason(request)
        return await run(
            lambda: coordinator.answer_notice(who, notice_id, status, reason, idem),
            (request, who, data),
        )

    async def optional_reason(request: Request) -> tuple[Any, Any, tuple[str, str] | None]:
        """An answer's body, ``{"reason": ...}`` or empty: (the body, the reason, the
        Idempotency-Key and its digest)."""
        raw = await raw_body(request)
        if not raw:
            return None, None, None
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "application/json":
            raise Problem(
                415, "unsupported-media-type", "Unsupported media type", "send application/json"
            )
        data = load_json(raw)
        if not isinstance(data, dict) or set(data) - {"reason"}:
            raise InvalidInput.one("$", 'the body is {"reason": "..."} or empty')
        key = request.headers.get("idempotency-key")
        digest = None if key is None else (key, request_digest("POST", request.url.path, raw))
        return data, data.get("reason"), digest

    @app.post("/v1/notices/{notice_id}/acknowledge", tags=["notices"])
    async def acknowledge(notice_id: RowId, request: Request, who: Party) -> Response:
        return await answer(notice_id, request, who, NoticeStatus.ACKNOWLEDGED)

    @app.post("/v1/notices/{notice_id}/accept", tags=["notices"])
    async def accept(notice_id: RowId, request: Request, who: Party) -> Response:
        return await answer(notice_id, request, who, NoticeStatus.ACCEPTED)

    @app.post("/v1/notices/{notice_id}/object", tags=["notices"])
    async def object_(notice_id: RowId, request: Request, who: Party) -> Response:
        return await answer(notice_id, request, who, NoticeStatus.OBJECTED)

    # -- subscriptions ----------------------------------------------------------------------

    @app.post(
        "/v1/subscriptions",
        tags=["subscriptions"],
        status_code=201,
        openapi_extra={"requestBody": _OBJECT},
    )
    async def subscribe(request: Request, who: Party) -> Response:
        data, idem = await body(request)
        return await run(lambda: coordinator.subscribe(who, data, idem), (request, who, data))

    @app.get("/v1/subscriptions", tags=["subscriptions"])
    def subscriptions(who: Party) -> dict[str, Any]:
        return {"subscriptions": coordinator.subscriptions(who)}

    @app.delete("/v1/subscriptions/{sub_id}", tags=["subscriptions"])
    async def unsubscribe(sub_id: RowId, request: Request, who: Party) -> Response:
        return await run(lambda: coordinator.unsubscribe(who, sub_id), (request, who, None))

    # -- hotline ----------------------------------------------------------------------------

    @app.post(
        "/v1/messages", tags=["hotline"], status_code=201, openapi_extra={"requestBody": _OBJECT}
    )
    async def send_message(request: Request, who: Party) -> Response:
        data, idem = await body(request)
        return await run(lambda: coordinator.send_message(who, data, idem), (request, who, data))

    @app.get("/v1/messages", tags=["hotline"])
    def message_thread(
        who: Party, with_: Annotated[str, Query(alias="with", min_length=1, max_length=64)]
    ) -> dict[str, Any]:
        """The thread with another party (delivers the messages it holds for the caller)."""
        return {"messages": coordinator.thread(who, with_)}

    @app.post("/v1/messages/{message_id}/read", tags=["hotline"])
    async def read_message(message_id: RowId, request: Request, who: Party) -> Response:
        return await run(lambda: coordinator.read_message(who, message_id), (request, who, None))

    # -- the live picture -------------------------------------------------------------------

    @app.post("/v1/tracks", tags=["live"], status_code=202, openapi_extra={"requestBody": _OBJECT})
    async def post_tracks(request: Request, who: Party) -> Response:
        """A batch of state vectors of the party's own aircraft."""
        data, _idem = await body(request)
        return await run(lambda: picture.ingest(who, data))

    @app.websocket("/v1/tracks/stream")
    async def track_stream(socket: WebSocket) -> None:
        """A continuous stream of track batches. The first message authenticates
        (``{"token": "ssk_..."}``: never in the URL); each later one is a batch like
        ``POST /v1/tracks`` and is answered ``{"accepted": n}`` or a problem document."""
        await socket.accept()
        try:
            hello = await socket.receive_text()
            try:
                token = load_json(hello).get("token", "")
            except (InvalidInput, AttributeError):
                token = ""
            with coordinator.db.read() as conn:
                who = authenticate(conn, str(token)) if isinstance(token, str) else None
            if who is None or who == ADMIN:
                await socket.send_json({"status": 401, "detail": 'send {"token": TOKEN} first'})
                await socket.close(code=1008)
                return
            await socket.send_json({"status": 200, "party": who})
            while True:
                text = await socket.receive_text()
                if len(text) > MAX_BODY_BYTES:
                    await socket.send_json({"status": 413, "detail": "batch too large"})
                    continue
                try:
                    data = load_json(text)
                    reply = await asyncio.to_thread(picture.ingest, who, data)
                    await socket.send_json({"status": reply.status, **reply.body})
                except InvalidInput as error:
                    await socket.send_json(
                        {
                            "status": 422,
                            "errors": [
                                {"path": i.path, "message": i.message} for i in error.issues
                            ],
                        }
                    )
        except WebSocketDisconnect:
            return

    @app.get("/v1/alerts", tags=["live"])
    def alerts(who: Party) -> dict[str, Any]:
        """Active alerts involving the party's aircraft, soonest conflict first."""
        return {"alerts": picture.alerts(who)}

    @app.get("/v1/traffic", tags=["live"])
    def traffic(who: Party) -> dict[str, Any]:
        """The party's aircraft, and others' while in an alert with one of them."""
        return {"aircraft": picture.traffic(who)}

    async def respond(alert_id: RowId, request: Request, who: str, action: str) -> Response:
        data, reason, _ = await optional_reason(request)
        return await run(
            lambda: picture.respond(who, alert_id, action, reason), (request, who, data)
        )

    @app.post("/v1/alerts/{alert_id}/acknowledge", tags=["live"])
    async def acknowledge_alert(alert_id: RowId, request: Request, who: Party) -> Response:
        return await respond(alert_id, request, who, "acknowledge")

    @app.post("/v1/alerts/{alert_id}/suppress", tags=["live"])
    async def suppress_alert(alert_id: RowId, request: Request, who: Party) -> Response:
        return await respond(alert_id, request, who, "suppress")

    # -- webhooks ---------------------------------------------------------------------------

    @app.post(
        "/v1/webhooks", tags=["events"], status_code=201, openapi_extra={"requestBody": _OBJECT}
    )
    async def register_webhook(request: Request, who: Party) -> Response:
        """Push the party's events to a URL (signed with the key returned once)."""
        data, _idem = await body(request)
        return await run(lambda: hooks.register(who, data), (request, who, data))

    @app.get("/v1/webhooks", tags=["events"])
    def list_webhooks(who: Party) -> dict[str, Any]:
        return {"webhooks": hooks.list(who)}

    @app.delete("/v1/webhooks/{hook_id}", tags=["events"])
    async def delete_webhook(hook_id: RowId, request: Request, who: Party) -> Response:
        return await run(lambda: hooks.delete(who, hook_id), (request, who, None))

    # -- the event stream -------------------------------------------------------------------

    @app.get("/v1/events", tags=["events"])
    async def events(
        request: Request,
        who: Party,
        after: Annotated[
            int | None, Query(ge=0, le=2**62, description="Resume after this event.")
        ] = None,
        last_event_id: Annotated[str | None, Header()] = None,
        stream: Annotated[bool, Query(description="false: one JSON page instead.")] = True,
    ) -> Response:
        """Server-Sent Events of what the party may see, resumable with ``Last-Event-ID``."""
        start = after
        if start is None and last_event_id is not None:
            if not last_event_id.strip().isdigit() or len(last_event_id.strip()) > 18:
                raise InvalidInput.one("Last-Event-ID", "an event id is a number")
            start = int(last_event_id)
        cursor = start or 0
        if not stream:

            def page() -> list[dict[str, Any]]:
                with coordinator.db.read() as conn:
                    found = read_events(conn, who, after=cursor)
                return [_event_json(e) for e in found]

            return JSONResponse({"events": await asyncio.to_thread(page)})
        return StreamingResponse(
            _sse(coordinator, who, cursor, request.is_disconnected, wakeup, stream_poll_s),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    # -- the evidence ledger ----------------------------------------------------------------

    @app.put("/v1/party/key", tags=["ledger"], openapi_extra={"requestBody": _OBJECT})
    async def register_key(request: Request, who: Party) -> Response:
        """Register (or rotate) the Ed25519 key the party signs its requests with."""
        data, _idem = await body(request)
        return await run(lambda: coordinator.register_key(who, data), (request, who, data))

    @app.get("/v1/ledger/key", tags=["ledger"])
    def ledger_key(_: Party) -> dict[str, Any]:
        """The server's Ed25519 public key (base64 of its 32 bytes), which signs tree heads."""
        key = evidence.key.public
        return {"algorithm": "Ed25519", "key_id": key.id, "public_key": key.text}

    @app.get("/v1/ledger/heads/latest", tags=["ledger"])
    def latest_tree_head(_: Party) -> dict[str, Any]:
        return evidence.head().as_json()

    @app.get("/v1/ledger/heads/{size}", tags=["ledger"])
    def tree_head(size: Annotated[int, FastPath(ge=1, le=2**62)], _: Party) -> dict[str, Any]:
        return evidence.head(size).as_json()

    @app.post("/v1/ledger/heads", tags=["ledger"])
    async def sign_now(_: Party) -> dict[str, Any]:
        """Sign a head over everything committed so far (the newest head if nothing new)."""
        head = await asyncio.to_thread(evidence.sign)
        if head is None:
            raise Problem(404, "not-found", "Not found", "the log is empty")
        return head.as_json()

    @app.get("/v1/ledger/proofs/inclusion", tags=["ledger"])
    def inclusion_proof(
        who: Party,
        event: Annotated[int, Query(ge=1, le=2**62, description="An event shown to the party.")],
        size: Annotated[
            int | None, Query(ge=1, le=2**62, description="A signed head's size (default newest).")
        ] = None,
    ) -> dict[str, Any]:
        """The event's entry and the RFC 6962 audit path to the head's root."""
        return evidence.inclusion(who, event, size)

    @app.get("/v1/ledger/proofs/consistency", tags=["ledger"])
    def consistency_proof(
        _: Party,
        first: Annotated[int, Query(ge=1, le=2**62)],
        second: Annotated[int, Query(ge=1, le=2**62)],
    ) -> dict[str, Any]:
        """The RFC 6962 proof that the head at ``first`` is a prefix of the one at
        ``second``."""
        return evidence.consistency(first, second)

    @app.get("/v1/ledger/evidence", tags=["ledger"])
    async def evidence_bundle(
        who: Party,
        party: Annotated[str, Query(min_length=1, max_length=64, description="Its owner.")],
        operation: Annotated[str, Query(min_length=1, max_length=128)],
    ) -> dict[str, Any]:
        """What the caller was shown about an operation, with proofs under a signed head:
        checkable offline with ``sharedsky ledger verify --bundle``."""
        return await asyncio.to_thread(evidence.bundle, who, party, operation)

    # -- administration ---------------------------------------------------------------------

    @app.post(
        "/v1/admin/parties",
        tags=["admin"],
        status_code=201,
        openapi_extra={"requestBody": _OBJECT},
    )
    async def create_party(request: Request, _: Admin) -> Response:
        data, _idem = await body(request)
        return await run(lambda: coordinator.create_party(data))

    @app.post("/v1/admin/parties/{party_id}/tokens", tags=["admin"], status_code=201)
    async def issue(party_id: str, _: Admin) -> Response:
        return await run(lambda: coordinator.issue_token(party_id, label="api"))

    @app.delete("/v1/admin/tokens/{token_id}", tags=["admin"])
    async def revoke(token_id: str, _: Admin) -> Response:
        reply = await run(lambda: coordinator.revoke_token(token_id))
        principals.forget_all()
        return reply

    return app


def _event_json(event: Any) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "at": rfc3339(event.at),
        "kind": event.kind,
        "actor": event.actor,
        "payload": event.payload,
    }


async def _sse(
    coordinator: Coordinator,
    party: str,
    cursor: int,
    disconnected: Callable[[], Awaitable[bool]],
    wakeup: Wakeup,
    poll_s: float,
) -> AsyncIterator[bytes]:
    """Events after ``cursor`` as they are committed; a comment line keeps proxies open."""
    quiet_since = time.monotonic()
    yield b": sharedsky event stream\n\n"
    while not await disconnected():

        def fetch(after: int = cursor) -> list[Any]:
            with coordinator.db.read() as conn:
                return read_events(conn, party, after=after)

        with wakeup.waiter() as waiter:
            found = await asyncio.to_thread(fetch)
            for event in found:
                data = json.dumps(_event_json(event), separators=(",", ":"))
                yield f"id: {event.seq}\nevent: {event.kind}\ndata: {data}\n\n".encode()
                cursor = event.seq
            if found:
                quiet_since = time.monotonic()
                continue
            await waiter.wait(poll_s)
        if time.monotonic() - quiet_since >= 15.0:
            quiet_since = time.monotonic()
            yield b": keep-alive\n\n"
