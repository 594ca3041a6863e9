// The replay: the picture at an earlier time, rebuilt from the party's own event log. Alerts
// are drawn at the positions their events carry; operations as their versions stood, outlined
// by the server (POST /v1/map/outlines, cached per operation version, since a version never
// changes). Live aircraft are not replayed: the log keeps no tracks.

import { clockText, shortTime } from "./format.js";
import { setText } from "./dom.js";

const PAGE = 500; // the server's page size for ?stream=false
const OUTLINE_CACHE = 500;

/** Page through the log from the start with `?stream=false&after=N` (what the live stream
 * then resumes from); `onEvent` gets each event, `onProgress(count)` after each page. */
export async function loadHistory(api, onEvent, onProgress) {
  let after = 0;
  let count = 0;
  for (;;) {
    const { events } = await api.get(`/v1/events?stream=false&after=${after}`);
    for (const event of events) onEvent(event);
    count += events.length;
    if (events.length) after = events[events.length - 1].seq;
    onProgress(count);
    if (events.length < PAGE) return after;
  }
}

export class Replay {
  /** `onChange(picture, at, operations)`: a picture to show at time `at` with operations as a
   * FeatureCollection, or `(null)` when back to live. */
  constructor({ api, timeline, onChange }) {
    this.api = api;
    this.timeline = timeline;
    this.onChange = onChange;
    this.at = null;
    this.outlines = new Map(); // "party/id@version" → Promise of features
    this.generation = 0;
    this.slider = document.getElementById("replay");
    this.label = document.getElementById("replay-label");
    this.status = document.getElementById("replay-status");
    this.banner = document.getElementById("replay-banner");
    this.slider.addEventListener("input", () => this.move());
    document.getElementById("replay-live").addEventListener("click", () => this.live());
  }

  /** The history so far, said in the panel. */
  describe(loading) {
    const kept = this.timeline.events.length;
    const horizon = this.timeline.horizon();
    const since = horizon === null ? "the whole log" : `from ${shortTime(horizon)}`;
    setText(this.status, `${loading ? "Loading history… " : ""}${kept.toLocaleString("en")} events kept (${since}).`);
  }

  live() {
    this.slider.value = "0";
    this.move();
  }

  async move() {
    const minutes = Number(this.slider.value);
    const generation = ++this.generation;
    if (!minutes) {
      this.at = null;
      setText(this.label, "Live");
      this.banner.hidden = true;
      document.body.dataset.replay = "";
      this.onChange(null);
      return;
    }
    const at = this.api.now() - minutes * 60_000;
    this.at = at;
    const horizon = this.timeline.horizon();
    const partial = horizon !== null && at < horizon ? " (before the kept history)" : "";
    setText(this.label, `−${minutes} min · ${clockText(at)}${partial}`);
    setText(this.banner, `Replay ${clockText(at)}`);
    this.banner.hidden = false;
    document.body.dataset.replay = "1";
    const picture = this.timeline.at(at);
    const operations = await this.operationsAt(picture);
    // A later slider move has taken over while the outlines were coming.
    if (generation === this.generation) this.onChange(picture, at, operations);
  }

  async operationsAt(picture) {
    const me = this.timeline.me;
    const features = [];
    await Promise.all(
      [...picture.operations.values()].map(async (op) => {
        const outline = await this.outline(op);
        for (const f of outline) {
          features.push({
            type: "Feature",
            geometry: f.geometry,
            properties: { ...f.properties, party: op.party, id: op.id, version: op.version, state: op.state, priority: op.priority, own: op.party === me },
          });
        }
      }),
    );
    return { type: "FeatureCollection", features };
  }

  outline(op) {
    const key = `${op.party}/${op.id}@${op.version}`;
    let found = this.outlines.get(key);
    if (!found) {
      found = this.api
        .post("/v1/map/outlines", { volumes: op.volumes })
        .then((c) => c.features)
        .catch((error) => {
          console.warn("outline of", key, error);
          this.outlines.delete(key); // try again on the next move
          return [];
        });
      this.outlines.set(key, found);
      if (this.outlines.size > OUTLINE_CACHE) this.outlines.delete(this.outlines.keys().next().value);
    }
    return found;
  }
}
