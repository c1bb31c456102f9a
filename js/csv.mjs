// CSV as pitchsift reads and writes it (RFC 4180: quoted fields, doubled quotes,
// line breaks inside quotes, CRLF or LF). Shared by scripts/wasm-predict.mjs, the tests
// and the extension's correction export.

/** Parse CSV text into rows of fields. A trailing line break ends the last row. */
export function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let i = 0;
  let quoted = false;
  let any = false; // the current row has started
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i += 1;
        continue;
      }
      field += c;
      i += 1;
      continue;
    }
    if (c === '"') {
      quoted = true;
      any = true;
      i += 1;
    } else if (c === ',') {
      row.push(field);
      field = '';
      any = true;
      i += 1;
    } else if (c === '\n' || c === '\r') {
      if (any || field !== '') {
        row.push(field);
        rows.push(row);
      }
      row = [];
      field = '';
      any = false;
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
    } else {
      field += c;
      any = true;
      i += 1;
    }
  }
  if (any || field !== '') {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** One CSV field, quoted when it must be. */
export function csvField(s) {
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV text of a header and rows (LF line ends). */
export function toCsv(header, rows) {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}
