// Notices: the inbox (operations of others that concern this party, each with the lead time
// on record, to acknowledge, accept or object to) and the outbox, where the sender watches the
// answers arrive.

import { problemLines } from "./api.js";
import { el, reconcile, setText } from "./dom.js";
import { hoursMinutes, shortTime } from "./format.js";

const ANSWERED = new Set(["accepted", "objected"]);

export class Notices {
  constructor({ api, parties, onChange }) {
    this.api = api;
    this.parties = parties;
    this.onChange = onChange;
    this.received = [];
    this.sent = [];
    this.replay = null; // {received, sent} at the replay time, or null when live
    this.inbox = document.getElementById("notices");
    this.outbox = document.getElementById("notices-sent");
  }

  async refresh() {
    try {
      const [received, sent] = await Promise.all([
        this.api.get("/v1/notices?direction=received"),
        this.api.get("/v1/notices?direction=sent"),
      ]);
      this.received = received.notices;
      this.sent = sent.notices;
    } catch (error) {
      console.warn("notices:", error);
    }
    this.render();
    this.onChange();
  }

  /** Show the notices as they stood at the replay time (`picture.notices`), or live (null). */
  setReplay(picture) {
    if (!picture) {
      this.replay = null;
    } else {
      const me = this.parties.me.id;
      const all = [...picture.notices.values()].sort((a, b) => b.id - a.id);
      this.replay = { received: all.filter((n) => n.recipient === me), sent: all.filter((n) => n.sender === me) };
    }
    this.render();
  }

  view() {
    return this.replay ?? { received: this.received, sent: this.sent };
  }

  pending() {
    return this.received.filter((n) => n.status === "sent").length;
  }

  render() {
    const { received, sent } = this.view();
    const replaying = Boolean(this.replay);
    reconcile(this.inbox, received, {
      key: (n) => n.id,
      create: (n) => this.inboxRow(n.id),
      update: (row, n) => this.updateRow(row, n, n.sender, replaying),
    });
    reconcile(this.outbox, sent, {
      key: (n) => n.id,
      create: (n) => el("li", { dataset: { noticeId: n.id }, className: "notice" }, ...rowParts()),
      update: (row, n) => this.updateRow(row, n, n.recipient, true),
    });
  }

  inboxRow(id) {
    const reason = el("input", { className: "reason", type: "text", maxlength: 4000, placeholder: "reason to object", "aria-label": `Reason to object to notice ${id}` });
    const message = el("p", { className: "error", role: "alert" });
    const object = () => this.object(id, reason, message);
    reason.addEventListener("keydown", (e) => {
      if (e.key === "Enter") object();
    });
    return el(
      "li",
      { dataset: { noticeId: id }, className: "notice" },
      ...rowParts(),
      el(
        "div",
        { className: "actions" },
        el("button", { type: "button", className: "acknowledge", onclick: () => this.answer(id, "acknowledge", null, message) }, "Acknowledge"),
        el("button", { type: "button", className: "accept", onclick: () => this.answer(id, "accept", null, message) }, "Accept"),
        el("button", { type: "button", className: "object", onclick: object }, "Object"),
        reason,
        el("button", { type: "button", className: "confirm-object", onclick: object }, "Confirm"),
      ),
      message,
    );
  }

  /** `other`: the party on the other end (the sender in the inbox, the recipient in the
   * outbox). `readOnly`: the outbox, and any list in the replay. */
  updateRow(row, n, other, readOnly) {
    row.dataset.status = n.status;
    setText(row.querySelector(".who"), this.parties.label(other));
    setText(row.querySelector(".op"), `${n.operation.party}/${n.operation.id} v${n.operation_version}`);
    badge(row, "short-notice", n.short_notice, "short notice");
    badge(row, "escalated", Boolean(n.escalated_at), "escalated");
    setText(row.querySelector(".status"), n.status);
    setText(
      row.querySelector(".detail"),
      `lead ${hoursMinutes(n.lead_time_s)} · starts ${shortTime(n.operation_start)} · sent ${shortTime(n.created_at)} · ${(n.reasons ?? []).join(", ")}`,
    );
    setText(row.querySelector(".answer"), n.answer_reason ? `reason: ${n.answer_reason}` : "");
    const actions = row.querySelector(".actions");
    if (!actions) return;
    const answered = ANSWERED.has(n.status);
    actions.hidden = readOnly || answered;
    row.querySelector(".acknowledge").disabled = n.status !== "sent";
  }

  async answer(id, action, reason, message) {
    setText(message, "");
    try {
      await this.api.post(`/v1/notices/${id}/${action}`, reason === null ? undefined : { reason });
    } catch (error) {
      setText(message, problemLines(error).join(" · "));
    }
    await this.refresh();
  }

  object(id, input, message) {
    const reason = input.value.trim();
    if (!reason) {
      setText(message, "An objection needs a reason: type it, then Confirm.");
      input.focus();
      return;
    }
    this.answer(id, "object", reason, message);
  }

  snapshot() {
    const { received, sent } = this.view();
    return {
      notices: received.map((n) => ({ id: n.id, status: n.status })),
      sent: sent.map((n) => ({ id: n.id, status: n.status })),
    };
  }
}

/** The parts every notice row shows, inbox or outbox. */
function rowParts() {
  return [
    el(
      "div",
      { className: "line1" },
      el("span", { className: "who" }),
      el("span", { className: "op" }),
      el("span", { className: "badges" }),
      el("span", { className: "status" }),
    ),
    el("div", { className: "detail" }),
    el("div", { className: "answer" }),
  ];
}

/** A badge that is in the row only while it applies (a hidden one would still match
 * `.short-notice`). */
function badge(row, name, present, text) {
  const existing = row.querySelector(`.${name}`);
  if (present && !existing) row.querySelector(".badges").append(el("span", { className: `badge ${name}` }, text));
  if (!present && existing) existing.remove();
}
