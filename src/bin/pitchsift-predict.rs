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
use pitchsift::persist::{self, Load};
use pitchsift::{Classifier, Prediction};

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
    #[command(flatten)]
    csv: CsvArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    common::main_with("pitchsift-predict", || run(cli))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if cli.texts.is_empty() == cli.input.is_empty() {
        return Err(Usage(
            "give either messages to classify or --input FILE.csv (see --help)".into(),
        )
        .into());
    }
    if cli.batch_size == 0 {
        return Err(Usage("--batch-size must be at least 1".into()).into());
    }
    let format = cli.format.unwrap_or(if cli.input.is_empty() {
        Format::Text
    } else {
        Format::Csv
    });
    if format == Format::Text && !cli.input.is_empty() {
        return Err(
            Usage("--format text is for messages; use csv or jsonl with --input".into()).into(),
        );
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
    common::init_threads(cli.jobs)?;
    let mut out = Output::open(cli.output.as_deref())?;
    let written = if cli.input.is_empty() {
        messages(&clf, &cli, format, &mut out)
    } else {
        files(&clf, &cli, format, &mut out)
    }
    .and_then(|()| out.finish());
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
    let preds = predict(clf, cli, &texts);
    let mut w = Writer::new(clf, cli, format, out, &["text"]);
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
            _ => w.write(i as u64 + 1, None, &[t.as_bytes()], p, why)?,
        }
    }
    Ok(())
}

/// Predictions, with their explanations when asked for (empty otherwise).
fn predict<S: AsRef<str> + Sync>(
    clf: &Classifier,
    cli: &Cli,
    texts: &[S],
) -> Vec<(Prediction, Vec<Reason>)> {
    match cli.explain {
        Some(k) => explain_batch(clf, texts, k),
        None => clf
            .predict_batch(texts)
            .into_iter()
            .map(|p| (p, Vec::new()))
            .collect(),
    }
}

fn files(clf: &Classifier, cli: &Cli, format: Format, out: &mut Output) -> anyhow::Result<()> {
    let opts = cli.csv.options(None);
    let replace = opts.invalid_utf8 == pitchsift::corpus::InvalidUtf8::Replace;
    let mut header: Option<Vec<String>> = None;
    let mut rows: Vec<RawRow> = Vec::new();
    let mut w: Option<Writer> = None;
    let many = cli.input.len() > 1;
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
        let mut row_no = 0u64;
        loop {
            let n = src.read_batch(&mut rows, cli.batch_size)?;
            if n == 0 {
                break;
            }
            let texts = rows[..n]
                .iter()
                .map(|r| src.text(r))
                .collect::<Result<Vec<_>, _>>()?;
            let preds = predict(clf, cli, &texts);
            for (r, (p, why)) in rows[..n].iter().zip(&preds) {
                row_no += 1;
                // With --invalid-utf8 replace the echoed columns are repaired as well, so
                // the output is valid UTF-8.
                let owned: Vec<std::borrow::Cow<[u8]>> = r
                    .record
                    .iter()
                    .map(|f| match replace.then(|| String::from_utf8_lossy(f)) {
                        Some(std::borrow::Cow::Owned(s)) => s.into_bytes().into(),
                        _ => f.into(),
                    })
                    .collect();
                let fields: Vec<&[u8]> = owned.iter().map(|f| f.as_ref()).collect();
                w.write(row_no, many.then_some(path.as_path()), &fields, p, why)?;
            }
        }
    }
    Ok(())
}

/// Writes predictions as CSV or JSON lines.
struct Writer<'a> {
    clf: &'a Classifier,
    min_confidence: Option<f64>,
    explain: bool,
    format: Format,
    out: &'a mut Output,
    header_done: bool,
    header: Vec<String>,
    labels_json: Vec<String>,
    line: Vec<u8>,
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
        Writer {
            clf,
            min_confidence: cli.min_confidence,
            explain: cli.explain.is_some(),
            format,
            out,
            header_done: false,
            header,
            labels_json,
            line: Vec::new(),
        }
    }

    fn write(
        &mut self,
        row: u64,
        input: Option<&Path>,
        fields: &[&[u8]],
        p: &Prediction,
        why: &[Reason],
    ) -> anyhow::Result<()> {
        let label = decide(p, &self.clf.labels, self.min_confidence);
        match self.format {
            Format::Csv => {
                if !self.header_done {
                    self.header_done = true;
                    let h = self.header.clone();
                    self.csv_record(h.iter().map(|s| s.as_bytes()))?;
                }
                let nums: Vec<String> = std::iter::once(p.confidence())
                    .chain(p.probabilities.iter().copied())
                    .map(|v| format!("{v:.6}"))
                    .collect();
                let explanation = self.explain.then(|| format_reasons(why));
                let all = fields
                    .iter()
                    .copied()
                    .chain([label.as_bytes()])
                    .chain(nums.iter().map(|s| s.as_bytes()))
                    .chain(explanation.as_ref().map(|s| s.as_bytes()));
                self.csv_record(all)?;
            }
            Format::Jsonl => {
                let l = &mut self.line;
                l.clear();
                write!(l, "{{\"row\":{row},")?;
                if let Some(path) = input {
                    write!(
                        l,
                        "\"input\":{},",
                        serde_json::to_string(&path.display().to_string())?
                    )?;
                }
                let label_json = match self.min_confidence {
                    Some(t) if p.confidence() < t => "\"unsure\"",
                    _ => self.labels_json[p.class].as_str(),
                };
                write!(
                    l,
                    "\"predicted\":{label_json},\"confidence\":{:?},\"probabilities\":{{",
                    p.confidence()
                )?;
                for (i, (lj, v)) in self.labels_json.iter().zip(&p.probabilities).enumerate() {
                    if i > 0 {
                        l.push(b',');
                    }
                    write!(l, "{lj}:{v:?}")?;
                }
                l.push(b'}');
                if self.explain {
                    l.extend_from_slice(b",\"explanation\":");
                    serde_json::to_writer(&mut *l, why)?;
                }
                l.extend_from_slice(b"}\n");
                self.out.write_all(l)?;
            }
            Format::Text => unreachable!("text format is written by the caller"),
        }
        Ok(())
    }

    fn csv_record<'b>(&mut self, fields: impl Iterator<Item = &'b [u8]>) -> anyhow::Result<()> {
        let l = &mut self.line;
        l.clear();
        for (i, f) in fields.enumerate() {
            if i > 0 {
                l.push(b',');
            }
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
        l.push(b'\n');
        self.out.write_all(l)?;
        Ok(())
    }
}
