//! The sparse model (per-term base, per-label default, corrections for the labels a
//! term was counted with) is the dense model, rewritten: for every variant, trained on
//! data/train.csv and scored on data/test.csv, it gives the dense weights' argmax and
//! probabilities within 1e-9, and every weight within 1e-9 of the dense one.

mod common;

use pitchsift::model_file::{self, Load};
use pitchsift::nb::model::{fit_counts, select_features, softmax};
use pitchsift::params::{DocNorm, ModelKind, TermWeight, TrainParams};

fn test_texts() -> Vec<String> {
    let mut r = csv::Reader::from_path(common::repo_file("data/test.csv")).unwrap();
    let col = r
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "text")
        .unwrap();
    r.records()
        .map(|rec| rec.unwrap()[col].to_string())
        .collect()
}

#[test]
fn sparse_scores_equal_the_dense_weights_for_every_variant() {
    let texts = test_texts();
    assert!(texts.len() > 1000, "{} test messages", texts.len());
    let train_csv = common::repo_file("data/train.csv");
    let mut variants = Vec::new();
    for model in [ModelKind::Multinomial, ModelKind::Complement] {
        for weight_norm in [false, true] {
            if model == ModelKind::Multinomial && weight_norm {
                continue;
            }
            for (tf, idf, norm) in [
                (TermWeight::Raw, false, DocNorm::None),
                (TermWeight::Log, true, DocNorm::L2),
                (TermWeight::Raw, true, DocNorm::None),
            ] {
                variants.push((model, weight_norm, tf, idf, norm, None));
            }
        }
    }
    // A pruned vocabulary and a hashed one.
    variants.push((
        ModelKind::Multinomial,
        false,
        TermWeight::Raw,
        false,
        DocNorm::None,
        Some(2),
    ));
    variants.push((
        ModelKind::Complement,
        false,
        TermWeight::Log,
        false,
        DocNorm::L2,
        Some(3),
    ));
    for (i, &(model, weight_norm, tf, idf, norm, min_df)) in variants.iter().enumerate() {
        let mut p = TrainParams::default()
            .model(model)
            .weight_norm(weight_norm)
            .transforms(tf, idf, norm);
        if let Some(m) = min_df {
            p = p.min_df(m);
        }
        if i == variants.len() - 1 {
            p = p.analyzer(pitchsift::text::AnalyzerConfig {
                hash_bits: Some(16),
                ..Default::default()
            });
        }
        let params = p.check().unwrap();
        let what =
            format!("{model:?} norm {weight_norm} {tf:?} idf {idf} {norm:?} min_df {min_df:?}");
        let clf = common::train_csv(std::slice::from_ref(&train_csv), &params);
        let counts = clf.counts.as_ref().unwrap();
        let selected = select_features(counts, params.fit());
        let dense = fit_counts(counts, &selected, params.fit()).unwrap();
        assert_eq!(dense.n_features(), clf.n_features(), "{what}");
        // Every weight.
        let k = clf.labels.len();
        let mut row = vec![0.0; k];
        let mut worst = 0.0f64;
        for f in 0..clf.n_features() {
            clf.model.weights_of(f as u32, &mut row);
            for (c, &w) in row.iter().enumerate() {
                let d = dense.weights[[f, c]];
                worst = worst.max((w - d).abs() / d.abs().max(1.0));
            }
        }
        assert!(worst < 1e-9, "{what}: weight differs by {worst:e}");
        // Every test message, through a saved and reloaded model.
        let back = model_file::from_bytes(&model_file::to_bytes(&clf).unwrap(), "m", Load::Predict)
            .unwrap();
        let mut scorer = back.scorer();
        let mut dense_jll = vec![0.0; k];
        for t in &texts {
            let feats = scorer.features(t);
            dense.jll_sparse(feats, &mut dense_jll);
            let sparse_jll = scorer.jll(t).to_vec();
            let (mut a, mut b) = (dense_jll.clone(), sparse_jll.clone());
            let best = pitchsift::nb::model::argmax(&a);
            // A tie broken differently by rounding is no disagreement.
            let second = a
                .iter()
                .enumerate()
                .filter(|&(c, _)| c != best)
                .map(|(_, &v)| v)
                .fold(f64::NEG_INFINITY, f64::max);
            if a[best] - second > 1e-9 * a[best].abs().max(1.0) {
                assert_eq!(pitchsift::nb::model::argmax(&b), best, "{what}: {t:?}");
            }
            softmax(&mut a);
            softmax(&mut b);
            for c in 0..k {
                assert!(
                    (a[c] - b[c]).abs() < 1e-9,
                    "{what}: {t:?} label {c}: {a:?} vs {b:?}"
                );
            }
        }
    }
}
