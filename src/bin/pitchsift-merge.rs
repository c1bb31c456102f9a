//! pitchsift-merge: combine models trained on disjoint shards into one model.

mod common;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use pitchsift::model_file;
use pitchsift::pipeline::train::{Corpora, Progress, Trainer};

/// Combine models trained with the same settings on disjoint parts of a corpus. The
/// result is byte-identical to the model trained on all the parts at once (vocabulary
/// selection and fitting are redone from the summed counts). Models trained with
/// different settings are refused.
#[derive(Debug, Parser)]
#[command(name = "pitchsift-merge", version)]
struct Cli {
    /// Model files to combine.
    #[arg(required = true)]
    models: Vec<PathBuf>,
    /// Where to write the merged model (written to a temporary file, then renamed).
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    run: common::RunArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    common::main_with("pitchsift-merge", || run(cli))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    // Every model must exist, and none may be replaced by the output.
    common::Files::default()
        .models("the model", &cli.models)
        .distinct(
            &cli.models,
            "a merge adds the counts of disjoint parts, so a model given twice would count twice",
        )
        .writes_model("the output", Some(&cli.output))
        .check()?;
    cli.run.init_threads()?;
    let start = Instant::now();
    let total = common::total_size(&cli.models);
    let mut progress = cli.run.bytes(total, "pitchsift-merge: loading");
    let clf = Trainer::merge(&cli.models)
        .train(&Corpora::new(&[]), &mut |p| {
            if let Progress::Read { docs, bytes } = p {
                progress.update(bytes, || format!("{docs} documents"))
            }
        })?
        .classifier;
    progress.finish();
    model_file::save(&clf, &cli.output)?;
    if !cli.run.quiet {
        let n: u64 = clf.class_docs.iter().sum();
        eprintln!(
            "pitchsift-merge: {} model{}, {n} documents, {} labels, {} terms counted, {} kept \
             as features, {:.2}s; model written to {}",
            cli.models.len(),
            if cli.models.len() == 1 { "" } else { "s" },
            clf.labels.len(),
            clf.info.n_terms,
            clf.n_features(),
            start.elapsed().as_secs_f64(),
            cli.output.display()
        );
        if clf.calibration.as_ref().is_some_and(|c| c.stale) {
            eprintln!(
                "pitchsift-merge: the calibration map is the first calibrated model's, kept \
                 STALE (not refitted on the merged model; retrain with --calibration to refit)"
            );
        }
    }
    Ok(())
}
