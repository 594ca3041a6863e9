// Live traffic: /v1/traffic polled every second, merged into one record per aircraft. Each
// record owns its three GeoJSON features (arrow, trail, 60 s vector) and mutates them in
// place, so an update allocates almost nothing however many aircraft there are, and the map
// gets one setData per second. Aircraft are never DOM nodes; their labels go on the overlay.

import { flightLevel, NM_M } from "./format.js";
import { beside, destination } from "./geo.js";
import { inView, Overlay } from "./map.js";

const POLL_MS = 1000;
const STALE_MS = 10_000;
const REMOVE_MS = 60_000;
const TRAIL_POINTS = 20;
const LOOKAHEAD_S = 60;
const LABEL_CAP = 150;
const FORCED_LABELS = 40;

export const aircraftKey = (party, icao24) => `${party}:${icao24}`;

export class Traffic {
  /** `parties`: the directory (for colours); `onUpdate()` after each merged poll. */
  constructor(api, parties, onUpdate) {
    this.api = api;
    this.parties = parties;
    this.onUpdate = onUpdate;
    this.aircraft = new Map();
    this.alerted = new Map(); // aircraft in an alert → its level: always labelled, ringed
    this.timer = null;
    this.running = false;
    this.error = null;
  }

  start() {
    this.running = true;
    this.poll();
  }

  stop() {
    this.running = false;
    clearTimeout(this.timer);
  }

  async poll() {
    const started = performance.now();
    try {
      const { aircraft } = await this.api.get("/v1/traffic");
      this.merge(aircraft);
      this.error = null;
    } catch (error) {
      this.error = error;
    }
    if (!this.running) return;
    this.prune();
    this.onUpdate();
    // Every second from the start of the last poll, never two polls in flight.
    this.timer = setTimeout(() => this.poll(), Math.max(0, POLL_MS - (performance.now() - started)));
  }

  merge(reports) {
    const me = this.parties.me.id;
    for (const r of reports) {
      const key = aircraftKey(r.party, r.icao24);
      const t = Date.parse(r.timestamp);
      let a = this.aircraft.get(key);
      if (!a) {
        a = this.create(key, r);
        this.aircraft.set(key, a);
      } else if (t <= a.t) {
        continue;
      }
      const lon = a.trail.length ? beside(r.longitude, a.lon) : r.longitude;
      const moved = lon !== a.lon || r.latitude !== a.lat;
      a.t = t;
      a.lon = lon;
      a.lat = r.latitude;
      a.altitude = r.altitude;
      a.groundspeed = r.groundspeed;
      a.track = r.track;
      a.callsign = r.callsign || "";
      a.lines[0] = a.callsign || r.icao24;
      a.lines[1] = `${flightLevel(r.altitude)} ${Math.round(r.groundspeed)}kt`;
      a.font = ""; // the label text may have changed: measure it again
      if (moved) {
        a.trail.push([lon, r.latitude]);
        if (a.trail.length > TRAIL_POINTS) a.trail.shift();
      }
      a.point.geometry.coordinates[0] = lon;
      a.point.geometry.coordinates[1] = r.latitude;
      a.point.properties.trk = r.track;
      const end = destination(lon, r.latitude, r.track, (r.groundspeed * NM_M * LOOKAHEAD_S) / 3600);
      a.vector.geometry.coordinates[0] = a.point.geometry.coordinates;
      a.vector.geometry.coordinates[1] = [beside(end[0], lon), end[1]];
      a.own = r.party === me;
    }
  }

  create(key, r) {
    const c = this.parties.color(r.party);
    const own = r.party === this.parties.me.id;
    const props = (k) => ({ k, c, own, stale: false, alert: "", trk: 0 });
    return {
      key,
      party: r.party,
      icao24: r.icao24,
      callsign: "",
      t: -Infinity,
      lon: NaN,
      lat: NaN,
      altitude: 0,
      groundspeed: 0,
      track: 0,
      own,
      stale: false,
      lines: ["", ""],
      width: 0,
      font: "",
      trail: [],
      point: { type: "Feature", geometry: { type: "Point", coordinates: [0, 0] }, properties: props("a") },
      vector: { type: "Feature", geometry: { type: "LineString", coordinates: [[0, 0], [0, 0]] }, properties: props("v") },
      trailLine: { type: "Feature", geometry: { type: "LineString", coordinates: null }, properties: props("t") },
    };
  }

  /** Fade what has not been reported for STALE_MS, forget it after REMOVE_MS. */
  prune() {
    const now = this.api.now();
    for (const [key, a] of this.aircraft) {
      const age = now - a.t;
      if (age > REMOVE_MS) {
        this.aircraft.delete(key);
        continue;
      }
      a.stale = age > STALE_MS;
      const alert = this.alerted.get(key) ?? "";
      for (const f of [a.point, a.vector, a.trailLine]) {
        f.properties.stale = a.stale;
        f.properties.alert = alert;
      }
      a.trailLine.geometry.coordinates = a.trail;
    }
  }

  /** Push this aircraft's features onto `out` (the live source's feature array). */
  features(out) {
    for (const a of this.aircraft.values()) {
      if (a.trail.length > 1) out.push(a.trailLine);
      if (a.groundspeed > 0) out.push(a.vector);
      out.push(a.point);
    }
  }

  find(party, icao24) {
    return this.aircraft.get(aircraftKey(party, icao24));
  }

  /** Labels: callsign, flight level, ground speed, up to LABEL_CAP on screen. */
  paintLabels(ctx, view, overlay) {
    const size = Math.round(view.rem * 0.78);
    const font = `600 ${size}px system-ui, sans-serif`;
    ctx.font = font;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    const line = Math.round(size * 1.15);
    const offset = Math.round(size * 0.9);
    let drawn = 0;
    const draw = (a, force) => {
      if (!a || !inView(view.bounds, a.lon, a.lat)) return;
      if (a.font !== font) {
        a.width = Math.max(ctx.measureText(a.lines[0]).width, ctx.measureText(a.lines[1]).width);
        a.font = font;
      }
      const p = overlay.map.project([a.lon, a.lat]);
      const spot = overlay.placeBeside(p.x, p.y, a.width, line * 2, offset, force);
      if (!spot) return;
      const color = a.stale ? "#8a97a6" : "#e8eef5";
      Overlay.text(ctx, a.lines[0], spot[0], spot[1], color);
      Overlay.text(ctx, a.lines[1], spot[0], spot[1] + line, color);
      drawn += 1;
    };
    // The most urgent alerts' aircraft are labelled whatever they overlap; past those, the
    // rest of the alerted, then the party's own, then others, where there is room.
    let forced = 0;
    for (const key of this.alerted.keys()) {
      if (drawn >= LABEL_CAP) break;
      draw(this.aircraft.get(key), forced < FORCED_LABELS);
      forced += 1;
    }
    for (const a of this.aircraft.values()) {
      if (drawn >= LABEL_CAP) break;
      if (a.own && !this.alerted.has(a.key)) draw(a, false);
    }
    for (const a of this.aircraft.values()) {
      if (drawn >= LABEL_CAP) break;
      if (!a.own && !this.alerted.has(a.key)) draw(a, false);
    }
  }

  snapshot() {
    return [...this.aircraft.values()].map((a) => ({ party: a.party, icao24: a.icao24, callsign: a.callsign, stale: a.stale }));
  }
}
