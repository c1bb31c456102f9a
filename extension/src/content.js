// The content script: finds conversations, opened messages and invitation notes on
// linkedin.com (selectors.js), classifies each text in WebAssembly and puts a badge
// after it. Hover a badge for its reasons; click it to correct the label. Runs again on
// DOM changes (debounced). Any failure leaves the page as it was.
import { findItems, pageKind } from './selectors.js';
import * as store from './store.js';

const api = globalThis.browser?.runtime ? globalThis.browser : globalThis.chrome;

const COLOURS = {
  networking: '#2e7d32',
  sales: '#ef6c00',
  opportunity: '#8e24aa',
  recruiting: '#1565c0',
  scam: '#c62828',
  unsure: '#757575',
};
const DEBOUNCE_MS = 250;

let labels = null; // the model's labels, once it answered
let against = null; // the label reasons are against (networking), if the model has it
let settings = store.DEFAULT_SETTINGS;
let corrections = [];
const answers = new Map(); // text -> classify() answer, for the current model

function correctedLabel(text) {
  for (let i = corrections.length - 1; i >= 0; i--) {
    if (corrections[i].text === text) return corrections[i].label;
  }
  return null;
}

/** Answers for every text not answered yet, from the background's model. */
async function classifyAll(texts) {
  const todo = [...new Set(texts.filter((t) => !answers.has(t)))];
  if (!todo.length) return;
  const r = await api.runtime.sendMessage({ type: 'classify', texts: todo });
  if (!r || r.error) throw new Error(r?.error || 'no answer');
  labels = r.labels;
  against = r.against ?? null;
  todo.forEach((t, i) => answers.set(t, r.answers[i]));
}

function badgeFor(item, a) {
  const corrected = correctedLabel(item.text);
  const shown = corrected ?? (a.confidence < settings.threshold ? 'unsure' : a.label);
  const badge = document.createElement('span');
  badge.className = `pitchsift-badge pitchsift-${shown}`;
  badge.dataset.pitchsiftLabel = shown;
  badge.dataset.pitchsiftPredicted = a.label;
  badge.style.setProperty('--pitchsift-colour', COLOURS[shown] || COLOURS.unsure);
  badge.setAttribute('role', 'button');
  badge.tabIndex = 0;
  const name = document.createElement('span');
  name.className = 'pitchsift-name';
  name.textContent = corrected ? `${shown} ✓` : `${shown} ${Math.round(a.confidence * 100)}%`;
  badge.append(name);
  const why = document.createElement('span');
  why.className = 'pitchsift-reasons';
  const head = corrected
    ? `you labelled this ${corrected} (model: ${a.label} ${Math.round(a.confidence * 100)}%)`
    : `${a.label} ${Math.round(a.confidence * 100)}%: why${against && a.label !== against ? ` not ${against}` : ''}`;
  // A message of words the model does not know (another language, say) has no reasons:
  // say so, rather than a "why" with nothing under it.
  const lines = a.reasons.length
    ? a.reasons.map((r) => `${r.term} +${r.weight.toFixed(2)}`)
    : [`no word of it points to ${a.label}`];
  why.textContent = [head, ...lines, 'click to correct'].join('\n');
  badge.title = why.textContent;
  badge.append(why);
  badge.addEventListener('click', (e) => {
    e.preventDefault();
    e.stopPropagation();
    openMenu(badge, item.text);
  });
  // A button for the keyboard too: Enter or Space opens the menu, its first choice focused.
  badge.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' && e.key !== ' ') return;
    e.preventDefault();
    e.stopPropagation();
    openMenu(badge, item.text)?.querySelector('button')?.focus();
  });
  return badge;
}

function openMenu(badge, text) {
  closeMenus();
  const menu = document.createElement('span');
  menu.className = 'pitchsift-menu';
  for (const label of labels) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.dataset.pitchsiftChoice = label;
    b.style.setProperty('--pitchsift-colour', COLOURS[label] || COLOURS.unsure);
    b.addEventListener('click', async (e) => {
      e.preventDefault();
      e.stopPropagation();
      // A choice made with the focus in the menu (the keyboard's way) gives the focus
      // back to the badge, made again with the correction; it was left on the page's body.
      const owner = menu.contains(document.activeElement) ? badge.closest('[data-pitchsift-key]') : null;
      closeMenus();
      await correct(text, label);
      if (owner?.isConnected) owner.querySelector('.pitchsift-badge')?.focus();
    });
    menu.append(b);
  }
  badge.after(menu);
  return menu;
}

function closeMenus() {
  for (const m of document.querySelectorAll('.pitchsift-menu')) m.remove();
}

async function correct(text, label) {
  // Written by the background, the one writer of the corrections (store.js).
  const r = await api.runtime.sendMessage({ type: 'correct', text, label });
  if (!r || r.error) throw new Error(r?.error || 'no answer from the background');
  corrections = r.corrections;
  scanning = scanning.then(rebuild).catch(() => {});
  await scanning;
}

/** Answers from the model with the current corrections, then the badges again. */
async function rebuild() {
  answers.clear();
  for (const b of document.querySelectorAll('.pitchsift-badge')) b.remove();
  for (const el of document.querySelectorAll('[data-pitchsift-key]')) delete el.dataset.pitchsiftKey;
  await scan();
}

async function scan() {
  const page = pageKind(location.pathname);
  if (!page) return;
  const items = findItems(document, page).filter(
    (item) => !(item.el.dataset.pitchsiftKey === store.hash(item.text) && item.el.querySelector('.pitchsift-badge')),
  );
  await classifyAll(items.map((i) => i.text));
  const seen = [];
  for (const item of items) {
    if (!item.el.isConnected) continue;
    const key = store.hash(item.text);
    for (const old of item.el.querySelectorAll('.pitchsift-badge')) old.remove();
    const a = answers.get(item.text);
    const badge = badgeFor(item, a);
    item.anchor.after(badge);
    item.el.dataset.pitchsiftKey = key;
    const label = badge.dataset.pitchsiftLabel;
    if (item.row) {
      item.el.classList.toggle('pitchsift-dim', settings.dim.includes(label));
      item.el.classList.toggle('pitchsift-hidden', settings.hide.includes(label));
    }
    seen.push([item.text, label]);
  }
  // Counted by the background, the one writer of the counts (store.countSeenInOrder).
  if (seen.length) Promise.resolve(api.runtime.sendMessage({ type: 'seen', items: seen })).catch(() => {});
  document.documentElement.dataset.pitchsiftReady = '1';
}

let scanning = Promise.resolve();
function safeScan() {
  // One pass at a time; a failed pass is skipped (never break the page).
  scanning = scanning.then(scan).catch((e) => console.debug('pitchsift: scan skipped', e));
  return scanning;
}

let timer = null;
function schedule() {
  clearTimeout(timer);
  timer = setTimeout(safeScan, DEBOUNCE_MS);
}

async function main() {
  settings = await store.getSettings();
  corrections = await store.getCorrections();
  await safeScan();
  new MutationObserver((records) => {
    // Our own badges and menus do not count as changes.
    const ours = (n) => n.nodeType === 1 && n.closest?.('.pitchsift-badge, .pitchsift-menu');
    const real = records.some(
      (r) => !ours(r.target) && ![...r.addedNodes, ...r.removedNodes].every((n) => ours(n) || n.classList?.contains('pitchsift-badge') || n.classList?.contains('pitchsift-menu')),
    );
    if (real) schedule();
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
  document.addEventListener('click', (e) => {
    if (!e.target.closest?.('.pitchsift-menu, .pitchsift-badge')) closeMenus();
  });
  store.onChange(async (changes) => {
    if (changes.settings) {
      settings = await store.getSettings();
      scanning = scanning.then(rebuild).catch(() => {});
    } else if (changes.corrections) {
      const next = changes.corrections.newValue || [];
      if (JSON.stringify(next) !== JSON.stringify(corrections)) {
        corrections = next;
        scanning = scanning.then(rebuild).catch(() => {});
      }
    }
  });
}

main().catch((e) => console.debug('pitchsift: not started', e));
