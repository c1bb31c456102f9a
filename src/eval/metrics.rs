//! Evaluation: a streaming [`Meter`] (gold label, predicted class, probabilities) and
//! the [`Report`] it produces.
//!
//! A metric that is undefined is `None` (null in JSON), never 0: the precision of a
//! label that is never predicted, the recall of a label absent from the gold labels,
//! an average over such values, the MCC when a marginal is constant. Gold labels the
//! model does not know are counted (`n_unknown`, `unknown_labels`) and scored as errors.
//!
//! Conventions, and where they differ from scikit-learn:
//! - Averages (macro, weighted) run over the labels found in the gold labels or the
//!   predictions, as scikit-learn's default; F1 is `2TP / (2TP + FP + FN)`, which equals
//!   scikit-learn's (with `zero_division=0`) wherever a label occurs. scikit-learn turns an
//!   undefined precision or recall into 0 (with a warning) and averages it; here such a
//!   value, and any average that includes it, is `None`.
//! - MCC is Gorodkin's multiclass R_K, as `matthews_corrcoef`; when it is undefined
//!   (zero denominator) scikit-learn returns 0, here `None`.
//! - Log loss clips each probability to `[1e-15, 1 - 1e-15]`, renormalises the row and
//!   uses `1e-15` for a gold label the model does not know (as the peer harness,
//!   `bench/peers/common.py`).
//! - Brier score is the multiclass score of Brier (1950): the mean over rows of
//!   `sum_labels (p - y)^2`, in `[0, 2]`. scikit-learn's multiclass `brier_score_loss`
//!   is the same; its binary form only scores the positive class, giving half of this.
//! - ECE: 15 equal-width bins `((b-1)/15, b/15]` on the top label's confidence,
//!   `sum_b n_b / n * |accuracy_b - confidence_b|` (Guo et al. 2017).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Number of equal-width confidence bins of the expected calibration error.
pub const ECE_BINS: usize = 15;
/// Probability clip of the log loss.
pub const LOG_LOSS_EPS: f64 = 1e-15;

/// Accumulates predictions one at a time; [`Meter::report`] computes every metric.
/// Memory is `O(labels^2 + bins)`, whatever the number of rows.
///
/// ```
/// use pitchsift::eval::metrics::Meter;
/// let mut m = Meter::new(vec!["ham".into(), "spam".into()]);
/// m.add("ham", 0, &[0.9, 0.1]);
/// m.add("spam", 0, &[0.6, 0.4]);
/// let r = m.report();
/// assert_eq!(r.accuracy, Some(0.5));
/// assert_eq!(r.per_label["spam"].precision, None); // never predicted: undefined
/// assert_eq!(r.per_label["spam"].recall, Some(0.0));
/// ```
#[derive(Debug, Clone)]
pub struct Meter {
    labels: Vec<String>,
    /// Gold labels the model does not know, with their rows of the confusion matrix.
    unknown: BTreeMap<String, Vec<u64>>,
    /// Rows: gold (model labels), columns: predicted.
    confusion: Vec<Vec<u64>>,
    n: u64,
    log_loss: f64,
    brier: f64,
    bins: Vec<BinSums>,
}

#[derive(Debug, Clone, Copy, Default)]
struct BinSums {
    count: u64,
    confidence: f64,
    correct: u64,
}

impl Meter {
    /// A meter for a model with these labels (the columns of the probabilities).
    pub fn new(labels: Vec<String>) -> Meter {
        let k = labels.len();
        Meter {
            labels,
            unknown: BTreeMap::new(),
            confusion: vec![vec![0; k]; k],
            n: 0,
            log_loss: 0.0,
            brier: 0.0,
            bins: vec![BinSums::default(); ECE_BINS],
        }
    }

    /// The model's labels.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Record one row: its gold label, the predicted class (index into the labels) and
    /// the probability of every label.
    pub fn add(&mut self, gold: &str, predicted: usize, probabilities: &[f64]) {
        let gold_id = self.labels.iter().position(|l| l == gold);
        self.add_inner(gold_id, gold, predicted, probabilities);
    }

    /// Record one row whose gold label is the model's label `gold`.
    pub fn add_id(&mut self, gold: usize, predicted: usize, probabilities: &[f64]) {
        self.add_inner(Some(gold), "", predicted, probabilities);
    }

    fn add_inner(&mut self, gold: Option<usize>, name: &str, predicted: usize, p: &[f64]) {
        let k = self.labels.len();
        assert!(predicted < k, "predicted class out of range");
        assert_eq!(p.len(), k, "one probability per label");
        self.n += 1;
        match gold {
            Some(g) => self.confusion[g][predicted] += 1,
            None => {
                self.unknown
                    .entry(name.to_string())
                    .or_insert_with(|| vec![0; k])[predicted] += 1
            }
        }
        // Log loss, clipped and renormalised.
        let clip = |v: f64| v.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
        let total: f64 = p.iter().map(|&v| clip(v)).sum();
        let pg = gold.map_or(LOG_LOSS_EPS, |g| clip(p[g]) / total);
        self.log_loss -= pg.ln();
        // Brier: sum over labels of (p - y)^2; an unknown gold label adds (0 - 1)^2.
        let mut b: f64 = p
            .iter()
            .enumerate()
            .map(|(c, &v)| {
                let y = if gold == Some(c) { 1.0 } else { 0.0 };
                (v - y) * (v - y)
            })
            .sum();
        if gold.is_none() {
            b += 1.0;
        }
        self.brier += b;
        let conf = p[predicted];
        let bin = ece_bin(conf);
        self.bins[bin].count += 1;
        self.bins[bin].confidence += conf;
        self.bins[bin].correct += u64::from(gold == Some(predicted));
    }

    /// Add another meter's rows (same labels), e.g. one per fold or per thread.
    pub fn merge(&mut self, other: &Meter) {
        assert_eq!(self.labels, other.labels, "meters over different labels");
        for (a, b) in self.confusion.iter_mut().zip(&other.confusion) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
        for (l, row) in &other.unknown {
            let mine = self
                .unknown
                .entry(l.clone())
                .or_insert_with(|| vec![0; row.len()]);
            for (x, y) in mine.iter_mut().zip(row) {
                *x += y;
            }
        }
        self.n += other.n;
        self.log_loss += other.log_loss;
        self.brier += other.brier;
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            a.count += b.count;
            a.confidence += b.confidence;
            a.correct += b.correct;
        }
    }

    /// Every metric.
    pub fn report(&self) -> Report {
        // The confusion matrix over all labels: the model's and the unknown gold labels,
        // sorted together. Unknown labels are never predicted (all-zero columns).
        let mut all: Vec<(String, Option<&Vec<u64>>)> = self
            .labels
            .iter()
            .zip(&self.confusion)
            .map(|(l, r)| (l.clone(), Some(r)))
            .chain(self.unknown.iter().map(|(l, r)| (l.clone(), Some(r))))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let names: Vec<String> = all.iter().map(|a| a.0.clone()).collect();
        let col_of: Vec<usize> = self
            .labels
            .iter()
            .map(|l| names.binary_search(l).expect("label present"))
            .collect();
        let m = names.len();
        let mut matrix = vec![vec![0u64; m]; m];
        for (i, (_, row)) in all.iter().enumerate() {
            for (c, &v) in row.expect("row").iter().enumerate() {
                matrix[i][col_of[c]] += v;
            }
        }
        let known: Vec<bool> = names.iter().map(|l| self.labels.contains(l)).collect();
        Report::from_confusion(
            names,
            matrix,
            known,
            (self.n > 0).then(|| self.log_loss / self.n as f64),
            (self.n > 0).then(|| self.brier / self.n as f64),
            &self.bins,
        )
    }
}

/// The ECE bin of a confidence: `((b-1)/15, b/15]` is bin `b - 1`; 0 goes to bin 0.
pub fn ece_bin(confidence: f64) -> usize {
    let b = (confidence * ECE_BINS as f64).ceil() as isize - 1;
    b.clamp(0, ECE_BINS as isize - 1) as usize
}

/// Precision, recall, F1 and support of one label.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelScores {
    /// TP / (TP + FP); `None` when the label is never predicted.
    pub precision: Option<f64>,
    /// TP / (TP + FN); `None` when the label is not among the gold labels.
    pub recall: Option<f64>,
    /// 2TP / (2TP + FP + FN); `None` when the label is neither gold nor predicted.
    pub f1: Option<f64>,
    /// Rows with this gold label.
    pub support: u64,
    /// Rows predicted with this label.
    pub predicted: u64,
    /// Is the label one of the model's labels?
    pub known: bool,
}

/// The confusion matrix: `matrix[gold][predicted]` over `labels` (sorted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Confusion {
    /// Row and column labels.
    pub labels: Vec<String>,
    /// Counts, rows gold, columns predicted.
    pub matrix: Vec<Vec<u64>>,
}

/// One bin of the reliability diagram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge (excluded).
    pub lower: f64,
    /// Upper edge (included).
    pub upper: f64,
    /// Rows whose top confidence falls in the bin.
    pub count: u64,
    /// Mean top confidence; `None` for an empty bin.
    pub confidence: Option<f64>,
    /// Share of those rows predicted correctly; `None` for an empty bin.
    pub accuracy: Option<f64>,
}

/// Every metric of an evaluation. `None` means undefined.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Rows evaluated.
    pub n: u64,
    /// Rows whose gold label the model does not know.
    pub n_unknown: u64,
    /// Those labels, with their row counts.
    pub unknown_labels: BTreeMap<String, u64>,
    /// Correct / rows.
    pub accuracy: Option<f64>,
    /// Mean precision over labels that are gold or predicted.
    pub macro_precision: Option<f64>,
    /// Mean recall over labels that are gold or predicted.
    pub macro_recall: Option<f64>,
    /// Mean F1 over labels that are gold or predicted.
    pub macro_f1: Option<f64>,
    /// Micro precision (equals accuracy: one prediction per row).
    pub micro_precision: Option<f64>,
    /// Micro recall (equals accuracy).
    pub micro_recall: Option<f64>,
    /// Micro F1 (equals accuracy).
    pub micro_f1: Option<f64>,
    /// Support-weighted precision.
    pub weighted_precision: Option<f64>,
    /// Support-weighted recall.
    pub weighted_recall: Option<f64>,
    /// Support-weighted F1.
    pub weighted_f1: Option<f64>,
    /// Matthews correlation coefficient (Gorodkin's multiclass form).
    pub mcc: Option<f64>,
    /// Mean negative log probability of the gold label (natural log).
    pub log_loss: Option<f64>,
    /// Multiclass Brier score.
    pub brier: Option<f64>,
    /// Expected calibration error (15 bins, top label).
    pub ece: Option<f64>,
    /// Per label scores, by label.
    pub per_label: BTreeMap<String, LabelScores>,
    /// The confusion matrix.
    pub confusion: Confusion,
    /// The reliability diagram's bins.
    pub reliability: Vec<ReliabilityBin>,
}

fn mean_defined(values: impl Iterator<Item = (Option<f64>, f64)>) -> Option<f64> {
    let mut sum = 0.0;
    let mut weight = 0.0;
    for (v, w) in values {
        if w == 0.0 {
            continue;
        }
        sum += v? * w;
        weight += w;
    }
    (weight > 0.0).then(|| sum / weight)
}

impl Report {
    fn from_confusion(
        labels: Vec<String>,
        matrix: Vec<Vec<u64>>,
        known: Vec<bool>,
        log_loss: Option<f64>,
        brier: Option<f64>,
        bins: &[BinSums],
    ) -> Report {
        let m = labels.len();
        let n: u64 = matrix.iter().flatten().sum();
        let support: Vec<u64> = matrix.iter().map(|r| r.iter().sum()).collect();
        let predicted: Vec<u64> = (0..m).map(|c| matrix.iter().map(|r| r[c]).sum()).collect();
        let tp: Vec<u64> = (0..m).map(|i| matrix[i][i]).collect();
        let correct: u64 = tp.iter().sum();
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        let mut per_label = BTreeMap::new();
        let mut scores = Vec::with_capacity(m);
        for i in 0..m {
            let (fp, fn_) = (predicted[i] - tp[i], support[i] - tp[i]);
            let s = LabelScores {
                precision: ratio(tp[i], predicted[i]),
                recall: ratio(tp[i], support[i]),
                f1: ratio(2 * tp[i], 2 * tp[i] + fp + fn_),
                support: support[i],
                predicted: predicted[i],
                known: known[i],
            };
            per_label.insert(labels[i].clone(), s.clone());
            scores.push(s);
        }
        // Labels that take part in the averages: gold or predicted.
        let active = |i: usize| support[i] + predicted[i] > 0;
        let macro_of = |f: &dyn Fn(&LabelScores) -> Option<f64>| {
            mean_defined((0..m).map(|i| (f(&scores[i]), if active(i) { 1.0 } else { 0.0 })))
        };
        let weighted_of = |f: &dyn Fn(&LabelScores) -> Option<f64>| {
            mean_defined((0..m).map(|i| (f(&scores[i]), support[i] as f64)))
        };
        let accuracy = ratio(correct, n);
        // Gorodkin (2004): (c s - t.p) / sqrt((s^2 - p.p)(s^2 - t.t)).
        let (s, c) = (n as f64, correct as f64);
        let tp_dot: f64 = (0..m)
            .map(|i| support[i] as f64 * predicted[i] as f64)
            .sum();
        let pp: f64 = predicted.iter().map(|&v| (v as f64).powi(2)).sum();
        let tt: f64 = support.iter().map(|&v| (v as f64).powi(2)).sum();
        let denom = ((s * s - pp) * (s * s - tt)).sqrt();
        let mcc = (denom > 0.0).then(|| (c * s - tp_dot) / denom);
        let reliability: Vec<ReliabilityBin> = bins
            .iter()
            .enumerate()
            .map(|(b, sums)| ReliabilityBin {
                lower: b as f64 / ECE_BINS as f64,
                upper: (b + 1) as f64 / ECE_BINS as f64,
                count: sums.count,
                confidence: ratio(1, sums.count).map(|r| sums.confidence * r),
                accuracy: ratio(sums.correct, sums.count),
            })
            .collect();
        let ece = (n > 0).then(|| {
            bins.iter()
                .filter(|b| b.count > 0)
                .map(|b| {
                    let k = b.count as f64;
                    k / s * (b.correct as f64 / k - b.confidence / k).abs()
                })
                .sum()
        });
        let unknown_labels: BTreeMap<String, u64> = (0..m)
            .filter(|&i| !known[i])
            .map(|i| (labels[i].clone(), support[i]))
            .collect();
        Report {
            n,
            n_unknown: unknown_labels.values().sum(),
            unknown_labels,
            accuracy,
            macro_precision: macro_of(&|s| s.precision),
            macro_recall: macro_of(&|s| s.recall),
            macro_f1: macro_of(&|s| s.f1),
            micro_precision: accuracy,
            micro_recall: accuracy,
            micro_f1: accuracy,
            weighted_precision: weighted_of(&|s| s.precision),
            weighted_recall: weighted_of(&|s| s.recall),
            weighted_f1: weighted_of(&|s| s.f1),
            mcc,
            log_loss,
            brier,
            ece,
            per_label,
            confusion: Confusion { labels, matrix },
            reliability,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("defined");
        assert!((a - b).abs() < 1e-9, "{a} vs {b}");
    }

    /// Six rows, three labels (gold, predicted, probabilities of a, b, c):
    /// a a [.7 .2 .1] | a a [.62 .28 .1] | a b [.3 .5 .2] | b b [.1 .85 .05]
    /// b c [.2 .3 .5] | c c [.05 .1 .85]
    fn example() -> Report {
        let mut m = Meter::new(labels(&["a", "b", "c"]));
        let rows: [(&str, usize, [f64; 3]); 6] = [
            ("a", 0, [0.7, 0.2, 0.1]),
            ("a", 0, [0.62, 0.28, 0.1]),
            ("a", 1, [0.3, 0.5, 0.2]),
            ("b", 1, [0.1, 0.85, 0.05]),
            ("b", 2, [0.2, 0.3, 0.5]),
            ("c", 2, [0.05, 0.1, 0.85]),
        ];
        for (g, p, probs) in rows {
            m.add(g, p, &probs);
        }
        m.report()
    }

    #[test]
    fn counts_and_label_scores_by_hand() {
        let r = example();
        // Confusion (rows gold a, b, c; columns predicted): [2 1 0] [0 1 1] [0 0 1].
        assert_eq!(
            r.confusion.matrix,
            vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]
        );
        // a: TP 2 FP 0 FN 1 -> P 1, R 2/3, F1 4/5. b: TP 1 FP 1 FN 1 -> .5 .5 .5.
        // c: TP 1 FP 1 FN 0 -> P .5, R 1, F1 2/3.
        let a = &r.per_label["a"];
        close(a.precision, 1.0);
        close(a.recall, 2.0 / 3.0);
        close(a.f1, 0.8);
        assert_eq!(a.support, 3);
        close(r.per_label["b"].f1, 0.5);
        close(r.per_label["c"].f1, 2.0 / 3.0);
        // accuracy 4/6; macro P (1+.5+.5)/3, R (2/3+.5+1)/3 = 13/18, F1 (.8+.5+2/3)/3.
        close(r.accuracy, 4.0 / 6.0);
        close(r.macro_precision, 2.0 / 3.0);
        close(r.macro_recall, 13.0 / 18.0);
        close(r.macro_f1, (0.8 + 0.5 + 2.0 / 3.0) / 3.0);
        // weighted by support 3, 2, 1: P (3+1+.5)/6 = .75, R 4/6, F1 (2.4+1+2/3)/6.
        close(r.weighted_precision, 0.75);
        close(r.weighted_recall, 4.0 / 6.0);
        close(r.weighted_f1, (2.4 + 1.0 + 2.0 / 3.0) / 6.0);
        close(r.micro_f1, 4.0 / 6.0);
        // scikit-learn 1.9.1 gives the same: precision_recall_fscore_support(average=
        // 'macro') = (0.666667, 0.722222, 0.655556), 'weighted' = (0.75, 0.666667, 0.677778).
        close(r.macro_f1, 0.6555555555555556);
        close(r.weighted_f1, 0.6777777777777779);
    }

    #[test]
    fn mcc_log_loss_brier_ece_by_hand() {
        let r = example();
        // MCC: s 6, c 4, t (3 2 1), p (2 2 2): (4*6 - 12) / sqrt((36-12)(36-14)) = 12/sqrt(528).
        // sklearn matthews_corrcoef: 0.5222329678670935.
        close(r.mcc, 12.0 / 528f64.sqrt());
        close(r.mcc, 0.5222329678670935);
        // Log loss: -(ln .7 + ln .62 + 2 ln .3 + 2 ln .85) / 6; sklearn log_loss 0.5946157020881925.
        let ll = -(0.7f64.ln() + 0.62f64.ln() + 2.0 * 0.3f64.ln() + 2.0 * 0.85f64.ln()) / 6.0;
        close(r.log_loss, ll);
        close(r.log_loss, 0.5946157020881925);
        // Brier rows: .14, .2328, .78, .035, .78, .035 -> 2.0028 / 6;
        // sklearn 1.9 multiclass brier_score_loss: 0.3338.
        close(r.brier, 2.0028 / 6.0);
        // ECE: confidences .7 (right, bin 10), .62 (right, bin 9), .5 and .5 (wrong, bin 7),
        // .85 and .85 (right, bin 12): (.3 + .38 + 2*.5 + 2*.15) / 6 = 1.98 / 6 = 0.33.
        close(r.ece, 0.33);
        assert_eq!(r.reliability[7].count, 2);
        close(r.reliability[7].accuracy, 0.0);
        close(r.reliability[12].confidence, 0.85);
        assert_eq!(r.reliability[0].confidence, None);
    }

    #[test]
    fn ece_bins_are_right_closed() {
        assert_eq!(ece_bin(1.0), 14);
        assert_eq!(ece_bin(0.0), 0);
        assert_eq!(ece_bin(0.5), 7); // (7/15, 8/15] = (.467, .533]
        assert_eq!(ece_bin(0.999), 14);
        assert_eq!(ece_bin(0.07), 1); // just above 1/15
    }

    #[test]
    fn undefined_is_none_not_zero() {
        // Gold a b b, predicted b b b (labels a, b, c).
        let mut m = Meter::new(labels(&["a", "b", "c"]));
        m.add("a", 1, &[0.2, 0.7, 0.1]);
        m.add("b", 1, &[0.2, 0.7, 0.1]);
        m.add("b", 1, &[0.2, 0.7, 0.1]);
        let r = m.report();
        // a is never predicted: precision undefined; recall 0; F1 = 0 / (0 + 0 + 1) = 0.
        assert_eq!(r.per_label["a"].precision, None);
        close(r.per_label["a"].recall, 0.0);
        close(r.per_label["a"].f1, 0.0);
        // c is neither gold nor predicted: everything undefined, left out of averages.
        assert_eq!(r.per_label["c"].f1, None);
        // The macro precision includes a's undefined precision: undefined
        // (scikit-learn reports 0.3333 with zero_division=0).
        assert_eq!(r.macro_precision, None);
        // Macro F1 over a and b: (0 + 2*2/(4+1+0)) / 2 = 0.4 (scikit-learn: 0.4).
        close(r.macro_f1, 0.4);
        // Every prediction is b: s^2 - p.p = 9 - 9 = 0, MCC undefined (scikit-learn: 0.0).
        assert_eq!(r.mcc, None);
        let json = serde_json::to_value(&r).unwrap();
        assert!(json["mcc"].is_null());
        assert!(json["per_label"]["a"]["precision"].is_null());
    }

    #[test]
    fn empty_meter_is_all_undefined() {
        let r = Meter::new(labels(&["a", "b"])).report();
        assert_eq!(r.n, 0);
        assert_eq!(r.accuracy, None);
        assert_eq!(r.macro_f1, None);
        assert_eq!(r.log_loss, None);
        assert_eq!(r.ece, None);
    }

    #[test]
    fn unknown_gold_labels_are_counted() {
        let mut m = Meter::new(labels(&["ham", "spam"]));
        m.add("ham", 0, &[0.9, 0.1]);
        m.add("phish", 1, &[0.25, 0.75]);
        m.add("spam", 1, &[0.5, 0.5]);
        let r = m.report();
        assert_eq!(r.n, 3);
        assert_eq!(r.n_unknown, 1);
        assert_eq!(r.unknown_labels["phish"], 1);
        assert_eq!(r.confusion.labels, ["ham", "phish", "spam"]);
        assert_eq!(r.confusion.matrix[1], vec![0, 0, 1]);
        let phish = &r.per_label["phish"];
        assert!(!phish.known);
        assert_eq!(phish.precision, None);
        close(phish.recall, 0.0);
        close(r.accuracy, 2.0 / 3.0);
        // Brier: ham row .01+.01 = .02; phish row .0625+.5625+1 = 1.625; spam row .25+.25 = .5.
        close(r.brier, (0.02 + 1.625 + 0.5) / 3.0);
        // Log loss: -(ln .9 + ln 1e-15 + ln .5) / 3.
        close(
            r.log_loss,
            -(0.9f64.ln() + 1e-15f64.ln() + 0.5f64.ln()) / 3.0,
        );
    }

    #[test]
    fn log_loss_clips_certain_mistakes() {
        let mut m = Meter::new(labels(&["a", "b"]));
        m.add("a", 1, &[0.0, 1.0]);
        let r = m.report();
        // p(a) clipped to 1e-15, the row renormalised by 1e-15 + (1 - 1e-15) = 1.
        close(r.log_loss, -(1e-15f64).ln());
        // Binary Brier: (0-1)^2 + (1-0)^2 = 2 (scikit-learn's binary form gives 1).
        close(r.brier, 2.0);
    }

    #[test]
    fn merge_equals_one_meter() {
        let rows = [
            ("a", 0, [0.8, 0.2]),
            ("b", 0, [0.6, 0.4]),
            ("b", 1, [0.3, 0.7]),
            ("z", 1, [0.1, 0.9]),
        ];
        let mut one = Meter::new(labels(&["a", "b"]));
        let mut x = Meter::new(labels(&["a", "b"]));
        let mut y = Meter::new(labels(&["a", "b"]));
        for (i, (g, p, probs)) in rows.iter().enumerate() {
            one.add(g, *p, probs);
            if i % 2 == 0 { &mut x } else { &mut y }.add(g, *p, probs);
        }
        x.merge(&y);
        let (a, b) = (one.report(), x.report());
        assert_eq!(a.confusion, b.confusion);
        assert_eq!(a.per_label, b.per_label);
        close(b.log_loss, a.log_loss.unwrap());
        close(b.ece, a.ece.unwrap());
    }
}
