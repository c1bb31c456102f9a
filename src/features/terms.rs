//! [`Terms`]: a list of strings stored in one byte buffer.
//!
//! A model's vocabulary has millions of short terms; one allocation per term would cost
//! more memory than the terms themselves (pointer, length and allocator overhead, 32
//! bytes or more per term) and most of a large model's load time (tantivy and fst store
//! their term dictionaries the same way, as one buffer of bytes and an offset per term).

use std::fmt;
use std::ops::Index;

use crate::arr::Arr;
use crate::par::*;

/// Strings stored end to end in one buffer, with the end offset of each.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Terms {
    bytes: Vec<u8>,
    ends: Vec<u64>,
}

impl Terms {
    /// An empty list with room for `n` terms of `bytes` bytes in all.
    pub fn with_capacity(n: usize, bytes: usize) -> Terms {
        Terms {
            bytes: Vec::with_capacity(bytes),
            ends: Vec::with_capacity(n),
        }
    }

    /// Append a term.
    pub fn push(&mut self, term: &str) {
        self.bytes.extend_from_slice(term.as_bytes());
        self.ends.push(self.bytes.len() as u64);
    }

    /// Append a term given as bytes that are valid UTF-8 (crate-internal: the bytes were
    /// made from `str`s; [`Terms::get`] would panic on anything else).
    pub(crate) fn push_utf8(&mut self, term: &[u8]) {
        self.push_with(|b| b.extend_from_slice(term));
    }

    /// Append a term that `write` appends to the buffer, as UTF-8 ([`Terms::push_utf8`]
    /// without a copy of its own).
    pub(crate) fn push_with(&mut self, write: impl FnOnce(&mut Vec<u8>)) {
        let start = self.bytes.len();
        write(&mut self.bytes);
        debug_assert!(std::str::from_utf8(&self.bytes[start..]).is_ok());
        self.ends.push(self.bytes.len() as u64);
    }

    /// Append all the terms of `other`.
    pub fn append(&mut self, other: &Terms) {
        let base = self.bytes.len() as u64;
        self.bytes.extend_from_slice(&other.bytes);
        self.ends.extend(other.ends.iter().map(|e| e + base));
    }

    /// `parts` end to end (as [`Terms::append`] of each in turn), copied in parallel.
    pub fn concat(parts: &[Terms]) -> Terms {
        let n: usize = parts.iter().map(Terms::len).sum();
        let total: usize = parts.iter().map(|p| p.bytes.len()).sum();
        let mut bytes = vec![0u8; total];
        let mut ends = vec![0u64; n];
        let mut jobs = Vec::with_capacity(parts.len());
        let (mut b_rest, mut e_rest) = (&mut bytes[..], &mut ends[..]);
        let mut base = 0u64;
        for p in parts {
            let (b, b_next) = std::mem::take(&mut b_rest).split_at_mut(p.bytes.len());
            let (e, e_next) = std::mem::take(&mut e_rest).split_at_mut(p.ends.len());
            jobs.push((p, b, e, base));
            base += p.bytes.len() as u64;
            (b_rest, e_rest) = (b_next, e_next);
        }
        jobs.into_par_iter().for_each(|(p, b, e, base)| {
            b.copy_from_slice(&p.bytes);
            for (to, &from) in e.iter_mut().zip(&p.ends) {
                *to = from + base;
            }
        });
        Terms { bytes, ends }
    }

    /// Build from raw parts: `bytes` (all the terms, end to end) and the end offset of
    /// each term. `None` unless the offsets are non-decreasing, end at `bytes.len()`, and
    /// every term is valid UTF-8 (checked in one pass over the buffer).
    pub fn from_parts(bytes: Vec<u8>, ends: Vec<u64>) -> Option<Terms> {
        if ends.last().copied().unwrap_or(0) != bytes.len() as u64
            || ends.windows(2).any(|w| w[0] > w[1])
        {
            return None;
        }
        // The buffer is valid UTF-8 and every term starts on a character boundary:
        // then every term is valid UTF-8 on its own.
        std::str::from_utf8(&bytes).ok()?;
        let boundary = |at: u64| bytes.get(at as usize).is_none_or(|&b| (b as i8) >= -0x40);
        if !ends.iter().all(|&e| boundary(e)) {
            return None;
        }
        Some(Terms { bytes, ends })
    }

    /// The raw parts: all the terms' bytes, end to end, and the end offset of each.
    pub fn parts(&self) -> (&[u8], &[u64]) {
        (&self.bytes, &self.ends)
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// No terms?
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Total bytes of all terms.
    pub fn total_bytes(&self) -> usize {
        self.bytes.len()
    }

    /// The bytes of term `i`.
    #[inline]
    pub fn bytes(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.bytes[start..self.ends[i] as usize]
    }

    /// Term `i`.
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        // Every term was pushed as a `str` or checked by `from_parts`.
        std::str::from_utf8(self.bytes(i)).expect("terms are UTF-8")
    }

    /// The terms in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + Clone + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Binary search of a term in a list sorted bytewise.
    pub fn binary_search(&self, term: &[u8]) -> Result<usize, usize> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.bytes(mid).cmp(term) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(lo)
    }

    /// Are the terms sorted bytewise and distinct?
    pub fn is_sorted_distinct(&self) -> bool {
        (1..self.len()).all(|i| self.bytes(i - 1) < self.bytes(i))
    }
}

/// Terms per block of the front-coded form ([`Terms::front_coded`]).
pub const BLOCK: usize = 16;

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn get_varint(r: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = r.split_first()?;
        *r = rest;
        v |= ((b & 0x7f) as u64) << shift;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

impl Terms {
    /// The terms front-coded in blocks of [`BLOCK`]: the first term of a block as its
    /// length (varint) and bytes, each other term as the length of the prefix it shares
    /// with the term before it, the length of the rest (varints) and the rest. Returns
    /// the byte offset of each block in the data, and the data's length last
    /// (`len().div_ceil(BLOCK) + 1` offsets), and the data.
    pub fn front_coded(&self) -> (Vec<u64>, Vec<u8>) {
        // Runs of blocks are coded in parallel, each from its own first term, then laid
        // end to end with their block offsets shifted: the bytes of one pass.
        const RUN: usize = 1024 * BLOCK;
        let runs: Vec<(Vec<u64>, Vec<u8>)> = (0..self.len())
            .step_by(RUN)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|first| {
                let end = self.len().min(first + RUN);
                let mut starts = Vec::with_capacity((end - first).div_ceil(BLOCK));
                let mut data = Vec::new();
                for i in first..end {
                    let t = self.bytes(i);
                    if i % BLOCK == 0 {
                        starts.push(data.len() as u64);
                        put_varint(&mut data, t.len() as u64);
                        data.extend_from_slice(t);
                    } else {
                        let prev = self.bytes(i - 1);
                        let p = prev.iter().zip(t).take_while(|(a, b)| a == b).count();
                        put_varint(&mut data, p as u64);
                        put_varint(&mut data, (t.len() - p) as u64);
                        data.extend_from_slice(&t[p..]);
                    }
                }
                (starts, data)
            })
            .collect();
        let mut starts = Vec::with_capacity(self.len().div_ceil(BLOCK) + 1);
        let mut data = Vec::with_capacity(runs.iter().map(|r| r.1.len()).sum());
        for (s, d) in runs {
            let base = data.len() as u64;
            starts.extend(s.iter().map(|&o| o + base));
            data.extend_from_slice(&d);
        }
        starts.push(data.len() as u64);
        (starts, data)
    }

    /// The `n` terms of a front-coded form ([`Terms::front_coded`]), checked: `None`
    /// unless the offsets and lengths are consistent and every term is UTF-8. The
    /// decoded bytes are at most `BLOCK` times the data's.
    pub fn from_front_coded(starts: &[u64], data: &[u8], n: usize) -> Option<Terms> {
        let blocks = n.div_ceil(BLOCK);
        if starts.len() != blocks + 1
            || starts[0] != 0
            || starts[blocks] != data.len() as u64
            || starts.windows(2).any(|w| w[0] > w[1])
        {
            return None;
        }
        let mut bytes: Vec<u8> = Vec::with_capacity(data.len().min(1 << 30));
        let mut ends: Vec<u64> = Vec::with_capacity(n);
        for b in 0..blocks {
            let mut r = &data[starts[b] as usize..starts[b + 1] as usize];
            for j in 0..BLOCK.min(n - b * BLOCK) {
                let start = bytes.len();
                if j == 0 {
                    let len = get_varint(&mut r)?;
                    if len > r.len() as u64 {
                        return None;
                    }
                    let (t, rest) = r.split_at(len as usize);
                    bytes.extend_from_slice(t);
                    r = rest;
                } else {
                    let prev_start = if ends.len() >= 2 {
                        ends[ends.len() - 2] as usize
                    } else {
                        0
                    };
                    let p = get_varint(&mut r)?;
                    let len = get_varint(&mut r)?;
                    if p > (start - prev_start) as u64 || len > r.len() as u64 {
                        return None;
                    }
                    bytes.extend_from_within(prev_start..prev_start + p as usize);
                    let (t, rest) = r.split_at(len as usize);
                    bytes.extend_from_slice(t);
                    r = rest;
                }
                ends.push(bytes.len() as u64);
            }
            if !r.is_empty() {
                return None;
            }
        }
        Terms::from_parts(bytes, ends)
    }
}

impl Index<usize> for Terms {
    type Output = str;
    fn index(&self, i: usize) -> &str {
        self.get(i)
    }
}

impl<'a> FromIterator<&'a str> for Terms {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Terms {
        let mut t = Terms::default();
        for s in iter {
            t.push(s);
        }
        t
    }
}

impl fmt::Debug for Terms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// The feature terms of a file loaded for prediction, decoded (and their checksums
/// checked) on first use.
#[derive(Debug, Clone)]
pub(crate) struct StoredTerms {
    blocks: Arr<u64>,
    data: Arr<u8>,
    n: usize,
    /// Each term section's bytes with its padding, and its checksum.
    checks: Vec<(Arr<u8>, u32)>,
}

impl StoredTerms {
    /// Front-coded terms ([`Terms::front_coded`]) as stored, with each section's bytes
    /// (padding included) and the checksum it should have.
    pub(crate) fn new(
        blocks: Arr<u64>,
        data: Arr<u8>,
        n: usize,
        checks: Vec<(Arr<u8>, u32)>,
    ) -> Self {
        StoredTerms {
            blocks,
            data,
            n,
            checks,
        }
    }

    /// The terms, if their sections' checksums hold and they decode.
    pub(crate) fn decode(&self) -> Option<Terms> {
        if !self.checks.iter().all(|(b, c)| crc32fast::hash(b) == *c) {
            return None;
        }
        Terms::from_front_coded(&self.blocks, &self.data, self.n)
    }

    /// Number of terms.
    pub(crate) fn len(&self) -> usize {
        self.n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_get_iter_search() {
        // Bytewise order: "ü" (0xc3 0xbc) sorts after "z".
        let t: Terms = ["", "a b", "zz", "über"].into_iter().collect();
        assert_eq!(t.len(), 4);
        assert_eq!(&t[0], "");
        assert_eq!(&t[3], "über");
        assert_eq!(t.iter().collect::<Vec<_>>(), ["", "a b", "zz", "über"]);
        assert_eq!(t.binary_search("über".as_bytes()), Ok(3));
        assert_eq!(t.binary_search(b"zz"), Ok(2));
        assert_eq!(t.binary_search(b"b"), Err(2));
        assert!(t.is_sorted_distinct());
        let unsorted: Terms = ["b", "a"].into_iter().collect();
        assert!(!unsorted.is_sorted_distinct());
        assert_eq!(t.total_bytes(), 3 + 5 + 2);
    }

    #[test]
    fn front_coding_round_trips_and_is_checked() {
        // Runs of 1,024 blocks are coded in parallel: 16,384 terms and more cross a run.
        for n in [0usize, 1, 15, 16, 17, 100, 16_384, 16_385, 40_000] {
            let mut v: Vec<String> = (0..n).map(|i| format!("ab{}é{}", i % 7, i)).collect();
            v.sort();
            v.dedup();
            let t: Terms = v.iter().map(|s| &**s).collect();
            let (starts, data) = t.front_coded();
            assert_eq!(starts.len(), t.len().div_ceil(BLOCK) + 1);
            assert_eq!(
                Terms::from_front_coded(&starts, &data, t.len()),
                Some(t.clone())
            );
            if !t.is_empty() {
                assert!(Terms::from_front_coded(&starts, &data, t.len() + 1).is_none());
                let mut cut = data.clone();
                cut.pop();
                assert!(Terms::from_front_coded(&starts, &cut, t.len()).is_none());
            }
        }
        // "é" is two bytes: a shared prefix that ends inside it is refused.
        let t: Terms = ["é", "éa"].into_iter().collect();
        let (starts, data) = t.front_coded();
        assert_eq!(starts, [0, 6]);
        assert_eq!(data, [2, 0xc3, 0xa9, 2, 1, b'a']);
        assert!(Terms::from_front_coded(&[0, 5], &[2, 0xc3, 0xa9, 1, 0], 2).is_none());
    }

    /// `concat` lays the parts end to end as `append` of each in turn does.
    #[test]
    fn concat_equals_appending() {
        let parts: Vec<Terms> = [
            vec![],
            vec!["a", "bé"],
            vec![],
            vec!["c"],
            vec!["dd", "e", "f"],
        ]
        .into_iter()
        .map(|p| p.into_iter().collect())
        .collect();
        let mut appended = Terms::default();
        for p in &parts {
            appended.append(p);
        }
        let joined = Terms::concat(&parts);
        assert_eq!(joined, appended);
        assert_eq!(
            joined.iter().collect::<Vec<_>>(),
            ["a", "bé", "c", "dd", "e", "f"]
        );
        assert_eq!(Terms::concat(&[]), Terms::default());
    }

    #[test]
    fn from_parts_checks_offsets_and_utf8() {
        let ok = Terms::from_parts("abü".as_bytes().to_vec(), vec![1, 2, 4]).unwrap();
        assert_eq!(ok.iter().collect::<Vec<_>>(), ["a", "b", "ü"]);
        // "ü" is two bytes: an end inside it is refused although the buffer is UTF-8.
        assert!(Terms::from_parts("aü".as_bytes().to_vec(), vec![2, 3]).is_none());
        assert!(Terms::from_parts(vec![0xff], vec![1]).is_none());
        assert!(Terms::from_parts(b"ab".to_vec(), vec![2, 1, 2]).is_none());
        assert!(Terms::from_parts(b"ab".to_vec(), vec![1]).is_none());
        assert!(Terms::from_parts(Vec::new(), Vec::new())
            .unwrap()
            .is_empty());
    }
}
