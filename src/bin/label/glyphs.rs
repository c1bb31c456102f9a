//! Text as the label screen draws it, in a form whose width every terminal agrees on.
//!
//! The layout (ratatui) gives each grapheme cluster the width unicode-width computes for
//! it; terminals draw joined emoji sequences their own way: tmux 3.3 draws a thumbs-up
//! with a skin tone in 4 columns (ratatui: 2), a heart with the emoji variation selector in
//! 1 (ratatui: 2), and terminals without ZWJ support draw a family as its three people
//! (6 columns; ratatui: 2). The right border of the message box moved by the difference.
//! Such a cluster is shown as its parts, each of which has one width everywhere: ZWJ,
//! variation selectors, skin-tone modifiers and tag characters are left out (a family
//! is shown as its people side by side, a profession emoji as the person and the tool),
//! and a flag (regional indicator letters) as its two letters in brackets: `[FR]`.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;

const ZWJ: char = '\u{200d}';

/// Characters that join or modify an emoji sequence, whose drawn width differs between
/// terminals.
fn joining(c: char) -> bool {
    matches!(c,
        ZWJ
        | '\u{fe0e}' | '\u{fe0f}'           // text / emoji presentation selectors
        | '\u{1f3fb}'..='\u{1f3ff}'         // skin-tone modifiers
        | '\u{e0020}'..='\u{e007f}')        // tag characters (subdivision flags)
        || regional(c)
}

fn regional(c: char) -> bool {
    ('\u{1f1e6}'..='\u{1f1ff}').contains(&c)
}

/// `text` with every joined emoji sequence written as its parts (see the module
/// documentation); borrowed when there is none.
pub fn unambiguous(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || !text.chars().any(joining) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for g in text.graphemes(true) {
        if !g.chars().any(joining) {
            out.push_str(g);
        } else if g.chars().any(regional) {
            // A flag: its letters (U+1F1E6 is A).
            out.push('[');
            for c in g.chars().filter(|&c| regional(c)) {
                out.push(char::from(b'A' + (c as u32 - 0x1f1e6) as u8));
            }
            out.push(']');
        } else {
            let mut first = true;
            for c in g.chars() {
                // A lone skin-tone swatch (first in its cluster) is a wide character of
                // its own; after an emoji it modifies it.
                let modifier = ('\u{1f3fb}'..='\u{1f3ff}').contains(&c);
                if !(joining(c) && !(modifier && first)) {
                    out.push(c);
                }
                first = false;
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::unambiguous;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn joined_sequences_become_their_parts() {
        // family (man ZWJ woman ZWJ girl), woman technologist, thumbs up + medium skin
        // tone, France, red heart + VS16, keycap 1, England (black flag + tags).
        let cases = [
            (
                "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}",
                "\u{1f468}\u{1f469}\u{1f467}",
                6,
            ),
            ("\u{1f469}\u{200d}\u{1f4bb}", "\u{1f469}\u{1f4bb}", 4),
            ("\u{1f44d}\u{1f3fd}", "\u{1f44d}", 2),
            ("\u{1f1eb}\u{1f1f7}", "[FR]", 4),
            ("\u{2764}\u{fe0f}", "\u{2764}", 1),
            ("1\u{fe0f}\u{20e3}", "1\u{20e3}", 1),
            (
                "\u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}",
                "\u{1f3f4}",
                2,
            ),
            ("\u{1f3fd}", "\u{1f3fd}", 2),
            (
                "caf\u{e9} \u{55b6}\u{696d}",
                "caf\u{e9} \u{55b6}\u{696d}",
                9,
            ),
        ];
        for (text, shown, width) in cases {
            let got = unambiguous(text);
            assert_eq!(got, shown, "{text:?}");
            // Each part is one character of one width (or a base and a combining mark).
            assert_eq!(got.width(), width, "{text:?}");
            let sum: usize = got.chars().map(|c| c.to_string().width()).sum();
            assert_eq!(sum, width, "{text:?}: the parts' widths add up");
        }
        assert!(matches!(
            unambiguous("plain text"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
