// The HTTP API as the signed-in party: every call carries the bearer token in a header (never
// in the URL, where it would land in logs and history), and every failure becomes an ApiError
// holding the server's problem+json document.

/** A failed call: `status` is the HTTP status (0 when the server could not be reached) and
 * `problem` the RFC 9457 body (`title`, `detail`, and `errors`, `conflicts`, `hints`...). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** Lines to show for a failed call: the title and detail, then one line per bad field with
 * its JSON path, as the server names it. */
export function problemLines(error) {
  if (!(error instanceof ApiError)) return [String(error?.message ?? error)];
  const { title, detail, errors } = error.problem;
  if (Array.isArray(errors) && errors.length) {
    return [title || "Invalid input", ...errors.map((e) => `${e.path}: ${e.message}`)];
  }
  return [[title, detail].filter(Boolean).join(": ") || `HTTP ${error.status}`];
}

export class Api {
  /** `onUnauthorized` runs when the server refuses the token (revoked while signed in). */
  constructor(token, onUnauthorized = () => {}) {
    this.token = token;
    this.onUnauthorized = onUnauthorized;
    // The server's clock minus ours, from the Date header: track ages and the replay window
    // are judged on the server's time, and a duty officer's PC clock may be minutes off.
    this.clockOffsetMs = 0;
  }

  /** The current time on the server's clock, in ms. */
  now() {
    return Date.now() + this.clockOffsetMs;
  }

  headers(extra = {}) {
    return { Authorization: `Bearer ${this.token}`, ...extra };
  }

  async request(method, path, { body, headers = {} } = {}) {
    const init = { method, headers: this.headers(headers), cache: "no-store" };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      throw new ApiError(0, { title: "Server unreachable", detail: error.message });
    }
    this.noteClock(response);
    const type = response.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await response.json().catch(() => null) : null;
    if (!response.ok) {
      if (response.status === 401) this.onUnauthorized();
      throw new ApiError(response.status, data ?? { title: `HTTP ${response.status}` });
    }
    return data;
  }

  noteClock(response) {
    const date = Date.parse(response.headers.get("Date") ?? "");
    if (!Number.isFinite(date)) return;
    // The header has whole seconds: only a clearly wrong local clock is corrected.
    const offset = date + 500 - Date.now();
    this.clockOffsetMs = Math.abs(offset) > 2000 ? offset : 0;
  }

  get(path) {
    return this.request("GET", path);
  }

  post(path, body) {
    return this.request("POST", path, { body });
  }

  put(path, body, headers) {
    return this.request("PUT", path, { body, headers });
  }
}
