//! What the binaries share: exit codes, CSV and training options, the thread pool.
#![allow(dead_code)]

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use pitchsift::corpus::{CsvOptions, InvalidUtf8};
use pitchsift::params::{DocNorm, ModelKind, Prior, TermWeight};

mod files;
mod lines;
mod progress;
mod signals;
pub mod unused;
pub mod update;
#[allow(unused_imports)] // each binary uses its own part
pub use files::{any_stdout, export_files, file_or_stdout, prepare, Files, COUNTED_TWICE};
#[allow(unused_imports)]
pub use lines::Lines;
pub use progress::Progress;

/// Run `f`; map its error to a one-line message and an exit code: 0 for a closed pipe
/// downstream, 1 for bad data, 2 for bad usage. An interrupt (SIGINT, SIGTERM, SIGHUP)
/// during `f` removes its unfinished outputs' temporary files and exits with 128 + the
/// signal's number ([`signals`]).
pub fn main_with(name: &str, f: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    if let Err(e) = signals::install() {
        eprintln!("{name}: error: cannot handle interrupts: {e}");
        return ExitCode::from(1);
    }
    let result = f();
    if let Some(sig) = signals::caught() {
        // The signal thread exits with this code as soon as the outputs' commit lock is
        // free; this thread must not end the process with another one first.
        return ExitCode::from(128 + sig as u8);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
                    || e.downcast_ref::<pitchsift::Error>().is_some_and(|p| p.is_broken_pipe())
                    || e.downcast_ref::<csv::Error>().is_some_and(|c| matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
            }) {
                return ExitCode::SUCCESS;
            }
            // One line: the error and each cause not already part of the message before it.
            let mut msg = err.to_string();
            for cause in err.chain().skip(1) {
                let c = cause.to_string();
                if !msg.contains(&c) {
                    msg = format!("{msg}: {c}");
                }
            }
            eprintln!("{name}: error: {}", msg.replace('\n', " "));
            let usage = err.chain().any(|e| e.downcast_ref::<Usage>().is_some())
                || err
                    .downcast_ref::<pitchsift::Error>()
                    .is_some_and(|e| !e.is_bad_data());
            ExitCode::from(if usage { 2 } else { 1 })
        }
    }
}

/// Write `text` to standard output. A reader that has gone away (a closed pipe) is no
/// error, so that the run still writes its files and ends with 0; any other failure (a
/// full disk) is an error naming standard output.
pub fn print(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = pitchsift::io::output::Output::open(None)?;
    match out.write_all(text.as_bytes()).map_err(|e| out.error(e)) {
        Ok(()) => out.ready().map(drop),
        Err(e) => Err(e),
    }
    .or_else(|e| {
        if e.is_broken_pipe() {
            Ok(())
        } else {
            Err(e.into())
        }
    })
}

/// A usage error (exit code 2).
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A library error that is a usage problem ([`pitchsift::Error::InvalidParam`]) as a
/// [`Usage`] error with its message; other errors as they are.
pub fn usage(e: pitchsift::Error) -> anyhow::Error {
    match e {
        pitchsift::Error::InvalidParam(m) => Usage(m).into(),
        e => e.into(),
    }
}

/// The most `--jobs` accepts (a usage error above it: a mistyped `--jobs 100000` used to
/// start a hundred thousand threads).
pub const MAX_JOBS: i64 = 256;

/// `--jobs` and `--quiet`, the same in every binary.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Worker threads (0 = all cores; at most 256: every worker keeps its own tables, so
    /// memory grows with the threads, and threads beyond the cores add no speed).
    #[arg(short, long, default_value_t = 0,
          value_parser = clap::value_parser!(u16).range(0..=MAX_JOBS))]
    pub jobs: u16,
    /// No progress bar and no summary on stderr (the bar is shown only when stderr is a
    /// terminal).
    #[arg(short, long)]
    pub quiet: bool,
}

impl RunArgs {
    /// Build the global rayon pool with `--jobs` threads (0 = all cores).
    pub fn init_threads(&self) -> anyhow::Result<()> {
        let n = if self.jobs == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            usize::from(self.jobs)
        };
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
        Ok(())
    }

    /// A progress bar of bytes of input (see [`Progress::new`]).
    pub fn bytes(&self, total: Option<u64>, what: &str) -> Progress {
        Progress::new(total, self.quiet, what)
    }

    /// A progress bar of `steps` equal steps (see [`Progress::steps`]).
    pub fn steps(&self, steps: usize, what: &str) -> Progress {
        Progress::steps(steps as u64, self.quiet, what)
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Utf8Arg {
    Error,
    Replace,
}

/// How input CSV is read (every binary that reads CSV).
#[derive(Debug, Clone, Args)]
pub struct ReadArgs {
    /// Name of the text column (case and surrounding spaces ignored).
    #[arg(long, default_value = "text")]
    pub text_col: String,
    /// Field delimiter, one ASCII character (default `,`, or tab for `.tsv` files).
    #[arg(long, value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// Invalid UTF-8 in a text field: fail naming the line, or replace it with U+FFFD.
    #[arg(long, value_enum, default_value = "error")]
    pub invalid_utf8: Utf8Arg,
    /// Largest field accepted, in bytes.
    #[arg(long, default_value_t = 64 << 20)]
    pub max_field_bytes: usize,
}

/// How labelled CSV is read (pitchsift-train and pitchsift-eval): [`ReadArgs`] and the
/// per-row weight column, which only rows with a label have.
#[derive(Debug, Clone, Args)]
pub struct CsvArgs {
    #[command(flatten)]
    pub read: ReadArgs,
    /// Per-row weight column for training: a row of weight W counts as W copies of it
    /// (a whole number 0..=1000; empty is 1). Default: a column named `weight`, when
    /// the file has one.
    #[arg(long, value_name = "COLUMN")]
    pub weight_col: Option<String>,
}

fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "\\t" | "tab" => Ok(b'\t'),
        _ if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        _ => Err(format!("delimiter must be one ASCII character, got `{s}`")),
    }
}

impl ReadArgs {
    /// The reading options (no weight column: weights go with labels, see [`CsvArgs`]).
    pub fn options(&self, label_col: Option<&str>) -> CsvOptions {
        CsvOptions {
            text_col: self.text_col.clone(),
            label_col: label_col.map(str::to_string),
            delimiter: self.delimiter,
            max_field_bytes: self.max_field_bytes,
            invalid_utf8: match self.invalid_utf8 {
                Utf8Arg::Error => InvalidUtf8::Error,
                Utf8Arg::Replace => InvalidUtf8::Replace,
            },
            weight_col: None,
            weight_required: false,
            skip_empty_label: false,
            column_options: true,
        }
    }
}

impl CsvArgs {
    pub fn options(&self, label_col: Option<&str>) -> CsvOptions {
        CsvOptions {
            weight_col: Some(
                self.weight_col
                    .clone()
                    .unwrap_or_else(|| pitchsift::corpus::WEIGHT_COL.into()),
            ),
            weight_required: self.weight_col.is_some(),
            ..self.read.options(label_col)
        }
    }
}

/// The training options shared by pitchsift-train and pitchsift-eval.
#[derive(Debug, Clone, Args)]
pub struct TrainArgs {
    /// Name of the label column.
    #[arg(long, default_value = "label")]
    pub label_col: String,
    /// Naive Bayes variant.
    #[arg(long, value_enum, default_value = "multinomial")]
    pub model: ModelKind,
    /// Lidstone smoothing (> 0).
    #[arg(long, default_value_t = 1.0)]
    pub alpha: f64,
    /// Word n-gram range, MIN..MAX (or a single N).
    #[arg(long, default_value = "1..2", value_parser = pitchsift::params::parse_ngrams)]
    pub ngrams: (u8, u8),
    /// Keep terms found in at least this many documents.
    #[arg(long, default_value_t = 1)]
    pub min_df: u64,
    /// Keep at most this many terms (the most frequent).
    #[arg(long)]
    pub max_features: Option<u64>,
    /// Class priors of the multinomial model: `empirical`, `uniform`, or
    /// `label=weight,label=weight,...` (the complement model has none).
    #[arg(long, default_value = "empirical", value_parser = parse_prior)]
    pub prior: Prior,
    /// Complement NB weight normalisation (Rennie et al. 2003); complement model only.
    #[arg(long)]
    pub weight_norm: bool,
    /// Per-document term weighting.
    #[arg(long, value_enum, default_value = "raw")]
    pub tf: TermWeight,
    /// Multiply by smoothed inverse document frequency.
    #[arg(long)]
    pub idf: bool,
    /// Per-document length normalisation.
    #[arg(long, value_enum, default_value = "none")]
    pub norm: DocNorm,
    /// Keep URLs, e-mails, numbers etc. as words instead of placeholder tokens.
    #[arg(long)]
    pub no_placeholders: bool,
    /// Keep case.
    #[arg(long)]
    pub no_lowercase: bool,
    /// Feature hashing: map every term to one of 2^B buckets (1..=32), which bounds
    /// the model size at some cost in accuracy.
    #[arg(long, value_name = "B")]
    pub hash_bits: Option<u8>,
}

fn parse_prior(s: &str) -> Result<Prior, String> {
    s.parse::<Prior>().map_err(|e| match e {
        pitchsift::Error::InvalidParam(m) => m,
        e => e.to_string(),
    })
}

/// Rename option `from` to `to` (as `--from V` and `--from=V`) when option `when` is
/// given: for an option whose meaning depends on another.
pub fn rename_option_if(args: Vec<OsString>, when: &str, from: &str, to: &str) -> Vec<OsString> {
    if !option_given(&args, when) {
        return args;
    }
    args.into_iter()
        .map(|a| match a.to_string_lossy() {
            s if s == from => to.into(),
            s => match s.strip_prefix(from).and_then(|r| r.strip_prefix('=')) {
                Some(v) => format!("{to}={v}").into(),
                None => a,
            },
        })
        .collect()
}

/// Is option `name` among `args` (as `--name` or `--name=V`)?
pub fn option_given(args: &[OsString], name: &str) -> bool {
    args.iter().any(|a| {
        let s = a.to_string_lossy();
        s == name || s.strip_prefix(name).is_some_and(|r| r.starts_with('='))
    })
}

/// Total size in bytes of the inputs, when they are all regular files.
pub fn total_size(inputs: &[PathBuf]) -> Option<u64> {
    let mut total = 0;
    for p in inputs {
        if p.as_os_str() == "-" {
            return None;
        }
        total += std::fs::metadata(p).ok()?.len();
    }
    Some(total)
}

/// What an update added to its base model's labels, on stderr: a label that differs from
/// one of the model's only by case or spaces is said even with `--quiet` (it is most
/// likely a typo, `Sales` for `sales`, and it became a label of its own).
pub fn say_new_labels(trained: &pitchsift::pipeline::train::Trained, quiet: bool) {
    let clf = &trained.classifier;
    use pitchsift::labelling::twin;
    for new in &trained.new_labels {
        let docs = clf
            .labels
            .iter()
            .position(|l| l == new)
            .map_or(0, |i| clf.class_docs[i]);
        let before = clf
            .labels
            .iter()
            .filter(|l| !trained.new_labels.contains(l));
        match twin(new, before) {
            Some(old) => eprintln!(
                "pitchsift-train: warning: new label `{new}` ({docs} documents) beside the \
                 model's `{old}`: labels that differ by case or spaces are two labels; if it \
                 was meant as `{old}`, correct it and update the base model again"
            ),
            None if !quiet => eprintln!("pitchsift-train: new label `{new}` ({docs} documents)"),
            None => {}
        }
    }
}
