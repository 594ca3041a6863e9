// Declaring an operation: draw its footprint on the map (a polygon, a circle or a corridor),
// give its band and window, Check it against the others (nothing is stored) and Submit it.
// The outline drawn while editing is the server's (POST /v1/map/outlines), so what the officer
// sees is what the engines will compare, corridor ends and circle arcs included.

import { problemLines, ApiError } from "./api.js";
import { el, setText } from "./dom.js";
import { duration, feet, FT_M, minuteText, nauticalMiles, parseUtc, rfc3339 } from "./format.js";

const HINTS = [
  ["time_later_s", (v) => `start ${duration(v)} later`],
  ["time_earlier_s", (v) => `start ${duration(v)} earlier`],
  ["altitude_up_m", (v) => `climb the band ${feet(v)}`],
  ["altitude_down_m", (v) => `lower the band ${feet(v)}`],
];
const HINT_FL_STEP = 10; // an altitude hint is rounded up to whole tens of flight levels

const $ = (id) => document.getElementById(id);

export class Declare {
  constructor({ api, skyMap, operations }) {
    this.api = api;
    this.map = skyMap.map;
    this.operations = operations;
    operations.drawing = () => this.tool !== null;
    this.tool = null; // "polygon" | "circle" | "corridor" while drawing
    this.points = [];
    this.finished = false;
    this.lastTool = null; // the tool of the finished draft
    this.outline = null; // the server's outline of the draft (features)
    this.previewSeq = 0;
    this.previewTimer = null;
    this.buttons = { polygon: $("draw-polygon"), circle: $("draw-circle"), corridor: $("draw-corridor") };
    for (const [tool, button] of Object.entries(this.buttons)) button.addEventListener("click", () => this.begin(tool));
    $("finish-draw").addEventListener("click", () => this.finish());
    $("clear-draw").addEventListener("click", () => this.cancel());
    $("check-op").addEventListener("click", () => this.check());
    $("declare").addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    for (const id of ["radius-nm", "width-nm"]) $(id).addEventListener("input", () => this.schedulePreview());
    this.map.on("click", (e) => this.click(e));
    this.map.on("dblclick", (e) => this.doubleClick(e));
    this.resetTimes();
  }

  /** Start and end default to now + 1 h and now + 3 h, to the minute. */
  resetTimes() {
    const now = Math.ceil(this.api.now() / 60000) * 60000;
    $("time-start").value = minuteText(now + 3600_000);
    $("time-end").value = minuteText(now + 3 * 3600_000);
  }

  begin(tool) {
    this.cancel();
    this.tool = tool;
    // A double-click ends a polygon or corridor here; it must not also zoom the map.
    this.map.doubleClickZoom.disable();
    this.map.getCanvas().style.cursor = "crosshair";
    this.updateTools();
  }

  /** Esc, Clear, or a new tool: forget the draft. */
  cancel() {
    this.tool = null;
    this.lastTool = null;
    this.points = [];
    this.finished = false;
    this.outline = null;
    this.map.doubleClickZoom.enable();
    this.map.getCanvas().style.cursor = "";
    this.operations.highlight([]);
    this.updateTools();
    this.draw();
  }

  /** The shape as the officer last left it (kept after Finish, for Check and Submit). */
  kind() {
    return this.tool ?? this.lastTool ?? null;
  }

  click(e) {
    if (!this.tool || this.finished) return;
    const p = [Number(e.lngLat.lng.toFixed(6)), Number(e.lngLat.lat.toFixed(6))];
    if (this.tool === "circle") {
      this.points = [p];
      this.finish();
      return;
    }
    this.points.push(p);
    this.updateTools();
    this.schedulePreview();
    this.draw();
  }

  doubleClick(e) {
    if (!this.tool || this.tool === "circle") return;
    e.preventDefault();
    // The two clicks of a double-click each added a vertex; keep one.
    const [a, b] = this.points.slice(-2);
    if (a && b && a[0] === b[0] && a[1] === b[1]) this.points.pop();
    this.finish();
  }

  enough() {
    const need = { polygon: 3, corridor: 2, circle: 1 }[this.tool ?? ""] ?? Infinity;
    return this.points.length >= need;
  }

  finish() {
    if (!this.tool || !this.enough()) return;
    this.finished = true;
    this.lastTool = this.tool;
    this.tool = null;
    this.map.getCanvas().style.cursor = "";
    // Re-enabled after this event: the dblclick that finished must not zoom.
    setTimeout(() => this.map.doubleClickZoom.enable(), 0);
    this.updateTools();
    this.schedulePreview();
    this.draw();
  }

  updateTools() {
    for (const [tool, button] of Object.entries(this.buttons)) button.setAttribute("aria-pressed", String(this.tool === tool));
    $("finish-draw").disabled = !this.tool || !this.enough() || this.tool === "circle";
    const hint = {
      polygon: "Click the vertices; double-click or Finish to close. Esc cancels.",
      circle: "Click the centre; set the radius below. Esc cancels.",
      corridor: "Click the centreline points; double-click or Finish to end. Esc cancels.",
    }[this.tool];
    setText($("draw-hint"), hint ?? (this.finished ? `The ${this.lastTool} is drawn: Check, then Submit.` : "Choose a tool, then click on the map."));
  }

  footprint() {
    const kind = this.kind();
    if (!kind || !this.points.length) return null;
    if (kind === "polygon") {
      if (this.points.length < 3) return null;
      return { type: "polygon", coordinates: [[...this.points, this.points[0]]] };
    }
    if (kind === "circle") {
      const radius = Number($("radius-nm").value);
      return radius > 0 ? { type: "circle", center: this.points[0], radius: { value: radius, units: "NM" } } : null;
    }
    const width = Number($("width-nm").value);
    return this.points.length >= 2 && width > 0 ? { type: "corridor", centerline: this.points, width: { value: width, units: "NM" } } : null;
  }

  /** The PUT body from the form, or `{errors}` saying what is missing, field by field. */
  body() {
    const errors = [];
    const id = $("op-id").value.trim();
    if (!id || id.includes("/")) errors.push("Operation id: 1–128 characters, without '/'.");
    const level = (input, name) => {
      const v = Number(input.value);
      if (input.value === "" || !Number.isInteger(v) || v < 0 || v > 999) {
        errors.push(`${name}: a flight level number such as 150.`);
        return null;
      }
      return v;
    };
    const lower = level($("alt-lower"), "Lower");
    const upper = level($("alt-upper"), "Upper");
    if (lower !== null && upper !== null && upper <= lower) errors.push("Upper must be above lower.");
    const start = parseUtc($("time-start").value);
    const end = parseUtc($("time-end").value);
    if (start === null) errors.push("Start: UTC as YYYY-MM-DDTHH:MMZ.");
    if (end === null) errors.push("End: UTC as YYYY-MM-DDTHH:MMZ.");
    if (start !== null && end !== null && end <= start) errors.push("End must be after start.");
    const footprint = this.footprint();
    if (!footprint) errors.push("Footprint: draw a polygon, circle or corridor on the map.");
    const priority = Number($("op-priority").value);
    if ($("op-priority").value === "" || !Number.isInteger(priority)) errors.push("Priority: a whole number.");
    if (errors.length) return { errors };
    const fl = (v) => `FL${String(v).padStart(3, "0")}`;
    const body = {
      priority,
      state: "accepted",
      volumes: [{ footprint, altitude_lower: fl(lower), altitude_upper: fl(upper), time_start: rfc3339(start), time_end: rfc3339(end) }],
    };
    const notes = $("op-notes").value.trim();
    if (notes) body.notes = notes;
    return { id, body };
  }

  schedulePreview() {
    clearTimeout(this.previewTimer);
    this.previewTimer = setTimeout(() => this.preview(), 250);
  }

  /** The server's outline of the footprint as drawn so far. The band and window do not change
   * an outline: fixed ones keep the preview working while the form is still incomplete. */
  async preview() {
    const footprint = this.footprint();
    const seq = ++this.previewSeq;
    if (!footprint) {
      this.outline = null;
      this.draw();
      return;
    }
    const now = this.api.now();
    const volume = { footprint, altitude_lower: "FL100", altitude_upper: "FL200", time_start: rfc3339(now + 3600_000), time_end: rfc3339(now + 7200_000) };
    try {
      const collection = await this.api.post("/v1/map/outlines", { volumes: [volume] });
      if (seq === this.previewSeq) this.outline = collection.features;
    } catch {
      if (seq === this.previewSeq) this.outline = null; // e.g. a self-crossing polygon: no outline
    }
    if (seq === this.previewSeq) this.draw();
  }

  draw() {
    const features = [];
    for (const f of this.outline ?? []) features.push({ ...f, properties: { k: "outline" } });
    const kind = this.kind();
    if (this.points.length > 1 && kind !== "circle") {
      const path = kind === "polygon" && this.finished ? [...this.points, this.points[0]] : this.points;
      features.push({ type: "Feature", geometry: { type: "LineString", coordinates: path }, properties: { k: "path" } });
    }
    for (const p of this.points) features.push({ type: "Feature", geometry: { type: "Point", coordinates: p }, properties: { k: "vertex" } });
    this.map.getSource("draft").setData({ type: "FeatureCollection", features });
  }

  async check() {
    const result = $("check-result");
    const made = this.body();
    if (made.errors) return showLines(result, "Not checked: the form is incomplete", made.errors, "error");
    showLines(result, "Checking…", [], "");
    try {
      const answer = await this.api.post(`/v1/operations/${encodeURIComponent(made.id)}/check`, made.body);
      this.outline = answer.outlines?.features ?? this.outline;
      this.draw();
      this.showConflicts(result, answer.refused, answer.conflicts, answer.hints);
    } catch (error) {
      showLines(result, "Check failed", problemLines(error), "error");
    }
  }

  async submit() {
    const result = $("submit-result");
    const made = this.body();
    if (made.errors) return showLines(result, "Not submitted: the form is incomplete", made.errors, "error");
    // An id that is one of this party's live operations replaces it (If-Match: its version).
    const version = this.operations.ownVersion(made.id);
    const headers = version === null ? {} : { "If-Match": String(version) };
    showLines(result, "Submitting…", [], "");
    try {
      const answer = await this.api.put(`/v1/operations/${encodeURIComponent(made.id)}`, made.body, headers);
      const told = (answer.notices ?? []).map((n) => n.recipient);
      showLines(
        result,
        `Operation accepted: ${made.id} v${answer.operation.version}`,
        [told.length ? `Notices sent to ${told.join(", ")}.` : "No party needed a notice.", ...conflictLines(answer.conflicts ?? [])],
        "ok",
      );
      this.cancel();
      this.operations.refresh();
    } catch (error) {
      if (error instanceof ApiError && error.status === 409 && error.problem.conflicts) {
        this.showConflicts(result, true, error.problem.conflicts, error.problem.hints);
      } else {
        showLines(result, `Operation refused (${error.status || "no answer"})`, problemLines(error), "error");
      }
    }
  }

  /** The conflicts (`li.conflict`), the hints as buttons that apply them to the form, and the
   * conflicting volumes outlined on the map. */
  showConflicts(result, refused, conflicts, hints) {
    const title = refused
      ? `Operation refused: ${conflicts.length} conflict(s) it may not plan into`
      : conflicts.length
        ? `Operation clear: accepted with ${conflicts.length} conflict(s) it may plan into`
        : "Operation clear: no conflicts";
    result.replaceChildren(el("p", { className: refused ? "error title" : "ok title" }, title));
    if (conflicts.length) {
      result.append(el("ul", { className: "conflicts" }, ...conflictLines(conflicts).map((text) => el("li", { className: "conflict" }, text))));
    }
    const offers = hints ? HINTS.filter(([key]) => hints[key] !== null && hints[key] !== undefined) : [];
    if (offers.length) {
      result.append(
        el("p", {}, "Resolution hints:"),
        el("div", { className: "hints" }, ...offers.map(([key, text]) => el("button", { type: "button", className: "hint", onclick: () => this.applyHint(key, hints[key]) }, text(Math.abs(hints[key]))))),
      );
    } else if (refused) {
      result.append(el("p", {}, "No time or altitude shift clears it."));
    }
    this.operations.highlight(conflicts.map((c) => c.other));
  }

  applyHint(key, value) {
    if (key.startsWith("time")) {
      for (const id of ["time-start", "time-end"]) {
        const t = parseUtc($(id).value);
        // Whole minutes, rounded away from the conflict, so the shifted window clears it.
        if (t !== null) $(id).value = minuteText(t + Math.sign(value) * Math.ceil(Math.abs(value) / 60) * 60_000);
      }
    } else {
      const levels = Math.sign(value) * Math.ceil(Math.abs(value) / FT_M / 100 / HINT_FL_STEP) * HINT_FL_STEP;
      for (const id of ["alt-lower", "alt-upper"]) $(id).value = String(Math.max(0, Number($(id).value) + levels));
    }
    this.check();
  }
}

/** A gap between buffered volumes: negative means they overlap by that much. */
const gap = (metres, text) => (metres < 0 ? `overlap ${text(-metres)}` : `gap ${text(metres)}`);

function conflictLines(conflicts) {
  return conflicts.map(
    (c) =>
      `${c.other.party}/${c.other.id} #${c.other.volume} (your volume ${c.volume}): ${c.verdict}, ${c.reason.replaceAll("_", " ")} · ` +
      `${gap(c.lateral_gap_m, nauticalMiles)} laterally, ${gap(c.vertical_gap_m, feet)} vertically · ` +
      `${c.time_start.slice(11, 16)}–${c.time_end.slice(11, 16)}Z`,
  );
}

function showLines(node, title, lines, kind) {
  node.replaceChildren(el("p", { className: `${kind} title` }, title), ...(lines.length ? [el("ul", {}, ...lines.map((l) => el("li", {}, l)))] : []));
}
