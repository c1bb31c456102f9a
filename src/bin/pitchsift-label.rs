//! pitchsift-label: choose the messages most worth labelling (`--suggest K`), or label
//! them one at a time in the terminal (`--labels FILE`).

mod common;
#[path = "label/glyphs.rs"]
mod glyphs;
#[path = "label/layout.rs"]
mod layout;
#[path = "label/screen.rs"]
mod screen;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use common::{ReadArgs, Usage};
use pitchsift::active::{self, Pool, Strategy};
use pitchsift::model_file::{self, Load};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StrategyArg {
    /// Smallest gap between the two most probable labels first.
    Margin,
    /// Largest entropy of the probabilities first.
    Entropy,
    /// Margin times how typical the message is of the input (mean cosine similarity).
    Dense,
    /// `dense`, each pick lowering the score of the messages like it.
    Diverse,
    /// A seeded shuffle (`--seed`): the baseline.
    Random,
}

/// The weight written into the `weight` column of suggested rows, chosen by measurement
/// (README, "Active labelling"): a label the user gives about their own inbox counts as
/// this many training messages.
const DEFAULT_WEIGHT: u32 = 10;

/// Choose the messages of an inbox most worth labelling, or label them in the terminal.
///
/// With --suggest K: writes the K rows most worth labelling as CSV (every input column,
/// then an empty `label`, the row's training `weight`, `predicted`, `confidence` and
/// `p_<label>`); fill in `label` and fold the file in with
/// `pitchsift-train --update MODEL FILE -o NEW` (rows left empty are skipped).
///
/// Without --suggest: an interactive terminal program; every answer is saved to --labels
/// at once, and a restart resumes.
///
/// The input may be pitchsift-predict's output (or a file this program wrote): its
/// prediction columns (`predicted`, then `confidence`, `p_<label>`, `explanation`) are
/// replaced by this model's, its `label` and `weight` columns written afresh, and a
/// message that already has a label there is never suggested or asked.
#[derive(Debug, Parser)]
#[command(name = "pitchsift-label", version)]
struct Cli {
    /// The model (with its counts, as pitchsift-train writes it).
    #[arg(short, long, value_name = "MODEL")]
    model: PathBuf,
    /// The unlabelled messages (CSV with a header; `-` reads standard input).
    #[arg(short, long, value_name = "FILE")]
    input: PathBuf,
    /// Write the K rows most worth labelling and exit.
    #[arg(long, value_name = "K", conflicts_with = "labels")]
    suggest: Option<usize>,
    /// Interactive: the label file answers are saved to (created if missing; resumed).
    #[arg(long, value_name = "FILE", required_unless_present = "suggest")]
    labels: Option<PathBuf>,
    /// How messages are ranked.
    #[arg(long, value_enum, default_value = "margin")]
    strategy: StrategyArg,
    /// Seed of `--strategy random`.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The training weight written for each labelled row (1..=1000).
    #[arg(long, default_value_t = DEFAULT_WEIGHT)]
    weight: u32,
    /// With --suggest: write to FILE (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE", requires = "suggest")]
    output: Option<PathBuf>,
    /// Interactive: update the model and re-rank after this many answers (10: steadier
    /// than 5 at every count of answers measured, docs/active-learning/README.md (d)).
    #[arg(long, default_value_t = 10)]
    every: usize,
    #[command(flatten)]
    run: common::RunArgs,
    #[command(flatten)]
    csv: ReadArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    common::main_with("pitchsift-label", || run(cli))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    if cli.weight == 0 || cli.weight > pitchsift::corpus::MAX_WEIGHT {
        return Err(Usage(format!(
            "--weight must be from 1 to {} (got {})",
            pitchsift::corpus::MAX_WEIGHT,
            cli.weight
        ))
        .into());
    }
    if cli.every == 0 {
        return Err(Usage("--every must be at least 1".into()).into());
    }
    if cli.suggest == Some(0) {
        return Err(Usage("--suggest needs at least 1 row".into()).into());
    }
    common::unused::label_options()?;
    if cli.seed != 0 && cli.strategy != StrategyArg::Random {
        return Err(Usage("--seed goes with --strategy random".into()).into());
    }
    common::Files::default()
        .read([&cli.input])
        .models("-m/--model", [&cli.model])
        .writes("--output", cli.output.as_ref())
        .appends("--labels", cli.labels.as_ref())
        .check()?;
    cli.run.init_threads()?;
    let strategy = match cli.strategy {
        StrategyArg::Margin => Strategy::Margin,
        StrategyArg::Entropy => Strategy::Entropy,
        StrategyArg::Dense => Strategy::Dense,
        StrategyArg::Diverse => Strategy::Diverse,
        StrategyArg::Random => Strategy::Random { seed: cli.seed },
    };
    let csv = cli.csv.options(None);
    match cli.suggest {
        Some(k) => {
            let clf = model_file::load(&cli.model, Load::Predict)?;
            let pool = Pool::read(&cli.input, &csv)?;
            let picked = active::select(&clf, &pool.texts, strategy, k, |i| pool.settled(i));
            let bytes = suggestions(&clf, &pool, &picked, cli.weight)?;
            match common::file_or_stdout(cli.output.as_deref()) {
                Some(path) => pitchsift::io::output::write_atomic(path, &bytes)?,
                None => std::io::stdout().lock().write_all(&bytes)?,
            }
            if !cli.run.quiet {
                let mut not = Vec::new();
                if let n @ 1.. = pool.labelled() {
                    not.push(format!("{n} already labelled in the input"));
                }
                if let n @ 1.. = pool.blank() {
                    not.push(format!("{n} empty"));
                }
                let given = if not.is_empty() {
                    String::new()
                } else {
                    format!(" ({}: not suggested)", not.join(", "))
                };
                let (k, n) = (picked.len(), pool.len());
                eprintln!("pitchsift-label: {k} of {n} messages suggested{given}");
                note_dropped(&pool);
            }
            Ok(())
        }
        None => {
            let labels = cli
                .labels
                .expect("clap requires --labels without --suggest");
            // Both checked before the work, not after the first answer.
            if !std::io::stdout().is_terminal() {
                return Err(Usage(
                    "the interactive labeller draws on a terminal and standard output is not one; \
                     use --suggest K to write the rows most worth labelling to a file"
                        .into(),
                )
                .into());
            }
            let clf = model_file::load(&cli.model, Load::Full)?;
            let pool = Pool::read(&cli.input, &csv)?;
            if (0..pool.len()).all(|i| pool.is_blank(i)) {
                let blank = match pool.len() {
                    0 => String::new(),
                    n => format!(" (its {n} messages are empty)"),
                };
                anyhow::bail!("{}: no messages to label{blank}", cli.input.display());
            }
            if !cli.run.quiet {
                note_dropped(&pool);
            }
            screen::run(screen::Setup {
                clf,
                pool,
                labels,
                model_path: cli.model,
                strategy,
                weight: cli.weight,
                every: cli.every,
            })
        }
    }
}

/// Say which columns of the input were left out (an earlier prediction's, a label
/// file's): the output writes them afresh.
fn note_dropped(pool: &Pool) {
    if !pool.dropped.is_empty() {
        eprintln!(
            "pitchsift-label: the input's columns {} are replaced by this run's",
            pool.dropped.join(", ")
        );
    }
}

/// The suggestion CSV: input columns, empty `label`, `weight`, `predicted`,
/// `confidence`, `p_<label>`, one row per pick, best first.
fn suggestions(
    clf: &pitchsift::Classifier,
    pool: &Pool,
    picked: &[usize],
    weight: u32,
) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = pool.headers.iter().map(str::to_string).collect();
    header.extend(active::ADDED_COLUMNS.iter().map(|s| s.to_string()));
    header.push("predicted".into());
    header.push("confidence".into());
    header.extend(clf.labels.iter().map(|l| format!("p_{l}")));
    w.write_record(&header)?;
    let texts: Vec<&str> = picked.iter().map(|&i| pool.texts[i].as_str()).collect();
    let preds = clf.predict_batch(&texts);
    for (&i, p) in picked.iter().zip(&preds) {
        let mut rec = pool.records[i].clone();
        rec.push_field(b"");
        rec.push_field(weight.to_string().as_bytes());
        rec.push_field(clf.labels[p.class].as_bytes());
        rec.push_field(format!("{:.4}", p.confidence()).as_bytes());
        for q in &p.probabilities {
            rec.push_field(format!("{q:.4}").as_bytes());
        }
        w.write_byte_record(&rec)?;
    }
    Ok(w.into_inner().map_err(|e| e.into_error())?)
}
