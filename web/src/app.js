// The duty officer's screen: sign-in, then every panel wired to the API, the event stream and
// the map. Everything shown comes from the API as the signed-in party; nothing is fetched from
// anywhere else.

import { Alerts } from "./alerts.js";
import { Api, ApiError, problemLines } from "./api.js";
import { Traffic } from "./aircraft.js";
import { Declare } from "./declare.js";
import { coalesce, setText } from "./dom.js";
import { clockText } from "./format.js";
import { Hotline } from "./hotline.js";
import { SkyMap } from "./map.js";
import { Notices } from "./notices.js";
import { Operations } from "./operations.js";
import { Parties } from "./parties.js";
import { loadHistory, Replay } from "./replay.js";
import { EventStream } from "./stream.js";
import { Timeline } from "./timeline.js";

const TOKEN_KEY = "sharedsky.token";
const NOTE_KEY = "sharedsky.signin-note";
const $ = (id) => document.getElementById(id);

// -- sign-in ------------------------------------------------------------------------------

/** Check the token by asking who it speaks for; the token is kept only in this tab's
 * sessionStorage (gone when the tab closes), never in the URL. */
async function signIn(token) {
  const error = $("signin-error");
  setText(error, "");
  const button = $("signin-submit");
  button.disabled = true;
  const api = new Api(token.trim());
  let me;
  try {
    me = await api.get("/v1/party");
  } catch (failure) {
    button.disabled = false;
    sessionStorage.removeItem(TOKEN_KEY);
    if (failure instanceof ApiError && failure.status === 401) setText(error, "That token is not valid: it is unknown or has been revoked.");
    else if (failure instanceof ApiError && failure.status === 403) setText(error, "That is an administrator token: sign in with a party's token.");
    else if (failure instanceof ApiError && failure.status === 0) setText(error, "The server cannot be reached. Check the connection and try again.");
    else setText(error, problemLines(failure).join(" · "));
    return;
  }
  // From now on a refused token (revoked while signed in) ends the session.
  api.onUnauthorized = () => signOut("The server refused the token (revoked while signed in): sign in again.");
  sessionStorage.setItem(TOKEN_KEY, api.token);
  $("token").value = "";
  await start(api, me);
}

/** Forget the token and start over from a clean page: nothing of the session survives in
 * memory (no listener, timer or stream left behind). */
function signOut(note) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (note) sessionStorage.setItem(NOTE_KEY, note);
  session?.stop();
  location.reload();
}

let session = null;

// -- the signed-in screen -----------------------------------------------------------------

async function start(api, me) {
  $("signin-screen").hidden = true;
  $("app").hidden = false;
  document.body.dataset.party = me.id;
  setText($("party-name"), me.name && me.name !== me.id ? `${me.name} (${me.id})` : me.id);

  const parties = new Parties();
  const { parties: directory } = await api.get("/v1/parties");
  parties.set(me, directory);

  const skyMap = new SkyMap($("map"), $("overlay"));
  const map = skyMap.map;
  const timeline = new Timeline(me.id);
  const live = { type: "FeatureCollection", features: [] };
  let replaying = false;
  let activeTab = "alerts";

  // Once a second, with the traffic: the lists' countdowns and the map move together, and the
  // map gets one setData however many alerts and warnings changed meanwhile.
  const traffic = new Traffic(api, parties, () => {
    showTrafficProblem(traffic.error);
    alerts.alertedKeys(traffic.alerted);
    alerts.render();
    updateBadges();
    renderLive();
  });
  const alerts = new Alerts({ api, parties, traffic, timeline, isVisible: () => activeTab === "alerts", onChange: () => updateBadges() });
  const notices = new Notices({ api, parties, onChange: () => updateBadges() });
  const operations = new Operations({ api, parties, skyMap });
  const declare = new Declare({ api, skyMap, operations });
  const hotline = new Hotline({ api, parties, isVisible: () => activeTab === "hotline", onChange: () => updateBadges() });
  const replay = new Replay({
    api,
    timeline,
    onChange: (picture, at, collection) => {
      replaying = Boolean(picture);
      alerts.setReplay(picture, at);
      alerts.alertedKeys(traffic.alerted);
      notices.setReplay(picture);
      operations.setReplay(picture ? collection : null);
      renderLive();
    },
  });

  /** The one source that moves: aircraft, trails, vectors, alert lines, entry rings. */
  function renderLive() {
    live.features.length = 0;
    if (!replaying) traffic.features(live.features);
    alerts.features(live.features);
    map.getSource("live")?.setData(live);
    skyMap.overlay.request();
  }

  skyMap.overlay.add((ctx, view, overlay) => alerts.paintLabels(ctx, view, overlay), 0);
  skyMap.overlay.add((ctx, view, overlay) => replaying || traffic.paintLabels(ctx, view, overlay), 10);

  const refresh = {
    operations: coalesce(() => operations.refresh()),
    notices: coalesce(() => notices.refresh()),
    alerts: coalesce(() => alerts.refresh(), 300),
  };

  function handle(event, fromStream) {
    if (!timeline.add(event)) return; // seen already (a page and the stream may overlap)
    if (!fromStream) return; // history: the lists are fetched whole once it is read
    const family = event.kind.split(".")[0];
    if (family === "operation") refresh.operations();
    else if (family === "notice") {
      refresh.notices();
      if (event.kind === "notice.sent") refresh.operations(); // another's operation to see
    } else if (event.kind === "alert.acknowledged" || event.kind === "alert.suppressed") {
      refresh.alerts();
    } else if (family === "alert") {
      alerts.handle(event);
    } else if (family === "message") {
      hotline.handle(event);
    }
    // Border, volume and conformance warnings live in the timeline: the next tick shows them.
  }

  const stream = new EventStream({
    api,
    lastEventId: 0,
    onEvent: (event) => handle(event, true),
    onState: (state) => showStream(state),
    onUnauthorized: () => api.onUnauthorized(),
  });

  session = {
    now: () => api.now(),
    stop() {
      stream.stop();
      traffic.stop();
    },
  };

  window.sharedsky = {
    map,
    snapshot: () => ({
      party: me.id,
      aircraft: traffic.snapshot(),
      ...alerts.snapshot(),
      operations: operations.snapshot(),
      ...notices.snapshot(),
      lastEventId: timeline.lastSeq,
      replayAt: replay.at === null ? null : new Date(replay.at).toISOString(),
    }),
  };

  // -- tabs, badges, keys ---------------------------------------------------------------

  const tabs = [...document.querySelectorAll("#tabs [data-tab]")];
  function activate(name, focus = false) {
    activeTab = name;
    for (const tab of tabs) {
      const on = tab.dataset.tab === name;
      tab.setAttribute("aria-selected", String(on));
      tab.tabIndex = on ? 0 : -1;
      $(tab.getAttribute("aria-controls")).hidden = !on;
      if (on && focus) tab.focus();
    }
    if (name === "hotline") hotline.render();
    if (name === "alerts") alerts.render();
  }
  for (const tab of tabs) {
    tab.addEventListener("click", () => activate(tab.dataset.tab));
    tab.addEventListener("keydown", (e) => {
      const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
      if (!step) return;
      e.preventDefault();
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      activate(next.dataset.tab, true);
    });
  }

  function updateBadges() {
    const counts = {
      alerts: alerts.live.filter((a) => !a.suppressed).length,
      notices: notices.pending(),
      hotline: hotline.totalUnread(),
    };
    for (const [name, n] of Object.entries(counts)) setText(document.querySelector(`[data-count="${name}"]`), n ? String(n) : "");
  }

  document.addEventListener("keydown", (e) => {
    if (e.key !== "Escape") return;
    if (declare.tool) declare.cancel();
    operations.popup.remove();
  });
  $("signout").addEventListener("click", () => signOut());

  // -- data -----------------------------------------------------------------------------

  const countries = skyMap.loadCountries().then(() => {
    skyMap.setAirspaces(parties);
    skyMap.frameOwnAirspace();
  });
  await skyMap.loaded;
  await Promise.all([operations.refresh(), notices.refresh(), alerts.refresh(), hotline.start(), countries.catch((e) => console.error(e))]);
  // Ready once the map has drawn what was loaded, before live traffic starts: with thousands
  // of aircraft updating every second the map may never be idle again.
  const idle = new Promise((resolve) => map.once("idle", resolve)).then(() => {
    document.body.dataset.mapReady = "1";
  });
  map.triggerRepaint();
  await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  traffic.start();

  replay.describe(true);
  try {
    const last = await loadHistory(api, (event) => handle(event, false), () => replay.describe(true));
    stream.lastEventId = last;
  } catch (error) {
    console.warn("history:", error);
  }
  replay.describe(false);
  // What changed while the history was read is in it: one refresh of each list covers it.
  stream.start();
  refresh.operations();
  refresh.notices();
  refresh.alerts();
  alerts.render();
  setInterval(() => replay.describe(false), 10_000);
  // The events keep the list current; this catches what they cannot say: an alert this party
  // suppressed is no longer reported to it, not even its end.
  setInterval(() => refresh.alerts(), 5_000);
}

function showStream(state) {
  document.body.dataset.stream = state;
  const text = { open: "live", connecting: "connecting…", closed: "offline, retrying" }[state];
  setText(document.querySelector("#stream-indicator .text"), text);
}

function showTrafficProblem(error) {
  const box = $("map-message");
  box.hidden = !error;
  if (error) setText(box, `Traffic not updated: ${problemLines(error).join(" · ")}`);
}

// -- boot ---------------------------------------------------------------------------------

setInterval(() => {
  const now = session?.now?.() ?? Date.now();
  setText($("utc-clock"), `${clockText(now).slice(0, 8)} Z`);
}, 250);

$("signin").addEventListener("submit", (e) => {
  e.preventDefault();
  signIn($("token").value);
});

const note = sessionStorage.getItem(NOTE_KEY);
if (note) {
  sessionStorage.removeItem(NOTE_KEY);
  setText($("signin-error"), note);
}
const kept = sessionStorage.getItem(TOKEN_KEY);
if (kept) signIn(kept);
