//! Stage 1 of analysis: find placeholder spans, split the rest into UAX#29 words.

use std::sync::LazyLock;

use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;

use super::{AnalyzerConfig, EMAIL, EMOJI, HANDLE, MONEY, NUMBER, PHONE, URL};

/// Spans that become placeholders. Word boundaries are ASCII (`(?-u:\b)`) so the regex
/// stays on its fast DFA path for non-ASCII text. Order matters at one start position:
/// an e-mail address is tried before a URL.
static SPANS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?xi)
        (?P<email>[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,})
      | (?P<url>(?:https?://|www\.)[^\s<>"'()\[\]{}]+
          | (?-u:\b)[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|co|ai|app|dev|biz|info|me|example|ly|gl|us|uk|in|ng|ph|au|za|de|fr|es|br|pt|ca|eu)(?-u:\b)(?:/[^\s<>"'()\[\]{}]*)?)
      | (?P<handle>(?-u:\B)@[a-z0-9_]{2,30})
      | (?P<money>[$£€₹¥]\s?\d[\d,]*(?:\.\d+)?(?:\s?(?:k|m|bn|million|billion|thousand|mil)(?-u:\b))?
          | (?-u:\b)\d[\d,]*(?:\.\d+)?\s?(?:k\s?)?(?:usd|eur|gbp|inr|dollars|euros|pounds|rupees|reais|(?:€|£|\$))(?-u:\b)?)
      | (?P<phone>\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,5}
          | (?:\(\d{3}\)\s?|(?-u:\b)\d{3}[\s.-])?(?-u:\b)\d{3}[\s.-]\d{4}(?-u:\b))
        "#,
    )
    .expect("placeholder patterns compile")
});

/// Tokenise `text`, calling `emit(token, fold_case)` for each token in order.
/// `fold_case` is false for placeholders (already lower case).
pub(crate) fn tokenize(text: &str, config: &AnalyzerConfig, emit: &mut dyn FnMut(&str, bool)) {
    let fold = config.lowercase;
    if !config.placeholders {
        for word in text.unicode_words() {
            // As in `words`: no whitespace before a combining mark (found by proptest).
            let word = word.trim_matches(char::is_whitespace);
            if !word.is_empty() {
                emit(word, fold);
            }
        }
        return;
    }
    if !may_have_spans(text) {
        // No byte any placeholder pattern needs: skip the regex (and its compilation).
        words(text, fold, emit);
        return;
    }
    let mut last = 0;
    for caps in SPANS.captures_iter(text) {
        let whole = caps.get(0).expect("group 0 always matches");
        words(&text[last..whole.start()], fold, emit);
        last = whole.end();
        if caps.name("email").is_some() {
            emit(EMAIL, false);
        } else if let Some(m) = caps.name("url") {
            // Sentence punctuation after a URL is not part of it.
            let url = m.as_str().trim_end_matches(['.', ',', ';', ':', '!', '?']);
            last = m.start() + url.len();
            emit(URL, false);
            if let Some(host) = domain(url) {
                emit(host, true);
            }
        } else if caps.name("handle").is_some() {
            emit(HANDLE, false);
        } else if caps.name("money").is_some() {
            emit(MONEY, false);
        } else {
            emit(PHONE, false);
        }
    }
    words(&text[last..], fold, emit);
}

/// False when `text` has none of the bytes every placeholder pattern needs: `@` (e-mail,
/// handle), `:` or `.` (URL), `$`, `+` or a digit (money, phone), or a non-ASCII byte
/// (currency signs, Unicode digits, case-folding variants of ASCII letters).
fn may_have_spans(text: &str) -> bool {
    text.bytes()
        .any(|b| b >= 0x80 || matches!(b, b'@' | b':' | b'.' | b'$' | b'+' | b'0'..=b'9'))
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

fn words(text: &str, fold: bool, emit: &mut dyn FnMut(&str, bool)) {
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
        ];
        for s in samples {
            for m in SPANS.find_iter(s) {
                assert!(may_have_spans(m.as_str()), "{s}");
            }
        }
        assert!(!may_have_spans("plain words, only! (really)"));
    }

    #[test]
    fn emoji_ranges() {
        assert!(is_emoji('🎉') && is_emoji('☕') && is_emoji('✅'));
        assert!(!is_emoji('a') && !is_emoji('€'));
    }
}
