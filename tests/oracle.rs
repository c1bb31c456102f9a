//! pitchsift's multinomial NB against the linfa-bayes 0.8.1 oracle on small dense
//! problems: the joint log-likelihoods agree to 1e-9 and so do the labels.

mod common;

use linfa::prelude::*;
use linfa_bayes::{MultinomialNb, NaiveBayes};
use ndarray::{Array1, Array2};
use pitchsift::params::{FitParams, TrainParams};
use pitchsift::Classifier;

const TRAIN: &[(&str, &str)] = &[
    ("book a demo of our crm platform this week", "sales"),
    (
        "our agency books qualified meetings for teams like yours",
        "sales",
    ),
    ("quick demo call to cut your cloud costs", "sales"),
    ("great meeting you at the meetup last night", "networking"),
    (
        "loved your talk on onboarding research, happy to connect",
        "networking",
    ),
    (
        "we studied at the same school, would love to stay in touch",
        "networking",
    ),
    (
        "we are hiring a senior engineer for our berlin team",
        "recruiting",
    ),
    (
        "my client is hiring a vp of operations, remote friendly",
        "recruiting",
    ),
];

const TEST: &[&str] = &[
    "can we book a demo call",
    "loved meeting you at the talk",
    "hiring a senior engineer, interested?",
    "",
    "completely unknown words only",
    "demo demo demo hiring hiring meetup",
];

/// Train pitchsift, then build the dense count matrices over its features.
fn setup(alpha: f64) -> (Classifier, Array2<f64>, Array1<usize>, Array2<f64>) {
    let params = TrainParams::default()
        .ngrams(1, 2)
        .alpha(alpha)
        .check()
        .unwrap();
    let clf = Classifier::fit(common::test_util::count(TRAIN, &params), &params, "oracle").unwrap();
    let dense = |texts: &[&str]| {
        let mut x = Array2::<f64>::zeros((texts.len(), clf.n_features()));
        let mut s = clf.scorer();
        for (i, t) in texts.iter().enumerate() {
            for (f, v) in s.features(t) {
                x[[i, f as usize]] = v;
            }
        }
        x
    };
    let train_texts: Vec<&str> = TRAIN.iter().map(|d| d.0).collect();
    let y: Array1<usize> = TRAIN
        .iter()
        .map(|d| clf.labels.iter().position(|l| l == d.1).unwrap())
        .collect();
    let (xtr, xte) = (dense(&train_texts), dense(TEST));
    (clf, xtr, y, xte)
}

#[test]
fn multinomial_jll_equals_linfa_bayes() {
    for alpha in [1.0, 0.1, 2.5] {
        let (clf, xtr, y, xte) = setup(alpha);
        let ds = Dataset::new(xtr, y);
        let oracle = MultinomialNb::params().alpha(alpha).fit(&ds).unwrap();
        let jll = oracle.joint_log_likelihood(xte.view());
        let mut scorer = clf.scorer();
        for (i, text) in TEST.iter().enumerate() {
            let ours = scorer.jll(text).to_vec();
            for (c, v) in ours.iter().enumerate() {
                let theirs = jll[&c][i];
                assert!(
                    (v - theirs).abs() < 1e-9,
                    "alpha {alpha} doc {i} class {c}: {v} vs {theirs}"
                );
            }
            // Labels agree wherever linfa's answer is unique (ties: linfa uses HashMap order).
            let best = jll.values().map(|a| a[i]).fold(f64::NEG_INFINITY, f64::max);
            let winners: Vec<usize> = (0..ours.len()).filter(|&c| jll[&c][i] == best).collect();
            let ours_label = clf.predict(text).class;
            assert!(winners.contains(&ours_label));
            if winners.len() == 1 {
                assert_eq!(ours_label, winners[0]);
            }
        }
    }
}

#[test]
fn linfa_traits_on_dense_data_match_linfa_bayes() {
    let (_, xtr, y, xte) = setup(1.0);
    let ds = Dataset::new(xtr, y);
    let ours = FitParams::default().fit(&ds).unwrap();
    let oracle = MultinomialNb::params().alpha(1.0).fit(&ds).unwrap();
    let jll = oracle.joint_log_likelihood(xte.view());
    let mine = ours.jll_dense(xte.view());
    for i in 0..xte.nrows() {
        for c in 0..ours.n_classes() {
            assert!((mine[[i, c]] - jll[&c][i]).abs() < 1e-9);
        }
    }
    let pred: Array1<usize> = ours.predict(&xte);
    assert_eq!(pred.len(), TEST.len());
    assert_eq!(
        pred[0], 2,
        "`can we book a demo call` is sales (label 2 of networking, recruiting, sales)"
    );
}
