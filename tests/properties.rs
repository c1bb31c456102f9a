//! Property tests (proptest) for the analyzer and the model: probabilities are finite and
//! sum to 1 for any text (5,000-token documents included), the model does not depend on
//! the order of its documents nor on how they are batched, save then load predicts the
//! same, and the training CLI writes byte-identical files for --jobs 1 and 2.

mod common;

use std::path::Path;
use std::process::Command;

use pitchsift::model_file::{self, Load};
use pitchsift::nb::counts::{CountBuilder, Doc};
use pitchsift::params::{DocNorm, ModelKind, TermWeight, TrainParams, ValidTrainParams};
use pitchsift::text::{Analyzer, AnalyzerConfig};
use pitchsift::Classifier;
use proptest::prelude::*;

const LABELS: [&str; 3] = ["networking", "sales", "scam"];

/// Words the documents are made of: ordinary words, placeholders' sources (a URL, an
/// e-mail address, money, a number), non-ASCII, an emoji.
const WORDS: &[&str] = &[
    "demo",
    "call",
    "great",
    "meeting",
    "you",
    "hiring",
    "role",
    "crypto",
    "profit",
    "https://example.com/x",
    "a@b.io",
    "$500",
    "42",
    "Größe",
    "naïve",
    "東京",
    "🚀",
    "quick",
    "connect",
    "invest",
    "DEMO",
    "Call!",
    "l'été",
    "—",
    "x",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(WORDS).prop_map(str::to_string),
        1 => "[a-z]{1,8}",
        1 => any::<String>().prop_map(|s| s.chars().take(6).collect()),
    ]
}

fn text(max_words: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(word(), 0..max_words).prop_map(|w| w.join(" "))
}

fn docs() -> impl Strategy<Value = Vec<(usize, String)>> {
    proptest::collection::vec((0..LABELS.len(), text(12)), 2..40)
        .prop_filter("two labels at least", |d| {
            d.iter().any(|(l, _)| *l != d[0].0)
        })
}

fn variants() -> impl Strategy<Value = ValidTrainParams> {
    (
        1u8..=2,
        prop_oneof![Just(ModelKind::Multinomial), Just(ModelKind::Complement)],
        prop_oneof![Just(TermWeight::Raw), Just(TermWeight::Log)],
        any::<bool>(),
        prop_oneof![Just(DocNorm::None), Just(DocNorm::L2)],
        any::<bool>(),
        0.01f64..3.0,
    )
        .prop_map(|(n, model, tf, idf, norm, wn, alpha)| {
            TrainParams::default()
                .ngrams(1, n)
                .model(model)
                .transforms(tf, idf, norm)
                // Weight normalisation exists for the complement model only.
                .weight_norm(wn && model == ModelKind::Complement)
                .alpha(alpha)
                .check()
                .unwrap()
        })
}

/// Train on `docs` added in `order`, in batches of `batch`.
fn fit(
    docs: &[(usize, String)],
    order: &[usize],
    batch: usize,
    params: &ValidTrainParams,
) -> Classifier {
    let mut b = CountBuilder::new(params.analyzer(), params.fit()).unwrap();
    // Class ids are assigned on first sight; ask for them in a fixed order so the ids
    // do not depend on the document order either (the model sorts labels anyway).
    let ids: Vec<u32> = LABELS.iter().map(|l| b.class_id(l)).collect();
    let seen: Vec<bool> = (0..LABELS.len())
        .map(|l| docs.iter().any(|d| d.0 == l))
        .collect();
    assert!(
        seen.iter().all(|&s| s),
        "helper expects every label present"
    );
    let ordered: Vec<Doc> = order
        .iter()
        .map(|&i| Doc {
            text: &docs[i].1,
            class: ids[docs[i].0],
            weight: 1,
        })
        .collect();
    for chunk in ordered.chunks(batch.max(1)) {
        b.add(chunk);
    }
    Classifier::fit(b.finish(), params, "prop").unwrap()
}

/// Documents covering every label (the strategy may leave one out).
fn with_all_labels(mut d: Vec<(usize, String)>) -> Vec<(usize, String)> {
    for (l, _) in LABELS.iter().enumerate() {
        if !d.iter().any(|x| x.0 == l) {
            d.push((l, format!("filler {l}")));
        }
    }
    d
}

fn assert_distribution(p: &[f64]) -> Result<(), TestCaseError> {
    prop_assert!(p.iter().all(|v| v.is_finite() && *v >= 0.0), "{p:?}");
    let sum: f64 = p.iter().sum();
    prop_assert!((sum - 1.0).abs() < 1e-9, "sum {sum}: {p:?}");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn probabilities_are_finite_and_sum_to_one(
        d in docs(),
        params in variants(),
        queries in proptest::collection::vec(text(40), 1..8),
        long in text(64),
    ) {
        let d = with_all_labels(d);
        let order: Vec<usize> = (0..d.len()).collect();
        let clf = fit(&d, &order, 1000, &params);
        for q in &queries {
            assert_distribution(&clf.predict(q).probabilities)?;
        }
        // A 5,000-token document: the same words again and again (the joint
        // log-likelihoods run to thousands below zero; softmax must not underflow).
        let words: Vec<&str> = long.split(' ').filter(|w| !w.is_empty()).collect();
        let big: String = (0..5000)
            .map(|i| if words.is_empty() { "demo" } else { words[i % words.len()] })
            .collect::<Vec<_>>()
            .join(" ");
        let p = clf.predict(&big);
        assert_distribution(&p.probabilities)?;
        // Every known word repeated: the document most unlike the training set.
        let every: String = clf.features().iter().cycle().take(5000).collect::<Vec<_>>().join(" ");
        assert_distribution(&clf.predict(&every).probabilities)?;
    }

    #[test]
    fn document_order_and_batching_do_not_change_the_model(
        d in docs(),
        params in variants(),
        seed in any::<u64>(),
        batch in 1usize..50,
    ) {
        let d = with_all_labels(d);
        let order: Vec<usize> = (0..d.len()).collect();
        let reference = model_file::to_bytes(&fit(&d, &order, 1000, &params)).unwrap();
        // A permutation from the seed (Fisher-Yates with xorshift).
        let mut shuffled = order.clone();
        let mut x = seed | 1;
        for i in (1..shuffled.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            shuffled.swap(i, (x % (i as u64 + 1)) as usize);
        }
        let other = model_file::to_bytes(&fit(&d, &shuffled, batch, &params)).unwrap();
        prop_assert!(reference == other, "model bytes differ for order {:?}", shuffled);
    }

    #[test]
    fn save_then_load_predicts_the_same(
        d in docs(),
        params in variants(),
        queries in proptest::collection::vec(text(30), 1..10),
    ) {
        let d = with_all_labels(d);
        let order: Vec<usize> = (0..d.len()).collect();
        let clf = fit(&d, &order, 1000, &params);
        let bytes = model_file::to_bytes(&clf).unwrap();
        let full = model_file::from_bytes(&bytes, "p", Load::Full).unwrap();
        let lean = model_file::from_bytes(&bytes, "p", Load::Predict).unwrap();
        prop_assert!(model_file::to_bytes(&full).unwrap() == bytes);
        for q in &queries {
            let want = clf.predict(q);
            prop_assert_eq!(&full.predict(q), &want);
            prop_assert_eq!(&lean.predict(q), &want);
        }
        let batch = lean.predict_batch(&queries);
        let one_by_one: Vec<_> = queries.iter().map(|q| clf.predict(q)).collect();
        prop_assert_eq!(batch, one_by_one);
    }

    #[test]
    fn analyzer_terms_are_well_formed(t in any::<String>(), n in 1u8..=3, lower in any::<bool>(), ph in any::<bool>()) {
        let config = AnalyzerConfig {
            ngram_min: 1,
            ngram_max: n,
            lowercase: lower,
            placeholders: ph,
            ..AnalyzerConfig::default()
        };
        let mut a = Analyzer::new(config.clone()).unwrap();
        let tokens: Vec<String> = a.tokens(&t).to_vec();
        for tok in &tokens {
            prop_assert!(!tok.is_empty());
            prop_assert!(!tok.chars().any(char::is_whitespace), "{tok:?}");
        }
        let terms = a.terms(&t);
        // n-grams of k tokens for n = 1..=N: sum over n of max(k - n + 1, 0).
        let k = tokens.len();
        let expected: usize = (1..=n as usize).map(|n| (k + 1).saturating_sub(n)).sum();
        prop_assert_eq!(terms.len(), expected);
        // Buffers reused after another text give the same answer as a fresh analyzer.
        a.terms("something else entirely, with https://x.org and $5");
        prop_assert_eq!(a.terms(&t), Analyzer::new(config).unwrap().terms(&t));
    }
}

/// The same corpus trained with --jobs 1 and --jobs 2 gives byte-identical model files.
#[test]
fn jobs_one_and_two_write_identical_models() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut w = csv::Writer::from_path(d.join("c.csv")).unwrap();
    w.write_record(["label", "text"]).unwrap();
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    // 30,000 documents: more than three read batches, so batching is exercised too.
    for i in 0..30_000 {
        let mut t = String::new();
        for _ in 0..(3 + i % 17) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            t.push_str(WORDS[(x % WORDS.len() as u64) as usize]);
            t.push(' ');
            if x.is_multiple_of(5) {
                t.push_str(&format!("w{} ", x % 5000));
            }
        }
        w.write_record([LABELS[i % 3], &t]).unwrap();
    }
    w.flush().unwrap();
    let mut models = Vec::new();
    for (jobs, extra) in [
        ("1", None),
        ("2", None),
        ("1", Some("--idf")),
        ("2", Some("--idf")),
    ] {
        let out = format!("m{jobs}{}.model", extra.is_some());
        let mut cmd = Command::new(common::TRAIN);
        cmd.current_dir(d).args([
            "c.csv", "-o", &out, "-q", "--jobs", jobs, "--ngrams", "1..3",
        ]);
        if let Some(e) = extra {
            cmd.args([e, "--tf", "log", "--norm", "l2"]);
        }
        common::assert_ok(&cmd.output().unwrap());
        models.push(std::fs::read(Path::new(d).join(out)).unwrap());
    }
    assert!(models[0].len() > 10_000);
    assert!(models[0] == models[1], "--jobs 1 and 2 differ (raw counts)");
    assert!(
        models[2] == models[3],
        "--jobs 1 and 2 differ (log tf, idf, l2)"
    );
    assert!(models[0] != models[2]);
}
