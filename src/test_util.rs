//! Helpers shared by the unit tests (compiled for tests only). The integration tests
//! use this file too: tests/common/mod.rs includes it with `#[path]` and provides the
//! `nb` and `params` modules it reaches through `super::`.

use super::nb::classifier::Classifier;
use super::nb::counts::{CountBuilder, Counts, Doc};
use super::params::ValidTrainParams;

/// Four messages, two per label (`sales`, `networking`): the small training set of the
/// active-learning and labelling tests.
pub(crate) const TRAIN: [(&str, &str); 4] = [
    ("book a quick demo of our platform", "sales"),
    ("pricing demo for your team", "sales"),
    ("great meeting you at the conference", "networking"),
    ("loved your talk at the meetup", "networking"),
];

/// Two disjoint small corpora (the second adds a label) for the update and merge tests,
/// which compare growing a model with training on the union.
pub(crate) const CORPUS_A: [(&str, &str); 3] = [
    ("book a demo of our platform", "sales"),
    ("great talk at the meetup", "networking"),
    ("demo pricing for your team", "sales"),
];
pub(crate) const CORPUS_B: [(&str, &str); 3] = [
    ("we are hiring a senior engineer", "recruiting"),
    ("loved your panel talk", "networking"),
    ("book a call about pricing", "sales"),
];

/// Counts `(text, label)` pairs in one batch; labels get class ids in first-seen order.
pub(crate) fn count(docs: &[(&str, &str)], params: &ValidTrainParams) -> Counts {
    let mut b = CountBuilder::new(params.analyzer(), params.fit()).unwrap();
    let ids: Vec<u32> = docs.iter().map(|d| b.class_id(d.1)).collect();
    let batch: Vec<Doc> = docs
        .iter()
        .zip(ids)
        .map(|(d, class)| Doc {
            text: d.0,
            class,
            weight: 1,
        })
        .collect();
    b.add(&batch);
    b.finish()
}

/// Fits a classifier, with source name "test", on `(text, label)` pairs counted by
/// [`count`].
pub(crate) fn fit(docs: &[(&str, &str)], params: &ValidTrainParams) -> Classifier {
    Classifier::fit(count(docs, params), params, "test").unwrap()
}
