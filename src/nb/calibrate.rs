//! Calibrated confidence: a map from a model's joint log-likelihoods to probabilities
//! that mean what they say, fitted on out-of-fold scores of the training data and
//! stored in the model file.
//!
//! Naive Bayes multiplies evidence as if words were independent, so its raw posteriors
//! are far too sure (a typical 20 Newsgroups post gets 1 - 1e-30). Two maps are offered:
//!
//! * [`CalibrationMap::Temperature`]: `p = softmax(jll / T)` (Guo et al. 2017). One
//!   parameter, fitted by minimising the log loss; it never changes the ranking of the
//!   labels, so neither the predicted label nor the runner-up changes.
//! * [`CalibrationMap::Isotonic`]: isotonic regression (pool adjacent violators) of
//!   "the top label is right" on the top label's log-odds, interpolated linearly between
//!   fitted points (Zadrozny & Elkan 2002, top-label form). The predicted label stays the
//!   raw argmax and its confidence becomes the fitted value; the other labels share the
//!   rest in proportion to their temperature-scaled probabilities (a temperature fitted
//!   on the same scores: raw proportions are as overconfident as the raw top label, and
//!   would give the true label a vanishing probability when the top label is wrong).
//!   The predicted label's confidence is raised, when needed, to stay the largest
//!   probability (so a tie stays uniform): the map never changes the predicted label. A low fitted value can leave another label with a
//!   larger probability than the predicted one: the predicted label is still the raw one.
//!
//! ```
//! use pitchsift::nb::calibrate::{fit_temperature, CalibrationMap};
//! // Three right answers and one wrong, all with a margin of 2 nats:
//! // the best temperature gives the top label 3/4, i.e. T = 2 / ln 3.
//! let jll = vec![vec![2.0, 0.0], vec![2.0, 0.0], vec![2.0, 0.0], vec![2.0, 0.0]];
//! let t = fit_temperature(&jll, &[0, 0, 0, 1]);
//! assert!((t - 2.0 / 3f64.ln()).abs() < 1e-6);
//! let mut p = vec![2.0, 0.0];
//! CalibrationMap::Temperature { temperature: t }.probabilities(&mut p, 0);
//! assert!((p[0] - 0.75).abs() < 1e-6);
//! ```

use serde::{Deserialize, Serialize};

use crate::nb::model::{argmax, softmax};

/// Folds of the cross-validation that calibration is fitted on, by default.
pub const DEFAULT_FOLDS: usize = 5;
/// Seed of its fold assignment, by default.
pub const DEFAULT_SEED: u64 = 42;

/// The answer for one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Index of the predicted label.
    pub class: usize,
    /// Probability of every label (sums to 1).
    pub probabilities: Vec<f64>,
}

impl Prediction {
    /// The prediction from joint log-likelihoods: the raw argmax, and the posteriors
    /// through the calibration `map` when there is one (the softmax otherwise). Every
    /// score of the crate (prediction, cross-validation, evaluation) goes through here.
    pub fn from_jll(mut jll: Vec<f64>, map: Option<&CalibrationMap>) -> Prediction {
        let class = argmax(&jll);
        match map {
            Some(m) => m.probabilities(&mut jll, class),
            None => softmax(&mut jll),
        }
        Prediction {
            class,
            probabilities: jll,
        }
    }

    /// Probability of the predicted label.
    pub fn confidence(&self) -> f64 {
        self.probabilities[self.class]
    }
}

/// The label given to a message whose top confidence is below the threshold.
pub const UNSURE: &str = "unsure";

/// Which calibration to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Method {
    /// Temperature scaling.
    Temperature,
    /// Top-label isotonic regression.
    Isotonic,
}

impl Method {
    /// The name used on the command line and in the model file.
    pub fn name(self) -> &'static str {
        match self {
            Method::Temperature => "temperature",
            Method::Isotonic => "isotonic",
        }
    }
}

crate::params::named!(Method, "calibration", Method::Temperature => "temperature", Method::Isotonic => "isotonic");

/// A fitted calibration map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "lowercase", deny_unknown_fields)]
pub enum CalibrationMap {
    /// `p = softmax(jll / temperature)`.
    Temperature {
        /// The temperature, > 0 (above 1 softens, below 1 sharpens).
        temperature: f64,
    },
    /// Piecewise linear, non-decreasing map from the top label's log-odds
    /// `jll[top] - logsumexp(jll[others])` to its confidence; constant beyond the ends.
    Isotonic {
        /// Knots: log-odds, strictly increasing.
        log_odds: Vec<f64>,
        /// Confidence at each knot, non-decreasing, in (0, 1).
        confidence: Vec<f64>,
        /// Temperature of the proportions in which the other labels share the rest.
        temperature: f64,
    },
}

/// A calibration map with how it was fitted; stored in the model metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    /// The map.
    pub map: CalibrationMap,
    /// Cross-validation folds whose out-of-fold scores it was fitted on.
    pub folds: u32,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Number of out-of-fold scores (training documents) it was fitted on.
    pub n_docs: u64,
    /// True when the model was changed after the map was fitted (update, merge), so the
    /// map no longer describes it exactly; refit by retraining.
    #[serde(default)]
    pub stale: bool,
}

impl Calibration {
    /// Fit `method` on out-of-fold joint log-likelihoods `jll` (one row per document)
    /// and the documents' true classes.
    pub fn fit(method: Method, jll: &[Vec<f64>], classes: &[u32], folds: u32, seed: u64) -> Self {
        let map = match method {
            Method::Temperature => CalibrationMap::Temperature {
                temperature: fit_temperature(jll, classes),
            },
            Method::Isotonic => {
                let (log_odds, confidence) = fit_isotonic(jll, classes);
                CalibrationMap::Isotonic {
                    log_odds,
                    confidence,
                    temperature: fit_temperature(jll, classes),
                }
            }
        };
        Calibration {
            map,
            folds,
            seed,
            n_docs: jll.len() as u64,
            stale: false,
        }
    }

    /// The map kept for a model changed after it was fitted (update, merge): marked
    /// [`stale`](Calibration::stale).
    pub fn into_stale(mut self) -> Calibration {
        self.stale = true;
        self
    }

    /// The method of the map.
    pub fn method(&self) -> Method {
        match self.map {
            CalibrationMap::Temperature { .. } => Method::Temperature,
            CalibrationMap::Isotonic { .. } => Method::Isotonic,
        }
    }

    /// Check a map read from a file: finite parameters, sorted knots.
    pub fn check(&self) -> std::result::Result<(), String> {
        match &self.map {
            CalibrationMap::Temperature { temperature: t } => {
                if !(t.is_finite() && *t > 0.0) {
                    return Err(format!("calibration temperature must be > 0 (got {t})"));
                }
            }
            CalibrationMap::Isotonic {
                log_odds,
                confidence,
                temperature: t,
            } => {
                if !(t.is_finite() && *t > 0.0) {
                    return Err(format!("calibration temperature must be > 0 (got {t})"));
                }
                if log_odds.is_empty() || log_odds.len() != confidence.len() {
                    return Err("isotonic calibration knots are empty or unequal".into());
                }
                if log_odds.iter().chain(confidence).any(|v| !v.is_finite())
                    || log_odds.windows(2).any(|w| w[0] >= w[1])
                    || confidence.windows(2).any(|w| w[0] > w[1])
                    || confidence.iter().any(|&c| !(0.0..=1.0).contains(&c))
                {
                    return Err("isotonic calibration knots are not sorted or not finite".into());
                }
            }
        }
        Ok(())
    }
}

impl CalibrationMap {
    /// Turn joint log-likelihoods into calibrated probabilities in place; `top` is the
    /// predicted class (the raw argmax).
    pub fn probabilities(&self, jll: &mut [f64], top: usize) {
        match self {
            CalibrationMap::Temperature { temperature } => {
                for v in jll.iter_mut() {
                    *v /= temperature;
                }
                softmax(jll);
            }
            CalibrationMap::Isotonic {
                log_odds,
                confidence,
                temperature,
            } => {
                if jll.len() < 2 {
                    softmax(jll);
                    return;
                }
                let s = top_log_odds(jll, top);
                let c = interpolate(log_odds, confidence, s);
                // The other labels share 1 - c in their tempered proportions.
                jll[top] = f64::NEG_INFINITY;
                for v in jll.iter_mut() {
                    *v /= temperature;
                }
                softmax(jll);
                // The predicted label keeps the largest probability: at least
                // q / (1 + q) with q the largest share of another label (1/K on a tie).
                let q = jll.iter().copied().fold(0.0, f64::max);
                let c = c.max(q / (1.0 + q));
                for v in jll.iter_mut() {
                    *v *= 1.0 - c;
                }
                jll[top] = c;
            }
        }
    }
}

/// `jll[top] - logsumexp(jll[j] for j != top)`: the log-odds of the top label
/// (`+inf` when every other label has jll `-inf`).
pub fn top_log_odds(jll: &[f64], top: usize) -> f64 {
    let m = jll
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != top)
        .map(|(_, &v)| v)
        .fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return f64::INFINITY;
    }
    let sum: f64 = jll
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != top)
        .map(|(_, &v)| (v - m).exp())
        .sum();
    jll[top] - (m + sum.ln())
}

fn interpolate(x: &[f64], y: &[f64], s: f64) -> f64 {
    if s <= x[0] {
        return y[0];
    }
    if s >= x[x.len() - 1] {
        return y[y.len() - 1];
    }
    let i = x.partition_point(|&v| v <= s); // x[i-1] <= s < x[i]
    let (x0, x1, y0, y1) = (x[i - 1], x[i], y[i - 1], y[i]);
    y0 + (y1 - y0) * (s - x0) / (x1 - x0)
}

/// Mean negative log-likelihood of the true classes under `softmax(beta * jll)`, and
/// its derivative in `beta`.
fn nll_and_slope(jll: &[Vec<f64>], classes: &[u32], beta: f64) -> (f64, f64) {
    let (mut nll, mut slope) = (0.0, 0.0);
    for (row, &y) in jll.iter().zip(classes) {
        // A label missing from a fold's training set has jll -inf: probability 0 at any
        // temperature. A row whose own label is missing says nothing about T: skipped.
        if row[y as usize] == f64::NEG_INFINITY {
            continue;
        }
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let (mut z, mut ez) = (0.0, 0.0);
        for &v in row.iter().filter(|v| v.is_finite()) {
            let e = (beta * (v - m)).exp();
            z += e;
            ez += e * (v - m);
        }
        // -log p_y = log z - beta (jll_y - m); d/dbeta = E_p[jll - m] - (jll_y - m).
        let d = row[y as usize] - m;
        nll += z.ln() - beta * d;
        slope += ez / z - d;
    }
    let n = jll.len().max(1) as f64;
    (nll / n, slope / n)
}

/// Lower and upper bounds of the temperature fitted by [`fit_temperature`].
pub const TEMPERATURE_RANGE: (f64, f64) = (1e-2, 1e6);

/// The temperature that minimises the log loss of `softmax(jll / T)` on the true
/// `classes`, within [`TEMPERATURE_RANGE`].
///
/// The loss is convex in `beta = 1 / T` (a log-sum-exp of linear functions minus a
/// linear function), so the root of its derivative is found by bisection on `ln beta`:
/// deterministic, and the same for any thread count. With no documents the temperature
/// is 1.
pub fn fit_temperature(jll: &[Vec<f64>], classes: &[u32]) -> f64 {
    if jll.is_empty() {
        return 1.0;
    }
    let (t_min, t_max) = TEMPERATURE_RANGE;
    let (mut lo, mut hi) = ((1.0 / t_max).ln(), (1.0 / t_min).ln());
    if nll_and_slope(jll, classes, lo.exp()).1 >= 0.0 {
        return t_max;
    }
    if nll_and_slope(jll, classes, hi.exp()).1 <= 0.0 {
        return t_min;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if nll_and_slope(jll, classes, mid.exp()).1 < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    1.0 / (0.5 * (lo + hi)).exp()
}

/// Top-label isotonic regression: knots `(log-odds, confidence)` from pool adjacent
/// violators on (top label's log-odds, top label right) pairs, sorted by log-odds
/// (ties by correctness, wrong first, so the fit does not depend on input order).
///
/// Each pooled block gives one knot at its mean log-odds (two at its ends when it spans
/// a range, so the map is flat across a block). Confidences are clamped to
/// `[1 / (2n), 1 - 1 / (2n)]` so that no answer is ever certain.
pub fn fit_isotonic(jll: &[Vec<f64>], classes: &[u32]) -> (Vec<f64>, Vec<f64>) {
    let mut pts: Vec<(f64, f64)> = jll
        .iter()
        .zip(classes)
        .map(|(row, &y)| {
            let top = argmax(row);
            (top_log_odds(row, top), (top == y as usize) as u8 as f64)
        })
        // Infinite log-odds (every other label missing from the fold): no knot there;
        // the map is constant beyond its last knot anyway.
        .filter(|p| p.0.is_finite())
        .collect();
    if pts.is_empty() {
        return (vec![0.0], vec![0.5]);
    }
    pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    // Blocks: (sum of y, count, first x, last x).
    let mut blocks: Vec<(f64, f64, f64, f64)> = Vec::new();
    for &(x, y) in &pts {
        blocks.push((y, 1.0, x, x));
        while blocks.len() > 1 {
            let b = blocks[blocks.len() - 1];
            let a = blocks[blocks.len() - 2];
            if a.0 / a.1 >= b.0 / b.1 {
                blocks.pop();
                let last = blocks.last_mut().unwrap();
                *last = (a.0 + b.0, a.1 + b.1, a.2, b.3);
            } else {
                break;
            }
        }
    }
    let n = pts.len() as f64;
    let (lo, hi) = (0.5 / n, 1.0 - 0.5 / n);
    let (mut xs, mut ys) = (Vec::new(), Vec::new());
    for &(sum, count, first, last) in &blocks {
        let y = (sum / count).clamp(lo, hi);
        for x in [first, last] {
            if xs.last().is_none_or(|&p| x > p) {
                xs.push(x);
                ys.push(y);
            }
        }
    }
    (xs, ys)
}

/// The label to print for a prediction: its label, or [`UNSURE`] when its confidence is
/// below `min_confidence`.
pub fn decide<'a>(p: &Prediction, labels: &'a [String], min_confidence: Option<f64>) -> &'a str {
    match min_confidence {
        Some(t) if p.confidence() < t => UNSURE,
        _ => &labels[p.class],
    }
}

/// Coverage and accuracy when messages below a confidence threshold are answered
/// `unsure`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoveragePoint {
    /// The threshold: messages with top confidence below it are `unsure`.
    pub threshold: f64,
    /// Share of messages that keep a label (`confidence >= threshold`).
    pub coverage: f64,
    /// Accuracy among them; `None` when none is left.
    pub accuracy: Option<f64>,
}

/// Coverage and accuracy at each threshold, from `(top confidence, right?)` pairs.
///
/// ```
/// use pitchsift::nb::calibrate::coverage_curve;
/// let pts = [(0.95, true), (0.9, true), (0.6, false), (0.55, true)];
/// let c = coverage_curve(&pts, &[0.0, 0.7, 0.99]);
/// assert_eq!((c[0].coverage, c[0].accuracy), (1.0, Some(0.75)));
/// assert_eq!((c[1].coverage, c[1].accuracy), (0.5, Some(1.0)));
/// assert_eq!((c[2].coverage, c[2].accuracy), (0.0, None));
/// ```
pub fn coverage_curve(points: &[(f64, bool)], thresholds: &[f64]) -> Vec<CoveragePoint> {
    thresholds
        .iter()
        .map(|&t| {
            let (mut kept, mut right) = (0u64, 0u64);
            for &(c, ok) in points {
                if c >= t {
                    kept += 1;
                    right += ok as u64;
                }
            }
            CoveragePoint {
                threshold: t,
                coverage: if points.is_empty() {
                    0.0
                } else {
                    kept as f64 / points.len() as f64
                },
                accuracy: (kept > 0).then(|| right as f64 / kept as f64),
            }
        })
        .collect()
}

/// The thresholds of the accuracy-coverage curve that pitchsift-eval reports.
pub const CURVE_THRESHOLDS: [f64; 10] = [0.0, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99];

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_abs_diff_eq;

    #[test]
    fn temperature_by_hand() {
        // Margins 2 nats, 3 right and 1 wrong: sigmoid(2 / T) = 3/4, T = 2 / ln 3.
        let jll = vec![vec![2.0, 0.0]; 4];
        let t = fit_temperature(&jll, &[0, 0, 0, 1]);
        assert_abs_diff_eq!(t, 2.0 / 3f64.ln(), epsilon = 1e-9);
        // Three classes: one document, margins [3, 0, 0], right once in two: the best
        // p_top is 1/2, so e^(3/T) / (e^(3/T) + 2) = 1/2, e^(3/T) = 2, T = 3 / ln 2.
        let jll = vec![vec![3.0, 0.0, 0.0], vec![3.0, 0.0, 0.0]];
        let t = fit_temperature(&jll, &[0, 1]);
        // Loss: -ln p0 - ln p1 with p0 = a / (a + 2), p1 = 1 / (a + 2), a = e^(3/T):
        // d/da [2 ln(a + 2) - ln a] = 0 at a = 2.
        assert_abs_diff_eq!(t, 3.0 / 2f64.ln(), epsilon = 1e-9);
    }

    #[test]
    fn temperature_bounds() {
        // Always right: the sharper the better, so the lower bound.
        let jll = vec![vec![1.0, 0.0]; 3];
        assert_eq!(fit_temperature(&jll, &[0, 0, 0]), TEMPERATURE_RANGE.0);
        // Right half the time with equal margins: as flat as possible.
        assert_eq!(fit_temperature(&jll[..2], &[0, 1]), TEMPERATURE_RANGE.1);
        assert_eq!(fit_temperature(&[], &[]), 1.0);
    }

    #[test]
    fn temperature_keeps_the_ranking() {
        let map = CalibrationMap::Temperature { temperature: 7.5 };
        let mut p = vec![-1200.0, -1190.0, -1230.0];
        map.probabilities(&mut p, 1);
        assert_eq!(argmax(&p), 1);
        assert!(p[0] > p[2]);
        // By hand: softmax([-10, 0, -40] / 7.5) = e^(-4/3), 1, e^(-16/3) over their sum.
        let z = (-4.0f64 / 3.0).exp() + 1.0 + (-16.0f64 / 3.0).exp();
        assert_abs_diff_eq!(p[1], 1.0 / z, epsilon = 1e-12);
        assert_abs_diff_eq!(p.iter().sum::<f64>(), 1.0, epsilon = 1e-12);
    }

    #[test]
    fn isotonic_by_hand() {
        // Log-odds 1, 2, 3, 4 with correctness 0, 1, 0, 1: PAV pools 2 and 3 into 0.5.
        // Top is class 0 and the log-odds of [s, 0] is s.
        let jll: Vec<Vec<f64>> = [1.0, 2.0, 3.0, 4.0].iter().map(|&s| vec![s, 0.0]).collect();
        let (x, y) = fit_isotonic(&jll, &[1, 0, 1, 0]);
        // Clamped to [1/8, 7/8].
        assert_eq!(x, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(y, vec![0.125, 0.5, 0.5, 0.875]);
        let map = CalibrationMap::Isotonic {
            log_odds: x,
            confidence: y,
            temperature: 1.0,
        };
        // Halfway between 3 and 4: 0.6875; the other label gets the rest.
        let mut p = vec![3.5, 0.0];
        map.probabilities(&mut p, 0);
        assert_abs_diff_eq!(p[0], 0.6875, epsilon = 1e-12);
        assert_abs_diff_eq!(p[1], 0.3125, epsilon = 1e-12);
        // Halfway between 1 and 2 the fit says 0.3125, but the predicted label keeps
        // the largest probability: with two labels, 1/2.
        let mut p = vec![1.5, 0.0];
        map.probabilities(&mut p, 0);
        assert_abs_diff_eq!(p[0], 0.5, epsilon = 1e-12);
        // A tie of five labels stays uniform.
        let mut p = vec![-3.0; 5];
        map.probabilities(&mut p, 0);
        assert!(p.iter().all(|&v| (v - 0.2).abs() < 1e-12), "{p:?}");
        // Beyond the last knot: constant.
        let mut p = vec![40.0, 0.0];
        map.probabilities(&mut p, 0);
        assert_abs_diff_eq!(p[0], 0.875, epsilon = 1e-12);
    }

    #[test]
    fn isotonic_shares_the_rest_in_tempered_proportions() {
        let map = CalibrationMap::Isotonic {
            log_odds: vec![0.0, 10.0],
            confidence: vec![0.6, 0.6],
            temperature: 2.0,
        };
        // Others at jll 0 and 2 ln 3: tempered by 2, 1 : 3; both far below the top.
        let mut p = vec![500.0, 0.0, 2.0 * 3f64.ln()];
        map.probabilities(&mut p, 0);
        assert_abs_diff_eq!(p[0], 0.6, epsilon = 1e-12);
        assert_abs_diff_eq!(p[1], 0.1, epsilon = 1e-12);
        assert_abs_diff_eq!(p[2], 0.3, epsilon = 1e-12);
    }

    #[test]
    fn isotonic_is_order_independent() {
        let jll: Vec<Vec<f64>> = (0..20).map(|i| vec![(i % 7) as f64, 0.0]).collect();
        let classes: Vec<u32> = (0..20).map(|i| (i % 3 == 0) as u32).collect();
        let a = fit_isotonic(&jll, &classes);
        let (rj, rc): (Vec<_>, Vec<_>) = jll.iter().cloned().zip(classes).rev().unzip();
        assert_eq!(a, fit_isotonic(&rj, &rc));
        assert!(a.1.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn unsure_below_threshold() {
        let labels = vec!["sales".to_string(), "scam".to_string()];
        let p = Prediction {
            class: 1,
            probabilities: vec![0.4, 0.6],
        };
        assert_eq!(decide(&p, &labels, None), "scam");
        assert_eq!(decide(&p, &labels, Some(0.6)), "scam");
        assert_eq!(decide(&p, &labels, Some(0.61)), UNSURE);
    }

    fn small_classifier() -> crate::Classifier {
        let params = crate::params::TrainParams::default().check().unwrap();
        crate::test_util::fit(
            &[
                ("book a quick demo of our platform", "sales"),
                ("great meeting you at the conference", "networking"),
            ],
            &params,
        )
    }

    #[test]
    fn persisted_in_the_model_file() {
        use crate::model_file::{from_bytes, to_bytes, Load};
        let mut clf = small_classifier();
        let raw = to_bytes(&clf).unwrap();
        // No calibration: no key, so such files are the same as before it existed.
        assert!(!raw.windows(11).any(|w| w == b"calibration"));
        assert!(from_bytes(&raw, "m", Load::Predict)
            .unwrap()
            .calibration
            .is_none());
        let raw_p = clf.predict("book a demo");
        for map in [
            CalibrationMap::Temperature { temperature: 3.25 },
            CalibrationMap::Isotonic {
                log_odds: vec![-1.0, 0.5, 4.0],
                confidence: vec![0.3, 0.6, 0.8],
                temperature: 1.5,
            },
        ] {
            clf.calibration = Some(Calibration {
                map,
                folds: 5,
                seed: 7,
                n_docs: 2,
                stale: true,
            });
            let bytes = to_bytes(&clf).unwrap();
            for what in [Load::Predict, Load::Full] {
                let back = from_bytes(&bytes, "m", what).unwrap();
                assert_eq!(back.calibration, clf.calibration);
                assert_eq!(back.predict("book a demo"), clf.predict("book a demo"));
            }
            let cal = clf.predict("book a demo");
            assert_eq!(cal.class, raw_p.class);
            assert_ne!(cal.probabilities, raw_p.probabilities);
        }
    }

    #[test]
    fn serde_round_trip() {
        let c = Calibration {
            map: CalibrationMap::Isotonic {
                log_odds: vec![-1.0, 2.5],
                confidence: vec![0.25, 0.9],
                temperature: 4.0,
            },
            folds: 5,
            seed: 42,
            n_docs: 100,
            stale: false,
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Calibration>(&json).unwrap(), c);
        // `stale` is optional in files written before it existed.
        let old =
            r#"{"map":{"method":"temperature","temperature":2.0},"folds":5,"seed":1,"n_docs":3}"#;
        let c: Calibration = serde_json::from_str(old).unwrap();
        assert!(!c.stale && c.check().is_ok());
        let bad =
            r#"{"map":{"method":"temperature","temperature":-2.0},"folds":5,"seed":1,"n_docs":3}"#;
        assert!(serde_json::from_str::<Calibration>(bad)
            .unwrap()
            .check()
            .is_err());
    }
}
