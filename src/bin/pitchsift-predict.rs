//! pitchsift-predict: classify messages (arguments, stdin lines or whole CSV files).

mod common;

use std::io::{self, BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use common::{CsvArgs, Usage};
use pitchsift::calibrate::{decide, UNSURE};
use pitchsift::corpus::{CsvSource, RawRow};
use pitchsift::explain::{explain_batch, format_reasons, Reason};
use pitchsift::linkedin::{self, Item};
use pitchsift::persist::{self, Load};
use pitchsift::report::{self, Row};
use pitchsift::{Classifier, Prediction};
use rayon::prelude::*;

/// The default model, trained on the shipped invitation corpus (scripts/build-default-model.sh).
static DEFAULT_MODEL: &[u8] = include_bytes!("../../models/default.model");

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// One line per message: label, tab, confidence (messages only).
    Text,
    /// CSV: input columns, then predicted, confidence, p_<label> for each label.
    Csv,
    /// One JSON object per message: row, predicted, confidence, probabilities.
    Jsonl,
}

/// Classify messages with a pitchsift model: the texts given as arguments (`-` reads one
/// message a line from stdin), or whole CSV files with --input, streamed in constant
/// memory, in parallel, in input order.
#[derive(Debug, Parser)]
#[command(name = "pitchsift-predict", version)]
struct Cli {
    /// Messages to classify; `-` reads one message a line from standard input.
    texts: Vec<String>,
    /// Model file (default: the model built into this binary).
    #[arg(short, long)]
    model: Option<PathBuf>,
    /// CSV file to classify (repeatable; `-` for standard input).
    #[arg(short, long)]
    input: Vec<PathBuf>,
    /// A LinkedIn data export to classify: the downloaded .zip, its unpacked folder,
    /// or its messages.csv or Invitations.csv (opening messages sent to you, and
    /// incoming invitations with a message).
    #[arg(long, value_name = "PATH")]
    linkedin: Option<PathBuf>,
    /// Whose export it is (a name or a profile URL); by default the person found in
    /// every conversation.
    #[arg(long, value_name = "NAME", requires = "linkedin")]
    linkedin_owner: Option<String>,
    /// Also write a self-contained HTML report of the classified messages (with
    /// --linkedin or --input).
    #[arg(long, value_name = "FILE.html")]
    report: Option<PathBuf>,
    /// Write here instead of stdout (temporary file, renamed when complete).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Output format (default: text for messages, csv for --input).
    #[arg(short, long, value_enum)]
    format: Option<Format>,
    /// Worker threads (0 = all cores).
    #[arg(short, long, default_value_t = 0)]
    jobs: usize,
    /// Records classified per parallel batch.
    #[arg(long, default_value_t = 8192)]
    batch_size: usize,
    /// Explain each prediction with the K terms that pushed most toward the predicted
    /// label against the runner-up (column `explanation`, `term:+weight; ...`, weights
    /// in nats).
    #[arg(long, value_name = "K")]
    explain: Option<usize>,
    /// Label a message `unsure` when its top confidence is below P (the probabilities
    /// are still printed).
    #[arg(long, value_name = "P")]
    min_confidence: Option<f64>,
    /// Print the model's raw naive Bayes posteriors, without its calibration map.
    #[arg(long)]
    no_calibration: bool,
    /// No progress bar on stderr (it is shown only when stderr is a terminal).
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    csv: CsvArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    common::main_with("pitchsift-predict", || run(cli))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let sources = [
        !cli.texts.is_empty(),
        !cli.input.is_empty(),
        cli.linkedin.is_some(),
    ];
    if sources.iter().filter(|&&s| s).count() != 1 {
        return Err(Usage(
            "give either messages to classify, --input FILE.csv or --linkedin EXPORT (see --help)"
                .into(),
        )
        .into());
    }
    if cli.report.is_some() && !cli.texts.is_empty() {
        return Err(Usage("--report needs --input or --linkedin".into()).into());
    }
    if cli.batch_size == 0 {
        return Err(Usage("--batch-size must be at least 1".into()).into());
    }
    let format = cli.format.unwrap_or(if cli.texts.is_empty() {
        Format::Csv
    } else {
        Format::Text
    });
    if format == Format::Text && cli.texts.is_empty() {
        return Err(Usage(
            "--format text is for messages; use csv or jsonl with --input or --linkedin".into(),
        )
        .into());
    }
    if cli.explain == Some(0) {
        return Err(Usage("--explain needs at least 1 term".into()).into());
    }
    if let Some(p) = cli.min_confidence {
        if !(0.0..=1.0).contains(&p) {
            return Err(Usage(format!("--min-confidence must be in [0, 1] (got {p})")).into());
        }
    }
    common::check_inputs(&cli.input)?;
    let mut clf = match &cli.model {
        Some(p) => persist::load(p, Load::Predict)?,
        None => persist::from_bytes(DEFAULT_MODEL, "<default model>", Load::Predict)?,
    };
    if cli.min_confidence.is_some() && clf.labels.iter().any(|l| l == UNSURE) {
        return Err(Usage(format!(
            "the model has a label named `{UNSURE}`, so --min-confidence would be ambiguous"
        ))
        .into());
    }
    if cli.no_calibration {
        clf.calibration = None;
    }
    // One or a few messages are scored on this thread: no pool to start.
    if cli.texts.is_empty() || cli.texts.len() > FEW || cli.texts.iter().any(|t| t == "-") {
        common::init_threads(cli.jobs)?;
    }
    let mut out = Output::open(cli.output.as_deref())?;
    let mut report = match &cli.report {
        Some(_) => Some(report::Builder::new(
            &clf.labels,
            cli.min_confidence.unwrap_or(report::DEFAULT_UNSURE_BELOW),
            tempfile::tempfile().context("cannot create a temporary file for the report")?,
        )),
        None => None,
    };
    let mut notes = Vec::new();
    let written = if cli.linkedin.is_some() {
        export(&clf, &cli, format, &mut out, report.as_mut(), &mut notes)
    } else if cli.input.is_empty() {
        messages(&clf, &cli, format, &mut out)
    } else {
        files(&clf, &cli, format, &mut out, report.as_mut())
    }
    .and_then(|()| out.finish());
    let written = match (written, report, &cli.report) {
        (Ok(()), Some(r), Some(path)) => write_report(r, path, &cli, notes),
        (w, _, _) => w,
    };
    // The process ends here: freeing the model's millions of small allocations one by
    // one would only delay the exit.
    std::mem::forget(clf);
    // A write error names where the output was going (input errors name their input).
    written.map_err(|e| match e.downcast_ref::<io::Error>() {
        Some(_) => {
            let to = cli
                .output
                .as_ref()
                .map_or("standard output".to_string(), |p| p.display().to_string());
            e.context(to)
        }
        None => e,
    })
}

/// device or FIFO (`/dev/null`, `/dev/stdout`, ...) written in place.
enum Output {
    Stdout(BufWriter<io::Stdout>),
    Special(BufWriter<std::fs::File>),
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
    },
}

impl Output {
    fn open(path: Option<&Path>) -> anyhow::Result<Output> {
        Ok(match path {
            None => Output::Stdout(BufWriter::with_capacity(1 << 16, io::stdout())),
            Some(p) if persist::is_special(p) => {
                let f = std::fs::OpenOptions::new()
                    .write(true)
                    .open(p)
                    .with_context(|| format!("{}: cannot open output", p.display()))?;
                Output::Special(BufWriter::with_capacity(1 << 16, f))
            }
            Some(p) => {
                let dir = p
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let tmp = tempfile::Builder::new()
                    .prefix(".pitchsift-")
                    .suffix(".tmp")
                    .tempfile_in(dir)
                    .with_context(|| format!("{}: cannot create output", p.display()))?;
                Output::File {
                    tmp: BufWriter::with_capacity(1 << 16, tmp),
                    path: p.to_path_buf(),
                }
            }
        })
    }

    fn finish(self) -> anyhow::Result<()> {
        match self {
            Output::Stdout(mut w) => Ok(w.flush()?),
            Output::Special(mut w) => Ok(w.flush()?),
            Output::File { tmp, path } => {
                let tmp = tmp
                    .into_inner()
                    .map_err(|e| e.into_error())
                    .with_context(|| format!("{}", path.display()))?;
                tmp.as_file()
                    .sync_all()
                    .with_context(|| format!("{}", path.display()))?;
                persist::set_readable(tmp.as_file())
                    .with_context(|| format!("{}", path.display()))?;
                tmp.persist(&path)
                    .map_err(|e| e.error)
                    .with_context(|| format!("{}", path.display()))?;
                Ok(())
            }
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf),
            Output::Special(w) => w.write(buf),
            Output::File { tmp, .. } => tmp.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush(),
            Output::Special(w) => w.flush(),
            Output::File { tmp, .. } => tmp.flush(),
        }
    }
}

fn messages(clf: &Classifier, cli: &Cli, format: Format, out: &mut Output) -> anyhow::Result<()> {
    let mut texts: Vec<String> = Vec::new();
    for t in &cli.texts {
        if t == "-" {
            for line in io::stdin().lock().lines() {
                texts.push(line.context("standard input")?);
            }
        } else {
            texts.push(t.clone());
        }
    }
    let preds: Vec<(Prediction, Vec<Reason>)> = match cli.explain {
        Some(k) => explain_batch(clf, &texts, k),
        // A few messages: scored here, without the thread pool or a vocabulary table.
        None if texts.len() <= FEW => texts.iter().map(|t| (clf.predict(t), Vec::new())).collect(),
        None => clf
            .predict_batch(&texts)
            .into_iter()
            .map(|p| (p, Vec::new()))
            .collect(),
    };
    let mut w = Writer::new(clf, cli, format, out, &["text"]);
    w.header()?;
    let mut buf = Vec::new();
    for (i, (t, (p, why))) in texts.iter().zip(&preds).enumerate() {
        match format {
            Format::Text => {
                let label = decide(p, &clf.labels, cli.min_confidence);
                write!(w.out, "{label}\t{:.4}", p.confidence())?;
                if cli.explain.is_some() {
                    write!(w.out, "\t{}", format_reasons(why))?;
                }
                writeln!(w.out)?;
            }
            _ => {
                buf.clear();
                w.fmt.row(
                    i as u64 + 1,
                    None,
                    [t.as_bytes()].into_iter(),
                    p,
                    why,
                    &mut buf,
                );
                w.out.write_all(&buf)?;
            }
        }
    }
    Ok(())
}

/// The report page, written atomically.
fn write_report(
    r: report::Builder<std::fs::File>,
    path: &Path,
    cli: &Cli,
    notes: Vec<String>,
) -> anyhow::Result<()> {
    let source = match &cli.linkedin {
        Some(p) => p.display().to_string(),
        None => cli
            .input
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
    };
    let meta = report::Meta {
        source,
        model: cli
            .model
            .as_ref()
            .map_or("the default model".into(), |m| m.display().to_string()),
        notes,
    };
    let mut out = Output::open(Some(path))?;
    r.write_html(&mut out, &meta)
        .map_err(anyhow::Error::from)
        .and_then(|()| out.finish())
        .with_context(|| path.display().to_string())
}

/// Classify a LinkedIn export: the first pass finds the opening messages and the
/// owner, the second reads them in batches (the next batch is read while the current
/// one is scored); a summary goes to stderr.
fn export(
    clf: &Classifier,
    cli: &Cli,
    format: Format,
    out: &mut Output,
    mut report: Option<&mut report::Builder<std::fs::File>>,
    notes: &mut Vec<String>,
) -> anyhow::Result<()> {
    let path = cli.linkedin.as_deref().expect("--linkedin");
    let mut reader = linkedin::Reader::open(path, cli.linkedin_owner.as_deref())?;
    let mut progress = common::Progress::new(reader.total_bytes(), cli.quiet, "pitchsift-predict");
    reader.scan(&mut |b| progress.update(b, || "finding opening messages".into()))?;
    let mut w = Writer::new(clf, cli, format, out, &linkedin::COLUMNS);
    w.fmt.json_names = Some(linkedin::COLUMNS.iter().map(|c| c.to_string()).collect());
    w.header()?;
    let (mut cur, mut next): (Vec<Item>, Vec<Item>) = (Vec::new(), Vec::new());
    let mut per_label = vec![0u64; clf.labels.len() + 1];
    let mut done = 0u64;
    let mut n = reader.read_batch(&mut cur, cli.batch_size)?;
    while n > 0 {
        let (read, written) = rayon::join(
            || reader.read_batch(&mut next, cli.batch_size),
            || w.write_batch(done, None, Rows::Items(&cur[..n]), report.is_some()),
        );
        let (rows, counts) = written?;
        for (t, c) in per_label.iter_mut().zip(counts) {
            *t += c;
        }
        if let Some(r) = report.as_deref_mut() {
            for row in &rows {
                r.add(row)?;
            }
        }
        done += n as u64;
        std::mem::swap(&mut cur, &mut next);
        n = read?;
        progress.update(reader.bytes_read(), || format!("{done} classified"));
    }
    progress.finish();
    if let Some(o) = reader.owner() {
        notes.push(format!(
            "owner: {}{}{}",
            o.name,
            o.url.as_ref().map_or(String::new(), |u| format!(" ({u})")),
            if o.given {
                ", as given"
            } else {
                ", found in every conversation"
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
    if cli.min_confidence.is_some() {
        labels.push(format!("{} {}", UNSURE, per_label[clf.labels.len()]));
    }
    notes.push(format!("classified {done}: {}", labels.join(", ")));
    if !cli.quiet {
        for l in notes.iter() {
            eprintln!("pitchsift-predict: {l}");
        }
    }
    Ok(())
}

/// Up to this many messages on the command line are scored on the main thread.
const FEW: usize = 16;

fn files(
    clf: &Classifier,
    cli: &Cli,
    format: Format,
    out: &mut Output,
    mut report: Option<&mut report::Builder<std::fs::File>>,
) -> anyhow::Result<()> {
    let opts = cli.csv.options(None);
    let replace = opts.invalid_utf8 == pitchsift::corpus::InvalidUtf8::Replace;
    let mut header: Option<Vec<String>> = None;
    // Two row buffers: the next batch is read while the current one is scored and written.
    let mut cur: Vec<RawRow> = Vec::new();
    let mut next: Vec<RawRow> = Vec::new();
    let mut w: Option<Writer> = None;
    let many = cli.input.len() > 1;
    let mut progress = common::Progress::new(
        common::total_size(&cli.input),
        cli.quiet,
        "pitchsift-predict",
    );
    let (mut done_files, mut rows_done) = (0u64, 0u64);
    for path in &cli.input {
        let mut src = CsvSource::open(path, &opts)?;
        let h: Vec<String> = src.headers().iter().map(str::to_string).collect();
        match &header {
            None => header = Some(h.clone()),
            Some(first) if format == Format::Csv && *first != h => {
                return Err(pitchsift::Error::Csv {
                    location: pitchsift::error::Location::file(path).line(1),
                    message: format!(
                        "header differs from the first input's ({}); CSV output needs one header",
                        first.join(",")
                    ),
                }
                .into())
            }
            _ => {}
        }
        if w.is_none() {
            let names: Vec<&str> = h.iter().map(String::as_str).collect();
            w = Some(Writer::new(clf, cli, format, out, &names));
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
        let mut n = src.read_batch(&mut cur, cli.batch_size)?;
        while n > 0 {
            let texts = cur[..n]
                .iter()
                .map(|r| src.text(r))
                .collect::<Result<Vec<_>, _>>()?;
            let pos = cur[n - 1].record.position().map_or(0, |p| p.byte());
            let rows = Rows::Csv {
                rows: &cur[..n],
                texts: &texts,
                replace,
                date_col,
                from_col,
            };
            let (read, written) = rayon::join(
                || src.read_batch(&mut next, cli.batch_size),
                || w.write_batch(row_no, input, rows, report.is_some()),
            );
            let (report_rows, _) = written?;
            if let Some(r) = report.as_deref_mut() {
                for row in &report_rows {
                    r.add(row)?;
                }
            }
            row_no += n as u64;
            rows_done += n as u64;
            progress.update(done_files + pos, || format!("{rows_done} rows"));
            drop(texts);
            std::mem::swap(&mut cur, &mut next);
            n = read?;
        }
        done_files += src.bytes_read();
    }
    progress.finish();
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
    labels_csv: Vec<Vec<u8>>,
    labels_json: Vec<String>,
}

impl Fmt {
    /// Append the record of one prediction to `l`. `fields` are the input columns to
    /// echo (CSV only).
    fn row<'b>(
        &self,
        row: u64,
        input: Option<&Path>,
        fields: impl Iterator<Item = &'b [u8]>,
        p: &Prediction,
        why: &[Reason],
        l: &mut Vec<u8>,
    ) {
        let unsure = self.min_confidence.is_some_and(|t| p.confidence() < t);
        match self.format {
            Format::Csv => {
                for f in fields {
                    csv_field(l, f);
                    l.push(b',');
                }
                if unsure {
                    csv_field(l, UNSURE.as_bytes());
                } else {
                    l.extend_from_slice(&self.labels_csv[p.class]);
                }
                for &v in std::iter::once(&p.probabilities[p.class]).chain(&p.probabilities) {
                    l.push(b',');
                    push_fixed6(l, v);
                }
                if self.explain {
                    l.push(b',');
                    csv_field(l, format_reasons(why).as_bytes());
                }
                l.push(b'\n');
            }
            Format::Jsonl => {
                let _ = write!(l, "{{\"row\":{row},");
                if let Some(names) = &self.json_names {
                    for (name, f) in names.iter().zip(fields) {
                        let _ = write!(
                            l,
                            "{}:{},",
                            serde_json::to_string(name).expect("string"),
                            serde_json::to_string(&String::from_utf8_lossy(f)).expect("string")
                        );
                    }
                }
                if let Some(path) = input {
                    let _ = write!(
                        l,
                        "\"input\":{},",
                        serde_json::to_string(&path.display().to_string()).expect("string")
                    );
                }
                let label_json = if unsure {
                    "\"unsure\""
                } else {
                    self.labels_json[p.class].as_str()
                };
                let _ = write!(
                    l,
                    "\"predicted\":{label_json},\"confidence\":{:?},\"probabilities\":{{",
                    p.confidence()
                );
                for (i, (lj, v)) in self.labels_json.iter().zip(&p.probabilities).enumerate() {
                    if i > 0 {
                        l.push(b',');
                    }
                    let _ = write!(l, "{lj}:{v:?}");
                }
                l.push(b'}');
                if self.explain {
                    l.extend_from_slice(b",\"explanation\":");
                    serde_json::to_writer(&mut *l, why).expect("reasons serialise");
                }
                l.extend_from_slice(b"}\n");
            }
            Format::Text => unreachable!("text format is written by the caller"),
        }
    }
}

/// Writes predictions as CSV or JSON lines.
struct Writer<'a> {
    clf: &'a Classifier,
    explain: Option<usize>,
    fmt: Fmt,
    out: &'a mut Output,
    header_done: bool,
    header: Vec<String>,
}

impl<'a> Writer<'a> {
    fn new(
        clf: &'a Classifier,
        cli: &Cli,
        format: Format,
        out: &'a mut Output,
        input_header: &[&str],
    ) -> Writer<'a> {
        let mut header: Vec<String> = input_header.iter().map(|s| s.to_string()).collect();
        header.push("predicted".into());
        header.push("confidence".into());
        header.extend(clf.labels.iter().map(|l| format!("p_{l}")));
        if cli.explain.is_some() {
            header.push("explanation".into());
        }
        let labels_json = clf
            .labels
            .iter()
            .map(|l| serde_json::to_string(l).expect("string"))
            .collect();
        let labels_csv = clf
            .labels
            .iter()
            .map(|l| {
                let mut b = Vec::new();
                csv_field(&mut b, l.as_bytes());
                b
            })
            .collect();
        Writer {
            clf,
            explain: cli.explain,
            fmt: Fmt {
                format,
                min_confidence: cli.min_confidence,
                explain: cli.explain.is_some(),
                json_names: None,
                labels_csv,
                labels_json,
            },
            out,
            header_done: false,
            header,
        }
    }

    /// The CSV header, once.
    fn header(&mut self) -> anyhow::Result<()> {
        if self.fmt.format == Format::Csv && !self.header_done {
            self.header_done = true;
            let mut l = Vec::new();
            for (i, h) in self.header.iter().enumerate() {
                if i > 0 {
                    l.push(b',');
                }
                csv_field(&mut l, h.as_bytes());
            }
            l.push(b'\n');
            self.out.write_all(&l)?;
        }
        Ok(())
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
    ) -> anyhow::Result<(Vec<Row>, Vec<u64>)> {
        self.header()?;
        let (clf, fmt) = (self.clf, &self.fmt);
        // The report's top terms need reasons even without --explain.
        let explain = self.explain.or(report.then_some(REPORT_REASONS));
        let n = rows.len();
        let chunks: Vec<(Vec<u8>, Vec<Row>, Vec<u64>)> = (0..n.div_ceil(CHUNK))
            .into_par_iter()
            .map_init(
                || clf.scorer(),
                |scorer, c| {
                    let range = c * CHUNK..n.min((c + 1) * CHUNK);
                    let mut buf = Vec::with_capacity(range.len() * 256);
                    let mut report_rows = Vec::new();
                    let mut counts = vec![0u64; clf.labels.len() + 1];
                    for k in range {
                        let t = rows.text(k);
                        let (p, why) = match explain {
                            Some(e) => pitchsift::explain::explain(scorer, t, e),
                            None => (scorer.predict(t), Vec::new()),
                        };
                        let unsure = fmt.min_confidence.is_some_and(|m| p.confidence() < m);
                        counts[if unsure { clf.labels.len() } else { p.class }] += 1;
                        rows.format(k, fmt, first_row + k as u64 + 1, input, &p, &why, &mut buf);
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
                    (buf, report_rows, counts)
                },
            )
            .collect();
        let mut all_rows = Vec::new();
        let mut counts = vec![0u64; clf.labels.len() + 1];
        for (buf, rows, c) in chunks {
            self.out.write_all(&buf)?;
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

    /// The report's date (ISO 8601 when it can be read as a date) and sender.
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
                let date = linkedin::parse_date(&date).map_or(date, |d| d.iso());
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
        buf: &mut Vec<u8>,
    ) {
        match self {
            Rows::Csv { rows, replace, .. } => {
                let r = &rows[k];
                if *replace {
                    let owned: Vec<std::borrow::Cow<[u8]>> = r
                        .record
                        .iter()
                        .map(|f| match String::from_utf8_lossy(f) {
                            std::borrow::Cow::Owned(s) => s.into_bytes().into(),
                            std::borrow::Cow::Borrowed(_) => f.into(),
                        })
                        .collect();
                    fmt.row(row, input, owned.iter().map(|f| f.as_ref()), p, why, buf);
                } else {
                    fmt.row(row, input, r.record.iter(), p, why, buf);
                }
            }
            Rows::Items(items) => {
                let fields = items[k].fields();
                fmt.row(row, input, fields.iter().map(|f| f.as_bytes()), p, why, buf);
            }
        }
    }
}

/// One CSV field, quoted when needed.
fn csv_field(l: &mut Vec<u8>, f: &[u8]) {
    if f.iter().any(|&b| matches!(b, b',' | b'"' | b'\n' | b'\r'))
        || f.first().is_some_and(|b| b.is_ascii_whitespace())
    {
        l.push(b'"');
        for &b in f {
            if b == b'"' {
                l.push(b'"');
            }
            l.push(b);
        }
        l.push(b'"');
    } else {
        l.extend_from_slice(f);
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
