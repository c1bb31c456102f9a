// Every selector that depends on LinkedIn's markup, in one place. LinkedIn changes its
// class names now and then: each kind of item has a list of selectors, tried in order,
// and a selector that finds nothing is simply skipped (no item, no badge, no error).
//
// An item is { el, text, anchor, kind }: the element whose text is classified, and the
// element the badge is put after.

/** Pages the content script acts on (linkedin.com is a single-page app: it checks on
 * every change, not only at load). */
export const PAGES = [
  { kind: 'messaging', path: /^\/messaging(\/|$)/ },
  { kind: 'invitations', path: /^\/mynetwork\/invitation-manager(\/|$)/ },
];

export const ITEMS = [
  {
    // The conversation list: one card per conversation with the latest message's snippet.
    kind: 'conversation',
    page: 'messaging',
    item: ['li.msg-conversation-listitem', 'li.msg-conversations-container__convo-item'],
    text: ['.msg-conversation-card__message-snippet-body', '.msg-conversation-card__message-snippet', 'p.msg-conversation-listitem__message-snippet'],
    anchor: ['.msg-conversation-listitem__participant-names', '.msg-conversation-card__participant-names', 'h3'],
    // Where dimming or hiding applies.
    row: true,
  },
  {
    // The opened conversation: each message bubble.
    kind: 'message',
    page: 'messaging',
    item: ['li.msg-s-message-list__event .msg-s-event-listitem', 'div.msg-s-event-listitem'],
    text: ['.msg-s-event-listitem__body', 'p.msg-s-event-listitem__body'],
    anchor: ['.msg-s-event-listitem__body'],
  },
  {
    // The invitation manager: the note that came with an invitation.
    kind: 'invitation',
    page: 'invitations',
    item: ['li.invitation-card', 'div.invitation-card', '[data-view-name="pending-invitation"]'],
    text: ['.invitation-card__custom-message', '.invitation-card__message', '[data-view-name="invitation-note"]'],
    anchor: ['.invitation-card__title', '.invitation-card__tvm-title', 'strong'],
    row: true,
  },
];

/** The first element matching any of `selectors` inside `root`, or null. */
export function first(root, selectors) {
  for (const s of selectors) {
    try {
      const el = root.querySelector(s);
      if (el) return el;
    } catch {
      // An invalid selector (after an edit) finds nothing.
    }
  }
  return null;
}

/** Every element matching the first selector of `selectors` that matches anything. */
export function all(root, selectors) {
  for (const s of selectors) {
    try {
      const els = root.querySelectorAll(s);
      if (els.length) return [...els];
    } catch {
      // As in `first`.
    }
  }
  return [];
}

/** The page kind of a path, or null. */
export function pageKind(pathname) {
  const p = PAGES.find((x) => x.path.test(pathname));
  return p ? p.kind : null;
}

/** The items of a document on a page of kind `page`. */
export function findItems(doc, page) {
  const out = [];
  for (const spec of ITEMS) {
    if (spec.page !== page) continue;
    for (const el of all(doc, spec.item)) {
      const t = first(el, spec.text);
      if (!t) continue;
      const text = (t.innerText ?? t.textContent ?? '').trim();
      if (!text) continue;
      const anchor = first(el, spec.anchor) || t;
      out.push({ el, text, anchor, kind: spec.kind, row: !!spec.row });
    }
  }
  return out;
}
