//! Active labelling: which unlabelled messages are most worth a label, and folding the
//! answers into a model exactly, in memory.
//!
//! A [`Strategy`] scores every candidate message against a model and [`select`] picks the
//! `k` best, deterministically (ties go to the earlier row):
//! - `Random { seed }`: a seeded shuffle, the baseline every other strategy is measured
//!   against.
//! - `Margin`: `1 - (p1 - p2)`, the gap between the two most probable labels (Scheffer et
//!   al. 2001); `Entropy`: the entropy of the probabilities over `ln(labels)`.
//! - `Dense`: margin times the message's typicality of the pool, its mean cosine
//!   similarity to the other candidates (Settles & Craven 2008 "information density"), so
//!   that outliers are not all that gets asked.
//! - `Diverse`: `Dense`, chosen greedily, each score multiplied by `1 - s` where `s` is
//!   the candidate's largest cosine similarity to a message already chosen, so thirty
//!   near-identical promotions are not all asked.
//!
//! Similarities use the model's own document vectors (its features, weighted as the model
//! weights them, scaled to unit length). The typicality is the dot product with the sum of
//! the other vectors, over `n - 1`: linear in the size of the pool.
//!
//! [`update`] adds labelled messages to a model loaded with its counts and refits it: the
//! same model, byte for byte, as `pitchsift-train --update` with those rows.
//!
//! ```
//! use pitchsift::active::{select, Strategy};
//! use pitchsift::nb::counts::{CountBuilder, Doc};
//! use pitchsift::nb::classifier::Classifier;
//! use pitchsift::params::TrainParams;
//!
//! let params = TrainParams::default().check().unwrap();
//! let mut b = CountBuilder::new(params.analyzer(), params.fit()).unwrap();
//! let (s, n) = (b.class_id("sales"), b.class_id("networking"));
//! b.add(&[
//!     Doc { text: "book a quick demo of our platform", class: s, weight: 1 },
//!     Doc { text: "great meeting you at the conference", class: n, weight: 1 },
//! ]);
//! let clf = Classifier::fit(b.finish(), &params, "example").unwrap();
//! let pool = ["book a demo", "great conference demo", "meeting you"];
//! let picked = select(&clf, &pool, Strategy::Margin, 1, |_| false);
//! assert_eq!(picked, [1]); // the message with words of both labels
//! ```

use std::path::Path;

use crate::par::*;
use csv::{ByteRecord, StringRecord};

use crate::corpus::{
    column_name, earlier_prediction, output_column_names, CsvOptions, CsvSource, RawRow,
};
use crate::error::{Error, Location, Result};
use crate::eval::cv::SplitMix64;
use crate::explain::runner_up;
use crate::nb::classifier::{Classifier, Prediction};
use crate::nb::counts::{CountBuilder, Doc};

/// The columns a label file adds after the input's own: the label the user gives (empty
/// until then) and the row's training weight.
pub const ADDED_COLUMNS: [&str; 2] = ["label", "weight"];

/// Unlabelled messages to choose from: an input CSV held in memory, every column kept so
/// that it can be passed through, except the columns pitchsift writes itself (see
/// [`Pool::read`]).
#[derive(Debug, Clone)]
pub struct Pool {
    /// The input's header (the columns kept).
    pub headers: StringRecord,
    /// Its records (the columns kept), in input order.
    pub records: Vec<ByteRecord>,
    /// The 1-based line each record starts on.
    pub lines: Vec<u64>,
    /// Each record's text.
    pub texts: Vec<String>,
    /// The label each record already has in the input's `label` column (`None`: empty
    /// or no such column). A labelled message counts as answered: never suggested or
    /// asked again.
    pub labels: Vec<Option<String>>,
    /// The input's columns left out: an earlier prediction's (`predicted` and the
    /// `confidence`, `p_<label>` and `explanation` columns after it) and a label file's
    /// (`label`, `weight`), all of which the output writes afresh.
    pub dropped: Vec<String>,
}

impl Pool {
    /// Read a whole CSV input (`-` is standard input). A predictions file
    /// (`pitchsift-predict` output) and a label file are inputs like any other: the
    /// columns of an earlier prediction (`predicted`, then `confidence`, `p_<label>`,
    /// `explanation`) are left out, since the output has the model's own; `label` and
    /// `weight` are left out too and written afresh, and a non-empty `label` is kept in
    /// [`Pool::labels`] (the message is answered).
    ///
    /// Errors: any error of [`CsvSource`] (file, line and column); [`Error::BadField`]
    /// for a header with `label` twice, or a `confidence` or `p_*` column that is not
    /// after `predicted` (the output would repeat it).
    pub fn read(path: &Path, csv: &CsvOptions) -> Result<Pool> {
        let opts = CsvOptions {
            label_col: None,
            weight_col: None,
            ..csv.clone()
        };
        let mut src = CsvSource::open(path, &opts)?;
        let text_idx = src.column(&opts.text_col)?;
        let earlier = earlier_prediction(src.headers(), text_idx);
        let names: Vec<String> = src
            .headers()
            .iter()
            .map(|h| column_name(h).to_ascii_lowercase())
            .collect();
        let (mut keep, mut label_idx, mut dropped) = (Vec::new(), None, Vec::new());
        for (i, h) in names.iter().enumerate() {
            if i == text_idx {
                keep.push(i);
            } else if earlier.contains(&i) {
                dropped.push(src.headers()[i].to_string());
            } else if ADDED_COLUMNS.contains(&h.as_str()) {
                if h == ADDED_COLUMNS[0] && label_idx.replace(i).is_some() {
                    return Err(Error::BadField {
                        location: src.location(1, i),
                        message: "a second `label` column".into(),
                    });
                }
                dropped.push(src.headers()[i].to_string());
            } else {
                keep.push(i);
            }
        }
        let headers: StringRecord = output_column_names(src.headers(), &keep, text_idx)
            .into_iter()
            .collect();
        let mut pool = Pool {
            headers,
            records: Vec::new(),
            lines: Vec::new(),
            texts: Vec::new(),
            labels: Vec::new(),
            dropped,
        };
        let mut row = RawRow::default();
        while src.read(&mut row)? {
            pool.texts.push(src.text(&row)?.into_owned());
            pool.lines.push(row.line);
            let label = match label_idx {
                Some(i) => Some(src.field(&row, i)?).filter(|l| !l.is_empty()),
                None => None,
            };
            pool.labels.push(label.map(str::to_string));
            let fields = keep.iter().map(|&i| row.record.get(i).unwrap_or(b""));
            pool.records.push(fields.collect());
        }
        Ok(pool)
    }

    /// Messages that already have a label in the input.
    pub fn labelled(&self) -> usize {
        self.labels.iter().filter(|l| l.is_some()).count()
    }

    /// Is message `i` blank (empty or only white space)? A blank message is never
    /// suggested or asked: every model gives it the prior, so it always looks the most
    /// uncertain, and a label for it teaches the model nothing about any word.
    pub fn is_blank(&self, i: usize) -> bool {
        self.texts[i].trim().is_empty()
    }

    /// Is message `i` settled before any answer: labelled in the input, or blank?
    /// Such a message is never suggested or asked.
    pub fn settled(&self, i: usize) -> bool {
        self.labels[i].is_some() || self.is_blank(i)
    }

    /// Blank messages without a label in the input (see [`Pool::is_blank`]).
    pub fn blank(&self) -> usize {
        (0..self.len())
            .filter(|&i| self.labels[i].is_none() && self.is_blank(i))
            .count()
    }

    /// Number of messages.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Is the pool empty?
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// The input file's line of record `i`, for messages.
    pub fn location(&self, path: &Path, i: usize) -> Location {
        Location::file(path).line(self.lines[i])
    }
}

/// How candidates are ranked (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// A seeded shuffle.
    Random {
        /// The shuffle's seed.
        seed: u64,
    },
    /// Smallest gap between the two most probable labels first.
    Margin,
    /// Largest entropy of the probabilities first.
    Entropy,
    /// Margin uncertainty times typicality.
    Dense,
    /// Typicality-weighted margin, chosen greedily away from the messages already chosen.
    Diverse,
}

impl Strategy {
    /// The strategy's name, as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Random { .. } => "random",
            Strategy::Margin => "margin",
            Strategy::Entropy => "entropy",
            Strategy::Dense => "dense",
            Strategy::Diverse => "diverse",
        }
    }
}

/// One candidate message as the model sees it.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The model's prediction.
    pub prediction: Prediction,
    /// Its uncertainty under the strategy's measure, in `[0, 1]` (larger: more worth a
    /// label); 0 for [`Strategy::Random`].
    pub uncertainty: f64,
    /// The joint log-likelihood gap between the predicted label and the runner-up
    /// (breaks ties in the calibrated probabilities, which are flat between knots).
    pub gap: f64,
    /// The document's unit-length feature vector, sorted by feature id; empty unless the
    /// strategy is [`Strategy::Dense`] or [`Strategy::Diverse`], the two that use it.
    vector: Vec<(u32, f64)>,
}

/// The margin uncertainty `1 - (p1 - p2)` of a probability vector.
pub fn margin_uncertainty(p: &[f64]) -> f64 {
    let (mut a, mut b) = (0.0f64, 0.0f64);
    for &x in p {
        if x > a {
            b = a;
            a = x;
        } else if x > b {
            b = x;
        }
    }
    1.0 - (a - b)
}

/// The entropy of a probability vector over its largest value, `ln(len)`.
pub fn entropy_uncertainty(p: &[f64]) -> f64 {
    if p.len() < 2 {
        return 0.0;
    }
    let h: f64 = p.iter().filter(|&&x| x > 0.0).map(|&x| -x * x.ln()).sum();
    h / (p.len() as f64).ln()
}

/// Score every text against `clf` (in parallel, in input order). Only `Dense` and
/// `Diverse` keep each document's vector (see [`typicality`]): the others need none, and
/// 100,000 messages' vectors took hundreds of megabytes.
pub fn score<S: AsRef<str> + Sync>(
    clf: &Classifier,
    texts: &[S],
    strategy: Strategy,
) -> Vec<Scored> {
    let vectors = matches!(strategy, Strategy::Dense | Strategy::Diverse);
    texts
        .par_iter()
        .map_init(
            || clf.scorer(),
            |s, t| {
                let (prediction, jll, feats) = if vectors {
                    s.predict_with_features(t.as_ref())
                } else {
                    let (p, jll) = s.predict_with_jll(t.as_ref());
                    (p, jll, Vec::new())
                };
                let gap = runner_up(&jll, prediction.class)
                    .map_or(f64::INFINITY, |r| jll[prediction.class] - jll[r]);
                let uncertainty = match strategy {
                    Strategy::Random { .. } => 0.0,
                    Strategy::Entropy => entropy_uncertainty(&prediction.probabilities),
                    _ => margin_uncertainty(&prediction.probabilities),
                };
                let norm = feats.iter().map(|(_, v)| v * v).sum::<f64>().sqrt();
                let vector = if norm > 0.0 {
                    feats.into_iter().map(|(f, v)| (f, v / norm)).collect()
                } else {
                    Vec::new()
                };
                Scored {
                    prediction,
                    uncertainty,
                    gap,
                    vector,
                }
            },
        )
        .collect()
}

/// Each candidate's typicality: its mean cosine similarity to the other candidates
/// (`x_i . (sum_j x_j - x_i) / (n - 1)`); all 1 for fewer than two candidates. `scored`
/// comes from [`score`] with `Dense` or `Diverse` (the others keep no vectors: all 0).
pub fn typicality(scored: &[Scored], candidates: &[usize]) -> Vec<f64> {
    let n = candidates.len();
    if n < 2 {
        return vec![1.0; n];
    }
    let dim = candidates
        .iter()
        .flat_map(|&i| scored[i].vector.last().map(|&(f, _)| f as usize + 1))
        .max()
        .unwrap_or(0);
    let mut sum = vec![0.0f64; dim];
    for &i in candidates {
        for &(f, v) in &scored[i].vector {
            sum[f as usize] += v;
        }
    }
    candidates
        .iter()
        .map(|&i| {
            let x = &scored[i].vector;
            let self_dot: f64 = x.iter().map(|(_, v)| v * v).sum();
            let dot: f64 = x.iter().map(|&(f, v)| v * sum[f as usize]).sum();
            ((dot - self_dot) / (n - 1) as f64).max(0.0)
        })
        .collect()
}

fn cosine(a: &[(u32, f64)], dense: &[f64]) -> f64 {
    a.iter()
        .map(|&(f, v)| v * dense.get(f as usize).copied().unwrap_or(0.0))
        .sum()
}

/// The `k` texts most worth labelling, best first, as indices into `texts`; texts for
/// which `skip(i)` is true are never chosen (already answered, say). The same inputs
/// give the same answer.
pub fn select<S: AsRef<str> + Sync>(
    clf: &Classifier,
    texts: &[S],
    strategy: Strategy,
    k: usize,
    skip: impl Fn(usize) -> bool,
) -> Vec<usize> {
    let scored = score(clf, texts, strategy);
    select_scored(&scored, strategy, k, skip)
}

/// [`select`] on messages already [`score`]d with the same strategy.
pub fn select_scored(
    scored: &[Scored],
    strategy: Strategy,
    k: usize,
    skip: impl Fn(usize) -> bool,
) -> Vec<usize> {
    let mut candidates: Vec<usize> = (0..scored.len()).filter(|&i| !skip(i)).collect();
    let k = k.min(candidates.len());
    if let Strategy::Random { seed } = strategy {
        SplitMix64::new(seed).shuffle(&mut candidates);
        candidates.truncate(k);
        return candidates;
    }
    let mut value: Vec<f64> = candidates.iter().map(|&i| scored[i].uncertainty).collect();
    if matches!(strategy, Strategy::Dense | Strategy::Diverse) {
        for (v, t) in value.iter_mut().zip(typicality(scored, &candidates)) {
            *v *= t;
        }
    }
    // Larger value first; then the smaller log-likelihood gap; then the earlier row.
    let better = |a: usize, b: usize, va: f64, vb: f64| {
        vb.total_cmp(&va)
            .then(scored[a].gap.total_cmp(&scored[b].gap))
            .then(a.cmp(&b))
    };
    if strategy != Strategy::Diverse {
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by(|&x, &y| better(candidates[x], candidates[y], value[x], value[y]));
        return order.into_iter().take(k).map(|x| candidates[x]).collect();
    }
    // Greedy: each pick scales the others by 1 - (their largest similarity to a pick).
    let mut closest = vec![0.0f64; candidates.len()];
    let mut taken = vec![false; candidates.len()];
    let mut out = Vec::with_capacity(k);
    let mut dense = Vec::new();
    for _ in 0..k {
        let best = (0..candidates.len())
            .filter(|&x| !taken[x])
            .min_by(|&x, &y| {
                let (vx, vy) = (value[x] * (1.0 - closest[x]), value[y] * (1.0 - closest[y]));
                better(candidates[x], candidates[y], vx, vy)
            })
            .expect("k is at most the number of candidates");
        taken[best] = true;
        out.push(candidates[best]);
        let picked = &scored[candidates[best]].vector;
        dense.clear();
        dense.resize(picked.last().map_or(0, |&(f, _)| f as usize + 1), 0.0);
        for &(f, v) in picked {
            dense[f as usize] = v;
        }
        for (x, c) in closest.iter_mut().enumerate() {
            if !taken[x] {
                *c = c.max(cosine(&scored[candidates[x]].vector, &dense).clamp(0.0, 1.0));
            }
        }
    }
    out
}

/// Add labelled messages `(text, label, weight)` to a model loaded with its counts, and
/// refit: exactly what `pitchsift-train --update` does with a CSV of those rows. Unknown
/// labels become new labels. The model's calibration map (not a function of the counts)
/// is kept, marked stale. `base` is not changed.
///
/// Errors: as [`crate::grow::update_with`] (a model without counts).
pub fn update(base: &Classifier, labelled: &[(String, String, u32)]) -> Result<Classifier> {
    let params = &base.params;
    let mut b = CountBuilder::new(params.analyzer(), params.fit())?;
    let classes: Vec<u32> = labelled.iter().map(|(_, l, _)| b.class_id(l)).collect();
    let docs: Vec<Doc> = labelled
        .iter()
        .zip(&classes)
        .filter(|((_, _, w), _)| *w > 0)
        .map(|((t, _, w), &class)| Doc {
            text: t,
            class,
            weight: *w,
        })
        .collect();
    b.add(&docs);
    let new = b.finish();
    let old = base.counts.as_ref().ok_or_else(|| {
        crate::Error::Incompatible(
            "the model was loaded without its counts and cannot be grown".into(),
        )
    })?;
    let counts = old.merge(&new)?;
    let clf = Classifier::fit(counts, params, "labels given in this session")?;
    let mut clf = crate::grow::carry_over(&[&base.info], clf);
    clf.calibration = base
        .calibration
        .clone()
        .map(crate::nb::calibrate::Calibration::into_stale);
    Ok(clf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::TrainParams;
    use crate::test_util::{fit, TRAIN};

    fn model() -> Classifier {
        fit(&TRAIN, &TrainParams::default().check().unwrap())
    }

    #[test]
    fn uncertainty_measures() {
        // Hand-computed: margin 1 - (0.5 - 0.3); entropy of (0.5, 0.3, 0.2) over ln 3.
        assert!((margin_uncertainty(&[0.2, 0.5, 0.3]) - 0.8).abs() < 1e-12);
        let h = -(0.5f64 * 0.5f64.ln() + 0.3 * 0.3f64.ln() + 0.2 * 0.2f64.ln()) / 3f64.ln();
        assert!((entropy_uncertainty(&[0.5, 0.3, 0.2]) - h).abs() < 1e-12);
        assert_eq!(entropy_uncertainty(&[1.0, 0.0]), 0.0);
        assert!((entropy_uncertainty(&[0.5, 0.5]) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn random_is_a_seeded_shuffle_and_skips() {
        let clf = model();
        let pool: Vec<String> = (0..20).map(|i| format!("message {i}")).collect();
        let a = select(&clf, &pool, Strategy::Random { seed: 7 }, 5, |i| i == 3);
        assert_eq!(
            a,
            select(&clf, &pool, Strategy::Random { seed: 7 }, 5, |i| i == 3)
        );
        assert_ne!(
            a,
            select(&clf, &pool, Strategy::Random { seed: 8 }, 5, |i| i == 3)
        );
        assert!(!a.contains(&3));
        assert_eq!(
            select(&clf, &pool, Strategy::Margin, 50, |_| false).len(),
            20
        );
    }

    #[test]
    fn margin_asks_the_mixed_message_first() {
        let clf = model();
        let pool = [
            "book a quick demo",             // clearly sales
            "great demo at the conference",  // words of both
            "loved meeting you at the talk", // clearly networking
        ];
        assert_eq!(select(&clf, &pool, Strategy::Margin, 1, |_| false), [1]);
        assert_eq!(select(&clf, &pool, Strategy::Entropy, 1, |_| false), [1]);
    }

    #[test]
    fn typicality_is_the_mean_cosine_to_the_others() {
        let clf = model();
        let pool = ["book a demo", "book a demo", "loved your talk"];
        let s = score(&clf, &pool, Strategy::Dense);
        let t = typicality(&s, &[0, 1, 2]);
        // Two identical messages share half their mean with each other (cosine 1) and
        // nothing with the third: (1 + 0) / 2.
        assert!((t[0] - 0.5).abs() < 1e-12, "{t:?}");
        assert!((t[1] - 0.5).abs() < 1e-12);
        assert!(t[2].abs() < 1e-12);
    }

    #[test]
    fn diverse_does_not_ask_a_near_copy_twice() {
        let clf = model();
        let pool = [
            "great demo at the conference",
            "great demo at the conference",
            "pricing talk for the meetup team",
        ];
        // The second copy is scaled by 1 - cosine 1 = 0 once the first is picked.
        let diverse = select(&clf, &pool, Strategy::Diverse, 2, |_| false);
        assert!(diverse.contains(&2), "{diverse:?}");
        assert!(
            !(diverse.contains(&0) && diverse.contains(&1)),
            "{diverse:?}"
        );
    }

    #[test]
    fn update_equals_training_on_the_union() {
        let p = TrainParams::default().check().unwrap();
        let base = fit(&TRAIN, &p);
        let new = [
            (
                "we are hiring engineers".to_string(),
                "recruiting".to_string(),
                2,
            ),
            ("quick demo call".to_string(), "sales".to_string(), 1),
        ];
        let grown = update(&base, &new).unwrap();
        let mut all: Vec<(&str, &str)> = TRAIN.to_vec();
        all.push(("we are hiring engineers", "recruiting"));
        all.push(("we are hiring engineers", "recruiting"));
        all.push(("quick demo call", "sales"));
        let whole = fit(&all, &p);
        // The same fitted model; the stored counts differ only in document frequency (a
        // row of weight 2 is one document, two copies are two).
        assert_eq!(grown.model, whole.model);
        assert_eq!(grown.labels, whole.labels);
        assert_eq!(grown.class_docs, whole.class_docs);
    }
}
