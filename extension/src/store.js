// What the extension keeps, all in chrome.storage.local (never synced, never sent):
//   settings:    { threshold, dim: [label], hide: [label] }
//   corrections: [{ text, label, at }] in the order they were made
//   seen:        { week: 'YYYY-Www', counts: { label: n }, keys: [hash] }
const api = globalThis.browser?.storage ? globalThis.browser : globalThis.chrome;

export const DEFAULT_SETTINGS = { threshold: 0.6, dim: [], hide: [] };

export async function getSettings() {
  const { settings } = await api.storage.local.get('settings');
  return { ...DEFAULT_SETTINGS, ...(settings || {}) };
}

export function setSettings(settings) {
  return api.storage.local.set({ settings });
}

export async function getCorrections() {
  const { corrections } = await api.storage.local.get('corrections');
  return corrections || [];
}

/** Add a correction. Not safe to run twice at once (see addCorrectionInOrder). */
export async function addCorrection(text, label) {
  const list = await getCorrections();
  list.push({ text, label, at: new Date().toISOString() });
  await api.storage.local.set({ corrections: list });
  return list;
}

export function clearCorrections() {
  return api.storage.local.set({ corrections: [] });
}

/** ISO week of a date, `2026-W49`. */
export function isoWeek(d = new Date()) {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const y = t.getUTCFullYear();
  const week = Math.ceil(((t - Date.UTC(y, 0, 1)) / 86400000 + 1) / 7);
  return `${y}-W${String(week).padStart(2, '0')}`;
}

/** FNV-1a of a string, as 8 hex digits: counts each message once a week without
 * keeping its text. */
export function hash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Count what was seen this week (each text once); `items` are [text, label]. Not safe
 * to run twice at once (see countSeenInOrder). */
export async function countSeen(items) {
  const week = isoWeek();
  let { seen } = await api.storage.local.get('seen');
  if (!seen || seen.week !== week) seen = { week, counts: {}, keys: [] };
  const keys = new Set(seen.keys);
  let changed = false;
  for (const [text, label] of items) {
    const k = hash(text);
    if (keys.has(k)) continue;
    keys.add(k);
    seen.counts[label] = (seen.counts[label] || 0) + 1;
    changed = true;
  }
  if (changed) {
    seen.keys = [...keys];
    await api.storage.local.set({ seen });
  }
  return seen;
}

// storage.local has no transaction: countSeen and addCorrection read, change and write
// back, so two calls that overlap (several conversations rendered at once, two LinkedIn
// tabs, two corrections in two tabs) each write their own version and one of them is
// lost. So there is one writer: content scripts send their updates to the background
// ({type: 'seen', items}, {type: 'correct', text, label}), the one context every tab
// talks to, which runs them one after the other on this promise chain. (A chain in each
// content script would still lose updates between two tabs.)
let writes = Promise.resolve();

/** `update()`, queued after every earlier update of this context (the background's). */
function inOrder(update) {
  const done = writes.then(update);
  writes = done.catch(() => {});
  return done;
}

/** countSeen, one update after the other. */
export function countSeenInOrder(items) {
  return inOrder(() => countSeen(items));
}

/** addCorrection, one update after the other. */
export function addCorrectionInOrder(text, label) {
  return inOrder(() => addCorrection(text, label));
}

export async function getSeen() {
  const { seen } = await api.storage.local.get('seen');
  return seen && seen.week === isoWeek() ? seen : { week: isoWeek(), counts: {}, keys: [] };
}

export function onChange(fn) {
  api.storage.onChanged.addListener((changes, area) => {
    if (area === 'local') fn(changes);
  });
}
