//! Stratified k-fold cross-validation: fold assignment, a labelled in-memory
//! [`Dataset`], and out-of-fold joint log-likelihoods.
//!
//! Counting is the expensive part of training, so each fold is counted once
//! ([`FoldCounts::new`]) and every training set is the whole dataset's counts
//! [`Counts::minus`] the fold's. Settings that only change fitting (model, alpha, prior, min_df,
//! max_features, weight_norm, idf) reuse those counts ([`FoldCounts::predict`]); only
//! the analyzer and the per-document transforms (tf, norm) need a recount
//! ([`FoldCounts::compatible`]).
//!
//! ```
//! use pitchsift::eval::cv::{cross_val_predict, stratified_folds, Dataset};
//! use pitchsift::params::TrainParams;
//! let data = Dataset::from_rows([
//!     ("book a demo today", "sales"), ("demo of our platform", "sales"),
//!     ("great to meet you", "networking"), ("nice meeting you at the talk", "networking"),
//! ]);
//! assert_eq!(stratified_folds(&data.classes, 2, 7).len(), 4);
//! let params = TrainParams::default().check().unwrap();
//! let jll = cross_val_predict(&data, &params, 2, 7).unwrap();
//! assert_eq!(jll.len(), 4);
//! assert_eq!(jll[0].len(), data.labels.len());
//! ```

use std::path::PathBuf;

use crate::par::*;

use crate::corpus::{Columns, CsvOptions, CsvSource, RawRow};
use crate::error::{Error, Result};
use crate::features::fingerprint::{fingerprint, Index};
use crate::nb::classifier::Classifier;
use crate::nb::counts::{count_keys, l2_norm, tf_weight, CountBuilder, Counts, Doc};
use crate::nb::model::{fit_counts, select_features};
use crate::params::{DocNorm, FitParams, Prior, ValidTrainParams};
use crate::text::{Analyzer, AnalyzerConfig};

/// A small seeded pseudo-random generator (splitmix64, Steele et al. 2014). Kept here
/// so that fold assignments never change with a dependency's version.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift (bias below 2^-32 for the
    /// sizes used here).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// Shuffle in place (Fisher-Yates).
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            v.swap(i, j);
        }
    }
}

/// The fold (`0..k`) of every row, stratified by class.
///
/// The rows of each class are shuffled with the seed and dealt round-robin to the
/// folds; the deal of each class starts where the previous class's ended. So every row
/// is in exactly one fold, each class has `floor(n_c / k)` or `ceil(n_c / k)` rows in
/// each fold, fold sizes differ by at most one, and the same seed gives the same folds.
/// `k` must be at least 1.
///
/// ```
/// use pitchsift::eval::cv::stratified_folds;
/// let classes = [0, 0, 0, 0, 1, 1];
/// let folds = stratified_folds(&classes, 2, 42);
/// for f in 0..2 {
///     let n0 = (0..4).filter(|&i| folds[i] == f).count();
///     let n1 = (4..6).filter(|&i| folds[i] == f).count();
///     assert_eq!((n0, n1), (2, 1));
/// }
/// assert_eq!(folds, stratified_folds(&classes, 2, 42));
/// ```
pub fn stratified_folds(classes: &[u32], k: usize, seed: u64) -> Vec<u32> {
    assert!(k >= 1, "k must be at least 1");
    let n_classes = classes.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); n_classes];
    for (i, &c) in classes.iter().enumerate() {
        by_class[c as usize].push(i);
    }
    let mut rng = SplitMix64::new(seed);
    let mut folds = vec![0u32; classes.len()];
    let mut next = 0usize;
    for rows in &mut by_class {
        rng.shuffle(rows);
        for &r in rows.iter() {
            folds[r] = (next % k) as u32;
            next += 1;
        }
    }
    folds
}

/// Pool the groups of fewer than `min_group` rows into one group (numbered after the
/// largest group id); the others keep their ids.
pub fn pool_small_groups(groups: &[u32], min_group: usize) -> Vec<u32> {
    let mut size: std::collections::BTreeMap<u32, usize> = Default::default();
    for &g in groups {
        *size.entry(g).or_default() += 1;
    }
    let pooled = size.keys().next_back().map_or(0, |&g| g.saturating_add(1));
    groups
        .iter()
        .map(|g| if size[g] < min_group { pooled } else { *g })
        .collect()
}

/// Grouped fold assignment: no group is split across folds. Groups are taken largest
/// first (ties in an order shuffled by `seed`) and each goes to the fold with the fewest
/// rows so far (ties: the lowest fold), as scikit-learn's `GroupKFold` balances them.
/// With `k` equal to the number of groups, every group is a fold of its own
/// (leave-one-group-out).
///
/// ```
/// use pitchsift::eval::cv::grouped_folds;
/// let groups = [0, 0, 0, 1, 1, 2];
/// let folds = grouped_folds(&groups, 3, 7);
/// assert!(folds[0] == folds[1] && folds[1] == folds[2]);
/// assert_eq!(folds[3], folds[4]);
/// let mut distinct = vec![folds[0], folds[3], folds[5]];
/// distinct.sort();
/// assert_eq!(distinct, [0, 1, 2]);
/// ```
pub fn grouped_folds(groups: &[u32], k: usize, seed: u64) -> Vec<u32> {
    assert!(k >= 1, "k must be at least 1");
    let mut size: std::collections::BTreeMap<u32, usize> = Default::default();
    for &g in groups {
        *size.entry(g).or_default() += 1;
    }
    let mut order: Vec<(u32, usize)> = size.into_iter().collect();
    SplitMix64::new(seed).shuffle(&mut order);
    // Stable: equal sizes keep their shuffled order.
    order.sort_by_key(|g| std::cmp::Reverse(g.1));
    let mut load = vec![0usize; k];
    let mut fold_of: std::collections::BTreeMap<u32, u32> = Default::default();
    for (g, n) in order {
        let f = (0..k).min_by_key(|&f| (load[f], f)).expect("k >= 1");
        load[f] += n;
        fold_of.insert(g, f as u32);
    }
    groups.iter().map(|g| fold_of[g]).collect()
}

/// Labelled messages held in memory: the texts, the sorted distinct labels, the class
/// (index into `labels`) of every text, its training weight, its group (for grouped
/// cross-validation) and whether it is always in training (never held out).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dataset {
    /// The messages.
    pub texts: Vec<String>,
    /// Distinct labels, sorted.
    pub labels: Vec<String>,
    /// The class of each text (index into `labels`).
    pub classes: Vec<u32>,
    /// The training weight of each text (see [`crate::nb::counts::Doc::weight`]); 0 leaves it
    /// out of training.
    pub weights: Vec<u32>,
    /// The group of each text (index into `group_names`); empty when not grouped.
    pub groups: Vec<u32>,
    /// Distinct group names, sorted.
    pub group_names: Vec<String>,
    /// Texts in every training set of a cross-validation and never held out (empty:
    /// none).
    pub always_train: Vec<bool>,
}

/// Where the rows of a [`Dataset`] come from.
#[derive(Debug, Clone, Default)]
pub struct Sources<'a> {
    /// Rows that cross-validation holds out, fold by fold.
    pub inputs: &'a [PathBuf],
    /// Rows in every training set, never held out (a written corpus, say).
    pub always_train: &'a [PathBuf],
    /// The column of `inputs` that names each row's group: no group is split across
    /// folds.
    pub group_col: Option<&'a str>,
}

impl Dataset {
    /// Build from `(text, label)` pairs.
    pub fn from_rows<T: Into<String>, L: AsRef<str>>(
        rows: impl IntoIterator<Item = (T, L)>,
    ) -> Dataset {
        let mut texts = Vec::new();
        let mut raw: Vec<String> = Vec::new();
        for (t, l) in rows {
            texts.push(t.into());
            raw.push(l.as_ref().to_string());
        }
        let mut labels = raw.clone();
        labels.sort();
        labels.dedup();
        let classes = raw
            .iter()
            .map(|l| labels.binary_search(l).expect("label present") as u32)
            .collect();
        Dataset {
            weights: vec![1; texts.len()],
            texts,
            labels,
            classes,
            ..Dataset::default()
        }
    }

    /// Read every labelled row of `inputs` (`-` is standard input), with its weight.
    pub fn from_csv(inputs: &[PathBuf], csv: &CsvOptions) -> Result<Dataset> {
        Self::from_sources(
            &Sources {
                inputs,
                ..Sources::default()
            },
            csv,
        )
    }

    /// Read every labelled row of the sources, with its weight, its group (when
    /// `group_col` is given; an empty group is an error) and whether it is always in
    /// training. Rows of weight 0 are kept (they are scored, never trained on).
    pub fn from_sources(sources: &Sources<'_>, csv: &CsvOptions) -> Result<Dataset> {
        Self::read(sources, csv, &mut |_, _| {})
    }

    /// [`Dataset::from_sources`], calling `progress(rows, bytes)` after each batch of
    /// [`crate::corpus::BATCH`] rows with the rows and the bytes of input read so far.
    pub fn read(
        sources: &Sources<'_>,
        csv: &CsvOptions,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<Dataset> {
        let mut rows: Vec<(String, String)> = Vec::new();
        let mut weights = Vec::new();
        let mut group_of: Vec<Option<String>> = Vec::new();
        let mut always = Vec::new();
        let (mut n_rows, mut done_files) = (0u64, 0u64);
        let all = sources
            .inputs
            .iter()
            .map(|p| (p, false))
            .chain(sources.always_train.iter().map(|p| (p, true)));
        for (path, fixed) in all {
            let mut src = CsvSource::open(path, csv)?;
            let group_idx = match sources.group_col {
                Some(col) if !fixed => Some(src.column(col)?),
                _ => None,
            };
            let mut add = |cols: &Columns, batch: &[RawRow]| -> Result<()> {
                for row in batch {
                    let label = cols.label(row)?.to_string();
                    weights.push(cols.weight(row)?);
                    group_of.push(match group_idx {
                        Some(i) => {
                            let g = cols.field(row, i)?;
                            if g.is_empty() {
                                return Err(Error::BadField {
                                    location: cols.location(row.line, i),
                                    message: "empty group".into(),
                                });
                            }
                            Some(g.to_string())
                        }
                        None => None,
                    });
                    always.push(fixed);
                    rows.push((cols.text(row)?.into_owned(), label));
                }
                Ok(())
            };
            src.for_each_batch(crate::corpus::BATCH, &mut add, &mut |k, end| {
                n_rows += k as u64;
                progress(n_rows, done_files + end)
            })?;
            done_files += src.bytes_read();
        }
        let mut data = Dataset::from_rows(rows);
        data.weights = weights;
        if sources.group_col.is_some() {
            let mut names: Vec<String> = group_of.iter().flatten().cloned().collect();
            names.sort();
            names.dedup();
            data.groups = group_of
                .iter()
                .map(|g| {
                    g.as_ref()
                        .map_or(u32::MAX, |g| names.binary_search(g).expect("group") as u32)
                })
                .collect();
            data.group_names = names;
        }
        if always.iter().any(|&a| a) {
            data.always_train = always;
        }
        Ok(data)
    }

    /// Is row `i` in every training set (never held out)?
    pub fn is_always_train(&self, i: usize) -> bool {
        self.always_train.get(i).copied().unwrap_or(false)
    }

    /// The rows cross-validation holds out (all but the always-train rows).
    pub fn held_out_rows(&self) -> usize {
        (0..self.len())
            .filter(|&i| !self.is_always_train(i))
            .count()
    }

    /// The group of each of the `held` rows, groups of fewer than `min_group` of them
    /// pooled into one, numbered after the largest group id among them
    /// ([`pool_small_groups`]).
    pub fn pooled_groups(&self, held: &[usize], min_group: usize) -> Vec<u32> {
        let groups: Vec<u32> = held.iter().map(|&i| self.groups[i]).collect();
        pool_small_groups(&groups, min_group)
    }

    /// The fold of every row for `k`-fold cross-validation: grouped when the dataset
    /// has groups ([`grouped_folds`], groups of fewer than `min_group` rows pooled into
    /// one), else stratified by label ([`stratified_folds`]). Always-train rows get
    /// fold `k`, which no fold holds out.
    pub fn folds(&self, k: usize, seed: u64, min_group: usize) -> Result<Vec<u32>> {
        let held: Vec<usize> = (0..self.len())
            .filter(|&i| !self.is_always_train(i))
            .collect();
        let assigned = if self.groups.is_empty() {
            let classes: Vec<u32> = held.iter().map(|&i| self.classes[i]).collect();
            stratified_folds(&classes, k, seed)
        } else {
            let pooled = self.pooled_groups(&held, min_group);
            let n_groups = pooled
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            if k > n_groups {
                return Err(Error::InvalidParam(format!(
                    "cannot make {k} folds from {n_groups} group{}{}",
                    if n_groups == 1 { "" } else { "s" },
                    if min_group > 1 {
                        format!(" (groups under {min_group} rows pooled into one)")
                    } else {
                        String::new()
                    }
                )));
            }
            grouped_folds(&pooled, k, seed)
        };
        let mut folds = vec![k as u32; self.len()];
        for (&i, f) in held.iter().zip(assigned) {
            folds[i] = f;
        }
        Ok(folds)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.texts.len()
    }

    /// No rows?
    pub fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// The label of row `i`.
    pub fn label(&self, i: usize) -> &str {
        &self.labels[self.classes[i] as usize]
    }

    /// Rows per class.
    pub fn class_counts(&self) -> Vec<u64> {
        let mut n = vec![0u64; self.labels.len()];
        for &c in &self.classes {
            n[c as usize] += 1;
        }
        n
    }

    /// Count the rows selected by `keep` (all rows when `None`).
    pub fn count(
        &self,
        analyzer: &AnalyzerConfig,
        fit: &FitParams,
        keep: Option<&dyn Fn(usize) -> bool>,
    ) -> Result<Counts> {
        let mut b = CountBuilder::new(analyzer, fit)?;
        let mut docs = Vec::new();
        for (i, text) in self.texts.iter().enumerate() {
            if keep.is_none_or(|k| k(i)) {
                let weight = self.weights.get(i).copied().unwrap_or(1);
                if weight > 0 {
                    let class = b.class_id(self.label(i));
                    docs.push(Doc {
                        text,
                        class,
                        weight,
                    });
                }
            }
        }
        b.add(&docs);
        Ok(b.finish())
    }

    /// Train a classifier on all rows (`inputs` names the data in error messages).
    pub fn train(&self, params: &ValidTrainParams, inputs: &str) -> Result<Classifier> {
        let counts = self.count(params.analyzer(), params.fit(), None)?;
        Classifier::fit(counts, params, inputs)
    }
}

/// A held-out document, analysed once against its training set's terms.
struct HeldOut {
    /// Row in the dataset.
    row: usize,
    /// `(index into the training counts' terms, term frequency)`, sorted by index.
    terms: Vec<(u32, u32)>,
    /// The L2 norm of the document's transformed term weights over all its terms
    /// (1 without length normalisation), as [`crate::nb::classifier::Scorer`] computes it.
    norm: f64,
}

/// The out-of-fold joint log-likelihoods of one fold's rows: `(row, jll)`.
type FoldScores = Vec<(usize, Vec<f64>)>;

/// One fold: the statistics of its training set (every other fold) and its held-out
/// documents.
struct Fold {
    train: Counts,
    held_out: Vec<HeldOut>,
}

/// The folds of a dataset counted once for one analyzer and one per-document
/// transform (tf, norm), ready to fit and score any [`FitParams`] that share them.
///
/// Kept are the whole dataset's counts and each fold's own; a fold's training set (the
/// whole minus the fold, [`Counts::minus`]) is built when it is scored and dropped after,
/// one fold at a time (each step of it parallel), so memory grows with the counts of the
/// whole dataset, not with `k` or the threads.
pub struct FoldCounts<'d> {
    data: &'d Dataset,
    folds: &'d [u32],
    params: ValidTrainParams,
    k: usize,
    /// The counts of every row.
    all: Counts,
    /// The counts of fold `f`'s rows, `f` in `0..k`, and of the always-train rows last
    /// when there are some.
    parts: Vec<Counts>,
    step: &'d (dyn Fn() + Sync),
}

impl std::fmt::Debug for FoldCounts<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FoldCounts")
            .field("analyzer", self.params.analyzer())
            .field("k", &self.k)
            .field("n_rows", &self.data.len())
            .finish()
    }
}

/// Check the fold count against the data.
pub fn check_k(data: &Dataset, k: usize) -> Result<()> {
    if k < 2 {
        return Err(Error::InvalidParam(format!(
            "cross-validation needs at least 2 folds (got {k})"
        )));
    }
    if k > data.len() {
        return Err(Error::InvalidParam(format!(
            "cannot make {k} folds from {} rows",
            data.len()
        )));
    }
    Ok(())
}

/// The progress callback of [`FoldCounts::new`].
fn no_step() {}

impl<'d> FoldCounts<'d> {
    /// Count every fold of `folds` (the fold of each row, `0..k`) once, in parallel.
    /// Each fold's training statistics (every row's counts minus the fold's) are built,
    /// and its held-out documents analysed against them, when the folds are scored.
    pub fn new(
        data: &'d Dataset,
        folds: &'d [u32],
        k: usize,
        params: &ValidTrainParams,
    ) -> Result<FoldCounts<'d>> {
        Self::with_progress(data, folds, k, params, &no_step)
    }

    /// [`FoldCounts::new`], calling `step` (from any worker thread) after each of its
    /// `2 k` steps: every fold counted (here), then every fold's training set built and
    /// its held-out rows analysed (in [`FoldCounts::predict`] or
    /// [`FoldCounts::predict_many`], which the binaries call once). Binaries drive
    /// progress bars with it.
    pub fn with_progress(
        data: &'d Dataset,
        folds: &'d [u32],
        k: usize,
        params: &ValidTrainParams,
        step: &'d (dyn Fn() + Sync),
    ) -> Result<FoldCounts<'d>> {
        check_k(data, k)?;
        // Fold `k` holds the always-train rows: in every training set (in `all`, never
        // taken away), never held out.
        if folds.len() != data.len() || folds.iter().any(|&f| f as usize > k) {
            return Err(Error::InvalidParam(
                "fold assignment does not match the data".into(),
            ));
        }
        let (analyzer, fit) = (params.analyzer(), params.fit());
        let n_parts = if folds.iter().any(|&f| f as usize == k) {
            k + 1
        } else {
            k
        };
        let parts: Vec<Counts> = (0..n_parts)
            .into_par_iter()
            .map(|f| {
                let c = data.count(analyzer, fit, Some(&|i| folds[i] as usize == f));
                step();
                c
            })
            .collect::<Result<_>>()?;
        let all = merge_tree(&parts)?;
        Ok(FoldCounts {
            data,
            folds,
            params: params.clone(),
            k,
            all,
            parts,
            step,
        })
    }

    /// The counts of every row (the folds' sum).
    pub fn all(&self) -> &Counts {
        &self.all
    }

    /// The counts of every row, the rest dropped.
    pub fn into_all(self) -> Counts {
        self.all
    }

    /// Number of folds.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Can `params` be fitted from these counts (same analyzer, tf and norm)?
    pub fn compatible(&self, params: &ValidTrainParams) -> bool {
        self.params.analyzer() == params.analyzer()
            && self.params.fit().tf == params.fit().tf
            && self.params.fit().norm == params.fit().norm
    }

    /// Out-of-fold joint log-likelihoods for fitting settings `fit` (which must share
    /// tf and norm with the counts): for every row, the jll of every label of the whole
    /// dataset (sorted), from the model trained without the row's fold. A label absent
    /// from a fold's training set gets `-inf` (probability 0). Always-train rows (fold
    /// `k`) get an empty vector.
    pub fn predict(&self, fit: &FitParams) -> Result<Vec<Vec<f64>>> {
        let mut all = self.predict_many(std::slice::from_ref(fit))?;
        Ok(all.pop().expect("one setting"))
    }

    /// [`FoldCounts::predict`] for each of `fits` (a grid's settings): each fold's
    /// training set is built once for all of them. Folds are scored one at a time, the
    /// settings of a fold and its rows in parallel.
    pub fn predict_many(&self, fits: &[FitParams]) -> Result<Vec<Vec<Vec<f64>>>> {
        for fit in fits {
            fit.check()?;
            if fit.tf != self.params.fit().tf || fit.norm != self.params.fit().norm {
                return Err(Error::InvalidParam(
                    "tf and norm must match the settings the folds were counted with".into(),
                ));
            }
        }
        let labels = &self.data.labels;
        let mut out = vec![vec![Vec::new(); self.data.len()]; fits.len()];
        // One fold at a time, each step of it parallel: a fold's training set and model
        // are near the size of the whole dataset's, so holding one per thread doubled
        // the peak memory of a calibrated training for little speed.
        for f in 0..self.k {
            let fold = self.fold(f)?;
            let per_fit: Vec<FoldScores> = fits
                .par_iter()
                .map(|fit| predict_fold(&fold, labels, fit))
                .collect::<Result<_>>()?;
            drop(fold);
            for (o, rows) in out.iter_mut().zip(per_fit) {
                for (row, jll) in rows {
                    o[row] = jll;
                }
            }
        }
        Ok(out)
    }

    /// Fold `f`'s training set (every row but the fold's) and its held-out rows
    /// analysed against it.
    fn fold(&self, f: usize) -> Result<Fold> {
        let train = self.all.minus(&self.parts[f])?;
        let held_out = analyse_held_out(self.data, self.folds, f as u32, &train, &self.params)?;
        (self.step)();
        Ok(Fold { train, held_out })
    }
}

/// The sum of `parts` ([`Counts::merge`] is associative), merged pairwise in parallel:
/// cheaper than counting the rows again.
fn merge_tree(parts: &[Counts]) -> Result<Counts> {
    match parts {
        [] => Err(Error::InvalidParam("no folds".into())),
        [one] => Ok(one.clone()),
        [a, b] => a.merge(b),
        _ => {
            let (left, right) = parts.split_at(parts.len() / 2);
            let (l, r) = join(|| merge_tree(left), || merge_tree(right));
            l?.merge(&r?)
        }
    }
}

fn analyse_held_out(
    data: &Dataset,
    folds: &[u32],
    fold: u32,
    train: &Counts,
    params: &ValidTrainParams,
) -> Result<Vec<HeldOut>> {
    // The fingerprint table prediction looks terms up in (built in parallel; a
    // `HashMap<&str, u32>` of a large vocabulary took a serial pass and three times the
    // memory).
    let index = Index::for_terms(&train.terms);
    let rows: Vec<usize> = (0..data.len()).filter(|&i| folds[i] == fold).collect();
    let analyzer = Analyzer::new(params.analyzer().clone())?;
    let fit = params.fit();
    let need_norm = fit.norm == DocNorm::L2;
    Ok(rows
        .par_iter()
        .map_init(
            || (analyzer.clone(), Vec::new(), Vec::new(), Vec::new()),
            |(an, keys, tfs, buf), &row| {
                keys.clear();
                an.for_each_term(&data.texts[row], |t| {
                    keys.push(fingerprint(t.as_bytes(), index.seed))
                });
                // Grouped by key, exactly as the scorer does at prediction time.
                count_keys(keys, tfs);
                let terms = index.find_counted(keys, tfs);
                let norm = if need_norm {
                    l2_norm(tfs.iter().copied(), buf, fit.tf)
                } else {
                    1.0
                };
                HeldOut { row, terms, norm }
            },
        )
        .collect())
}

fn predict_fold(fold: &Fold, labels: &[String], fit: &FitParams) -> Result<FoldScores> {
    let train = &fold.train;
    // Position of each training label among the dataset's labels.
    let to_data: Vec<usize> = train
        .labels
        .iter()
        .map(|l| labels.binary_search(l).expect("training label in dataset"))
        .collect();
    let blank = vec![f64::NEG_INFINITY; labels.len()];
    if train.labels.len() < 2 {
        // Every training document has one label: it is the only possible answer.
        let mut jll = blank.clone();
        jll[to_data[0]] = 0.0;
        return Ok(fold.held_out.iter().map(|d| (d.row, jll.clone())).collect());
    }
    let mut fit = fit.clone();
    if let Prior::Given(map) = &fit.prior {
        // Priors of labels this training set lacks do not apply to it.
        let kept = map
            .iter()
            .filter(|(l, _)| train.labels.contains(l))
            .map(|(l, v)| (l.clone(), *v))
            .collect();
        fit.prior = Prior::Given(kept);
    }
    let selected = select_features(train, &fit);
    let model = fit_counts(train, &selected, &fit)?;
    let mut feature_of = vec![u32::MAX; train.n_terms()];
    for (f, &t) in selected.iter().enumerate() {
        feature_of[t as usize] = f as u32;
    }
    Ok(fold
        .held_out
        .par_iter()
        .map_init(
            || vec![0.0; train.labels.len()],
            |local, d| {
                let feats = d.terms.iter().filter_map(|&(t, tf)| {
                    let f = feature_of[t as usize];
                    (f != u32::MAX).then(|| (f, tf_weight(tf, fit.tf) / d.norm))
                });
                model.jll_sparse(feats, local);
                let mut jll = blank.clone();
                for (c, &v) in local.iter().enumerate() {
                    jll[to_data[c]] = v;
                }
                (d.row, jll)
            },
        )
        .collect())
}

/// Out-of-fold joint log-likelihoods by stratified `k`-fold cross-validation: for
/// every row of `data`, the jll of every label in `data.labels` (sorted) from the model
/// trained on the other folds (`-inf` for a label that training set lacks). Same data,
/// parameters and seed give the same result, whatever the thread count.
pub fn cross_val_predict(
    data: &Dataset,
    params: &ValidTrainParams,
    k: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>> {
    check_k(data, k)?;
    let folds = data.folds(k, seed, 1)?;
    FoldCounts::new(data, &folds, k, params)?.predict(params.fit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{ModelKind, TermWeight, TrainParams};

    fn toy() -> Dataset {
        let mut rows = Vec::new();
        for i in 0..30 {
            rows.push((format!("book a demo of our product {i}"), "sales"));
            rows.push((
                format!("great meeting you at the conference {i}"),
                "networking",
            ));
            if i % 3 == 0 {
                rows.push((format!("send a gift card to claim prize {i}"), "scam"));
            }
        }
        Dataset::from_rows(rows)
    }

    /// A model trained from scratch on the rows outside fold `f`: what the fold counts'
    /// out-of-fold scores of fold `f` must equal.
    fn fit_without_fold(
        data: &Dataset,
        folds: &[u32],
        f: u32,
        params: &crate::params::ValidTrainParams,
    ) -> crate::nb::classifier::Classifier {
        let train = Dataset::from_rows(
            (0..data.len())
                .filter(|&i| folds[i] != f)
                .map(|i| (data.texts[i].clone(), data.label(i))),
        );
        train.train(params, "fold").unwrap()
    }
    #[test]
    fn folds_cover_every_row_once_and_are_stratified() {
        let data = toy();
        for k in [2, 3, 7, 10] {
            let folds = stratified_folds(&data.classes, k, 5);
            assert_eq!(folds.len(), data.len());
            assert!(folds.iter().all(|&f| (f as usize) < k));
            let counts = data.class_counts();
            for (c, &n) in counts.iter().enumerate() {
                for f in 0..k as u32 {
                    let in_fold = (0..data.len())
                        .filter(|&i| data.classes[i] == c as u32 && folds[i] == f)
                        .count() as u64;
                    assert!(in_fold == n / k as u64 || in_fold == n.div_ceil(k as u64));
                }
            }
            let sizes: Vec<usize> = (0..k as u32)
                .map(|f| folds.iter().filter(|&&x| x == f).count())
                .collect();
            assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
        }
    }

    #[test]
    fn same_seed_same_folds_other_seed_other_folds() {
        let data = toy();
        let a = stratified_folds(&data.classes, 5, 1);
        assert_eq!(a, stratified_folds(&data.classes, 5, 1));
        assert_ne!(a, stratified_folds(&data.classes, 5, 2));
    }

    #[test]
    fn splitmix_reference_values() {
        // Reference output of Vigna's splitmix64.c seeded with 0 (also the first values of
        // Java's SplittableRandom(0).nextLong()): 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4.
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(r.next_u64(), 0x6e78_9e6a_a1b9_65f4);
    }

    /// Out-of-fold jll must equal training on the other folds from scratch and scoring
    /// with the ordinary classifier.
    #[test]
    fn grouped_folds_never_split_a_group_and_balance_rows() {
        // 6 groups of sizes 5, 4, 3, 3, 2, 1 (18 rows) into 3 folds.
        let sizes = [5usize, 4, 3, 3, 2, 1];
        let groups: Vec<u32> = sizes
            .iter()
            .enumerate()
            .flat_map(|(g, &n)| std::iter::repeat_n(g as u32, n))
            .collect();
        for seed in 0..5 {
            let folds = grouped_folds(&groups, 3, seed);
            for g in 0..6u32 {
                let f: std::collections::BTreeSet<u32> = (0..groups.len())
                    .filter(|&i| groups[i] == g)
                    .map(|i| folds[i])
                    .collect();
                assert_eq!(f.len(), 1, "group {g} split across folds {f:?}");
            }
            // Largest first, each to the lightest fold: 5 | 4 | 3, then 3 -> the 3,
            // 2 -> the 4, 1 -> the 5: 6, 6, 6 rows.
            let mut load = [0; 3];
            for &f in &folds {
                load[f as usize] += 1;
            }
            assert_eq!(load, [6, 6, 6]);
        }
        // k = number of groups: leave one group out.
        let folds = grouped_folds(&groups, 6, 3);
        let mut seen: Vec<u32> = (0..6u32)
            .map(|g| folds[groups.iter().position(|&x| x == g).unwrap()])
            .collect();
        seen.sort();
        assert_eq!(seen, [0, 1, 2, 3, 4, 5]);
    }

    #[test]
    fn small_groups_pool_into_one() {
        let pooled = pool_small_groups(&[0, 0, 0, 1, 2, 2, 3], 2);
        assert_eq!(pooled, [0, 0, 0, 4, 2, 2, 4]);
        assert_eq!(pool_small_groups(&[0, 1], 1), [0, 1]);
    }

    #[test]
    fn always_train_rows_are_trained_on_in_every_fold_and_never_scored() {
        // Held-out rows in 3 groups, plus always-train rows; each fold's scores equal a
        // classifier trained from scratch on the other groups and the always-train rows.
        let base = toy();
        let n = base.len();
        let extra = [
            ("we are hiring a rust engineer", "recruiting"),
            ("our team is hiring, remote role", "recruiting"),
        ];
        let mut data = Dataset::from_rows(
            (0..n)
                .map(|i| (base.texts[i].clone(), base.label(i)))
                .chain(extra.iter().map(|&(t, l)| (t.to_string(), l))),
        );
        data.groups = (0..n)
            .map(|i| (i % 3) as u32)
            .chain([u32::MAX; 2])
            .collect();
        data.group_names = vec!["a".into(), "b".into(), "c".into()];
        data.always_train = (0..n + 2).map(|i| i >= n).collect();
        let params = TrainParams::default().check().unwrap();
        let k = 3;
        let folds = data.folds(k, 1, 1).unwrap();
        assert!(folds[n..].iter().all(|&f| f as usize == k));
        let oof = FoldCounts::new(&data, &folds, k, &params)
            .unwrap()
            .predict(params.fit())
            .unwrap();
        assert!(oof[n..].iter().all(|r| r.is_empty()));
        for f in 0..k as u32 {
            let clf = fit_without_fold(&data, &folds, f, &params);
            assert!(clf.labels.contains(&"recruiting".to_string()));
            let mut scorer = clf.scorer();
            for i in (0..n).filter(|&i| folds[i] == f) {
                // Grouped: the row's whole group is held out with it.
                assert!((0..n).all(|j| data.groups[j] != data.groups[i] || folds[j] == f));
                let want = scorer.jll(&data.texts[i]).to_vec();
                for (c, l) in clf.labels.iter().enumerate() {
                    let d = data.labels.binary_search(l).unwrap();
                    assert!((oof[i][d] - want[c]).abs() < 1e-9);
                }
            }
        }
        // More folds than groups is refused.
        assert!(data.folds(4, 1, 1).is_err());
        // Pooling the groups under 100 rows leaves one group: too few for 2 folds.
        assert!(data.folds(2, 1, 100).is_err());
    }

    #[test]
    fn weights_count_like_sample_weights() {
        // Multinomial NB with raw counts and min-df 1 depends on term weights and class
        // document counts only, so a row of weight 3 gives the jll of the row repeated 3
        // times (its df, counted once, plays no part).
        let mut weighted = toy();
        weighted.weights[0] = 3;
        weighted.weights[1] = 0;
        let rows: Vec<(String, &str)> = (0..weighted.len())
            .flat_map(|i| {
                std::iter::repeat_n(
                    (weighted.texts[i].clone(), weighted.label(i)),
                    weighted.weights[i] as usize,
                )
            })
            .collect();
        let repeated = Dataset::from_rows(rows);
        let params = TrainParams::default().check().unwrap();
        let a = weighted.train(&params, "w").unwrap();
        let b = repeated.train(&params, "r").unwrap();
        assert_eq!(a.class_docs, b.class_docs);
        let (mut sa, mut sb) = (a.scorer(), b.scorer());
        for t in ["book a demo", "great meeting you", "gift card prize"] {
            let (x, y) = (sa.jll(t).to_vec(), sb.jll(t).to_vec());
            for (p, q) in x.iter().zip(&y) {
                assert!((p - q).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn matches_training_each_fold_from_scratch() {
        let data = toy();
        for fit in [
            FitParams::default(),
            FitParams {
                model: ModelKind::Complement,
                alpha: 0.3,
                tf: TermWeight::Log,
                idf: true,
                norm: DocNorm::L2,
                weight_norm: true,
                min_df: 2,
                ..FitParams::default()
            },
        ] {
            let params = TrainParams::default().fit_params(fit).check().unwrap();
            let k = 4;
            let folds = stratified_folds(&data.classes, k, 9);
            let oof = FoldCounts::new(&data, &folds, k, &params)
                .unwrap()
                .predict(params.fit())
                .unwrap();
            for f in 0..k as u32 {
                let clf = fit_without_fold(&data, &folds, f, &params);
                let mut scorer = clf.scorer();
                for i in (0..data.len()).filter(|&i| folds[i] == f) {
                    let want = scorer.jll(&data.texts[i]).to_vec();
                    for (c, l) in clf.labels.iter().enumerate() {
                        let d = data.labels.binary_search(l).unwrap();
                        assert!(
                            (oof[i][d] - want[c]).abs() < 1e-9,
                            "{} vs {}",
                            oof[i][d],
                            want[c]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn label_missing_from_a_training_fold_gets_minus_infinity() {
        // "scam" has a single row: the fold holding it trains without it.
        let data = Dataset::from_rows([
            ("demo demo", "sales"),
            ("book demo", "sales"),
            ("demo call", "sales"),
            ("hello friend", "networking"),
            ("nice to meet", "networking"),
            ("meet friend", "networking"),
            ("wire money now", "scam"),
        ]);
        let params = TrainParams::default().check().unwrap();
        let jll = cross_val_predict(&data, &params, 3, 0).unwrap();
        let scam = data.labels.iter().position(|l| l == "scam").unwrap();
        assert_eq!(jll[6][scam], f64::NEG_INFINITY);
        assert!(jll[6].iter().filter(|v| v.is_finite()).count() == 2);
        let finite_scam = jll.iter().filter(|r| r[scam].is_finite()).count();
        assert!(finite_scam > 0);
    }

    #[test]
    fn parallel_equals_single_thread() {
        let data = toy();
        let params = TrainParams::default().check().unwrap();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| cross_val_predict(&data, &params, 5, 3).unwrap());
        let many = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap()
            .install(|| cross_val_predict(&data, &params, 5, 3).unwrap());
        assert_eq!(one, many);
    }

    #[test]
    fn bad_k_is_an_error() {
        let data = toy();
        let params = TrainParams::default().check().unwrap();
        assert!(cross_val_predict(&data, &params, 1, 0).is_err());
        assert!(cross_val_predict(&data, &params, data.len() + 1, 0).is_err());
        let folds = stratified_folds(&data.classes, 3, 0);
        let counted = FoldCounts::new(&data, &folds, 3, &params).unwrap();
        let other = FitParams {
            tf: TermWeight::Log,
            ..FitParams::default()
        };
        assert!(counted.predict(&other).is_err());
    }
}
