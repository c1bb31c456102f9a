//! Where the label screen's parts go, at every terminal size.
//!
//! Full size: a bordered header, the message (the rest), the reasons (up to 8 rows) and
//! the keys, bordered, as many rows as they wrap to. As the terminal shrinks, the
//! message box gives way first (down to 3 lines of text), then the reasons (down to the
//! prediction's line). Below that the screen turns compact: header, prediction and keys
//! are lines without borders, the keys packed closer, and the message box keeps at least
//! one line of text. Smaller still, the screen says how large a terminal it needs, and
//! the labelling screen comes back when the terminal grows.

use ratatui::layout::Rect;

/// Narrower than this, no layout is tried (the keys and titles would be cut anywhere);
/// wider when a line that cannot be broken (a long label's key) needs it.
pub const MIN_WIDTH: u16 = 30;

/// The rows of the reasons box at most: its border, the prediction and 5 reasons.
const WHY_ROWS: u16 = 8;

/// Where each part goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub head: Rect,
    pub body: Rect,
    pub why: Rect,
    pub keys: Rect,
    /// Borderless one-line header, prediction line and keys.
    pub compact: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    Fits(Areas),
    /// The terminal is smaller than the compact screen: at least this many columns and rows.
    TooSmall {
        width: u16,
        height: u16,
    },
}

/// Lay out `area`. `need` is the width of the widest line that cannot be broken (a
/// label's key, the prediction's shortest line): the screen is at least that wide, and
/// a box's inside too. `keys(width, compact)` is how many rows the keys and status take
/// at that inner width (without borders), so the height needed follows the labels.
///
/// Too small: the least width, and the rows the screen needs at that width (wider, the
/// keys pack on no more lines: every size at least as large fits). Before, the height
/// said was the one at the terminal's width: a 20-label model at 40x12 asked for 30x20,
/// where its keys take 24 rows.
pub fn plan(area: Rect, need: u16, keys: impl Fn(u16, bool) -> u16) -> Plan {
    let (w, h) = (area.width, area.height);
    let min_width = MIN_WIDTH.max(need);
    let too_small = || Plan::TooSmall {
        width: min_width,
        height: compact_height(keys(min_width, true)),
    };
    if w < min_width {
        return too_small();
    }
    let at = |y: u16, height: u16| Rect::new(area.x, area.y + y, w, height);
    // Bordered: header 3, message >= 5 (3 lines), reasons 3..=8, keys 2 + their rows.
    let k = 2 + keys(w.saturating_sub(2), false);
    if h >= 3 + 5 + 3 + k && w.saturating_sub(2) >= need {
        let why = WHY_ROWS.min(h - 3 - 5 - k);
        let body = h - 3 - why - k;
        return Plan::Fits(Areas {
            head: at(0, 3),
            body: at(3, body),
            why: at(3 + body, why),
            keys: at(3 + body + why, k),
            compact: false,
        });
    }
    // Compact: header 1, message >= 3 (1 line), prediction 1, keys.
    let k = keys(w, true);
    if h >= compact_height(k) {
        let body = h - 1 - 1 - k;
        return Plan::Fits(Areas {
            head: at(0, 1),
            body: at(1, body),
            why: at(1 + body, 1),
            keys: at(2 + body, k),
            compact: true,
        });
    }
    too_small()
}

fn compact_height(keys: u16) -> u16 {
    1 + 3 + 1 + keys
}

/// `items` packed into lines of at most `width` columns, `gap` spaces apart; an item is
/// never split (one wider than the line is a line of its own).
pub fn pack(items: &[String], width: usize, gap: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let mut lines: Vec<String> = Vec::new();
    let mut used = 0;
    for it in items {
        let iw = it.width();
        match lines.last_mut() {
            Some(l) if used + gap + iw <= width => {
                l.push_str(&" ".repeat(gap));
                l.push_str(it);
                used += gap + iw;
            }
            _ => {
                lines.push(it.clone());
                used = iw;
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keys of 3 rows bordered and 4 compact, as at 40 columns.
    fn keys(_: u16, compact: bool) -> u16 {
        if compact {
            4
        } else {
            3
        }
    }

    #[test]
    fn shrinks_the_message_then_the_reasons_then_turns_compact() {
        let full = plan(Rect::new(0, 0, 110, 34), 16, keys);
        let Plan::Fits(a) = full else { panic!() };
        assert_eq!((a.head.height, a.why.height, a.keys.height), (3, 8, 5));
        assert_eq!(a.body.height, 34 - 3 - 8 - 5);
        // 21 rows: the message is down to 5 (3 lines of text), the reasons keep 8.
        let Plan::Fits(a) = plan(Rect::new(0, 0, 110, 21), 16, keys) else {
            panic!()
        };
        assert_eq!((a.body.height, a.why.height), (5, 8));
        // 16 rows: the reasons shrink to 3.
        let Plan::Fits(a) = plan(Rect::new(0, 0, 110, 16), 16, keys) else {
            panic!()
        };
        assert_eq!((a.body.height, a.why.height, a.compact), (5, 3, false));
        // 12 rows: compact.
        let Plan::Fits(a) = plan(Rect::new(0, 0, 40, 12), 16, keys) else {
            panic!()
        };
        assert!(a.compact);
        assert_eq!(
            (a.head.height, a.body.height, a.why.height, a.keys.height),
            (1, 6, 1, 4)
        );
        assert_eq!(a.keys.bottom(), 12);
        // 8 rows: too small; 9 is the least.
        assert_eq!(
            plan(Rect::new(0, 0, 40, 8), 16, keys),
            Plan::TooSmall {
                width: MIN_WIDTH,
                height: 9
            }
        );
        assert!(matches!(
            plan(Rect::new(0, 0, 40, 9), 16, keys),
            Plan::Fits(_)
        ));
        assert!(matches!(
            plan(Rect::new(0, 0, 29, 30), 16, keys),
            Plan::TooSmall { .. }
        ));
    }

    /// Keys as 20 labels of 19 columns pack them (and 4 other keys, the status): one a
    /// line at 30 columns, two at 40.
    fn many(width: u16, compact: bool) -> u16 {
        let items: Vec<String> = (0..24)
            .map(|i| format!("{i:>2} {}", "x".repeat(16)))
            .collect();
        let gap = if compact { 1 } else { 2 };
        pack(&items, usize::from(width), gap).len() as u16 + 1
    }

    #[test]
    fn too_small_reports_a_size_that_fits() {
        // At 30 columns these keys take 24 rows, 25 with the status: the size asked for
        // at 40x12 is 30 x 30 (it was 30 x 18, the rows at 40 columns: a size at which
        // the screen still said too small).
        assert_eq!((many(30, true), many(40, true)), (25, 13));
        assert_eq!(
            plan(Rect::new(0, 0, 40, 12), 29, many),
            Plan::TooSmall {
                width: 30,
                height: 1 + 3 + 1 + 25
            }
        );
        for (w, h) in [
            (10, 5),
            (25, 8),
            (30, 9),
            (40, 12),
            (60, 12),
            (35, 29),
            (80, 10),
        ] {
            let Plan::TooSmall { width, height } = plan(Rect::new(0, 0, w, h), 29, many) else {
                panic!("{w}x{h} fits")
            };
            // Every size at least as large fits; one row or column less does not.
            for (x, y) in [
                (width, height),
                (width + 10, height),
                (w.max(width), h.max(height)),
            ] {
                let at = plan(Rect::new(0, 0, x, y), 29, many);
                assert!(matches!(at, Plan::Fits(_)), "{w}x{h}: {x}x{y}");
            }
            for (x, y) in [(width - 1, height), (width, height - 1)] {
                let at = plan(Rect::new(0, 0, x, y), 29, many);
                assert!(matches!(at, Plan::TooSmall { .. }), "{w}x{h}: {x}x{y}");
            }
        }
    }

    #[test]
    fn a_line_wider_than_30_columns_widens_the_least_screen() {
        // A 40-column label's key: 42 columns at least, and the bordered boxes only when
        // their inside is as wide.
        assert_eq!(
            plan(Rect::new(0, 0, 41, 30), 42, keys),
            Plan::TooSmall {
                width: 42,
                height: 9
            }
        );
        let Plan::Fits(a) = plan(Rect::new(0, 0, 43, 30), 42, keys) else {
            panic!()
        };
        assert!(a.compact);
        let Plan::Fits(a) = plan(Rect::new(0, 0, 44, 30), 42, keys) else {
            panic!()
        };
        assert!(!a.compact);
    }

    #[test]
    fn pack_keeps_items_whole() {
        let items: Vec<String> = ["1 networking", "2 sales", "s skip", "q quit"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            pack(&items, 20, 1),
            ["1 networking 2 sales", "s skip q quit"]
        );
        assert_eq!(
            pack(&items, 8, 2),
            ["1 networking", "2 sales", "s skip", "q quit"]
        );
    }
}
