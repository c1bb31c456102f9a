//! pitchsift-eval: evaluate a model on labelled CSV, cross-validate training settings,
//! or search them by cross-validation.

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use common::{CsvArgs, TrainArgs, Usage};
use pitchsift::calibrate::{coverage_curve, Calibration, Method, CURVE_THRESHOLDS};
use pitchsift::corpus::{CsvSource, RawRow};
use pitchsift::cv::{check_k, Dataset, FoldCounts, Sources};
use pitchsift::metrics::{Meter, Report};
use pitchsift::model::{argmax, softmax};
use pitchsift::params::{DocNorm, ModelKind, Prior, TermWeight, ValidTrainParams};
use pitchsift::persist::{self, Load};
use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Value};

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
    /// The model file to evaluate on the --test files. With --test, `--model MODEL` means
    /// this; otherwise `--model` is the naive Bayes variant of the training options.
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
    #[arg(long, value_name = "METHOD", value_parser = parse_method)]
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
    /// Grid: model variants (complement-wn = complement with weight normalisation).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "multinomial,complement,complement-wn"
    )]
    grid_model: Vec<GridModel>,
    /// Grid: smoothing values.
    #[arg(long, value_delimiter = ',', default_value = "0.01,0.03,0.1,0.3,1")]
    grid_alpha: Vec<f64>,
    /// Grid: n-gram ranges (MIN..MAX).
    #[arg(long, value_delimiter = ',', default_value = "1..1,1..2", value_parser = parse_range)]
    grid_ngrams: Vec<(u8, u8)>,
    /// Grid: document transforms, each `raw` or `log`, optionally with `+idf` and `+l2`
    /// (e.g. `raw,log+idf+l2`).
    #[arg(long, value_delimiter = ',', default_value = "raw,raw+idf,log+idf+l2", value_parser = parse_transform)]
    grid_transform: Vec<Transform>,
    /// Grid: minimum document frequencies.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    grid_min_df: Vec<u64>,
    /// Grid: class priors of the multinomial model (complement NB has none).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "empirical")]
    grid_prior: Vec<GridPrior>,
    /// Grid: placeholder tokens for URLs, numbers, money etc. (on) or the raw words (off).
    #[arg(long, value_enum, value_delimiter = ',', default_value = "on")]
    grid_placeholders: Vec<OnOff>,
    /// Worker threads (0 = all cores).
    #[arg(short, long, default_value_t = 0)]
    jobs: usize,
    /// No progress on stderr.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    csv: CsvArgs,
    #[command(flatten)]
    train: TrainArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GridModel {
    Multinomial,
    Complement,
    ComplementWn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GridPrior {
    Empirical,
    Uniform,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OnOff {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Transform {
    tf: TermWeight,
    idf: bool,
    norm: DocNorm,
}

fn parse_transform(s: &str) -> Result<Transform, String> {
    let mut t = Transform {
        tf: TermWeight::Raw,
        idf: false,
        norm: DocNorm::None,
    };
    for part in s.split('+') {
        match part.trim() {
            "raw" => t.tf = TermWeight::Raw,
            "log" => t.tf = TermWeight::Log,
            "idf" => t.idf = true,
            "l2" => t.norm = DocNorm::L2,
            other => {
                return Err(format!(
                    "bad transform part `{other}` (use raw or log, +idf, +l2; e.g. log+idf+l2)"
                ))
            }
        }
    }
    Ok(t)
}

fn parse_method(s: &str) -> Result<Method, String> {
    match s {
        "temperature" => Ok(Method::Temperature),
        "isotonic" => Ok(Method::Isotonic),
        _ => Err(format!(
            "unknown calibration `{s}` (temperature or isotonic)"
        )),
    }
}

fn parse_range(s: &str) -> Result<(u8, u8), String> {
    let bad = || format!("bad n-gram range `{s}` (use MIN..MAX, e.g. 1..2)");
    match s.split_once("..") {
        Some((a, b)) => Ok((
            a.trim().parse().map_err(|_| bad())?,
            b.trim().parse().map_err(|_| bad())?,
        )),
        None => {
            let n = s.trim().parse().map_err(|_| bad())?;
            Ok((n, n))
        }
    }
}

/// `--model` names the model file when `--test` is given (`pitchsift-eval --model M
/// --test T.csv`) and the naive Bayes variant otherwise (the pitchsift-train option):
/// rewrite the first form to `--model-file`.
fn rewrite_args(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let has_test = args
        .iter()
        .any(|a| a == "--test" || a.to_string_lossy().starts_with("--test="));
    if !has_test {
        return args;
    }
    args.into_iter()
        .map(|a| {
            let s = a.to_string_lossy();
            if s == "--model" {
                "--model-file".into()
            } else if let Some(v) = s.strip_prefix("--model=") {
                format!("--model-file={v}").into()
            } else {
                a
            }
        })
        .collect()
}

fn main() -> ExitCode {
    let cli = Cli::parse_from(rewrite_args(std::env::args_os().collect()));
    common::main_with("pitchsift-eval", || run(cli))
}

/// What a run produced: the report, extra JSON keys, and extra Markdown.
struct Outcome {
    title: String,
    report: Report,
    extra: Vec<(String, Value)>,
    markdown: String,
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
    common::init_threads(cli.jobs)?;
    let start = Instant::now();
    let outcome = if let Some(model) = &cli.model_file {
        let mut tests = cli.test.clone();
        tests.extend(cli.inputs.iter().cloned());
        if tests.is_empty() {
            return Err(Usage("--model needs labelled test files (--test FILE.csv)".into()).into());
        }
        common::check_inputs(&tests)?;
        evaluate_model(&cli, model, &tests)?
    } else {
        if cli.inputs.is_empty() {
            return Err(Usage("give the labelled corpus files to cross-validate".into()).into());
        }
        let params = cli.train.params()?;
        common::check_inputs(&cli.inputs)?;
        common::check_inputs(&cli.always_train)?;
        let csv = cli.csv.options(Some(&cli.train.label_col));
        let sources = Sources {
            inputs: &cli.inputs,
            always_train: &cli.always_train,
            group_col: cli.group_col.as_deref(),
        };
        let data = Dataset::from_sources(&sources, &csv)?;
        let k = cli.cv.unwrap_or(5);
        check_k(&data, k).map_err(|e| Usage(e.to_string()))?;
        // The fold assignment is checked once here (too many folds for the groups is a
        // usage error).
        data.folds(k, cli.seed, cli.min_group)
            .map_err(|e| Usage(e.to_string()))?;
        if data.labels.len() < 2 {
            return Err(pitchsift::Error::SingleLabel {
                inputs: pitchsift::train::describe(&cli.inputs),
                label: data.labels.first().cloned().unwrap_or_default(),
            }
            .into());
        }
        if cli.grid {
            grid(&cli, &data, &params, k)?
        } else {
            cross_validate(&cli, &data, &params, k)?
        }
    };
    print!("{}", text_report(&outcome));
    let sections = ["## Per group", "## Unsure"];
    if let Some(i) = sections
        .iter()
        .filter_map(|h| outcome.markdown.find(h))
        .min()
    {
        print!("\n{}", &outcome.markdown[i..]);
    }
    if !cli.quiet {
        eprintln!(
            "pitchsift-eval: {} rows evaluated in {:.2}s",
            outcome.report.n,
            start.elapsed().as_secs_f64()
        );
    }
    if let Some(path) = &cli.json {
        let mut v = serde_json::to_value(&outcome.report)?;
        let obj = v.as_object_mut().expect("report is an object");
        for (k, x) in &outcome.extra {
            obj.insert(k.clone(), x.clone());
        }
        let mut bytes = serde_json::to_vec_pretty(&v)?;
        bytes.push(b'\n');
        persist::write_atomic(path, &bytes)?;
    }
    if let Some(path) = &cli.markdown {
        persist::write_atomic(path, markdown_report(&outcome).as_bytes())?;
    }
    if let Some(dir) = &cli.plot {
        std::fs::create_dir_all(dir).map_err(|e| pitchsift::Error::Io {
            location: pitchsift::error::Location::file(dir),
            source: e,
        })?;
        persist::write_atomic(
            &dir.join("confusion.svg"),
            svg_confusion(&outcome.report, &outcome.title).as_bytes(),
        )?;
        persist::write_atomic(
            &dir.join("reliability.svg"),
            svg_reliability(&outcome.report, &outcome.title).as_bytes(),
        )?;
    }
    Ok(())
}

fn evaluate_model(cli: &Cli, model: &Path, tests: &[PathBuf]) -> anyhow::Result<Outcome> {
    let mut clf = persist::load(model, Load::Predict)?;
    if cli.no_calibration {
        clf.calibration = None;
    }
    let csv = cli.csv.options(Some(&cli.train.label_col));
    let mut meter = Meter::new(clf.labels.clone());
    let mut points: Vec<(f64, bool)> = Vec::new();
    let mut rows: Vec<RawRow> = Vec::new();
    for path in tests {
        let mut src = CsvSource::open(path, &csv)?;
        loop {
            let n = src.read_batch(&mut rows, pitchsift::train::BATCH)?;
            if n == 0 {
                break;
            }
            let mut texts = Vec::with_capacity(n);
            let mut gold = Vec::with_capacity(n);
            for row in &rows[..n] {
                gold.push(src.label(row)?.to_string());
                texts.push(src.text(row)?);
            }
            for (g, p) in gold.iter().zip(clf.predict_batch(&texts)) {
                meter.add(g, p.class, &p.probabilities);
                points.push((p.confidence(), clf.labels[p.class] == *g));
            }
        }
    }
    let mut outcome = Outcome {
        title: format!("{} on {}", short(model), shorts(tests)),
        report: meter.report(),
        extra: vec![
            ("mode".into(), json!("model")),
            ("model".into(), json!(model.display().to_string())),
            ("test".into(), json!(paths(tests))),
            ("params".into(), serde_json::to_value(&clf.params)?),
        ],
        markdown: String::new(),
    };
    add_coverage(cli, &mut outcome, &points)?;
    Ok(outcome)
}

/// With --min-confidence: coverage and accuracy at the threshold and the
/// accuracy-coverage curve, as JSON (`coverage`) and Markdown.
fn add_coverage(cli: &Cli, o: &mut Outcome, points: &[(f64, bool)]) -> anyhow::Result<()> {
    let Some(t) = cli.min_confidence else {
        return Ok(());
    };
    if !(0.0..=1.0).contains(&t) {
        return Err(Usage(format!("--min-confidence must be in [0, 1] (got {t})")).into());
    }
    let at = coverage_curve(points, &[t]).remove(0);
    let curve = coverage_curve(points, &CURVE_THRESHOLDS);
    o.extra.push((
        "coverage".into(),
        json!({"min_confidence": t, "coverage": at.coverage, "accuracy": at.accuracy, "curve": curve}),
    ));
    let fmt = |a: Option<f64>| a.map_or("-".to_string(), |v| format!("{v:.4}"));
    let mut md = format!(
        "## Unsure below {t}\n\ncoverage {:.4}, accuracy {}\n\n| threshold | coverage | accuracy |\n|---|---|---|\n",
        at.coverage,
        fmt(at.accuracy)
    );
    for p in &curve {
        let _ = writeln!(
            md,
            "| {} | {:.4} | {} |",
            p.threshold,
            p.coverage,
            fmt(p.accuracy)
        );
    }
    o.markdown.push_str(&md);
    Ok(())
}

/// A short name for titles: the last two components of the path.
fn short(p: &Path) -> String {
    let parts: Vec<_> = p.components().rev().take(2).collect();
    parts
        .iter()
        .rev()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn shorts(p: &[PathBuf]) -> String {
    p.iter().map(|x| short(x)).collect::<Vec<_>>().join(", ")
}

fn paths(p: &[PathBuf]) -> Vec<String> {
    p.iter().map(|x| x.display().to_string()).collect()
}

/// Score out-of-fold jll rows: argmax of the jll (as the classifier predicts) and the
/// softmax probabilities.
fn meter_of(data: &Dataset, jll: &[Vec<f64>]) -> Meter {
    let mut meter = Meter::new(data.labels.clone());
    let mut p = Vec::new();
    for (i, row) in jll.iter().enumerate() {
        if row.is_empty() {
            continue; // an always-train row: never held out
        }
        p.clear();
        p.extend_from_slice(row);
        let class = argmax(&p);
        softmax(&mut p);
        meter.add_id(data.classes[i] as usize, class, &p);
    }
    meter
}

/// Per-group meters (grouped CV): for each group of the held-out rows (groups under
/// --min-group rows pooled into one, named `(groups under N rows)`), its rows' scores.
struct GroupMeters {
    names: Vec<String>,
    /// The pooled group of each row (`u32::MAX` for always-train rows).
    of_row: Vec<u32>,
    meters: Vec<Meter>,
}

impl GroupMeters {
    fn new(cli: &Cli, data: &Dataset) -> Option<GroupMeters> {
        if data.groups.is_empty() {
            return None;
        }
        let held: Vec<usize> = (0..data.len())
            .filter(|&i| !data.is_always_train(i))
            .collect();
        let pooled = data.pooled_groups(&held, cli.min_group);
        let mut names = data.group_names.clone();
        names.push(format!("(groups under {} rows)", cli.min_group));
        let mut of_row = vec![u32::MAX; data.len()];
        for (&i, g) in held.iter().zip(pooled) {
            of_row[i] = g.min(data.group_names.len() as u32);
        }
        let meters = vec![Meter::new(data.labels.clone()); names.len()];
        Some(GroupMeters {
            names,
            of_row,
            meters,
        })
    }

    fn add(&mut self, row: usize, gold: usize, predicted: usize, p: &[f64]) {
        let g = self.of_row[row];
        if g != u32::MAX {
            self.meters[g as usize].add_id(gold, predicted, p);
        }
    }

    /// JSON (`groups`: name, rows, accuracy, macro-F1 per group; mean and worst over
    /// the groups that are not pooled) and a Markdown table.
    fn finish(&self, o: &mut Outcome) {
        let mut rows = Vec::new();
        let mut md = String::from(
            "## Per group\n\n| group | rows | accuracy | macro-F1 |\n|---|---|---|---|\n",
        );
        let fmt = |a: Option<f64>| a.map_or("-".to_string(), |v| format!("{v:.4}"));
        let mut f1s: Vec<(f64, &str)> = Vec::new();
        for (i, (name, m)) in self.names.iter().zip(&self.meters).enumerate() {
            let r = m.report();
            if r.n == 0 {
                continue;
            }
            let pooled = i == self.names.len() - 1;
            if let (false, Some(f)) = (pooled, r.macro_f1) {
                f1s.push((f, name));
            }
            rows.push(json!({"group": name, "rows": r.n, "accuracy": r.accuracy, "macro_f1": r.macro_f1, "pooled": pooled}));
            let _ = writeln!(
                md,
                "| {name} | {} | {} | {} |",
                r.n,
                fmt(r.accuracy),
                fmt(r.macro_f1)
            );
        }
        let mean =
            (!f1s.is_empty()).then(|| f1s.iter().map(|x| x.0).sum::<f64>() / f1s.len() as f64);
        let worst = f1s.iter().min_by(|a, b| a.0.total_cmp(&b.0));
        let _ = writeln!(
            md,
            "\nmean group macro-F1 {} (groups not pooled: {}); worst {}",
            fmt(mean),
            f1s.len(),
            worst.map_or("-".into(), |w| format!("{:.4} ({})", w.0, w.1))
        );
        o.extra.push((
            "groups".into(),
            json!({"groups": rows, "mean_group_macro_f1": mean, "worst_group": worst.map(|w| w.1), "worst_group_macro_f1": worst.map(|w| w.0)}),
        ));
        o.markdown.push_str(&md);
    }
}

/// The fold seeds of the (repeated) cross-validation.
fn seeds(cli: &Cli) -> Vec<u64> {
    (0..cli.cv_repeat)
        .map(|r| cli.seed.wrapping_add(r))
        .collect()
}

/// The cross-validation progress bar: `steps` fold steps (see
/// [`FoldCounts::with_progress`]).
fn cv_progress(cli: &Cli, steps: usize) -> common::Progress {
    common::Progress::steps(steps as u64, cli.quiet, "pitchsift-eval")
}

fn cross_validate(
    cli: &Cli,
    data: &Dataset,
    params: &ValidTrainParams,
    k: usize,
) -> anyhow::Result<Outcome> {
    if cli.predictions.is_some() && cli.cv_repeat > 1 {
        return Err(
            Usage("--predictions takes one cross-validation (no --cv-repeat)".into()).into(),
        );
    }
    let mut points: Vec<(f64, bool)> = Vec::new();
    let mut groups = GroupMeters::new(cli, data);
    let mut meter = Meter::new(data.labels.clone());
    let mut per_row: Vec<Option<(usize, Vec<f64>)>> = vec![None; data.len()];
    let mut score = |i: usize, top: usize, p: &[f64]| {
        let gold = data.classes[i] as usize;
        meter.add_id(gold, top, p);
        points.push((p[top], top == gold));
        if let Some(g) = groups.as_mut() {
            g.add(i, gold, top, p);
        }
        per_row[i] = Some((top, p.to_vec()));
    };
    match cli.calibration {
        None => {
            let seeds = seeds(cli);
            let progress = cv_progress(cli, seeds.len() * 2 * k);
            for seed in seeds {
                let folds = data.folds(k, seed, cli.min_group)?;
                let jll = FoldCounts::with_progress(data, &folds, k, params, &|| progress.step())?
                    .predict(&params.fit)?;
                for (i, row) in jll.iter().enumerate() {
                    if row.is_empty() {
                        continue; // an always-train row
                    }
                    let top = argmax(row);
                    let mut p = row.clone();
                    softmax(&mut p);
                    score(i, top, &p);
                }
            }
        }
        Some(method) => {
            let folds = data.folds(k, cli.seed, cli.min_group)?;
            let progress = cv_progress(cli, 2 * k);
            let jll = FoldCounts::with_progress(data, &folds, k, params, &|| progress.step())?
                .predict(&params.fit)?;
            drop(progress);
            // Cross-fitting: fold f is calibrated by a map fitted on the other folds'
            // out-of-fold scores (always-train rows, fold k, have none); the predicted
            // label stays the raw argmax.
            for f in 0..k as u32 {
                let (rows, classes): (Vec<Vec<f64>>, Vec<u32>) = (0..data.len())
                    .filter(|&i| folds[i] != f && (folds[i] as usize) < k)
                    .map(|i| (jll[i].clone(), data.classes[i]))
                    .unzip();
                let cal = Calibration::fit(method, &rows, &classes, k as u32, cli.seed);
                for i in (0..data.len()).filter(|&i| folds[i] == f) {
                    let top = argmax(&jll[i]);
                    let mut p = jll[i].clone();
                    cal.map.probabilities(&mut p, top);
                    score(i, top, &p);
                }
            }
        }
    }
    let report = meter.report();
    if let Some(path) = &cli.predictions {
        write_predictions(path, data, &per_row)?;
    }
    let grouped = match &cli.group_col {
        Some(c) => format!(", grouped by {c}"),
        None => String::new(),
    };
    let mut outcome = Outcome {
        title: format!("{k}-fold CV{grouped} on {}", shorts(&cli.inputs)),
        report,
        extra: vec![
            ("mode".into(), json!("cv")),
            ("k".into(), json!(k)),
            ("seed".into(), json!(cli.seed)),
            ("cv_repeat".into(), json!(cli.cv_repeat)),
            ("inputs".into(), json!(paths(&cli.inputs))),
            ("always_train".into(), json!(paths(&cli.always_train))),
            ("group_col".into(), json!(cli.group_col)),
            ("min_group".into(), json!(cli.min_group)),
            ("params".into(), serde_json::to_value(params)?),
            ("train_args".into(), json!(train_args(params))),
        ],
        markdown: String::new(),
    };
    if let Some(g) = &groups {
        g.finish(&mut outcome);
    }
    add_coverage(cli, &mut outcome, &points)?;
    Ok(outcome)
}

/// The out-of-fold prediction of every held-out row as CSV (see `--predictions`).
fn write_predictions(
    path: &Path,
    data: &Dataset,
    per_row: &[Option<(usize, Vec<f64>)>],
) -> anyhow::Result<()> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut header: Vec<String> = ["row", "group", "label", "predicted", "confidence"]
        .map(String::from)
        .to_vec();
    header.extend(data.labels.iter().map(|l| format!("p_{l}")));
    w.write_record(&header)?;
    for (i, r) in per_row.iter().enumerate() {
        let Some((top, p)) = r else {
            continue; // an always-train row
        };
        let group = data
            .groups
            .get(i)
            .and_then(|&g| data.group_names.get(g as usize))
            .map_or("", String::as_str);
        let mut rec = vec![
            (i + 1).to_string(),
            group.to_string(),
            data.label(i).to_string(),
            data.labels[*top].clone(),
            format!("{:.6}", p[*top]),
        ];
        rec.extend(p.iter().map(|x| format!("{x:.6}")));
        w.write_record(&rec)?;
    }
    let bytes = w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
    persist::write_atomic(path, &bytes)?;
    Ok(())
}

/// One configuration of the grid and its cross-validated scores.
#[derive(Debug, Clone, Serialize)]
struct GridRow {
    model: ModelKind,
    weight_norm: bool,
    alpha: f64,
    ngrams: String,
    tf: TermWeight,
    idf: bool,
    norm: DocNorm,
    min_df: u64,
    prior: String,
    placeholders: bool,
    accuracy: Option<f64>,
    macro_f1: Option<f64>,
    log_loss: Option<f64>,
    /// The pitchsift-train options of this configuration.
    train_args: Vec<String>,
}

/// The pitchsift-train options that reproduce the fitting and n-gram settings.
fn train_args(p: &ValidTrainParams) -> Vec<String> {
    let f = &p.fit;
    let mut a: Vec<String> = vec![
        "--model".into(),
        match f.model {
            ModelKind::Multinomial => "multinomial",
            ModelKind::Complement => "complement",
        }
        .into(),
        "--alpha".into(),
        format!("{}", f.alpha),
        "--ngrams".into(),
        format!("{}..{}", p.analyzer.ngram_min, p.analyzer.ngram_max),
        "--tf".into(),
        match f.tf {
            TermWeight::Raw => "raw",
            TermWeight::Log => "log",
        }
        .into(),
        "--norm".into(),
        match f.norm {
            DocNorm::None => "none",
            DocNorm::L2 => "l2",
        }
        .into(),
        "--min-df".into(),
        f.min_df.to_string(),
    ];
    if f.idf {
        a.push("--idf".into());
    }
    if f.weight_norm {
        a.push("--weight-norm".into());
    }
    if let Some(m) = f.max_features {
        a.extend(["--max-features".into(), m.to_string()]);
    }
    match &f.prior {
        Prior::Empirical => {}
        Prior::Uniform => a.extend(["--prior".into(), "uniform".into()]),
        Prior::Given(map) => a.extend([
            "--prior".into(),
            map.iter()
                .map(|(l, v)| format!("{l}={v}"))
                .collect::<Vec<_>>()
                .join(","),
        ]),
    }
    if !p.analyzer.placeholders {
        a.push("--no-placeholders".into());
    }
    if !p.analyzer.lowercase {
        a.push("--no-lowercase".into());
    }
    if let Some(b) = p.analyzer.hash_bits {
        a.extend(["--hash-bits".into(), b.to_string()]);
    }
    a
}

/// The fitting settings of the grid for one count group (same analyzer, tf and norm).
fn fit_configs(cli: &Cli, key: &ValidTrainParams) -> anyhow::Result<Vec<ValidTrainParams>> {
    let mut configs = Vec::new();
    for t in cli
        .grid_transform
        .iter()
        .filter(|t| t.tf == key.fit.tf && t.norm == key.fit.norm)
    {
        for &m in &cli.grid_model {
            for (pi, &prior) in cli.grid_prior.iter().enumerate() {
                // Complement NB has no prior: one configuration, not one per prior.
                if m != GridModel::Multinomial && pi > 0 {
                    continue;
                }
                for &alpha in &cli.grid_alpha {
                    for &min_df in &cli.grid_min_df {
                        let mut p = key.clone();
                        p.fit.idf = t.idf;
                        p.fit.alpha = alpha;
                        p.fit.min_df = min_df;
                        if m == GridModel::Multinomial {
                            p.fit.prior = match prior {
                                GridPrior::Empirical => Prior::Empirical,
                                GridPrior::Uniform => Prior::Uniform,
                            };
                        }
                        (p.fit.model, p.fit.weight_norm) = match m {
                            GridModel::Multinomial => (ModelKind::Multinomial, false),
                            GridModel::Complement => (ModelKind::Complement, false),
                            GridModel::ComplementWn => (ModelKind::Complement, true),
                        };
                        p.fit.check().map_err(|e| Usage(e.to_string()))?;
                        configs.push(p);
                    }
                }
            }
        }
    }
    Ok(configs)
}

fn grid(cli: &Cli, data: &Dataset, base: &ValidTrainParams, k: usize) -> anyhow::Result<Outcome> {
    if cli.grid_alpha.iter().any(|&a| !(a.is_finite() && a > 0.0)) {
        return Err(Usage("--grid-alpha values must be finite and > 0".into()).into());
    }
    // Configurations, grouped by what needs a recount: analyzer (n-grams), tf, norm.
    let mut groups: Vec<(ValidTrainParams, Vec<ValidTrainParams>)> = Vec::new();
    let mut tfs: Vec<(TermWeight, DocNorm)> = Vec::new();
    for t in &cli.grid_transform {
        if !tfs.contains(&(t.tf, t.norm)) {
            tfs.push((t.tf, t.norm));
        }
    }
    let mut placeholders = cli.grid_placeholders.clone();
    placeholders.dedup();
    for &ph in &placeholders {
        for &(lo, hi) in &cli.grid_ngrams {
            for &(tf, norm) in &tfs {
                let mut key = base.clone();
                key.analyzer.placeholders = ph == OnOff::On;
                key.analyzer.ngram_min = lo;
                key.analyzer.ngram_max = hi;
                key.analyzer
                    .check()
                    .map_err(|e| Usage(format!("--grid-ngrams: {e}")))?;
                key.fit.tf = tf;
                key.fit.norm = norm;
                let configs = fit_configs(cli, &key)?;
                groups.push((key, configs));
            }
        }
    }
    let n_configs: usize = groups.iter().map(|g| g.1.len()).sum();
    if n_configs == 0 {
        return Err(Usage("the grid is empty".into()).into());
    }
    let mut results: Vec<(ValidTrainParams, Meter)> = Vec::with_capacity(n_configs);
    let n_seeds = seeds(cli).len();
    let steps: usize = groups.iter().map(|g| n_seeds * (2 * k + g.1.len())).sum();
    let progress = cv_progress(cli, steps);
    for (gi, (key, configs)) in groups.iter().enumerate() {
        let t0 = Instant::now();
        let mut t_count = 0.0;
        let mut meters: Vec<Meter> = vec![Meter::new(data.labels.clone()); configs.len()];
        for seed in seeds(cli) {
            let t1 = Instant::now();
            let folds = data.folds(k, seed, cli.min_group)?;
            let counted = FoldCounts::with_progress(data, &folds, k, key, &|| progress.step())?;
            t_count += t1.elapsed().as_secs_f64();
            let these: Vec<Meter> = configs
                .par_iter()
                .map(|p| -> anyhow::Result<Meter> {
                    let m = meter_of(data, &counted.predict(&p.fit)?);
                    progress.step();
                    Ok(m)
                })
                .collect::<anyhow::Result<_>>()?;
            for (m, t) in meters.iter_mut().zip(&these) {
                m.merge(t);
            }
        }
        if !cli.quiet {
            progress.println(format!(
                "pitchsift-eval: group {}/{} (ngrams {}..{}, tf {:?}, norm {:?}): counted in {:.1}s, {} configurations in {:.1}s",
                gi + 1,
                groups.len(),
                key.analyzer.ngram_min,
                key.analyzer.ngram_max,
                key.fit.tf,
                key.fit.norm,
                t_count,
                configs.len(),
                t0.elapsed().as_secs_f64() - t_count
            ));
        }
        results.extend(configs.iter().cloned().zip(meters));
    }
    drop(progress);
    let reports: Vec<Report> = results.iter().map(|(_, m)| m.report()).collect();
    let mut order: Vec<usize> = (0..results.len()).collect();
    let key = |i: usize| {
        (
            reports[i].macro_f1.unwrap_or(f64::NEG_INFINITY),
            reports[i].accuracy.unwrap_or(f64::NEG_INFINITY),
        )
    };
    order.sort_by(|&a, &b| {
        key(b)
            .partial_cmp(&key(a))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let rows: Vec<GridRow> = order
        .iter()
        .map(|&i| {
            let (p, r) = (&results[i].0, &reports[i]);
            GridRow {
                model: p.fit.model,
                weight_norm: p.fit.weight_norm,
                alpha: p.fit.alpha,
                ngrams: format!("{}..{}", p.analyzer.ngram_min, p.analyzer.ngram_max),
                tf: p.fit.tf,
                idf: p.fit.idf,
                norm: p.fit.norm,
                min_df: p.fit.min_df,
                prior: match &p.fit.prior {
                    Prior::Empirical => "empirical".into(),
                    Prior::Uniform => "uniform".into(),
                    Prior::Given(_) => "given".into(),
                },
                placeholders: p.analyzer.placeholders,
                accuracy: r.accuracy,
                macro_f1: r.macro_f1,
                log_loss: r.log_loss,
                train_args: train_args(p),
            }
        })
        .collect();
    let best = order[0];
    let best_params = results[best].0.clone();
    println!("{}", grid_table(&rows, false));
    if let Some(out) = &cli.output {
        let clf = data.train(&best_params, &pitchsift::train::describe(&cli.inputs))?;
        persist::save(&clf, out)?;
        if !cli.quiet {
            eprintln!(
                "pitchsift-eval: best configuration trained on all {} rows, written to {}",
                data.len(),
                out.display()
            );
        }
    }
    Ok(Outcome {
        title: format!(
            "best of {} configurations, {k}-fold CV on {}",
            rows.len(),
            shorts(&cli.inputs)
        ),
        report: reports[best].clone(),
        extra: vec![
            ("mode".into(), json!("grid")),
            ("k".into(), json!(k)),
            ("seed".into(), json!(cli.seed)),
            ("cv_repeat".into(), json!(cli.cv_repeat)),
            ("inputs".into(), json!(paths(&cli.inputs))),
            ("params".into(), serde_json::to_value(&best_params)?),
            ("train_args".into(), json!(train_args(&best_params))),
            ("grid".into(), serde_json::to_value(&rows)?),
        ],
        markdown: format!("## Grid (by macro-F1)\n\n{}\n", grid_table(&rows, true)),
    })
}

fn num(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.4}"))
}

fn grid_table(rows: &[GridRow], markdown: bool) -> String {
    let head = [
        "rank", "model", "wn", "alpha", "ngrams", "tf", "idf", "norm", "min_df", "prior", "ph",
        "accuracy", "macro_f1", "log_loss",
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                format!("{:?}", r.model).to_lowercase(),
                if r.weight_norm { "yes" } else { "no" }.into(),
                format!("{}", r.alpha),
                r.ngrams.clone(),
                format!("{:?}", r.tf).to_lowercase(),
                if r.idf { "yes" } else { "no" }.into(),
                format!("{:?}", r.norm).to_lowercase(),
                r.min_df.to_string(),
                r.prior.clone(),
                if r.placeholders { "on" } else { "off" }.into(),
                num(r.accuracy),
                num(r.macro_f1),
                num(r.log_loss),
            ]
        })
        .collect();
    table(&head, &body, markdown)
}

fn table(head: &[&str], body: &[Vec<String>], markdown: bool) -> String {
    let mut out = String::new();
    if markdown {
        let _ = writeln!(out, "| {} |", head.join(" | "));
        let _ = writeln!(out, "|{}", head.iter().map(|_| "---|").collect::<String>());
        for r in body {
            let _ = writeln!(out, "| {} |", r.join(" | "));
        }
        return out;
    }
    let mut w: Vec<usize> = head.iter().map(|h| h.chars().count()).collect();
    for r in body {
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
    let _ = writeln!(out, "{}", line(&mut head.iter().copied()));
    for r in body {
        let _ = writeln!(out, "{}", line(&mut r.iter().map(String::as_str)));
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

fn text_report(o: &Outcome) -> String {
    let r = &o.report;
    let mut out = format!("{}\nrows: {}", o.title, r.n);
    if r.n_unknown > 0 {
        let list: Vec<String> = r
            .unknown_labels
            .iter()
            .map(|(l, n)| format!("{l} ({n})"))
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

fn markdown_report(o: &Outcome) -> String {
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

/// The confusion matrix as an SVG heat map, cells shaded by the share of their row.
fn svg_confusion(r: &Report, title: &str) -> String {
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
fn svg_reliability(r: &Report, title: &str) -> String {
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
