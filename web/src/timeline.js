// The party's event log folded into a picture: which alerts, border and volume warnings are
// open, each notice's status, each operation's current version. `current` is the picture now
// (the live border and volume warnings come from it: the API has no list of them); `at(T)`
// rebuilds the picture at an earlier time for the replay.
//
// Memory stays bounded: only the kinds the fold reads are kept, at most CAP of them; the oldest
// are folded into `baseline` (the picture just before the first kept event) when the cap is
// reached, and what has ended is dropped from the pictures.

const CAP = 20_000;
const EVICT = 2_000;
const MAX_NOTICES = 2_000;

const KINDS = /^(alert|border|volume|conformance|notice|operation)\./;

function emptyPicture() {
  return { alerts: new Map(), border: new Map(), volume: new Map(), notices: new Map(), operations: new Map() };
}

function copy(picture) {
  return Object.fromEntries(Object.entries(picture).map(([k, m]) => [k, new Map(m)]));
}

const aircraftOf = (a) => `${a.party}:${a.icao24}`;

/** Fold one event into `picture` (values are replaced, never mutated: pictures share them). */
function apply(picture, event, me) {
  const { kind, payload, t } = event;
  const [family, what] = kind.split(".");
  switch (family) {
    case "alert": {
      const id = payload.alert.id;
      const before = picture.alerts.get(id);
      if (what === "raised" || what === "updated") {
        picture.alerts.set(id, {
          alert: payload.alert,
          at: t,
          acknowledged: before?.acknowledged ?? false,
          suppressed: before?.suppressed ?? null,
        });
      } else if (what === "ended") {
        picture.alerts.delete(id);
      } else if (before && payload.party === me) {
        picture.alerts.set(id, what === "acknowledged" ? { ...before, acknowledged: true } : { ...before, suppressed: payload.reason ?? "" });
      }
      break;
    }
    case "border": {
      const key = `${aircraftOf(payload.aircraft)}|${payload.airspace.id}`;
      if (what === "clear") picture.border.delete(key);
      else picture.border.set(key, { key, kind, at: t, ...payload });
      break;
    }
    case "volume":
    case "conformance": {
      const op = payload.operation;
      const key = family === "volume" ? `v|${aircraftOf(payload.aircraft)}|${op.party}/${op.id}|${op.volume}` : `c|${aircraftOf(payload.aircraft)}`;
      if (what === "clear" || what === "restored") picture.volume.delete(key);
      else picture.volume.set(key, { key, kind, at: t, ...payload });
      break;
    }
    case "notice": {
      picture.notices.set(payload.notice.id, payload.notice);
      if (picture.notices.size > MAX_NOTICES) picture.notices.delete(picture.notices.keys().next().value);
      // Others' operations reach this party only with their notices.
      if (payload.operation) upsert(picture.operations, payload.operation);
      break;
    }
    case "operation": {
      const op = payload.operation;
      const key = `${op.party}/${op.id}`;
      if (what === "deleted") {
        if ((picture.operations.get(key)?.version ?? 0) < op.version) picture.operations.delete(key);
      } else {
        upsert(picture.operations, op);
      }
      break;
    }
    default:
  }
}

function upsert(operations, op) {
  const key = `${op.party}/${op.id}`;
  if ((operations.get(key)?.version ?? 0) <= op.version) {
    operations.set(key, { party: op.party, id: op.id, version: op.version, state: op.state, priority: op.priority, volumes: op.volumes });
  }
}

export class Timeline {
  constructor(me) {
    this.me = me;
    this.events = [];
    this.baseline = emptyPicture();
    this.current = emptyPicture();
    this.lastSeq = 0;
    this.folded = 0; // events folded into the baseline so far
  }

  /** Take an event (history page or stream); false if it was seen already. */
  add(event) {
    if (event.seq <= this.lastSeq) return false;
    this.lastSeq = event.seq;
    if (!KINDS.test(event.kind)) return true;
    const kept = { seq: event.seq, t: Date.parse(event.at), kind: event.kind, payload: event.payload };
    this.events.push(kept);
    apply(this.current, kept, this.me);
    if (this.events.length > CAP) {
      for (const old of this.events.splice(0, EVICT)) apply(this.baseline, old, this.me);
      this.folded += EVICT;
    }
    return true;
  }

  /** The earliest time the replay can show faithfully (null: the whole history is kept). */
  horizon() {
    return this.folded && this.events.length ? this.events[0].t : null;
  }

  /** The picture at time `t` (ms). */
  at(t) {
    const picture = copy(this.baseline);
    for (const event of this.events) {
      if (event.t > t) break;
      apply(picture, event, this.me);
    }
    return picture;
  }
}
