// The party's event stream: Server-Sent Events read with fetch, because EventSource cannot
// send the Authorization header. After a drop it reconnects with backoff and sends
// Last-Event-ID, so the server resumes right after the last event handled: none is lost or
// seen twice.

const KEEPALIVE_S = 15; // the server writes a comment at least this often
const SILENT_LIMIT_MS = (KEEPALIVE_S * 2 + 10) * 1000;
const BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];

export class EventStream {
  /**
   * `onEvent({seq, at, kind, actor, payload})` for each event, in order; `onState(state)` with
   * "connecting" | "open" | "closed"; `onUnauthorized()` when the token is refused (the
   * stream then stops for good).
   */
  constructor({ api, lastEventId, onEvent, onState, onUnauthorized }) {
    this.api = api;
    this.lastEventId = lastEventId;
    this.onEvent = onEvent;
    this.onState = onState;
    this.onUnauthorized = onUnauthorized;
    this.running = false;
    this.controller = null;
    this.failures = 0;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.loop();
  }

  stop() {
    this.running = false;
    this.controller?.abort();
    this.onState("closed");
    // A loop still sleeping through a backoff must not report into the next session's screen.
    this.onState = () => {};
    this.onEvent = () => {};
  }

  async loop() {
    while (this.running) {
      this.onState("connecting");
      try {
        await this.connect();
      } catch (error) {
        if (error?.name !== "AbortError") console.warn("event stream:", error);
      }
      if (!this.running) break;
      this.onState("closed");
      const step = BACKOFF_MS[Math.min(this.failures, BACKOFF_MS.length - 1)];
      this.failures += 1;
      // Jitter, so that many screens do not all reconnect in the same instant after an outage.
      await sleep(step * (0.75 + Math.random() * 0.5));
    }
    this.onState("closed");
  }

  async connect() {
    this.controller = new AbortController();
    const headers = { Accept: "text/event-stream" };
    if (this.lastEventId) headers["Last-Event-ID"] = String(this.lastEventId);
    const response = await fetch("/v1/events", {
      headers: this.api.headers(headers),
      signal: this.controller.signal,
      cache: "no-store",
    });
    if (response.status === 401) {
      this.running = false;
      this.onUnauthorized();
      return;
    }
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    this.onState("open");
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let event = emptyEvent();
    // A connection that went silent (a dead proxy, a sleeping laptop) never errors: abort it
    // when even the keep-alive comments stop.
    let watchdog = setTimeout(() => this.controller.abort(), SILENT_LIMIT_MS);
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => this.controller.abort(), SILENT_LIMIT_MS);
        buffer += decoder.decode(value, { stream: true });
        let start = 0;
        let end;
        while ((end = lineEnd(buffer, start)) >= 0) {
          const line = buffer.slice(start, end);
          start = end + (buffer[end] === "\r" && buffer[end + 1] === "\n" ? 2 : 1);
          if (line === "") {
            if (event.data.length) this.dispatch(event);
            event = emptyEvent();
          } else {
            field(event, line);
          }
        }
        buffer = buffer.slice(start);
      }
    } finally {
      clearTimeout(watchdog);
    }
  }

  dispatch(raw) {
    // The cursor moves first: an event the page fails to handle is not fetched again forever.
    if (raw.id) this.lastEventId = Number(raw.id);
    this.failures = 0; // data flowed: the next drop starts again from the shortest wait
    try {
      this.onEvent(JSON.parse(raw.data.join("\n")));
    } catch (error) {
      console.error("event stream: event", raw.id, "not handled:", error);
    }
  }
}

function emptyEvent() {
  return { id: "", type: "message", data: [] };
}

/** Index of the first line terminator (CR, LF or CRLF, as the SSE format allows) at or after
 * `from`, or -1. A CR at the very end may be the first half of a CRLF still in flight: wait. */
function lineEnd(buffer, from) {
  const lf = buffer.indexOf("\n", from);
  const cr = buffer.indexOf("\r", from);
  if (cr < 0 || (lf >= 0 && lf < cr)) return lf;
  return cr + 1 < buffer.length ? cr : -1;
}

function field(event, line) {
  if (line.startsWith(":")) return; // a comment: the keep-alive
  const colon = line.indexOf(":");
  const name = colon < 0 ? line : line.slice(0, colon);
  let value = colon < 0 ? "" : line.slice(colon + 1);
  if (value.startsWith(" ")) value = value.slice(1);
  if (name === "data") event.data.push(value);
  else if (name === "id") event.id = value;
  else if (name === "event") event.type = value;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
