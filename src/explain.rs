//! Reasons for a prediction: the terms that pushed the message most toward the
//! predicted label and away from the runner-up, or from a label the user names.
//!
//! Naive Bayes is linear in the document's features:
//! `jll[c] = bias[c] + sum_f x[f] * w[f, c]`, so the gap between the predicted label `p`
//! and the runner-up `r` (the label with the second largest joint log-likelihood) splits
//! exactly into one term per feature, `x[f] * (w[f, p] - w[f, r])`, plus the prior gap
//! `bias[p] - bias[r]`. An explanation lists the `k` largest positive terms, in nats
//! (natural-log units of the odds between the two labels).
//!
//! The runner-up answers "why this label and not the next most likely one". The
//! question may be another: for a message taken for `sales` whose runner-up is
//! `recruiting`, "why is this not networking?" is answered by the same split against
//! `networking` ([`explain_against`]; the gap to any label splits the same way, and it
//! is positive, since the prediction has the largest joint log-likelihood).
//!
//! A hashed model (`--hash-bits`) keeps no words, only buckets (`#<bucket>`): [`explain`]
//! names each bucket by the n-grams of the message that fall in it, `quick demo (#4711)`
//! (other words of the training data may share the bucket and its weight);
//! [`indicative_terms`] has no message and names buckets only.
//!
//! ```
//! use pitchsift::nb::counts::{CountBuilder, Doc};
//! use pitchsift::nb::classifier::Classifier;
//! use pitchsift::explain::explain;
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
//! let (p, reasons) = explain(&mut clf.scorer(), "can I book a demo?", 2);
//! assert_eq!(clf.labels[p.class], "sales");
//! assert!(reasons[0].weight > 0.0);
//! assert_eq!(reasons.len(), 2);
//! assert!(reasons[0].weight >= reasons[1].weight && reasons[1].weight > 0.0);
//! ```

use crate::par::*;
use serde::Serialize;

use crate::features::fingerprint::{bucket, bucket_of_term};
use crate::nb::classifier::{Classifier, Prediction, Scorer};
use crate::text::{shown_term, Analyzer};

/// One term of an explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    /// The term (a token or an n-gram, words joined by spaces) as a person reads it:
    /// placeholders written `[money]`, `[url]`... ([`crate::text::shown_term`]).
    pub term: String,
    /// How much it moved the log-odds of the predicted label against the runner-up,
    /// in nats: `value x (w[f, predicted] - w[f, runner_up])`.
    pub weight: f64,
}

/// The class with the second largest joint log-likelihood (ties to the lowest id);
/// `None` with a single class.
pub fn runner_up(jll: &[f64], top: usize) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &v) in jll.iter().enumerate() {
        if i != top && best.is_none_or(|b| v > jll[b]) {
            best = Some(i);
        }
    }
    best
}

/// The `k` features of `features` (`(feature id, value)` pairs) that add most to
/// `jll[top] - jll[other]`, largest first (ties by term); only positive ones.
pub fn reasons(
    clf: &Classifier,
    features: &[(u32, f64)],
    top: usize,
    other: usize,
    k: usize,
) -> Vec<Reason> {
    if k == 0 {
        return Vec::new();
    }
    let m = &clf.model;
    let all: Vec<(f64, u32)> = features
        .iter()
        .map(|&(f, v)| (v * (m.weight(f, top) - m.weight(f, other)), f))
        .filter(|&(d, _)| d > 0.0)
        .collect();
    top_reasons(clf, all, k)
}

/// The `k` largest `(weight, feature)` pairs as reasons, largest first, ties by term.
fn top_reasons(clf: &Classifier, mut all: Vec<(f64, u32)>, k: usize) -> Vec<Reason> {
    let by_weight = |a: &(f64, u32), b: &(f64, u32)| {
        b.0.total_cmp(&a.0)
            .then_with(|| clf.features()[a.1 as usize].cmp(&clf.features()[b.1 as usize]))
    };
    if all.len() > k {
        all.select_nth_unstable_by(k - 1, by_weight);
        all.truncate(k);
    }
    all.sort_by(by_weight);
    all.into_iter()
        .map(|(d, f)| Reason {
            term: shown_term(&clf.features()[f as usize]).into_owned(),
            weight: d,
        })
        .collect()
}

/// Predict one message (exactly as [`Scorer::predict`]) and explain it with up to `k`
/// terms against the runner-up (a hashed model's buckets named by the message's words,
/// see the module documentation).
pub fn explain(scorer: &mut Scorer<'_>, text: &str, k: usize) -> (Prediction, Vec<Reason>) {
    explain_against(scorer, text, k, None)
}

/// [`explain`] against label `against` (a class id) instead of the runner-up; when the
/// prediction is `against` itself, or with `None`, against the runner-up.
pub fn explain_against(
    scorer: &mut Scorer<'_>,
    text: &str,
    k: usize,
    against: Option<usize>,
) -> (Prediction, Vec<Reason>) {
    let (p, jll, feats) = scorer.predict_with_features(text);
    let clf = scorer.classifier();
    let other = match against {
        Some(a) if a != p.class && a < jll.len() => Some(a),
        _ => runner_up(&jll, p.class),
    };
    let mut why = match other {
        Some(r) => reasons(clf, &feats, p.class, r, k),
        None => Vec::new(),
    };
    name_buckets(clf, text, &mut why);
    (p, why)
}

/// With feature hashing, name each reason's bucket `#b` by the n-grams of `text` that
/// fall in it: `word / other words (#b)`, in the message's order. The buckets are those
/// the scorer found (the same analyzer, the same hash); anything else is left as it is.
fn name_buckets(clf: &Classifier, text: &str, why: &mut [Reason]) {
    let Some(bits) = clf.params.analyzer().hash_bits else {
        return;
    };
    let wanted: Vec<Option<u64>> = why.iter().map(|r| bucket_of_term(&r.term)).collect();
    if wanted.iter().all(Option::is_none) {
        return;
    }
    let words_of = crate::text::AnalyzerConfig {
        hash_bits: None,
        ..clf.params.analyzer().clone()
    };
    let Ok(mut analyzer) = Analyzer::new(words_of) else {
        return;
    };
    let mut words: Vec<Vec<String>> = vec![Vec::new(); why.len()];
    analyzer.for_each_term(text, |t| {
        let b = bucket(t.as_bytes(), bits);
        let shown = shown_term(t);
        for (w, want) in words.iter_mut().zip(&wanted) {
            if *want == Some(b) && !w.iter().any(|x| *x == shown) {
                w.push(shown.to_string());
            }
        }
    });
    for (r, w) in why.iter_mut().zip(words) {
        if !w.is_empty() {
            r.term = format!("{} ({})", w.join(" / "), r.term);
        }
    }
}

/// [`explain`] many messages in parallel on the current rayon pool, in input order
/// (against `against`, see [`explain_against`]).
pub fn explain_batch<S: AsRef<str> + Sync>(
    clf: &Classifier,
    texts: &[S],
    k: usize,
    against: Option<usize>,
) -> Vec<(Prediction, Vec<Reason>)> {
    texts
        .par_iter()
        .map_init(
            || clf.scorer(),
            |s, t| explain_against(s, t.as_ref(), k, against),
        )
        .collect()
}

/// The `n` terms most indicative of each class: for class `c`, the features with the
/// largest `w[f, c] - mean(w[f, c'] for c' != c)` (in nats for multinomial NB; the same
/// contrast of complement NB's weights otherwise), largest first, ties by term.
/// Returns one list per class.
pub fn indicative_terms(clf: &Classifier, n: usize) -> Vec<Vec<Reason>> {
    let k = clf.labels.len();
    (0..k)
        .map(|c| {
            if k < 2 || n == 0 {
                return Vec::new();
            }
            let mut row = vec![0.0; k];
            let all: Vec<(f64, u32)> = (0..clf.n_features() as u32)
                .map(|f| {
                    clf.model.weights_of(f, &mut row);
                    let others = (row.iter().sum::<f64>() - row[c]) / (k - 1) as f64;
                    (row[c] - others, f)
                })
                .collect();
            top_reasons(clf, all, n)
        })
        .collect()
}

/// The class id of label `name` of `clf`, or a message for `option` naming the
/// model's labels.
pub fn label_id(clf: &Classifier, name: &str, option: &str) -> Result<usize, String> {
    clf.labels.iter().position(|l| l == name).ok_or_else(|| {
        format!(
            "{option} {name}: the model has no such label (its labels: {})",
            clf.labels.join(", ")
        )
    })
}

/// `term:+w.ww; term:+w.ww` (two decimals), the CSV form of an explanation.
pub fn format_reasons(reasons: &[Reason]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(reasons.len() * 16);
    for (i, r) in reasons.iter().enumerate() {
        if i > 0 {
            s.push_str("; ");
        }
        let _ = write!(s, "{}:{:+.2}", r.term, r.weight);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{DocNorm, TermWeight, TrainParams};
    use approx::assert_abs_diff_eq;

    fn fit(params: TrainParams) -> Classifier {
        crate::test_util::fit(
            &[
                ("extra money part time", "scam"),
                ("money money fast", "scam"),
                ("great to meet you", "networking"),
                ("we are hiring part time", "recruiting"),
            ],
            &params.check().unwrap(),
        )
    }

    /// `fit`'s model of unigrams only.
    fn unigrams() -> Classifier {
        let analyzer = crate::text::AnalyzerConfig {
            ngram_min: 1,
            ngram_max: 1,
            ..Default::default()
        };
        fit(TrainParams::default().analyzer(analyzer))
    }

    #[test]
    fn placeholders_are_read_as_what_they_stand_for() {
        // "$300" and "$50" are the money placeholder in training and here; "7" a number.
        let clf = crate::test_util::fit(
            &[
                ("earn $300 a day", "scam"),
                ("earn $50 now", "scam"),
                ("great to meet you", "networking"),
            ],
            &TrainParams::default().check().unwrap(),
        );
        assert!(clf.features().iter().any(|t| t == "earn __money__"));
        let (_, why) = explain(&mut clf.scorer(), "earn $900 in 7 days", 10);
        let terms: Vec<&str> = why.iter().map(|r| r.term.as_str()).collect();
        assert!(terms.contains(&"earn [money]"), "{terms:?}");
        assert!(terms.contains(&"[money]"), "{terms:?}");
        assert!(terms.iter().all(|t| !t.contains("__")), "{terms:?}");
        let top = indicative_terms(&clf, 3);
        assert!(top.iter().flatten().all(|r| !r.term.contains("__")));
    }

    #[test]
    fn weights_by_hand() {
        // Unigrams only, alpha = 1. Vocabulary (V = 12 terms): are extra fast great
        // hiring meet money part time to we you; counted per class:
        //   scam (7 tokens):        extra 1, money 3, part 1, time 1, fast 1
        //   recruiting (5 tokens):  we 1, are 1, hiring 1, part 1, time 1
        // P(t|c) = (n_tc + 1) / (n_c + V).
        let clf = unigrams();
        let v = clf.n_features() as f64;
        assert_eq!(v, 12.0);
        let (p, why) = explain(&mut clf.scorer(), "money money, part time", 10);
        let scam = clf.labels.iter().position(|l| l == "scam").unwrap();
        let rec = clf.labels.iter().position(|l| l == "recruiting").unwrap();
        assert_eq!(p.class, scam);
        // Runner-up: recruiting (it knows "part time"); networking knows neither word.
        // money: 2 x (ln(4 / (7 + V)) - ln(1 / (5 + V))); part and time: ln(2/(7+V)) - ln(2/(5+V)) < 0.
        let money = 2.0 * ((4.0 / (7.0 + v)).ln() - (1.0 / (5.0 + v)).ln());
        assert_eq!(why.len(), 1, "{why:?}");
        assert_eq!(why[0].term, "money");
        assert_abs_diff_eq!(why[0].weight, money, epsilon = 1e-12);
        // The reasons plus the negative terms and the prior gap add up to the jll gap.
        let mut s = clf.scorer();
        let jll = s.jll("money money, part time").to_vec();
        assert_eq!(runner_up(&jll, scam), Some(rec));
        let part = (2.0 / (7.0 + v)).ln() - (2.0 / (5.0 + v)).ln();
        let prior = (2.0f64 / 4.0).ln() - (1.0f64 / 4.0).ln();
        assert_abs_diff_eq!(
            jll[scam] - jll[rec],
            money + 2.0 * part + prior,
            epsilon = 1e-9
        );
    }

    #[test]
    fn reasons_against_a_named_label_by_hand() {
        // weights_by_hand's model and message (predicted scam, runner-up recruiting),
        // explained against networking (4 tokens: great to meet you), which knows none
        // of the message's words: P(t|networking) = 1 / (4 + V). Every word now speaks
        // for scam: money 2 x (ln(4/19) - ln(1/16)), part and time ln(2/19) - ln(1/16)
        // each (equal weights: by term).
        let clf = unigrams();
        let id = |l: &str| label_id(&clf, l, "--explain-against").unwrap();
        let (scam, net) = (id("scam"), id("networking"));
        let text = "money money, part time";
        let (p, why) = explain_against(&mut clf.scorer(), text, 10, Some(net));
        assert_eq!(p, clf.predict(text));
        assert_eq!(p.class, scam);
        let money = 2.0 * ((4.0f64 / 19.0).ln() - (1.0f64 / 16.0).ln());
        let part = (2.0f64 / 19.0).ln() - (1.0f64 / 16.0).ln();
        let terms: Vec<&str> = why.iter().map(|r| r.term.as_str()).collect();
        assert_eq!(terms, ["money", "part", "time"]);
        assert_abs_diff_eq!(why[0].weight, money, epsilon = 1e-12);
        assert_abs_diff_eq!(why[1].weight, part, epsilon = 1e-12);
        assert_abs_diff_eq!(why[2].weight, part, epsilon = 1e-12);
        // They and the prior gap (2/4 against 1/4) are the whole jll gap.
        let jll = clf.scorer().jll(text).to_vec();
        let prior = 2.0f64.ln();
        assert_abs_diff_eq!(
            jll[scam] - jll[net],
            money + 2.0 * part + prior,
            epsilon = 1e-9
        );
        // Against the predicted label itself, or no label: against the runner-up.
        let runner = explain(&mut clf.scorer(), text, 10);
        assert_eq!(runner.1.len(), 1);
        assert_eq!(
            explain_against(&mut clf.scorer(), text, 10, Some(scam)),
            runner
        );
        assert_eq!(explain_against(&mut clf.scorer(), text, 10, None), runner);
        let batch = explain_batch(&clf, &[text, "great to meet you"], 10, Some(net));
        assert_eq!(batch[0], (p, why));
        assert_eq!(
            batch[1],
            explain(&mut clf.scorer(), "great to meet you", 10)
        );
        let e = label_id(&clf, "sales", "--explain-against").unwrap_err();
        assert!(e.contains("networking, recruiting, scam"), "{e}");
    }

    #[test]
    fn same_prediction_as_predict_and_top_k() {
        for tf in [TermWeight::Raw, TermWeight::Log] {
            let clf = fit(TrainParams::default().transforms(tf, false, DocNorm::None));
            let text = "extra money money for part time, great";
            let (p, why) = explain(&mut clf.scorer(), text, 2);
            assert_eq!(p, clf.predict(text));
            assert!(why.len() <= 2);
            let all = explain(&mut clf.scorer(), text, 100).1;
            assert_eq!(why, all[..why.len()]);
            assert!(all.windows(2).all(|w| w[0].weight >= w[1].weight));
            assert!(all.iter().all(|r| r.weight > 0.0));
        }
    }

    #[test]
    fn indicative_by_hand() {
        let clf = unigrams();
        let top = indicative_terms(&clf, 2);
        let scam = clf.labels.iter().position(|l| l == "scam").unwrap();
        // money: ln(4/19) in scam; ln(1/16) (networking, 4 tokens) and ln(1/17)
        // (recruiting, 5 tokens) elsewhere, V = 12.
        let money = (4.0f64 / 19.0).ln() - 0.5 * ((1.0f64 / 16.0).ln() + (1.0f64 / 17.0).ln());
        assert_eq!(top[scam][0].term, "money");
        assert_abs_diff_eq!(top[scam][0].weight, money, epsilon = 1e-12);
        assert_eq!(top.len(), 3);
        assert!(top
            .iter()
            .all(|t| t.len() == 2 && t[0].weight >= t[1].weight));
    }

    #[test]
    fn a_hashed_models_reasons_name_the_messages_words() {
        // Unigrams in 2^20 buckets: every word of this tiny corpus has a bucket of its
        // own, so the one reason (as in weights_by_hand: money) is named `money` and
        // carries the bucket the scorer found for it; with --hash-bits it used to be
        // the bucket alone, `#<bucket>`.
        let analyzer = crate::text::AnalyzerConfig {
            ngram_min: 1,
            ngram_max: 1,
            hash_bits: Some(20),
            ..Default::default()
        };
        let clf = fit(TrainParams::default().analyzer(analyzer));
        let (_, why) = explain(&mut clf.scorer(), "money money, part time", 10);
        let b = bucket(b"money", 20);
        assert_eq!(why.len(), 1, "{why:?}");
        assert_eq!(why[0].term, format!("money (#{b})"));
        // Two words of the message in one bucket are both named, in the message's order:
        // with 1 bit, every word is in bucket 0 or 1.
        let analyzer = crate::text::AnalyzerConfig {
            ngram_min: 1,
            ngram_max: 1,
            hash_bits: Some(1),
            ..Default::default()
        };
        let clf = fit(TrainParams::default().analyzer(analyzer));
        let text = "money money, part time";
        let (_, why) = explain(&mut clf.scorer(), text, 10);
        for r in &why {
            let (words, b) = r.term.strip_suffix(')').unwrap().split_once(" (#").unwrap();
            let want: Vec<&str> = ["money", "part", "time"]
                .into_iter()
                .filter(|w| bucket(w.as_bytes(), 1).to_string() == b)
                .collect();
            assert_eq!(words, want.join(" / "), "{why:?}");
        }
        // The model's own terms per label have no message: buckets only.
        assert!(indicative_terms(&clf, 1)
            .iter()
            .flatten()
            .all(|r| bucket_of_term(&r.term).is_some()));
    }

    #[test]
    fn csv_form() {
        let r = vec![
            Reason {
                term: "extra money".into(),
                weight: 2.3149,
            },
            Reason {
                term: "part time".into(),
                weight: 1.8,
            },
        ];
        assert_eq!(format_reasons(&r), "extra money:+2.31; part time:+1.80");
        assert_eq!(format_reasons(&[]), "");
    }
}
