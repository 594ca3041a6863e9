// Declared operations on the map: one feature per volume from /v1/map/operations (own and the
// others' this party may see), own and others' styled apart, coloured by party; a hover popup
// with the particulars; filters by time (volumes active at T) and by flight-level band, applied
// as layer filters so that changing them costs no new data.

import { el, setText } from "./dom.js";
import { altitudeText, flightLevelMetres, minuteText, parseUtc, shortTime } from "./format.js";

const LAYERS = {
  "ops-fill": true,
  "ops-line-other": ["!", ["get", "own"]],
  "ops-line-own": ["get", "own"],
};

const EMPTY = { type: "FeatureCollection", features: [] };

export class Operations {
  constructor({ api, parties, skyMap }) {
    this.api = api;
    this.parties = parties;
    this.map = skyMap.map;
    this.live = EMPTY;
    this.replay = null;
    this.conflicts = [];
    this.inputs = {
      time: document.getElementById("filter-time"),
      min: document.getElementById("filter-alt-min"),
      max: document.getElementById("filter-alt-max"),
      error: document.getElementById("filter-error"),
    };
    for (const input of [this.inputs.time, this.inputs.min, this.inputs.max]) {
      input.addEventListener("input", () => this.applyFilters());
      input.addEventListener("change", () => this.applyFilters());
    }
    document.getElementById("filter-now").addEventListener("click", () => {
      this.inputs.time.value = minuteText(this.api.now());
      this.applyFilters();
    });
    document.getElementById("filter-all").addEventListener("click", () => {
      this.inputs.time.value = "";
      this.inputs.min.value = "";
      this.inputs.max.value = "";
      this.applyFilters();
    });
    document.getElementById("filters").addEventListener("submit", (e) => e.preventDefault());
    this.popup = new window.maplibregl.Popup({ closeButton: false, closeOnClick: false, maxWidth: "28rem", className: "ops-popup" });
    this.drawing = () => false; // set by the declare panel: no popups while drawing
    this.map.on("mousemove", "ops-fill", (e) => (this.drawing() ? this.popup.remove() : this.hover(e)));
    this.map.on("mouseleave", "ops-fill", () => this.popup.remove());
  }

  async refresh() {
    try {
      this.live = this.decorate(await this.api.get("/v1/map/operations"));
    } catch (error) {
      console.warn("operations:", error);
    }
    if (!this.replay) this.show();
  }

  /** Colour and numeric times on each feature, for the paint properties and the filters. */
  decorate(collection) {
    const me = this.parties.me.id;
    for (const f of collection.features) {
      const p = f.properties;
      p.party ??= me;
      p.own ??= p.party === me;
      p.color = this.parties.color(p.party);
      p.t0 = Date.parse(p.time_start);
      p.t1 = Date.parse(p.time_end);
    }
    return collection;
  }

  /** The operations as of the replay time (a FeatureCollection), or live again (null). */
  setReplay(collection) {
    this.replay = collection && this.decorate(collection);
    this.show();
  }

  view() {
    return this.replay ?? this.live;
  }

  show() {
    this.map.getSource("operations").setData(this.view());
    this.applyFilters();
  }

  filters() {
    const { time, min, max, error } = this.inputs;
    const out = [];
    const text = time.value.trim();
    setText(error, "");
    if (text) {
      const t = parseUtc(text);
      if (t === null) setText(error, "Time: YYYY-MM-DDTHH:MMZ");
      else out.push(["<=", ["get", "t0"], t], [">", ["get", "t1"], t]);
    }
    if (min.value !== "") out.push([">", ["get", "upper_m"], flightLevelMetres(Number(min.value))]);
    if (max.value !== "") out.push(["<", ["get", "lower_m"], flightLevelMetres(Number(max.value))]);
    return out;
  }

  applyFilters() {
    const extra = this.filters();
    for (const [layer, base] of Object.entries(LAYERS)) {
      this.map.setFilter(layer, ["all", base, ...extra]);
    }
    const keys = this.conflicts.map((c) => `${c.party}/${c.id}`);
    this.map.setFilter("ops-conflict", ["all", ["in", ["concat", ["get", "party"], "/", ["get", "id"]], ["literal", keys]], ...extra]);
  }

  /** Outline in red the volumes a checked declaration conflicts with (those shown here). */
  highlight(conflicts) {
    this.conflicts = conflicts;
    this.applyFilters();
  }

  hover(event) {
    const seen = new Set();
    const rows = [];
    for (const f of event.features) {
      const p = f.properties;
      const key = `${p.party}/${p.id}/${p.volume}`;
      if (seen.has(key)) continue;
      seen.add(key);
      // Feature properties come back from the map as JSON text for objects.
      const parse = (v) => (typeof v === "string" && v.startsWith("{") ? JSON.parse(v) : v);
      rows.push(
        el(
          "div",
          { className: "op-row" },
          el("strong", {}, `${this.parties.label(p.party)} · ${p.id} v${p.version}${p.own ? " (own)" : ""}`),
          el("div", {}, `${p.state} · priority ${p.priority} · volume ${p.volume} (${p.footprint})`),
          el("div", {}, `${altitudeText(parse(p.lower))} – ${altitudeText(parse(p.upper))}`),
          el("div", {}, `${shortTime(p.time_start)} → ${shortTime(p.time_end)}`),
        ),
      );
      if (rows.length >= 4) break;
    }
    this.popup.setLngLat(event.lngLat).setDOMContent(el("div", {}, ...rows)).addTo(this.map);
  }

  /** The party's own operation with this id, if it is live (its version, for If-Match). */
  ownVersion(id) {
    const f = this.live.features.find((x) => x.properties.own && x.properties.id === id);
    return f ? f.properties.version : null;
  }

  snapshot() {
    const seen = new Map();
    for (const f of this.view().features) {
      const p = f.properties;
      seen.set(`${p.party}/${p.id}`, { party: p.party, id: p.id, version: p.version });
    }
    return [...seen.values()];
  }
}
