//! Text analysis: raw message -> normalised unigram tokens -> word n-gram terms.
//!
//! The pipeline has two stages, each configured by [`AnalyzerConfig`] (stored in every
//! model, so prediction rebuilds exactly the analyzer used at training):
//! 1. [`tokenize`]: spans that spam filters generalise (URLs, e-mail addresses, phone
//!    numbers, money amounts, @handles) become placeholder tokens; a URL also yields its
//!    domain. The rest is split into UAX#29 words, case folded; numbers and emoji become
//!    placeholders.
//! 2. n-grams: terms are the word n-grams of the token sequence, joined by a space.

mod scan;
pub mod tokenize;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Placeholder for a URL (the domain is emitted as a token of its own as well).
pub const URL: &str = "__url__";
/// Placeholder for an e-mail address.
pub const EMAIL: &str = "__email__";
/// Placeholder for a phone number.
pub const PHONE: &str = "__phone__";
/// Placeholder for a money amount.
pub const MONEY: &str = "__money__";
/// Placeholder for an @handle.
pub const HANDLE: &str = "__handle__";
/// Placeholder for a number.
pub const NUMBER: &str = "__num__";
/// Placeholder for an emoji.
pub const EMOJI: &str = "__emoji__";

/// Each placeholder and the words a person reads for it in an explanation.
const SHOWN: [(&str, &str); 7] = [
    (URL, "[url]"),
    (EMAIL, "[email]"),
    (PHONE, "[phone]"),
    (MONEY, "[money]"),
    (HANDLE, "[@handle]"),
    (NUMBER, "[number]"),
    (EMOJI, "[emoji]"),
];

/// A term as a person reads it: every placeholder word (`__money__`) written as the kind
/// of thing it stands for (`[money]`), in the bracketed form the anonymised data sets use;
/// other words as they are. `earn __money__` -> `earn [money]`.
pub fn shown_term(term: &str) -> std::borrow::Cow<'_, str> {
    if !term.contains("__") {
        return term.into();
    }
    let words: Vec<&str> = term
        .split(' ')
        .map(|w| SHOWN.iter().find(|(p, _)| *p == w).map_or(w, |(_, s)| s))
        .collect();
    words.join(" ").into()
}

/// The version of the tokenisation rules new models get. A model records the version it
/// was trained with and is always analysed by those rules; a model whose rules this build
/// does not implement is refused.
///
/// | version | rules |
/// |---|---|
/// | 1 | placeholders for URLs, e-mails, phones, money, @handles, numbers, emoji |
/// | 2 | as 1, and the anonymisation placeholders of anonymised data sets: `[email]`, `[phone]` and `[url]` become the e-mail, phone and URL placeholders, `[name]` nothing (case ignored) |
pub const RULES_VERSION: u32 = 2;

/// The oldest tokenisation rules this build still implements.
pub const MIN_RULES_VERSION: u32 = 1;

/// Settings of the analyzer. Every field is saved in the model file.
///
/// | field | default | meaning | range |
/// |---|---|---|---|
/// | `rules` | 2 | version of the tokenisation rules (see [`RULES_VERSION`]) | 1..=2 |
/// | `lowercase` | true | Unicode case folding | |
/// | `placeholders` | true | URLs, e-mails, phones, money, handles, numbers, emoji -> placeholder tokens | |
/// | `ngram_min` | 1 | shortest word n-gram | 1..=ngram_max |
/// | `ngram_max` | 2 | longest word n-gram | ngram_min..=3 |
/// | `hash_bits` | none | feature hashing: every term becomes one of 2^B buckets | 1..=32 |
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalyzerConfig {
    /// Version of the tokenisation rules.
    pub rules: u32,
    /// Fold case.
    pub lowercase: bool,
    /// Replace URLs, e-mail addresses, phone numbers, money amounts, @handles, numbers
    /// and emoji with placeholder tokens.
    pub placeholders: bool,
    /// Shortest n-gram.
    pub ngram_min: u8,
    /// Longest n-gram.
    pub ngram_max: u8,
    /// Feature hashing: when set, every term is replaced by its bucket among
    /// `2^hash_bits` (the low bits of xxh3-64 of the term's bytes with the fixed seed
    /// [`crate::features::fingerprint::BUCKET_SEED`]), written `#<bucket>`.
    /// Bounds the vocabulary, so the model size, at some cost in accuracy. Absent from
    /// files written without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_bits: Option<u8>,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            rules: RULES_VERSION,
            lowercase: true,
            placeholders: true,
            ngram_min: 1,
            ngram_max: 2,
            hash_bits: None,
        }
    }
}

/// The largest `hash_bits` supported.
pub const MAX_HASH_BITS: u8 = 32;

/// The longest n-gram supported.
pub const MAX_NGRAM: u8 = 3;

impl AnalyzerConfig {
    /// Check the settings.
    pub fn check(&self) -> Result<()> {
        if !(MIN_RULES_VERSION..=RULES_VERSION).contains(&self.rules) {
            return Err(Error::InvalidParam(format!(
                "tokenisation rules version {} is not supported by this build (it implements {}..={})",
                self.rules, MIN_RULES_VERSION, RULES_VERSION
            )));
        }
        if self.ngram_min == 0 || self.ngram_min > self.ngram_max || self.ngram_max > MAX_NGRAM {
            return Err(Error::InvalidParam(format!(
                "n-gram range {}..{} must satisfy 1 <= min <= max <= {MAX_NGRAM}",
                self.ngram_min, self.ngram_max
            )));
        }
        if let Some(b) = self.hash_bits {
            if b == 0 || b > MAX_HASH_BITS {
                return Err(Error::InvalidParam(format!(
                    "hash bits {b} must be in 1..={MAX_HASH_BITS}"
                )));
            }
        }
        Ok(())
    }
}

/// The feature-hashing term of `term`: `#` and its bucket in decimal.
fn hashed_term(out: &mut String, term: &str, bits: u8) {
    bucket_term(
        out,
        crate::features::fingerprint::bucket(term.as_bytes(), bits),
    );
}

/// The term of hashing bucket `bucket`: `#` and the bucket in decimal.
pub(crate) fn bucket_term(out: &mut String, bucket: u64) {
    out.clear();
    out.push('#');
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = bucket;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[i..]).expect("ASCII digits"));
}

/// Turns text into tokens and terms. Cheap to clone; each worker thread owns one and
/// reuses its buffers.
#[derive(Debug, Clone)]
pub struct Analyzer {
    config: AnalyzerConfig,
    /// The tokens of the last text, one space between two: every n-gram (its tokens
    /// joined by a space) is a slice of it, hashed or handed out in place.
    joined: String,
    /// Where each token starts in `joined`, then `joined.len() + 1` (token `i` is
    /// `joined[starts[i]..starts[i + 1] - 1]`).
    starts: Vec<usize>,
    /// The tokens as strings, for [`Analyzer::tokens`].
    tokens: Vec<String>,
    hashed: String,
}

impl Analyzer {
    /// Build an analyzer from checked settings.
    pub fn new(config: AnalyzerConfig) -> Result<Analyzer> {
        config.check()?;
        Ok(Analyzer {
            config,
            joined: String::new(),
            starts: Vec::new(),
            tokens: Vec::new(),
            hashed: String::new(),
        })
    }

    /// The settings.
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// Tokenise `text` into `joined` and `starts`; returns the number of tokens.
    fn tokenize(&mut self, text: &str) -> usize {
        let (joined, starts) = (&mut self.joined, &mut self.starts);
        joined.clear();
        starts.clear();
        tokenize::tokenize(text, &self.config, &mut |tok: &str, lower: bool| {
            if !starts.is_empty() {
                joined.push(' ');
            }
            starts.push(joined.len());
            if lower {
                push_lowercase(joined, tok);
            } else {
                joined.push_str(tok);
            }
        });
        starts.push(joined.len() + 1);
        starts.len() - 1
    }

    /// The `n` tokens from token `i`, joined by a space (after [`Analyzer::tokenize`]).
    #[inline]
    fn ngram(&self, i: usize, n: usize) -> &str {
        &self.joined[self.starts[i]..self.starts[i + n] - 1]
    }

    /// Tokenise `text` into the analyzer's buffer and return the unigram tokens.
    ///
    /// ```
    /// use pitchsift::text::{Analyzer, AnalyzerConfig};
    /// let mut a = Analyzer::new(AnalyzerConfig::default()).unwrap();
    /// assert_eq!(a.tokens("Earn $500/week! Visit https://www.example.com/join"),
    ///            ["earn", "__money__", "week", "visit", "__url__", "example.com"]);
    /// ```
    pub fn tokens(&mut self, text: &str) -> &[String] {
        let n = self.tokenize(text);
        if self.tokens.len() < n {
            self.tokens.resize(n, String::new());
        }
        for i in 0..n {
            let (start, end) = (self.starts[i], self.starts[i + 1] - 1);
            let slot = &mut self.tokens[i];
            slot.clear();
            slot.push_str(&self.joined[start..end]);
        }
        &self.tokens[..n]
    }

    /// Call `f` on every term (word n-gram) of `text`, in order: all n-grams starting at
    /// token 0 (shortest first), then at token 1, and so on. Without feature hashing the
    /// terms are slices of one buffer: no n-gram is copied.
    ///
    /// ```
    /// use pitchsift::text::{Analyzer, AnalyzerConfig};
    /// let mut a = Analyzer::new(AnalyzerConfig::default()).unwrap();
    /// let mut terms = Vec::new();
    /// a.for_each_term("Extra money, part time", |t| terms.push(t.to_string()));
    /// assert_eq!(terms, ["extra", "extra money", "money", "money part", "part", "part time", "time"]);
    /// ```
    pub fn for_each_term(&mut self, text: &str, mut f: impl FnMut(&str)) {
        let n_tokens = self.tokenize(text);
        let (lo, hi) = (
            self.config.ngram_min as usize,
            self.config.ngram_max as usize,
        );
        let mut hashed = std::mem::take(&mut self.hashed);
        for i in 0..n_tokens {
            for n in lo..=hi.min(n_tokens - i) {
                let t = self.ngram(i, n);
                match self.config.hash_bits {
                    None => f(t),
                    Some(bits) => {
                        hashed_term(&mut hashed, t, bits);
                        f(&hashed)
                    }
                }
            }
        }
        self.hashed = hashed;
    }

    /// With feature hashing, call `f` with the bucket of every term of `text`, in the
    /// order of [`Analyzer::for_each_term`] (whose terms are `#<bucket>`), without
    /// writing the `#<bucket>` strings: each n-gram is hashed (xxh3) where it lies in
    /// the token buffer. Does nothing without `hash_bits`.
    pub fn for_each_bucket(&mut self, text: &str, mut f: impl FnMut(u64)) {
        let Some(bits) = self.config.hash_bits else {
            return;
        };
        let (lo, hi) = (
            self.config.ngram_min as usize,
            self.config.ngram_max as usize,
        );
        let n_tokens = self.tokenize(text);
        for i in 0..n_tokens {
            for n in lo..=hi.min(n_tokens - i) {
                f(crate::features::fingerprint::bucket(
                    self.ngram(i, n).as_bytes(),
                    bits,
                ));
            }
        }
    }

    /// Call `f` with the unigram token ids of `text` as interned by `intern`, then the
    /// n-gram windows: `f(ids_window)` for every n in the configured range. Used by
    /// training to count without allocating a string per n-gram.
    pub fn for_each_ngram_ids(
        &mut self,
        text: &str,
        mut intern: impl FnMut(&str) -> u32,
        ids: &mut Vec<u32>,
        mut f: impl FnMut(&[u32]),
    ) {
        let n_tokens = self.tokenize(text);
        ids.clear();
        ids.extend((0..n_tokens).map(|i| intern(self.ngram(i, 1))));
        let (lo, hi) = (
            self.config.ngram_min as usize,
            self.config.ngram_max as usize,
        );
        for i in 0..ids.len() {
            for n in lo..=hi {
                if i + n > ids.len() {
                    break;
                }
                f(&ids[i..i + n]);
            }
        }
    }

    /// Every term of `text` as owned strings (convenient in tests and tools; the hot
    /// paths use [`Analyzer::for_each_term`]).
    pub fn terms(&mut self, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.for_each_term(text, |t| out.push(t.to_string()));
        out
    }
}

fn push_lowercase(out: &mut String, s: &str) {
    if s.is_ascii() {
        let start = out.len();
        out.push_str(s);
        // SAFETY-free: make_ascii_lowercase on a str slice keeps it valid UTF-8.
        out[start..].make_ascii_lowercase();
    } else {
        for c in s.chars() {
            out.extend(c.to_lowercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(text: &str) -> Vec<String> {
        Analyzer::new(AnalyzerConfig::default())
            .unwrap()
            .tokens(text)
            .to_vec()
    }

    #[test]
    fn placeholders_are_shown_bracketed() {
        assert_eq!(shown_term("earn __money__"), "earn [money]");
        assert_eq!(shown_term("__num__ __emoji__"), "[number] [emoji]");
        assert_eq!(shown_term("__url__"), "[url]");
        assert_eq!(shown_term("call __phone__"), "call [phone]");
        assert_eq!(shown_term("__email__ me"), "[email] me");
        assert_eq!(shown_term("thanks __handle__"), "thanks [@handle]");
        // Other words, with or without underscores, as they are.
        assert_eq!(shown_term("snake_case __init__"), "snake_case __init__");
        assert!(matches!(
            shown_term("plain words"),
            std::borrow::Cow::Borrowed(_)
        ));
    }

    #[test]
    fn words_are_uax29_and_case_folded() {
        assert_eq!(
            toks("Hello, WORLD! Don't stop."),
            ["hello", "world", "don't", "stop"]
        );
        assert_eq!(toks("ÜBER Straße Ärger"), ["über", "straße", "ärger"]);
        assert_eq!(toks("¿Hablamos mañana?"), ["hablamos", "mañana"]);
    }

    #[test]
    fn placeholders_replace_spam_filter_entities() {
        assert_eq!(
            toks("Mail jane.doe+x@example.org or call +1 555-0134 / (555) 010-2288"),
            ["mail", EMAIL, "or", "call", PHONE, PHONE]
        );
        assert_eq!(
            toks("see http://Sub.Example.com/a?b=1."),
            ["see", URL, "sub.example.com"]
        );
        assert_eq!(
            toks("go to www.example.net today"),
            ["go", "to", URL, "example.net", "today"]
        );
        assert_eq!(
            toks("earn €2,500 or $10k or ₹50000 monthly"),
            ["earn", MONEY, "or", MONEY, "or", MONEY, "monthly"]
        );
        assert_eq!(
            toks("thanks @jane_doe for 3 tips 🎉🚀"),
            ["thanks", HANDLE, "for", NUMBER, "tips", EMOJI, EMOJI]
        );
        assert_eq!(
            toks("in 2024 we grew 3.5x"),
            ["in", NUMBER, "we", "grew", "3.5x"]
        );
    }

    #[test]
    fn placeholders_can_be_turned_off() {
        let cfg = AnalyzerConfig {
            placeholders: false,
            lowercase: false,
            ..AnalyzerConfig::default()
        };
        let mut a = Analyzer::new(cfg).unwrap();
        assert_eq!(a.tokens("Call 555 now 🎉"), ["Call", "555", "now"]);
    }

    #[test]
    fn ngrams_follow_the_configured_range() {
        let cfg = AnalyzerConfig {
            ngram_min: 2,
            ngram_max: 3,
            ..AnalyzerConfig::default()
        };
        let mut a = Analyzer::new(cfg).unwrap();
        assert_eq!(a.terms("a b c d"), ["a b", "a b c", "b c", "b c d", "c d"]);
        assert!(a.terms("").is_empty());
        assert!(a.terms("single").is_empty());
    }

    #[test]
    fn hashing_maps_terms_to_numbered_buckets() {
        let cfg = AnalyzerConfig {
            hash_bits: Some(4),
            ..AnalyzerConfig::default()
        };
        let mut a = Analyzer::new(cfg).unwrap();
        let terms = a.terms("buy now buy");
        // The same term always lands in the same bucket, 16 buckets: #0..#15.
        assert_eq!(terms.len(), 5);
        assert_eq!(terms[0], terms[4]);
        let bucket =
            |t: &str| format!("#{}", crate::features::fingerprint::bucket(t.as_bytes(), 4));
        assert_eq!(terms[0], bucket("buy"));
        assert_eq!(terms[1], bucket("buy now"));
        assert!(terms.iter().all(|t| t[1..].parse::<u64>().unwrap() < 16));
        let bad = AnalyzerConfig {
            hash_bits: Some(33),
            ..AnalyzerConfig::default()
        };
        assert!(Analyzer::new(bad).is_err());
    }

    #[test]
    fn buckets_are_the_hashed_terms() {
        for (lo, hi) in [(1, 1), (1, 2), (1, 3), (2, 3)] {
            let cfg = AnalyzerConfig {
                hash_bits: Some(10),
                ngram_min: lo,
                ngram_max: hi,
                ..AnalyzerConfig::default()
            };
            let mut a = Analyzer::new(cfg).unwrap();
            let text = "Buy now, über deals! Visit www.example.com or call 555-0134";
            let terms = a.terms(text);
            let mut names = Vec::new();
            let mut name = String::new();
            a.for_each_bucket(text, |b| {
                bucket_term(&mut name, b);
                names.push(name.clone());
            });
            assert_eq!(names, terms, "{lo}..{hi}");
        }
    }

    #[test]
    fn bad_ranges_are_refused() {
        for (lo, hi) in [(0, 1), (2, 1), (1, 4)] {
            let cfg = AnalyzerConfig {
                ngram_min: lo,
                ngram_max: hi,
                ..AnalyzerConfig::default()
            };
            assert!(matches!(Analyzer::new(cfg), Err(Error::InvalidParam(_))));
        }
    }

    #[test]
    fn buffers_are_reused_without_leaking_tokens() {
        let mut a = Analyzer::new(AnalyzerConfig::default()).unwrap();
        assert_eq!(a.tokens("one two three four").len(), 4);
        assert_eq!(a.tokens("five"), ["five"]);
    }
}
