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

use crate::arr::{prefetch, zeroed, Arr};
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

/// A key as [`Index::build_by_regions`] sorts it out: its slot value (tag and feature id)
/// and its home slot in its range.
type Entry = (u64, u32);

/// Tables of this many features and more are built on all threads
/// ([`Index::build_by_regions`]); smaller ones in order.
const PARALLEL_FROM: usize = 1 << 16;

/// The first empty slot from `from` on (`slots.len()` when there is none), or `None` when
/// a slot on the way holds the tag `want` (`tag << id_bits`): a lookup, which walks the
/// same path, would take it for the key being placed.
#[inline]
fn probe(slots: &[u64], from: usize, want: u64, id_mask: u64) -> Option<usize> {
    let mut s = from;
    while s < slots.len() && slots[s] != 0 {
        if slots[s] & !id_mask == want {
            return None;
        }
        s += 1;
    }
    Some(s)
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
        let homes: Vec<usize> = keys
            .par_iter()
            .with_min_len(1 << 14)
            .map(|&k| ix.home(k))
            .collect();
        let threads = crate::par::current_num_threads();
        let by_regions = (threads > 1 && n >= PARALLEL_FROM)
            .then(|| {
                // Ranges of 32 K slots (256 KB: they stay in cache while filled), or
                // smaller so that every thread has several.
                let per_thread = (ix.homes / (8 * threads as u64)).max(1);
                ix.build_by_regions(keys, &homes, per_thread.ilog2().min(15))
            })
            .flatten();
        ix.slots = match by_regions {
            Some(slots) => slots,
            None => ix.build_in_order(keys, &homes)?,
        }
        .into();
        Some(ix)
    }

    /// The table's slots: keys inserted one by one in feature order (which decides the
    /// table's bytes), or `None` when two features would not be told apart.
    fn build_in_order(&self, keys: &[u64], homes: &[usize]) -> Option<Vec<u64>> {
        let mut slots = zeroed::<u64>(self.homes as usize);
        let id_mask = (1u64 << self.id_bits) - 1;
        // The home slot of a key `AHEAD` places on is prefetched: the table is far
        // larger than the caches, and overlapping the misses is most of the build's time.
        // `find` walks the path [`probe`] walks, and slots on it stay as they are (later
        // keys only take empty slots), so checking the path here checks every lookup.
        const AHEAD: usize = 16;
        for (i, &k) in keys.iter().enumerate() {
            if let Some(&h) = homes.get(i + AHEAD) {
                prefetch(&slots, h);
            }
            let want = self.tag(k)? << self.id_bits;
            let s = probe(&slots, homes[i], want, id_mask)?;
            if s == slots.len() {
                slots.push(0);
            }
            slots[s] = want | (i as u64 + 1);
        }
        Some(slots)
    }

    /// [`Index::build_in_order`]'s slots, byte for byte, built on all threads: the home
    /// slots are cut into ranges of `2^shift` and each range takes its own keys in feature
    /// order, in parallel. A key that runs off the end of its range (all slots from its
    /// home to the end full) is put aside; it belongs at the start of the next range,
    /// where it can only fill that range's first empty slots: the start of the next
    /// range up to the slot that is the `c`-th empty one (for `c` keys put aside) is
    /// filled again with the keys found there and the ones put aside, in feature order,
    /// which is where the one-by-one build puts them (the slots a set of keys fills do
    /// not depend on their order, and no key homed past that span can reach into it).
    /// The last range's keys put aside run on past the last home, in feature order.
    /// `None` (build in order instead) when a key is too large for a tag, when a range
    /// has too few empty slots for the keys put aside into it, or when two keys clash on
    /// a path: in order, the clash decides whether the table can be built at all.
    fn build_by_regions(&self, keys: &[u64], homes: &[usize], shift: u32) -> Option<Vec<u64>> {
        let n_homes = self.homes as usize;
        let id_bits = self.id_bits;
        let id_mask = (1u64 << id_bits) - 1;
        // Range r: home slots r << shift up to the next range's (the last one to n_homes).
        let regions = ((n_homes - 1) >> shift) + 1;
        let bounds: Vec<usize> = (0..=regions).map(|r| (r << shift).min(n_homes)).collect();
        let region_of = |h: usize| h >> shift;
        // Each range's keys as (slot value, id, home in the range), in feature order:
        // every thread sorts out a run of the keys, and a range takes its entries from
        // each run in turn, so it reads only its own keys, one after the other.
        let run = keys
            .len()
            .div_ceil(crate::par::current_num_threads().max(1))
            .max(1);
        let partition = || -> Option<Vec<Vec<Vec<Entry>>>> {
            homes
                .par_chunks(run)
                .enumerate()
                .map(|(c, homes)| {
                    let first = c * run;
                    let each = homes.len() / regions;
                    let mut out: Vec<Vec<Entry>> = (0..regions)
                        .map(|_| Vec::with_capacity(each + each / 8 + 4))
                        .collect();
                    for (j, &h) in homes.iter().enumerate() {
                        let id = first + j;
                        let want = self.tag(keys[id])? << id_bits | (id as u64 + 1);
                        let r = region_of(h);
                        out[r].push((want, (h - bounds[r]) as u32));
                    }
                    Some(out)
                })
                .collect()
        };
        // The table's pages are faulted in on one thread while the keys are sorted out:
        // faulting them in from both threads as the ranges fill them made that pass
        // slower than the whole build in order (the kernel's page bookkeeping is shared).
        let (mut slots, runs) = crate::par::join(|| zeroed::<u64>(n_homes), partition);
        let runs = runs?;
        let mut parts: Vec<&mut [u64]> = Vec::with_capacity(regions);
        let mut rest = &mut slots[..];
        for r in 0..regions {
            let (part, next) = std::mem::take(&mut rest).split_at_mut(bounds[r + 1] - bounds[r]);
            parts.push(part);
            rest = next;
        }
        // Each range on its own: the keys put aside (their slot values), or `None` on a
        // clash.
        let aside: Vec<Option<Vec<u64>>> = parts
            .into_iter()
            .enumerate()
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|(r, part)| {
                let mut aside = Vec::new();
                for &(value, home) in runs.iter().flat_map(|run| &run[r]) {
                    let s = probe(part, home as usize, value & !id_mask, id_mask)?;
                    match part.get_mut(s) {
                        Some(slot) => *slot = value,
                        None => aside.push(value),
                    }
                }
                Some(aside)
            })
            .collect();
        drop(runs);
        let aside: Vec<Vec<u64>> = aside.into_iter().collect::<Option<_>>()?;
        let id_of = |v: u64| ((v & id_mask) - 1) as usize;
        // The keys put aside, range by range: they and the keys found at the start of the
        // next range, again in feature order.
        for r in 0..regions - 1 {
            let put = &aside[r];
            if put.is_empty() {
                continue;
            }
            let (start, end) = (bounds[r + 1], bounds[r + 2]);
            let part = &mut slots[start..end];
            let mut empty = 0;
            let span = part.iter().position(|&v| {
                empty += usize::from(v == 0);
                empty == put.len()
            })?;
            let mut values: Vec<(u64, usize)> = part[..=span]
                .iter()
                .filter(|&&v| v != 0)
                .map(|&v| (v, homes[id_of(v)] - start))
                .chain(put.iter().map(|&v| (v, 0)))
                .collect();
            values.sort_unstable_by_key(|&(v, _)| id_of(v));
            part[..=span].fill(0);
            for (value, home) in values {
                let s = probe(part, home, value & !id_mask, id_mask)?;
                part[s] = value;
            }
        }
        // Past the last home: each key put aside by the last range passes every slot
        // taken there before it.
        for &value in &aside[regions - 1] {
            probe(&slots[n_homes..], 0, value & !id_mask, id_mask)?;
            slots.push(value);
        }
        Some(slots)
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

    /// `(feature id, tfs[i])` for every `keys[i]` found, sorted by feature id: a
    /// document's features from its distinct keys and their frequencies (see
    /// `nb::counts::count_keys`), the keys looked up as [`Index::find_each`] does.
    pub fn find_counted(&self, keys: &[u64], tfs: &[u32]) -> Vec<(u32, u32)> {
        let mut found = Vec::with_capacity(keys.len());
        let mut tf = tfs.iter();
        self.find_each(keys, |id, _| {
            let n = tf.next().copied().unwrap_or(0);
            if let Some(id) = id {
                found.push((id, n));
            }
        });
        found.sort_unstable();
        found
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

    /// An index's skeleton for `keys`, and their home slots, as `build` makes them.
    fn skeleton(keys: &[u64], buckets: bool) -> (Index, Vec<usize>) {
        let ix = Index {
            seed: 0,
            buckets,
            id_bits: id_bits_for(keys.len()),
            homes: homes_for(keys.len()),
            slots: Arr::default(),
            n: keys.len() as u32,
        };
        let homes = keys.iter().map(|&k| ix.home(k)).collect();
        (ix, homes)
    }

    proptest::proptest! {
        /// The table built by ranges in parallel is the table built in order, byte for
        /// byte, for any number of ranges (down to ranges of a few slots, so that keys
        /// run off the end of their range, into the next and past the last home), and
        /// it gives up (to the build in order) rather than differ.
        #[test]
        fn built_by_regions_is_built_in_order(
            seed in proptest::prelude::any::<u64>(),
            n in 1usize..3000,
            shift in 0u32..14,
            buckets in proptest::prelude::any::<bool>(),
        ) {
            let keys: Vec<u64> = (0..n as u64)
                .map(|i| {
                    let k = fingerprint(&i.to_le_bytes(), seed);
                    if buckets { k >> 40 } else { k }
                })
                .collect();
            let mut distinct = keys.clone();
            distinct.sort_unstable();
            distinct.dedup();
            proptest::prop_assume!(distinct.len() == n);
            let (ix, homes) = skeleton(&keys, buckets);
            let in_order = ix.build_in_order(&keys, &homes);
            let by_regions = ix.build_by_regions(&keys, &homes, shift);
            proptest::prop_assert!(in_order.is_some());
            if let Some(slots) = by_regions {
                proptest::prop_assert_eq!(Some(slots), in_order);
            }
        }
    }

    /// Small ranges put keys aside at many boundaries (a key homed in one range sits in
    /// the next in the table built in order), and the table is still built by ranges
    /// (not handed back to the build in order) and equal to it.
    #[test]
    fn small_ranges_hand_keys_on_and_still_build() {
        let keys: Vec<u64> = (0..20_000u64)
            .map(|i| fingerprint(&i.to_le_bytes(), 7))
            .collect();
        let (ix, homes) = skeleton(&keys, false);
        let in_order = ix.build_in_order(&keys, &homes).unwrap();
        let n_homes = ix.homes as usize;
        assert!(
            in_order.len() > n_homes,
            "some chain runs past the last home"
        );
        let id_mask = (1u64 << ix.id_bits) - 1;
        for shift in [7, 10, 14] {
            let handed_on = (1..=(n_homes - 1) >> shift)
                .map(|r| r << shift)
                .filter(|&b| in_order[b] != 0 && homes[((in_order[b] & id_mask) - 1) as usize] < b)
                .count();
            assert!(
                shift > 7 || handed_on > 20,
                "{handed_on} boundaries crossed"
            );
            let by_regions = ix.build_by_regions(&keys, &homes, shift);
            assert!(
                by_regions.as_ref() == Some(&in_order),
                "ranges of 2^{shift}"
            );
        }
    }

    /// Keys of one tag (they differ only in the id bits) clash on their paths: the build
    /// in order refuses them, and so does the build by ranges.
    #[test]
    fn a_clash_refuses_the_table_by_regions_too() {
        let keys: Vec<u64> = (0..5000u64).map(|i| 0xABCD << 20 | i).collect();
        let (ix, homes) = skeleton(&keys, false);
        assert_eq!(ix.build_in_order(&keys, &homes), None);
        for shift in [4, 10, 20] {
            assert_eq!(ix.build_by_regions(&keys, &homes, shift), None);
        }
    }

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
