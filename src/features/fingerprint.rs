//! Term fingerprints and the lookup table stored in the model file.
//!
//! A feature's key is a 64-bit fingerprint: `xxh3_64` of the term's bytes with the
//! model's seed (exact vocabulary), or the bucket number itself (feature hashing).
//!
//! The table is open addressing with linear probing over `homes` slots (any number, a
//! multiply-shift range reduction picks the home slot; the last chains run on past
//! `homes` instead of wrapping). Each slot is one `u64`: the key's *tag* above the low
//! `id_bits` bits, and the feature id plus one in them (0: an empty slot). A probe
//! compares tags inside the slot array, so a lookup touches one array, usually one
//! cache line, and a miss (most of a document's bigrams) stops at the first empty slot
//! without reading anything else. The table is built at most two thirds full
//! (`homes = 3n/2`: a miss probes about 5 slots, 40 bytes, a hit about 2).
//!
//! The tag is the whole bucket number with feature hashing (exact: a bucket is found
//! only if it is a feature's) and the top `64 - id_bits` bits of the fingerprint with an
//! exact vocabulary, so the feature keys themselves are not stored: an unknown term is
//! taken for a feature when its fingerprint agrees with that feature's in those bits and
//! the feature lies on its probe path (about `probes / 2^(64 - id_bits)` per unknown
//! lookup: `5 / 2^43` with 20 Newsgroups' 1.08 M features, 21 id bits), besides the
//! home slot's bits. The seed is chosen when the table is built (the first from
//! [`SEED`] up under which every feature is found as itself, which needs distinct
//! fingerprints and no two features with one tag on one probe path) and recorded in
//! the file. Prediction reads the table straight from the mapped file: no term string
//! is read, parsed or compared.

use crate::arr::{prefetch, Arr};
use crate::features::terms::Terms;
use crate::par::*;

/// The first fingerprint seed tried.
pub const SEED: u64 = 0x7069_7463_6873_6966;

/// The seed of feature hashing's buckets (`--hash-bits`): fixed, so a bucket is the
/// same in every build and every model.
pub const BUCKET_SEED: u64 = 0x6275_636b_6574_7321;

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
    /// Bucket keys (feature hashing): the tag is the whole key.
    pub buckets: bool,
    /// Low bits of a slot that hold the feature id plus one.
    pub id_bits: u32,
    /// Number of home slots; `slots` may be longer (chains run on past the last home).
    pub homes: u64,
    /// The table: `tag << id_bits | (id + 1)`, or 0 for an empty slot.
    pub slots: Arr<u64>,
    /// Number of features.
    pub n: u32,
}

/// Bits that hold the ids `1..=n`.
pub fn id_bits_for(n: usize) -> u32 {
    (usize::BITS - n.leading_zeros()).max(1)
}

/// Home slots for `n` features: at most two thirds full.
pub fn homes_for(n: usize) -> u64 {
    (n as u64 + n as u64 / 2 + 1).max(2)
}

impl Index {
    /// The tag of `key`, or `None` for a bucket key too large to be stored.
    #[inline]
    fn tag(&self, key: u64) -> Option<u64> {
        if self.buckets {
            (key < 1u64 << (64 - self.id_bits)).then_some(key)
        } else {
            Some(key >> self.id_bits)
        }
    }

    /// The home slot of `key`.
    #[inline]
    fn home(&self, key: u64) -> usize {
        let z = (key ^ (key >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((z as u128 * self.homes as u128) >> 64) as usize
    }

    /// The table for distinct `keys` (feature order), or `None` when two features
    /// would not be told apart (equal fingerprints, or equal tags on one probe path).
    pub fn build(seed: u64, keys: &[u64], buckets: bool) -> Option<Index> {
        let n = keys.len();
        let mut ix = Index {
            seed,
            buckets,
            id_bits: id_bits_for(n),
            homes: homes_for(n),
            slots: Arr::default(),
            n: n as u32,
        };
        let mut slots = vec![0u64; ix.homes as usize];
        let id_mask = (1u64 << ix.id_bits) - 1;
        // Keys are inserted in feature order (which decides the table's bytes), with the
        // home slot of a key `AHEAD` places on prefetched: the table is far larger than
        // the caches, and overlapping the misses is most of the build's time.
        const AHEAD: usize = 16;
        let homes: Vec<usize> = keys
            .par_iter()
            .with_min_len(1 << 14)
            .map(|&k| ix.home(k))
            .collect();
        for (i, &k) in keys.iter().enumerate() {
            if let Some(&h) = homes.get(i + AHEAD) {
                prefetch(&slots, h);
            }
            let tag = ix.tag(k)?;
            let mut s = homes[i];
            // `find` walks this same path and answers its first slot with the key's tag:
            // a slot already on the path with that tag (equal fingerprints, or equal
            // tags) would hide this key. Slots on the path stay as they are (later keys
            // only take empty slots), so checking here checks every lookup.
            let want = tag << ix.id_bits;
            while s < slots.len() && slots[s] != 0 {
                if slots[s] & !id_mask == want {
                    return None;
                }
                s += 1;
            }
            if s == slots.len() {
                slots.push(0);
            }
            slots[s] = tag << ix.id_bits | (i as u64 + 1);
        }
        ix.slots = slots.into();
        Some(ix)
    }

    /// The index of exact-vocabulary features: the first seed from [`SEED`] up under
    /// which every feature is found as itself.
    pub fn for_terms(features: &Terms) -> Index {
        let mut seed = SEED;
        loop {
            if let Some(ix) = Index::build(seed, &term_keys(features, seed), false) {
                return ix;
            }
            seed = seed.wrapping_add(1);
        }
    }

    /// The index of hashed features (`#<bucket>` terms; a term that is not one gets a
    /// key no lookup asks for, `2^(64 - id_bits) - 1` down).
    pub fn for_buckets(features: &Terms) -> Index {
        let top = (1u64 << (64 - id_bits_for(features.len()))) - 1;
        let keys: Vec<u64> = features
            .iter()
            .enumerate()
            .map(|(i, t)| bucket_of_term(t).unwrap_or(top - i as u64))
            .collect();
        Index::build(0, &keys, true).expect("distinct buckets are told apart")
    }

    /// The feature with key `key`.
    #[inline]
    pub fn find(&self, key: u64) -> Option<u32> {
        let tag = self.tag(key)?;
        let slots = &*self.slots;
        let id_mask = (1u64 << self.id_bits) - 1;
        let want = tag << self.id_bits;
        let mut s = self.home(key);
        while let Some(&v) = slots.get(s) {
            if v == 0 {
                return None;
            }
            if v & !id_mask == want {
                // A slot forged to an id of 0 or past the features finds nothing.
                let id = (v & id_mask).wrapping_sub(1);
                return (id < self.n as u64).then_some(id as u32);
            }
            s += 1;
        }
        None
    }

    /// `f(find(key), key)` for every key in order, the slots of the keys a few ahead
    /// prefetched, so the cache misses of several lookups overlap.
    #[inline]
    pub fn find_each(&self, keys: &[u64], mut f: impl FnMut(Option<u32>, u64)) {
        const AHEAD: usize = 16;
        let slots = &*self.slots;
        for &k in keys.iter().take(AHEAD) {
            prefetch(slots, self.home(k));
        }
        for (i, &k) in keys.iter().enumerate() {
            if let Some(&next) = keys.get(i + AHEAD) {
                prefetch(slots, self.home(next));
            }
            f(self.find(k), k);
        }
    }

    /// Check a table read from a file for `n` features: its shape (the slot contents
    /// need no check: [`Index::find`] answers only ids below `n`).
    pub fn validate(&self, n: usize) -> Result<(), String> {
        if self.n as usize != n
            || self.id_bits != id_bits_for(n)
            || self.homes != homes_for(n)
            || (self.slots.len() as u64) < self.homes
        {
            return Err("malformed term table".into());
        }
        Ok(())
    }

    /// Whether feature `i` of `keys` is found as itself, for every feature (a full load
    /// checks a file's table with it).
    pub fn finds_all(&self, keys: &[u64]) -> bool {
        keys.len() == self.n as usize
            && (0..keys.len())
                .into_par_iter()
                .with_min_len(1 << 14)
                .all(|i| self.find(keys[i]) == Some(i as u32))
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

    /// `build` refuses a key set exactly when some key would not be found as itself:
    /// keys drawn from few tags (the high bits above `id_bits`, 2 for 3 keys) so that
    /// equal tags, and equal keys, often meet on one probe path. Checked against the
    /// lookups of a table built with no check (the same insertions).
    #[test]
    fn build_refuses_exactly_the_tables_with_a_hidden_key() {
        let (mut refused, mut built) = (0, 0);
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..3000 {
            let n = 1 + round % 9;
            let bits = id_bits_for(n);
            let keys: Vec<u64> = (0..n)
                .map(|_| ((next() % 3) << bits << 40) | (next() % 4))
                .collect();
            // Without the check: insert as `build` does, then look every key up.
            let unchecked = {
                let ix = Index {
                    seed: 0,
                    buckets: false,
                    id_bits: bits,
                    homes: homes_for(n),
                    slots: Arr::default(),
                    n: n as u32,
                };
                let mut slots = vec![0u64; ix.homes as usize];
                for (i, &k) in keys.iter().enumerate() {
                    let mut s = ix.home(k);
                    while s < slots.len() && slots[s] != 0 {
                        s += 1;
                    }
                    if s == slots.len() {
                        slots.push(0);
                    }
                    slots[s] = ix.tag(k).unwrap() << bits | (i as u64 + 1);
                }
                Index {
                    slots: slots.into(),
                    ..ix
                }
            };
            let all_found = (0..n).all(|i| unchecked.find(keys[i]) == Some(i as u32));
            match Index::build(0, &keys, false) {
                Some(ix) => {
                    assert!(all_found, "{keys:?}");
                    assert_eq!(&*ix.slots, &*unchecked.slots);
                    built += 1;
                }
                None => {
                    assert!(!all_found, "{keys:?}");
                    refused += 1;
                }
            }
        }
        // Both outcomes are exercised.
        assert!(
            refused > 100 && built > 100,
            "{refused} refused, {built} built"
        );
    }

    /// xxh3 reference values (the xxHash project's `xxhsum -H3`): the fingerprint of a
    /// term must not change between builds, since files store it.
    #[test]
    fn xxh3_is_the_reference_function() {
        // XXH3_64bits("") with seed 0 = 2D06800538D394C2 (xxHash README test vector).
        assert_eq!(fingerprint(b"", 0), 0x2D06_8005_38D3_94C2);
    }
}
