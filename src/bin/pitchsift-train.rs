//! pitchsift-train: build a naive Bayes model from labelled CSV corpora.

mod common;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, ValueEnum};
use common::{CsvArgs, TrainArgs, Usage};
use pitchsift::model_file::{self, Load};
use pitchsift::nb::calibrate::{self, Method};
use pitchsift::pipeline::train::{self, Calibrate, Corpora, Trainer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CalibrationArg {
    /// Temperature scaling: softmax(jll / T); never changes the ranking of labels.
    Temperature,
    /// Isotonic regression of the top label's confidence on its log-odds; the other
    /// labels share the rest in temperature-scaled proportions.
    Isotonic,
    /// No calibration.
    None,
}

/// Train a naive Bayes model from one or more labelled CSV files and write one
/// self-describing model file. The same inputs give a byte-identical file for any --jobs.
///
/// With --update MODEL, the corpora are added to an existing model instead: they are
/// analysed with the model's settings, and the result is byte-identical to training on
/// the model's data and the new corpora at once.
#[derive(Debug, Parser)]
#[command(name = "pitchsift-train", version)]
struct Cli {
    /// Labelled CSV corpora with a header row (`-` reads standard input).
    #[arg(required = true)]
    corpus: Vec<PathBuf>,
    /// Where to write the model (written to a temporary file, then renamed).
    #[arg(short, long)]
    output: PathBuf,
    /// Add the corpora to this model (its analyzer and fitting settings are used; training
    /// options that contradict them are refused).
    #[arg(long, value_name = "MODEL")]
    update: Option<PathBuf>,
    #[command(flatten)]
    run: common::RunArgs,
    /// Calibration map fitted on out-of-fold scores of the training data and stored in
    /// the model (`none`, the default: raw naive Bayes posteriors, exact counts only, so
    /// update and merge stay byte-identical to training on all data). `isotonic` had the
    /// lowest ECE and log loss on the SMS and 20 Newsgroups test splits
    /// (ARCHITECTURE.md, "Calibration"); the default model uses it.
    #[arg(long, value_enum, default_value = "none")]
    calibration: CalibrationArg,
    /// Cross-validation folds for fitting the calibration map.
    #[arg(long, default_value_t = calibrate::DEFAULT_FOLDS)]
    calibration_folds: usize,
    /// More labelled CSV corpora, trained on like the others; with --calibration they
    /// are in every fold's training set and the map is fitted on the other corpora's
    /// out-of-fold scores only (e.g. a written corpus beside real messages: the map
    /// then fits real messages).
    #[arg(long, value_name = "FILE", num_args = 1..)]
    always_train: Vec<PathBuf>,
    /// With --calibration: the column naming each row's group (an inbox, a source):
    /// the calibration folds are grouped by it, so the map sees the scores of groups
    /// the model has not seen.
    #[arg(long, value_name = "COLUMN")]
    group_col: Option<String>,
    /// Leave the terms that --min-df drops out of the stored counts too, so that the
    /// model file holds no term found in fewer than --min-df documents (for training
    /// data whose rare terms must not be kept, such as third parties' messages). The
    /// answers do not change; update and merge of the model are then no longer exact.
    #[arg(long)]
    prune_counts: bool,
    /// With --group-col: groups of fewer rows are pooled into one group.
    #[arg(long, value_name = "N", default_value_t = 1, requires = "group_col")]
    min_group: usize,
    #[command(flatten)]
    csv: CsvArgs,
    #[command(flatten)]
    train: TrainArgs,
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    common::main_with("pitchsift-train", || run(cli, &matches))
}

fn run(cli: Cli, matches: &ArgMatches) -> anyhow::Result<()> {
    let given = |id: &str| matches.value_source(id) == Some(ValueSource::CommandLine);
    // With --update the options are judged against the model's settings, once read.
    let params = cli
        .update
        .is_none()
        .then(|| cli.train.params())
        .transpose()?;
    // The corpora are never overwritten; the --update base model may be (documented).
    common::Files::default()
        .read(cli.corpus.iter().chain(&cli.always_train))
        .distinct(
            cli.corpus.iter().chain(&cli.always_train),
            common::COUNTED_TWICE,
        )
        .replaceable_models("--update", &cli.update)
        .writes_model("the output", Some(&cli.output))
        .check()?;
    cli.run.init_threads()?;
    let start = Instant::now();
    if matches!(cli.calibration, CalibrationArg::None) {
        if let Some(o) = ["group-col", "calibration-folds"]
            .into_iter()
            .find(|o| given(&o.replace('-', "_")))
        {
            return Err(Usage(format!(
                "--{o} has no use without --calibration isotonic or temperature: it sets \
                 the folds that fit the calibration map"
            ))
            .into());
        }
    }
    let calibration = match cli.calibration {
        CalibrationArg::Temperature => Some(Method::Temperature),
        CalibrationArg::Isotonic => Some(Method::Isotonic),
        CalibrationArg::None => None,
    }
    .map(|method| Calibrate {
        folds: cli.calibration_folds,
        group_col: cli.group_col.clone(),
        min_group: cli.min_group,
        ..Calibrate::new(method)
    });
    let trainer = match &cli.update {
        Some(path) => {
            let base = model_file::load(path, Load::Full)?;
            common::update::refuse_conflicts(&cli.train, given, &base.params, path)?;
            Trainer::update(base)
        }
        None => Trainer::new(params.expect("checked without --update")),
    };
    let corpora = Corpora {
        inputs: &cli.corpus,
        always_train: &cli.always_train,
        csv: cli.csv.options(Some(&cli.train.label_col)),
    };
    let all: Vec<PathBuf> = cli
        .corpus
        .iter()
        .chain(&cli.always_train)
        .cloned()
        .collect();
    let mut progress = cli
        .run
        .bytes(common::total_size(&all), "pitchsift-train: counting");
    let mut counted = None;
    let trained = trainer
        .calibrate(calibration)
        .prune_counts(cli.prune_counts)
        .train(&corpora, &mut |p| match p {
            train::Progress::Read { docs, bytes } => {
                progress.update(bytes, || format!("{docs} documents"))
            }
            train::Progress::Fitting => counted = Some(start.elapsed()),
        })
        .map_err(common::usage)?;
    progress.finish();
    if trained.skipped > 0 {
        // Said even with --quiet: rows of the input were not used.
        let (n, s) = (trained.skipped, if trained.skipped == 1 { "" } else { "s" });
        eprintln!("pitchsift-train: {n} row{s} with an empty label skipped");
    }
    common::say_new_labels(&trained, cli.run.quiet);
    let clf = trained.classifier;
    let trained = start.elapsed();
    model_file::save(&clf, &cli.output)?;
    if !cli.run.quiet {
        let c = counted.unwrap_or(trained);
        let phases = format!(
            "{} {:.2}s, fitting {:.2}s",
            if clf.calibration.is_some() {
                "reading"
            } else {
                "counting"
            },
            c.as_secs_f64(),
            (trained - c).as_secs_f64()
        );
        let secs = start.elapsed().as_secs_f64();
        let n: u64 = clf.class_docs.iter().sum();
        eprintln!(
            "pitchsift-train: {n} documents, {} labels, {:.2}s",
            clf.labels.len(),
            secs
        );
        for (l, d) in clf.labels.iter().zip(&clf.class_docs) {
            eprintln!("  {l:<16} {d}");
        }
        eprintln!(
            "  vocabulary: {} terms counted, {} kept as features; model written to {}",
            clf.info.n_terms,
            clf.n_features(),
            cli.output.display()
        );
        eprintln!(
            "  time: {phases}, writing {:.2}s",
            (start.elapsed() - trained).as_secs_f64()
        );
        if let Some(c) = &clf.calibration {
            // An update keeps the base model's map without refitting it: saying
            // "fitted" there read as if it had been refitted on the new rows.
            eprintln!(
                "  calibration: {} ({}), {}",
                c.method().name(),
                describe_map(&c.map),
                if c.stale {
                    "kept from the model, STALE: not refitted on the new rows (retrain with \
                     --calibration to refit)"
                        .to_string()
                } else {
                    format!("fitted on {}-fold out-of-fold scores", c.folds)
                }
            );
        }
    }
    // The process ends here: leave the model's memory (hundreds of MB for a big
    // vocabulary) to the OS instead of freeing it piece by piece.
    std::mem::forget(clf);
    Ok(())
}

fn describe_map(m: &calibrate::CalibrationMap) -> String {
    match m {
        calibrate::CalibrationMap::Temperature { temperature } => format!("T = {temperature:.4}"),
        calibrate::CalibrationMap::Isotonic { log_odds, .. } => format!("{} knots", log_odds.len()),
    }
}
