//! The placeholder spans of ASCII text in one forward scan, without the regex.
//!
//! [`Scanner`] yields exactly the matches `captures_iter` of the placeholder regex
//! (`tokenize::SPANS`, `tokenize::SPANS_V2`) yields on ASCII text, in order: at each
//! position from the end of the last match, the alternatives are tried in the regex's
//! order (anonymisation placeholder, e-mail, URL, handle, money, phone) and the first
//! that matches there is the match, with the end a backtracking matcher would give it
//! (leftmost-first, as the regex crate reports). Each alternative below names its
//! pattern and says how its end follows. Work that depends only on a run of bytes (an
//! e-mail's local part, a chain of domain labels, a number) is done once per run, so
//! the scan is linear. The tests hold it to the regex on generated and targeted texts.

use super::tokenize::{Kind, Span};

/// Word byte `[A-Za-z0-9_]` (the regex's ASCII `\b`).
const WORD: u8 = 1;
/// E-mail local-part byte `[a-z0-9._%+-]` (case-insensitive).
const LOCAL: u8 = 2;
/// Domain label byte `[a-z0-9-]`.
const LABEL: u8 = 4;
/// URL byte `[^\s<>"'()\[\]{}]`.
const URL: u8 = 8;
/// `\s`: on ASCII, tab, line feed, vertical tab, form feed, carriage return, space.
const SPACE: u8 = 16;
/// `\d`: on ASCII, `[0-9]`.
const DIGIT: u8 = 32;
/// `[a-z]` (case-insensitive).
const ALPHA: u8 = 64;
/// `.`, `+`, a digit, `@`, `:`, `[`, `(` or `$`: every match has one at its start or
/// later in the local-part run it starts in, or right after that run (see
/// [`Scanner::next`]).
const TRIGGER: u8 = 128;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 128 {
        let c = i as u8;
        let mut k = 0;
        if c.is_ascii_alphabetic() {
            k |= WORD | LOCAL | LABEL | ALPHA;
        }
        if c.is_ascii_digit() {
            k |= WORD | LOCAL | LABEL | DIGIT;
        }
        match c {
            b'_' => k |= WORD | LOCAL,
            b'.' | b'%' | b'+' => k |= LOCAL,
            b'-' => k |= LOCAL | LABEL,
            _ => {}
        }
        let space = matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
        if space {
            k |= SPACE;
        }
        if !space
            && !matches!(
                c,
                b'<' | b'>' | b'"' | b'\'' | b'(' | b')' | b'[' | b']' | b'{' | b'}'
            )
        {
            k |= URL;
        }
        if c.is_ascii_digit() || matches!(c, b'.' | b'+' | b'@' | b':' | b'[' | b'(' | b'$') {
            k |= TRIGGER;
        }
        t[i] = k;
        i += 1;
    }
    t
};

/// The top-level domains of the bare-domain URL pattern.
const TLDS: &[&[u8]] = &[
    b"com", b"org", b"net", b"io", b"co", b"ai", b"app", b"dev", b"biz", b"info", b"me",
    b"example", b"ly", b"gl", b"us", b"uk", b"in", b"ng", b"ph", b"au", b"za", b"de", b"fr", b"es",
    b"br", b"pt", b"ca", b"eu",
];

/// The words a money amount may end with (`k|m|bn|million|billion|thousand|mil`).
const MONEY_WORDS: &[&[u8]] = &[
    b"k",
    b"m",
    b"bn",
    b"million",
    b"billion",
    b"thousand",
    b"mil",
];

/// The currencies after an amount, in the pattern's order (the first that is a prefix
/// wins: `5 euros` is `5 eur` and the word `os`). `€` and `£` are not ASCII.
const CURRENCIES: &[&[u8]] = &[
    b"usd", b"eur", b"gbp", b"inr", b"dollars", b"euros", b"pounds", b"rupees", b"reais", b"$",
];

/// The placeholder spans of an ASCII text, in order (an iterator).
pub(super) struct Scanner<'a> {
    b: &'a [u8],
    anon: bool,
    pos: usize,
    /// The local-part run scanned last ends here (exclusive); positions before it are in
    /// it, and an e-mail starting at any of them ends at `email_end`.
    email_run: usize,
    email_end: Option<usize>,
    /// The chain of domain labels scanned last ends here; a bare-domain URL starting at
    /// a position before it is `url_end`, if its top-level domain's dot `url_dot` comes
    /// after that position.
    url_chain: usize,
    url_dot: usize,
    url_end: usize,
    /// The run of digits and commas scanned last ends here; an amount in a currency
    /// starting in it ends at `num_end`.
    num_run: usize,
    num_end: Option<usize>,
}

impl<'a> Scanner<'a> {
    /// The spans of `text` (ASCII), with the anonymisation placeholders of rules 2 when
    /// `anon`.
    pub(super) fn new(text: &'a str, anon: bool) -> Scanner<'a> {
        debug_assert!(text.is_ascii());
        Scanner {
            b: text.as_bytes(),
            anon,
            pos: 0,
            email_run: 0,
            email_end: None,
            url_chain: 0,
            url_dot: 0,
            url_end: 0,
            num_run: 0,
            num_end: None,
        }
    }

    /// The match starting at `i`, if any: its end and kind.
    #[inline]
    fn at(&mut self, i: usize) -> Option<(usize, Kind)> {
        let b = self.b;
        let x = b[i];
        match x {
            b'[' => return anon(b, i).filter(|_| self.anon).map(|e| (e, Kind::Anon)),
            b'@' => return handle(b, i).map(|e| (e, Kind::Handle)),
            b'$' => return money_sign(b, i).map(|e| (e, Kind::Money)),
            b'(' => return phone_local(b, i).map(|e| (e, Kind::Phone)),
            _ if CLASS[x as usize] & LOCAL == 0 => return None,
            _ => {}
        }
        // A local-part byte: e-mail, URL, money, phone in the pattern's order.
        if let Some(e) = self.email(i) {
            return Some((e, Kind::Email));
        }
        if matches!(x | 0x20, b'h' | b'w') {
            if let Some(e) = url_scheme(b, i) {
                return Some((e, Kind::Url));
            }
        }
        let starts_word = x.is_ascii_alphanumeric() && !is(b, i.wrapping_sub(1), WORD);
        if !starts_word {
            return if x == b'+' {
                phone_intl(b, i).map(|e| (e, Kind::Phone))
            } else {
                None
            };
        }
        if let Some(e) = self.url_domain(i) {
            return Some((e, Kind::Url));
        }
        if !x.is_ascii_digit() {
            return None;
        }
        if let Some(e) = self.money_amount(i) {
            return Some((e, Kind::Money));
        }
        phone_local(b, i).map(|e| (e, Kind::Phone))
    }

    /// `[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}` at `i` (a local-part byte).
    /// The local part is the whole run up to `@` (no `@` is in it); after `@`, every
    /// label but the last the pattern takes is taken whole (the next byte must be a
    /// `.`), and the greedy star tries the most labels first: the e-mail ends after the
    /// leading letters of the last label after the first that starts with two letters.
    fn email(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        if i >= self.email_run {
            let e = run(b, i, LOCAL);
            self.email_run = e;
            self.email_end = (b.get(e) == Some(&b'@'))
                .then(|| {
                    let first = run(b, e + 1, LABEL);
                    if first == e + 1 {
                        return None;
                    }
                    let mut end = None;
                    let mut k = first;
                    while b.get(k) == Some(&b'.') && is(b, k + 1, LABEL) {
                        let letters = run(b, k + 1, ALPHA);
                        if letters >= k + 3 {
                            end = Some(letters);
                        }
                        k = run(b, k + 1, LABEL);
                    }
                    end
                })
                .flatten();
        }
        self.email_end
    }

    /// `\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|...)\b(?:/[^\s<>"'()\[\]{}]*)?`
    /// at `i` (a letter or digit after a non-word byte). As for an e-mail's domain, the
    /// labels are taken whole and the most first; a top-level domain followed by `\b`
    /// is a whole word (letters, digits, `_`) right after a label's dot, so the URL's
    /// domain ends at the last label of the chain that starts with such a word, then
    /// takes a path if a `/` follows.
    fn url_domain(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        if i >= self.url_chain {
            let mut k = run(b, i, LABEL);
            let mut found = None;
            while b.get(k) == Some(&b'.') && is(b, k + 1, LABEL) {
                let word = run(b, k + 1, WORD);
                let w = &b[k + 1..word];
                if TLDS.iter().any(|t| t.eq_ignore_ascii_case(w)) {
                    found = Some((k, word));
                }
                k = run(b, k + 1, LABEL);
            }
            self.url_chain = k;
            (self.url_dot, self.url_end) = match found {
                Some((dot, t)) if b.get(t) == Some(&b'/') => (dot, run(b, t, URL)),
                Some((dot, t)) => (dot, t),
                None => (0, 0),
            };
        }
        (self.url_dot > i).then_some(self.url_end)
    }

    /// `\b\d[\d,]*(?:\.\d+)?\s?(?:k\s?)?(?:usd|eur|...|\$)\b?` at `i` (a digit after a
    /// non-word byte). Nothing after the digits and commas can start with a digit or a
    /// comma, so the run is taken whole, then each optional part when it is there; the
    /// final `\b?` always matches.
    fn money_amount(&mut self, i: usize) -> Option<usize> {
        let b = self.b;
        if i >= self.num_run {
            let r = run_digits_commas(b, i);
            self.num_run = r;
            let mut q = fraction(b, r);
            if is(b, q, SPACE) {
                q += 1;
            }
            if b.get(q).is_some_and(|&c| c | 0x20 == b'k') {
                q += 1;
                if is(b, q, SPACE) {
                    q += 1;
                }
            }
            self.num_end = CURRENCIES
                .iter()
                .find(|c| b.len() >= q + c.len() && b[q..q + c.len()].eq_ignore_ascii_case(c))
                .map(|c| q + c.len());
        }
        self.num_end
    }
}

impl Iterator for Scanner<'_> {
    type Item = Span;

    /// The next match: the first position from the last match's end where one starts.
    ///
    /// Only positions near a trigger byte are tried. `[`, `(`, `@`, `$` and `+` start
    /// their own alternatives, a digit money and phones. The other starts are
    /// local-part bytes whose match needs a trigger later in the same run of
    /// local-part bytes or right after it: an e-mail the `@` after the run, a URL with
    /// a scheme the `:` after `http`/`https` (`:` ends a run), `www.` and a bare domain
    /// a `.` (a domain's labels are local-part bytes). So at each trigger the positions
    /// from the start of its run (or the run it ends) up to it are tried, in order. A
    /// `.` that ends its run (sentence punctuation) is no trigger unless it ends `www.`:
    /// a domain label would follow it inside the run.
    fn next(&mut self) -> Option<Span> {
        let b = self.b;
        let n = b.len();
        // Every start before `tried` has been tried.
        let mut tried = self.pos;
        let mut t = self.pos;
        loop {
            while t < n && CLASS[b[t] as usize] & TRIGGER == 0 {
                t += 1;
            }
            if t == n {
                self.pos = n;
                return None;
            }
            let x = b[t];
            if x == b'.'
                && !is(b, t + 1, LOCAL)
                && !(t >= 3 && b[t - 3..t].eq_ignore_ascii_case(b"www"))
            {
                t += 1;
                continue;
            }
            let mut from = t;
            if matches!(x, b'@' | b':') || CLASS[x as usize] & LOCAL != 0 {
                while from > tried && is(b, from - 1, LOCAL) {
                    from -= 1;
                }
            }
            for j in from.max(tried)..=t {
                if let Some((end, kind)) = self.at(j) {
                    self.pos = end;
                    return Some(Span {
                        start: j,
                        end,
                        kind,
                    });
                }
            }
            t += 1;
            tried = t;
        }
    }
}

/// Whether `b[i]` exists and has class `class`.
#[inline]
fn is(b: &[u8], i: usize, class: u8) -> bool {
    b.get(i).is_some_and(|&c| CLASS[c as usize] & class != 0)
}

/// The end of the run of `class` bytes from `i`.
#[inline]
fn run(b: &[u8], mut i: usize, class: u8) -> usize {
    while is(b, i, class) {
        i += 1;
    }
    i
}

/// The end of the run of digits and commas from `i`.
fn run_digits_commas(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(|c| c.is_ascii_digit() || *c == b',') {
        i += 1;
    }
    i
}

/// `(?:\.\d+)?` at `q`, greedy: its end.
fn fraction(b: &[u8], q: usize) -> usize {
    if b.get(q) == Some(&b'.') && is(b, q + 1, DIGIT) {
        run(b, q + 1, DIGIT)
    } else {
        q
    }
}

/// The end of up to `max` digits from `i`, and how many.
fn digits(b: &[u8], i: usize, max: usize) -> usize {
    let mut k = 0;
    while k < max && is(b, i + k, DIGIT) {
        k += 1;
    }
    k
}

/// `\[(?:name|email|phone|url)\]` at `i` (a `[`).
fn anon(b: &[u8], i: usize) -> Option<usize> {
    ["name", "email", "phone", "url"].iter().find_map(|w| {
        let end = i + w.len() + 2;
        (b.len() >= end
            && b[i + 1..end - 1].eq_ignore_ascii_case(w.as_bytes())
            && b[end - 1] == b']')
            .then_some(end)
    })
}

/// `\B@[a-z0-9_]{2,30}` at `i` (an `@`): `\B` before a non-word byte is a non-word
/// byte or the start; the repetition is greedy and nothing follows it.
fn handle(b: &[u8], i: usize) -> Option<usize> {
    if is(b, i.wrapping_sub(1), WORD) {
        return None;
    }
    let mut k = 0;
    while k < 30 && is(b, i + 1 + k, WORD) {
        k += 1;
    }
    (k >= 2).then_some(i + 1 + k)
}

/// `(?:https?://|www\.)[^\s<>"'()\[\]{}]+` at `i`: the greedy run of URL bytes.
fn url_scheme(b: &[u8], i: usize) -> Option<usize> {
    let rest = &b[i..];
    let prefix = |p: &[u8]| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p);
    let p = if prefix(b"https://") {
        i + 8
    } else if prefix(b"http://") {
        i + 7
    } else if prefix(b"www.") {
        i + 4
    } else {
        return None;
    };
    let e = run(b, p, URL);
    (e > p).then_some(e)
}

/// `[$£€₹¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|billion|thousand|mil)\b)?` at `i`
/// (a `$`). The number's parts are greedy and everything after them optional, so each
/// is taken whole; a word followed by `\b` is a whole word.
fn money_sign(b: &[u8], i: usize) -> Option<usize> {
    let mut p = i + 1;
    if is(b, p, SPACE) && is(b, p + 1, DIGIT) {
        p += 1;
    }
    if !is(b, p, DIGIT) {
        return None;
    }
    let q = fraction(b, run_digits_commas(b, p));
    let w = if is(b, q, SPACE) { q + 1 } else { q };
    let end = run(b, w, WORD);
    let word = &b[w..end];
    Some(
        if MONEY_WORDS.iter().any(|m| m.eq_ignore_ascii_case(word)) {
            end
        } else {
            q
        },
    )
}

/// `\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,5}` at `i` (a `+`), by backtracking in the
/// pattern's order of preference (the end depends on it: `+12345678` is one match).
fn phone_intl(b: &[u8], i: usize) -> Option<usize> {
    let d = digits(b, i + 1, 3);
    (1..=d)
        .rev()
        .find_map(|len| phone_groups(b, i + 1 + len, 0))
}

/// `(?:[\s.-]?\(?\d{1,5}\)?){2,5}` at `p` with `k` groups matched: each optional part
/// tried present first, the digits longest first, another group before stopping.
fn phone_groups(b: &[u8], p: usize, k: usize) -> Option<usize> {
    if k < 5 {
        let sep = is(b, p, SPACE) || matches!(b.get(p), Some(b'.' | b'-'));
        for p1 in [p + 1, p].into_iter().skip(!sep as usize) {
            let paren = b.get(p1) == Some(&b'(');
            for p2 in [p1 + 1, p1].into_iter().skip(!paren as usize) {
                for len in (1..=digits(b, p2, 5)).rev() {
                    let p3 = p2 + len;
                    let close = b.get(p3) == Some(&b')');
                    for p4 in [p3 + 1, p3].into_iter().skip(!close as usize) {
                        if let Some(e) = phone_groups(b, p4, k + 1) {
                            return Some(e);
                        }
                    }
                }
            }
        }
    }
    (k >= 2).then_some(p)
}

/// `(?:\(\d{3}\)\s?|\b\d{3}[\s.-])?\b\d{3}[\s.-]\d{4}\b` at `i`: the optional area
/// code tried in its two forms, then left out.
fn phone_local(b: &[u8], i: usize) -> Option<usize> {
    let sep = |p: usize| is(b, p, SPACE) || matches!(b.get(p), Some(b'.' | b'-'));
    let boundary = |p: usize| !is(b, p.wrapping_sub(1), WORD);
    // `\b\d{3}[\s.-]\d{4}\b` at `p`.
    let number = |p: usize| {
        (boundary(p)
            && digits(b, p, 3) == 3
            && sep(p + 3)
            && digits(b, p + 4, 4) == 4
            && !is(b, p + 8, WORD))
        .then_some(p + 8)
    };
    if b[i] == b'(' {
        if digits(b, i + 1, 3) == 3 && b.get(i + 4) == Some(&b')') {
            let p = i + 5;
            if is(b, p, SPACE) {
                if let Some(e) = number(p + 1) {
                    return Some(e);
                }
            }
            return number(p);
        }
        return None;
    }
    if boundary(i) && digits(b, i, 3) == 3 && sep(i + 3) {
        if let Some(e) = number(i + 4) {
            return Some(e);
        }
    }
    number(i)
}

#[cfg(test)]
mod tests {
    use super::super::tokenize::{regex_spans, tokenize_by, Finder};
    use super::super::AnalyzerConfig;
    use super::*;
    use proptest::prelude::*;

    /// Assert that the scanner finds exactly the regex's spans in `text` (rules 1 and
    /// 2), and that the tokens are the same with either finder for every configuration
    /// of the placeholders.
    fn check(text: &str) {
        for anon in [false, true] {
            let scanned: Vec<Span> = Scanner::new(text, anon).collect();
            let matched: Vec<Span> = regex_spans(text, anon).collect();
            assert_eq!(scanned, matched, "{text:?} anon={anon}");
        }
        for rules in [1, 2] {
            for lowercase in [true, false] {
                let config = AnalyzerConfig {
                    rules,
                    lowercase,
                    ..AnalyzerConfig::default()
                };
                let tokens = |spans| {
                    let mut v = Vec::new();
                    tokenize_by(text, &config, spans, true, &mut |t: &str, fold: bool| {
                        v.push((t.to_string(), fold))
                    });
                    v
                };
                assert_eq!(
                    tokens(Finder::Scan),
                    tokens(Finder::Regex),
                    "{text:?} {config:?}"
                );
            }
        }
    }

    /// The spans the scanner finds in `text` with rules 2, as `(kind, matched text)`.
    fn spans(text: &str) -> Vec<(Kind, &str)> {
        check(text);
        Scanner::new(text, true)
            .map(|s| (s.kind, &text[s.start..s.end]))
            .collect()
    }

    #[test]
    fn each_alternative_ends_where_the_regex_ends_it() {
        use Kind::*;
        // Expected spans read from the pattern (reason in the comment); `spans` also
        // checks them against the regex.
        let cases: &[(&str, &[(Kind, &str)])] = &[
            // E-mail: the last label starting with two letters ends it, leading letters only.
            ("a@b.com1", &[(Email, "a@b.com")]),
            ("x.y+z@ex-ample.co-uk", &[(Email, "x.y+z@ex-ample.co")]),
            ("a@b.cc.d1.ee2.f", &[(Email, "a@b.cc.d1.ee")]),
            ("a@b.c", &[]),
            ("a@bob", &[]),
            ("q a@b@c.de", &[(Email, "b@c.de")]),
            // URLs: a scheme inside a word, a bare domain from its word's start, `\b` after the TLD.
            ("xhttp://foo", &[(Url, "http://foo")]),
            ("http:// x", &[]),
            ("awww.x.com/p?q=1 z", &[(Url, "awww.x.com/p?q=1")]),
            ("a-b.com-x", &[(Url, "a-b.com")]),
            ("x.com_y x.co.uk.1", &[(Url, "x.co.uk")]),
            ("a_b.com", &[]),
            ("Sub.Example.COM/a.", &[(Url, "Sub.Example.COM/a.")]),
            // Handles: `\B` before, at most 30 bytes, no `\b` after.
            ("@jo a@jo (@jo)", &[(Handle, "@jo"), (Handle, "@jo")]),
            (
                &format!("@{}", "a".repeat(35)),
                &[(Handle, &format!("@{}", "a".repeat(30)))],
            ),
            ("@j", &[]),
            // Money: a sign, or an amount with a currency (first prefix wins, no `\b` after).
            ("$ 5,000.50 million", &[(Money, "$ 5,000.50 million")]),
            // The third: a digit after a `.` starts an amount, the `$` of `$ x` its currency.
            (
                "$5kg $5.5.5 $ x",
                &[(Money, "$5"), (Money, "$5.5"), (Money, "5 $")],
            ),
            (
                "5 euros 3 k usd 7K$ 9 dollarsign",
                &[
                    (Money, "5 eur"),
                    (Money, "3 k usd"),
                    (Money, "7K$"),
                    (Money, "9 dollars"),
                ],
            ),
            ("1,2,3,4 usd", &[(Money, "1,2,3,4 usd")]),
            ("5  usd a5 usd", &[]),
            // Phones: backtracking in the international form, the area code's two forms.
            ("+12345678", &[(Phone, "+12345678")]),
            ("+1 (555) 123-4567)", &[(Phone, "+1 (555) 123-4567)")]),
            ("+1 2", &[]),
            (
                "(555) 010-2288 (555)010-2288 555.123.4567",
                &[
                    (Phone, "(555) 010-2288"),
                    (Phone, "(555)010-2288"),
                    (Phone, "555.123.4567"),
                ],
            ),
            ("555-123-45678 1555-1234", &[]),
            ("555 1234", &[(Phone, "555 1234")]),
            // Anonymisation placeholders (rules 2).
            (
                "[NAME] [email] [Phone] [url] [x]",
                &[
                    (Anon, "[NAME]"),
                    (Anon, "[email]"),
                    (Anon, "[Phone]"),
                    (Anon, "[url]"),
                ],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(spans(text), *want, "{text:?}");
        }
    }

    #[test]
    fn long_runs_give_the_regex_spans() {
        // Chains and runs that the scanner looks at once for many start positions.
        check(&format!("{}com/x y", "a.".repeat(500)));
        check(&format!("{}@b.cc", "a.".repeat(500)));
        check(&format!("{} usd", "1,".repeat(500)));
        check(&"a-".repeat(500));
        check(&"+1 ".repeat(200));
    }

    /// Bytes of the exhaustive test: one of each class the patterns tell apart.
    const BYTES: &[u8] = b"a0.,@-/ $k(+[w";

    #[test]
    fn every_short_string_gives_the_regex_spans() {
        // Every string of up to 5 of these bytes (about 580,000).
        let mut text = Vec::new();
        fn all(text: &mut Vec<u8>, left: usize) {
            check(std::str::from_utf8(text).unwrap());
            if left > 0 {
                for &c in BYTES {
                    text.push(c);
                    all(text, left - 1);
                    text.pop();
                }
            }
        }
        all(&mut text, 5);
    }

    /// ASCII text from the pieces the patterns look for.
    fn tricky_ascii() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            6 => proptest::sample::select(&b"aZ09hw_:.,;'/@$+-()[]%<>\" \t\r\n\x0b\x0c\x1c"[..])
                .prop_map(|b| (b as char).to_string()),
            3 => "[a-zA-Z]{1,6}",
            3 => "[0-9]{1,5}",
            4 => proptest::sample::select(&[
                "http://", "https://", "HTTP://", "www.", "WWW.", ".com", ".co", ".io", ".uk",
                ".example", "com", "co", "usd", "USD", "eur", "euros", "dollars", "$", "k", "K",
                "m", "bn", "million", "mil", "thousand", "[name]", "[EMAIL]", "[Phone]", "[url]",
                "[x]", "a@b.co", "x.y@ex-ample.org", "@jo_e", "+1", "+44 20 7946 0958", "(555) ",
                "555-", "123.4567", "555 123 4567", "1,000", "2.5", "_", "a-b", ".", " ",
            ][..])
            .prop_map(str::to_string),
        ];
        proptest::collection::vec(piece, 0..20).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(20_000))]

        /// The scanner is the regex on ASCII text: the same spans, so the same tokens.
        #[test]
        fn scanner_equals_regex(text in tricky_ascii()) {
            check(&text);
        }
    }
}
