//! Naive Bayes maths: vocabulary selection from [`Counts`], fitting the dense
//! parameters, joint log-likelihoods and a stable softmax.

use crate::par::*;
use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::arr::{prefetch, Arr};
use crate::error::{Error, Result};
use crate::math::ln;
use crate::nb::counts::{ClassStat, Counts};
use crate::params::{FitParams, ModelKind, Prior};

/// A fitted naive Bayes model over `n_features` features and `n_classes` classes:
/// `jll(x)[c] = bias[c] + sum_f x[f] * weights[f, c]`.
///
/// For multinomial NB `weights = ln P(f | c)` (times the feature's IDF when enabled)
/// and `bias = ln P(c)`; for complement NB `weights` are scikit-learn's
/// `ComplementNB.feature_log_prob_` (transposed) and `bias = 0`.
#[derive(Debug, Clone, PartialEq)]
pub struct NbModel {
    /// Model variant.
    pub kind: ModelKind,
    /// Feature weights, `n_features x n_classes` (feature-major: one document touches
    /// few features, each reading one contiguous row).
    pub weights: Array2<f64>,
    /// Per class bias (log prior for multinomial NB).
    pub bias: Array1<f64>,
}

impl NbModel {
    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.bias.len()
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.weights.nrows()
    }

    /// Fit from per class feature totals `totals` (`n_classes x n_features`, already
    /// weighted by IDF when enabled) and per class document counts.
    ///
    /// ```
    /// use ndarray::array;
    /// use pitchsift::nb::model::NbModel;
    /// use pitchsift::params::FitParams;
    /// // Two classes, two features, alpha = 1: P(f|c) = (n_fc + 1) / (n_c + 2).
    /// let m = NbModel::fit(array![[3.0, 1.0], [0.0, 2.0]].view(), &[1.0, 1.0], &[], &FitParams::default()).unwrap();
    /// assert!((m.weights[[0, 0]] - (4.0f64 / 6.0).ln()).abs() < 1e-12);
    /// assert!((m.bias[0] - 0.5f64.ln()).abs() < 1e-12);
    /// ```
    pub fn fit(
        totals: ArrayView2<f64>,
        class_docs: &[f64],
        labels: &[String],
        fit: &FitParams,
    ) -> Result<NbModel> {
        let (n_classes, n_features) = totals.dim();
        let alpha = fit.alpha;
        let (weights, bias) = match fit.model {
            ModelKind::Multinomial => {
                let denoms: Vec<f64> = (0..n_classes)
                    .map(|c| ln(totals.row(c).sum() + alpha * n_features as f64))
                    .collect();
                // Rows of weights in parallel: each value is computed alone, so the
                // result does not depend on the thread count.
                let mut w = Array2::<f64>::zeros((n_features, n_classes));
                const ROWS: usize = 4096;
                w.as_slice_mut()
                    .expect("a new array is contiguous")
                    .par_chunks_mut(n_classes.max(1) * ROWS)
                    .enumerate()
                    .for_each(|(k, chunk)| {
                        for (i, row) in chunk.chunks_mut(n_classes.max(1)).enumerate() {
                            let f = k * ROWS + i;
                            for (c, v) in row.iter_mut().enumerate() {
                                *v = ln(totals[[c, f]] + alpha) - denoms[c];
                            }
                        }
                    });
                (w, log_prior(class_docs, labels, &fit.prior)?)
            }
            ModelKind::Complement => {
                let all = totals.sum_axis(Axis(0));
                let mut w = Array2::<f64>::zeros((n_features, n_classes));
                for c in 0..n_classes {
                    let comp: Array1<f64> = &all - &totals.row(c) + alpha;
                    let log_total = ln(comp.sum());
                    let logged = comp.mapv(|v| ln(v) - log_total);
                    if fit.weight_norm {
                        let s = logged.sum();
                        for f in 0..n_features {
                            w[[f, c]] = logged[f] / s;
                        }
                    } else {
                        for f in 0..n_features {
                            w[[f, c]] = -logged[f];
                        }
                    }
                }
                let bias = if n_classes == 1 {
                    log_prior(class_docs, labels, &fit.prior)?
                } else {
                    Array1::zeros(n_classes)
                };
                (w, bias)
            }
        };
        Ok(NbModel {
            kind: fit.model,
            weights,
            bias,
        })
    }

    /// Joint log-likelihoods of a sparse document given as `(feature, value)` pairs,
    /// written into `out` (length `n_classes`).
    #[inline]
    pub fn jll_sparse(&self, features: impl IntoIterator<Item = (u32, f64)>, out: &mut [f64]) {
        out.copy_from_slice(self.bias.as_slice().expect("contiguous bias"));
        let w = self.weights.as_slice().expect("standard layout");
        let k = out.len();
        for (f, v) in features {
            let row = &w[f as usize * k..f as usize * k + k];
            for (o, &x) in out.iter_mut().zip(row) {
                *o += v * x;
            }
        }
    }

    /// Joint log-likelihoods of dense documents (`n_docs x n_features`), as linfa's
    /// `joint_log_likelihood` (`n_docs x n_classes`).
    pub fn jll_dense(&self, x: ArrayView2<f64>) -> Array2<f64> {
        x.dot(&self.weights) + &self.bias
    }
}

/// A fitted naive Bayes model, sparse: for every variant (multinomial or complement,
/// with or without weight normalisation, IDF and the document transforms) the weight of
/// feature `f` for label `c` is
///
/// ```text
/// w[f, c] = scale[c] * (base[f] + mult[f] * default[c])      (the default weight)
///         + correction[f, c]                                   (labels f was counted with)
/// ```
///
/// exactly as the dense model computes it (up to rounding: see `fit_sparse`), so a
/// document `x` scores
/// `jll[c] = bias[c] + scale[c] * (sum x[f] base[f] + default[c] * sum x[f] mult[f]) + sum x[f] correction[f, c]`.
/// The corrections are stored per feature in compressed rows (`offsets`, `classes`,
/// `values`): a term is counted with one or two labels, so the model grows with the
/// counts, not with features x labels. An empty `base` is all zeros, an empty `mult`
/// all ones (multinomial NB without IDF needs neither).
#[derive(Debug, Clone, PartialEq)]
pub struct SparseModel {
    /// Model variant.
    pub kind: ModelKind,
    /// Per label bias (log prior for multinomial NB).
    pub bias: Arr<f64>,
    /// Per label factor of the default weights.
    pub scale: Arr<f64>,
    /// Per label default weight (multiplied by `mult[f]`).
    pub default: Arr<f64>,
    /// Per feature base weight (empty: all zero).
    pub base: Arr<f64>,
    /// Per feature multiplier of the label default (the feature's IDF; empty: all one).
    pub mult: Arr<f64>,
    /// Corrections `offsets[f]..offsets[f + 1]` are feature `f`'s.
    pub offsets: Arr<u32>,
    /// The label of each correction, ascending within a feature.
    pub classes: Classes,
    /// The corrections: the weight minus the default weight.
    pub values: Values,
}

/// The label of each correction: one byte each when a model has at most 256 labels (as
/// saved), two otherwise (and as fitted). Equal when the labels are, whatever the width.
#[derive(Debug, Clone)]
pub enum Classes {
    /// Labels below 256.
    U8(Arr<u8>),
    /// Any label.
    U16(Arr<u16>),
}

impl Classes {
    /// Number of corrections.
    pub fn len(&self) -> usize {
        match self {
            Classes::U8(a) => a.len(),
            Classes::U16(a) => a.len(),
        }
    }

    /// No corrections?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The label of correction `e`.
    #[inline]
    pub fn get(&self, e: usize) -> usize {
        match self {
            Classes::U8(a) => a[e] as usize,
            Classes::U16(a) => a[e] as usize,
        }
    }
}

/// The correction values: plain, or (as saved when a model has at most 65,536 distinct
/// values, which default multinomial NB always has in practice: a correction is
/// `ln((n + a) / a)` for an integer count `n`, per label) an index into a table of the
/// distinct values. Both give the same `f64`, bit for bit; equal when the values are,
/// whatever the storage.
#[derive(Debug, Clone)]
pub enum Values {
    /// One `f64` per correction.
    Plain(Arr<f64>),
    /// `table[index[e]]` is correction `e`.
    Dict {
        /// The distinct values, ascending by bit pattern.
        table: Arr<f64>,
        /// Per correction, its value's place in `table`.
        index: Arr<u16>,
    },
}

impl Values {
    /// Number of corrections.
    pub fn len(&self) -> usize {
        match self {
            Values::Plain(v) => v.len(),
            Values::Dict { index, .. } => index.len(),
        }
    }

    /// No corrections?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Correction `e`.
    #[inline]
    pub fn get(&self, e: usize) -> f64 {
        match self {
            Values::Plain(v) => v[e],
            Values::Dict { table, index } => table.get(index[e] as usize).copied().unwrap_or(0.0),
        }
    }

    /// The values as a dictionary when they have at most 65,536 distinct bit patterns
    /// (the table sorted by bit pattern, so the same values give the same bytes),
    /// otherwise plain.
    pub fn compact(&self) -> Values {
        let n = self.len();
        // The distinct bit patterns of each chunk (in parallel; a chunk has few), then
        // of all.
        let chunks: Vec<Vec<u64>> = (0..n)
            .step_by(1 << 16)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|start| {
                let mut seen = rustc_hash::FxHashSet::default();
                for e in start..n.min(start + (1 << 16)) {
                    seen.insert(self.get(e).to_bits());
                }
                seen.into_iter().collect()
            })
            .collect();
        let mut bits: Vec<u64> = chunks.concat();
        bits.sort_unstable();
        bits.dedup();
        if bits.len() > u16::MAX as usize + 1 {
            return Values::Plain((0..n).map(|e| self.get(e)).collect::<Vec<_>>().into());
        }
        let place: rustc_hash::FxHashMap<u64, u16> = bits
            .iter()
            .enumerate()
            .map(|(i, &b)| (b, i as u16))
            .collect();
        let index: Vec<u16> = (0..n)
            .into_par_iter()
            .with_min_len(1 << 14)
            .map(|e| place[&self.get(e).to_bits()])
            .collect();
        Values::Dict {
            table: bits
                .iter()
                .map(|&b| f64::from_bits(b))
                .collect::<Vec<_>>()
                .into(),
            index: index.into(),
        }
    }
}

impl PartialEq for Classes {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (0..self.len()).all(|e| self.get(e) == other.get(e))
    }
}

impl PartialEq for Values {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (0..self.len()).all(|e| self.get(e) == other.get(e))
    }
}

/// Corrections read one at a time in [`SparseModel::jll`]'s inner loop, monomorphised
/// per storage.
trait Corr {
    fn class(&self, e: usize) -> usize;
    fn value(&self, e: usize) -> f64;
}

struct CorrOf<'a, C, V>(&'a [C], V);

impl<C: Copy + Into<usize>> Corr for CorrOf<'_, C, &[f64]> {
    #[inline(always)]
    fn class(&self, e: usize) -> usize {
        self.0[e].into()
    }
    #[inline(always)]
    fn value(&self, e: usize) -> f64 {
        self.1[e]
    }
}

impl<C: Copy + Into<usize>> Corr for CorrOf<'_, C, (&[f64], &[u16])> {
    #[inline(always)]
    fn class(&self, e: usize) -> usize {
        self.0[e].into()
    }
    #[inline(always)]
    fn value(&self, e: usize) -> f64 {
        // An index past the table (a forged file loaded for prediction) reads 0.
        self.1 .0.get(self.1 .1[e] as usize).copied().unwrap_or(0.0)
    }
}

impl SparseModel {
    /// Number of labels.
    pub fn n_classes(&self) -> usize {
        self.bias.len()
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    /// The default weight of feature `f` for label `c` (its weight for a label it was
    /// never counted with).
    #[inline]
    fn default_weight(&self, f: usize, c: usize) -> f64 {
        let b = self.base.get(f).copied().unwrap_or(0.0);
        let m = self.mult.get(f).copied().unwrap_or(1.0);
        self.scale[c] * (b + m * self.default[c])
    }

    /// The weights of feature `f` for every label, written into `out` (length
    /// `n_classes`).
    pub fn weights_of(&self, f: u32, out: &mut [f64]) {
        let f = f as usize;
        for (c, o) in out.iter_mut().enumerate() {
            *o = self.default_weight(f, c);
        }
        for e in self.row(f) {
            if let Some(o) = out.get_mut(self.classes.get(e)) {
                *o += self.values.get(e);
            }
        }
    }

    /// The corrections of feature `f`: `offsets[f]..offsets[f + 1]`, cut to the
    /// corrections (a model loaded for prediction has its rows unchecked: a forged
    /// row reads nothing out of range).
    #[inline(always)]
    fn row(&self, f: usize) -> std::ops::Range<usize> {
        let n = self.classes.len();
        self.offsets[f] as usize..(self.offsets[f + 1] as usize).min(n)
    }

    /// The weight of feature `f` for label `c`.
    pub fn weight(&self, f: u32, c: usize) -> f64 {
        let f = f as usize;
        let corr = self
            .row(f)
            .find(|&e| self.classes.get(e) == c)
            .map_or(0.0, |e| self.values.get(e));
        self.default_weight(f, c) + corr
    }

    /// Prefetch what [`SparseModel::jll`] will read for the features `ids` (a document's):
    /// their offsets first, then, once those arrive, their corrections, so the misses of
    /// all the document's features overlap instead of following one another. A hint:
    /// no result changes.
    #[inline]
    pub fn prefetch(&self, ids: impl Iterator<Item = u32> + Clone) {
        let (offsets, base, mult) = (&*self.offsets, &*self.base, &*self.mult);
        for f in ids.clone() {
            prefetch(offsets, f as usize);
            prefetch(base, f as usize);
            prefetch(mult, f as usize);
        }
        for f in ids {
            let Some(&a) = offsets.get(f as usize) else {
                continue;
            };
            let a = a as usize;
            match &self.classes {
                Classes::U8(c) => prefetch(c, a),
                Classes::U16(c) => prefetch(c, a),
            }
            match &self.values {
                Values::Plain(v) => prefetch(v, a),
                Values::Dict { index, .. } => prefetch(index, a),
            }
        }
    }

    /// Joint log-likelihoods of a sparse document given as `(feature, value)` pairs,
    /// written into `out` (length `n_classes`).
    #[inline]
    pub fn jll(&self, features: impl IntoIterator<Item = (u32, f64)>, out: &mut [f64]) {
        match (&self.classes, &self.values) {
            (Classes::U8(c), Values::Dict { table, index }) => {
                self.jll_with(features, out, &CorrOf(c, (&**table, &**index)))
            }
            (Classes::U8(c), Values::Plain(v)) => self.jll_with(features, out, &CorrOf(c, &**v)),
            (Classes::U16(c), Values::Dict { table, index }) => {
                self.jll_with(features, out, &CorrOf(c, (&**table, &**index)))
            }
            (Classes::U16(c), Values::Plain(v)) => self.jll_with(features, out, &CorrOf(c, &**v)),
        }
    }

    #[inline(always)]
    fn jll_with(
        &self,
        features: impl IntoIterator<Item = (u32, f64)>,
        out: &mut [f64],
        corr: &impl Corr,
    ) {
        out.fill(0.0);
        let (base, mult) = (&*self.base, &*self.mult);
        let (mut sum_base, mut sum_mult) = (0.0, 0.0);
        for (f, x) in features {
            let f = f as usize;
            if !base.is_empty() {
                sum_base += x * base[f];
            }
            sum_mult += if mult.is_empty() { x } else { x * mult[f] };
            for e in self.row(f) {
                // A label out of range (a forged file loaded for prediction) adds nothing.
                if let Some(o) = out.get_mut(corr.class(e)) {
                    *o += x * corr.value(e);
                }
            }
        }
        for (c, o) in out.iter_mut().enumerate() {
            *o += self.bias[c] + self.scale[c] * (sum_base + self.default[c] * sum_mult);
        }
    }

    /// Check the structure of a model read from a file of `n_classes` labels: array
    /// sizes, offsets that start at 0 and end at the corrections, finite values (the
    /// table's, for a dictionary) and, with `rows`, every row: ascending offsets, label
    /// ids in range and ascending, value indexes in the table. Scoring a model that
    /// passes without `rows` (prediction: reading every row would read the whole
    /// model) never indexes out of range and never sees a non-finite weight or one that
    /// could make a sum overflow (every stored number is at most 1e50): a forged
    /// row is cut to the corrections, a forged label or index adds nothing.
    pub fn validate(&self, n_classes: usize, rows: bool) -> std::result::Result<(), String> {
        let n = self.n_features();
        let k = n_classes;
        if self.bias.len() != k || self.scale.len() != k || self.default.len() != k {
            return Err("per-label arrays have the wrong size".into());
        }
        if self.offsets.is_empty() {
            return Err("feature offsets are missing".into());
        }
        if !(self.base.is_empty() || self.base.len() == n)
            || !(self.mult.is_empty() || self.mult.len() == n)
        {
            return Err("per-feature arrays have the wrong size".into());
        }
        if self.classes.len() != self.values.len() {
            return Err("correction arrays differ in size".into());
        }
        // Finite and at most 1e50 in magnitude (fitted weights are logarithms, a few
        // hundred at most): no document's sum can overflow, even when a forged value is
        // shared by every correction through the dictionary.
        let finite = |v: &[f64]| v.iter().all(|x| x.abs() <= MAX_WEIGHT);
        let values_ok = match &self.values {
            Values::Plain(v) => finite(v),
            Values::Dict { table, index } => {
                let t = table.len();
                finite(table) && (!rows || index.iter().all(|&i| (i as usize) < t))
            }
        };
        if !(finite(&self.bias)
            && finite(&self.scale)
            && finite(&self.default)
            && finite(&self.base)
            && finite(&self.mult)
            && values_ok)
        {
            return Err(
                "non-finite or out-of-range parameter (beyond 1e50), or value index out of range"
                    .into(),
            );
        }
        if self.offsets[0] != 0 || *self.offsets.last().unwrap() as usize != self.values.len() {
            return Err("correction offsets do not span the corrections".into());
        }
        if !rows {
            return Ok(());
        }
        for f in 0..n {
            let (a, b) = (self.offsets[f] as usize, self.offsets[f + 1] as usize);
            if a > b || b > self.classes.len() {
                return Err("correction offsets are not ascending".into());
            }
            let bad = match &self.classes {
                Classes::U8(c) => bad_row(&c[a..b], k),
                Classes::U16(c) => bad_row(&c[a..b], k),
            };
            if bad {
                return Err("label id out of range or out of order in corrections".into());
            }
        }
        Ok(())
    }
}

/// The largest magnitude of a stored weight a loaded model accepts.
const MAX_WEIGHT: f64 = 1e50;

/// A row of labels with one out of range (`k` labels) or out of order.
fn bad_row<C: Copy + Into<usize>>(row: &[C], k: usize) -> bool {
    row.iter().any(|&c| c.into() >= k) || row.windows(2).any(|w| w[0].into() >= w[1].into())
}

/// Fit the sparse model on the selected features of `counts`: the same weights as
/// [`fit_counts`] gives densely, computed from the counts a term has, label by label.
/// A default weight is computed exactly as the dense weight of a zero count; a counted
/// weight is the default plus a correction computed directly (for complement NB from
/// the two logarithms it differs by), so the scores agree with the dense model's to
/// rounding (a few ulps of the largest term).
///
/// Errors: [`Error::InvalidParam`] for more than 65,536 labels or 2^32 corrections,
/// and for a prior that does not match the labels.
pub fn fit_sparse(counts: &Counts, features: &[u32], fit: &FitParams) -> Result<SparseModel> {
    let k = counts.labels.len();
    if k > u16::MAX as usize + 1 {
        return Err(Error::InvalidParam(format!(
            "{k} labels: a model holds at most 65,536"
        )));
    }
    let n = features.len();
    let fixed = (1u64 << counts.weight_scale_bits) as f64;
    let idf = fit.idf.then(|| idf(counts, features));
    let m = |f: usize| idf.as_ref().map_or(1.0, |v| v[f]);
    let stats = |f: usize| counts.term_stats(features[f] as usize);
    // The same expression as the dense totals.
    let t = |f: usize, w: u64| w as f64 / fixed * m(f);
    // One serial pass in feature order: the offsets, and the per label totals (summed in
    // feature order: the same bits for any thread count).
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0u32);
    let mut total = 0u64;
    let mut class_total = vec![0.0; k];
    for f in 0..n {
        let st = stats(f);
        total += st.len() as u64;
        offsets.push(u32::try_from(total).map_err(|_| {
            Error::InvalidParam("more than 2^32 (term, label) counts in one model".into())
        })?);
        for s in st {
            class_total[s.class as usize] += t(f, s.weight);
        }
    }
    let classes = if k <= 256 {
        Classes::U8(per_count(&offsets, |f, out| fill(out, stats(f), |s| s.class as u8)).into())
    } else {
        Classes::U16(per_count(&offsets, |f, out| fill(out, stats(f), |s| s.class as u16)).into())
    };
    let alpha = fit.alpha;
    let nf = n as f64;
    let docs: Vec<f64> = counts.class_docs.iter().map(|&d| d as f64).collect();
    let prior = || log_prior(&docs, &counts.labels, &fit.prior);
    let model = match fit.model {
        ModelKind::Multinomial => {
            let denom: Vec<f64> = class_total.iter().map(|&s| ln(s + alpha * nf)).collect();
            let values = per_count(&offsets, |f, out| {
                fill(out, stats(f), |s| {
                    let c = s.class as usize;
                    let w = (ln(t(f, s.weight) + alpha) - denom[c]) * m(f);
                    w - (ln(alpha) - denom[c]) * m(f)
                })
            });
            SparseModel {
                kind: fit.model,
                bias: prior()?.to_vec().into(),
                scale: vec![1.0; k].into(),
                default: denom
                    .iter()
                    .map(|d| ln(alpha) - d)
                    .collect::<Vec<_>>()
                    .into(),
                base: Arr::default(),
                mult: idf.clone().unwrap_or_default().into(),
                offsets: offsets.into(),
                classes,
                values: Values::Plain(values.into()),
            }
        }
        ModelKind::Complement => {
            // all[f]: the feature's total over labels; comp[c][f] = all[f] - t[f, c] + alpha.
            // Each feature's values on their own (in parallel, the same bits).
            let all: Vec<f64> = (0..n)
                .into_par_iter()
                .with_min_len(1 << 12)
                .map(|f| {
                    let mut a = 0.0;
                    for s in stats(f) {
                        a += t(f, s.weight);
                    }
                    a
                })
                .collect();
            let log_unseen: Vec<f64> = all
                .par_iter()
                .with_min_len(1 << 12)
                .map(|&a| ln(a + alpha))
                .collect();
            let all_sum: f64 = all.iter().map(|&a| a + alpha).sum();
            let log_total: Vec<f64> = class_total.iter().map(|&tc| ln(all_sum - tc)).collect();
            // ln(comp) - ln(all + alpha) of each counted (f, c): zero for every other pair.
            let diffs = per_count(&offsets, |f, out| {
                fill(out, stats(f), |s| {
                    ln(all[f] - t(f, s.weight) + alpha) - log_unseen[f]
                })
            });
            let bias: Vec<f64> = if k == 1 {
                prior()?.to_vec()
            } else {
                vec![0.0; k]
            };
            let (scale, base, default, values) = if fit.weight_norm {
                // w = (ln comp - L_c) / s_c, s_c = sum_f ln comp[c][f] - n L_c.
                let unseen_sum: f64 = log_unseen.iter().sum();
                let mut s = vec![unseen_sum; k];
                let mut e = 0;
                for f in 0..n {
                    for st in stats(f) {
                        s[st.class as usize] += diffs[e];
                        e += 1;
                    }
                }
                for c in 0..k {
                    s[c] -= nf * log_total[c];
                }
                let values = per_count(&offsets, |f, out| {
                    let at = offsets[f] as usize;
                    let diffs = &diffs[at..at + out.len()];
                    for ((o, d), st) in out.iter_mut().zip(diffs).zip(stats(f)) {
                        *o = d * m(f) / s[st.class as usize];
                    }
                });
                (
                    s.iter().map(|v| 1.0 / v).collect::<Vec<_>>(),
                    (0..n)
                        .into_par_iter()
                        .with_min_len(1 << 12)
                        .map(|f| log_unseen[f] * m(f))
                        .collect::<Vec<_>>(),
                    log_total.iter().map(|l| -l).collect::<Vec<_>>(),
                    values,
                )
            } else {
                // w = L_c - ln comp.
                let mut values = diffs;
                let mut e = 0;
                for f in 0..n {
                    for _ in stats(f) {
                        values[e] = -values[e] * m(f);
                        e += 1;
                    }
                }
                (
                    vec![1.0; k],
                    (0..n).map(|f| -log_unseen[f] * m(f)).collect::<Vec<_>>(),
                    log_total,
                    values,
                )
            };
            SparseModel {
                kind: fit.model,
                bias: bias.into(),
                scale: scale.into(),
                default: default.into(),
                base: base.into(),
                mult: idf.clone().unwrap_or_default().into(),
                offsets: offsets.into(),
                classes,
                values: Values::Plain(values.into()),
            }
        }
    };
    Ok(model)
}

/// One value per (feature, label) statistic, in feature order: `value(f, out)` writes
/// feature `f`'s (`out` has one slot per statistic of `f`, `offsets[f]..offsets[f + 1]`
/// of the result). Runs of features in parallel, each value written once in place, so
/// the result is the same for any thread count.
fn per_count<T: Copy + Default + Send>(
    offsets: &[u32],
    value: impl Fn(usize, &mut [T]) + Sync,
) -> Vec<T> {
    const RUN: usize = 1 << 12;
    let n = offsets.len() - 1;
    let mut out = vec![T::default(); offsets[n] as usize];
    let mut runs = Vec::with_capacity(n.div_ceil(RUN));
    let mut rest = &mut out[..];
    for start in (0..n).step_by(RUN) {
        let end = n.min(start + RUN);
        let len = (offsets[end] - offsets[start]) as usize;
        let (run, next) = std::mem::take(&mut rest).split_at_mut(len);
        runs.push((start..end, run));
        rest = next;
    }
    runs.into_par_iter().for_each(|(features, mut run)| {
        for f in features {
            let len = (offsets[f + 1] - offsets[f]) as usize;
            let (mine, next) = std::mem::take(&mut run).split_at_mut(len);
            value(f, mine);
            run = next;
        }
    });
    out
}

/// `out[i] = value(&stats[i])`.
#[inline]
fn fill<T>(out: &mut [T], stats: &[ClassStat], value: impl Fn(&ClassStat) -> T) {
    for (o, s) in out.iter_mut().zip(stats) {
        *o = value(s);
    }
}

fn log_prior(class_docs: &[f64], labels: &[String], prior: &Prior) -> Result<Array1<f64>> {
    let n = class_docs.len();
    let p: Vec<f64> = match prior {
        Prior::Empirical => class_docs.to_vec(),
        Prior::Uniform => vec![1.0; n],
        Prior::Given(map) => {
            if let Some(extra) = map.keys().find(|k| !labels.contains(k)) {
                return Err(Error::InvalidParam(format!(
                    "a prior is given for `{extra}`, which is not a label of the corpus"
                )));
            }
            labels
                .iter()
                .map(|l| {
                    map.get(l).copied().ok_or_else(|| {
                        Error::InvalidParam(format!("no prior given for label `{l}`"))
                    })
                })
                .collect::<Result<_>>()?
        }
    };
    let total: f64 = p.iter().sum();
    Ok(p.iter().map(|v| ln(v / total)).collect())
}

/// Which terms of `counts` become features: document frequency at least `min_df`, then
/// the `max_features` with the largest total weight (ties: earlier term first).
/// Returns term indices, ascending.
pub fn select_features(counts: &Counts, fit: &FitParams) -> Vec<u32> {
    // In parallel; `collect` keeps the order.
    let mut keep: Vec<u32> = (0..counts.n_terms())
        .into_par_iter()
        .filter(|&i| counts.df(i) >= fit.min_df)
        .map(|i| i as u32)
        .collect();
    if let Some(max) = fit.max_features {
        let max = max as usize;
        if keep.len() > max {
            let total = |i: u32| {
                counts
                    .term_stats(i as usize)
                    .iter()
                    .map(|s| s.weight)
                    .sum::<u64>()
            };
            keep.sort_by(|&a, &b| total(b).cmp(&total(a)).then(a.cmp(&b)));
            keep.truncate(max);
            keep.sort_unstable();
        }
    }
    keep
}

/// Smoothed IDF of each selected feature: `ln((1 + n) / (1 + df)) + 1`.
pub fn idf(counts: &Counts, features: &[u32]) -> Vec<f64> {
    let n = counts.n_docs() as f64;
    features
        .iter()
        .map(|&i| ln((1.0 + n) / (1.0 + counts.df(i as usize) as f64)) + 1.0)
        .collect()
}

/// Fit a model on the selected features of `counts`.
pub fn fit_counts(counts: &Counts, features: &[u32], fit: &FitParams) -> Result<NbModel> {
    let scale = (1u64 << counts.weight_scale_bits) as f64;
    let idf = fit.idf.then(|| idf(counts, features));
    let mut totals = Array2::<f64>::zeros((counts.labels.len(), features.len()));
    // Columns in parallel chunks; each value is written once, whatever the thread count.
    const COLS: usize = 1 << 14;
    let chunks: Vec<_> = totals.axis_chunks_iter_mut(Axis(1), COLS).collect();
    chunks
        .into_par_iter()
        .enumerate()
        .for_each(|(k, mut chunk)| {
            for j in 0..chunk.ncols() {
                let f = k * COLS + j;
                let m = idf.as_ref().map_or(1.0, |v| v[f]);
                for s in counts.term_stats(features[f] as usize) {
                    chunk[[s.class as usize, j]] = s.weight as f64 / scale * m;
                }
            }
        });
    let docs: Vec<f64> = counts.class_docs.iter().map(|&d| d as f64).collect();
    let mut model = NbModel::fit(totals.view(), &docs, &counts.labels, fit)?;
    if let Some(idf) = idf {
        // A test document's features are multiplied by IDF too; fold it into the weights.
        for (f, m) in idf.iter().enumerate() {
            model.weights.row_mut(f).mapv_inplace(|w| w * m);
        }
    }
    Ok(model)
}

/// Turn joint log-likelihoods into probabilities in place, with a max-shifted
/// log-sum-exp: finite and summing to 1 whatever the magnitudes.
///
/// ```
/// let mut p = [-800.0, -810.0];
/// pitchsift::nb::model::softmax(&mut p);
/// assert!((p[0] - 0.9999546).abs() < 1e-6 && (p[0] + p[1] - 1.0).abs() < 1e-12);
/// ```
pub fn softmax(jll: &mut [f64]) {
    let m = jll.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for v in jll.iter_mut() {
        *v = (*v - m).exp();
        sum += *v;
    }
    for v in jll.iter_mut() {
        *v /= sum;
    }
}

/// Index of the largest value; ties go to the lowest index (the label first in
/// alphabetical order), so the answer never depends on anything but the scores.
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// linfa's `Fit` on dense count matrices (`n_docs x n_features`) with class-id targets
/// `0..n_classes`: the shape of `linfa_bayes::MultinomialNb`, for small problems and
/// for comparing with linfa. The text pipeline itself uses sparse counts.
#[cfg(feature = "linfa")]
impl<D, T> linfa::traits::Fit<ndarray::ArrayBase<D, ndarray::Ix2>, T, Error> for FitParams
where
    D: ndarray::Data<Elem = f64>,
    T: linfa::dataset::AsSingleTargets<Elem = usize>,
{
    type Object = NbModel;

    fn fit(
        &self,
        dataset: &linfa::DatasetBase<ndarray::ArrayBase<D, ndarray::Ix2>, T>,
    ) -> Result<NbModel> {
        self.check()?;
        let x = dataset.records();
        use linfa::dataset::AsSingleTargets;
        let y = dataset.as_single_targets();
        if x.nrows() == 0 {
            return Err(Error::EmptyCorpus {
                inputs: "dense dataset".into(),
            });
        }
        let n_classes = y.iter().copied().max().unwrap_or(0) + 1;
        let mut totals = Array2::<f64>::zeros((n_classes, x.ncols()));
        let mut docs = vec![0.0; n_classes];
        for (row, &c) in x.rows().into_iter().zip(y.iter()) {
            totals.row_mut(c).scaled_add(1.0, &row);
            docs[c] += 1.0;
        }
        let labels: Vec<String> = (0..n_classes).map(|c| c.to_string()).collect();
        NbModel::fit(totals.view(), &docs, &labels, self)
    }
}

/// linfa's `Predict` for dense documents: the class id with the largest joint
/// log-likelihood (ties to the lowest id).
#[cfg(feature = "linfa")]
impl<D> linfa::traits::PredictInplace<ndarray::ArrayBase<D, ndarray::Ix2>, Array1<usize>>
    for NbModel
where
    D: ndarray::Data<Elem = f64>,
{
    fn predict_inplace(&self, x: &ndarray::ArrayBase<D, ndarray::Ix2>, y: &mut Array1<usize>) {
        let jll = self.jll_dense(x.view());
        for (out, row) in y.iter_mut().zip(jll.rows()) {
            *out = argmax(row.as_slice().expect("standard layout"));
        }
    }

    fn default_target(&self, x: &ndarray::ArrayBase<D, ndarray::Ix2>) -> Array1<usize> {
        Array1::zeros(x.nrows())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;
    use ndarray::array;

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("c{i}")).collect()
    }

    #[test]
    fn multinomial_by_hand() {
        // Class 0 totals [2, 0, 1], class 1 totals [0, 3, 1]; alpha = 0.5, 3 features.
        // P(f0|c0) = 2.5 / (3 + 1.5) = 0.5556; P(f1|c1) = 3.5 / (4 + 1.5) = 0.6364.
        let fit = FitParams {
            alpha: 0.5,
            ..FitParams::default()
        };
        let m = NbModel::fit(
            array![[2.0, 0.0, 1.0], [0.0, 3.0, 1.0]].view(),
            &[3.0, 1.0],
            &labels(2),
            &fit,
        )
        .unwrap();
        assert_abs_diff_eq!(m.weights[[0, 0]], (2.5f64 / 4.5).ln(), epsilon = 1e-12);
        assert_abs_diff_eq!(m.weights[[1, 1]], (3.5f64 / 5.5).ln(), epsilon = 1e-12);
        assert_abs_diff_eq!(m.bias[0], 0.75f64.ln(), epsilon = 1e-12);
        let mut out = [0.0; 2];
        m.jll_sparse([(0, 2.0), (2, 1.0)], &mut out);
        assert_abs_diff_eq!(
            out[0],
            0.75f64.ln() + 2.0 * (2.5f64 / 4.5).ln() + (1.5f64 / 4.5).ln(),
            epsilon = 1e-12
        );
    }

    #[test]
    fn complement_matches_sklearn() {
        // sklearn 1.5: ComplementNB(alpha=1).fit(X, y) with X = [[2,0,1],[0,3,1]], y = [0,1]:
        // feature_log_prob_ = -log(comp / comp.sum()), comp(c0) = [1,4,2], comp(c1) = [3,1,2].
        let fit = FitParams {
            model: ModelKind::Complement,
            ..FitParams::default()
        };
        let m = NbModel::fit(
            array![[2.0, 0.0, 1.0], [0.0, 3.0, 1.0]].view(),
            &[1.0, 1.0],
            &labels(2),
            &fit,
        )
        .unwrap();
        assert_abs_diff_eq!(m.weights[[0, 0]], -(1.0f64 / 7.0).ln(), epsilon = 1e-12);
        assert_abs_diff_eq!(m.weights[[1, 0]], -(4.0f64 / 7.0).ln(), epsilon = 1e-12);
        assert_abs_diff_eq!(m.weights[[0, 1]], -(3.0f64 / 6.0).ln(), epsilon = 1e-12);
        assert_eq!(m.bias, array![0.0, 0.0]);
        // Weight normalisation: logged / logged.sum() per class.
        let fit = FitParams {
            weight_norm: true,
            ..fit
        };
        let m = NbModel::fit(
            array![[2.0, 0.0, 1.0], [0.0, 3.0, 1.0]].view(),
            &[1.0, 1.0],
            &labels(2),
            &fit,
        )
        .unwrap();
        let l: Vec<f64> = [1.0f64, 4.0, 2.0].iter().map(|v| (v / 7.0).ln()).collect();
        let s: f64 = l.iter().sum();
        assert_abs_diff_eq!(m.weights[[1, 0]], l[1] / s, epsilon = 1e-12);
    }

    #[test]
    fn priors() {
        let t = array![[1.0, 1.0], [1.0, 1.0]];
        let uni = FitParams {
            prior: Prior::Uniform,
            ..FitParams::default()
        };
        assert_abs_diff_eq!(
            NbModel::fit(t.view(), &[9.0, 1.0], &labels(2), &uni)
                .unwrap()
                .bias[0],
            0.5f64.ln(),
            epsilon = 1e-12
        );
        let given = FitParams {
            prior: Prior::Given([("c0".into(), 1.0), ("c1".into(), 3.0)].into()),
            ..FitParams::default()
        };
        assert_abs_diff_eq!(
            NbModel::fit(t.view(), &[9.0, 1.0], &labels(2), &given)
                .unwrap()
                .bias[1],
            0.75f64.ln(),
            epsilon = 1e-12
        );
        let missing = FitParams {
            prior: Prior::Given([("c0".into(), 1.0)].into()),
            ..FitParams::default()
        };
        assert!(NbModel::fit(t.view(), &[9.0, 1.0], &labels(2), &missing).is_err());
    }

    #[test]
    fn softmax_is_finite_for_huge_magnitudes() {
        let mut p = [-1.0e6, -1.0e6 - 3.0, -2.0e6];
        softmax(&mut p);
        assert!(p.iter().all(|v| v.is_finite()));
        assert_abs_diff_eq!(p.iter().sum::<f64>(), 1.0, epsilon = 1e-12);
        assert_abs_diff_eq!(p[0], 1.0 / (1.0 + (-3.0f64).exp()), epsilon = 1e-12);
    }

    #[test]
    fn ties_go_to_the_first_label() {
        assert_eq!(argmax(&[0.5, 0.5, 0.1]), 0);
        assert_eq!(argmax(&[0.1, 0.5, 0.5]), 1);
    }
}
