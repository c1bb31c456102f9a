//! [`Classifier`]: the analyzer, the vocabulary, the fitted model and the full counts,
//! as trained and as saved. Prediction goes through a per-thread [`Scorer`].

use std::sync::OnceLock;

use crate::par::*;
use hashbrown::HashTable;
use serde::{Deserialize, Serialize};

use crate::calibrate::Calibration;
pub use crate::calibrate::Prediction;
use crate::counts::{l2_norm_of_hashes, same_bytes, term_hash, tf_weight, Counts};
use crate::error::{Error, Result};
use crate::model::{fit_counts, select_features, NbModel};
use crate::params::{DocNorm, TermWeight, ValidTrainParams};
use crate::terms::Terms;
use crate::text::{bucket_term, Analyzer};

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
    pub features: Terms,
    /// The fitted parameters.
    pub model: NbModel,
    /// The full training statistics, when loaded (training, update, merge, inspect).
    pub counts: Option<Counts>,
    /// Training summary stored in the model (not used for scoring).
    pub info: TrainInfo,
    /// The calibration map applied to the posteriors, when the model has one
    /// (set it to `None` for the raw posteriors).
    pub calibration: Option<Calibration>,
    /// Term -> feature id, built on first use (training never needs it): a table of
    /// feature indices, so the terms are not stored twice.
    vocab: OnceLock<Vocab>,
    /// With feature hashing (up to [`MAX_BUCKET_TABLE_BITS`] bits): bucket -> feature id
    /// ([`NO_FEATURE`] for a bucket that is not a feature), built on first use; `None`
    /// when the model has no such table.
    buckets: OnceLock<Option<Vec<u32>>>,
}

/// Hashed models of at most this many bits are scored through a bucket table
/// (4 bytes per bucket: 16 MiB at 22 bits) instead of the term table.
pub const MAX_BUCKET_TABLE_BITS: u8 = 22;

const NO_FEATURE: u32 = u32::MAX;

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

impl Classifier {
    /// Drop from the stored counts every term found in fewer than `min_df` documents,
    /// the terms the fitted model already leaves out: the file then holds no trace of
    /// them (for training data whose rare terms must not be kept, such as third
    /// parties' messages). The model's answers do not change; growing it (update,
    /// merge) is no longer exact, which its training info records in
    /// [`TrainInfo::stale`].
    pub fn prune_counts(&mut self) {
        let min_df = self.params.fit.min_df;
        if let Some(c) = &self.counts {
            let kept = c.retain_min_df(min_df);
            self.info.n_terms = kept.n_terms() as u64;
            self.counts = Some(kept);
        }
        self.info.stale.push(format!(
            "counts: terms in fewer than {min_df} documents were left out of the stored counts \
             (--prune-counts), so update and merge are not exact"
        ));
        self.info.stale.sort();
        self.info.stale.dedup();
    }

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
            buckets: OnceLock::new(),
        }
    }

    /// The feature id of a term.
    pub fn feature_id(&self, term: &str) -> Option<u32> {
        lookup(Some(self.vocab()), &self.features, term)
    }

    fn vocab(&self) -> &Vocab {
        self.vocab.get_or_init(|| Vocab::build(&self.features))
    }

    /// The bucket table of a hashed model (see [`MAX_BUCKET_TABLE_BITS`]).
    fn buckets(&self) -> Option<&[u32]> {
        self.buckets
            .get_or_init(|| {
                let bits = self.params.analyzer.hash_bits?;
                if bits > MAX_BUCKET_TABLE_BITS {
                    return None;
                }
                let mut table = vec![NO_FEATURE; 1 << bits];
                for (i, t) in self.features.iter().enumerate() {
                    let b: usize = t.strip_prefix('#')?.parse().ok()?;
                    *table.get_mut(b)? = i as u32;
                }
                Some(table)
            })
            .as_deref()
    }

    /// A scorer (one per thread).
    pub fn scorer(&self) -> Scorer<'_> {
        if self.buckets().is_some() {
            return self.scorer_with(true);
        }
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
            jll: vec![0.0; self.labels.len()],
            name: String::new(),
        }
    }

    /// Predict one message. Without a vocabulary table built yet, terms are looked up by
    /// binary search in the sorted features, so one message does not pay for the table.
    pub fn predict(&self, text: &str) -> Prediction {
        let indexed = self.vocab.get().is_some();
        self.scorer_with(indexed).predict(text)
    }

    /// Predict many messages in parallel on the current rayon pool, in input order.
    pub fn predict_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Prediction> {
        texts
            .par_iter()
            .map_init(|| self.scorer(), |s, t| s.predict(t.as_ref()))
            .collect()
    }
}

fn lookup(vocab: Option<&Vocab>, features: &Terms, term: &str) -> Option<u32> {
    match vocab {
        Some(v) => v.find(features, term),
        None => features
            .binary_search(term.as_bytes())
            .ok()
            .map(|i| i as u32),
    }
}

/// A model's vocabulary index: term -> feature id, in hash tables of feature ids split
/// by bits of the term's hash that the tables themselves do not use (32 and up, below
/// hashbrown's 7-bit tags), so the shards are built in parallel.
#[derive(Debug, Clone)]
struct Vocab {
    shards: Vec<HashTable<u32>>,
}

/// Vocabularies of at least this many features are split into [`SHARDS`] tables.
const SHARDED_FROM: usize = 1 << 16;
const SHARDS: usize = 64;

impl Vocab {
    fn build(features: &Terms) -> Vocab {
        let n = features.len();
        let n_shards = if n >= SHARDED_FROM { SHARDS } else { 1 };
        let hashes: Vec<u64> = (0..n)
            .into_par_iter()
            .with_min_len(1 << 14)
            .map(|i| term_hash(features.get(i)))
            .collect();
        let mut ids: Vec<Vec<u32>> = vec![Vec::new(); n_shards];
        for (i, &h) in hashes.iter().enumerate() {
            ids[shard(h, n_shards)].push(i as u32);
        }
        let shards = ids
            .into_par_iter()
            .map(|ids| {
                let mut table = HashTable::with_capacity(ids.len());
                for i in ids {
                    table.insert_unique(hashes[i as usize], i, |&j| hashes[j as usize]);
                }
                table
            })
            .collect();
        Vocab { shards }
    }

    #[inline]
    fn find(&self, features: &Terms, term: &str) -> Option<u32> {
        let h = term_hash(term);
        self.shards[shard(h, self.shards.len())]
            .find(h, |&i| {
                same_bytes(features.bytes(i as usize), term.as_bytes())
            })
            .copied()
    }
}

/// The shard of a hash among `n` (a power of two).
#[inline]
fn shard(h: u64, n: usize) -> usize {
    (h >> 32) as usize & (n - 1)
}

/// Scores messages against a [`Classifier`], reusing its buffers.
pub struct Scorer<'m> {
    clf: &'m Classifier,
    indexed: bool,
    analyzer: Analyzer,
    feats: Vec<u32>,
    hashes: Vec<u64>,
    jll: Vec<f64>,
    /// A hashing bucket's term, for its hash.
    name: String,
}

impl<'m> Scorer<'m> {
    /// The classifier this scorer scores against.
    pub fn classifier(&self) -> &'m Classifier {
        self.clf
    }

    /// The document's features as `(feature id, value)`, sorted by feature id, and
    /// written into the scorer's buffer; returns them.
    pub fn features(&mut self, text: &str) -> Vec<(u32, f64)> {
        let fit = &self.clf.params.fit;
        let need_norm = fit.norm == DocNorm::L2;
        let (mut feats, mut hashes) = (
            std::mem::take(&mut self.feats),
            std::mem::take(&mut self.hashes),
        );
        feats.clear();
        hashes.clear();
        self.each_term(text, need_norm, |id, h| {
            if let Some(id) = id {
                feats.push(id);
            }
            if need_norm {
                hashes.push(h);
            }
        });
        feats.sort_unstable();
        let norm = if need_norm {
            l2_norm_of_hashes(&mut hashes, fit.tf)
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
        (self.feats, self.hashes) = (feats, hashes);
        out
    }

    /// Call `f(feature id, term hash)` for every term of `text`, in order; the hash
    /// ([`term_hash`] of the term's string) only when `hashes`, else 0. A hashed model
    /// with a bucket table looks buckets up directly, without the terms' strings.
    fn each_term(&mut self, text: &str, hashes: bool, mut f: impl FnMut(Option<u32>, u64)) {
        let clf = self.clf;
        if let Some(buckets) = self.indexed.then(|| clf.buckets()).flatten() {
            let name = &mut self.name;
            self.analyzer.for_each_bucket(text, |b| {
                let id = buckets[b as usize];
                let h = if hashes {
                    bucket_term(name, b);
                    term_hash(name)
                } else {
                    0
                };
                f((id != NO_FEATURE).then_some(id), h)
            });
            return;
        }
        let vocab = self.indexed.then(|| clf.vocab());
        self.analyzer.for_each_term(text, |t| {
            let h = if hashes { term_hash(t) } else { 0 };
            f(lookup(vocab, &clf.features, t), h)
        });
    }

    /// Joint log-likelihood of every label.
    pub fn jll(&mut self, text: &str) -> &[f64] {
        let fit = &self.clf.params.fit;
        if fit.tf == TermWeight::Raw && fit.norm == DocNorm::None {
            // Raw counts: each occurrence adds its row; no grouping needed.
            let mut feats = std::mem::take(&mut self.feats);
            feats.clear();
            self.each_term(text, false, |id, _| feats.extend(id));
            self.feats = feats;
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

    /// The prediction from joint log-likelihoods (see [`Prediction::from_jll`]).
    fn posteriors(&self, p: Vec<f64>) -> Prediction {
        Prediction::from_jll(p, self.clf.calibration.as_ref().map(|c| &c.map))
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
    use crate::params::TrainParams;
    use crate::text::AnalyzerConfig;

    /// The vocabulary index finds every feature (sharded from `SHARDED_FROM` features on)
    /// and nothing else, as the binary search in the sorted features does.
    #[test]
    fn vocab_finds_exactly_the_features() {
        for n in [0usize, 1, 1000, SHARDED_FROM + 1000] {
            let mut terms: Vec<String> = (0..n).map(|i| format!("t{i} é{}", i % 7)).collect();
            terms.sort();
            let mut features = Terms::with_capacity(n, 0);
            for t in &terms {
                features.push(t);
            }
            let vocab = Vocab::build(&features);
            assert_eq!(vocab.shards.len() > 1, n >= SHARDED_FROM);
            for (i, t) in terms.iter().enumerate() {
                assert_eq!(vocab.find(&features, t), Some(i as u32), "{t}");
            }
            for absent in ["", "t", "t1", "zzz", "t0 é1", &format!("t{n} é0")] {
                let by_search = lookup(None, &features, absent);
                assert_eq!(vocab.find(&features, absent), by_search, "{absent}");
            }
        }
    }

    /// A hashed model scored through its bucket table gives exactly what the term
    /// path (binary search in the features) gives: same features, same jll bits.
    #[test]
    fn bucket_table_equals_term_lookup() {
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
            (22, TermWeight::Log, DocNorm::None, (2, 3)),
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
            assert!(clf.buckets().is_some(), "{bits} bits");
            let mut by_bucket = clf.scorer();
            let mut by_term = clf.scorer_with(false);
            for t in [
                "buy cheap coffee now",
                "hiring hiring über deals",
                "nothing known here",
                "",
            ] {
                assert_eq!(by_bucket.features(t), by_term.features(t), "{bits}: {t}");
                let a: Vec<u64> = by_bucket.jll(t).iter().map(|v| v.to_bits()).collect();
                let b: Vec<u64> = by_term.jll(t).iter().map(|v| v.to_bits()).collect();
                assert_eq!(a, b, "{bits}: {t}");
            }
        }
    }
}
