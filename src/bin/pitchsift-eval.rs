//! pitchsift-eval: evaluate a model on labelled CSV, cross-validate training settings,
//! or search them by cross-validation.

mod common;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use common::{prepare, CsvArgs, RunArgs, TrainArgs, Usage};
use pitchsift::eval::crossval::{self, CvOptions};
use pitchsift::eval::cv::{check_k, Dataset, Sources};
use pitchsift::eval::grid::{self, GridSpec};
use pitchsift::eval::{self, render, Outcome};
use pitchsift::io::output::{self as output, Ready};
use pitchsift::model_file::{self, Load};
use pitchsift::nb::calibrate::Method;

/// Evaluate naive Bayes text classification.
///
///   pitchsift-eval --model MODEL --test TEST.csv...      score a trained model
///   pitchsift-eval --cv K CORPUS.csv... [training options] stratified k-fold CV
///   pitchsift-eval --grid CORPUS.csv... [--cv K] [-o MODEL] search settings by CV
///
/// The report (accuracy; macro, micro and weighted P/R/F1; per label P/R/F1/support;
/// confusion matrix; MCC; log loss; Brier score; ECE) goes to stdout; --json, --markdown
/// and --plot write it to files. Undefined metrics are shown as `-` (null in JSON).
#[derive(Debug, Parser)]
#[command(name = "pitchsift-eval", version, verbatim_doc_comment)]
struct Cli {
    /// Labelled CSV corpora for --cv and --grid (or test files with --model).
    inputs: Vec<PathBuf>,
    /// The model file to evaluate on the --test files. Without --cv and --grid, `--model
    /// MODEL` means this; with them `--model` is the naive Bayes variant to train.
    #[arg(long = "model-file", value_name = "MODEL", conflicts_with = "grid")]
    model_file: Option<PathBuf>,
    /// Labelled test CSV files to evaluate the --model file on.
    #[arg(long, num_args = 1.., requires = "model_file")]
    test: Vec<PathBuf>,
    /// Stratified K-fold cross-validation of the training options (with --grid: the
    /// number of folds, default 5).
    #[arg(long, value_name = "K")]
    cv: Option<usize>,
    /// Search the settings (the --grid-* lists) by cross-validation; the best has the
    /// highest macro-F1 (ties: accuracy, then the earlier configuration).
    #[arg(long)]
    grid: bool,
    /// With --grid: write the model trained on all inputs with the best settings.
    #[arg(short, long, requires = "grid")]
    output: Option<PathBuf>,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Grouped K-fold (with --cv or --grid): no value of this column is split across
    /// folds (e.g. `source`: a whole inbox is held out at a time); K equal to the
    /// number of groups is leave-one-group-out. The report adds per-group accuracy and
    /// macro-F1.
    #[arg(long, value_name = "COLUMN")]
    group_col: Option<String>,
    /// With --group-col: groups of fewer rows are pooled into one group (so that tiny
    /// groups are still tested, together).
    #[arg(long, value_name = "N", default_value_t = 1, requires = "group_col")]
    min_group: usize,
    /// With --cv: write every held-out row's out-of-fold prediction as CSV: `row` (its
    /// number among the input rows, from 1), `group`, `label`, `predicted`,
    /// `confidence` and `p_<label>` (calibrated with --calibration).
    #[arg(long, value_name = "FILE", requires = "cv", conflicts_with = "grid")]
    predictions: Option<PathBuf>,
    /// Labelled CSV files in every training fold and never held out or scored (e.g. a
    /// written corpus, when the inputs are real messages).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    always_train: Vec<PathBuf>,
    /// Repeat the cross-validation with seeds SEED, SEED+1, ... and pool the predictions
    /// (repeated stratified k-fold: steadier estimates, R times the work).
    #[arg(long, value_name = "R", default_value_t = 1)]
    cv_repeat: u64,
    /// With --model: score the model's raw naive Bayes posteriors, without its
    /// calibration map.
    #[arg(long)]
    no_calibration: bool,
    /// With --cv: also calibrate, cross-fitted: each fold's scores go through a map
    /// fitted on the out-of-fold scores of the other folds (`temperature` or `isotonic`).
    #[arg(long, value_name = "METHOD", value_enum)]
    calibration: Option<Method>,
    /// Report coverage and accuracy when messages below this top confidence are
    /// answered `unsure` (with the accuracy-coverage curve; JSON key `coverage`).
    #[arg(long, value_name = "P")]
    min_confidence: Option<f64>,
    /// Write the report as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the report as Markdown.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Write confusion-matrix and reliability-diagram SVG files into this directory.
    #[arg(long, value_name = "DIR")]
    plot: Option<PathBuf>,
    #[command(flatten)]
    grid_spec: GridSpec,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    csv: CsvArgs,
    #[command(flatten)]
    train: TrainArgs,
}

fn main() -> ExitCode {
    // `--model` names the model file when `--test` is given (`pitchsift-eval --model M
    // --test T.csv`), and also without --cv and --grid (`pitchsift-eval --model M T.csv`:
    // the inputs are then the test files); with --cv or --grid it is the naive Bayes
    // variant (the pitchsift-train option).
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let training = ["--cv", "--grid"]
        .iter()
        .any(|o| common::option_given(&args, o));
    let when = if training { "--test" } else { "--model" };
    if let Some(m) = common::unused::eval_options(&args, training) {
        return common::main_with("pitchsift-eval", || Err(Usage(m).into()));
    }
    let args = common::rename_option_if(args, when, "--model", "--model-file");
    let cli = Cli::parse_from(args);
    common::main_with("pitchsift-eval", || run(cli))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let modes = [
        cli.model_file.is_some(),
        cli.grid,
        cli.cv.is_some() && !cli.grid,
    ];
    if modes.iter().filter(|&&m| m).count() != 1 {
        return Err(Usage(
            "choose one of --model MODEL --test FILE..., --cv K CORPUS..., --grid CORPUS... (see --help)"
                .into(),
        )
        .into());
    }
    if cli.cv_repeat == 0 {
        return Err(Usage("--cv-repeat must be at least 1".into()).into());
    }
    if let Some(t) = cli.min_confidence {
        if !(0.0..=1.0).contains(&t) {
            return Err(Usage(format!("--min-confidence must be in [0, 1] (got {t})")).into());
        }
    }
    common::Files::default()
        .read(cli.inputs.iter().chain(&cli.test).chain(&cli.always_train))
        .distinct(
            cli.test.iter().chain(&cli.inputs),
            "its rows would be scored twice",
        )
        .distinct(
            cli.inputs.iter().chain(&cli.always_train),
            common::COUNTED_TWICE,
        )
        .models("--model", &cli.model_file)
        .writes("--json", cli.json.as_ref())
        .writes("--markdown", cli.markdown.as_ref())
        .writes("--predictions", cli.predictions.as_ref())
        .writes_model("-o/--output", cli.output.as_ref())
        .writes_in(
            "--plot",
            cli.plot.as_ref(),
            &["confusion.svg", "reliability.svg"],
        )
        .check()?;
    cli.run.init_threads()?;
    let start = Instant::now();
    // Every output is written completely first, then all are renamed together
    // (output::commit): an interrupt leaves all of them old or all new.
    let mut ready = Vec::new();
    let mut written = None;
    let (outcome, table) = if let Some(model) = &cli.model_file {
        let mut tests = cli.test.clone();
        tests.extend(cli.inputs.iter().cloned());
        if tests.is_empty() {
            return Err(Usage("--model needs labelled test files (--test FILE.csv)".into()).into());
        }
        let mut clf = model_file::load(model, Load::Predict)?;
        if cli.no_calibration {
            clf.calibration = None;
        }
        let csv = cli.csv.options(Some(&cli.train.label_col));
        let outcome = eval::evaluate_model(&clf, model, &tests, &csv, cli.min_confidence)?;
        (outcome, String::new())
    } else {
        cross_validate(&cli, &mut ready, &mut written)?
    };
    // An output given as `-` takes standard output instead of the report. Before the
    // files are renamed: a full stdout fails the run, a closed pipe does not.
    if !common::any_stdout([&cli.json, &cli.markdown, &cli.predictions]) {
        common::print(&format!("{table}{}", outcome.text()))?;
    }
    if !cli.run.quiet {
        eprintln!(
            "pitchsift-eval: {} rows evaluated in {:.2}s",
            outcome.report.n,
            start.elapsed().as_secs_f64()
        );
    }
    if let Some(path) = &cli.json {
        ready.push(prepare(path, &outcome.json())?);
    }
    if let Some(path) = &cli.markdown {
        ready.push(prepare(path, render::markdown_report(&outcome).as_bytes())?);
    }
    if let Some(dir) = &cli.plot {
        ready.extend(render::prepare_plots(dir, &outcome)?);
    }
    output::commit(ready)?;
    if let (Some(note), false) = (written, cli.run.quiet) {
        eprintln!("{note}");
    }
    Ok(())
}

/// --cv and --grid: read the corpora, check the folds, cross-validate; the outcome and
/// the grid's table (for stdout). The --predictions or -o file is added to `ready`, and
/// what to say once -o is written to `written`.
fn cross_validate(
    cli: &Cli,
    ready: &mut Vec<Ready>,
    written: &mut Option<String>,
) -> anyhow::Result<(Outcome, String)> {
    if cli.inputs.is_empty() {
        return Err(Usage("give the labelled corpus files to cross-validate".into()).into());
    }
    let params = cli.train.params()?;
    let csv = cli.csv.options(Some(&cli.train.label_col));
    let sources = Sources {
        inputs: &cli.inputs,
        always_train: &cli.always_train,
        group_col: cli.group_col.as_deref(),
    };
    let data = Dataset::from_sources(&sources, &csv)?;
    if data.held_out_rows() == 0 {
        let inputs = pitchsift::corpus::describe(&cli.inputs);
        return Err(pitchsift::Error::EmptyCorpus { inputs }.into());
    }
    let k = cli.cv.unwrap_or(5);
    check_k(&data, k).map_err(|e| Usage(e.to_string()))?;
    // The fold assignment is checked once here (too many folds for the groups is a
    // usage error).
    data.folds(k, cli.seed, cli.min_group)
        .map_err(|e| Usage(e.to_string()))?;
    if data.labels.len() < 2 {
        return Err(pitchsift::Error::SingleLabel {
            inputs: pitchsift::corpus::describe(&cli.inputs),
            label: data.labels.first().cloned().unwrap_or_default(),
        }
        .into());
    }
    let o = CvOptions {
        k,
        seed: cli.seed,
        repeat: cli.cv_repeat,
        min_group: cli.min_group,
        group_col: cli.group_col.clone(),
        inputs: cli.inputs.clone(),
        always_train: cli.always_train.clone(),
        calibration: cli.calibration,
        min_confidence: cli.min_confidence,
    };
    if !cli.grid {
        if cli.predictions.is_some() && cli.cv_repeat > 1 {
            return Err(
                Usage("--predictions takes one cross-validation (no --cv-repeat)".into()).into(),
            );
        }
        let runs = o.calibration.map_or(o.seeds().len(), |_| 1);
        let progress = cli.run.steps(runs * 2 * k, "pitchsift-eval");
        let (outcome, per_row) = crossval::cross_validate(&data, &params, &o, &progress)?;
        drop(progress);
        if let Some(path) = &cli.predictions {
            ready.push(prepare(path, &crossval::predictions_csv(&data, &per_row))?);
        }
        return Ok((outcome, String::new()));
    }
    let groups = grid::configurations(&cli.grid_spec, &params).map_err(common::usage)?;
    let progress = cli.run.steps(grid::steps(&groups, &o), "pitchsift-eval");
    let found = grid::search(&data, &groups, &o, &progress)?;
    drop(progress);
    if let Some(out) = &cli.output {
        let clf = data.train(&found.best, &pitchsift::corpus::describe(&cli.inputs))?;
        ready.push(model_file::prepare(&clf, out)?);
        *written = Some(format!(
            "pitchsift-eval: best configuration trained on all {} rows, written to {}",
            data.len(),
            out.display()
        ));
    }
    Ok((found.outcome, format!("{}\n", found.table)))
}
