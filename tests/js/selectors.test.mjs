// Where an invitation's badge goes (extension/src/selectors.js) when LinkedIn's markup
// has none of the title selectors, on a fake DOM in Node: elements that answer
// querySelector / querySelectorAll from a table of selectors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { root } from './common.mjs';

const { findItems } = await import(`${root}extension/src/selectors.js`);

/** An element whose descendants matching a selector are `inside[selector]`. */
function el(name, inside = {}, text = '') {
  return {
    name,
    textContent: text,
    querySelector: (s) => (inside[s] || [])[0] || null,
    querySelectorAll: (s) => inside[s] || [],
  };
}

test('an invitation card without any title selector: the badge goes after its note', () => {
  const note = el('note', {}, '  Hi, can I show you a quick demo?  ');
  const card = el('card', { '.invitation-card__custom-message': [note] });
  const doc = el('document', { 'li.invitation-card': [card] });
  const items = findItems(doc, 'invitations');
  assert.equal(items.length, 1, 'the invitation is labelled, not dropped');
  assert.equal(items[0].anchor, note);
  assert.equal(items[0].el, card);
  assert.equal(items[0].text, 'Hi, can I show you a quick demo?');
});

test('with a title, the badge goes after the title', () => {
  const note = el('note', {}, 'Hello');
  const title = el('title');
  const card = el('card', { '.invitation-card__custom-message': [note], '.invitation-card__title': [title] });
  const doc = el('document', { 'li.invitation-card': [card] });
  assert.equal(findItems(doc, 'invitations')[0].anchor, title);
});
