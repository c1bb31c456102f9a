//! Term fingerprints and the lookup table stored in the model file.
//!
//! A feature's key is a 64-bit fingerprint: `xxh3_64` of the term's bytes with the
//! model's seed (exact vocabulary), or the bucket number itself (feature hashing). The
//! table is open addressing with linear probing over a power-of-two number of slots,
//! each holding a feature id (or [`EMPTY`]); the keys are kept per feature, so a lookup
//! is one slot and one key compared. Prediction reads both arrays straight from the
//! mapped file: no term string is read, parsed or compared.
//!
//! Two terms with one fingerprint would be one feature: the seed is chosen when the
//! table is built (the first from [`SEED`] up that gives every feature its own
//! fingerprint) and recorded in the file. A term outside the vocabulary that shares a
//! feature's fingerprint (probability about `n_features / 2^64` per lookup) scores as
//! that feature.

use crate::arr::Arr;
use crate::par::*;
use crate::terms::Terms;

/// The first fingerprint seed tried.
pub const SEED: u64 = 0x7069_7463_6873_6966;

/// The seed of feature hashing's buckets (`--hash-bits`): fixed, so a bucket is the
/// same in every build and every model.
pub const BUCKET_SEED: u64 = 0x6275_636b_6574_7321;

/// A slot that holds no feature.
pub const EMPTY: u32 = u32::MAX;

/// The fingerprint of a term's bytes.
#[inline]
pub fn fingerprint(term: &[u8], seed: u64) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(term, seed)
}

/// The feature-hashing bucket of a term's bytes among `2^bits`.
#[inline]
pub fn bucket(term: &[u8], bits: u8) -> u64 {
    fingerprint(term, BUCKET_SEED) & ((1u64 << bits) - 1)
}

/// Key -> feature id.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// The fingerprint seed (0 for bucket keys).
    pub seed: u64,
    /// Each feature's key.
    pub keys: Arr<u64>,
    /// The table: a power of two of feature ids.
    pub slots: Arr<u32>,
}

#[inline]
fn slot_of(key: u64, mask: usize) -> usize {
    let z = (key ^ (key >> 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (z >> 32) as usize & mask
}

impl Index {
    /// The table for distinct `keys` (feature order).
    pub fn build(seed: u64, keys: Vec<u64>) -> Index {
        let n = keys.len();
        // At most two thirds full: a miss ends at an empty slot after a few probes.
        let cap = (n + n / 2 + 1).next_power_of_two().max(2);
        let mask = cap - 1;
        let mut slots = vec![EMPTY; cap];
        for (i, &k) in keys.iter().enumerate() {
            let mut s = slot_of(k, mask);
            while slots[s] != EMPTY {
                s = (s + 1) & mask;
            }
            slots[s] = i as u32;
        }
        Index {
            seed,
            keys: keys.into(),
            slots: slots.into(),
        }
    }

    /// The index of exact-vocabulary features: the first seed from [`SEED`] up under
    /// which their fingerprints are distinct.
    pub fn for_terms(features: &Terms) -> Index {
        let mut seed = SEED;
        loop {
            let keys = term_keys(features, seed);
            if distinct(&keys) {
                return Index::build(seed, keys);
            }
            seed = seed.wrapping_add(1);
        }
    }

    /// The index of hashed features (`#<bucket>` terms; a term that is not one gets a
    /// key no bucket has, `u64::MAX` down).
    pub fn for_buckets(features: &Terms) -> Index {
        let keys = features
            .iter()
            .enumerate()
            .map(|(i, t)| bucket_of_term(t).unwrap_or(u64::MAX - i as u64))
            .collect();
        Index::build(0, keys)
    }

    /// The feature with key `key`.
    #[inline]
    pub fn find(&self, key: u64) -> Option<u32> {
        let (slots, keys) = (&*self.slots, &*self.keys);
        let mask = slots.len() - 1;
        let mut s = slot_of(key, mask);
        // Bounded by the table size: a file's table is checked for size, not for an
        // empty slot.
        for _ in 0..slots.len() {
            let id = slots[s];
            if id == EMPTY {
                return None;
            }
            if keys[id as usize] == key {
                return Some(id);
            }
            s = (s + 1) & mask;
        }
        None
    }

    /// Check a table read from a file for `n` features: sizes and ids in range.
    pub fn validate(&self, n: usize) -> Result<(), String> {
        if self.keys.len() != n
            || !self.slots.len().is_power_of_two()
            || self.slots.len() <= n
            || self.slots.iter().any(|&i| i != EMPTY && i as usize >= n)
        {
            return Err("malformed term table".into());
        }
        Ok(())
    }
}

/// The fingerprints of `features` under `seed`, in feature order.
pub fn term_keys(features: &Terms, seed: u64) -> Vec<u64> {
    (0..features.len())
        .into_par_iter()
        .with_min_len(1 << 14)
        .map(|i| fingerprint(features.bytes(i), seed))
        .collect()
}

fn distinct(keys: &[u64]) -> bool {
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).all(|w| w[0] != w[1])
}

/// The bucket of a hashed feature's term `#<bucket>`.
pub fn bucket_of_term(t: &str) -> Option<u64> {
    let d = t.strip_prefix('#')?;
    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    d.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index finds every feature and nothing else, for sizes around the table's
    /// growth steps.
    #[test]
    fn finds_exactly_the_features() {
        for n in [0usize, 1, 2, 3, 1000, 70_000] {
            let mut terms: Vec<String> = (0..n).map(|i| format!("t{i} é{}", i % 7)).collect();
            terms.sort();
            let mut features = Terms::with_capacity(n, 0);
            for t in &terms {
                features.push(t);
            }
            let ix = Index::for_terms(&features);
            ix.validate(n).unwrap();
            for (i, t) in terms.iter().enumerate() {
                assert_eq!(ix.find(fingerprint(t.as_bytes(), ix.seed)), Some(i as u32));
            }
            for absent in ["", "t", "zzz", &format!("t{n} é0")] {
                assert_eq!(ix.find(fingerprint(absent.as_bytes(), ix.seed)), None);
            }
        }
    }

    #[test]
    fn bucket_keys_are_the_buckets() {
        let mut f = Terms::with_capacity(3, 0);
        for t in ["#0", "#12", "#7"] {
            f.push(t);
        }
        let ix = Index::for_buckets(&f);
        assert_eq!(ix.find(12), Some(1));
        assert_eq!(ix.find(7), Some(2));
        assert_eq!(ix.find(0), Some(0));
        assert_eq!(ix.find(3), None);
        assert_eq!(bucket_of_term("#x"), None);
        assert_eq!(bucket_of_term("#"), None);
    }

    /// xxh3 reference values (the xxHash project's `xxhsum -H3`): the fingerprint of a
    /// term must not change between builds, since files store it.
    #[test]
    fn xxh3_is_the_reference_function() {
        // XXH3_64bits("") with seed 0 = 2D06800538D394C2 (xxHash README test vector).
        assert_eq!(fingerprint(b"", 0), 0x2D06_8005_38D3_94C2);
    }
}
