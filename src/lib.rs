//! # pitchsift
//!
//! A naive Bayes text classifier for the messages people get on professional networks:
//! is this networking, or someone selling, recruiting, pitching an "opportunity" or
//! running a scam?
//!
//! ## Brief overview
//! The principal types, in pipeline order:
//! 1. [`corpus::CsvSource`] reads labelled or unlabelled CSV, naming file, line and column
//!    in every error.
//! 2. [`text::Analyzer`], built from a stored [`text::AnalyzerConfig`], turns a message into
//!    normalised tokens and word n-grams.
//! 3. [`counts::CountBuilder`] counts terms per label in parallel into [`counts::Counts`],
//!    exact integer statistics that do not depend on the thread count.
//! 4. [`params::TrainParams`] are checked into [`params::ValidTrainParams`];
//!    [`classifier::Classifier::fit`] selects the vocabulary and fits a
//!    [`model::NbModel`] (multinomial or complement naive Bayes).
//! 5. [`classifier::Scorer`] scores messages; [`model_file`] saves and loads the model file.
//! 6. [`cv`] cross-validates settings (stratified folds, each fold counted once) and
//!    [`metrics::Meter`] turns predictions into a [`metrics::Report`].
//!
//! ```
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
//! let p = clf.predict("can I book a demo?");
//! assert_eq!(clf.labels[p.class], "sales");
//! ```
#![deny(missing_docs)]

pub mod active;
pub mod arr;
pub mod error;
pub mod eval;
pub mod explain;
pub mod features;
pub mod grow;
pub mod io;
#[cfg(feature = "fs")]
pub mod labelling;
#[cfg(feature = "fs")]
pub mod linkedin;
mod math;
pub mod model_file;
pub mod nb;
mod par;
pub mod params;
pub mod pipeline;
#[cfg(feature = "fs")]
pub mod report;
#[cfg(test)]
mod test_util;
pub mod text;

pub use error::{Error, Result};
pub use io::corpus;
pub use nb::classifier::{Classifier, Prediction};
