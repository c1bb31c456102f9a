//! Prediction: batches of messages (command-line texts, CSV files, a LinkedIn export)
//! -> the scorer, in parallel chunks -> one output (CSV, JSON lines or text) in input
//! order, with the next batch read while the current one is scored.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::corpus::{
    earlier_prediction, output_column_names, Columns, CsvOptions, CsvSource, InvalidUtf8, RawRow,
};
use crate::error::{Error, Location, Result};
use crate::explain::{explain_batch, format_reasons, Reason};
use crate::io::output::Output;
use crate::linkedin::{self, Item};
use crate::nb::calibrate::{decide, UNSURE};
use crate::nb::classifier::{Classifier, Prediction};
use crate::par::*;
use crate::report::{self, Row};

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Format {
    /// One line per message: label, tab, confidence (messages only).
    Text,
    /// CSV: input columns, then predicted, confidence, p_<label> for each label.
    Csv,
    /// One JSON object per message: row, predicted, confidence, probabilities.
    Jsonl,
}

/// How to predict and write.
#[derive(Debug, Clone)]
pub struct PredictOptions {
    /// Output format.
    pub format: Format,
    /// Answer `unsure` below this top confidence.
    pub min_confidence: Option<f64>,
    /// Explain each prediction with this many terms.
    pub explain: Option<usize>,
    /// Explain against this label (a class id) instead of the runner-up, see
    /// [`crate::explain::explain_against`]; also the report's reasons.
    pub explain_against: Option<usize>,
    /// Records classified per parallel batch.
    pub batch_size: usize,
}

/// The report's spool file.
pub type ReportBuilder = report::Builder<std::fs::File>;

fn report_error(e: std::io::Error) -> Error {
    Error::io("the report's temporary file", e)
}

/// Classify `texts` (messages) and write them to `out`.
pub fn messages(
    clf: &Classifier,
    texts: &[String],
    o: &PredictOptions,
    out: &mut Output,
) -> Result<()> {
    Messages::new(clf, o, out).write(texts)
}

/// Messages classified batch by batch into one output (a stream of lines): the CSV
/// header once, rows numbered across batches. Each message's output depends on that
/// message only, so the bytes are the same however the messages are batched.
pub struct Messages<'a> {
    w: Writer<'a>,
    rows: u64,
}

impl<'a> Messages<'a> {
    /// Messages to `out`; nothing is written before the first [`Messages::write`].
    pub fn new(clf: &'a Classifier, o: &PredictOptions, out: &'a mut Output) -> Self {
        Messages {
            w: Writer::new(clf, o, out, &["text"]),
            rows: 0,
        }
    }

    /// Classify a batch of messages and write them, in order (the CSV header first, once,
    /// even for an empty batch).
    pub fn write(&mut self, texts: &[String]) -> Result<()> {
        self.w.header()?;
        let clf = self.w.clf;
        let explain = self.w.explain;
        let preds: Vec<(Prediction, Vec<Reason>)> = match explain {
            Some(k) => explain_batch(clf, texts, k, self.w.against),
            // A few messages: scored here, without the thread pool or a vocabulary table.
            None if texts.len() <= FEW => {
                texts.iter().map(|t| (clf.predict(t), Vec::new())).collect()
            }
            None => clf
                .predict_batch(texts)
                .into_iter()
                .map(|p| (p, Vec::new()))
                .collect(),
        };
        let first = self.rows;
        self.rows += texts.len() as u64;
        if self.w.fmt.format == Format::Text {
            let mut buf = Vec::new();
            for (p, why) in &preds {
                let label = decide(p, &clf.labels, self.w.fmt.min_confidence);
                let _ = write!(buf, "{label}\t{:.4}", p.confidence());
                if explain.is_some() {
                    let _ = write!(buf, "\t{}", format_reasons(why));
                }
                buf.push(b'\n');
            }
            return self.w.write(&buf);
        }
        let mut sink = Sink::new(self.w.fmt.format);
        for (i, (t, (p, why))) in texts.iter().zip(&preds).enumerate() {
            self.w.fmt.row(
                first + i as u64 + 1,
                None,
                [t.as_bytes()].into_iter(),
                p,
                why,
                &mut sink,
            );
        }
        self.w.write(&sink.into_bytes())
    }

    /// Flush what was written to the output (for a reader waiting on each answer).
    pub fn flush(&mut self) -> Result<()> {
        self.w.out.flush().map_err(|e| self.w.out.error(e))
    }
}

/// Classify a LinkedIn export: the first pass finds the opening messages and the
/// owner, the second reads them in batches (the next batch is read while the current
/// one is scored). `progress(bytes, message)` is called as the export is read; the summary lines
/// (owner, what was read, the count per label) are returned.
pub fn linkedin(
    clf: &Classifier,
    reader: &mut linkedin::Reader,
    o: &PredictOptions,
    out: &mut Output,
    mut report: Option<&mut ReportBuilder>,
    progress: &mut dyn FnMut(u64, String),
) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    reader.scan(&mut |b| progress(b, "finding opening messages".into()))?;
    let mut w = Writer::new(clf, o, out, &linkedin::COLUMNS);
    w.fmt.json_names = Some(linkedin::COLUMNS.iter().map(|c| c.to_string()).collect());
    let (mut cur, mut next): (Vec<Item>, Vec<Item>) = (Vec::new(), Vec::new());
    let mut per_label = vec![0u64; clf.labels.len() + 1];
    let mut done = 0u64;
    let mut size = crate::corpus::ramp(0, o.batch_size);
    let mut n = reader.read_batch(&mut cur, size)?;
    while n > 0 {
        size = crate::corpus::ramp(size, o.batch_size);
        let (read, written) = join(
            || reader.read_batch(&mut next, size),
            || w.write_batch(done, None, Rows::Items(&cur[..n]), report.is_some()),
        );
        let (rows, counts) = written?;
        for (t, c) in per_label.iter_mut().zip(counts) {
            *t += c;
        }
        if let Some(r) = report.as_deref_mut() {
            for row in &rows {
                r.add(row).map_err(report_error)?;
            }
        }
        done += n as u64;
        std::mem::swap(&mut cur, &mut next);
        n = read?;
        progress(reader.bytes_read(), format!("{done} classified"));
    }
    w.finish()?;
    if let Some(owner) = reader.owner() {
        notes.push(format!(
            "owner: {}{}{}",
            owner.name,
            owner
                .url
                .as_ref()
                .map_or(String::new(), |u| format!(" ({u})")),
            match reader.stats() {
                _ if owner.given => ", as given".to_string(),
                s if s.without_owner == 0 => ", found in every conversation".to_string(),
                s => format!(
                    ", found in {} of {} conversations",
                    s.conversations - s.without_owner,
                    s.conversations
                ),
            }
        ));
    }
    notes.extend(reader.stats().lines(reader.export()));
    let mut labels: Vec<String> = clf
        .labels
        .iter()
        .zip(&per_label)
        .map(|(l, c)| format!("{l} {c}"))
        .collect();
    if o.min_confidence.is_some() {
        labels.push(format!("{} {}", UNSURE, per_label[clf.labels.len()]));
    }
    notes.push(format!("classified {done}: {}", labels.join(", ")));
    Ok(notes)
}

/// Up to this many messages on the command line are scored on the main thread.
pub const FEW: usize = 16;

/// Classify CSV files (`-` is standard input) into one output: CSV output needs the
/// same header in every file. `progress(bytes, rows)` is called after each batch.
pub fn csv_files(
    clf: &Classifier,
    inputs: &[PathBuf],
    opts: &CsvOptions,
    o: &PredictOptions,
    out: &mut Output,
    mut report: Option<&mut ReportBuilder>,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<()> {
    let replace = opts.invalid_utf8 == InvalidUtf8::Replace;
    let mut header: Option<Vec<String>> = None;
    let mut w: Option<Writer> = None;
    let many = inputs.len() > 1;
    let (mut done_files, mut rows_done) = (0u64, 0u64);
    for path in inputs {
        let mut src = CsvSource::open(path, opts)?;
        // A predictions file classified again: its earlier prediction's columns are left
        // out and the model's own written in their place.
        let text = src.column(&opts.text_col)?;
        let earlier = earlier_prediction(src.headers(), text);
        let keep: Vec<usize> = (0..src.headers().len())
            .filter(|i| !earlier.contains(i))
            .collect();
        let h = output_column_names(src.headers(), &keep, text);
        match &header {
            None => header = Some(h.clone()),
            Some(first) if o.format == Format::Csv && *first != h => {
                return Err(Error::Csv {
                    location: Location::file(path).line(1),
                    message: format!(
                        "header differs from the first input's ({}); CSV output needs one header",
                        first.join(",")
                    ),
                })
            }
            _ => {}
        }
        if w.is_none() {
            let names: Vec<&str> = h.iter().map(String::as_str).collect();
            w = Some(Writer::new(clf, o, out, &names));
        }
        let w = w.as_mut().unwrap();
        let input = many.then_some(path.as_path());
        // What the report shows of a row besides its text, when the file has it.
        let find = |names: &[&str]| names.iter().find_map(|c| src.column(c).ok());
        let (date_col, from_col) = (
            find(&["date", "sent at", "sent_at"]),
            find(&["from", "sender", "sender_name"]),
        );
        let mut row_no = 0u64;
        let report = &mut report;
        let mut classify = |cols: &Columns, batch: &[RawRow]| -> Result<()> {
            let texts = batch
                .iter()
                .map(|r| cols.text(r))
                .collect::<Result<Vec<_>, _>>()?;
            let rows = Rows::Csv {
                rows: batch,
                keep: &keep,
                texts: &texts,
                replace,
                date_col,
                from_col,
            };
            let (report_rows, _) = w.write_batch(row_no, input, rows, report.is_some())?;
            if let Some(r) = report.as_deref_mut() {
                for row in &report_rows {
                    r.add(row).map_err(report_error)?;
                }
            }
            row_no += batch.len() as u64;
            Ok(())
        };
        src.for_each_batch(o.batch_size, &mut classify, &mut |k, end| {
            rows_done += k as u64;
            progress(done_files + end, rows_done);
        })?;
        done_files += src.bytes_read();
    }
    if let Some(w) = w.as_mut() {
        w.finish()?;
    }
    Ok(())
}

/// Rows scored and formatted per parallel task.
const CHUNK: usize = 256;

/// Formats one prediction as a CSV record or a JSON line (shared by worker threads).
struct Fmt {
    format: Format,
    min_confidence: Option<f64>,
    explain: bool,
    /// JSONL: the names of the echoed fields, written before the prediction (CSV input
    /// echoes no field in JSONL).
    json_names: Option<Vec<String>>,
    labels: Vec<String>,
}

/// Where a chunk of records is formatted: CSV through a `csv::Writer` (quoting as the
/// csv crate does), JSON lines through serde_json.
enum Sink {
    Csv {
        /// Boxed: the writer carries its own buffer, far larger than the JSONL variant.
        w: Box<csv::Writer<Vec<u8>>>,
        /// A number's digits, reused.
        num: Vec<u8>,
    },
    Jsonl(Vec<u8>),
}

impl Sink {
    fn new(format: Format) -> Sink {
        match format {
            Format::Csv => Sink::Csv {
                w: Box::new(
                    csv::WriterBuilder::new()
                        .has_headers(false)
                        .flexible(true)
                        .from_writer(Vec::new()),
                ),
                num: Vec::new(),
            },
            Format::Jsonl | Format::Text => Sink::Jsonl(Vec::new()),
        }
    }

    /// The formatted bytes.
    fn into_bytes(self) -> Vec<u8> {
        match self {
            Sink::Csv { w, .. } => w.into_inner().expect("writing to memory"),
            Sink::Jsonl(b) => b,
        }
    }
}

/// One JSON line: `row`, the echoed fields, `input`, `predicted`, `confidence`,
/// `probabilities` (label -> probability, in label order) and `explanation`.
struct JsonLine<'a> {
    row: u64,
    echoed: Vec<(&'a str, std::borrow::Cow<'a, str>)>,
    input: Option<String>,
    predicted: &'a str,
    p: &'a Prediction,
    labels: &'a [String],
    explanation: Option<&'a [Reason]>,
}

impl serde::Serialize for JsonLine<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        /// The probabilities as a map in label order.
        struct Probabilities<'a>(&'a [String], &'a [f64]);
        impl serde::Serialize for Probabilities<'_> {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().zip(self.1))
            }
        }
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("row", &self.row)?;
        for (k, v) in &self.echoed {
            m.serialize_entry(k, v)?;
        }
        if let Some(i) = &self.input {
            m.serialize_entry("input", i)?;
        }
        m.serialize_entry("predicted", self.predicted)?;
        m.serialize_entry("confidence", &self.p.confidence())?;
        m.serialize_entry(
            "probabilities",
            &Probabilities(self.labels, &self.p.probabilities),
        )?;
        if let Some(e) = self.explanation {
            m.serialize_entry("explanation", e)?;
        }
        m.end()
    }
}

impl Fmt {
    /// Format the record of one prediction into `sink`. `fields` are the input columns
    /// to echo (CSV; JSONL with `json_names`).
    fn row<'b>(
        &self,
        row: u64,
        input: Option<&Path>,
        fields: impl Iterator<Item = &'b [u8]>,
        p: &Prediction,
        why: &[Reason],
        sink: &mut Sink,
    ) {
        let unsure = self.min_confidence.is_some_and(|t| p.confidence() < t);
        let predicted = if unsure {
            UNSURE
        } else {
            self.labels[p.class].as_str()
        };
        // Writing to memory cannot fail; the writer is flexible, so no field count is
        // checked either.
        const MEM: &str = "writing to memory";
        match sink {
            Sink::Csv { w, num } => {
                for f in fields {
                    w.write_field(f).expect(MEM);
                }
                w.write_field(predicted).expect(MEM);
                for &v in std::iter::once(&p.probabilities[p.class]).chain(&p.probabilities) {
                    num.clear();
                    push_fixed6(num, v);
                    w.write_field(&num[..]).expect(MEM);
                }
                if self.explain {
                    w.write_field(format_reasons(why)).expect(MEM);
                }
                w.write_record(std::iter::empty::<&[u8]>()).expect(MEM);
            }
            Sink::Jsonl(l) => {
                let echoed = match &self.json_names {
                    Some(names) => names
                        .iter()
                        .zip(fields)
                        .map(|(n, f)| (n.as_str(), String::from_utf8_lossy(f)))
                        .collect(),
                    None => Vec::new(),
                };
                let line = JsonLine {
                    row,
                    echoed,
                    input: input.map(|p| p.display().to_string()),
                    predicted,
                    p,
                    labels: &self.labels,
                    explanation: self.explain.then_some(why),
                };
                serde_json::to_writer(&mut *l, &line).expect("a JSON line serialises");
                l.push(b'\n');
            }
        }
    }
}

/// Writes predictions as CSV or JSON lines.
struct Writer<'a> {
    clf: &'a Classifier,
    explain: Option<usize>,
    against: Option<usize>,
    fmt: Fmt,
    out: &'a mut Output,
    header_done: bool,
    header: Vec<String>,
}

impl<'a> Writer<'a> {
    fn new(
        clf: &'a Classifier,
        o: &PredictOptions,
        out: &'a mut Output,
        input_header: &[&str],
    ) -> Writer<'a> {
        let mut header: Vec<String> = input_header.iter().map(|s| s.to_string()).collect();
        header.push("predicted".into());
        header.push("confidence".into());
        header.extend(clf.labels.iter().map(|l| format!("p_{l}")));
        if o.explain.is_some() {
            header.push("explanation".into());
        }
        Writer {
            clf,
            explain: o.explain,
            against: o.explain_against,
            fmt: Fmt {
                format: o.format,
                min_confidence: o.min_confidence,
                explain: o.explain.is_some(),
                json_names: None,
                labels: clf.labels.clone(),
            },
            out,
            header_done: false,
            header,
        }
    }

    /// Write `bytes` to the output (an error names the output).
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.out.write_all(bytes).map_err(|e| self.out.error(e))
    }

    /// The CSV header, once. It comes with the first batch of rows, so that an error
    /// before any row leaves standard output empty ([`Writer::finish`] writes it when no
    /// row came).
    fn header(&mut self) -> Result<()> {
        if self.fmt.format == Format::Csv && !self.header_done {
            self.header_done = true;
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            w.write_record(&self.header).expect("writing to memory");
            let l = w.into_inner().expect("writing to memory");
            self.write(&l)?;
        }
        Ok(())
    }

    /// The end of the output: a CSV header when no batch came (an input without rows
    /// gives a header-only CSV, still with the output's columns).
    fn finish(&mut self) -> Result<()> {
        self.header()
    }

    /// Score a batch in parallel, format each row on its worker, write in input order.
    /// Returns the report's rows (when `report`) and the count per label (the last
    /// count is `unsure`).
    fn write_batch(
        &mut self,
        first_row: u64,
        input: Option<&Path>,
        rows: Rows<'_>,
        report: bool,
    ) -> Result<(Vec<Row>, Vec<u64>)> {
        self.header()?;
        let (clf, fmt, against) = (self.clf, &self.fmt, self.against);
        // The report's top terms need reasons even without --explain.
        let explain = self.explain.or(report.then_some(REPORT_REASONS));
        let n = rows.len();
        let chunks: Vec<(Vec<u8>, Vec<Row>, Vec<u64>)> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map_init(
                || clf.scorer(),
                |scorer, c| {
                    let range = c * CHUNK..n.min((c + 1) * CHUNK);
                    let mut sink = Sink::new(fmt.format);
                    let mut report_rows = Vec::new();
                    let mut counts = vec![0u64; clf.labels.len() + 1];
                    for k in range {
                        let t = rows.text(k);
                        let (p, why) = match explain {
                            Some(e) => crate::explain::explain_against(scorer, t, e, against),
                            None => (scorer.predict(t), Vec::new()),
                        };
                        let unsure = fmt.min_confidence.is_some_and(|m| p.confidence() < m);
                        counts[if unsure { clf.labels.len() } else { p.class }] += 1;
                        rows.format(k, fmt, first_row + k as u64 + 1, input, &p, &why, &mut sink);
                        if report {
                            let (date, from) = rows.date_from(k);
                            report_rows.push(Row::new(
                                &date,
                                &from,
                                t,
                                p.class,
                                p.confidence(),
                                why,
                            ));
                        }
                    }
                    (sink.into_bytes(), report_rows, counts)
                },
            )
            .collect();
        let mut all_rows = Vec::new();
        let mut counts = vec![0u64; clf.labels.len() + 1];
        for (buf, rows, c) in chunks {
            self.write(&buf)?;
            all_rows.extend(rows);
            for (t, x) in counts.iter_mut().zip(c) {
                *t += x;
            }
        }
        Ok((all_rows, counts))
    }
}

/// Reasons kept per message for the report's top terms (without --explain).
const REPORT_REASONS: usize = 3;

/// A batch to classify: CSV records (with their texts) or messages of an export.
#[derive(Clone, Copy)]
enum Rows<'r> {
    Csv {
        rows: &'r [RawRow],
        /// The input columns echoed, in order.
        keep: &'r [usize],
        texts: &'r [std::borrow::Cow<'r, str>],
        /// --invalid-utf8 replace: the echoed columns are repaired too, so the output is
        /// valid UTF-8.
        replace: bool,
        date_col: Option<usize>,
        from_col: Option<usize>,
    },
    Items(&'r [Item]),
}

impl Rows<'_> {
    fn len(&self) -> usize {
        match self {
            Rows::Csv { rows, .. } => rows.len(),
            Rows::Items(items) => items.len(),
        }
    }

    fn text(&self, k: usize) -> &str {
        match self {
            Rows::Csv { texts, .. } => &texts[k],
            Rows::Items(items) => &items[k].text,
        }
    }

    /// The report's date (ISO 8601 when it can be read as a date, without a time when it
    /// was written without one) and sender.
    fn date_from(&self, k: usize) -> (String, String) {
        match self {
            Rows::Csv {
                rows,
                date_col,
                from_col,
                ..
            } => {
                let get = |c: Option<usize>| {
                    c.and_then(|c| rows[k].record.get(c))
                        .map_or(String::new(), |f| {
                            String::from_utf8_lossy(f).trim().to_string()
                        })
                };
                let date = get(*date_col);
                // A date written without a time of day stays one (`2024-03-01`, not
                // `2024-03-01T00:00:00`: the report would show a time nobody wrote).
                let date = linkedin::parse_date(&date).map_or(date, |d| d.iso_as_written());
                (date, get(*from_col))
            }
            Rows::Items(items) => (items[k].date.clone(), items[k].from.clone()),
        }
    }

    /// Append the output record of row `k`.
    #[allow(clippy::too_many_arguments)]
    fn format(
        &self,
        k: usize,
        fmt: &Fmt,
        row: u64,
        input: Option<&Path>,
        p: &Prediction,
        why: &[Reason],
        buf: &mut Sink,
    ) {
        match self {
            Rows::Csv {
                rows,
                keep,
                replace,
                ..
            } => {
                let r = &rows[k];
                let fields = keep.iter().map(|&i| r.record.get(i).unwrap_or(b""));
                if *replace {
                    let owned: Vec<std::borrow::Cow<[u8]>> = fields
                        .map(|f| match String::from_utf8_lossy(f) {
                            std::borrow::Cow::Owned(s) => s.into_bytes().into(),
                            std::borrow::Cow::Borrowed(_) => f.into(),
                        })
                        .collect();
                    fmt.row(row, input, owned.iter().map(|f| f.as_ref()), p, why, buf);
                } else {
                    fmt.row(row, input, fields, p, why, buf);
                }
            }
            Rows::Items(items) => {
                let fields = items[k].fields();
                fmt.row(row, input, fields.iter().map(|f| f.as_bytes()), p, why, buf);
            }
        }
    }
}

/// `format!("{v:.6}")` for a probability, without the formatting machinery: exact
/// (it falls back to `format!` within 1e-6 of a rounding tie, where the product
/// `v * 1e6` could round differently from the exact decimal value of `v`).
fn push_fixed6(l: &mut Vec<u8>, v: f64) {
    if (0.0..=1.0).contains(&v) {
        let x = v * 1e6;
        if (x - x.floor() - 0.5).abs() > 1e-6 {
            let n = x.round() as u64;
            l.push(b'0' + (n / 1_000_000) as u8);
            l.push(b'.');
            let mut d = [b'0'; 6];
            let mut f = n % 1_000_000;
            for i in (0..6).rev() {
                d[i] = b'0' + (f % 10) as u8;
                f /= 10;
            }
            l.extend_from_slice(&d);
            return;
        }
    }
    let _ = write!(l, "{v:.6}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed6_equals_format() {
        // Compared with the standard library's formatting on edge values and 200,000
        // xorshift-random values in [0, 1).
        let mut s = 0x2545_F491_4F6C_DD1Du64;
        let mut values = vec![0.0, 1.0, 0.5, 0.0000005, 0.9999995, 0.1234565, 1e-300, 0.3];
        for _ in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            values.push((s >> 11) as f64 / (1u64 << 53) as f64);
        }
        for v in values {
            let mut l = Vec::new();
            push_fixed6(&mut l, v);
            assert_eq!(String::from_utf8(l).unwrap(), format!("{v:.6}"), "{v:e}");
        }
    }
}
