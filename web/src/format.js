// Units and text shared by every panel: one place decides how a time, a level or a distance
// reads, so the map labels and the lists never disagree.

export const FT_M = 0.3048;
export const NM_M = 1852;

const pad = (n, width = 2) => String(n).padStart(width, "0");

/** "FL245" from feet (pressure altitude rounded to the nearest 100 ft). */
export function flightLevel(feet) {
  if (!Number.isFinite(feet)) return "FL---";
  return `FL${pad(Math.max(0, Math.round(feet / 100)), 3)}`;
}

/** Metres of a flight level number (FL150 → 4572 m), the unit volumes are compared in. */
export const flightLevelMetres = (fl) => fl * 100 * FT_M;

/** "HH:MM:SSZ" of a time in ms. */
export function clockText(ms) {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}Z`;
}

/** "YYYY-MM-DDTHH:MMZ": what the time inputs show and accept. */
export function minuteText(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}Z`;
}

/** "MM-DD HH:MMZ", short enough for list rows. */
export function shortTime(value) {
  const ms = typeof value === "number" ? value : Date.parse(value);
  if (!Number.isFinite(ms)) return "—";
  const d = new Date(ms);
  return `${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}Z`;
}

const UTC_TEXT = /^\s*(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|UTC|\+00:?00)?\s*$/i;

/** Milliseconds of a UTC time typed as YYYY-MM-DDTHH:MM[:SS][Z]; null when it is not one. A
 * time without a zone is read as UTC: the screen never shows local time. */
export function parseUtc(text) {
  const m = UTC_TEXT.exec(text ?? "");
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map((v) => (v === undefined ? 0 : Number(v)));
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-31 over to March; refuse instead of guessing.
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59) return null;
  return ms;
}

/** RFC 3339 with seconds, as the API expects. */
export const rfc3339 = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** "h:mm" of a lead time in seconds (negative when the operation had already started). */
export function hoursMinutes(seconds) {
  const sign = seconds < 0 ? "−" : "";
  const minutes = Math.round(Math.abs(seconds) / 60);
  return `${sign}${Math.floor(minutes / 60)}:${pad(minutes % 60)}`;
}

/** "45 s", "3 min 20 s", "2 h 05 min": durations in hints and alerts. */
export function duration(seconds) {
  const s = Math.round(Math.abs(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${pad(s % 60)} s` : ""}`;
  return `${Math.floor(s / 3600)} h ${pad(Math.round((s % 3600) / 60))} min`;
}

export const nauticalMiles = (metres) => `${(metres / NM_M).toFixed(1)} NM`;

export const feet = (metres) => `${Math.round(metres / FT_M).toLocaleString("en")} ft`;

/** An altitude as declared: "FL150" as is, a structured one as "3000 M W84". */
export function altitudeText(value) {
  if (typeof value === "string") return value;
  if (value && typeof value === "object") return `${value.value} ${value.units} ${value.reference}`;
  return "—";
}
