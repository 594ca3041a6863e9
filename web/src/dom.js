// Small DOM helpers. Lists are reconciled by key rather than rebuilt, so that a refresh that
// arrives while the officer is typing a reason keeps the input, its text and the focus.

/** An element with attributes (on* keys become listeners) and children (strings are text). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Set text only when it changed (no layout work for the many rows that did not). */
export function setText(node, text) {
  const value = String(text);
  if (node.textContent !== value) node.textContent = value;
}

/**
 * Make `list`'s children match `items` in order: `key(item)` names a row, `create(item)`
 * builds a new row's element once, `update(element, item)` refreshes it every time. Rows whose
 * key disappeared are removed. At most `limit` rows are shown (a busy sky can raise a thousand
 * alerts: the list shows the first ones in its order, and the paragraph
 * `[data-more-for=<list id>]` says how many more there are). The empty-state paragraph
 * `[data-empty-for=<list id>]` is shown when there are no items.
 */
export function reconcile(list, items, { key, create, update, limit = 100 }) {
  const shown = items.length > limit ? items.slice(0, limit) : items;
  const existing = new Map();
  for (const child of list.children) existing.set(child.dataset.key, child);
  let cursor = list.firstElementChild;
  for (const item of shown) {
    const k = String(key(item));
    let row = existing.get(k);
    if (row) existing.delete(k);
    else {
      row = create(item);
      row.dataset.key = k;
    }
    update(row, item);
    if (row !== cursor) list.insertBefore(row, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const row of existing.values()) row.remove();
  const empty = document.querySelector(`[data-empty-for="${list.id}"]`);
  if (empty) empty.hidden = items.length > 0;
  const more = document.querySelector(`[data-more-for="${list.id}"]`);
  if (more) {
    more.hidden = items.length <= shown.length;
    setText(more, `… and ${(items.length - shown.length).toLocaleString("en")} more`);
  }
}

/**
 * A function that runs `fn` once, `ms` after the first of a burst of calls, so that a burst
 * of events refreshes a list once, not once per event. Runs never overlap: a call during a
 * run schedules one more run after it (what changed meanwhile is not missed).
 */
export function coalesce(fn, ms = 150) {
  let timer = null;
  let running = false;
  let again = false;
  const run = async () => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await fn();
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  const schedule = () => {
    if (timer === null) timer = setTimeout(run, ms);
  };
  return schedule;
}
