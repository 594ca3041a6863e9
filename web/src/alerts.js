// Pair alerts (from /v1/alerts, refreshed on alert events), border warnings and volume or
// conformance warnings (from the event log: the API lists none of them), as lists and on the
// map: a line between the two aircraft of each alert, coloured by level and labelled with the
// time to loss of separation and the predicted miss distance; a ring at each predicted entry.

import { aircraftKey } from "./aircraft.js";
import { el, reconcile, setText } from "./dom.js";
import { duration, feet, flightLevel, nauticalMiles } from "./format.js";
import { COLORS, inView, Overlay } from "./map.js";
import { problemLines } from "./api.js";

const RANK = { WARNING: 3, CAUTION: 2, PREVENTIVE: 1, NONE: 0 };
const GRADE_RANK = { inside: 4, immediate: 3, imminent: 2, approaching: 1 };
// A warning from before a server restart is never cleared in the log: once its aircraft has
// not been seen for this long, it is no longer shown live.
const ORPHAN_MS = 60_000;
const FORCED_LABELS = 20;
const LABEL_CAP = 60;

export class Alerts {
  /** `isVisible()`: whether the alerts panel is on screen (its lists are kept up to date only
   * then, and brought up to date when it is shown). */
  constructor({ api, parties, traffic, timeline, isVisible, onChange }) {
    this.api = api;
    this.parties = parties;
    this.traffic = traffic;
    this.timeline = timeline;
    this.isVisible = isVisible;
    this.onChange = onChange;
    this.byId = new Map(); // the live alerts by id
    this.list_ = null; // this.byId's values, rebuilt when it changes
    this.seenAt = new Map(); // alert id → when this page first saw it (countdown fallback)
    this.replay = null; // {alerts, border, volume} at the replay time, or null when live
    this.replayAt = null;
    this.list = document.getElementById("alerts");
    this.borderList = document.getElementById("border-warnings");
    this.volumeList = document.getElementById("volume-warnings");
    this.sort = document.getElementById("alerts-sort");
    this.sort.addEventListener("change", () => this.render());
  }

  get live() {
    this.list_ ??= [...this.byId.values()];
    return this.list_;
  }

  /** The whole list, with this party's acknowledgements and suppressions. */
  async refresh() {
    try {
      const { alerts } = await this.api.get("/v1/alerts");
      const now = this.api.now();
      this.byId = new Map(alerts.map((a) => [a.id, a]));
      this.list_ = null;
      for (const id of this.seenAt.keys()) if (!this.byId.has(id)) this.seenAt.delete(id);
      for (const id of this.byId.keys()) if (!this.seenAt.has(id)) this.seenAt.set(id, now);
    } catch (error) {
      console.warn("alerts:", error);
    }
    this.render();
    this.onChange();
  }

  /** An alert raised, changed or ended: its event carries the whole alert, so the list is
   * patched at once (a busy sky changes hundreds a second; refetching each time cannot keep
   * up). Acknowledgements and suppressions come from `refresh`. */
  handle(event) {
    const alert = event.payload.alert;
    if (event.kind === "alert.ended") {
      this.byId.delete(alert.id);
      this.seenAt.delete(alert.id);
    } else {
      const before = this.byId.get(alert.id);
      this.byId.set(alert.id, { ...alert, acknowledged: before?.acknowledged ?? false, suppressed: before?.suppressed ?? null });
      if (!this.seenAt.has(alert.id)) this.seenAt.set(alert.id, this.api.now());
    }
    this.list_ = null;
  }

  setReplay(picture, at) {
    this.replayAt = picture ? at : null;
    this.replay = picture && {
      alerts: [...picture.alerts.values()].map((o) => ({ ...o.alert, acknowledged: o.acknowledged, suppressed: o.suppressed, at: o.at })),
      border: [...picture.border.values()],
      volume: [...picture.volume.values()],
    };
    this.render();
  }

  /** The server's time to conflict is as of the sweep that last changed the alert's level:
   * count it down from then (the event's time) so the list and the map do not lie. */
  timeToConflict(alert, now) {
    const since = alert.at ?? this.timeline.current.alerts.get(alert.id)?.at ?? this.seenAt.get(alert.id) ?? now;
    return alert.time_to_conflict_s - Math.max(0, now - since) / 1000;
  }

  alerts() {
    return this.replay ? this.replay.alerts : this.live;
  }

  /** The time the lists and lines are shown at: now, or the replay's time. */
  shownAt() {
    return this.replayAt ?? this.api.now();
  }

  borderWarnings() {
    if (this.replay) return this.replay.border;
    const now = this.api.now();
    return [...this.timeline.current.border.values()].filter(
      (w) => now - w.at < ORPHAN_MS || this.traffic.find(w.aircraft.party, w.aircraft.icao24),
    );
  }

  volumeWarnings() {
    if (this.replay) return this.replay.volume;
    const now = this.api.now();
    return [...this.timeline.current.volume.values()].filter(
      (w) => now - w.at < ORPHAN_MS || this.traffic.find(w.aircraft.party, w.aircraft.icao24),
    );
  }

  /** The aircraft in a shown (not suppressed) alert, each with its most severe level. */
  alertedKeys(into) {
    into.clear();
    for (const a of this.alerts()) {
      if (a.suppressed) continue;
      for (const side of [a.a, a.b]) {
        const key = aircraftKey(side.party, side.icao24);
        if (!into.has(key) || RANK[a.level] > RANK[into.get(key)]) into.set(key, a.level);
      }
    }
  }

  sorted() {
    const now = this.shownAt();
    const list = this.alerts().map((a) => ({ alert: a, ttc: this.timeToConflict(a, now) }));
    const by = this.sort.value;
    list.sort((x, y) => {
      if (by === "level") return RANK[y.alert.level] - RANK[x.alert.level] || x.ttc - y.ttc;
      if (by === "id") return y.alert.id - x.alert.id;
      return x.ttc - y.ttc || RANK[y.alert.level] - RANK[x.alert.level];
    });
    return list;
  }

  render() {
    if (!this.isVisible()) return;
    const replaying = Boolean(this.replay);
    reconcile(this.list, this.sorted(), {
      key: (x) => x.alert.id,
      create: (x) => this.alertRow(x.alert.id),
      update: (row, x) => this.updateAlertRow(row, x, replaying),
    });
    const borders = this.borderWarnings().sort((x, y) => (GRADE_RANK[y.grade] ?? 0) - (GRADE_RANK[x.grade] ?? 0) || (x.time_to_entry_s ?? 0) - (y.time_to_entry_s ?? 0));
    reconcile(this.borderList, borders, {
      key: (w) => w.key,
      create: () => el("li", { className: "warning" }, el("span", { className: "level" }), el("span", { className: "what" }), el("span", { className: "detail" })),
      update: (row, w) => this.updateBorderRow(row, w),
    });
    reconcile(this.volumeList, this.volumeWarnings(), {
      key: (w) => w.key,
      create: () => el("li", { className: "warning" }, el("span", { className: "level" }), el("span", { className: "what" }), el("span", { className: "detail" })),
      update: (row, w) => this.updateVolumeRow(row, w),
    });
  }

  alertRow(id) {
    const reason = el("input", { className: "reason", type: "text", maxlength: 4000, placeholder: "reason to suppress", "aria-label": `Reason to suppress alert ${id}` });
    const message = el("p", { className: "error", role: "alert" });
    const suppress = () => this.suppress(id, reason, message);
    reason.addEventListener("keydown", (e) => {
      if (e.key === "Enter") suppress();
    });
    return el(
      "li",
      { dataset: { alertId: id }, className: "alert" },
      el("div", { className: "line1" }, el("span", { className: "level" }), el("span", { className: "pair" }), el("span", { className: "state" })),
      el("div", { className: "line2" }),
      el(
        "div",
        { className: "actions" },
        el("button", { type: "button", className: "ack", onclick: () => this.acknowledge(id, message) }, "Acknowledge"),
        el("button", { type: "button", className: "suppress", onclick: suppress }, "Suppress"),
        reason,
        el("button", { type: "button", className: "confirm-suppress", onclick: suppress }, "Confirm"),
      ),
      message,
    );
  }

  updateAlertRow(row, { alert, ttc }, replaying) {
    const side = (s) => `${s.callsign || s.icao24} (${s.party})`;
    row.dataset.level = alert.level;
    row.classList.toggle("suppressed", Boolean(alert.suppressed));
    setText(row.querySelector(".level"), alert.level);
    setText(row.querySelector(".pair"), `${side(alert.a)} ↔ ${side(alert.b)}`);
    const state = alert.suppressed ? `suppressed: ${alert.suppressed}` : alert.acknowledged ? "acknowledged" : "new";
    setText(row.querySelector(".state"), state);
    setText(
      row.querySelector(".line2"),
      `${ttc > 0 ? `LoS in ${duration(ttc)}` : "loss of separation"} · miss ${nauticalMiles(alert.h_min_m)} / ${feet(alert.v_min_m)} · now ${nauticalMiles(alert.h_now_m)}`,
    );
    for (const button of row.querySelectorAll("button")) button.disabled = replaying || Boolean(alert.suppressed);
    row.querySelector(".ack").disabled = replaying || alert.acknowledged || Boolean(alert.suppressed);
    row.querySelector(".reason").disabled = replaying || Boolean(alert.suppressed);
  }

  updateBorderRow(row, w) {
    row.dataset.grade = w.grade;
    setText(row.querySelector(".level"), w.grade);
    setText(row.querySelector(".what"), `${w.aircraft.callsign || w.aircraft.icao24} (${w.aircraft.party}) → ${w.airspace.name}`);
    const when = w.inside ? "inside" : w.time_to_entry_s === null ? "" : `entry in ${duration(w.time_to_entry_s)}`;
    setText(row.querySelector(".detail"), [when, `airspace of ${w.airspace.owners.join(", ")}`].filter(Boolean).join(" · "));
  }

  updateVolumeRow(row, w) {
    const who = `${w.aircraft.callsign || w.aircraft.icao24} (${w.aircraft.party})`;
    if (w.kind.startsWith("conformance")) {
      row.dataset.grade = "conformance";
      setText(row.querySelector(".level"), "nonconforming");
      setText(row.querySelector(".what"), `${who} outside its volumes`);
      const near = w.nearest ? `nearest ${w.nearest.party}/${w.nearest.id} #${w.nearest.volume}` : "no active volume";
      setText(row.querySelector(".detail"), `${near} · ${(w.deviations ?? []).join(", ")}`);
    } else {
      row.dataset.grade = w.inside ? "inside" : "approaching";
      setText(row.querySelector(".level"), w.inside ? "inside volume" : "volume ahead");
      setText(row.querySelector(".what"), `${who} → ${w.operation.party}/${w.operation.id} #${w.operation.volume}`);
      setText(row.querySelector(".detail"), w.inside ? "inside" : `entry in ${duration(w.time_to_entry_s ?? 0)}`);
    }
  }

  async acknowledge(id, message) {
    setText(message, "");
    try {
      await this.api.post(`/v1/alerts/${id}/acknowledge`);
    } catch (error) {
      setText(message, problemLines(error).join(" · "));
    }
    await this.refresh();
  }

  async suppress(id, reason, message) {
    const text = reason.value.trim();
    if (!text) {
      // The server would refuse it too; say so here, before anything is sent.
      setText(message, "A reason is required to suppress an alert.");
      reason.focus();
      return;
    }
    setText(message, "");
    try {
      await this.api.post(`/v1/alerts/${id}/suppress`, { reason: text });
      reason.value = "";
    } catch (error) {
      setText(message, problemLines(error).join(" · "));
    }
    await this.refresh();
  }

  /** Where an alert's aircraft is: its live track when this page has it, else the position
   * the alert carries (the replay has only those). */
  position(side) {
    const live = this.replay ? null : this.traffic.find(side.party, side.icao24);
    if (live) return [live.lon, live.lat];
    return Number.isFinite(side.lon) && Number.isFinite(side.lat) ? [side.lon, side.lat] : null;
  }

  /** Alert lines and entry rings, pushed onto the live source's features. */
  features(out) {
    const now = this.shownAt();
    this.labels = [];
    for (const { alert } of this.sorted()) {
      if (alert.suppressed) continue;
      const a = this.position(alert.a);
      const b = this.position(alert.b);
      if (!a || !b) continue;
      out.push({ type: "Feature", geometry: { type: "LineString", coordinates: [a, b] }, properties: { k: "x", level: alert.level } });
      const ttc = this.timeToConflict(alert, now);
      this.labels.push({
        lon: (a[0] + b[0]) / 2,
        lat: (a[1] + b[1]) / 2,
        text: `${ttc > 0 ? `LoS ${duration(ttc)}` : "LoS"} · ${nauticalMiles(alert.h_min_m)}`,
        color: alert.level === "WARNING" ? COLORS.warning : COLORS.caution,
      });
      if (this.replay) {
        // The log keeps no tracks: the replay shows each aircraft where its alert saw it.
        for (const [side, p] of [[alert.a, a], [alert.b, b]]) {
          out.push({ type: "Feature", geometry: { type: "Point", coordinates: p }, properties: { k: "r", c: this.parties.color(side.party) } });
          const level = Number.isFinite(side.altitude_ft) ? ` ${flightLevel(side.altitude_ft)}` : "";
          this.labels.push({ lon: p[0], lat: p[1] - 0.02, text: `${side.callsign || side.icao24}${level}`, color: "#e8eef5" });
        }
      }
    }
    for (const w of [...this.borderWarnings(), ...this.volumeWarnings()]) {
      const entry = w.entry;
      if (!entry || !Number.isFinite(entry.lat) || !Number.isFinite(entry.lon) || w.inside) continue;
      out.push({ type: "Feature", geometry: { type: "Point", coordinates: [entry.lon, entry.lat] }, properties: { k: "e", grade: w.grade ?? "imminent" } });
      const where = w.airspace ? w.airspace.name : `${w.operation.party}/${w.operation.id}`;
      this.labels.push({
        lon: entry.lon,
        lat: entry.lat,
        text: `${w.aircraft.callsign || w.aircraft.icao24} → ${where}${w.time_to_entry_s == null ? "" : ` ${duration(w.time_to_entry_s)}`}`,
        color: w.grade === "approaching" ? COLORS.caution : COLORS.warning,
      });
    }
  }

  /** Alert and entry labels, most urgent first: the first FORCED_LABELS always, the rest
   * where there is room, up to LABEL_CAP (a busy sky can hold a thousand alerts). */
  paintLabels(ctx, view, overlay) {
    const size = Math.round(view.rem * 0.8);
    ctx.font = `700 ${size}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    let drawn = 0;
    for (const label of this.labels ?? []) {
      if (drawn >= LABEL_CAP) break;
      if (!inView(view.bounds, label.lon, label.lat)) continue;
      const p = overlay.map.project([label.lon, label.lat]);
      const width = ctx.measureText(label.text).width;
      const y = p.y - size * 1.2;
      if (!overlay.place(p.x - width / 2, y - size / 2, width, size, drawn < FORCED_LABELS)) continue;
      Overlay.text(ctx, label.text, p.x, y, label.color);
      drawn += 1;
    }
  }

  snapshot() {
    return {
      alerts: this.alerts().map((a) => ({ id: a.id, level: a.level, a: a.a, b: a.b, acknowledged: Boolean(a.acknowledged), suppressed: Boolean(a.suppressed) })),
      borderWarnings: this.borderWarnings().map((w) => ({ aircraft: w.aircraft, airspace: w.airspace, grade: w.grade })),
    };
  }
}
