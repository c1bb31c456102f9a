//! Training from CSV files: read in batches (sequentially, keeping line numbers), count
//! each batch in parallel, fit.

use std::path::PathBuf;

use crate::classifier::Classifier;
use crate::corpus::{CsvOptions, CsvSource, RawRow};
use crate::counts::{CountBuilder, Counts, Doc};
use crate::error::Result;
use crate::params::ValidTrainParams;

/// Documents read per batch.
pub const BATCH: usize = 8192;

/// Count every labelled document of `inputs` (`-` is standard input).
/// `progress(docs, bytes)` is called after each batch with the documents counted and
/// the bytes of input read so far.
pub fn count_csv(
    inputs: &[PathBuf],
    csv: &CsvOptions,
    params: &ValidTrainParams,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Counts> {
    count_csv_skipping(inputs, csv, params, progress).map(|(c, _)| c)
}

/// [`count_csv`], also returning how many rows were left out for an empty label (only
/// with [`CsvOptions::skip_empty_label`]; otherwise such a row is an error).
pub fn count_csv_skipping(
    inputs: &[PathBuf],
    csv: &CsvOptions,
    params: &ValidTrainParams,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<(Counts, u64)> {
    let mut skipped = 0u64;
    let mut builder = CountBuilder::new(&params.analyzer, &params.fit)?;
    // Two row buffers: the next batch is read while the current one is counted.
    let mut cur: Vec<RawRow> = Vec::new();
    let mut next: Vec<RawRow> = Vec::new();
    let mut done_files = 0u64;
    for path in inputs {
        let mut src = CsvSource::open(path, csv)?;
        let mut n = src.read_batch(&mut cur, BATCH)?;
        while n > 0 {
            let mut docs = Vec::with_capacity(n);
            let mut texts = Vec::with_capacity(n);
            for row in &cur[..n] {
                let Some(label) = src.label_or_skip(row)? else {
                    skipped += 1;
                    continue;
                };
                let weight = src.weight(row)?;
                if weight == 0 {
                    continue;
                }
                let class = builder.class_id(label);
                texts.push((src.text(row)?, class, weight));
            }
            let pos = cur[n - 1].record.position().map_or(0, |p| p.byte());
            for (text, class, weight) in &texts {
                docs.push(Doc {
                    text,
                    class: *class,
                    weight: *weight,
                });
            }
            let (read, ()) =
                crate::par::join(|| src.read_batch(&mut next, BATCH), || builder.add(&docs));
            progress(builder.n_docs(), done_files + pos);
            drop(docs);
            drop(texts);
            std::mem::swap(&mut cur, &mut next);
            n = read?;
        }
        done_files += src.bytes_read();
    }
    Ok((builder.finish(), skipped))
}

/// A comma-separated list of the inputs, for messages.
pub fn describe(inputs: &[PathBuf]) -> String {
    inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Count and fit: a classifier from labelled CSV files.
pub fn train_csv(
    inputs: &[PathBuf],
    csv: &CsvOptions,
    params: &ValidTrainParams,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Classifier> {
    let counts = count_csv(inputs, csv, params, progress)?;
    Classifier::fit(counts, params, &describe(inputs))
}
