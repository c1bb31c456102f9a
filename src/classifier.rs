//! [`Classifier`]: the analyzer, the vocabulary, the fitted model and the full counts,
//! as trained and as saved. Prediction goes through a per-thread [`Scorer`].

use std::sync::OnceLock;

use hashbrown::HashTable;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::calibrate::Calibration;
use crate::counts::{
    fnv1a_from, key_hash, l2_norm_of_hashes, term_hash, tf_weight, Counts, Key, NONE,
};
use crate::error::{Error, Result};
use crate::model::{argmax, fit_counts, select_features, softmax, NbModel};
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
    /// Feature terms, sorted; feature ids index this.
    pub features: Vec<Box<str>>,
    /// The fitted parameters.
    pub model: NbModel,
    /// The full training statistics, when loaded (training, update, merge, inspect).
    pub counts: Option<Counts>,
    /// Training summary stored in the model (not used for scoring).
    pub info: TrainInfo,
    /// The calibration map applied to the posteriors, when the model has one
    /// (set it to `None` for the raw posteriors).
    pub calibration: Option<Calibration>,
    /// Feature lookup by token ids, built on first use (training never needs it).
    vocab: OnceLock<Index>,
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

/// The answer for one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// Index of the predicted label.
    pub class: usize,
    /// Probability of every label (sums to 1).
    pub probabilities: Vec<f64>,
}

impl Prediction {
    /// Probability of the predicted label.
    pub fn confidence(&self) -> f64 {
        self.probabilities[self.class]
    }
}

impl Classifier {
    /// Select the vocabulary and fit the model on full statistics.
    ///
    /// Errors: [`Error::EmptyCorpus`] with no document, [`Error::SingleLabel`] with one
    /// label (`inputs` names the corpus in those messages).
    pub fn fit(counts: Counts, params: &ValidTrainParams, inputs: &str) -> Result<Classifier> {
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
        let selected = select_features(&counts, &params.fit);
        let model = fit_counts(&counts, &selected, &params.fit)?;
        let features: Vec<Box<str>> = selected
            .iter()
            .map(|&i| counts.terms[i as usize].clone())
            .collect();
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
        features: Vec<Box<str>>,
        model: NbModel,
        counts: Option<Counts>,
        info: TrainInfo,
    ) -> Classifier {
        Classifier {
            params,
            labels,
            class_docs,
            features,
            model,
            counts,
            info,
            calibration: None,
            vocab: OnceLock::new(),
        }
    }

    /// The feature id of a term.
    pub fn feature_id(&self, term: &str) -> Option<u32> {
        lookup(&self.features, term)
    }

    fn vocab(&self) -> &Index {
        self.vocab
            .get_or_init(|| Index::new(&self.features, self.params.analyzer.hash_bits.is_some()))
    }

    /// A scorer (one per thread).
    pub fn scorer(&self) -> Scorer<'_> {
        self.vocab();
        self.scorer_with(true)
    }

    fn scorer_with(&self, indexed: bool) -> Scorer<'_> {
        Scorer {
            clf: self,
            indexed,
            analyzer: Analyzer::new(self.params.analyzer.clone())
                .expect("analyzer settings checked at load"),
            feats: Vec::new(),
            hashes: Vec::new(),
            tok_ids: Vec::new(),
            tok_hashes: Vec::new(),
            term: String::new(),
            jll: vec![0.0; self.labels.len()],
        }
    }

    /// Predict one message. Without a vocabulary table built yet, terms are looked up by
    /// binary search in the sorted features, so one message does not pay for the table.
    pub fn predict(&self, text: &str) -> Prediction {
        let indexed = self.vocab.get().is_some();
        self.scorer_with(indexed).predict(text)
    }

    /// Predict many messages in parallel on the current rayon pool, in input order.
    /// A few messages (as from a command line) are looked up by binary search unless the
    /// table is already built: building it costs more than they do.
    pub fn predict_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Prediction> {
        if texts.len() <= FEW && self.vocab.get().is_none() {
            let mut s = self.scorer_with(false);
            return texts.iter().map(|t| s.predict(t.as_ref())).collect();
        }
        texts
            .par_iter()
            .map_init(|| self.scorer(), |s, t| s.predict(t.as_ref()))
            .collect()
    }
}

/// Up to this many messages, [`Classifier::predict_batch`] builds no lookup table.
const FEW: usize = 16;

/// The feature id of a term by binary search in the sorted features (no table needed).
fn lookup(features: &[Box<str>], term: &str) -> Option<u32> {
    features
        .binary_search_by(|f| f.as_bytes().cmp(term.as_bytes()))
        .ok()
        .map(|i| i as u32)
}

/// One token of the feature terms: its [`term_hash`], its bytes in the index's arena and
/// its feature id as a unigram ([`NONE`] when the unigram is not a feature).
#[derive(Debug, Clone, Copy)]
struct Tok {
    hash: u64,
    off: u64,
    len: u32,
    feature: u32,
}

/// One feature n-gram (n >= 2) by the ids of its tokens, with its feature id. 16 bytes.
#[derive(Debug, Clone, Copy)]
struct Gram {
    key: Key,
    feature: u32,
}

/// Feature lookup without building n-gram strings: tokens are looked up once each, and
/// n-grams by the tuple of their token ids. Built once per classifier from the features.
#[derive(Debug, Clone, Default)]
struct Index {
    tok_table: HashTable<u32>,
    toks: Vec<Tok>,
    tok_bytes: Vec<u8>,
    grams: HashTable<Gram>,
    /// [`term_hash`] of every feature (for the L2 norm); empty without feature n-grams.
    hashes: Vec<u64>,
    /// Feature hashing: bucket -> (feature id, term hash of `#<bucket>`).
    buckets: HashTable<(u32, u32, u64)>,
}

impl Index {
    fn new(features: &[Box<str>], hashed: bool) -> Index {
        let mut ix = Index::default();
        if !hashed {
            ix.grams.reserve(features.len(), |g| key_hash(&g.key));
        }
        // Features are sorted, so neighbours mostly share their leading tokens: the
        // previous feature's tokens and ids save most token lookups.
        let mut prev: [(&str, u32); 3] = [("", NONE); 3];
        for (f, term) in features.iter().enumerate() {
            let f = f as u32;
            if hashed {
                // Features of a hashed model are `#<bucket>`; anything else never occurs.
                if let Some(b) = term.strip_prefix('#').and_then(|d| d.parse::<u32>().ok()) {
                    if format!("#{b}") == **term {
                        let h = term_hash(term);
                        ix.buckets
                            .insert_unique(key_hash(&[b, 0, 0]), (b, f, h), |e| {
                                key_hash(&[e.0, 0, 0])
                            });
                    }
                }
                continue;
            }
            let mut key = [NONE; 3];
            let mut n = 0;
            for part in term.split(' ') {
                if n == 3 || part.is_empty() {
                    n = 4;
                    break;
                }
                key[n] = if prev[n].1 != NONE && prev[n].0 == part {
                    prev[n].1
                } else {
                    ix.intern(part)
                };
                prev[n] = (part, key[n]);
                n += 1;
            }
            match n {
                1 => ix.toks[key[0] as usize].feature = f,
                2 | 3 => {
                    let gram = Gram { key, feature: f };
                    ix.grams
                        .insert_unique(key_hash(&key), gram, |g| key_hash(&g.key));
                }
                // Not a word n-gram of this analyzer: no document produces it.
                _ => {}
            }
        }
        if !ix.grams.is_empty() {
            ix.hashes = features.iter().map(|t| term_hash(t)).collect();
        }
        ix
    }

    fn tok(&self, i: u32) -> &[u8] {
        let t = &self.toks[i as usize];
        &self.tok_bytes[t.off as usize..t.off as usize + t.len as usize]
    }

    fn find_tok(&self, h: u64, t: &str) -> Option<u32> {
        self.tok_table
            .find(h, |&i| self.tok(i) == t.as_bytes())
            .copied()
    }

    fn intern(&mut self, t: &str) -> u32 {
        let h = term_hash(t);
        if let Some(i) = self.find_tok(h, t) {
            return i;
        }
        let i = self.toks.len() as u32;
        self.toks.push(Tok {
            hash: h,
            off: self.tok_bytes.len() as u64,
            len: t.len() as u32,
            feature: NONE,
        });
        self.tok_bytes.extend_from_slice(t.as_bytes());
        let toks = &self.toks;
        self.tok_table
            .insert_unique(h, i, |&j| toks[j as usize].hash);
        i
    }
}

/// Scores messages against a [`Classifier`], reusing its buffers.
pub struct Scorer<'m> {
    clf: &'m Classifier,
    indexed: bool,
    analyzer: Analyzer,
    feats: Vec<u32>,
    hashes: Vec<u64>,
    tok_ids: Vec<u32>,
    tok_hashes: Vec<u64>,
    term: String,
    jll: Vec<f64>,
}

impl<'m> Scorer<'m> {
    /// The classifier this scorer scores against.
    pub fn classifier(&self) -> &'m Classifier {
        self.clf
    }

    /// The feature id of every term occurrence of `text` that is a feature, in term
    /// order, into `self.feats`; with `need_norm`, the [`term_hash`] of every term
    /// occurrence into `self.hashes`.
    fn collect(&mut self, text: &str, need_norm: bool) {
        let Scorer {
            clf,
            indexed,
            analyzer,
            feats,
            hashes,
            tok_ids,
            tok_hashes,
            term,
            ..
        } = self;
        feats.clear();
        hashes.clear();
        let features = &clf.features;
        if !*indexed {
            analyzer.for_each_term(text, |t| {
                if let Some(id) = lookup(features, t) {
                    feats.push(id);
                }
                if need_norm {
                    hashes.push(term_hash(t));
                }
            });
            return;
        }
        let ix = clf.vocab();
        let config = analyzer.config();
        let (lo, hi) = (config.ngram_min as usize, config.ngram_max as usize);
        let hash_bits = config.hash_bits;
        let toks = analyzer.tokens(text);
        if let Some(bits) = hash_bits {
            let mask = (1u64 << bits) - 1;
            for i in 0..toks.len() {
                let mut h = 0xcbf2_9ce4_8422_2325;
                for n in 1..=hi.min(toks.len() - i) {
                    if n > 1 {
                        h = fnv1a_from(h, b" ");
                    }
                    h = fnv1a_from(h, toks[i + n - 1].as_bytes());
                    if n < lo {
                        continue;
                    }
                    let b = (h & mask) as u32;
                    match ix.buckets.find(key_hash(&[b, 0, 0]), |e| e.0 == b) {
                        Some(&(_, f, th)) => {
                            feats.push(f);
                            if need_norm {
                                hashes.push(th);
                            }
                        }
                        None if need_norm => {
                            term.clear();
                            term.push('#');
                            term.push_str(&b.to_string());
                            hashes.push(term_hash(term));
                        }
                        None => {}
                    }
                }
            }
            return;
        }
        tok_ids.clear();
        tok_hashes.clear();
        for t in toks {
            let h = term_hash(t);
            tok_ids.push(ix.find_tok(h, t).unwrap_or(NONE));
            tok_hashes.push(h);
        }
        // The same order as `Analyzer::for_each_term`: by start token, shortest first.
        for i in 0..toks.len() {
            let mut key = [NONE; 3];
            let mut known = true;
            for n in 1..=hi.min(toks.len() - i) {
                let id = tok_ids[i + n - 1];
                key[n - 1] = id;
                known &= id != NONE;
                if n < lo {
                    continue;
                }
                if n == 1 {
                    if known && ix.toks[id as usize].feature != NONE {
                        feats.push(ix.toks[id as usize].feature);
                    }
                    if need_norm {
                        hashes.push(tok_hashes[i]);
                    }
                    continue;
                }
                let gram = if known {
                    ix.grams.find(key_hash(&key), |g| g.key == key)
                } else {
                    None
                };
                match gram {
                    Some(g) => {
                        feats.push(g.feature);
                        if need_norm {
                            hashes.push(ix.hashes[g.feature as usize]);
                        }
                    }
                    None if need_norm => {
                        // Not a feature: only its identity (the norm) is needed.
                        term.clear();
                        for (k, t) in toks[i..i + n].iter().enumerate() {
                            if k > 0 {
                                term.push(' ');
                            }
                            term.push_str(t);
                        }
                        hashes.push(term_hash(term));
                    }
                    None => {}
                }
            }
        }
    }

    /// The document's features as `(feature id, value)`, sorted by feature id, and
    /// written into the scorer's buffer; returns them.
    pub fn features(&mut self, text: &str) -> Vec<(u32, f64)> {
        let fit = &self.clf.params.fit;
        let need_norm = fit.norm == DocNorm::L2;
        self.collect(text, need_norm);
        let (feats, hashes) = (&mut self.feats, &mut self.hashes);
        feats.sort_unstable();
        let norm = if need_norm {
            l2_norm_of_hashes(hashes, fit.tf)
        } else {
            1.0
        };
        let mut out = Vec::new();
        let mut i = 0;
        while i < feats.len() {
            let j = i + feats[i..].iter().take_while(|&&f| f == feats[i]).count();
            out.push((feats[i], tf_weight((j - i) as u32, fit.tf) / norm));
            i = j;
        }
        out
    }

    /// Joint log-likelihood of every label.
    pub fn jll(&mut self, text: &str) -> &[f64] {
        let fit = &self.clf.params.fit;
        if fit.tf == TermWeight::Raw && fit.norm == DocNorm::None {
            // Raw counts: each occurrence adds its row; no grouping needed.
            self.collect(text, false);
            self.clf
                .model
                .jll_sparse(self.feats.iter().map(|&f| (f, 1.0)), &mut self.jll);
        } else {
            let f = self.features(text);
            self.clf.model.jll_sparse(f, &mut self.jll);
        }
        &self.jll
    }

    /// Predict one message.
    pub fn predict(&mut self, text: &str) -> Prediction {
        let p = self.jll(text).to_vec();
        self.posteriors(p)
    }

    /// The prediction from joint log-likelihoods: the raw argmax, and the calibrated
    /// posteriors when the classifier has a calibration map (the softmax otherwise).
    fn posteriors(&self, mut p: Vec<f64>) -> Prediction {
        let class = argmax(&p);
        match &self.clf.calibration {
            Some(c) => c.map.probabilities(&mut p, class),
            None => softmax(&mut p),
        }
        Prediction {
            class,
            probabilities: p,
        }
    }

    /// Predict one message (exactly as [`Scorer::predict`]) and also return its joint
    /// log-likelihoods and its features as `(feature id, value)`, sorted by id; the
    /// value is what multiplies the feature's weights in the joint log-likelihood.
    pub fn predict_with_features(&mut self, text: &str) -> (Prediction, Vec<f64>, Vec<(u32, f64)>) {
        let fit = &self.clf.params.fit;
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
            self.clf.model.jll_sparse(f.iter().copied(), &mut self.jll);
            f
        };
        let jll = self.jll.clone();
        (self.posteriors(jll.clone()), jll, feats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::counts::{CountBuilder, Doc};
    use crate::params::TrainParams;
    use proptest::prelude::*;

    fn words() -> impl Strategy<Value = String> {
        let word = prop::sample::select(vec![
            "buy", "now", "Buy", "hi", "a", "ab", "über", "42", "deal", "x", "call", "me", "🎉",
            "b", "zz", "new",
        ]);
        prop::collection::vec(word, 0..12).prop_map(|w| w.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        /// The table lookup by token ids answers exactly (bitwise) as the binary search
        /// over the feature strings, for every analyzer and weighting setting.
        #[test]
        fn indexed_lookup_equals_binary_search(
            train in prop::collection::vec((words(), 0usize..3), 2..20),
            queries in prop::collection::vec(words(), 1..6),
            range in prop::sample::select(vec![(1u8, 1u8), (1, 2), (1, 3), (2, 3), (3, 3)]),
            tf in prop::sample::select(vec![TermWeight::Raw, TermWeight::Log]),
            norm in prop::sample::select(vec![DocNorm::None, DocNorm::L2]),
            hash_bits in prop::sample::select(vec![None, Some(2u8), Some(20)]),
            min_df in 1u64..3,
        ) {
            let analyzer = crate::text::AnalyzerConfig {
                ngram_min: range.0,
                ngram_max: range.1,
                hash_bits,
                ..Default::default()
            };
            let p = TrainParams::default()
                .analyzer(analyzer)
                .transforms(tf, false, norm)
                .min_df(min_df)
                .check()
                .unwrap();
            let mut b = CountBuilder::new(&p.analyzer, &p.fit).unwrap();
            let ids: Vec<u32> = (0..3).map(|c| b.class_id(["net", "sales", "scam"][c])).collect();
            let docs: Vec<Doc> = train
                .iter()
                .map(|(t, c)| Doc { text: t, class: ids[*c] })
                .chain((0..3).map(|c| Doc { text: "x", class: ids[c] }))
                .collect();
            b.add(&docs);
            let clf = Classifier::fit(b.finish(), &p, "test").unwrap();
            let mut plain = clf.scorer_with(false);
            let mut indexed = clf.scorer();
            for q in queries.iter().chain(train.iter().map(|d| &d.0)) {
                prop_assert_eq!(plain.features(q), indexed.features(q));
                prop_assert_eq!(plain.predict_with_features(q), indexed.predict_with_features(q));
            }
        }
    }
}
