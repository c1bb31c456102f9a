//! pitchsift-predict: classify messages (arguments, stdin lines or whole CSV files).

mod common;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use common::{ReadArgs, RunArgs, Usage};
use pitchsift::io::output::{self, Output, Ready};
use pitchsift::model_file::{self, Load};
use pitchsift::nb::calibrate::UNSURE;
use pitchsift::pipeline::predict::{self, Format, PredictOptions, ReportBuilder, FEW};
use pitchsift::report;
use pitchsift::{explain, linkedin};

/// The default model, trained on the shipped invitation corpus (scripts/build-default-model.sh).
static DEFAULT_MODEL: &[u8] = include_bytes!("../../models/default.model");

/// Classify messages with a pitchsift model: the texts given as arguments (`-` reads one
/// message a line from stdin), or whole CSV files with --input, streamed in constant
/// memory, in parallel, in input order.
#[derive(Debug, Parser)]
#[command(name = "pitchsift-predict", version, mut_arg("max_field_bytes", |a| a.help(
    "Largest field accepted, in bytes (also the longest line of messages read from `-`)")))]
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
    /// Records classified per parallel batch.
    #[arg(long, default_value_t = 8192)]
    batch_size: usize,
    /// Explain each prediction with the K terms that pushed most toward the predicted
    /// label against the runner-up (column `explanation`, `term:+weight; ...`, weights
    /// in nats). Hashed models (--hash-bits) name buckets, not words: a reason is the
    /// message's words in the bucket, `quick demo (#4711)`.
    #[arg(long, value_name = "K")]
    explain: Option<usize>,
    /// Reasons against LABEL instead of the runner-up (a message predicted LABEL: against
    /// the runner-up), here and in the report: `--explain-against networking` says why
    /// a message is not networking.
    #[arg(long, value_name = "LABEL")]
    explain_against: Option<String>,
    /// Label a message `unsure` when its top confidence is below P (the probabilities
    /// are still printed).
    #[arg(long, value_name = "P")]
    min_confidence: Option<f64>,
    /// Print the model's raw naive Bayes posteriors, without its calibration map.
    #[arg(long)]
    no_calibration: bool,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    csv: ReadArgs,
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
    common::unused::predict_options(&cli.texts, !cli.input.is_empty())?;
    if cli.linkedin.as_deref() == Some(Path::new("-")) {
        return Err(Usage(
            "--linkedin reads a file or folder (messages.csv is read twice), not standard input `-`"
                .into(),
        )
        .into());
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
    let export = cli.linkedin.as_deref().map(common::export_files);
    common::Files::default()
        .read(&cli.input)
        .models("-m/--model", &cli.model)
        .kept(export.iter().flatten())
        .prints("--output", cli.output.as_ref())
        .writes("--report", cli.report.as_ref())
        .check()?;
    let model_name = cli
        .model
        .as_ref()
        .map_or("<default model>".into(), |p| p.display().to_string());
    let mut clf = match &cli.model {
        Some(p) => model_file::load(p, Load::Predict)?,
        None => model_file::from_bytes(DEFAULT_MODEL, &model_name, Load::Predict)?,
    };
    if cli.explain.is_some() || cli.report.is_some() {
        // Reasons show terms: the terms section is checked before any is shown.
        clf.check_features(&model_name)?;
    }
    if cli.min_confidence.is_some() && clf.labels.iter().any(|l| l == UNSURE) {
        return Err(Usage(format!(
            "the model has a label named `{UNSURE}`, so --min-confidence would be ambiguous"
        ))
        .into());
    }
    if cli.no_calibration {
        clf.calibration = None;
    }
    let against = cli.explain_against.as_deref();
    let against = against.map(|l| explain::label_id(&clf, l, "--explain-against"));
    let against = against.transpose().map_err(Usage)?;
    // One or a few messages are scored on this thread: no pool to start.
    if cli.texts.is_empty() || cli.texts.len() > FEW || cli.texts.iter().any(|t| t == "-") {
        cli.run.init_threads()?;
    }
    let mut out = Output::open(common::file_or_stdout(cli.output.as_deref()))?;
    // Opened before the work: a report that cannot be written fails the run at once, and
    // the predictions are only renamed into place once the report is complete too.
    let report_out = cli
        .report
        .as_deref()
        .map(|p| Output::open(common::file_or_stdout(Some(p))))
        .transpose()?;
    let mut report = match &cli.report {
        Some(_) => Some(report::Builder::new(
            &clf.labels,
            cli.min_confidence.unwrap_or(report::DEFAULT_UNSURE_BELOW),
            tempfile::tempfile().context("cannot create a temporary file for the report")?,
        )),
        None => None,
    };
    let mut notes = Vec::new();
    let o = PredictOptions {
        format,
        min_confidence: cli.min_confidence,
        explain: cli.explain,
        explain_against: against,
        batch_size: cli.batch_size,
    };
    let written = if let Some(path) = &cli.linkedin {
        let mut reader = linkedin::Reader::open(path, cli.linkedin_owner.as_deref())?;
        let mut progress = cli.run.bytes(reader.total_bytes(), "pitchsift-predict");
        let r = report.as_mut();
        predict::linkedin(&clf, &mut reader, &o, &mut out, r, &mut |b, m| {
            progress.update(b, || m)
        })
        .map(|n| {
            progress.finish();
            if !cli.run.quiet {
                for l in &n {
                    eprintln!("pitchsift-predict: {l}");
                }
            }
            notes = n;
        })
        .map_err(anyhow::Error::from)
    } else if cli.input.is_empty() {
        messages(&cli, &clf, &o, &mut out)
    } else {
        let total = common::total_size(&cli.input);
        let mut progress = cli.run.bytes(total, "pitchsift-predict");
        let csv = cli.csv.options(None);
        let r = report.as_mut();
        predict::csv_files(&clf, &cli.input, &csv, &o, &mut out, r, &mut |b, n| {
            progress.update(b, || format!("{n} rows"))
        })
        .map_err(anyhow::Error::from)
    };
    let hashed = clf.params.analyzer().hash_bits;
    if let Some(bits) = hashed.filter(|_| cli.explain.is_some() || cli.report.is_some()) {
        let n = format!("hashed model (--hash-bits {bits}): it names buckets, not words; a reason shows the message's words in its bucket, `word (#N)`, which other words may share");
        if !cli.run.quiet {
            eprintln!("pitchsift-predict: {n}");
        }
        notes.push(n);
    }
    // Both outputs complete, then renamed together (an interrupt: both old or both new).
    let written = match (written, report, report_out) {
        (Ok(()), Some(r), Some(ro)) => write_report(r, ro, &cli, notes).map(Some),
        (w, _, _) => w.map(|()| None),
    }
    .and_then(|report| {
        Ok(output::commit(
            report.into_iter().chain([out.ready()?]).collect(),
        )?)
    });
    // The process ends here: freeing the model's many allocations would delay the exit.
    std::mem::forget(clf);
    written
}

/// The messages: the arguments, with `-` read as one message a line from stdin (a
/// line ends with `\n` or `\r\n`), in batches of the lines that have arrived (up to
/// --batch-size), each written and flushed before the next is awaited. Invalid UTF-8 in
/// a line is an error naming the line, or replaced with U+FFFD under `--invalid-utf8
/// replace`, as in a CSV text field.
fn messages(
    cli: &Cli,
    clf: &pitchsift::Classifier,
    o: &PredictOptions,
    out: &mut Output,
) -> anyhow::Result<()> {
    let mut m = predict::Messages::new(clf, o, out);
    let mut args = Vec::new();
    for t in &cli.texts {
        if t != "-" {
            args.push(t.clone());
            continue;
        }
        if !args.is_empty() {
            m.write(&std::mem::take(&mut args))?;
        }
        let read = cli.csv.options(None);
        let mut lines = common::Lines::stdin(read.invalid_utf8, read.max_field_bytes);
        let mut batch = Vec::new();
        while lines.next_batch(o.batch_size, &mut batch)? {
            m.write(&batch)?;
            m.flush()?;
        }
    }
    Ok(m.write(&args)?)
}

/// The report page, written completely to `out` (opened before the work), to be
/// renamed with the predictions.
fn write_report(
    r: ReportBuilder,
    mut out: Output,
    cli: &Cli,
    notes: Vec<String>,
) -> anyhow::Result<Ready> {
    let path = out.name();
    let (inputs, model) = (&cli.input, cli.model.as_deref());
    let meta = report::Meta::of_run(cli.linkedin.as_deref(), inputs, model, notes);
    r.write_html(&mut out, &meta)
        .map_err(anyhow::Error::from)
        .and_then(|()| Ok(out.ready()?))
        .with_context(|| path.display().to_string())
}
