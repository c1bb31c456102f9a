//! pitchsift-predict: classify messages (arguments, stdin lines or whole CSV files).

mod common;

use std::io::{self, BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use common::{CsvArgs, Usage};
use pitchsift::corpus::{CsvSource, RawRow};
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
    common::check_inputs(&cli.input)?;
    let clf = match &cli.model {
        Some(p) => persist::load(p, Load::Predict)?,
        None => persist::from_bytes(DEFAULT_MODEL, "<default model>", Load::Predict)?,
    };
    common::init_threads(cli.jobs)?;
    let mut out = Output::open(cli.output.as_deref())?;
    let dest = cli.output.as_ref().map_or_else(
        || "standard output".to_string(),
        |p| p.display().to_string(),
    );
    let done = if cli.input.is_empty() {
        messages(&clf, &cli, format, &mut out)
    } else {
        files(&clf, &cli, format, &mut out)
    };
    // A failed write (full disk, closed pipe) surfaces as a bare io::Error: name the output.
    done.and_then(|()| out.finish()).map_err(|e| {
        if e.downcast_ref::<io::Error>().is_some() {
            e.context(dest)
        } else {
            e
        }
    })
}

/// Standard output, or a temporary file renamed over the target when complete, or a
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
    let preds = clf.predict_batch(&texts);
    let mut w = Writer::new(clf, format, out, &["text"]);
    for (i, (t, p)) in texts.iter().zip(&preds).enumerate() {
        match format {
            Format::Text => writeln!(w.out, "{}\t{:.4}", clf.labels[p.class], p.confidence())?,
            _ => w.write(i as u64 + 1, None, &[t.as_bytes()], p)?,
        }
    }
    Ok(())
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
            w = Some(Writer::new(clf, format, out, &names));
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
            let preds = clf.predict_batch(&texts);
            for (r, p) in rows[..n].iter().zip(&preds) {
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
                w.write(row_no, many.then_some(path.as_path()), &fields, p)?;
            }
        }
    }
    Ok(())
}

/// Writes predictions as CSV or JSON lines.
struct Writer<'a> {
    clf: &'a Classifier,
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
        format: Format,
        out: &'a mut Output,
        input_header: &[&str],
    ) -> Writer<'a> {
        let mut header: Vec<String> = input_header.iter().map(|s| s.to_string()).collect();
        header.push("predicted".into());
        header.push("confidence".into());
        header.extend(clf.labels.iter().map(|l| format!("p_{l}")));
        let labels_json = clf
            .labels
            .iter()
            .map(|l| serde_json::to_string(l).expect("string"))
            .collect();
        Writer {
            clf,
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
    ) -> anyhow::Result<()> {
        match self.format {
            Format::Csv => {
                if !self.header_done {
                    self.header_done = true;
                    let h = self.header.clone();
                    self.csv_record(h.iter().map(|s| s.as_bytes()))?;
                }
                let label = self.clf.labels[p.class].as_bytes().to_vec();
                let nums: Vec<String> = std::iter::once(p.confidence())
                    .chain(p.probabilities.iter().copied())
                    .map(|v| format!("{v:.6}"))
                    .collect();
                let all = fields
                    .iter()
                    .copied()
                    .chain([label.as_slice()])
                    .chain(nums.iter().map(|s| s.as_bytes()));
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
                write!(
                    l,
                    "\"predicted\":{},\"confidence\":{:?},\"probabilities\":{{",
                    self.labels_json[p.class],
                    p.confidence()
                )?;
                for (i, (lj, v)) in self.labels_json.iter().zip(&p.probabilities).enumerate() {
                    if i > 0 {
                        l.push(b',');
                    }
                    write!(l, "{lj}:{v:?}")?;
                }
                l.extend_from_slice(b"}}\n");
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
