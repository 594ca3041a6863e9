// The hotline: one thread per other party, with sent / delivered / read receipts. Fetching a
// thread is what delivers its messages (the server marks them), and a message is marked read
// only while its thread is on screen, so the sender's receipts mean what they say.

import { problemLines } from "./api.js";
import { el, reconcile, setText } from "./dom.js";
import { clockText } from "./format.js";

const MAX_PER_THREAD = 1000;
const MAX_THREADS_AT_START = 50;

const receipt = (m) => (m.read_at ? "read" : m.delivered_at ? "delivered" : "sent");

export class Hotline {
  constructor({ api, parties, isVisible, onChange }) {
    this.api = api;
    this.parties = parties;
    this.isVisible = isVisible;
    this.onChange = onChange;
    this.threads = new Map(); // party id → messages, oldest first
    this.reading = new Set(); // ids whose read receipt is being posted
    this.select = document.getElementById("chat-with");
    this.log = document.getElementById("chat-log");
    this.text = document.getElementById("chat-text");
    this.error = document.getElementById("chat-error");
    this.select.addEventListener("change", () => this.open(this.select.value));
    document.getElementById("chat-form").addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    this.text.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey) {
        e.preventDefault();
        this.send();
      }
    });
    document.addEventListener("visibilitychange", () => this.markRead());
  }

  /** Fill the recipient list and fetch every thread once (which delivers what waits). */
  async start() {
    const others = this.parties.others();
    this.select.replaceChildren(...others.map((p) => el("option", { value: p.id }, this.parties.label(p.id))));
    await Promise.all(others.slice(0, MAX_THREADS_AT_START).map((p) => this.load(p.id)));
    this.render();
  }

  async load(party) {
    try {
      const { messages } = await this.api.get(`/v1/messages?with=${encodeURIComponent(party)}`);
      this.threads.set(party, messages);
    } catch (error) {
      console.warn("hotline:", error);
    }
  }

  async open(party) {
    await this.load(party);
    this.render();
  }

  /** A message.* event: its payload carries the whole message. */
  handle(event) {
    const m = event.payload.message;
    const me = this.parties.me.id;
    const other = m.sender === me ? m.recipient : m.sender;
    const thread = this.threads.get(other) ?? [];
    const at = thread.findIndex((x) => x.id === m.id);
    if (at >= 0) thread[at] = m;
    else thread.push(m);
    if (thread.length > MAX_PER_THREAD) thread.splice(0, thread.length - MAX_PER_THREAD);
    this.threads.set(other, thread);
    if (event.kind === "message.sent" && m.recipient === me) {
      // Fetching the thread is the delivery.
      this.open(other);
      return;
    }
    this.render();
  }

  render() {
    const party = this.select.value;
    const me = this.parties.me.id;
    reconcile(this.log, this.threads.get(party) ?? [], {
      key: (m) => m.id,
      create: (m) =>
        el(
          "li",
          { dataset: { messageId: m.id }, className: m.sender === me ? "mine" : "theirs" },
          el("div", { className: "text" }, m.text),
          el("div", { className: "meta" }, el("span", { className: "time" }, clockText(Date.parse(m.created_at))), " ", el("span", { className: "receipt" })),
        ),
      update: (row, m) => setText(row.querySelector(".receipt"), receipt(m)),
    });
    this.log.lastElementChild?.scrollIntoView({ block: "nearest" });
    for (const option of this.select.options) {
      const unread = this.unread(option.value);
      setText(option, `${this.parties.label(option.value)}${unread ? ` (${unread} new)` : ""}`);
    }
    this.markRead();
    this.onChange();
  }

  unread(party) {
    const me = this.parties.me.id;
    return (this.threads.get(party) ?? []).filter((m) => m.recipient === me && !m.read_at).length;
  }

  totalUnread() {
    let n = 0;
    for (const party of this.threads.keys()) n += this.unread(party);
    return n;
  }

  /** Post read receipts for the open thread's unread messages, if it is really on screen. */
  markRead() {
    if (!this.isVisible() || document.visibilityState !== "visible") return;
    const me = this.parties.me.id;
    for (const m of this.threads.get(this.select.value) ?? []) {
      if (m.recipient !== me || m.read_at || this.reading.has(m.id)) continue;
      this.reading.add(m.id);
      this.api
        .post(`/v1/messages/${m.id}/read`)
        .then(({ message }) => this.handle({ kind: "message.read", payload: { message } }))
        .catch((error) => console.warn("read receipt:", error))
        .finally(() => this.reading.delete(m.id));
    }
  }

  async send() {
    const to = this.select.value;
    const text = this.text.value.trim();
    setText(this.error, "");
    if (!to) return setText(this.error, "No other party to write to.");
    if (!text) return setText(this.error, "Type a message first.");
    try {
      const { message } = await this.api.post("/v1/messages", { to, text });
      this.text.value = "";
      this.handle({ kind: "message.sent", payload: { message } });
    } catch (error) {
      setText(this.error, problemLines(error).join(" · "));
    }
  }
}
