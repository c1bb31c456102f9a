// The options page: threshold, labels to dim or hide, this week's counts, and the
// corrections (export as CSV for `pitchsift-train --update`, reset).
import * as store from './store.js';
import { toCsv } from '../../js/csv.mjs';

const LABELS = ['networking', 'opportunity', 'recruiting', 'sales', 'scam', 'unsure'];

/** The corrections as the CSV that `pitchsift-train --update` reads. */
export function correctionsCsv(corrections) {
  return toCsv(['text', 'label'], corrections.map((c) => [c.text, c.label]));
}

async function render() {
  const settings = await store.getSettings();
  const seen = await store.getSeen();
  const corrections = await store.getCorrections();
  const threshold = document.getElementById('threshold');
  threshold.value = settings.threshold;
  threshold.onchange = async () => {
    const current = await store.getSettings();
    const raw = threshold.value.trim();
    const v = Number(raw);
    if (raw !== '' && v >= 0 && v <= 1) {
      await store.setSettings({ ...current, threshold: v });
    } else {
      // Empty (Number('') is 0: nothing would ever be unsure) or outside 0..1: the field
      // shows again the threshold in force rather than a value that was not saved.
      threshold.value = current.threshold;
    }
  };
  const table = document.getElementById('labels');
  for (const tr of [...table.querySelectorAll('tr.label')]) tr.remove();
  for (const label of LABELS) {
    const tr = document.createElement('tr');
    tr.className = 'label';
    tr.dataset.label = label;
    const cell = (child) => {
      const td = document.createElement('td');
      td.append(child);
      tr.append(td);
    };
    cell(document.createTextNode(label));
    for (const what of ['dim', 'hide']) {
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.name = `${what}-${label}`;
      box.checked = settings[what].includes(label);
      box.onchange = async () => {
        const s = await store.getSettings();
        const set = new Set(s[what]);
        if (box.checked) set.add(label);
        else set.delete(label);
        await store.setSettings({ ...s, [what]: [...set] });
      };
      // A label of its own: a screen reader names the box ("dim sales"), and a click on
      // its text toggles it; the label's name is in it unseen (its row says it).
      const tag = document.createElement('label');
      const text = document.createElement('span');
      text.className = 'what';
      text.textContent = what;
      const whose = document.createElement('span');
      whose.className = 'unseen';
      whose.textContent = ` ${label}`;
      tag.append(box, ' ', text, whose);
      cell(tag);
    }
    const n = document.createElement('span');
    n.className = 'seen';
    n.textContent = String(seen.counts[label] || 0);
    cell(n);
    table.append(tr);
  }
  document.getElementById('week').textContent = `Week ${seen.week}.`;
  document.getElementById('n-corrections').textContent = String(corrections.length);
}

document.getElementById('export').onclick = async () => {
  const csv = correctionsCsv(await store.getCorrections());
  download('pitchsift-corrections.csv', csv, 'text/csv');
};

function download(name, data, type) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

document.getElementById('model').onclick = async () => {
  const m = await globalThis.pitchsiftCore.loadModel(await store.getCorrections());
  download('pitchsift-with-corrections.model', m.save(), 'application/octet-stream');
};

document.getElementById('reset').onclick = async () => {
  if (confirm('Forget every correction and return to the shipped model?')) {
    await store.clearCorrections();
    await render();
  }
};

store.onChange(() => render());
render();
