//! The HTML report of a classified inbox: one self-contained file (styles, script and
//! charts inline, no network request, a Content-Security-Policy that forbids any) that a
//! person opens in a browser.
//!
//! It shows how much of the inbox is genuine networking and how much is someone selling,
//! recruiting, pitching an opportunity or attempting fraud (bars with counts and
//! shares), the same per month (stacked columns), the senders of most non-networking
//! messages, the top reasons (terms) per label, and a table of every message (date,
//! sender, label, confidence, first line; a longer message opens to its whole text) that
//! can be filtered by label, searched, sorted (dates by time, whatever layout
//! [`crate::linkedin::parse_date`] reads) and paged, with the messages the model is unsure
//! about marked.
//!
//! Memory stays bounded: [`Builder::add`] keeps counts and appends the message's table
//! row to a spool (a temporary file in the binary), which [`Builder::write_html`] copies
//! into the page. Every text from a message is escaped: in the page's HTML by
//! [`escape`], in the table's data by JSON with `<` written `\u003c` (the script puts
//! it in the page with `textContent`, never as HTML). Names (senders, labels) are in
//! `<bdi>` where text or a count is next to them: a right-to-left name does not take
//! them into its run.
//!
//! ```
//! use pitchsift::report::{Builder, Meta, Row};
//! let labels = vec!["networking".to_string(), "sales".to_string()];
//! let mut b = Builder::new(&labels, 0.6, std::io::Cursor::new(Vec::new()));
//! b.add(&Row::new("2025-11-30T14:02:11Z", "Ada", "Book a demo <script>", 1, 0.9, vec![])).unwrap();
//! let mut html = Vec::new();
//! b.write_html(&mut html, &Meta::default()).unwrap();
//! let html = String::from_utf8(html).unwrap();
//! assert!(html.contains("Book a demo \\u003cscript>") && !html.contains("demo <script>"));
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Read, Seek, SeekFrom, Write};

use crate::explain::Reason;

/// One classified message, as the report needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// ISO 8601 date (or empty).
    pub date: String,
    /// The sender (or empty).
    pub from: String,
    /// The first non-empty line of the text, at most [`FIRST_LINE_CHARS`] characters.
    pub first_line: String,
    /// The whole text (trimmed), at most [`FULL_TEXT_CHARS`] characters: the table's
    /// row opens to it when it says more than the first line.
    pub text: String,
    /// The predicted label's index.
    pub class: usize,
    /// Its probability.
    pub confidence: f64,
    /// Why (terms and weights), for the top reasons per label.
    pub reasons: Vec<Reason>,
}

/// The longest first line kept for the table, in characters.
pub const FIRST_LINE_CHARS: usize = 160;

/// The longest whole text kept for the table, in characters.
pub const FULL_TEXT_CHARS: usize = 20_000;

/// At most `n` characters of `s`, an ellipsis after a cut.
fn cut(s: &str, n: usize) -> String {
    match s.char_indices().nth(n) {
        Some((i, _)) => format!("{}\u{2026}", &s[..i]),
        None => s.to_string(),
    }
}

impl Row {
    /// A row from a message's text.
    pub fn new(
        date: &str,
        from: &str,
        text: &str,
        class: usize,
        confidence: f64,
        reasons: Vec<Reason>,
    ) -> Row {
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or("");
        Row {
            date: date.to_string(),
            from: from.to_string(),
            first_line: cut(line, FIRST_LINE_CHARS),
            text: cut(text.trim(), FULL_TEXT_CHARS),
            class,
            confidence,
            reasons,
        }
    }
}

/// What the page says about where the messages come from.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    /// The input (export or CSV files).
    pub source: String,
    /// The model.
    pub model: String,
    /// Lines about what was read and not classified.
    pub notes: Vec<String>,
}

impl Meta {
    /// What a run read: the LinkedIn export, or else the CSV inputs (`-`: standard
    /// input); the model file (`None`: the default model).
    pub fn of_run(
        linkedin: Option<&std::path::Path>,
        inputs: &[std::path::PathBuf],
        model: Option<&std::path::Path>,
        notes: Vec<String>,
    ) -> Meta {
        let source = match linkedin {
            Some(p) => p.display().to_string(),
            None => inputs
                .iter()
                .map(|p| match p.to_str() {
                    Some("-") => "standard input".to_string(),
                    _ => p.display().to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
        };
        let model = model.map_or("the default model".into(), |m| m.display().to_string());
        Meta {
            source,
            model,
            notes,
        }
    }
}

/// Collects the counts of the report as messages are classified.
#[derive(Debug)]
pub struct Builder<S> {
    labels: Vec<String>,
    unsure_below: f64,
    counts: Vec<u64>,
    unsure: u64,
    months: BTreeMap<String, Vec<u64>>,
    senders: HashMap<String, Vec<u64>>,
    terms: Vec<HashMap<String, (f64, u64)>>,
    n: u64,
    buf: Vec<u8>,
    spool: S,
}

/// The default confidence below which a message is marked unsure.
pub const DEFAULT_UNSURE_BELOW: f64 = 0.6;

/// The label of genuine networking: senders are ranked by their other messages.
pub const NETWORKING: &str = "networking";

/// Senders listed in the report.
pub const TOP_SENDERS: usize = 15;
/// The most months the month chart shows: the last ones (a century).
pub const MAX_MONTHS: u32 = 1200;
/// Terms listed per label.
pub const TOP_TERMS: usize = 10;

impl<S: Read + Write + Seek> Builder<S> {
    /// A report for a model with `labels`; messages whose confidence is below
    /// `unsure_below` are marked; table rows go to `spool` until the page is written.
    pub fn new(labels: &[String], unsure_below: f64, spool: S) -> Builder<S> {
        Builder {
            labels: labels.to_vec(),
            unsure_below,
            counts: vec![0; labels.len()],
            unsure: 0,
            months: BTreeMap::new(),
            senders: HashMap::new(),
            terms: vec![HashMap::new(); labels.len()],
            n: 0,
            buf: Vec::new(),
            spool,
        }
    }

    /// Count one message and spool its table row.
    pub fn add(&mut self, row: &Row) -> io::Result<()> {
        let k = self.labels.len();
        let c = row.class;
        self.counts[c] += 1;
        let unsure = row.confidence < self.unsure_below;
        if unsure {
            self.unsure += 1;
        }
        // The date as a time (any layout the LinkedIn reader knows), for the month chart
        // and the table's sort; the table shows it as written.
        let time = crate::linkedin::parse_date(&row.date);
        let iso = time.as_ref().map(|t| t.iso());
        if let Some(month) = iso.as_deref().and_then(month_of) {
            match self.months.get_mut(month) {
                Some(v) => v[c] += 1,
                None => {
                    let mut v = vec![0; k];
                    v[c] += 1;
                    self.months.insert(month.to_string(), v);
                }
            }
        }
        if !row.from.is_empty() && self.labels[c] != NETWORKING {
            self.senders
                .entry(row.from.clone())
                .or_insert_with(|| vec![0; k])[c] += 1;
        }
        for r in &row.reasons {
            let e = self.terms[c].entry(r.term.clone()).or_insert((0.0, 0));
            e.0 += r.weight;
            e.1 += 1;
        }
        // The table row: [date, sender, label index, confidence, first line, 1 when unsure
        // else 0, the date's seconds since 1970 or null when it is no date, then the whole
        // text when it says more than the first line]. The mark is decided here, on the
        // unrounded confidence, as the headline's count and the CSV's `unsure` are: the
        // table's confidence is rounded to 3 decimals, and 0.5996 rounded is not below 0.6.
        let rounded = (row.confidence * 1000.0).round() / 1000.0;
        let (mark, t) = (u8::from(unsure), time.map(|t| t.key()));
        let cell = if row.text != row.first_line && !row.text.is_empty() {
            let r = (&row.date, &row.from, c, rounded, &row.first_line, mark, t);
            serde_json::to_string(&(r.0, r.1, r.2, r.3, r.4, r.5, r.6, &row.text))
        } else {
            serde_json::to_string(&(&row.date, &row.from, c, rounded, &row.first_line, mark, t))
        }
        .map_err(io::Error::other)?;
        if self.n > 0 {
            self.buf.extend_from_slice(b",\n");
        }
        self.buf.extend_from_slice(script_safe(&cell).as_bytes());
        self.n += 1;
        if self.buf.len() >= 1 << 20 {
            self.spool.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Messages added so far.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// True before the first message.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Write the page.
    pub fn write_html(mut self, out: &mut dyn Write, meta: &Meta) -> io::Result<()> {
        let mut h = String::with_capacity(64 << 10);
        let title = if meta.source.is_empty() {
            "pitchsift report".to_string()
        } else {
            format!("pitchsift report: {}", meta.source)
        };
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        h.push_str(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
        );
        h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        let _ = writeln!(h, "<title>{}</title>", escape(&title));
        h.push_str("<style>");
        h.push_str(CSS);
        for (i, l) in self.labels.iter().enumerate() {
            let _ = write!(h, ".c{i}{{background:{}}}", color(l, i));
        }
        h.push_str(
            "</style></head><body>\n<header><h1>Is this networking, or someone using you?</h1>\n",
        );
        let _ = write!(h, "<p class=\"sub\">{}", escape(&meta.source));
        if !meta.model.is_empty() {
            let _ = write!(h, " &middot; model: {}", escape(&meta.model));
        }
        h.push_str("</p>\n");
        h.push_str(&self.headline());
        if !meta.notes.is_empty() {
            h.push_str("<ul class=\"notes\">");
            for n in &meta.notes {
                let _ = write!(h, "<li>{}</li>", escape(n));
            }
            h.push_str("</ul>");
        }
        h.push_str("</header>\n<main>\n");
        h.push_str("<section id=\"share\"><h2>What is in the inbox</h2>\n");
        h.push_str(&self.share_chart());
        h.push_str("</section>\n<section id=\"time\"><h2>Month by month</h2>\n");
        h.push_str(&self.month_chart());
        h.push_str("</section>\n<section id=\"senders\"><h2>Who sends the most non-networking messages</h2>\n");
        h.push_str(&self.senders_table());
        h.push_str("</section>\n<section id=\"reasons\"><h2>Why: the top terms per label</h2>\n");
        h.push_str(&self.reasons());
        h.push_str("</section>\n<section id=\"messages\"><h2>Every message</h2>\n");
        h.push_str(&self.table_shell());
        h.push_str("</section>\n</main>\n");
        let labels = serde_json::to_string(&self.labels).map_err(io::Error::other)?;
        let _ = writeln!(
            h,
            "<script id=\"labels\" type=\"application/json\">{}</script>",
            script_safe(&labels)
        );
        h.push_str("<script id=\"rows\" type=\"application/json\">[");
        out.write_all(h.as_bytes())?;
        self.spool.write_all(&self.buf)?;
        self.spool.flush()?;
        self.spool.seek(SeekFrom::Start(0))?;
        io::copy(&mut self.spool, out)?;
        let mut t = String::new();
        let _ = write!(
            t,
            "]</script>\n<script>var UNSURE_BELOW={};\n{}</script>\n</body></html>\n",
            self.unsure_below, JS
        );
        out.write_all(t.as_bytes())?;
        Ok(())
    }

    fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    fn headline(&self) -> String {
        let total = self.total();
        let mut h = String::new();
        if total == 0 {
            h.push_str("<p class=\"headline\">No messages were classified.</p>");
            return h;
        }
        let pct = |n: u64| 100.0 * n as f64 / total as f64;
        let net = self.labels.iter().position(|l| l == NETWORKING);
        let _ = write!(
            h,
            "<p class=\"headline\">Of <b>{}</b> {}, ",
            group(total),
            messages(total)
        );
        // The default model's labels: networking against someone selling, recruiting,
        // ...; a model with labels of its own: the share of each label.
        let sentence = net.filter(|_| {
            self.labels
                .iter()
                .all(|l| l == NETWORKING || phrase(l).is_some())
        });
        if let Some(n) = sentence {
            let _ = write!(
                h,
                "<b>{:.0}%</b> are genuine networking and <b>{:.0}%</b> are someone ",
                pct(self.counts[n]),
                100.0 - pct(self.counts[n])
            );
            let others: Vec<String> = self
                .labels
                .iter()
                .enumerate()
                .filter_map(|(i, l)| {
                    let p = phrase(l)?;
                    Some(format!("{p} ({:.0}%)", pct(self.counts[i])))
                })
                .collect();
            match others.len() {
                0 => {}
                1 => h.push_str(&others[0]),
                n => {
                    h.push_str(&others[..n - 1].join(", "));
                    h.push_str(" or ");
                    h.push_str(&others[n - 1]);
                }
            }
        } else {
            let shares: Vec<String> = self
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    format!(
                        "<b>{:.0}%</b> <bdi>{}</bdi>",
                        pct(self.counts[i]),
                        escape(l)
                    )
                })
                .collect();
            h.push_str(&shares.join(", "));
        }
        let _ = write!(
            h,
            ". The model is unsure about {} (confidence below {}).</p>",
            group(self.unsure),
            self.unsure_below
        );
        h
    }

    /// Horizontal bars: count and share of each label.
    fn share_chart(&self) -> String {
        // Two drawings: a wide one, and a narrow one that a phone shows at its own size
        // (the wide one scaled to a phone's width had 5-6 px text).
        self.share_svg("chart wide", 720, 430.0) + &self.share_svg("chart narrow", 340, 100.0)
    }

    /// The share chart `w` units wide, bars up to `bar` units long.
    fn share_svg(&self, class: &str, w: usize, bar: f64) -> String {
        let total = self.total().max(1);
        let max = self.counts.iter().copied().max().unwrap_or(0).max(1);
        let row = 34;
        let height = row * self.labels.len() + 10;
        let mut s = String::new();
        let _ = write!(
            s,
            "<svg class=\"{class}\" viewBox=\"0 0 {w} {height}\" width=\"{w}\" height=\"{height}\" \
             role=\"img\" aria-label=\"messages per label\">"
        );
        for (i, l) in self.labels.iter().enumerate() {
            let y = i * row + 5;
            let bw = (self.counts[i] as f64 / max as f64 * bar).max(1.0);
            let share = 100.0 * self.counts[i] as f64 / total as f64;
            let _ = write!(
                s,
                "<g><title>{l}: {n} ({share:.1}%)</title><text x=\"120\" y=\"{ty}\" \
                 text-anchor=\"end\" class=\"lab\">{short}</text><rect x=\"130\" y=\"{y}\" \
                 width=\"{bw:.1}\" height=\"{bh}\" rx=\"3\" fill=\"{c}\"/><text x=\"{tx:.1}\" \
                 y=\"{ty}\" class=\"val\">{n} &middot; {share:.1}%</text></g>",
                l = escape(l),
                short = escape(&chart_label(l)),
                n = group(self.counts[i]),
                ty = y + 18,
                bh = row - 10,
                c = color(l, i),
                tx = 130.0 + bw + 8.0,
            );
        }
        s.push_str("</svg>");
        s
    }

    /// The month chart `w` units wide, with at most about `names` month names under it.
    fn month_svg(
        &self,
        class: &str,
        w: f64,
        names: usize,
        months: &[(String, &Vec<u64>)],
    ) -> String {
        let n = months.len();
        let (ch, left, top) = (220.0, 44.0, 10.0);
        let slot = (w - left - 10.0) / n as f64;
        let bar = (slot * 0.8).clamp(1.0, 48.0);
        let most = months
            .iter()
            .map(|(_, v)| v.iter().sum::<u64>())
            .max()
            .unwrap_or(1)
            .max(1);
        // Four gridlines at a round step (1, 2 or 5 times a power of ten).
        let mut step = 1u64;
        while step * 4 < most {
            step = match step.to_string().as_bytes()[0] {
                b'1' => step * 2,
                b'2' => step / 2 * 5,
                _ => step * 2,
            };
        }
        let max = step * 4;
        let mut s = String::new();
        let height = top + ch + 40.0;
        let _ = write!(
            s,
            "<svg class=\"{class}\" viewBox=\"0 0 {w} {height}\" width=\"{w}\" height=\"{height}\" \
             role=\"img\" aria-label=\"messages per month and label\">"
        );
        for k in 0..=4 {
            let v = step * k;
            let y = top + ch - ch * k as f64 / 4.0;
            let _ = write!(
                s,
                "<line x1=\"{left}\" x2=\"{w}\" y1=\"{y:.1}\" y2=\"{y:.1}\" class=\"grid\"/>\
                 <text x=\"{tx}\" y=\"{ty:.1}\" text-anchor=\"end\" class=\"axis\">{v}</text>",
                tx = left - 6.0,
                ty = y + 4.0
            );
        }
        let every = n.div_ceil(names);
        for (j, (month, v)) in months.iter().enumerate() {
            let x = left + j as f64 * slot + (slot - bar) / 2.0;
            let mut y = top + ch;
            let total: u64 = v.iter().sum();
            let _ = write!(s, "<g><title>{} \u{2014} {}", escape(month), group(total));
            for (i, l) in self.labels.iter().enumerate() {
                if v[i] > 0 {
                    let _ = write!(s, "; {}: {}", escape(l), group(v[i]));
                }
            }
            s.push_str("</title>");
            for (i, l) in self.labels.iter().enumerate() {
                if v[i] == 0 {
                    continue;
                }
                let bh = ch * v[i] as f64 / max as f64;
                y -= bh;
                let _ = write!(
                    s,
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bar:.1}\" height=\"{bh:.1}\" fill=\"{}\"/>",
                    color(l, i)
                );
            }
            s.push_str("</g>");
            if j % every == 0 {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"axis\">{}</text>",
                    x + bar / 2.0,
                    top + ch + 16.0,
                    escape(month)
                );
            }
        }
        s.push_str("</svg>");
        s
    }

    /// Stacked columns per month.
    fn month_chart(&self) -> String {
        if self.months.is_empty() {
            return "<p class=\"empty\">No dates to chart.</p>".into();
        }
        // Every month from the first to the last, empty ones included; at most the last
        // MAX_MONTHS of them (a date a century off, a typo, would otherwise leave the
        // chart ending at that century's end), with a note of the messages left out.
        let zero = vec![0u64; self.labels.len()];
        let last = self.months.keys().next_back().expect("a month");
        let index = |k: &str| {
            k[..4].parse::<u32>().unwrap_or(0) * 12 + k[5..7].parse::<u32>().unwrap_or(1) - 1
        };
        let first = self.months.keys().next().expect("a month");
        let start = index(first).max((index(last) + 1).saturating_sub(MAX_MONTHS));
        let left_out: u64 = self
            .months
            .iter()
            .take_while(|(k, _)| index(k) < start)
            .map(|(_, v)| v.iter().sum::<u64>())
            .sum();
        let months: Vec<(String, &Vec<u64>)> = {
            let (mut y, mut m) = (start / 12, start % 12 + 1);
            let mut out = Vec::new();
            loop {
                let key = format!("{y:04}-{m:02}");
                let done = key.as_str() >= last.as_str() || out.len() >= MAX_MONTHS as usize;
                out.push((key.clone(), self.months.get(&key).unwrap_or(&zero)));
                if done {
                    break;
                }
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
            out
        };
        // Two drawings, as the share chart: a wide one, and a narrow one that a phone
        // shows at its own size, with fewer month names under it.
        let mut s = self.month_svg("chart wide", 860.0, 12, &months);
        s.push_str(&self.month_svg("chart narrow", 340.0, 4, &months));
        s.push_str(&self.legend());
        if left_out > 0 {
            let _ = write!(
                s,
                "<p class=\"empty\">{} {} dated before {} not charted.</p>",
                group(left_out),
                messages(left_out),
                escape(&months[0].0)
            );
        }
        s
    }

    fn legend(&self) -> String {
        let mut s = String::from("<p class=\"legend\">");
        for (i, l) in self.labels.iter().enumerate() {
            let _ = write!(
                s,
                "<span><i class=\"sw c{i}\"></i><bdi>{}</bdi></span>",
                escape(l)
            );
        }
        s.push_str("</p>");
        s
    }

    fn senders_table(&self) -> String {
        let mut top: Vec<(&String, &Vec<u64>, u64)> = self
            .senders
            .iter()
            .map(|(k, v)| (k, v, v.iter().sum()))
            .collect();
        if top.is_empty() {
            return "<p class=\"empty\">No non-networking messages with a sender.</p>".into();
        }
        top.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(b.0)));
        top.truncate(TOP_SENDERS);
        let max = top[0].2.max(1);
        let mut s = String::from(
            "<table class=\"senders\"><thead><tr><th>sender</th><th class=\"num\">messages</th>\
             <th>labels</th></tr></thead><tbody>",
        );
        for (name, v, total) in top {
            let _ = write!(
                s,
                "<tr><td title=\"{}\"><bdi>{}</bdi></td><td class=\"num\">{}</td><td><div class=\"stack\" style=\"width:{:.0}%\">",
                escape(name),
                escape(name),
                group(total),
                100.0 * total as f64 / max as f64
            );
            for (i, l) in self.labels.iter().enumerate() {
                if v[i] > 0 {
                    let _ = write!(
                        s,
                        "<span class=\"c{i}\" style=\"flex:{}\" title=\"{}: {}\"></span>",
                        v[i],
                        escape(l),
                        v[i]
                    );
                }
            }
            s.push_str("</div></td></tr>");
        }
        s.push_str("</tbody></table>");
        s
    }

    fn reasons(&self) -> String {
        let mut s = String::from("<div class=\"cards\">");
        for (i, l) in self.labels.iter().enumerate() {
            let mut top: Vec<(&String, &(f64, u64))> = self.terms[i].iter().collect();
            top.sort_by(|a, b| b.1 .0.total_cmp(&a.1 .0).then_with(|| a.0.cmp(b.0)));
            top.truncate(TOP_TERMS);
            let _ = write!(
                s,
                "<div class=\"card\"><h3><i class=\"sw c{i}\"></i><bdi>{}</bdi> <small>{} {}</small></h3>",
                escape(l),
                group(self.counts[i]),
                messages(self.counts[i])
            );
            if top.is_empty() {
                s.push_str("<p class=\"empty\">none</p></div>");
                continue;
            }
            let max = top[0].1 .0.max(1e-9);
            s.push_str("<ol>");
            for (term, (w, n)) in top {
                let _ = write!(
                    s,
                    "<li><span class=\"term\" title=\"{}\">{}</span><span class=\"tbar c{i}\" style=\"width:{:.0}px\" \
                     title=\"{:.1} nats over {} {}\"></span><small>{}</small></li>",
                    escape(term),
                    escape(term),
                    (w / max * 90.0).max(2.0),
                    w,
                    n,
                    messages(*n),
                    group(*n)
                );
            }
            s.push_str("</ol></div>");
        }
        s.push_str("</div>");
        s
    }

    fn table_shell(&self) -> String {
        let mut s =
            String::from("<div class=\"filters\" role=\"toolbar\" aria-label=\"filter by label\">");
        let _ = write!(
            s,
            "<button type=\"button\" class=\"f on\" aria-pressed=\"true\" data-filter=\"all\">all <small>{}</small></button>",
            group(self.total())
        );
        for (i, l) in self.labels.iter().enumerate() {
            let _ = write!(
                s,
                "<button type=\"button\" class=\"f\" aria-pressed=\"false\" data-filter=\"label\" data-index=\"{i}\" data-label=\"{}\"><i class=\"sw c{i}\"></i><bdi>{}</bdi> <small>{}</small></button>",
                escape(l),
                escape(l),
                group(self.counts[i])
            );
        }
        let _ = write!(
            s,
            "<button type=\"button\" class=\"f\" aria-pressed=\"false\" data-filter=\"unsure\">unsure <small>{}</small></button>\
             <input id=\"q\" type=\"search\" placeholder=\"search sender or text\" aria-label=\"search\"></div>",
            group(self.unsure)
        );
        s.push_str(
            "<table id=\"table\" tabindex=\"-1\"><thead><tr><th data-key=\"0\" class=\"sorted desc\" tabindex=\"0\" aria-sort=\"descending\">date</th>\
             <th data-key=\"1\" tabindex=\"0\">sender</th><th data-key=\"2\" tabindex=\"0\">label</th>\
             <th data-key=\"3\" class=\"num\" tabindex=\"0\">confidence</th><th data-key=\"4\" tabindex=\"0\">message</th></tr></thead>\
             <tbody id=\"tbody\"></tbody></table>\
             <div class=\"pager\"><button type=\"button\" id=\"prev\">&larr; newer</button>\
             <span id=\"pageinfo\"></span><button type=\"button\" id=\"next\">older &rarr;</button></div>",
        );
        s
    }
}

/// `YYYY-MM` of an ISO date (month 01 to 12: the chart walks the calendar from the first
/// month to the last, and a month 13 would be counted in none of its columns).
fn month_of(date: &str) -> Option<&str> {
    let m = date.get(..7)?;
    let b = m.as_bytes();
    let month = m.get(5..)?.parse::<u8>().ok();
    (b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..].iter().all(u8::is_ascii_digit)
        && matches!(month, Some(1..=12)))
    .then_some(m)
}

/// What a label of the default model means, in the headline ("someone selling").
fn phrase(label: &str) -> Option<&'static str> {
    match label {
        "sales" => Some("selling"),
        "recruiting" => Some("recruiting"),
        "opportunity" => Some("pitching an opportunity"),
        "scam" => Some("attempting fraud"),
        _ => None,
    }
}

/// The colour of a label: fixed for the five labels of the default model.
fn color(label: &str, i: usize) -> &'static str {
    const OTHER: [&str; 6] = [
        "#8c6d31", "#6b6ecf", "#bd9e39", "#17becf", "#7f7f7f", "#e377c2",
    ];
    match label {
        "networking" => "#2e9d5a",
        "sales" => "#e8890c",
        "opportunity" => "#8e5cc7",
        "recruiting" => "#2f7bd6",
        "scam" => "#d43d3d",
        _ => OTHER[i % OTHER.len()],
    }
}

/// "message" for one, "messages" for any other count.
fn messages(n: u64) -> &'static str {
    if n == 1 {
        "message"
    } else {
        "messages"
    }
}

/// `12,345`.
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The most characters of a label that fit left of the share chart's bars (120 px at
/// 14 px); a longer one is cut with an ellipsis there, whole in the bar's tooltip.
const CHART_LABEL_CHARS: usize = 14;

/// A label as the share chart shows it: whole when it fits, else [`cut`] to leave room
/// for the ellipsis within [`CHART_LABEL_CHARS`].
fn chart_label(l: &str) -> String {
    if l.chars().count() <= CHART_LABEL_CHARS {
        l.to_string()
    } else {
        cut(l, CHART_LABEL_CHARS - 1)
    }
}

/// Text made safe for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON made safe inside a `<script>` element: no `<` can end it or open a comment.
fn script_safe(json: &str) -> String {
    json.replace('<', "\\u003c")
}

const CSS: &str = r##"
:root{--fg:#1d2330;--muted:#5d6575;--line:#e3e6ec;--bg:#f7f8fa}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
/* One column of at most 1180 px, centred in a wider window; the header's text in line with it. */
header{background:#fff;border-bottom:1px solid var(--line);padding:22px max(32px,calc((100% - 1180px)/2 + 32px)) 14px}
h1{margin:0 0 4px;font-size:24px}
h2{font-size:18px;margin:0 0 12px}
h3{font-size:15px;margin:0 0 8px}
.sub{margin:0;color:var(--muted);font-size:13px;word-break:break-all}
.headline{font-size:17px;margin:12px 0 6px}
.notes{margin:6px 0 0;padding-left:18px;color:var(--muted);font-size:13px}
main{padding:18px 32px 40px;max-width:1180px;margin:0 auto}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:18px 20px;margin-bottom:18px;overflow-x:auto}
/* A chart keeps its size in a wide window and scales down (its viewBox) in a narrow one. */
.chart{max-width:100%;height:auto}
.chart.narrow{display:none}
.chart text{font-size:12px;fill:var(--fg)}
.chart .lab{font-size:14px}
.chart .val{fill:var(--muted)}
.chart .axis{fill:var(--muted);font-size:11px}
.chart .grid{stroke:var(--line)}
.legend span{margin-right:14px;font-size:13px;white-space:nowrap}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:600;color:var(--muted);white-space:nowrap}
.num{text-align:right;font-variant-numeric:tabular-nums}
.senders td:first-child{white-space:nowrap;max-width:360px;overflow:hidden;text-overflow:ellipsis}
.stack{display:flex;height:14px;border-radius:3px;overflow:hidden;min-width:4px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:14px}
.card{border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.card small{color:var(--muted);font-weight:400}
.card ol{margin:0;padding-left:20px;font-size:13px}
.card li{margin:2px 0;white-space:nowrap}
.term{display:inline-block;min-width:110px;max-width:150px;overflow:hidden;text-overflow:ellipsis;vertical-align:bottom}
.tbar{display:inline-block;height:8px;border-radius:2px;margin:0 6px}
.filters{display:flex;flex-wrap:wrap;gap:6px;margin-bottom:10px;align-items:center}
.f{border:1px solid var(--line);background:#fff;border-radius:16px;padding:4px 12px;font:inherit;font-size:13px;cursor:pointer}
.f.on{background:var(--fg);color:#fff;border-color:var(--fg)}
.f small{opacity:.7}
#q{margin-left:auto;padding:5px 10px;border:1px solid var(--line);border-radius:6px;font:inherit;font-size:13px;min-width:220px}
#table:focus{outline:none}
#table th[data-key]{cursor:pointer;user-select:none}
#table th.sorted.asc::after{content:" \25B2"}
#table th.sorted.desc::after{content:" \25BC"}
#table td:nth-child(1){white-space:nowrap;color:var(--muted);font-variant-numeric:tabular-nums}
#table td:nth-child(2){white-space:nowrap;max-width:220px;overflow:hidden;text-overflow:ellipsis}
#table td:nth-child(5){overflow-wrap:anywhere}
#table summary{cursor:pointer}
#table .full{white-space:pre-wrap;margin:6px 0 2px;padding:6px 8px;background:var(--bg);border-radius:4px}
#table details[open] summary{color:var(--muted)}
.pill{display:inline-block;color:#fff;border-radius:10px;padding:0 8px;font-size:12px;white-space:nowrap;max-width:14em;overflow:hidden;text-overflow:ellipsis;vertical-align:middle}
tr.unsure td{background:#fff8e1}
.mark{display:inline-block;margin-left:6px;color:#9a6b00;font-size:12px;font-weight:600}
.pager{display:flex;gap:12px;align-items:center;margin-top:10px}
.pager button{font:inherit;font-size:13px;padding:4px 10px;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer}
.pager button:disabled{opacity:.4;cursor:default}
.empty{color:var(--muted)}
/* A narrow window (a phone): each message a card (sender, label, confidence; date; text)
   as wide as the page, instead of five columns with the text squeezed off to the right. */
@media (max-width:640px){
.chart.wide{display:none}
.chart.narrow{display:block}
header{padding:16px 14px 12px}
main{padding:12px 8px 28px}
section{padding:14px 12px}
#q{min-width:0;margin-left:0;flex:1 1 100%}
#table,#table thead,#table tbody{display:block}
#table thead tr{display:flex;flex-wrap:wrap;gap:2px 4px;border-bottom:1px solid var(--line)}
#table thead th{border:0;padding:4px 6px}
#table tbody tr{display:grid;grid-template-columns:minmax(0,1fr) auto auto;grid-template-areas:"from label conf" "date date date" "msg msg msg";align-items:baseline;border-bottom:1px solid var(--line);padding:4px 0}
#table tbody td{border:0;padding:1px 6px}
#table tbody td:nth-child(1){grid-area:date;font-size:13px}
#table tbody td:nth-child(2){grid-area:from;max-width:none;font-weight:600}
#table tbody td:nth-child(3){grid-area:label}
#table tbody td:nth-child(4){grid-area:conf;white-space:nowrap}
#table tbody td:nth-child(5){grid-area:msg}
#table tr.unsure{background:#fff8e1}
}
"##;

const JS: &str = r##"(function(){
"use strict";
var L=JSON.parse(document.getElementById("labels").textContent);
var R=JSON.parse(document.getElementById("rows").textContent);
// The filter: "all", "unsure" or "label" with the label's index (never its name, which
// is the model's data and may be "all" or anything else).
var PER=100,fk="all",fi=-1,q="",key=0,dir=-1,page=0,view=[];
var tbody=document.getElementById("tbody"),info=document.getElementById("pageinfo");
var prev=document.getElementById("prev"),next=document.getElementById("next");
// Names and texts in the reader's alphabetical order (case and accents aside: "bob"
// between "Alice" and "Carl", "Émile" before "Zed"), not by UTF-16 code units.
var TEXT=new Intl.Collator(undefined,{sensitivity:"base",numeric:true});
// Dates by their time (r[6], seconds; null when no date could be read: last, whichever
// the direction); ties keep the input's order (r.o).
function cmp(a,b){var x,y,c;
 if(key===0){x=a[6];y=b[6];
  if(x===null||y===null)c=x===null?(y===null?0:1):-1;
  else c=x<y?-dir:x>y?dir:0;}
 else if(key===3){x=a[3];y=b[3];c=x<y?-dir:x>y?dir:0;}
 else{x=a[key];y=b[key];if(key===2){x=L[x];y=L[y];}c=dir*TEXT.compare(x,y);}
 return c||a.o-b.o;}
function compute(){view=[];
 for(var i=0;i<R.length;i++){var r=R[i];
  if(fk==="unsure"){if(r[5]!==1)continue;}
  else if(fk==="label"&&r[2]!==fi)continue;
  if(q&&(r[1]+"\n"+(r.length>7?r[7]:r[4])).toLowerCase().indexOf(q)<0)continue;
  view.push(r);}
 if(!(key===0&&dir===-1))view.sort(cmp);
 page=0;}
function td(tr,text,cls){var c=document.createElement("td");c.textContent=text;if(cls)c.className=cls;tr.appendChild(c);return c;}
function render(){var f=document.createDocumentFragment(),pages=Math.max(1,Math.ceil(view.length/PER));
 if(page>=pages)page=pages-1;
 var end=Math.min(view.length,(page+1)*PER);
 for(var i=page*PER;i<end;i++){var r=view[i],tr=document.createElement("tr");
  tr.setAttribute("data-label",L[r[2]]);
  td(tr,/^\d{4}-\d\d-\d\dT/.test(r[0])?r[0].replace("T"," ").replace(/Z$/,""):r[0]);var fc=td(tr,""),fb=document.createElement("bdi");fb.textContent=fc.title=r[1];fc.appendChild(fb);
  var lc=td(tr,""),p=document.createElement("span");p.className="pill c"+r[2];p.textContent=p.title=L[r[2]];lc.appendChild(p);
  var cc=td(tr,r[3].toFixed(2),"num");
  if(r[5]===1){tr.className="unsure";var m=document.createElement("span");m.className="mark";m.textContent="unsure";m.title="confidence below "+UNSURE_BELOW;cc.appendChild(m);}
  if(r.length>7){
   // A longer message: its first line opens to the whole text (a details element:
   // click, Enter or Space), as text, never as markup.
   var mc=td(tr,""),d=document.createElement("details"),s=document.createElement("summary"),w=document.createElement("div");
   s.textContent=r[4];w.className="full";w.textContent=r[7];d.appendChild(s);d.appendChild(w);mc.appendChild(d);}
  else td(tr,r[4]);
  f.appendChild(tr);}
 tbody.textContent="";tbody.appendChild(f);
 info.textContent=view.length?("messages "+(page*PER+1).toLocaleString()+"\u2013"+end.toLocaleString()+" of "+view.length.toLocaleString()+" \u00b7 page "+(page+1)+" of "+pages):"no messages";
 prev.disabled=page===0;next.disabled=page>=pages-1;}
var buttons=document.querySelectorAll(".f");
for(var b=0;b<buttons.length;b++)buttons[b].addEventListener("click",function(){
 for(var k=0;k<buttons.length;k++){buttons[k].classList.remove("on");buttons[k].setAttribute("aria-pressed","false");}
 this.classList.add("on");this.setAttribute("aria-pressed","true");
 fk=this.getAttribute("data-filter");fi=fk==="label"?+this.getAttribute("data-index"):-1;compute();render();});
var timer=null;document.getElementById("q").addEventListener("input",function(){var v=this.value;
 clearTimeout(timer);timer=setTimeout(function(){q=v.trim().toLowerCase();compute();render();},120);});
var ths=document.querySelectorAll("#table th[data-key]");
// A column's heading sorts by it: a click, or Enter or Space on the focused heading
// (each is in the tab order); aria-sort says which column sorts, and how.
function sortBy(th){var k=+th.getAttribute("data-key");
 if(k===key)dir=-dir;else{key=k;dir=(k===0||k===3)?-1:1;}
 for(var j=0;j<ths.length;j++){ths[j].className=ths[j].className.replace(/ ?sorted| ?asc| ?desc/g,"");ths[j].removeAttribute("aria-sort");}
 th.className+=" sorted "+(dir<0?"desc":"asc");th.setAttribute("aria-sort",dir<0?"descending":"ascending");
 compute();render();}
for(var t=0;t<ths.length;t++){ths[t].addEventListener("click",function(){sortBy(this);});
 ths[t].addEventListener("keydown",function(e){if(e.key==="Enter"||e.key===" "){e.preventDefault();sortBy(this);}});}
// Another page shows from its first row: the table's top in view (the pager is below the
// last row) and the focus on the table, where the rows begin (Tab goes on to its first
// heading; the button pressed may have just been disabled, on the first or last page).
var table=document.getElementById("table");
function turn(d){page+=d;render();table.focus({preventScroll:true});table.scrollIntoView({block:"start"});}
prev.addEventListener("click",function(){turn(-1);});
next.addEventListener("click",function(){turn(1);});
for(var o=0;o<R.length;o++)R[o].o=o;
R.sort(cmp);
compute();render();
document.body.setAttribute("data-ready","1");
if(window.performance&&performance.mark)performance.mark("table-ready");
})();
"##;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn labels() -> Vec<String> {
        ["networking", "opportunity", "recruiting", "sales", "scam"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn page(rows: &[Row]) -> String {
        let mut b = Builder::new(&labels(), 0.6, Cursor::new(Vec::new()));
        for r in rows {
            b.add(r).unwrap();
        }
        let mut out = Vec::new();
        b.write_html(
            &mut out,
            &Meta {
                source: "export.zip".into(),
                model: "<default>".into(),
                notes: vec!["3 replies <not classified>".into()],
            },
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    fn reason(term: &str, weight: f64) -> Reason {
        Reason {
            term: term.into(),
            weight,
        }
    }

    #[test]
    fn hostile_text_is_escaped_everywhere() {
        let evil = "<script>alert(1)</script><img src=x onerror=alert(2)>";
        let html = page(&[Row::new(
            "2025-01-02T03:04:05Z",
            evil,
            evil,
            3,
            0.9,
            vec![reason(evil, 1.0)],
        )]);
        // The only script elements are the page's own three.
        assert_eq!(html.matches("<script").count(), 3, "{html}");
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("\\u003cscript>alert(1)\\u003c/script>"));
        assert!(html.contains("3 replies &lt;not classified&gt;"));
        assert!(html.contains("model: &lt;default&gt;"));
        // No address outside the page: nothing to fetch.
        for bad in ["http://", "https://", "src=\"", "@import", "url("] {
            assert!(!html.contains(bad), "{bad}");
        }
    }

    #[test]
    fn counts_months_senders_and_terms() {
        let rows = [
            Row::new(
                "2025-01-05T10:00:00Z",
                "Sam Seller",
                "Buy now\nmore",
                3,
                0.95,
                vec![reason("demo", 2.0)],
            ),
            Row::new(
                "2025-01-20T10:00:00Z",
                "Sam Seller",
                "Demo?",
                3,
                0.55,
                vec![reason("demo", 1.5)],
            ),
            Row::new(
                "2025-03-01T10:00:00Z",
                "Nina Net",
                "Great to meet you",
                0,
                0.9,
                vec![],
            ),
            Row::new(
                "",
                "Rita Recruiter",
                "A role for you",
                2,
                0.8,
                vec![reason("role", 1.0)],
            ),
        ];
        let mut b = Builder::new(&labels(), 0.6, Cursor::new(Vec::new()));
        for r in &rows {
            b.add(r).unwrap();
        }
        assert_eq!(b.counts, vec![1, 0, 1, 2, 0]);
        assert_eq!(b.unsure, 1);
        assert_eq!(b.months.len(), 2);
        assert_eq!(b.months["2025-01"], vec![0, 0, 0, 2, 0]);
        // Networking messages do not rank a sender.
        assert!(!b.senders.contains_key("Nina Net"));
        assert_eq!(b.senders["Sam Seller"], vec![0, 0, 0, 2, 0]);
        assert_eq!(b.terms[3]["demo"], (3.5, 2));
        let html = page(&rows);
        // 1 of 4 networking: 25%, and 75% the rest; sales 2 of 4.
        assert!(
            html.contains("<b>25%</b> are genuine networking and <b>75%</b>"),
            "{html}"
        );
        assert!(html.contains("selling (50%)"));
        assert!(html.contains("2 &middot; 50.0%"));
        // The table shows the first line of a text and opens to the whole text.
        assert!(
            html.contains("\"Buy now\",0,1736071200,\"Buy now\\nmore\"]"),
            "{html}"
        );
        // A one-line text once; a date as a time (2025-01-05T10:00:00Z: 1736071200 s, 2025-01-20T10:00:00Z: 1737367200 s, by `date +%s -d`).
        assert!(html.contains("\"Demo?\",1,1737367200]"), "{html}");
    }

    #[test]
    fn headline_of_a_model_with_labels_of_its_own() {
        let own = vec!["ham".to_string(), "spam".to_string()];
        let mut b = Builder::new(&own, 0.75, Cursor::new(Vec::new()));
        for (c, conf) in [(0, 0.9), (1, 0.7), (1, 0.95), (1, 0.99)] {
            b.add(&Row::new("", "", "text", c, conf, vec![])).unwrap();
        }
        let h = b.headline();
        // 1 of 4 ham, 3 of 4 spam; one below 0.75. Not "they are someone ham".
        assert_eq!(
            h,
            "<p class=\"headline\">Of <b>4</b> messages, <b>25%</b> <bdi>ham</bdi>, <b>75%</b> <bdi>spam</bdi>. \
             The model is unsure about 1 (confidence below 0.75).</p>"
        );
        // The default model's labels keep the sentence; the threshold as given.
        let mut b = Builder::new(&labels(), 0.625, Cursor::new(Vec::new()));
        b.add(&Row::new("", "", "text", 3, 0.9, vec![])).unwrap();
        assert!(b
            .headline()
            .contains("<b>0%</b> are genuine networking and <b>100%</b> are someone"));
        assert!(b.headline().contains("(confidence below 0.625)"));
    }

    #[test]
    fn a_long_label_is_cut_in_the_share_chart_and_whole_in_its_tooltip() {
        let long = "with spaces, and a name longer than the chart's margin".to_string();
        let own = vec!["café ☕".to_string(), long.clone()];
        let mut b = Builder::new(&own, 0.6, Cursor::new(Vec::new()));
        b.add(&Row::new("", "", "text", 1, 0.9, vec![])).unwrap();
        let chart = b.share_chart();
        // 13 characters and the ellipsis (CHART_LABEL_CHARS = 14) in the text, all of it in
        // the title; a short label, accented or not, whole in both.
        assert!(chart.contains(">with spaces, \u{2026}</text>"), "{chart}");
        assert!(chart.contains(&format!("<title>{}: 1 (100.0%)</title>", escape(&long))));
        assert!(chart.contains(">café ☕</text>"), "{chart}");
        assert_eq!(chart_label("fourteen chars"), "fourteen chars");
        assert_eq!(chart_label("fifteen chars!!"), "fifteen chars\u{2026}");
    }

    #[test]
    fn month_chart_keeps_the_last_months_of_a_span_over_a_century() {
        // A date a century off (a typo) used to end the chart 1,200 months after it,
        // in 2000: the messages of 2025 were in no column.
        let mut b = Builder::new(&labels(), 0.6, Cursor::new(Vec::new()));
        for date in ["1900-01-05", "2025-11-05", "2025-11-20", "2024-03-01"] {
            b.add(&Row::new(date, "", "text", 0, 0.9, vec![])).unwrap();
        }
        let chart = b.month_chart();
        assert!(
            chart.contains("<title>2025-11 \u{2014} 2; networking: 2</title>"),
            "{chart}"
        );
        assert!(chart.contains("<title>2024-03 \u{2014} 1;"), "{chart}");
        // In each of the two drawings (wide and narrow).
        assert_eq!(chart.matches("<g><title>").count(), 2 * MAX_MONTHS as usize);
        assert!(
            chart.contains("<g><title>1925-12 \u{2014} 0</title>"),
            "{chart}"
        );
        assert!(!chart.contains("1900-01"));
        assert!(chart.contains("1 message dated before 1925-12 not charted."));
        // A span of a century or less: every month, nothing left out.
        let mut b = Builder::new(&labels(), 0.6, Cursor::new(Vec::new()));
        for date in ["1925-12-05", "2025-11-05"] {
            b.add(&Row::new(date, "", "text", 0, 0.9, vec![])).unwrap();
        }
        let chart = b.month_chart();
        // In each of the two drawings (wide and narrow).
        assert_eq!(chart.matches("<g><title>").count(), 2 * MAX_MONTHS as usize);
        assert!(chart.contains("<g><title>1925-12 \u{2014} 1;"));
        assert!(!chart.contains("not charted"));
    }

    #[test]
    fn filter_buttons_say_which_is_pressed_from_the_start() {
        // The script sets aria-pressed on a click; before any click no button had it, so
        // a screen reader heard plain buttons rather than toggles with "all" pressed.
        let b = Builder::new(&labels(), 0.6, Cursor::new(Vec::new()));
        let shell = b.table_shell();
        assert_eq!(
            shell.matches("<button type=\"button\" class=\"f").count(),
            7,
            "{shell}"
        );
        assert_eq!(shell.matches("aria-pressed=\"true\"").count(), 1);
        assert_eq!(shell.matches("aria-pressed=\"false\"").count(), 6);
        assert!(shell.contains("class=\"f on\" aria-pressed=\"true\" data-filter=\"all\""));
    }

    /// One message is "1 message" in the headline, the label's card and a term's tooltip;
    /// any other count "messages".
    #[test]
    fn one_message_is_a_message() {
        let mut b = Builder::new(&labels(), 0.6, Cursor::new(Vec::new()));
        let row = Row::new("", "", "text", 3, 0.9, vec![reason("demo", 1.5)]);
        b.add(&row).unwrap();
        assert!(b
            .headline()
            .starts_with("<p class=\"headline\">Of <b>1</b> message, "));
        let cards = b.reasons();
        assert!(
            cards.contains("sales</bdi> <small>1 message</small>"),
            "{cards}"
        );
        assert!(
            cards.contains("scam</bdi> <small>0 messages</small>"),
            "{cards}"
        );
        assert!(
            cards.contains("title=\"1.5 nats over 1 message\""),
            "{cards}"
        );
        b.add(&row).unwrap();
        assert!(b
            .headline()
            .starts_with("<p class=\"headline\">Of <b>2</b> messages, "));
        assert!(b.reasons().contains("title=\"3.0 nats over 2 messages\""));
    }

    #[test]
    fn first_line_is_bounded() {
        let long = "x".repeat(500);
        let r = Row::new("", "", &format!("\n\n  {long}\nsecond"), 0, 1.0, vec![]);
        assert_eq!(r.first_line.chars().count(), FIRST_LINE_CHARS + 1);
        assert_eq!(group(1234567), "1,234,567");
        assert_eq!(group(12), "12");
        assert_eq!(month_of("2025-11-30T00:00:00Z"), Some("2025-11"));
        assert_eq!(month_of("11/30/2025"), None);
        // A `date` column of a CSV is passed through when it is no date pitchsift reads.
        assert_eq!(month_of("2025-13-45"), None);
        assert_eq!(month_of("2025-00-01"), None);
        assert_eq!(month_of("2025-12-31"), Some("2025-12"));
    }
}
