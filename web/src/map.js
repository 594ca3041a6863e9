// The map: MapLibre GL JS with a style of a background and GeoJSON sources only. There are no
// tiles, glyphs or sprites (the screen works with no network), so nothing here is a symbol
// text layer: labels are drawn on a 2D canvas laid over the map (see Overlay), and the
// aircraft arrow is drawn at run time as a signed distance field.

const EMPTY = { type: "FeatureCollection", features: [] };

export const COLORS = {
  background: "#0b1622",
  land: "#18263a",
  border: "#3d5470",
  caution: "#FFB000",
  warning: "#FF3B30",
  text: "#e8eef5",
  halo: "#0b1622",
};

/** Root font size in CSS px: the canvas labels and the icons scale with the panel text, so
 * the screen reads the same at 1366×768 and at 3840×2160. */
function remPx() {
  return parseFloat(getComputedStyle(document.documentElement).fontSize) || 16;
}

function style() {
  const byKind = (k) => ["==", ["get", "k"], k];
  return {
    version: 8,
    sources: {
      countries: { type: "geojson", data: EMPTY, attribution: "Borders: Natural Earth" },
      operations: { type: "geojson", data: EMPTY },
      draft: { type: "geojson", data: EMPTY },
      // Everything that moves each second is one source, so a traffic update is one setData.
      live: { type: "geojson", data: EMPTY, maxzoom: 12, buffer: 16, tolerance: 0.5 },
    },
    layers: [
      { id: "background", type: "background", paint: { "background-color": COLORS.background } },
      { id: "countries-fill", type: "fill", source: "countries", paint: { "fill-color": COLORS.land } },
      {
        id: "airspace-own-fill",
        type: "fill",
        source: "countries",
        filter: ["==", ["get", "iso_a3"], ""],
        paint: { "fill-color": "#56B4E9", "fill-opacity": 0.1 },
      },
      {
        id: "countries-line",
        type: "line",
        source: "countries",
        paint: { "line-color": COLORS.border, "line-width": 0.8 },
      },
      {
        id: "airspace-line",
        type: "line",
        source: "countries",
        filter: ["==", ["get", "iso_a3"], ""],
        paint: { "line-color": "#BBBBBB", "line-width": 1.6, "line-opacity": 0.85 },
      },
      {
        id: "airspace-own-line",
        type: "line",
        source: "countries",
        filter: ["==", ["get", "iso_a3"], ""],
        paint: { "line-color": "#56B4E9", "line-width": 3 },
      },
      {
        id: "ops-fill",
        type: "fill",
        source: "operations",
        paint: {
          "fill-color": ["get", "color"],
          "fill-opacity": ["case", ["get", "own"], 0.28, 0.14],
        },
      },
      {
        id: "ops-line-other",
        type: "line",
        source: "operations",
        filter: ["!", ["get", "own"]],
        paint: { "line-color": ["get", "color"], "line-width": 1.5, "line-dasharray": [3, 2] },
      },
      {
        id: "ops-line-own",
        type: "line",
        source: "operations",
        filter: ["get", "own"],
        paint: { "line-color": ["get", "color"], "line-width": 2.5 },
      },
      {
        id: "ops-conflict",
        type: "line",
        source: "operations",
        filter: ["==", ["get", "id"], ""],
        paint: { "line-color": COLORS.warning, "line-width": 4 },
      },
      {
        id: "draft-fill",
        type: "fill",
        source: "draft",
        filter: byKind("outline"),
        paint: { "fill-color": "#ffffff", "fill-opacity": 0.12 },
      },
      {
        id: "draft-line",
        type: "line",
        source: "draft",
        filter: ["any", byKind("outline"), byKind("path")],
        paint: { "line-color": "#ffffff", "line-width": 2, "line-dasharray": [2, 1] },
      },
      {
        id: "draft-points",
        type: "circle",
        source: "draft",
        filter: byKind("vertex"),
        paint: {
          "circle-radius": 4,
          "circle-color": "#ffffff",
          "circle-stroke-color": COLORS.background,
          "circle-stroke-width": 1.5,
        },
      },
      {
        id: "trails",
        type: "line",
        source: "live",
        filter: byKind("t"),
        layout: { "line-cap": "round", "line-join": "round" },
        paint: { "line-color": ["get", "c"], "line-width": 1.4, "line-opacity": ["case", ["get", "stale"], 0.25, 0.55] },
      },
      {
        id: "vectors",
        type: "line",
        source: "live",
        filter: byKind("v"),
        paint: { "line-color": ["get", "c"], "line-width": 1.6, "line-opacity": ["case", ["get", "stale"], 0.3, 0.9] },
      },
      {
        id: "alert-lines",
        type: "line",
        source: "live",
        filter: byKind("x"),
        // Butt caps and one width: per-feature widths and round caps cost a busy sky's
        // thousands of alert lines dearly in software GL. Level is the colour.
        paint: {
          "line-color": ["match", ["get", "level"], "WARNING", COLORS.warning, COLORS.caution],
          "line-width": 3,
        },
      },
      {
        id: "entries",
        type: "circle",
        source: "live",
        filter: byKind("e"),
        paint: {
          "circle-radius": 6,
          "circle-color": "rgba(0,0,0,0)",
          "circle-stroke-color": ["match", ["get", "grade"], "approaching", COLORS.caution, COLORS.warning],
          "circle-stroke-width": 2.5,
        },
      },
      {
        id: "replay-aircraft",
        type: "circle",
        source: "live",
        filter: byKind("r"),
        paint: { "circle-radius": 5, "circle-color": ["get", "c"], "circle-stroke-color": "#fff", "circle-stroke-width": 1 },
      },
      // Aircraft in an alert get their own, larger, layer: a size that varies per feature
      // costs ~50 ms a frame with thousands of arrows in software GL, two constant ones none.
      aircraftLayer("aircraft", ["==", ["get", "alert"], ""], 0.45, 0.7),
      aircraftLayer("aircraft-alerted", ["!=", ["get", "alert"], ""], 0.75, 1.05),
    ],
  };
}

/** Arrows rotated by track and coloured by party (icons only: there are no glyphs). */
function aircraftLayer(id, filter, sizeZoomedOut, sizeZoomedIn) {
  return {
    id,
    type: "symbol",
    source: "live",
    filter: ["all", ["==", ["get", "k"], "a"], filter],
    layout: {
      "icon-image": "arrow",
      // By zoom only (a camera function): smaller when zoomed out, where a frame's cost in
      // software GL is its pixels.
      "icon-size": ["interpolate", ["linear"], ["zoom"], 5, sizeZoomedOut, 9, sizeZoomedIn],
      "icon-rotate": ["get", "trk"],
      "icon-rotation-alignment": "map",
      // Thousands of arrows: no collision work, every aircraft is drawn.
      "icon-allow-overlap": true,
      "icon-ignore-placement": true,
    },
    paint: {
      "icon-color": ["get", "c"],
      "icon-opacity": ["case", ["get", "stale"], 0.35, 1],
      // No icon-halo: in software GL a haloed SDF costs ~30× a plain one, seconds a frame
      // with thousands of aircraft.
    },
  };
}

/**
 * An arrow pointing north as a signed distance field (alpha 0.75 on the edge, as MapLibre's
 * SDF icons expect), so that `icon-color` can colour it per party and it stays crisp at any
 * `icon-size`.
 */
function arrowImage(size = 32) {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = size;
  const ctx = canvas.getContext("2d");
  const s = size / 32;
  ctx.beginPath();
  ctx.moveTo(16 * s, 2 * s);
  ctx.lineTo(27 * s, 29 * s);
  ctx.lineTo(16 * s, 23 * s);
  ctx.lineTo(5 * s, 29 * s);
  ctx.closePath();
  ctx.fill();
  const mask = ctx.getImageData(0, 0, size, size).data;
  const inside = (i) => mask[i * 4 + 3] > 127;
  // Edge pixels: inside with a neighbour outside. Brute force is fine for one small image.
  const edges = [];
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const i = y * size + x;
      if (!inside(i)) continue;
      const out = [[1, 0], [-1, 0], [0, 1], [0, -1]].some(([dx, dy]) => {
        const nx = x + dx;
        const ny = y + dy;
        return nx < 0 || ny < 0 || nx >= size || ny >= size || !inside(ny * size + nx);
      });
      if (out) edges.push([x, y]);
    }
  }
  const radius = 2 * s; // the distance the field spans across the edge
  const data = new Uint8ClampedArray(size * size * 4);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      let best = Infinity;
      for (const [ex, ey] of edges) best = Math.min(best, (ex - x) ** 2 + (ey - y) ** 2);
      const i = y * size + x;
      const signed = inside(i) ? Math.sqrt(best) : -Math.sqrt(best);
      data[i * 4 + 3] = Math.round(255 * Math.min(1, Math.max(0, 0.75 + (0.25 * signed) / radius)));
    }
  }
  return { width: size, height: size, data };
}

/** Match a party's airspace entries (ISO alpha-3, numeric, or Natural Earth names, as the
 * server accepts) to the countries' iso_a3 codes. */
function airspaceCodes(entries, countries) {
  const codes = new Set();
  for (const entry of entries ?? []) {
    const key = String(entry).trim().toUpperCase();
    for (const c of countries) {
      const p = c.properties;
      if (p.iso_a3 === key || p.iso_n3 === key.padStart(3, "0") || String(p.name).toUpperCase() === key) {
        if (p.iso_a3) codes.add(p.iso_a3);
      }
    }
  }
  return [...codes];
}

/** Where to write a country's name: the centroid of its largest ring's bounding box, and the
 * box itself (a name is written only when its country is wide enough on screen). */
function labelAnchor(feature) {
  const polygons = feature.geometry.type === "Polygon" ? [feature.geometry.coordinates] : feature.geometry.coordinates;
  let best = null;
  for (const polygon of polygons) {
    const ring = polygon[0];
    let [w, s, e, n] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const [x, y] of ring) {
      w = Math.min(w, x);
      e = Math.max(e, x);
      s = Math.min(s, y);
      n = Math.max(n, y);
    }
    const area = (e - w) * (n - s);
    if (!best || area > best.area) best = { area, w, s, e, n };
  }
  return { name: feature.properties.name, iso: feature.properties.iso_a3, ...best, lon: (best.w + best.e) / 2, lat: (best.s + best.n) / 2 };
}

const CELL_PX = 96;

/**
 * The 2D canvas over the map, redrawn on each frame the map renders. Painters draw in order
 * of importance and claim screen boxes through `place`, so a less important label that would
 * overlap a more important one is skipped (declutter).
 */
export class Overlay {
  constructor(map, canvas) {
    this.map = map;
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.painters = [];
    this.cells = new Map(); // grid cell → the boxes claimed over it this frame
    this.frame = null;
    map.on("render", () => this.request());
    map.on("resize", () => this.request());
  }

  /** Painters run by ascending `rank`: the lower the rank, the more important the labels. */
  add(painter, rank) {
    this.painters.push({ painter, rank });
    this.painters.sort((a, b) => a.rank - b.rank);
  }

  request() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** Claim a screen box; false when it overlaps one already claimed this frame. Boxes are
   * filed in a coarse grid, so a check looks only at its neighbours. */
  place(x, y, w, h, force = false) {
    const x0 = Math.floor(x / CELL_PX);
    const x1 = Math.floor((x + w) / CELL_PX);
    const y0 = Math.floor(y / CELL_PX);
    const y1 = Math.floor((y + h) / CELL_PX);
    if (!force) {
      for (let cx = x0; cx <= x1; cx += 1) {
        for (let cy = y0; cy <= y1; cy += 1) {
          for (const b of this.cells.get(cx * 65536 + cy) ?? []) {
            if (x < b[0] + b[2] && x + w > b[0] && y < b[1] + b[3] && y + h > b[1]) return false;
          }
        }
      }
    }
    const box = [x, y, w, h];
    for (let cx = x0; cx <= x1; cx += 1) {
      for (let cy = y0; cy <= y1; cy += 1) {
        const key = cx * 65536 + cy;
        const list = this.cells.get(key);
        if (list) list.push(box);
        else this.cells.set(key, [box]);
      }
    }
    return true;
  }

  /** Claim a box of w×h beside the point (x, y), `gap` away from it: to the right above,
   * right below, left above, left below, the first that is free. Returns its top-left
   * corner, or null; with `force`, the first place is taken even if it overlaps. */
  placeBeside(x, y, w, h, gap, force = false) {
    const spots = [
      [x + gap, y - h],
      [x + gap, y],
      [x - gap - w, y - h],
      [x - gap - w, y],
    ];
    for (const [sx, sy] of spots) if (this.place(sx, sy, w, h)) return [sx, sy];
    if (!force) return null;
    this.place(spots[0][0], spots[0][1], w, h, true);
    return spots[0];
  }

  draw() {
    this.frame = null;
    const { canvas, ctx, map } = this;
    const dpr = window.devicePixelRatio || 1;
    const width = map.getContainer().clientWidth;
    const height = map.getContainer().clientHeight;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    this.cells.clear();
    // Nothing is written under the panels and controls that sit on the map.
    const origin = map.getContainer().getBoundingClientRect();
    for (const node of map.getContainer().parentElement.querySelectorAll(".map-panel:not([hidden]), .maplibregl-ctrl")) {
      const r = node.getBoundingClientRect();
      this.place(r.left - origin.left, r.top - origin.top, r.width, r.height, true);
    }
    const view = { width, height, bounds: map.getBounds(), zoom: map.getZoom(), rem: remPx() };
    for (const { painter } of this.painters) painter(ctx, view, this);
  }

  /** Text with a dark halo, the way map labels stay readable over any colour. */
  static text(ctx, text, x, y, color) {
    ctx.lineWidth = 3;
    ctx.strokeStyle = COLORS.halo;
    ctx.strokeText(text, x, y);
    ctx.fillStyle = color;
    ctx.fillText(text, x, y);
  }
}

/** Is (lon, lat) inside the view's bounds (with the world copies MapLibre may show)? */
export function inView(bounds, lon, lat) {
  if (lat < bounds.getSouth() || lat > bounds.getNorth()) return false;
  const w = bounds.getWest();
  const e = bounds.getEast();
  if (e - w >= 360) return true;
  const x = ((((lon - w) % 360) + 360) % 360) + w;
  return x <= e;
}

export class SkyMap {
  constructor(container, canvas) {
    // Zoom 5 over the eastern Mediterranean until the party's airspace is known.
    this.map = new window.maplibregl.Map({
      container,
      style: style(),
      center: [37, 36],
      zoom: 5,
      maxPitch: 0,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      attributionControl: { compact: true },
      fadeDuration: 0,
    });
    this.map.touchZoomRotate.disableRotation();
    this.map.keyboard.disableRotation();
    this.map.addControl(new window.maplibregl.NavigationControl({ showCompass: false }), "top-right");
    this.map.addControl(new window.maplibregl.ScaleControl({ unit: "nautical" }), "bottom-left");
    this.overlay = new Overlay(this.map, canvas);
    this.countries = [];
    this.labels = [];
    this.airspaces = { own: [], owners: new Map() };
    this.loaded = new Promise((resolve) => this.map.once("load", resolve));
    this.loaded.then(() => this.map.addImage("arrow", arrowImage(), { sdf: true }));
    this.overlay.add((ctx, view, overlay) => this.paintCountryNames(ctx, view, overlay), 100);
  }

  /** Borders from the server (no token needed: public data shipped with it). */
  async loadCountries() {
    const response = await fetch("/map/countries.geojson");
    if (!response.ok) throw new Error(`countries: HTTP ${response.status}`);
    const collection = await response.json();
    this.countries = collection.features;
    this.labels = this.countries.filter((f) => f.geometry).map(labelAnchor);
    await this.loaded;
    this.map.getSource("countries").setData(collection);
  }

  /** Outline every party's sovereign airspace in its colour, and the caller's own filled. */
  setAirspaces(parties) {
    const owners = new Map();
    for (const party of parties.byId.values()) {
      for (const code of airspaceCodes(party.airspace, this.countries)) {
        if (!owners.has(code) || party.id === parties.me.id) owners.set(code, party.id);
      }
    }
    const own = airspaceCodes(parties.me.airspace, this.countries);
    this.airspaces = { own, owners };
    const ownColor = parties.color(parties.me.id);
    const all = [...owners.keys()];
    const colorByCode = all.length
      ? ["match", ["get", "iso_a3"], ...all.flatMap((c) => [c, parties.color(owners.get(c))]), "#BBBBBB"]
      : "#BBBBBB";
    const { map } = this;
    map.setFilter("airspace-line", ["in", ["get", "iso_a3"], ["literal", all]]);
    map.setPaintProperty("airspace-line", "line-color", colorByCode);
    map.setFilter("airspace-own-fill", ["in", ["get", "iso_a3"], ["literal", own]]);
    map.setFilter("airspace-own-line", ["in", ["get", "iso_a3"], ["literal", own]]);
    map.setPaintProperty("airspace-own-fill", "fill-color", ownColor);
    map.setPaintProperty("airspace-own-line", "line-color", ownColor);
    this.overlay.request();
  }

  /** Centre on the caller's own airspace (the first time it is known). */
  frameOwnAirspace() {
    const own = new Set(this.airspaces.own);
    const boxes = this.labels.filter((l) => own.has(l.iso));
    if (!boxes.length) return;
    const w = Math.min(...boxes.map((b) => b.w));
    const e = Math.max(...boxes.map((b) => b.e));
    const s = Math.min(...boxes.map((b) => b.s));
    const n = Math.max(...boxes.map((b) => b.n));
    this.map.fitBounds([[w, s], [e, n]], { padding: 40, animate: false, maxZoom: 7 });
  }

  paintCountryNames(ctx, view, overlay) {
    if (view.zoom < 2.5) return;
    const size = Math.round(view.rem * 0.75);
    ctx.font = `${size}px system-ui, sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (const label of this.labels) {
      if (!inView(view.bounds, label.lon, label.lat)) continue;
      const p = this.map.project([label.lon, label.lat]);
      const q = this.map.project([label.e, label.s]);
      const r = this.map.project([label.w, label.n]);
      const width = ctx.measureText(label.name).width;
      // Only where the country is wider than its name: small ones stay unnamed until zoomed.
      if (Math.abs(q.x - r.x) < width * 1.2) continue;
      const owned = this.airspaces.owners.has(label.iso);
      if (!overlay.place(p.x - width / 2, p.y - size / 2, width, size)) continue;
      Overlay.text(ctx, label.name, p.x, p.y, owned ? "#dfe9f3" : "#7f93aa");
    }
  }
}
