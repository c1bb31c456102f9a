//! [`Classifier`]: the analyzer, the vocabulary, the fitted model and the full counts,
//! as trained and as saved. Prediction goes through a per-thread [`Scorer`].

use std::sync::OnceLock;

use crate::par::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::fingerprint::{fingerprint, Index};
use crate::features::terms::{StoredTerms, Terms};
use crate::nb::calibrate::Calibration;
pub use crate::nb::calibrate::Prediction;
use crate::nb::counts::{count_keys, l2_norm, tf_weight, Counts};
use crate::nb::model::{fit_sparse, select_features, SparseModel};
use crate::params::{DocNorm, TermWeight, ValidTrainParams};
use crate::text::Analyzer;

/// A trained classifier.
#[derive(Debug, Clone)]
pub struct Classifier {
    /// The settings it was trained with (analyzer and fitting).
    pub params: ValidTrainParams,
    /// Labels, sorted; class ids index this.
    pub labels: Vec<String>,
    /// Training documents per label.
    pub class_docs: Vec<u64>,
    /// The fitted parameters (sparse: see [`SparseModel`]).
    pub model: SparseModel,
    /// The full training statistics, when loaded (training, update, merge, inspect).
    pub counts: Option<Counts>,
    /// Training summary stored in the model (not used for scoring).
    pub info: TrainInfo,
    /// The calibration map applied to the posteriors, when the model has one
    /// (set it to `None` for the raw posteriors).
    pub calibration: Option<Calibration>,
    /// Feature terms, sorted; feature ids index this. Read from the file's term section
    /// on first use ([`Classifier::features`]): scoring never needs them. With them,
    /// whether they were intact (false: damaged terms, read as replacement characters).
    features: OnceLock<(Terms, bool)>,
    /// The file's term sections, for `features` on first use.
    stored_terms: Option<StoredTerms>,
    /// Term fingerprint (or bucket) -> feature id: read from the file, or built on first
    /// use for a model fitted in memory.
    index: OnceLock<Index>,
}

/// Facts about training, stored in the model for people and tools.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainInfo {
    /// Number of distinct terms counted before vocabulary selection.
    pub n_terms: u64,
    /// Parts of the model kept from an earlier model by an update or a merge without
    /// being refitted on the current counts, each with the reason (see
    /// [`crate::grow::carry_over`]). Empty, and then not written, for a model fitted
    /// from its counts alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stale: Vec<String>,
}

/// How the note of [`Classifier::prune_counts`] in [`TrainInfo::stale`] starts.
pub(crate) const PRUNED: &str = "counts: ";

impl Classifier {
    /// Drop from the stored counts every term found in fewer than `min_df` documents,
    /// the terms the fitted model already leaves out: the file then holds no trace of
    /// them (for training data whose rare terms must not be kept, such as third
    /// parties' messages). The model's answers do not change; growing it (update,
    /// merge) is no longer exact, which its training info records in
    /// [`TrainInfo::stale`].
    pub fn prune_counts(&mut self) {
        let min_df = self.params.fit().min_df;
        if let Some(c) = &self.counts {
            let kept = c.retain_min_df(min_df);
            self.info.n_terms = kept.n_terms() as u64;
            self.counts = Some(kept);
        }
        // This note replaces one carried over from a pruned model this one grew from: the
        // counts now lack every rare term.
        self.info.stale.retain(|s| !s.starts_with(PRUNED));
        self.info.stale.push(format!(
            "{PRUNED}terms in fewer than {min_df} documents were left out of the stored counts \
             (--prune-counts), so update and merge are not exact"
        ));
        self.info.stale.sort();
        self.info.stale.dedup();
    }

    /// The errors [`Classifier::fit`] would return for `counts`, found without fitting
    /// (a caller with more work to do before the fit reports them first).
    ///
    /// Errors: [`Error::EmptyCorpus`] with no document, [`Error::SingleLabel`] with one
    /// label, [`Error::NoTerms`] with no word in any document, [`Error::InvalidParam`]
    /// when `--min-df` keeps no term (`inputs` names the corpus in those messages).
    pub fn check_fit(counts: &Counts, params: &ValidTrainParams, inputs: &str) -> Result<()> {
        if counts.n_docs() == 0 {
            return Err(Error::EmptyCorpus {
                inputs: inputs.to_string(),
            });
        }
        if counts.labels.len() < 2 {
            return Err(Error::SingleLabel {
                inputs: inputs.to_string(),
                label: counts.labels[0].clone(),
            });
        }
        // A model of no feature has no finite weight to store (each label's default
        // divides by a total of zero): no tool could load it, so it is not made.
        // (`max_features` is at least 1: a term of `min_df` documents is a feature.)
        let min_df = params.fit().min_df;
        if !(0..counts.n_terms())
            .into_par_iter()
            .any(|i| counts.df(i) >= min_df)
        {
            return Err(if counts.n_terms() == 0 {
                Error::NoTerms {
                    inputs: inputs.to_string(),
                }
            } else {
                Error::InvalidParam(format!(
                    "{inputs}: no term is kept as a feature: none of the {} terms counted is in \
                     --min-df {} documents; lower --min-df",
                    counts.n_terms(),
                    min_df
                ))
            });
        }
        Ok(())
    }

    /// Select the vocabulary and fit the model on full statistics.
    ///
    /// Errors: [`Error::EmptyCorpus`] with no document, [`Error::SingleLabel`] with one
    /// label, [`Error::NoTerms`] with no word in any document, [`Error::InvalidParam`]
    /// when `--min-df` keeps no term (`inputs` names the corpus in those messages).
    pub fn fit(counts: Counts, params: &ValidTrainParams, inputs: &str) -> Result<Classifier> {
        Self::check_fit(&counts, params, inputs)?;
        let selected = select_features(&counts, params.fit());
        let model = fit_sparse(&counts, &selected, params.fit())?;
        let features: Terms = if selected.len() == counts.n_terms() {
            counts.terms.clone()
        } else {
            selected
                .iter()
                .map(|&i| &counts.terms[i as usize])
                .collect()
        };
        let info = TrainInfo {
            n_terms: counts.n_terms() as u64,
            ..TrainInfo::default()
        };
        Ok(Classifier::from_parts(
            params.clone(),
            counts.labels.clone(),
            counts.class_docs.clone(),
            features,
            model,
            Some(counts),
            info,
        ))
    }

    pub(crate) fn from_parts(
        params: ValidTrainParams,
        labels: Vec<String>,
        class_docs: Vec<u64>,
        features: Terms,
        model: SparseModel,
        counts: Option<Counts>,
        info: TrainInfo,
    ) -> Classifier {
        Classifier {
            params,
            labels,
            class_docs,
            model,
            counts,
            info,
            calibration: None,
            features: OnceLock::from((features, true)),
            stored_terms: None,
            index: OnceLock::new(),
        }
    }

    /// A classifier read from a file: its features come from the term section on first
    /// use, its index is the file's.
    pub(crate) fn from_file_parts(
        params: ValidTrainParams,
        labels: Vec<String>,
        class_docs: Vec<u64>,
        terms: StoredTerms,
        model: SparseModel,
        index: Index,
        info: TrainInfo,
    ) -> Classifier {
        Classifier {
            params,
            labels,
            class_docs,
            model,
            counts: None,
            info,
            calibration: None,
            features: OnceLock::new(),
            stored_terms: Some(terms),
            index: OnceLock::from(index),
        }
    }

    /// Use `index` as the features' lookup table (it must be theirs).
    pub(crate) fn set_index(&mut self, index: Index) {
        self.index = OnceLock::from(index);
    }

    /// The feature terms, sorted; feature ids index them. A model loaded for prediction
    /// reads them from its file on the first call, checking their checksums; terms that
    /// are damaged or do not decode read as one replacement character each (U+FFFD),
    /// which [`Classifier::check_features`] reports.
    pub fn features(&self) -> &Terms {
        &self.decoded().0
    }

    /// The features, decoded once (checksums checked) on first use, and whether they
    /// were intact.
    fn decoded(&self) -> &(Terms, bool) {
        self.features.get_or_init(|| match &self.stored_terms {
            Some(st) => match st.decode() {
                Some(terms) => (terms, true),
                None => ((0..st.len()).map(|_| "\u{FFFD}").collect(), false),
            },
            None => (Terms::with_capacity(0, 0), true),
        })
    }

    /// Whether the feature terms of a model loaded for prediction are intact (their
    /// checksums hold and they decode): a tool that shows terms (explanations) calls it
    /// after loading. It decodes them once, for [`Classifier::features`] too. Always `Ok`
    /// for a model fitted in memory or fully loaded.
    pub fn check_features(&self, name: &str) -> Result<()> {
        if self.decoded().1 {
            Ok(())
        } else {
            Err(Error::bad_model(
                name,
                "corrupted model file (checksum mismatch in the terms, or terms that do not \
                 decode)",
            ))
        }
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.model.n_features()
    }

    /// The feature id of a term.
    pub fn feature_id(&self, term: &str) -> Option<u32> {
        let ix = self.index();
        match self.params.analyzer().hash_bits {
            Some(_) => crate::features::fingerprint::bucket_of_term(term).and_then(|b| ix.find(b)),
            None => ix.find(fingerprint(term.as_bytes(), ix.seed)),
        }
    }

    /// The lookup table of the features (built on first use for a fitted model).
    pub fn index(&self) -> &Index {
        self.index
            .get_or_init(|| match self.params.analyzer().hash_bits {
                Some(_) => Index::for_buckets(self.features()),
                None => Index::for_terms(self.features()),
            })
    }

    /// A scorer (one per thread).
    pub fn scorer(&self) -> Scorer<'_> {
        Scorer {
            clf: self,
            index: self.index(),
            analyzer: Analyzer::new(self.params.analyzer().clone())
                .expect("analyzer settings checked at load"),
            feats: Vec::new(),
            keys: Vec::new(),
            tfs: Vec::new(),
            norm_buf: Vec::new(),
            jll: vec![0.0; self.labels.len()],
        }
    }

    /// Predict one message.
    pub fn predict(&self, text: &str) -> Prediction {
        self.scorer().predict(text)
    }

    /// Predict many messages in parallel on the current rayon pool, in input order.
    pub fn predict_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Prediction> {
        texts
            .par_iter()
            .map_init(|| self.scorer(), |s, t| s.predict(t.as_ref()))
            .collect()
    }
}

/// Scores messages against a [`Classifier`], reusing its buffers.
pub struct Scorer<'m> {
    clf: &'m Classifier,
    index: &'m Index,
    analyzer: Analyzer,
    feats: Vec<u32>,
    /// The document's keys, looked up together ([`Index::find_each`]).
    keys: Vec<u64>,
    /// The frequency of each distinct key, and a buffer for the norm.
    tfs: Vec<u32>,
    norm_buf: Vec<u32>,
    jll: Vec<f64>,
}

impl<'m> Scorer<'m> {
    /// The classifier this scorer scores against.
    pub fn classifier(&self) -> &'m Classifier {
        self.clf
    }

    /// The document's features as `(feature id, value)`, sorted by feature id, and
    /// written into the scorer's buffer; returns them.
    pub fn features(&mut self, text: &str) -> Vec<(u32, f64)> {
        let fit = self.clf.params.fit();
        let (mut keys, mut tfs) = (
            std::mem::take(&mut self.keys),
            std::mem::take(&mut self.tfs),
        );
        self.keys_of(text, &mut keys);
        // Equal keys are one term: counted once sorted, each distinct term looked up
        // once (the occurrences of a message's common words were looked up each).
        count_keys(&mut keys, &mut tfs);
        // Over every term, known or not (the same norm as the document's at training).
        let norm = if fit.norm == DocNorm::L2 {
            l2_norm(tfs.iter().copied(), &mut self.norm_buf, fit.tf)
        } else {
            1.0
        };
        let found = self.index.find_counted(&keys, &tfs);
        (self.keys, self.tfs) = (keys, tfs);
        found
            .into_iter()
            .map(|(id, tf)| (id, tf_weight(tf, fit.tf) / norm))
            .collect()
    }

    /// The key of every term of `text`, in order, written into `keys`: the term's
    /// fingerprint (exact vocabulary) or its bucket (feature hashing). Equal keys are
    /// one term. Hashed models never write a term.
    #[inline]
    fn keys_of(&mut self, text: &str, keys: &mut Vec<u64>) {
        keys.clear();
        if self.clf.params.analyzer().hash_bits.is_some() {
            self.analyzer.for_each_bucket(text, |b| keys.push(b));
        } else {
            let seed = self.index.seed;
            self.analyzer
                .for_each_term(text, |t| keys.push(fingerprint(t.as_bytes(), seed)));
        }
    }

    /// Joint log-likelihood of every label.
    pub fn jll(&mut self, text: &str) -> &[f64] {
        let fit = self.clf.params.fit();
        if fit.tf == TermWeight::Raw && fit.norm == DocNorm::None {
            // Raw counts: each occurrence adds its row; no grouping needed.
            let (mut feats, mut keys) = (
                std::mem::take(&mut self.feats),
                std::mem::take(&mut self.keys),
            );
            feats.clear();
            self.keys_of(text, &mut keys);
            // All the document's keys first, then their lookups with the slots prefetched.
            self.index.find_each(&keys, |id, _| feats.extend(id));
            (self.feats, self.keys) = (feats, keys);
            let model = &self.clf.model;
            model.prefetch(self.feats.iter().copied());
            model.jll(self.feats.iter().map(|&f| (f, 1.0)), &mut self.jll);
        } else {
            let f = self.features(text);
            let model = &self.clf.model;
            model.prefetch(f.iter().map(|p| p.0));
            model.jll(f, &mut self.jll);
        }
        &self.jll
    }

    /// Predict one message.
    pub fn predict(&mut self, text: &str) -> Prediction {
        let p = self.jll(text).to_vec();
        self.posteriors(p)
    }

    /// Predict one message (exactly as [`Scorer::predict`]) and also return its joint
    /// log-likelihoods.
    pub fn predict_with_jll(&mut self, text: &str) -> (Prediction, Vec<f64>) {
        let jll = self.jll(text).to_vec();
        (self.posteriors(jll.clone()), jll)
    }

    /// The prediction from joint log-likelihoods (see [`Prediction::from_jll`]).
    fn posteriors(&self, p: Vec<f64>) -> Prediction {
        Prediction::from_jll(p, self.clf.calibration.as_ref().map(|c| &c.map))
    }

    /// Predict one message (exactly as [`Scorer::predict`]) and also return its joint
    /// log-likelihoods and its features as `(feature id, value)`, sorted by id; the
    /// value is what multiplies the feature's weights in the joint log-likelihood.
    pub fn predict_with_features(&mut self, text: &str) -> (Prediction, Vec<f64>, Vec<(u32, f64)>) {
        let fit = self.clf.params.fit();
        let feats = if fit.tf == TermWeight::Raw && fit.norm == DocNorm::None {
            // `jll` leaves the raw occurrences in `self.feats`; group them.
            self.jll(text);
            self.feats.sort_unstable();
            let mut out = Vec::new();
            let mut i = 0;
            while i < self.feats.len() {
                let f = self.feats[i];
                let j = i + self.feats[i..].iter().take_while(|&&g| g == f).count();
                out.push((f, (j - i) as f64));
                i = j;
            }
            out
        } else {
            // The same computation as `jll`, keeping the features.
            let f = self.features(text);
            self.clf.model.jll(f.iter().copied(), &mut self.jll);
            f
        };
        let jll = self.jll.clone();
        (self.posteriors(jll.clone()), jll, feats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::TrainParams;
    use crate::text::AnalyzerConfig;

    /// A hashed model scores through its buckets (integers, no term strings): the same
    /// features as looking up each `#<bucket>` term the analyzer writes.
    #[test]
    fn buckets_equal_term_lookup() {
        let docs = [
            ("buy now cheap deals buy", "sales"),
            ("great talk yesterday, coffee soon?", "net"),
            ("earn $500 a week from home, über easy", "opp"),
            ("we are hiring a senior engineer", "rec"),
            ("coffee and a talk about hiring", "net"),
        ];
        for (bits, tf, norm, ngrams) in [
            (4, TermWeight::Raw, DocNorm::None, (1, 1)),
            (10, TermWeight::Log, DocNorm::L2, (1, 2)),
            (16, TermWeight::Raw, DocNorm::L2, (1, 3)),
            (30, TermWeight::Log, DocNorm::None, (2, 3)),
        ] {
            let params = TrainParams::default()
                .analyzer(AnalyzerConfig {
                    hash_bits: Some(bits),
                    ..AnalyzerConfig::default()
                })
                .ngrams(ngrams.0, ngrams.1)
                .transforms(tf, false, norm)
                .check()
                .unwrap();
            let clf = crate::test_util::fit(&docs, &params);
            let mut s = clf.scorer();
            let mut a = Analyzer::new(params.analyzer().clone()).unwrap();
            for t in [
                "buy cheap coffee now",
                "hiring hiring über deals",
                "nothing known here",
                "",
            ] {
                let mut ids: Vec<u32> = a
                    .terms(t)
                    .iter()
                    .filter_map(|t| clf.feature_id(t))
                    .collect();
                ids.sort_unstable();
                ids.dedup();
                let got: Vec<u32> = s.features(t).iter().map(|f| f.0).collect();
                assert_eq!(got, ids, "{bits}: {t}");
            }
        }
    }
}
