// The party directory (/v1/parties) and each party's colour. Colours come from the Okabe–Ito
// palette, which stays distinguishable under the common colour-vision deficiencies. Orange and
// vermillion come last because amber and red mean caution and warning on this screen; black is
// replaced by a light grey, which reads on the dark map.

const PALETTE = [
  "#56B4E9", // sky blue
  "#009E73", // bluish green
  "#F0E442", // yellow
  "#CC79A7", // reddish purple
  "#0072B2", // blue
  "#E69F00", // orange
  "#D55E00", // vermillion
  "#BBBBBB", // grey in place of black
];

export class Parties {
  constructor() {
    this.me = null; // {id, name, airspace}
    this.list = [];
    this.byId = new Map();
  }

  /** Colours follow the directory's order (sorted by id), so that a party has the same
   * colour on every party's screen. */
  set(me, parties) {
    this.me = me;
    this.list = [...parties].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    this.byId = new Map(this.list.map((p, i) => [p.id, { ...p, color: PALETTE[i % PALETTE.length] }]));
    if (!this.byId.has(me.id)) this.byId.set(me.id, { ...me, color: PALETTE[0] });
  }

  color(id) {
    return this.byId.get(id)?.color ?? PALETTE[PALETTE.length - 1];
  }

  name(id) {
    return this.byId.get(id)?.name ?? id;
  }

  /** "Russia (RU)", or just the id when the name is the id. */
  label(id) {
    const name = this.name(id);
    return name && name !== id ? `${name} (${id})` : id;
  }

  others() {
    return this.list.filter((p) => p.id !== this.me?.id);
  }
}
