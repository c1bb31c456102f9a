//! Naive Bayes maths: vocabulary selection from [`Counts`], fitting the dense
//! parameters, joint log-likelihoods and a stable softmax.

use crate::par::*;
use ndarray::{Array1, Array2, ArrayView2, Axis};

use crate::counts::Counts;
use crate::error::{Error, Result};
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
    /// use pitchsift::model::NbModel;
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

/// The natural logarithm used for everything a model file stores. With the
/// `portable-math` feature it is the `libm` crate's (the same bits on every target, so
/// a model fitted or updated in WebAssembly is byte-identical to one fitted natively
/// with that feature); without it, the platform's (`f64::ln`), which can differ from
/// `libm`'s in the last bit for about 1 value in 150.
#[inline]
pub(crate) fn ln(x: f64) -> f64 {
    #[cfg(feature = "portable-math")]
    {
        libm::log(x)
    }
    #[cfg(not(feature = "portable-math"))]
    {
        x.ln()
    }
}

/// `ln(1 + x)`, as [`ln`]: `libm`'s with `portable-math`, the platform's otherwise.
#[inline]
pub(crate) fn ln_1p(x: f64) -> f64 {
    #[cfg(feature = "portable-math")]
    {
        libm::log1p(x)
    }
    #[cfg(not(feature = "portable-math"))]
    {
        x.ln_1p()
    }
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
/// pitchsift::model::softmax(&mut p);
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
