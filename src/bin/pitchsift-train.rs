//! pitchsift-train: build a naive Bayes model from labelled CSV corpora.

mod common;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use common::{CsvArgs, TrainArgs};
use pitchsift::{persist, train};

/// Train a naive Bayes model from one or more labelled CSV files and write one
/// self-describing model file. The same inputs give a byte-identical file for any --jobs.
#[derive(Debug, Parser)]
#[command(name = "pitchsift-train", version)]
struct Cli {
    /// Labelled CSV corpora with a header row (`-` reads standard input).
    #[arg(required = true)]
    corpus: Vec<PathBuf>,
    /// Where to write the model (written to a temporary file, then renamed).
    #[arg(short, long)]
    output: PathBuf,
    /// Worker threads (0 = all cores).
    #[arg(short, long, default_value_t = 0)]
    jobs: usize,
    /// No summary and no progress bar on stderr.
    #[arg(short, long)]
    quiet: bool,
    #[command(flatten)]
    csv: CsvArgs,
    #[command(flatten)]
    train: TrainArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    common::main_with("pitchsift-train", || run(cli))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let params = cli.train.params()?;
    common::check_inputs(&cli.corpus)?;
    common::init_threads(cli.jobs)?;
    let start = Instant::now();
    let csv = cli.csv.options(Some(&cli.train.label_col));
    let mut progress = common::Progress::new(
        common::total_size(&cli.corpus),
        cli.quiet,
        "pitchsift-train: counting",
    );
    let counts = train::count_csv(&cli.corpus, &csv, &params, &mut |docs, bytes| {
        progress.update(bytes, || format!("{docs} documents"))
    });
    progress.finish();
    let clf = pitchsift::Classifier::fit(counts?, &params, &train::describe(&cli.corpus))?;
    persist::save(&clf, &cli.output)?;
    if !cli.quiet {
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
            clf.features.len(),
            cli.output.display()
        );
    }
    Ok(())
}
