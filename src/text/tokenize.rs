//! Stage 1 of analysis: find placeholder spans, split the rest into UAX#29 words.
//! ASCII slices (most text) take a byte-class scanner that gives exactly the words of
//! unicode-segmentation's UAX#29 iterators; the tests hold it to them.

use std::sync::LazyLock;

use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;

use super::{AnalyzerConfig, EMAIL, EMOJI, HANDLE, MONEY, NUMBER, PHONE, URL};

/// Spans that become placeholders (tokenisation rules 1). Word boundaries are ASCII
/// (`(?-u:\b)`) so the regex stays on its fast DFA path for non-ASCII text. Order
/// matters at one start position: an e-mail address is tried before a URL.
static SPANS: LazyLock<Regex> = LazyLock::new(|| spans(""));

/// Rules 2: the anonymisation placeholders of anonymised data (`[name]`, `[email]`,
/// `[phone]`, `[url]`) first, then the spans of rules 1.
static SPANS_V2: LazyLock<Regex> =
    LazyLock::new(|| spans(r"(?P<anon>\[(?:name|email|phone|url)\])|"));

fn spans(first: &str) -> Regex {
    Regex::new(&format!("(?xi)\n{first}\n{SPAN_PATTERNS}")).expect("placeholder patterns compile")
}

/// The span patterns of rules 1 (verbose syntax).
const SPAN_PATTERNS: &str = r#"
        (?P<email>[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})
      | (?P<url>(?:https?://|www\.)[^\s<>"'()\[\]{}]+
          | (?-u:\b)[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co|ai|app|dev|biz|info|me|example|ly|gl|us|uk|in|ng|ph|au|za|de|fr|es|br|pt|ca|eu)(?-u:\b)(?:/[^\s<>"'()\[\]{}]*)?)
      | (?P<handle>(?-u:\B)@[a-z0-9_]{2,30})
      | (?P<money>[$£€₹¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|billion|thousand|mil)(?-u:\b))?
          | (?-u:\b)\d[\d,]*(?:\.\d+)?\s?(?:k\s?)?(?:usd|eur|gbp|inr|dollars|euros|pounds|rupees|reais|(?:€|£|\$))(?-u:\b)?)
      | (?P<phone>\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,5}
          | (?:\(\d{3}\)\s?|(?-u:\b)\d{3}[\s.-])?(?-u:\b)\d{3}[\s.-]\d{4}(?-u:\b))
"#;

/// Tokenise `text`, calling `emit(token, fold_case)` for each token in order.
/// `fold_case` is false for placeholders (already lower case).
pub(crate) fn tokenize<F: FnMut(&str, bool) + ?Sized>(
    text: &str,
    config: &AnalyzerConfig,
    emit: &mut F,
) {
    tokenize_with(text, config, true, emit);
}

/// [`tokenize`], with the ASCII fast paths on or off (off: the placeholder regex and
/// the UAX#29 iterators of unicode-segmentation for every text; the tests hold the
/// fast paths to them).
fn tokenize_with<F: FnMut(&str, bool) + ?Sized>(
    text: &str,
    config: &AnalyzerConfig,
    fast: bool,
    emit: &mut F,
) {
    let spans = if fast { Finder::Scan } else { Finder::Regex };
    tokenize_by(text, config, spans, fast, emit);
}

/// Call `emit(token, fold_case)` for every token of `text`, the placeholder spans
/// found by `spans` (for benchmarks and tests outside the crate: the analyzer always
/// uses [`Finder::Scan`]).
#[doc(hidden)]
pub fn for_each_token<F: FnMut(&str, bool) + ?Sized>(
    text: &str,
    config: &AnalyzerConfig,
    spans: Finder,
    emit: &mut F,
) {
    tokenize_by(text, config, spans, true, emit);
}

/// How the placeholder spans are found.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finder {
    /// The regex (`captures_iter`), for every text: the reference.
    Regex,
    /// The byte scanner of [`super::scan`] for ASCII text, the regex for the rest.
    Scan,
}

/// What a placeholder span is, by the regex's group names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Anon,
    Email,
    Url,
    Handle,
    Money,
    Phone,
}

/// A match of the placeholder patterns: `text[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub start: usize,
    pub end: usize,
    pub kind: Kind,
}

/// [`tokenize`] with the span finder `spans`, and the ASCII word splitter when `fast`.
pub(super) fn tokenize_by<F: FnMut(&str, bool) + ?Sized>(
    text: &str,
    config: &AnalyzerConfig,
    spans: Finder,
    fast: bool,
    emit: &mut F,
) {
    let fold = config.lowercase;
    if !config.placeholders {
        if fast && text.is_ascii() {
            ascii_words(text, fold, false, emit);
            return;
        }
        for word in text.unicode_words() {
            // As in `words`: no whitespace before a combining mark (found by proptest).
            let word = word.trim_matches(char::is_whitespace);
            if !word.is_empty() {
                emit(word, fold);
            }
        }
        return;
    }
    let anon = config.rules >= 2;
    if !may_have_spans(text, anon) {
        // No byte any placeholder pattern needs: skip the regex (and its compilation).
        words(text, fold, fast, emit);
        return;
    }
    if spans == Finder::Scan && text.is_ascii() {
        replace_spans(
            text,
            super::scan::Scanner::new(text, anon),
            fold,
            fast,
            emit,
        );
    } else {
        replace_spans(text, regex_spans(text, anon), fold, fast, emit);
    }
}

/// The matches of the placeholder regex of rules 2 (`anon`) or 1 in `text`.
pub(super) fn regex_spans(text: &str, anon: bool) -> impl Iterator<Item = Span> + '_ {
    let spans = if anon { &*SPANS_V2 } else { &*SPANS };
    spans.captures_iter(text).map(|caps| {
        let whole = caps.get(0).expect("group 0 always matches");
        // The named group of an alternative is the whole match.
        let kind = if caps.name("anon").is_some() {
            Kind::Anon
        } else if caps.name("email").is_some() {
            Kind::Email
        } else if caps.name("url").is_some() {
            Kind::Url
        } else if caps.name("handle").is_some() {
            Kind::Handle
        } else if caps.name("money").is_some() {
            Kind::Money
        } else {
            Kind::Phone
        };
        Span {
            start: whole.start(),
            end: whole.end(),
            kind,
        }
    })
}

/// Emit the tokens of `text` with `spans` (its placeholder matches, in order) replaced
/// by their placeholders and the rest split into words.
fn replace_spans<F: FnMut(&str, bool) + ?Sized>(
    text: &str,
    spans: impl Iterator<Item = Span>,
    fold: bool,
    fast: bool,
    emit: &mut F,
) {
    let mut last = 0;
    for span in spans {
        words(&text[last..span.start], fold, fast, emit);
        last = span.end;
        let m = &text[span.start..span.end];
        match span.kind {
            Kind::Anon => {
                // `[name]` stands for a name: nothing to learn from; the others for what
                // the real placeholders stand for.
                match m[1..m.len() - 1].to_ascii_lowercase().as_str() {
                    "email" => emit(EMAIL, false),
                    "phone" => emit(PHONE, false),
                    "url" => emit(URL, false),
                    _ => {}
                }
            }
            Kind::Email => emit(EMAIL, false),
            Kind::Url => {
                // Sentence punctuation after a URL is not part of it.
                let url = m.trim_end_matches(['.', ',', ';', ':', '!', '?']);
                last = span.start + url.len();
                emit(URL, false);
                if let Some(host) = domain(url) {
                    emit(host, true);
                }
            }
            Kind::Handle => emit(HANDLE, false),
            Kind::Money => emit(MONEY, false),
            Kind::Phone => emit(PHONE, false),
        }
    }
    words(&text[last..], fold, fast, emit);
}

/// False when `text` has none of the bytes every placeholder pattern needs: `@` (e-mail,
/// handle), `:` or `.` (URL), `$`, `+` or a digit (money, phone), a non-ASCII byte
/// (currency signs, Unicode digits, case-folding variants of ASCII letters), and with
/// `anon` (rules 2) `[` (the anonymisation placeholders).
fn may_have_spans(text: &str, anon: bool) -> bool {
    text.bytes().any(|b| {
        b >= 0x80
            || matches!(b, b'@' | b':' | b'.' | b'$' | b'+' | b'0'..=b'9')
            || (anon && b == b'[')
    })
}

/// The host of a URL, without scheme, `www.`, port, path or query.
fn domain(url: &str) -> Option<&str> {
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    let end = rest.find(['/', '?', '#', ':']).unwrap_or(rest.len());
    let host = &rest[..end];
    // `get`, not `[..4]`: byte 4 may fall inside a multi-byte character (found by fuzzing).
    let host = if host.len() > 4
        && host
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("www."))
    {
        &host[4..]
    } else {
        host
    };
    (!host.is_empty()).then_some(host)
}

/// Split a slice between placeholder spans into words: the ASCII fast path when `fast`
/// and the slice is ASCII, else [`words_uax29`]. Both give the same tokens.
fn words<F: FnMut(&str, bool) + ?Sized>(text: &str, fold: bool, fast: bool, emit: &mut F) {
    if fast && text.is_ascii() {
        ascii_words(text, fold, true, emit);
    } else {
        words_uax29(text, fold, emit);
    }
}

/// Byte classes of the ASCII fast path, as bit flags.
/// `CORE`: starts or continues a word (ALetter, Numeric, ExtendNumLet `_`).
const CORE: u8 = 1;
/// `[A-Za-z0-9]`: a word with one is kept.
const ALNUM: u8 = 2;
/// ALetter `[A-Za-z]` (WB6/WB7 context).
const LETTER: u8 = 4;
/// Numeric `[0-9]` (WB11/WB12 context).
const DIGIT: u8 = 8;
/// A digit, `.` or `,`: a word made only of these is a number.
const NUM_PART: u8 = 16;
/// MidNum or MidNumLetQ: `,` `;` `.` `'`, joins two digits (WB11/WB12).
const MID_NUM: u8 = 32;
/// MidLetter or MidNumLetQ: `:` `.` `'`, joins two letters (WB6/WB7).
const MID_LETTER: u8 = 64;

/// The class of every byte (non-ASCII bytes never reach the table).
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() {
            CORE | ALNUM | LETTER
        } else if c.is_ascii_digit() {
            CORE | ALNUM | DIGIT | NUM_PART
        } else {
            match c {
                b'_' => CORE,
                b'.' => MID_NUM | MID_LETTER | NUM_PART,
                b',' => MID_NUM | NUM_PART,
                b';' => MID_NUM,
                b'\'' => MID_NUM | MID_LETTER,
                b':' => MID_LETTER,
                _ => 0,
            }
        };
        b += 1;
    }
    t
};

/// UAX#29 words of ASCII `text`, as unicode-segmentation 1.13 splits them, with the same
/// keep rules as [`words_uax29`] (`numbers`: all-numeric words become [`NUMBER`]).
///
/// For ASCII the only segments that can hold a letter or digit are the runs that start
/// at a letter, digit or `_` and go on over letters, digits and `_` (WB5, WB8-WB10,
/// WB13, WB13a, WB13b), and over one `.`, `:` or `'` between two letters (WB6, WB7) or one
/// `.`, `,`, `;` or `'` between two digits (WB11, WB12). Every other segment (runs of
/// spaces WB3d, CR LF WB3, any other single byte WB3a/WB3b/WB999) holds neither and is
/// dropped, as the slow path drops it; ASCII has no emoji, no Extend/Format/ZWJ (WB4)
/// and no Hebrew letters (WB7a-c), and no whitespace inside a run, so nothing to trim.
fn ascii_words<F: FnMut(&str, bool) + ?Sized>(text: &str, fold: bool, numbers: bool, emit: &mut F) {
    let b = text.as_bytes();
    let n = b.len();
    let mut i = 0;
    while i < n {
        let first = CLASS[b[i] as usize];
        if first & CORE == 0 {
            i += 1;
            continue;
        }
        let start = i;
        let mut any = first;
        let mut all = first;
        i += 1;
        while i < n {
            let c = CLASS[b[i] as usize];
            if c & CORE == 0 {
                // A middle byte joins only between two letters or two digits; the byte
                // before is in the run, the byte after must be there.
                if i + 1 >= n {
                    break;
                }
                let (prev, next) = (CLASS[b[i - 1] as usize], CLASS[b[i + 1] as usize]);
                let joins = (c & MID_LETTER != 0 && prev & next & LETTER != 0)
                    || (c & MID_NUM != 0 && prev & next & DIGIT != 0);
                if !joins {
                    break;
                }
            }
            any |= c;
            all &= c;
            i += 1;
        }
        if any & ALNUM != 0 {
            if numbers && all & NUM_PART != 0 {
                emit(NUMBER, false);
            } else {
                emit(&text[start..i], fold);
            }
        }
    }
}

/// The general path: UAX#29 word bounds (unicode-segmentation), whitespace trimmed,
/// words with a letter or digit kept, numbers and emoji replaced by placeholders.
fn words_uax29<F: FnMut(&str, bool) + ?Sized>(text: &str, fold: bool, emit: &mut F) {
    for seg in text.split_word_bounds() {
        // A combining mark after a space joins the space's segment (UAX#29 WB4): keep
        // whitespace out of tokens (found by fuzzing: " \u{5bf}").
        let seg = seg.trim_matches(char::is_whitespace);
        let mut alnum = false;
        let mut numeric = true;
        let mut emoji = false;
        for c in seg.chars() {
            if c.is_alphanumeric() {
                alnum = true;
                if !c.is_numeric() {
                    numeric = false;
                }
            } else if c != '.' && c != ',' {
                numeric = false;
                if is_emoji(c) {
                    emoji = true;
                }
            }
        }
        if alnum {
            if numeric {
                emit(NUMBER, false);
            } else {
                emit(seg, fold);
            }
        } else if emoji {
            emit(EMOJI, false);
        }
    }
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF | 0x3030 | 0x303D | 0x3297 | 0x3299)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn domain_strips_scheme_www_port_and_path() {
        assert_eq!(
            domain("https://www.Example.com:8080/x?y"),
            Some("Example.com")
        );
        assert_eq!(domain("example.org/join"), Some("example.org"));
        assert_eq!(domain("http://"), None);
    }

    #[test]
    fn prefilter_never_hides_a_span() {
        // Every match of the placeholder patterns in these samples contains a trigger byte.
        let samples = [
            "mail a@b.co",
            "see http://x",
            "www.example.com",
            "@handle",
            "$5",
            "5 usd",
            "+44 20 7946 0958",
            "555-123-4567",
            "€3",
            "x.io",
            "plain words only",
            "Hi [name], mail [Email] or call [PHONE], see [url]",
        ];
        for s in samples {
            for m in SPANS.find_iter(s) {
                assert!(may_have_spans(m.as_str(), false), "{s}");
            }
            for m in SPANS_V2.find_iter(s) {
                assert!(may_have_spans(m.as_str(), true), "{s}");
            }
        }
        assert!(!may_have_spans("plain words, only! (really)", true));
        assert!(!may_have_spans("[name] only", false));
    }

    #[test]
    fn anonymisation_placeholders_follow_the_rules_version() {
        let v2 = AnalyzerConfig::default();
        assert_eq!(v2.rules, 2);
        let tokens = |c: &AnalyzerConfig, t: &str| -> Vec<String> {
            let mut out = Vec::new();
            tokenize(t, c, &mut |w, _| out.push(w.to_string()));
            out
        };
        // Rules 2: [email]/[phone]/[url] are the placeholders of what they stand for,
        // [name] is nothing; any case.
        assert_eq!(
            tokens(
                &v2,
                "Hi [name], mail [Email] or call [PHONE] see [url] [other]"
            ),
            ["Hi", "mail", EMAIL, "or", "call", PHONE, "see", URL, "other"]
        );
        // ... and the same tokens as the clear text they replace (no domain for [url]).
        assert_eq!(
            tokens(&v2, "mail [email] or call [phone]"),
            tokens(&v2, "mail jo@example.com or call 555-123-4567")
        );
        // Rules 1 (older models) keep their words.
        let v1 = AnalyzerConfig {
            rules: 1,
            ..v2.clone()
        };
        assert_eq!(tokens(&v1, "Hi [name]"), ["Hi", "name"]);
        // Placeholders off: words.
        let off = AnalyzerConfig {
            placeholders: false,
            ..v2
        };
        assert_eq!(tokens(&off, "Hi [name]"), ["Hi", "name"]);
        assert!(AnalyzerConfig {
            rules: 3,
            ..off.clone()
        }
        .check()
        .is_err());
        assert!(AnalyzerConfig { rules: 0, ..off }.check().is_err());
    }

    /// Every `emit` call of the tokenizer, with the fast path on or off, lower-cased as
    /// the analyzer does when the call asks for it.
    fn emits(text: &str, config: &AnalyzerConfig, fast: bool) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        tokenize_with(text, config, fast, &mut |t: &str, fold: bool| {
            let mut s = String::new();
            if fold {
                super::super::push_lowercase(&mut s, t);
            } else {
                s.push_str(t);
            }
            out.push((s, fold));
        });
        out
    }

    fn configs() -> Vec<AnalyzerConfig> {
        let mut v = Vec::new();
        for placeholders in [true, false] {
            for lowercase in [true, false] {
                v.push(AnalyzerConfig {
                    placeholders,
                    lowercase,
                    ..AnalyzerConfig::default()
                });
            }
        }
        v
    }

    /// Tokens with placeholders and lower-casing on (the default), fast path and
    /// reference path checked to agree on every configuration first.
    fn toks(text: &str) -> Vec<String> {
        for cfg in configs() {
            assert_eq!(
                emits(text, &cfg, true),
                emits(text, &cfg, false),
                "{text:?} {cfg:?}"
            );
        }
        emits(text, &AnalyzerConfig::default(), true)
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    #[test]
    fn ascii_fast_path_follows_each_word_rule() {
        // Expected tokens by hand from UAX#29 (rule in the comment); `toks` also checks
        // them against unicode-segmentation's own iterators.
        let cases: &[(&str, &[&str])] = &[
            ("don't", &["don't"]),                       // WB6/WB7: letter ' letter
            ("a.b", &["a.b"]),                           // WB6/WB7: letter . letter
            ("x:y", &["x:y"]),                           // WB6/WB7: letter : letter
            ("e.g.", &["e.g"]),                          // a final . joins nothing
            ("a..b", &["a", "b"]),                       // two middles: break
            ("3.5", &[NUMBER]),                          // WB11/WB12: digit . digit
            ("2,500", &[NUMBER]),                        // WB11/WB12: digit , digit
            ("1;2", &["1;2"]),                           // WB11/WB12 (MidNum ;), not a number
            ("1'2", &["1'2"]),                           // WB11/WB12 (Single_Quote)
            ("a.1 1.a", &["a", NUMBER, NUMBER, "a"]),    // no mixed middles
            ("a1.b", &["a1", "b"]),                      // WB6 needs a letter before the .
            ("a_b", &["a_b"]),                           // WB13a/WB13b
            ("1_000", &["1_000"]),                       // ExtendNumLet: a word, not a number
            ("__", &[]),                                 // no letter or digit: dropped
            ("_a_", &["_a_"]),                           // WB13a/WB13b at both ends
            ("a'", &["a"]),                              // a final ' joins nothing
            ("'a", &["a"]),                              // nor a leading one
            ("Ab9", &["ab9"]),                           // WB5, WB8-WB10
            ("a\r\nb\rc\nd", &["a", "b", "c", "d"]),     // WB3-WB3b
            ("a \t b\x0bc\x0cd", &["a", "b", "c", "d"]), // WB3d, WB999
            ("x-y@z \"q\"", &["x", "y", "z", "q"]),      // WB999
        ];
        for (text, want) in cases {
            assert_eq!(toks(text), *want, "{text:?}");
        }
    }

    /// Bytes for the exhaustive and property tests: one of each UAX#29 word class ASCII
    /// has, and the bytes the placeholder patterns look for.
    const TRICKY: &[u8] = b"aZ09_:.',; \t\r\n\x0b\x0c\"-@$+/";

    type Emit<'a> = dyn FnMut(&str, bool) + 'a;

    /// The `emit` calls `f` makes.
    fn collect(f: impl FnOnce(&mut Emit)) -> Vec<(String, bool)> {
        let mut v = Vec::new();
        f(&mut |t: &str, fold: bool| v.push((t.to_string(), fold)));
        v
    }

    /// Check the ASCII splitter against `words_uax29` and `unicode_words` on every string
    /// over `alphabet` of up to `max_len` bytes.
    fn exhaustive(alphabet: &[u8], max_len: usize) {
        let mut buf = Vec::new();
        let mut stack: Vec<usize> = Vec::new();
        loop {
            let text = std::str::from_utf8(&buf).unwrap();
            let fast = collect(|e| ascii_words(text, true, true, e));
            let slow = collect(|e| words_uax29(text, true, e));
            assert_eq!(fast, slow, "{text:?}");
            let fast = collect(|e| ascii_words(text, false, false, e));
            let slow = collect(|e| {
                for w in text.unicode_words() {
                    e(w, false)
                }
            });
            assert_eq!(fast, slow, "{text:?}");
            // Next string: depth first, each string visited once.
            if buf.len() < max_len {
                stack.push(0);
                buf.push(alphabet[0]);
                continue;
            }
            while let Some(k) = stack.pop() {
                buf.pop();
                if k + 1 < alphabet.len() {
                    stack.push(k + 1);
                    buf.push(alphabet[k + 1]);
                    break;
                }
            }
            if stack.is_empty() {
                break;
            }
        }
    }

    #[test]
    fn ascii_words_equal_uax29_on_every_short_string() {
        // Every string of up to 4 tricky bytes: about 250,000.
        exhaustive(TRICKY, 4);
    }

    /// Longer strings over the classes that take part in joins (about 40 million, under a
    /// minute): `cargo test --release --lib -- --ignored ascii_words_equal_uax29_deep`.
    #[test]
    #[ignore]
    fn ascii_words_equal_uax29_deep() {
        exhaustive(TRICKY, 5);
        exhaustive(b"a0_:.',; \r\n-", 7);
    }

    fn tricky_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            8 => proptest::sample::select(TRICKY).prop_map(|b| (b as char).to_string()),
            4 => "[a-zA-Z]{1,5}",
            3 => "[0-9]{1,4}",
            1 => proptest::sample::select(&[
                "http://x.com/a.", "www.ex.io", "a.b@c.org", "@jo_e", "$5", "5 usd",
                "+1 555-123-4567", "555.123.4567", "Don't", "3.5", "2,500", "CRLF\r\n",
            ][..]).prop_map(str::to_string),
            1 => proptest::sample::select(&["é", "🎉", "\u{5bf}", "Ⅻ", "١"][..])
                .prop_map(str::to_string),
        ];
        proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// The ASCII fast path yields exactly the tokens of the UAX#29 path, with
        /// placeholders and lower-casing on and off (mixed texts too: their ASCII slices
        /// between placeholders take the fast path).
        #[test]
        fn fast_path_tokens_equal_reference(text in tricky_text()) {
            for cfg in configs() {
                prop_assert_eq!(emits(&text, &cfg, true), emits(&text, &cfg, false), "{:?}", cfg);
            }
        }
    }

    #[test]
    fn emoji_ranges() {
        assert!(is_emoji('🎉') && is_emoji('☕') && is_emoji('✅'));
        assert!(!is_emoji('a') && !is_emoji('€'));
    }
}
