// Numbers printed as pitchsift-predict's JSON lines print an f64 (serde_json, through
// ryu): the shortest digits that round-trip (JavaScript's, as Rust's), in decimal
// notation from 1e-5 up to 1e16 with at least one fractional digit, in exponent
// notation otherwise (`1e-6`, `1.5e-7`, `1e16`). (Rust's `{:?}` switches to exponent
// notation below 1e-4 instead; the JSON lines do not.)
export function rustJsonF64(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [m, e] = Math.abs(x).toExponential().split('e');
  const exp = parseInt(e, 10);
  const a = Math.abs(x);
  if (a >= 1e-5 && a < 1e16) {
    const digits = m.replace('.', '');
    if (exp >= 0) {
      const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      const frac = digits.slice(exp + 1) || '0';
      return `${sign}${int}.${frac}`;
    }
    return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  }
  return `${sign}${m}e${exp}`;
}
