//! Training: the one [`Trainer`] behind `pitchsift-train` (a new model, `--update`,
//! `--calibration`) and `pitchsift-merge`, reporting through one progress callback.
//!
//! A new model streams its CSV corpora in batches (the next batch read while the current
//! one is counted) into [`CountBuilder`] and fits the counts; an update counts the new
//! corpora with the base model's settings and refits the summed counts
//! ([`grow::update_with`]); a merge sums the counts of model files ([`grow::merge`]). A
//! calibrated model needs its rows in memory for cross-validation: they are read into a
//! [`Dataset`] (with the same progress) and counted once per fold; the model is fitted on
//! the folds' sum and the map on out-of-fold scores ([`train_calibrated`]).
//!
//! ```
//! use pitchsift::pipeline::train::{Corpora, Trainer};
//! use pitchsift::params::TrainParams;
//! # let dir = tempfile::tempdir().unwrap();
//! # let path = dir.path().join("train.csv");
//! # std::fs::write(&path, "text,label\nbook a demo,sales\nnice talk,networking\n").unwrap();
//! let params = TrainParams::default().check().unwrap();
//! let inputs = [path];
//! let trained = Trainer::new(params)
//!     .train(&Corpora::new(&inputs), &mut |_| {})
//!     .unwrap();
//! assert_eq!(trained.classifier.labels, ["networking", "sales"]);
//! ```

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::corpus::{describe, Columns, CsvOptions, CsvSource, RawRow, BATCH};
use crate::error::{Error, Result};
use crate::eval::crossval::train_calibrated;
use crate::eval::cv::{Dataset, Sources};
use crate::grow;
use crate::model_file::{self, Load};
use crate::nb::calibrate::{self, Method};
use crate::nb::classifier::Classifier;
use crate::nb::counts::{CountBuilder, Counts, Doc};
use crate::params::ValidTrainParams;

/// What the trainer reports as it goes (the one progress callback of [`Trainer::train`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Input read so far: documents (for a merge, the models' documents) and bytes of
    /// the input files (for a merge, of the model files).
    Read {
        /// Documents read (counted) so far.
        docs: u64,
        /// Bytes of input read so far.
        bytes: u64,
    },
    /// All input is read; fitting (and, with calibration, cross-validation) starts.
    Fitting,
}

/// How to fit a calibration map ([`Trainer::calibrate`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Calibrate {
    /// The map.
    pub method: Method,
    /// Cross-validation folds (at least 2).
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// The column of the corpora naming each row's group: folds are grouped by it.
    pub group_col: Option<String>,
    /// Groups of fewer rows are pooled into one.
    pub min_group: usize,
}

impl Calibrate {
    /// `method` with the default folds and seed, ungrouped.
    pub fn new(method: Method) -> Calibrate {
        Calibrate {
            method,
            folds: calibrate::DEFAULT_FOLDS,
            seed: calibrate::DEFAULT_SEED,
            group_col: None,
            min_group: 1,
        }
    }
}

/// The labelled CSV corpora to train on.
#[derive(Debug, Clone)]
pub struct Corpora<'a> {
    /// The corpora (`-` is standard input).
    pub inputs: &'a [PathBuf],
    /// More corpora, trained on like `inputs`; with calibration they are in every
    /// fold's training set and never held out.
    pub always_train: &'a [PathBuf],
    /// How to read them. An update leaves out rows with an empty label (label files
    /// with rows not labelled yet) whatever [`CsvOptions::skip_empty_label`] says.
    pub csv: CsvOptions,
}

impl<'a> Corpora<'a> {
    /// `inputs` read with the default [`CsvOptions`].
    pub fn new(inputs: &'a [PathBuf]) -> Corpora<'a> {
        Corpora {
            inputs,
            always_train: &[],
            csv: CsvOptions::default(),
        }
    }

    /// Every corpus, `inputs` then `always_train`.
    fn all(&self) -> Vec<PathBuf> {
        self.inputs
            .iter()
            .chain(self.always_train)
            .cloned()
            .collect()
    }
}

/// What training gives.
#[derive(Debug)]
pub struct Trained {
    /// The model.
    pub classifier: Classifier,
    /// Rows left out for an empty label (an update only).
    pub skipped: u64,
    /// Labels an update added to its base model, in the model's order (empty otherwise).
    pub new_labels: Vec<String>,
}

/// Where a model starts from.
#[derive(Debug)]
enum Start {
    New(ValidTrainParams),
    Update(Box<Classifier>),
    Merge(Vec<PathBuf>),
}

/// One way to train: a new model, an update of a model, or a merge of models, with an
/// optional calibration map and count pruning. Build it, then call [`Trainer::train`].
#[derive(Debug)]
pub struct Trainer {
    start: Start,
    calibration: Option<Calibrate>,
    prune_counts: bool,
}

impl Trainer {
    /// A new model with `params`.
    pub fn new(params: ValidTrainParams) -> Trainer {
        Trainer::from(Start::New(params))
    }

    /// Add the corpora to `base` (loaded with [`Load::Full`]), with its own settings:
    /// byte-identical to training on the model's data and the corpora at once. Its
    /// calibration map is kept, marked stale.
    pub fn update(base: Classifier) -> Trainer {
        Trainer::from(Start::Update(Box::new(base)))
    }

    /// Combine the model files `models` (trained with the same settings on disjoint
    /// corpora), loaded one at a time: byte-identical to training on all their data.
    pub fn merge(models: &[PathBuf]) -> Trainer {
        Trainer::from(Start::Merge(models.to_vec()))
    }

    fn from(start: Start) -> Trainer {
        Trainer {
            start,
            calibration: None,
            prune_counts: false,
        }
    }

    /// Fit a calibration map on out-of-fold scores of the corpora (a new model only).
    pub fn calibrate(mut self, c: Option<Calibrate>) -> Trainer {
        self.calibration = c;
        self
    }

    /// Keep in the stored counts only the terms the vocabulary selection keeps
    /// ([`Classifier::prune_counts`]).
    pub fn prune_counts(mut self, on: bool) -> Trainer {
        self.prune_counts = on;
        self
    }

    /// Train on `data` (no corpora for a merge), calling `progress` as input is read and
    /// when fitting starts.
    ///
    /// Errors: [`Error::InvalidParam`] for calibration of an update or a merge, fewer
    /// than 2 calibration folds, corpora given to a merge or none to the rest; any error
    /// of reading, counting, fitting ([`Error::EmptyCorpus`] for no document) or growing
    /// ([`grow::merge`], [`grow::update_with`]).
    pub fn train(self, data: &Corpora<'_>, progress: &mut dyn FnMut(Progress)) -> Result<Trained> {
        let all = data.all();
        let mut skipped = 0;
        let mut base_labels: Option<Vec<String>> = None;
        if let Some(c) = &self.calibration {
            if !matches!(self.start, Start::New(_)) {
                return Err(Error::InvalidParam(
                    "a calibration map is fitted when a model is trained from scratch; an \
                     update or a merge keeps the sources' map, marked stale"
                        .into(),
                ));
            }
            if c.folds < 2 {
                return Err(Error::InvalidParam(
                    "calibration folds must be at least 2".into(),
                ));
            }
        }
        match (&self.start, all.is_empty()) {
            (Start::Merge(_), false) => {
                return Err(Error::InvalidParam("a merge takes no corpora".into()))
            }
            (Start::New(_) | Start::Update(_), true) => {
                return Err(Error::InvalidParam("no corpus to train on".into()))
            }
            _ => {}
        }
        let mut clf = match self.start {
            Start::New(params) => match &self.calibration {
                None => {
                    let counts = count_csv(&all, &data.csv, &params, progress)?.0;
                    progress(Progress::Fitting);
                    Classifier::fit(counts, &params, &describe(&all))?
                }
                Some(c) => calibrated(&params, data, c, progress)?,
            },
            Start::Update(base) => {
                base_labels = Some(base.labels.clone());
                let csv = CsvOptions {
                    skip_empty_label: true,
                    ..data.csv.clone()
                };
                grow::update_with(*base, &describe(&all), |params| {
                    let (counts, n) = count_csv(&all, &csv, params, progress)?;
                    skipped = n;
                    progress(Progress::Fitting);
                    Ok(counts)
                })?
            }
            Start::Merge(paths) => merge_files(&paths, progress)?,
        };
        if self.prune_counts {
            clf.prune_counts();
        }
        let new_labels = base_labels.map_or_else(Vec::new, |old| {
            clf.labels
                .iter()
                .filter(|l| !old.contains(l))
                .cloned()
                .collect()
        });
        Ok(Trained {
            classifier: clf,
            skipped,
            new_labels,
        })
    }
}

/// A new model with a calibration map: the rows in memory, each counted once, in its
/// fold; the model is the folds' sum, the map fitted on the out-of-fold scores.
fn calibrated(
    params: &ValidTrainParams,
    data: &Corpora<'_>,
    c: &Calibrate,
    progress: &mut dyn FnMut(Progress),
) -> Result<Classifier> {
    let sources = Sources {
        inputs: data.inputs,
        always_train: data.always_train,
        group_col: c.group_col.as_deref(),
    };
    let rows = Dataset::read(&sources, &data.csv, &mut |docs, bytes| {
        progress(Progress::Read { docs, bytes })
    })?;
    progress(Progress::Fitting);
    train_calibrated(
        &rows,
        params,
        &describe(&data.all()),
        c.method,
        c.folds,
        c.seed,
        c.min_group,
    )
}

/// Load the model files fully, one at a time, and [`grow::merge`] them.
fn merge_files(paths: &[PathBuf], progress: &mut dyn FnMut(Progress)) -> Result<Classifier> {
    let (mut docs, mut bytes) = (0u64, 0u64);
    let merged = grow::merge(paths.iter().map(|p| {
        let model = model_file::load(p, Load::Full);
        if let Ok(m) = &model {
            docs += m.class_docs.iter().sum::<u64>();
            bytes += std::fs::metadata(p).map_or(0, |m| m.len());
            progress(Progress::Read { docs, bytes });
        }
        (p.display().to_string(), model)
    }));
    progress(Progress::Fitting);
    merged
}

/// Count every labelled document of `inputs` (`-` is standard input), reading the next
/// batch while the current one is counted ([`CsvSource::for_each_batch`]); also returns how many rows were left out for
/// an empty label (only with [`CsvOptions::skip_empty_label`]; otherwise such a row is an
/// error).
fn count_csv(
    inputs: &[PathBuf],
    csv: &CsvOptions,
    params: &ValidTrainParams,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Counts, u64)> {
    let mut skipped = 0u64;
    let mut builder = CountBuilder::new(params.analyzer(), params.fit())?;
    let mut done_files = 0u64;
    // The documents counted so far, for progress (the builder is the counting side's).
    let counted = AtomicU64::new(0);
    for path in inputs {
        let mut src = CsvSource::open(path, csv)?;
        let mut count = |cols: &Columns, rows: &[RawRow]| -> Result<()> {
            let mut texts = Vec::with_capacity(rows.len());
            for row in rows {
                let Some(label) = cols.label_or_skip(row)? else {
                    skipped += 1;
                    continue;
                };
                let weight = cols.weight(row)?;
                if weight == 0 {
                    continue;
                }
                let class = builder.class_id(label);
                texts.push((cols.text(row)?, class, weight));
            }
            let docs: Vec<Doc> = texts
                .iter()
                .map(|(text, class, weight)| Doc {
                    text,
                    class: *class,
                    weight: *weight,
                })
                .collect();
            builder.add(&docs);
            counted.store(builder.n_docs(), Ordering::Relaxed);
            Ok(())
        };
        src.for_each_batch(BATCH, &mut count, &mut |_, end| {
            progress(Progress::Read {
                docs: counted.load(Ordering::Relaxed),
                bytes: done_files + end,
            })
        })?;
        done_files += src.bytes_read();
    }
    Ok((builder.finish(), skipped))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grow::update_docs;
    use crate::params::{ModelKind, TrainParams};
    use crate::test_util::{fit, CORPUS_A as A, CORPUS_B as B};

    /// An in-memory update gives the bytes of the Trainer's update of a CSV of the same rows
    /// (quoted fields, a label with spaces around it, a new label, a new word), and a
    /// calibration map is kept and marked stale.
    #[test]
    fn update_docs_equals_update_csv() {
        let p = TrainParams::default()
            .model(ModelKind::Complement)
            .min_df(2)
            .check()
            .unwrap();
        let rows = [
            ("book a \"quick\" call, today", " sales "),
            ("line one\nline two über", "networking"),
            ("send gift cards now", "scam"),
        ];
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("more.csv");
        let mut body = String::from("text,label\n");
        for (t, l) in rows {
            body.push_str(&format!("\"{}\",{l}\n", t.replace('"', "\"\"")));
        }
        std::fs::write(&csv, body).unwrap();
        let mut base = fit(&A, &p);
        base.calibration = Some(crate::nb::calibrate::Calibration::fit(
            crate::nb::calibrate::Method::Temperature,
            &[vec![0.0, -1.0], vec![-2.0, 0.0], vec![0.0, -3.0]],
            &[0, 1, 1],
            3,
            1,
        ));
        let inputs = [csv];
        let trained = Trainer::update(base.clone())
            .train(&Corpora::new(&inputs), &mut |_| {})
            .unwrap();
        assert_eq!(trained.skipped, 0);
        let by_csv = trained.classifier;
        assert!(by_csv.calibration.as_ref().unwrap().stale);
        let by_docs = update_docs(base, &rows).unwrap();
        assert_eq!(by_docs.labels, ["networking", "sales", "scam"]);
        assert!(by_docs.calibration.as_ref().unwrap().stale);
        let mut by_csv = by_csv;
        by_csv.calibration = by_docs.calibration.clone();
        assert_eq!(
            crate::model_file::to_bytes(&by_docs).unwrap(),
            crate::model_file::to_bytes(&by_csv).unwrap()
        );
        let err = update_docs(fit(&A, &p), &[("text", " ")]).unwrap_err();
        assert!(err.to_string().contains("document 1: empty label"), "{err}");
    }

    /// A calibrated model counts each row once, in its fold: its counts and weights are
    /// those of the same corpora trained without calibration (the folds' sum is exact,
    /// always-train rows included), whatever the thread count; only the map differs.
    /// An empty corpus is said to be empty, not too small for the folds, and the fit's
    /// other errors are the plain training's.
    #[test]
    fn calibrated_model_is_the_plain_model_plus_a_map() {
        let p = TrainParams::default()
            .model(ModelKind::Complement)
            .check()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, rows: &[(&str, &str)]| {
            let path = dir.path().join(name);
            let mut body = String::from("text,label\n");
            for (t, l) in rows {
                body.push_str(&format!("{t},{l}\n"));
            }
            std::fs::write(&path, body).unwrap();
            path
        };
        let real: Vec<(String, &str)> = (0..12)
            .map(|i| {
                let (t, l) = [A[0], A[1], B[0], B[1], B[2], A[2]][i % 6];
                (format!("{t} {i}"), l)
            })
            .collect();
        let real: Vec<(&str, &str)> = real.iter().map(|(t, l)| (t.as_str(), *l)).collect();
        let inputs = [write("real.csv", &real)];
        let always = [write("written.csv", &B)];
        let data = Corpora {
            always_train: &always,
            ..Corpora::new(&inputs)
        };
        let plain = Trainer::new(p.clone()).train(&data, &mut |_| {}).unwrap();
        for threads in [1, 3] {
            let calibrated = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    Trainer::new(p.clone())
                        .calibrate(Some(Calibrate {
                            folds: 3,
                            ..Calibrate::new(Method::Isotonic)
                        }))
                        .train(&data, &mut |_| {})
                })
                .unwrap()
                .classifier;
            assert!(calibrated.calibration.is_some());
            assert_eq!(
                calibrated.counts, plain.classifier.counts,
                "threads {threads}"
            );
            let mut without = calibrated.clone();
            without.calibration = None;
            assert_eq!(
                crate::model_file::to_bytes(&without).unwrap(),
                crate::model_file::to_bytes(&plain.classifier).unwrap()
            );
        }
        let empty = [write("empty.csv", &[])];
        let err = Trainer::new(p.clone())
            .calibrate(Some(Calibrate::new(Method::Isotonic)))
            .train(&Corpora::new(&empty), &mut |_| {})
            .unwrap_err();
        assert!(matches!(err, Error::EmptyCorpus { .. }), "{err}");
        // The fit's own errors (checked before the folds' work, the fit itself comes
        // after it): a --min-df no term reaches is the same error with or without
        // calibration.
        let rare = TrainParams::default().min_df(1000).check().unwrap();
        let plain = Trainer::new(rare.clone())
            .train(&data, &mut |_| {})
            .unwrap_err();
        let calibrated = Trainer::new(rare)
            .calibrate(Some(Calibrate::new(Method::Isotonic)))
            .train(&data, &mut |_| {})
            .unwrap_err();
        assert!(plain.to_string().contains("--min-df 1000"), "{plain}");
        assert_eq!(calibrated.to_string(), plain.to_string());
    }

    /// Calibration is refused for an update, and corpora for a merge.
    #[test]
    fn refuses_what_it_cannot_do() {
        let p = TrainParams::default().check().unwrap();
        let inputs = [PathBuf::from("x.csv")];
        let err = Trainer::update(fit(&A, &p))
            .calibrate(Some(Calibrate::new(Method::Temperature)))
            .train(&Corpora::new(&inputs), &mut |_| {})
            .unwrap_err();
        assert!(err.to_string().contains("from scratch"), "{err}");
        let err = Trainer::merge(&inputs)
            .train(&Corpora::new(&inputs), &mut |_| {})
            .unwrap_err();
        assert!(
            err.to_string().contains("a merge takes no corpora"),
            "{err}"
        );
    }
}
