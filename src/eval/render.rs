//! The evaluation report rendered as text (stdout), Markdown and SVG plots (confusion
//! matrix, reliability diagram).

use std::fmt::Write as _;

use crate::eval::metrics::Report;

use super::Outcome;

/// A metric with four decimals, or `-` when undefined.
pub fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.4}"))
}

/// A table: aligned plain text, or Markdown.
pub fn table(head: &[&str], body: &[Vec<String>], markdown: bool) -> String {
    let mut out = String::new();
    if markdown {
        let row = |cells: &mut dyn Iterator<Item = &str>| {
            cells.map(md_cell).collect::<Vec<_>>().join(" | ")
        };
        let _ = writeln!(out, "| {} |", row(&mut head.iter().copied()));
        let _ = writeln!(out, "|{}", head.iter().map(|_| "---|").collect::<String>());
        for r in body {
            let _ = writeln!(out, "| {} |", row(&mut r.iter().map(String::as_str)));
        }
        return out;
    }
    // Plain text: a tab or line break in a label would break the alignment or the row,
    // and an escape code would reach the terminal.
    let head: Vec<String> = head.iter().map(|h| escape_controls(h)).collect();
    let body: Vec<Vec<String>> = body
        .iter()
        .map(|r| r.iter().map(|c| escape_controls(c)).collect())
        .collect();
    let mut w: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in &body {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        cells
            .enumerate()
            .map(|(i, c)| format!("{c:<width$}", width = w[i]))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let _ = writeln!(out, "{}", line(&mut head.iter().map(String::as_str)));
    for r in &body {
        let _ = writeln!(out, "{}", line(&mut r.iter().map(String::as_str)));
    }
    out
}

/// Text from the data (a label, a group, a term) for plain text output: control
/// characters shown escaped (`\t`, `\n`, `\u{1b}`), so that a label can neither break a
/// table's row nor move the cursor or recolour the terminal.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Text (a label, a group) as one cell of a Markdown table: a `|` would end the cell and
/// a line break the row, and `<` would open HTML, which Markdown passes through.
pub fn md_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '\r' | '\n' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn summary_rows(r: &Report) -> Vec<Vec<String>> {
    let row = |name: &str, v: Option<f64>| vec![name.to_string(), num(v)];
    vec![
        row("accuracy", r.accuracy),
        row("macro precision", r.macro_precision),
        row("macro recall", r.macro_recall),
        row("macro F1", r.macro_f1),
        row("micro F1", r.micro_f1),
        row("weighted precision", r.weighted_precision),
        row("weighted recall", r.weighted_recall),
        row("weighted F1", r.weighted_f1),
        row("MCC", r.mcc),
        row("log loss", r.log_loss),
        row("Brier score", r.brier),
        row("ECE (15 bins)", r.ece),
    ]
}

fn label_rows(r: &Report) -> Vec<Vec<String>> {
    r.per_label
        .iter()
        .map(|(l, s)| {
            vec![
                if s.known {
                    l.clone()
                } else {
                    format!("{l} (unknown to the model)")
                },
                num(s.precision),
                num(s.recall),
                num(s.f1),
                s.support.to_string(),
            ]
        })
        .collect()
}

fn confusion_rows(r: &Report) -> (Vec<String>, Vec<Vec<String>>) {
    let mut head = vec!["gold \\ predicted".to_string()];
    head.extend(r.confusion.labels.iter().cloned());
    let body = r
        .confusion
        .labels
        .iter()
        .zip(&r.confusion.matrix)
        .map(|(l, row)| {
            let mut v = vec![l.clone()];
            v.extend(row.iter().map(|x| x.to_string()));
            v
        })
        .collect();
    (head, body)
}

/// The report as plain text (what pitchsift-eval prints).
pub fn text_report(o: &Outcome) -> String {
    let r = &o.report;
    let mut out = format!("{}\nrows: {}", o.title, r.n);
    if r.n_unknown > 0 {
        let list: Vec<String> = r
            .unknown_labels
            .iter()
            .map(|(l, n)| format!("{} ({n})", escape_controls(l)))
            .collect();
        let _ = write!(
            out,
            "; {} with labels the model does not know: {}",
            r.n_unknown,
            list.join(", ")
        );
    }
    out.push_str("\n\n");
    out.push_str(&table(&["metric", "value"], &summary_rows(r), false));
    out.push('\n');
    out.push_str(&table(
        &["label", "precision", "recall", "f1", "support"],
        &label_rows(r),
        false,
    ));
    out.push('\n');
    let (head, body) = confusion_rows(r);
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    out.push_str(&table(&head, &body, false));
    out
}

/// The report as Markdown (`--markdown`).
pub fn markdown_report(o: &Outcome) -> String {
    let r = &o.report;
    let mut out = format!("# {}\n\nRows: {}", o.title, r.n);
    if r.n_unknown > 0 {
        let _ = write!(out, " ({} with labels unknown to the model)", r.n_unknown);
    }
    out.push_str(". Undefined metrics are shown as `-`.\n\n");
    out.push_str(&table(&["metric", "value"], &summary_rows(r), true));
    out.push_str("\n## Per label\n\n");
    out.push_str(&table(
        &["label", "precision", "recall", "F1", "support"],
        &label_rows(r),
        true,
    ));
    out.push_str("\n## Confusion matrix (rows: gold, columns: predicted)\n\n");
    let (head, body) = confusion_rows(r);
    let head: Vec<&str> = head.iter().map(String::as_str).collect();
    out.push_str(&table(&head, &body, true));
    if !o.markdown.is_empty() {
        out.push('\n');
        out.push_str(&o.markdown);
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `confusion.svg` and `reliability.svg` of an outcome, complete in `dir` (created if
/// missing), for [`crate::io::output::commit`] to rename with the run's other outputs.
#[cfg(feature = "fs")]
pub fn prepare_plots(
    dir: &std::path::Path,
    outcome: &Outcome,
) -> crate::error::Result<Vec<crate::io::output::Ready>> {
    std::fs::create_dir_all(dir).map_err(|e| crate::error::Error::Io {
        location: crate::error::Location::file(dir),
        source: e,
    })?;
    use crate::io::output::prepare;
    let (r, title) = (&outcome.report, &outcome.title);
    Ok(vec![
        prepare(
            &dir.join("confusion.svg"),
            svg_confusion(r, title).as_bytes(),
        )?,
        prepare(
            &dir.join("reliability.svg"),
            svg_reliability(r, title).as_bytes(),
        )?,
    ])
}

/// The confusion matrix as an SVG heat map, cells shaded by the share of their row.
pub fn svg_confusion(r: &Report, title: &str) -> String {
    let m = r.confusion.labels.len().max(1);
    let cell = (480 / m).clamp(24, 72) as f64;
    let longest = r
        .confusion
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(1) as f64;
    let margin_left = 40.0 + 7.0 * longest;
    let margin_top = 80.0 + 5.0 * longest;
    let size = cell * m as f64;
    let (w, h) = (
        (margin_left + size + 30.0 + 5.0 * longest).max(560.0),
        margin_top + size + 60.0,
    );
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"##
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="white"/>"##);
    let _ = writeln!(
        s,
        r##"<text x="10" y="20" font-size="14" font-weight="bold">Confusion matrix</text><text x="10" y="38" fill="#555">{}</text>"##,
        esc(title)
    );
    let _ = writeln!(
        s,
        r##"<text x="{}" y="{}" text-anchor="middle" fill="#333">predicted</text>"##,
        margin_left + size / 2.0,
        60.0
    );
    let _ = writeln!(
        s,
        r##"<text x="20" y="{}" fill="#333" transform="rotate(-90 20 {})" text-anchor="middle">gold</text>"##,
        margin_top + size / 2.0,
        margin_top + size / 2.0
    );
    for (i, l) in r.confusion.labels.iter().enumerate() {
        let y = margin_top + cell * (i as f64 + 0.5) + 4.0;
        let _ = writeln!(
            s,
            r##"<text x="{}" y="{y}" text-anchor="end">{}</text>"##,
            margin_left - 6.0,
            esc(l)
        );
        let x = margin_left + cell * (i as f64 + 0.5);
        let _ = writeln!(
            s,
            r##"<text x="{x}" y="{}" transform="rotate(-45 {x} {})">{}</text>"##,
            margin_top - 6.0,
            margin_top - 6.0,
            esc(l)
        );
    }
    for (i, row) in r.confusion.matrix.iter().enumerate() {
        let total: u64 = row.iter().sum();
        for (j, &v) in row.iter().enumerate() {
            let share = if total > 0 {
                v as f64 / total as f64
            } else {
                0.0
            };
            // White to blue; the diagonal in blue, errors in red.
            let (r0, g0, b0) = if i == j {
                (33, 102, 172)
            } else {
                (178, 24, 43)
            };
            let mix = |c: u8| (255.0 - (255.0 - c as f64) * share).round() as u8;
            let (x, y) = (margin_left + cell * j as f64, margin_top + cell * i as f64);
            let _ = writeln!(
                s,
                r##"<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="rgb({},{},{})" stroke="#ccc"><title>gold {} / predicted {}: {v} ({:.1}% of the row)</title></rect>"##,
                mix(r0),
                mix(g0),
                mix(b0),
                esc(&r.confusion.labels[i]),
                esc(&r.confusion.labels[j]),
                share * 100.0
            );
            if v > 0 {
                let color = if share > 0.6 { "white" } else { "black" };
                let _ = writeln!(
                    s,
                    r##"<text x="{}" y="{}" text-anchor="middle" fill="{color}">{v}</text>"##,
                    x + cell / 2.0,
                    y + cell / 2.0 + 4.0
                );
            }
        }
    }
    let _ = writeln!(
        s,
        r##"<text x="10" y="{}" fill="#555">cells: counts, shaded by share of the gold row; accuracy {}, macro-F1 {}</text>"##,
        h - 15.0,
        num(r.accuracy),
        num(r.macro_f1)
    );
    s.push_str("</svg>\n");
    s
}

/// The reliability diagram: accuracy against mean confidence per bin, with the
/// diagonal of perfect calibration and the share of rows in each bin.
pub fn svg_reliability(r: &Report, title: &str) -> String {
    let (x0, y0, size) = (60.0, 60.0, 400.0);
    let (w, h) = (x0 + size + 40.0, y0 + size + 130.0);
    let px = |v: f64| x0 + v * size;
    let py = |v: f64| y0 + (1.0 - v) * size;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"##
    );
    let _ = writeln!(s, r##"<rect width="100%" height="100%" fill="white"/>"##);
    let _ = writeln!(
        s,
        r##"<text x="10" y="20" font-size="14" font-weight="bold">Reliability diagram (ECE {})</text><text x="10" y="38" fill="#555">{}</text>"##,
        num(r.ece),
        esc(title)
    );
    let _ = writeln!(
        s,
        r##"<rect x="{x0}" y="{y0}" width="{size}" height="{size}" fill="none" stroke="#333"/>"##
    );
    for t in 0..=5 {
        let v = t as f64 / 5.0;
        let _ = writeln!(
            s,
            r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#eee"/><text x="{}" y="{}" text-anchor="end">{v:.1}</text><text x="{}" y="{}" text-anchor="middle">{v:.1}</text>"##,
            x0,
            py(v),
            x0 + size,
            py(v),
            x0 - 5.0,
            py(v) + 4.0,
            px(v),
            y0 + size + 15.0
        );
    }
    let total: u64 = r.reliability.iter().map(|b| b.count).sum();
    for b in &r.reliability {
        if let Some(acc) = b.accuracy {
            let _ = writeln!(
                s,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#4a7fb5" fill-opacity="0.8" stroke="#2b5d8f"><title>confidence ({:.3}, {:.3}]: {} rows, mean confidence {}, accuracy {:.4}</title></rect>"##,
                px(b.lower),
                py(acc),
                (b.upper - b.lower) * size,
                acc * size,
                b.lower,
                b.upper,
                b.count,
                num(b.confidence),
                acc
            );
            if let Some(c) = b.confidence {
                let _ = writeln!(
                    s,
                    r##"<circle cx="{}" cy="{}" r="3" fill="#d6604d"/>"##,
                    px(c),
                    py(acc)
                );
            }
        }
        // Share of rows in the bin, as a strip below the axis.
        if total > 0 && b.count > 0 {
            let share = b.count as f64 / total as f64;
            let _ = writeln!(
                s,
                r##"<rect x="{}" y="{}" width="{}" height="{}" fill="#999"/>"##,
                px(b.lower),
                y0 + size + 80.0 - share * 50.0,
                (b.upper - b.lower) * size,
                share * 50.0
            );
        }
    }
    let _ = writeln!(
        s,
        r##"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#333" stroke-dasharray="5,4"/>"##,
        px(0.0),
        py(0.0),
        px(1.0),
        py(1.0)
    );
    let _ = writeln!(
        s,
        r##"<text x="{}" y="{}" text-anchor="middle">top-label confidence (15 bins; dots: mean confidence of the bin)</text>"##,
        x0 + size / 2.0,
        y0 + size + 32.0
    );
    let _ = writeln!(
        s,
        r##"<text x="15" y="{}" transform="rotate(-90 15 {})" text-anchor="middle">accuracy</text>"##,
        y0 + size / 2.0,
        y0 + size / 2.0
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="{}" fill="#555">grey: share of the {total} rows in each bin</text>"##,
        h - 10.0
    );
    s.push_str("</svg>\n");
    s
}
