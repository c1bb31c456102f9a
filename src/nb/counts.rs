//! Counting: documents -> per (term, class) integer statistics, in parallel.
//!
//! Counting is map -> reduce over integers, so the result does not depend on the number
//! of threads or the order of documents: each worker owns a sharded local table, the
//! shards are merged in parallel at the end, terms are sorted bytewise and labels
//! alphabetically. The statistics are kept whole (no pruning): vocabulary selection is
//! done from them at fit time, which makes incremental training and merging exact.

use std::hash::{BuildHasher, Hasher};

use std::sync::Mutex;

use crate::par::*;
use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::arr::zeroed;
use crate::error::{Error, Result};
use crate::features::terms::Terms;
use crate::params::{DocNorm, FitParams, TermWeight};
use crate::text::{bucket_term, Analyzer};

/// Statistics of one term in one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClassStat {
    /// Class id (index into [`Counts::labels`]).
    pub class: u32,
    /// Documents of the class that contain the term.
    pub df: u64,
    /// Sum over those documents of the term's weight: the term frequency for raw
    /// weighting, otherwise the transformed weight in fixed point (`weight_scale_bits`).
    pub weight: u64,
}

/// The full training statistics: per label document counts, and per term (sorted
/// bytewise) the [`ClassStat`] of every class it occurs in, in CSR layout.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Counts {
    /// Labels, sorted.
    pub labels: Vec<String>,
    /// Documents per label.
    pub class_docs: Vec<u64>,
    /// Fixed-point scale of `ClassStat::weight`: weights are `value * 2^bits` (0 for raw counts).
    pub weight_scale_bits: u8,
    /// Every term seen, sorted bytewise.
    pub terms: Terms,
    /// `stats[offsets[i]..offsets[i+1]]` belong to `terms[i]`; `offsets.len() == terms.len() + 1`.
    pub offsets: Vec<u64>,
    /// Per term, per class statistics, sorted by class within a term.
    pub stats: Vec<ClassStat>,
}

/// Fixed-point bits used for fractional document weights.
pub const FRACTION_BITS: u8 = 20;

impl Counts {
    /// Total number of documents.
    pub fn n_docs(&self) -> u64 {
        self.class_docs.iter().sum()
    }

    /// Number of distinct terms.
    pub fn n_terms(&self) -> usize {
        self.terms.len()
    }

    /// The statistics of term `i`.
    pub fn term_stats(&self, i: usize) -> &[ClassStat] {
        &self.stats[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// Document frequency of term `i` over all classes.
    pub fn df(&self, i: usize) -> u64 {
        self.term_stats(i).iter().map(|s| s.df).sum()
    }

    /// The counts without the terms found in fewer than `min_df` documents (labels and
    /// document counts unchanged).
    pub fn retain_min_df(&self, min_df: u64) -> Counts {
        let mut terms = Terms::with_capacity(0, 0);
        let mut offsets = vec![0u64];
        let mut stats = Vec::new();
        for i in 0..self.n_terms() {
            if self.df(i) >= min_df {
                terms.push(&self.terms[i]);
                stats.extend_from_slice(self.term_stats(i));
                offsets.push(stats.len() as u64);
            }
        }
        Counts {
            labels: self.labels.clone(),
            class_docs: self.class_docs.clone(),
            weight_scale_bits: self.weight_scale_bits,
            terms,
            offsets,
            stats,
        }
    }

    /// Check the internal invariants (used after loading a file).
    pub fn validate(&self) -> std::result::Result<(), String> {
        let n_classes = self.labels.len() as u32;
        if self.class_docs.len() != self.labels.len() {
            return Err("label and document-count lists differ in length".into());
        }
        if self.labels.windows(2).any(|w| w[0] >= w[1]) {
            return Err("labels are not sorted and distinct".into());
        }
        if self.offsets.len() != self.terms.len() + 1 || self.offsets[0] != 0 {
            return Err("term offsets are inconsistent".into());
        }
        if *self.offsets.last().unwrap() as usize != self.stats.len()
            || self.offsets.windows(2).any(|w| w[0] > w[1])
        {
            return Err("term offsets are inconsistent".into());
        }
        if !self.terms.is_sorted_distinct() {
            return Err("terms are not sorted and distinct".into());
        }
        for i in 0..self.terms.len() {
            let s = self.term_stats(i);
            if s.windows(2).any(|w| w[0].class >= w[1].class)
                || s.iter().any(|c| c.class >= n_classes)
            {
                return Err(format!("statistics of term {i} are inconsistent"));
            }
            if s.iter().any(|c| c.df > self.class_docs[c.class as usize]) {
                return Err(format!(
                    "term {i} occurs in more documents than its class has"
                ));
            }
        }
        Ok(())
    }

    /// Add two sets of statistics (disjoint shards of a corpus, or a model and new data).
    /// The result equals counting the union of both corpora.
    pub fn merge(&self, other: &Counts) -> Result<Counts> {
        if self.weight_scale_bits != other.weight_scale_bits {
            return Err(Error::Incompatible(
                "the models store weights with different scales".into(),
            ));
        }
        let mut labels: Vec<String> = self.labels.iter().chain(&other.labels).cloned().collect();
        labels.sort();
        labels.dedup();
        let remap = |ls: &[String]| -> Vec<u32> {
            ls.iter()
                .map(|l| labels.binary_search(l).expect("label present") as u32)
                .collect()
        };
        let (ra, rb) = (remap(&self.labels), remap(&other.labels));
        let mut class_docs = vec![0u64; labels.len()];
        for (i, &d) in self.class_docs.iter().enumerate() {
            class_docs[ra[i] as usize] += d;
        }
        for (i, &d) in other.class_docs.iter().enumerate() {
            class_docs[rb[i] as usize] += d;
        }
        let mut out = Counts {
            labels: labels.clone(),
            class_docs,
            weight_scale_bits: self.weight_scale_bits,
            terms: Terms::with_capacity(
                self.terms.len().max(other.terms.len()),
                self.terms.total_bytes().max(other.terms.total_bytes()),
            ),
            offsets: vec![0],
            stats: Vec::with_capacity(self.stats.len() + other.stats.len()),
        };
        let (mut i, mut j) = (0, 0);
        let mut buf: Vec<ClassStat> = Vec::new();
        while i < self.terms.len() || j < other.terms.len() {
            let ord = match (term_at(&self.terms, i), term_at(&other.terms, j)) {
                (Some(a), Some(b)) => a.cmp(b),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            buf.clear();
            let term = if ord != std::cmp::Ordering::Greater {
                buf.extend(self.term_stats(i).iter().map(|s| ClassStat {
                    class: ra[s.class as usize],
                    ..*s
                }));
                i += 1;
                self.terms.get(i - 1)
            } else {
                other.terms.get(j)
            };
            if ord != std::cmp::Ordering::Less {
                buf.extend(other.term_stats(j).iter().map(|s| ClassStat {
                    class: rb[s.class as usize],
                    ..*s
                }));
                j += 1;
            }
            buf.sort_by_key(|s| s.class);
            push_term(&mut out, term, &buf);
        }
        Ok(out)
    }
}

impl Counts {
    /// Take away `part`, the statistics of some of the documents these were counted from
    /// (a cross-validation fold): the result equals counting the other documents, so it
    /// equals [`Counts::merge`] of the other parts. A label left with no document and a
    /// term left in no document go, as they would be absent from those counts (a
    /// document of weight 0 is never counted, so every statistic kept holds one).
    pub fn minus(&self, part: &Counts) -> Result<Counts> {
        let not_a_part = || Error::InvalidParam("the counts to take away are not a part".into());
        if part.weight_scale_bits != self.weight_scale_bits {
            return Err(not_a_part());
        }
        // Each of part's labels among ours; then ours that keep a document, renumbered.
        let to_self: Vec<usize> = part
            .labels
            .iter()
            .map(|l| self.labels.binary_search(l).map_err(|_| not_a_part()))
            .collect::<Result<_>>()?;
        let mut docs = self.class_docs.clone();
        for (i, &c) in to_self.iter().enumerate() {
            docs[c] = docs[c]
                .checked_sub(part.class_docs[i])
                .ok_or_else(not_a_part)?;
        }
        let mut new_class = vec![u32::MAX; self.labels.len()];
        let mut out = Counts {
            labels: Vec::new(),
            class_docs: Vec::new(),
            weight_scale_bits: self.weight_scale_bits,
            terms: Terms::default(),
            offsets: Vec::with_capacity(self.terms.len() + 1),
            stats: Vec::with_capacity(self.stats.len()),
        };
        out.offsets.push(0);
        for (c, &d) in docs.iter().enumerate() {
            if d > 0 {
                new_class[c] = out.labels.len() as u32;
                out.labels.push(self.labels[c].clone());
                out.class_docs.push(d);
            }
        }
        // In runs of terms, in parallel: each run's terms and the part's terms between
        // the run's first term and the next run's (found by binary search) are walked
        // together; a part's term missing from ours stops its run's walk short.
        const RUN: usize = 1 << 14;
        let n = self.terms.len();
        let part_at = |i: usize| -> usize {
            if i == 0 {
                0 // a part's term before all of ours is the first run's to find
            } else if i >= n {
                part.terms.len()
            } else {
                part.terms
                    .binary_search(self.terms.bytes(i))
                    .unwrap_or_else(|j| j)
            }
        };
        let runs: Vec<(Terms, Vec<u64>, Vec<ClassStat>)> = (0..n.div_ceil(RUN))
            .into_par_iter()
            .map(|r| {
                let (i0, i1) = (r * RUN, ((r + 1) * RUN).min(n));
                let (mut j, j1) = (part_at(i0), part_at(i1));
                let mut terms = Terms::default();
                let (mut lens, mut stats) = (Vec::new(), Vec::new());
                for i in i0..i1 {
                    let start = stats.len();
                    let mine = self.term_stats(i);
                    if j < j1 && part.terms.bytes(j) == self.terms.bytes(i) {
                        // Both sorted by class, and `to_self` keeps the order of the labels.
                        let mut theirs = part.term_stats(j).iter().peekable();
                        for s in mine {
                            let mut left = *s;
                            if let Some(t) =
                                theirs.next_if(|t| to_self[t.class as usize] == s.class as usize)
                            {
                                left.df = left.df.checked_sub(t.df).ok_or_else(not_a_part)?;
                                left.weight =
                                    left.weight.checked_sub(t.weight).ok_or_else(not_a_part)?;
                            }
                            if left.df > 0 {
                                left.class = new_class[s.class as usize];
                                stats.push(left);
                            }
                        }
                        if theirs.next().is_some() {
                            return Err(not_a_part());
                        }
                        j += 1;
                    } else {
                        stats.extend(mine.iter().map(|s| ClassStat {
                            class: new_class[s.class as usize],
                            ..*s
                        }));
                    }
                    if stats.len() > start {
                        terms.push(self.terms.get(i));
                        lens.push((stats.len() - start) as u64);
                    }
                }
                if j != j1 {
                    return Err(not_a_part());
                }
                Ok((terms, lens, stats))
            })
            .collect::<Result<_>>()?;
        if n == 0 && !part.terms.is_empty() {
            return Err(not_a_part());
        }
        let mut term_runs = Vec::with_capacity(runs.len());
        let mut end = 0u64;
        for (terms, lens, stats) in runs {
            term_runs.push(terms);
            for l in lens {
                end += l;
                out.offsets.push(end);
            }
            out.stats.extend_from_slice(&stats);
        }
        out.terms = Terms::concat(&term_runs);
        Ok(out)
    }
}

/// Term `i` of `t`, if there is one.
fn term_at(t: &Terms, i: usize) -> Option<&[u8]> {
    (i < t.len()).then(|| t.bytes(i))
}

fn push_term(out: &mut Counts, term: &str, stats: &[ClassStat]) {
    out.terms.push(term);
    let start = *out.offsets.last().unwrap() as usize;
    for s in stats {
        let in_term = out.stats.len() > start;
        match out.stats.last_mut() {
            Some(last) if in_term && last.class == s.class => {
                last.df += s.df;
                last.weight += s.weight;
            }
            _ => out.stats.push(*s),
        }
    }
    out.offsets.push(out.stats.len() as u64);
}

/// One distinct unigram token in a worker's token table: its hash and its bytes in the
/// worker's token arena. 24 bytes.
#[derive(Debug, Clone, Copy)]
struct Tok {
    hash: u64,
    off: u64,
    len: u32,
}

/// A term as counted: the ids of its tokens (unused positions [`NONE`]) or, with feature
/// hashing, its bucket in position 0.
pub(crate) type Key = [u32; 3];

/// One distinct n-gram (or hashing bucket) in a worker's table, stored in the table
/// itself: its key and, inline, its first class's statistics, whose `next` links the
/// other classes in the worker's overflow node list. 40 bytes: counting a term of its
/// first class touches only the entry. The term's string is only built in `finish`.
#[derive(Debug, Clone, Copy)]
struct Entry {
    key: Key,
    head: Node,
}

/// One class's statistics of one term; `next` links the term's other classes (in the
/// worker's overflow `nodes`).
#[derive(Debug, Clone, Copy)]
struct Node {
    class: u32,
    next: u32,
    df: u64,
    weight: u64,
}

pub(crate) const NONE: u32 = u32::MAX;

/// One bucket's merged output: sorted terms, statistics per term, statistics.
type Part = (Terms, Vec<u32>, Vec<ClassStat>);

/// One worker's tables and reusable buffers. Unigram tokens are interned once, in one
/// byte arena; unigrams and hashing buckets are counted per (term, class), longer n-grams by the
/// tuple of their token ids, so counting builds no string and compares no bytes; a
/// term's first class's statistics are stored in its table slot, the other classes'
/// in one overflow node array: no allocation per term or per document.
#[derive(Clone)]
struct Local {
    tok_table: HashTable<u32>,
    toks: Vec<Tok>,
    tok_bytes: Vec<u8>,
    table: Table,
    nodes: Vec<Node>,
    analyzer: Analyzer,
    tok_ids: Vec<u32>,
    keys: Vec<Key>,
    weights: Vec<u32>,
    /// Raw counts of hashing buckets, in arrays indexed by bucket.
    dense: Dense,
}

/// Raw counts (no log TF, no L2) of feature hashing buckets: per class, one array of
/// `1 << hash_bits` cells indexed by bucket, so counting an occurrence is one access to
/// memory that mostly stays in cache (no key hashing, no probing). Cells hold 32-bit
/// counts; they are added to the worker's table (and zeroed) before they could overflow.
///
/// A cell is one `u64` (see [`Cell`]), 8 bytes where a cell with its own stamp took 12:
/// which document counted a bucket last is kept once per bucket, not per class (a
/// document has one class). The arrays come zeroed from the allocator, not written
/// with zeros (see [`zeroed`](crate::arr::zeroed)).
#[derive(Clone)]
struct Dense {
    classes: Vec<DenseClass>,
    /// Per bucket, the last document (a `docs` value) that counted it, in any class.
    stamps: Vec<u32>,
    /// Documents counted since the cells were last emptied (the last one's stamp).
    docs: u32,
    /// Occurrences counted since the cells were last emptied.
    occurrences: u64,
    /// Most occurrences (and documents) the cells may hold before they are emptied:
    /// `u32::MAX`, lowered by tests to exercise emptying.
    limit: u64,
}

/// How a worker counts one class's hashing buckets.
#[derive(Clone)]
enum DenseClass {
    /// No document of the class yet.
    Unset,
    /// In the worker's table (more classes than [`DENSE_BUDGET`] holds).
    Table,
    /// In an array of cells.
    Cells(Box<[Cell]>),
}

/// One (bucket, class): the documents that counted it in the high 32 bits, its
/// occurrences in the low 32 bits (a plain `u64`, so that `vec![0; n]` allocates zeroed
/// memory without writing it).
type Cell = u64;

/// The documents of a [`Cell`].
fn cell_df(c: Cell) -> u64 {
    c >> 32
}

/// The occurrences of a [`Cell`].
fn cell_weight(c: Cell) -> u64 {
    c & u64::from(u32::MAX)
}

/// Bytes of dense arrays one worker may hold (2^18 buckets are 2 MiB per class); classes
/// beyond it are counted in the table.
const DENSE_BUDGET: usize = 64 << 20;

impl Dense {
    /// Whether any cell holds a count (not yet added to the worker's table).
    fn holds_counts(&self) -> bool {
        self.docs > 0
    }

    /// The cells of `class` (allocated on its first document) if it is counted densely.
    fn cells(&mut self, class: u32, bits: u8) -> Option<&mut [Cell]> {
        let class = class as usize;
        if self.classes.len() <= class {
            self.classes.resize(class + 1, DenseClass::Unset);
        }
        if let DenseClass::Unset = self.classes[class] {
            let size = std::mem::size_of::<Cell>() << bits;
            let held = self
                .classes
                .iter()
                .filter(|d| matches!(d, DenseClass::Cells(_)))
                .count();
            self.classes[class] = if bits <= 24 && (held + 1) * size <= DENSE_BUDGET {
                if self.stamps.len() != 1 << bits {
                    self.stamps = zeroed(1 << bits);
                }
                DenseClass::Cells(zeroed(1 << bits).into_boxed_slice())
            } else {
                DenseClass::Table
            };
        }
        match &mut self.classes[class] {
            DenseClass::Cells(c) => Some(c),
            _ => None,
        }
    }
}

/// A worker's terms as strings (built once per distinct term, in entry order): term `i`
/// and its first class's statistics `heads[i]` (whose `next` continues in the worker's
/// `nodes`).
struct Strings {
    terms: Terms,
    heads: Vec<Node>,
}

impl Local {
    fn tok(&self, id: u32) -> &[u8] {
        let t = &self.toks[id as usize];
        &self.tok_bytes[t.off as usize..t.off as usize + t.len as usize]
    }

    /// Add the dense cells' statistics to the table (one entry per (bucket, class), as
    /// the table path counts them) and zero the cells.
    fn spill_dense(&mut self) {
        let Local { table, dense, .. } = self;
        for (class, d) in dense.classes.iter_mut().enumerate() {
            let DenseClass::Cells(cells) = d else {
                continue;
            };
            let class = class as u32;
            for (b, c) in cells.iter_mut().enumerate().filter(|(_, c)| **c != 0) {
                let head = table.head([b as u32, class, 0]);
                if head.class == NONE {
                    head.class = class;
                }
                head.df += cell_df(*c);
                head.weight += cell_weight(*c);
                *c = 0;
            }
        }
        // The stamps restart with the document count.
        dense.stamps.fill(0);
        dense.docs = 0;
        dense.occurrences = 0;
    }

    /// Count `doc` in the dense arrays if its class is counted there (feature hashing,
    /// raw counts); false if it must go to the table.
    fn count_dense(&mut self, doc: &Doc<'_>, fit: &FitParams) -> bool {
        let config = self.analyzer.config();
        let Some(bits) = config.hash_bits else {
            return false;
        };
        if fit.fractional_weights() {
            return false;
        }
        // At most one token per byte plus the placeholders' extra (domain) tokens, each
        // starting (ngram_max - ngram_min + 1) n-grams: a bound on the occurrences.
        let per_token = (config.ngram_max - config.ngram_min) as u64 + 1;
        let bound = 2 * (doc.text.len() as u64 + 1) * per_token;
        if self.dense.cells(doc.class, bits).is_none() {
            return false;
        }
        let d = &self.dense;
        if d.docs as u64 >= d.limit || d.occurrences + bound > d.limit {
            self.spill_dense();
        }
        let Local {
            dense,
            analyzer,
            tok_ids: buckets,
            ..
        } = self;
        // Buckets first, then the cells: the updates of a document, independent of each
        // other, then overlap their cache misses.
        buckets.clear();
        analyzer.for_each_bucket(doc.text, |b| buckets.push(b as u32));
        dense.docs += 1;
        let stamp = dense.docs;
        let Dense {
            classes, stamps, ..
        } = dense;
        let DenseClass::Cells(cells) = &mut classes[doc.class as usize] else {
            unreachable!("checked above")
        };
        for &b in buckets.iter() {
            let b = b as usize;
            let new = stamps[b] != stamp;
            stamps[b] = stamp;
            cells[b] += 1 + (u64::from(new) << 32);
        }
        let occurrences = buckets.len() as u64;
        dense.occurrences += occurrences;
        true
    }

    /// The terms' strings, in entry order: tokens joined by one space (as
    /// [`Analyzer::for_each_term`] writes them). Feature hashing's terms are never built
    /// this way (see [`parts_by_buckets`]).
    fn strings(&self) -> Strings {
        debug_assert!(self.analyzer.config().hash_bits.is_none());
        let max_n = self.analyzer.config().ngram_max as usize;
        let n = self.table.len();
        debug_assert!(self.table.pending.iter().all(Vec::is_empty));
        let mut terms = Terms::with_capacity(n, 0);
        let mut heads = Vec::with_capacity(n);
        for e in self.table.iter() {
            // Tokens joined by one space: UTF-8.
            terms.push_with(|bytes| {
                // At most `ngram_max` ids: a bigram's third slot may hold its class.
                let ids = e.key.iter().take(max_n).take_while(|&&id| id != NONE);
                for (k, &id) in ids.enumerate() {
                    if k > 0 {
                        bytes.push(b' ');
                    }
                    bytes.extend_from_slice(self.tok(id));
                }
            });
            heads.push(e.head);
        }
        Strings { terms, heads }
    }
}

/// A document to count: its text and its class id.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a> {
    /// The message.
    pub text: &'a str,
    /// The class id from [`CountBuilder::class_id`].
    pub class: u32,
    /// The document's weight (at least 1): it multiplies the document's term weights and
    /// its count in its class's document total, as scikit-learn's `sample_weight` does
    /// in `MultinomialNB.fit`; the document frequency of a term counts the document
    /// once, as a vectorizer's does.
    pub weight: u32,
}

/// Accumulates [`Counts`] from batches of documents, in parallel on the current rayon
/// pool.
///
/// ```
/// use pitchsift::nb::counts::{CountBuilder, Doc};
/// use pitchsift::params::TrainParams;
/// let params = TrainParams::default().ngrams(1, 1).check().unwrap();
/// let mut b = CountBuilder::new(params.analyzer(), params.fit()).unwrap();
/// let (s, n) = (b.class_id("sales"), b.class_id("networking"));
/// b.add(&[Doc { text: "book a demo demo", class: s, weight: 1 }, Doc { text: "great talk", class: n, weight: 1 }]);
/// let counts = b.finish();
/// assert_eq!(counts.labels, ["networking", "sales"]);
/// let demo = counts.terms.iter().position(|t| t == "demo").unwrap();
/// assert_eq!(counts.term_stats(demo)[0].weight, 2);
/// ```
pub struct CountBuilder {
    fit: FitParams,
    labels: Vec<String>,
    label_ids: FxHashMap<String, u32>,
    class_docs: Vec<u64>,
    locals: Vec<Mutex<Local>>,
}

impl CountBuilder {
    /// A builder for the given analyzer and fitting settings.
    pub fn new(analyzer: &crate::text::AnalyzerConfig, fit: &FitParams) -> Result<CountBuilder> {
        let analyzer = Analyzer::new(analyzer.clone())?;
        let local = Local {
            tok_table: HashTable::new(),
            toks: Vec::new(),
            tok_bytes: Vec::new(),
            table: Table::new(),
            nodes: Vec::new(),
            analyzer,
            tok_ids: Vec::new(),
            keys: Vec::new(),
            weights: Vec::new(),
            dense: Dense {
                classes: Vec::new(),
                docs: 0,
                occurrences: 0,
                stamps: Vec::new(),
                limit: u32::MAX as u64,
            },
        };
        let n = crate::par::current_num_threads().max(1);
        Ok(CountBuilder {
            fit: fit.clone(),
            labels: Vec::new(),
            label_ids: FxHashMap::default(),
            class_docs: Vec::new(),
            locals: (0..n).map(|_| Mutex::new(local.clone())).collect(),
        })
    }

    /// The class id of a label, assigned on first sight.
    pub fn class_id(&mut self, label: &str) -> u32 {
        if let Some(&id) = self.label_ids.get(label) {
            return id;
        }
        let id = self.labels.len() as u32;
        self.labels.push(label.to_string());
        self.label_ids.insert(label.to_string(), id);
        self.class_docs.push(0);
        id
    }

    /// Number of documents counted so far.
    pub fn n_docs(&self) -> u64 {
        self.class_docs.iter().sum()
    }

    /// Empty the workers' dense cells into their tables after at most `limit`
    /// occurrences (instead of `u32::MAX`), so tests exercise it.
    #[cfg(test)]
    fn spill_after(self, limit: u64) -> CountBuilder {
        for l in &self.locals {
            l.lock().unwrap().dense.limit = limit;
        }
        self
    }

    /// Count a batch of documents, in parallel. Each rayon worker counts into its own
    /// table; work is split finely so an idle worker (e.g. one that was reading the next
    /// batch) can take part.
    pub fn add(&mut self, docs: &[Doc<'_>]) {
        for d in docs {
            self.class_docs[d.class as usize] += d.weight as u64;
        }
        let fit = &self.fit;
        let locals = &self.locals;
        docs.par_chunks(64).for_each(|chunk| {
            let i = crate::par::current_thread_index().unwrap_or(0) % locals.len();
            // Uncontended: a worker only ever takes its own table.
            let mut local = locals[i].lock().unwrap_or_else(|e| e.into_inner());
            for d in chunk {
                local.count(d, fit);
            }
        });
    }

    /// Merge the workers' tables and sort: the final statistics.
    pub fn finish(self) -> Counts {
        let CountBuilder {
            fit,
            labels,
            class_docs,
            locals,
            ..
        } = self;
        let mut locals: Vec<Local> = locals
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect();
        // Each worker's waiting occurrences added on its own thread.
        (&mut locals)
            .into_par_iter()
            .for_each(|l| l.table.flush(&mut l.nodes));
        locals.retain(|l| !l.toks.is_empty() || !l.table.is_empty() || l.dense.holds_counts());
        // Labels sorted alphabetically, class ids remapped.
        let mut order: Vec<usize> = (0..labels.len()).collect();
        order.sort_by(|&a, &b| labels[a].cmp(&labels[b]));
        let mut remap = vec![0u32; labels.len()];
        for (new, &old) in order.iter().enumerate() {
            remap[old] = new as u32;
        }
        let hashed = locals
            .first()
            .is_some_and(|l| l.analyzer.config().hash_bits.is_some());
        let parts = if hashed {
            match parts_by_dense(&locals, &remap) {
                Some(parts) => parts,
                None => parts_by_buckets(&mut locals, &remap),
            }
        } else {
            // Without feature hashing no dense cell is ever used.
            match TokenRanks::new(&locals) {
                Some(ranks) => parts_by_ranks(&mut locals, &ranks, &remap),
                None => parts_by_strings(&mut locals, &remap),
            }
        };
        drop(locals);

        // The parts end to end, copied in parallel.
        let n_terms: usize = parts.iter().map(|p| p.0.len()).sum();
        let n_stats: usize = parts.iter().map(|p| p.2.len()).sum();
        let mut offsets = vec![0u64; n_terms + 1];
        // Written only by the copies below (a `vec!` of them would be filled on this
        // thread first: ClassStat is not a type the allocator hands out zeroed).
        let mut stats: Vec<ClassStat> = Vec::with_capacity(n_stats);
        let mut jobs = Vec::with_capacity(parts.len());
        let (mut o_rest, mut s_rest) = (
            &mut offsets[1..],
            &mut stats.spare_capacity_mut()[..n_stats],
        );
        let mut base = 0u64;
        for (_, lens, st) in &parts {
            let (o, o_next) = std::mem::take(&mut o_rest).split_at_mut(lens.len());
            let (s, s_next) = std::mem::take(&mut s_rest).split_at_mut(st.len());
            jobs.push((lens, st, o, s, base));
            base += st.len() as u64;
            (o_rest, s_rest) = (o_next, s_next);
        }
        jobs.into_par_iter().for_each(|(lens, st, o, s, base)| {
            let mut at = base;
            for (to, &n) in o.iter_mut().zip(lens) {
                at += n as u64;
                *to = at;
            }
            for (to, &from) in s.iter_mut().zip(st) {
                to.write(from);
            }
        });
        // SAFETY: the parts' statistics, `n_stats` in all, were written to the first
        // `n_stats` slots (each job its own disjoint range, every range written whole).
        unsafe { stats.set_len(n_stats) };
        let terms: Vec<Terms> = parts.into_iter().map(|p| p.0).collect();
        Counts {
            labels: order.iter().map(|&i| labels[i].clone()).collect(),
            class_docs: order.iter().map(|&i| class_docs[i]).collect(),
            weight_scale_bits: if fit.fractional_weights() {
                FRACTION_BITS
            } else {
                0
            },
            terms: Terms::concat(&terms),
            offsets,
            stats,
        }
    }
}

/// The merged, sorted terms of the workers' tables in consecutive parts, by their strings:
/// every term's string is built, the strings are bucketed by their first two bytes and
/// each bucket is sorted bytewise. Works for any tokens (the fallback of
/// [`parts_by_ranks`]); feature hashing has [`parts_by_dense`] and [`parts_by_buckets`].
fn parts_by_strings(locals: &mut [Local], remap: &[u32]) -> Vec<Part> {
    // The terms' strings, built once per distinct term of each worker (in parallel);
    // then the tables are not needed any more.
    let strings: Vec<Strings> = locals.par_iter().map(Local::strings).collect();
    for l in locals.iter_mut() {
        l.table = Table::new();
        l.tok_table = HashTable::new();
        l.toks = Vec::new();
        l.tok_bytes = Vec::new();
    }

    // Bucket every (worker, entry) by the first two bytes of its term: buckets are
    // ranges of the bytewise order, so sorting each bucket (in parallel) and
    // concatenating them sorts everything.
    let key = |t: &[u8]| -> usize {
        (*t.first().unwrap_or(&0) as usize) << 8 | *t.get(1).unwrap_or(&0) as usize
    };
    let mut starts = vec![0usize; (1 << 16) + 1];
    for st in &strings {
        for t in (0..st.terms.len()).map(|i| st.terms.bytes(i)) {
            starts[key(t) + 1] += 1;
        }
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    // Each ref carries the next 8 bytes of its term (zero padded, big-endian), so
    // most comparisons while sorting touch no term bytes.
    let prefix = |t: &[u8]| -> u64 {
        let mut b = [0u8; 8];
        let rest = t.get(2..).unwrap_or(&[]);
        let n = rest.len().min(8);
        b[..n].copy_from_slice(&rest[..n]);
        u64::from_be_bytes(b)
    };
    let mut refs = vec![(0u64, 0u32, 0u32); *starts.last().unwrap()];
    let mut fill = starts.clone();
    for (li, st) in strings.iter().enumerate() {
        for ei in 0..st.terms.len() {
            let t = st.terms.bytes(ei);
            let k = key(t);
            refs[fill[k]] = (prefix(t), li as u32, ei as u32);
            fill[k] += 1;
        }
    }
    let buckets = non_empty_buckets(&mut refs, &starts);
    let parts: Vec<Part> = buckets
        .into_par_iter()
        .map(|bucket| {
            let term = |&(_, li, ei): &Ref| strings[li as usize].terms.bytes(ei as usize);
            bucket.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| term(a).cmp(term(b))));
            let mut terms = Terms::default();
            let mut lens = Vec::new();
            let mut stats: Vec<ClassStat> = Vec::new();
            let mut buf: Vec<ClassStat> = Vec::new();
            let mut i = 0;
            while i < bucket.len() {
                let t = term(&bucket[i]);
                let mut j = i;
                buf.clear();
                // Equal terms have equal prefixes: most neighbours differ there. The
                // first ref is the term itself (no comparison of it with itself).
                loop {
                    let (_, li, ei) = bucket[j];
                    let head = &strings[li as usize].heads[ei as usize];
                    push_classes(head, &locals[li as usize].nodes, remap, &mut buf);
                    j += 1;
                    if !(j < bucket.len()
                        && bucket[j].0 == bucket[i].0
                        && same_bytes(term(&bucket[j]), t))
                    {
                        break;
                    }
                }
                merge_classes(&mut buf, &mut stats, &mut lens);
                terms.push_utf8(t);
                i = j;
            }
            (terms, lens, stats)
        })
        .collect();
    parts
}

/// The merged, sorted statistics of feature hashing when every worker counted every
/// class in its dense cells (raw counts of unit-weight documents, the usual case; `None`
/// otherwise, or above 2^22 buckets): the buckets are visited in the order of their terms
/// `#<bucket>` ([`decimal_sorted`]) and each class's cells of every worker are added in
/// place, so nothing is sorted, spilled or copied but the output.
fn parts_by_dense(locals: &[Local], remap: &[u32]) -> Option<Vec<Part>> {
    let bits = locals.first()?.analyzer.config().hash_bits?;
    let dense_only = |l: &Local| {
        l.table.is_empty()
            && l.dense
                .classes
                .iter()
                .all(|d| !matches!(d, DenseClass::Table))
    };
    if bits > 22 || !locals.iter().all(dense_only) {
        return None;
    }
    // Per class, in the sorted labels' order: every worker's cells of it.
    let mut by_new = vec![0usize; remap.len()];
    for (old, &new) in remap.iter().enumerate() {
        by_new[new as usize] = old;
    }
    let cells: Vec<Vec<&[Cell]>> = by_new
        .iter()
        .map(|&old| {
            locals
                .iter()
                .filter_map(|l| match l.dense.classes.get(old) {
                    Some(DenseClass::Cells(c)) => Some(&c[..]),
                    _ => None,
                })
                .collect()
        })
        .collect();
    let order = decimal_sorted(1u32 << bits);
    let parts = order
        .par_chunks(1 << 14)
        .map(|chunk| {
            let mut terms = Terms::with_capacity(chunk.len(), 8 * chunk.len());
            let mut lens = Vec::with_capacity(chunk.len());
            let mut out: Vec<ClassStat> = Vec::new();
            let mut name = String::new();
            for &b in chunk {
                let before = out.len();
                for (class, of_class) in cells.iter().enumerate() {
                    let (mut df, mut weight) = (0u64, 0u64);
                    for c in of_class {
                        let cell = c[b as usize];
                        df += cell_df(cell);
                        weight += cell_weight(cell);
                    }
                    if df > 0 {
                        out.push(ClassStat {
                            class: class as u32,
                            df,
                            weight,
                        });
                    }
                }
                if out.len() > before {
                    lens.push((out.len() - before) as u32);
                    bucket_term(&mut name, b as u64);
                    terms.push_utf8(name.as_bytes());
                }
            }
            (terms, lens, out)
        })
        .collect();
    Some(parts)
}

/// The numbers `0..n` in the bytewise order of their decimal digits (of the terms
/// `#<bucket>`): a preorder walk of the decimal digit tree, a number before the numbers
/// it prefixes and those in ascending last digit.
fn decimal_sorted(n: u32) -> Vec<u32> {
    fn walk(x: u64, n: u64, out: &mut Vec<u32>) {
        if x >= n {
            return;
        }
        out.push(x as u32);
        for d in 0..10 {
            walk(x * 10 + d, n, out);
        }
    }
    let mut out = Vec::with_capacity(n as usize);
    if n > 0 {
        out.push(0);
    }
    for first in 1..10 {
        walk(first, n as u64, &mut out);
    }
    out
}

/// [`parts_by_strings`] for feature hashing, with no string built before the output:
/// every (bucket, class) statistic of every worker (its dense cells, read in place, and
/// its table's entries, one class each) gets the integer [`decimal_order`] of its
/// bucket, which sorts as the term `#<bucket>` does bytewise; the statistics are
/// bucketed by its top bits, each radix bucket is sorted as integers in parallel, and a
/// term's string is built once, in order, for the output only.
fn parts_by_buckets(locals: &mut [Local], remap: &[u32]) -> Vec<Part> {
    // Per worker, its statistics as (bucket, class, df, weight); a ref to each.
    let stats: Vec<Vec<(u32, u32, u64, u64)>> = locals
        .par_iter()
        .map(|l| {
            let cells = l.dense.classes.iter().filter_map(|d| match d {
                DenseClass::Cells(cells) => Some(cells),
                _ => None,
            });
            let n = cells
                .map(|c| c.iter().filter(|&&c| c != 0).count())
                .sum::<usize>();
            let mut out = Vec::with_capacity(l.table.len() + n);
            for e in l.table.iter() {
                debug_assert_eq!(e.head.next, NONE, "hashed entries hold one class");
                out.push((e.key[0], e.head.class, e.head.df, e.head.weight));
            }
            for (class, d) in l.dense.classes.iter().enumerate() {
                if let DenseClass::Cells(cells) = d {
                    for (b, &c) in cells.iter().enumerate().filter(|(_, &c)| c != 0) {
                        out.push((b as u32, class as u32, cell_df(c), cell_weight(c)));
                    }
                }
            }
            out
        })
        .collect();
    for l in locals.iter_mut() {
        l.table = Table::new();
        l.dense.classes = Vec::new();
    }
    // Decimal orders are below 11^10 < 2^35.
    const ORDER_BITS: u32 = 35;
    let shift = ORDER_BITS - BUCKET_BITS;
    let orders: Vec<Vec<u64>> = stats
        .par_iter()
        .map(|s| s.iter().map(|st| decimal_order(st.0)).collect())
        .collect();
    let (mut refs, starts) = radix_refs(&orders, shift);
    drop(orders);
    let buckets = non_empty_buckets(&mut refs, &starts);
    let stats = &stats;
    buckets
        .into_par_iter()
        .map(|bucket| {
            // A bucket's statistics of several classes or workers end up side by side in
            // any order; `merge_classes` orders them by class and adds equal classes.
            bucket.sort_unstable_by_key(|r| r.0);
            // At most one term per statistic, of at most 11 bytes (`#` and ten digits).
            let mut terms = Terms::with_capacity(bucket.len(), 11 * bucket.len());
            let mut lens = Vec::with_capacity(bucket.len());
            let mut out: Vec<ClassStat> = Vec::with_capacity(bucket.len());
            let mut buf: Vec<ClassStat> = Vec::new();
            let mut name = String::new();
            for group in bucket.chunk_by(|a, b| a.0 == b.0) {
                for &(_, li, ei) in group {
                    let (_, class, df, weight) = stats[li as usize][ei as usize];
                    buf.push(ClassStat {
                        class: remap[class as usize],
                        df,
                        weight,
                    });
                }
                merge_classes(&mut buf, &mut out, &mut lens);
                let (_, li, ei) = group[0];
                bucket_term(&mut name, stats[li as usize][ei as usize].0 as u64);
                terms.push_utf8(name.as_bytes());
            }
            (terms, lens, out)
        })
        .collect()
}

/// An integer whose order is the bytewise order of `bucket`'s decimal digits (so of the
/// terms `#<bucket>`): the digits, each plus one, as base-11 digits left-aligned on ten
/// places, a missing digit 0. Where two buckets' digits first differ, either both have a
/// digit there (the larger digit is larger in both orders) or one has ended (the shorter
/// is smaller in both).
fn decimal_order(bucket: u32) -> u64 {
    let mut digits = [0u8; 10];
    let mut n = 0;
    let mut v = bucket;
    loop {
        digits[n] = (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let mut order = 0u64;
    for k in 0..10 {
        let d = if k < n {
            digits[n - 1 - k] as u64 + 1
        } else {
            0
        };
        order = order * 11 + d;
    }
    order
}

/// Append the statistics of one table entry (its first class `head` and the classes
/// linked from it in `nodes`) to `buf`, with classes remapped to the sorted labels.
fn push_classes(head: &Node, nodes: &[Node], remap: &[u32], buf: &mut Vec<ClassStat>) {
    let mut node = head;
    loop {
        buf.push(ClassStat {
            class: remap[node.class as usize],
            df: node.df,
            weight: node.weight,
        });
        if node.next == NONE {
            break;
        }
        node = &nodes[node.next as usize];
    }
}

/// One term's statistics from all its entries (`buf`, emptied): sorted by class, equal
/// classes added, appended to `stats`, their number to `lens`.
fn merge_classes(buf: &mut Vec<ClassStat>, stats: &mut Vec<ClassStat>, lens: &mut Vec<u32>) {
    buf.sort_unstable_by_key(|s| s.class);
    let before = stats.len();
    for s in buf.drain(..) {
        let in_term = stats.len() > before;
        match stats.last_mut() {
            Some(last) if in_term && last.class == s.class => {
                last.df += s.df;
                last.weight += s.weight;
            }
            _ => stats.push(s),
        }
    }
    lens.push((stats.len() - before) as u32);
}

/// Every worker's unigram tokens ranked in bytewise order across workers (equal tokens
/// get equal ranks, from 1; 0 stands for no token), so that a term can be sorted as the
/// tuple of its tokens' ranks packed in one integer instead of by its string.
///
/// That order is the bytewise order of the joined strings when no token has a byte at
/// or below the separator (space, 0x20) after its first byte: where two terms' tokens
/// first differ, either the tokens differ at a byte both have (the same byte decides
/// both orders), or one token is a prefix of the other and is followed by the space or
/// the end of its term, both below any byte the longer token goes on with. Words never
/// hold such a byte, but a URL's domain may (a control character), and then
/// [`TokenRanks::new`] says no and the strings are sorted instead.
struct TokenRanks {
    /// Per worker, per token id: its rank.
    ranks: Vec<Vec<u32>>,
    /// The distinct tokens in rank order (rank `r` is `tokens[r - 1]`), as (worker, id).
    tokens: Vec<(u32, u32)>,
    /// Bits per rank in a packed key.
    bits: u32,
    /// Tokens per term at most (`ngram_max`).
    max_n: usize,
}

impl TokenRanks {
    /// The ranks, or `None` when terms must be sorted by their strings: with feature
    /// hashing (terms are not token tuples), when a token has a byte at or below the
    /// separator after its first byte, or when `ngram_max` ranks do not fit in 64 bits.
    fn new(locals: &[Local]) -> Option<TokenRanks> {
        let config = locals.first()?.analyzer.config();
        if config.hash_bits.is_some() {
            return None;
        }
        let max_n = config.ngram_max as usize;
        // Every worker's tokens with their first 8 bytes as a big-endian integer (zeros
        // past the end): as no byte after the first is at or below the separator, a
        // smaller prefix is a smaller token, so the sort compares most pairs without
        // reading the tokens; equal prefixes compare the bytes.
        let per_worker: Vec<Vec<(u64, u32, u32)>> = locals
            .par_iter()
            .enumerate()
            .map(|(li, l)| {
                let mut v = Vec::with_capacity(l.toks.len());
                for id in 0..l.toks.len() as u32 {
                    let t = l.tok(id);
                    if t.iter().skip(1).any(|&b| b <= b' ') {
                        return None;
                    }
                    v.push((prefix8(t), li as u32, id));
                }
                Some(v)
            })
            .collect::<Option<_>>()?;
        let mut all = per_worker.concat();
        drop(per_worker);
        let bytes = |&(_, li, id): &(u64, u32, u32)| locals[li as usize].tok(id);
        let same = |a: &(u64, u32, u32), b: &(u64, u32, u32)| a.0 == b.0 && bytes(a) == bytes(b);
        // Equal tokens of several workers may end in any order: the first of them stands
        // for all, and they have the same bytes.
        all.par_sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| bytes(a).cmp(bytes(b))));
        let mut ranks: Vec<Vec<u32>> = locals.iter().map(|l| vec![0; l.toks.len()]).collect();
        let mut tokens: Vec<(u32, u32)> = Vec::new();
        let mut last: Option<&(u64, u32, u32)> = None;
        for t in &all {
            if last.is_none_or(|l| !same(l, t)) {
                tokens.push((t.1, t.2));
                last = Some(t);
            }
            ranks[t.1 as usize][t.2 as usize] = tokens.len() as u32;
        }
        let bits = u32::BITS - (tokens.len() as u32).leading_zeros();
        (bits as usize * max_n <= 64).then_some(TokenRanks {
            ranks,
            tokens,
            bits,
            max_n,
        })
    }

    /// The packed ranks of a key's tokens (of worker `li`): first token in the high bits,
    /// missing tokens 0, so integer order is the order of the terms.
    #[inline]
    fn pack(&self, li: usize, key: &Key) -> u64 {
        let ranks = &self.ranks[li];
        let mut packed = 0u64;
        let mut ended = false;
        for &id in key.iter().take(self.max_n) {
            // A bigram's third slot may hold its class, and a unigram's second NONE.
            ended |= id == NONE;
            let r = if ended { 0 } else { ranks[id as usize] };
            packed = packed << self.bits | r as u64;
        }
        packed
    }

    /// Append the string of the term packed in `packed`: its tokens joined by a space.
    fn write(&self, locals: &[Local], packed: u64, out: &mut Vec<u8>) {
        let mask = (1u64 << self.bits) - 1;
        for k in 0..self.max_n {
            let r = (packed >> (self.bits as usize * (self.max_n - 1 - k))) & mask;
            if r == 0 {
                break;
            }
            if k > 0 {
                out.push(b' ');
            }
            let (li, id) = self.tokens[r as usize - 1];
            out.extend_from_slice(locals[li as usize].tok(id));
        }
    }
}

/// [`parts_by_strings`] for terms that are token tuples, through [`TokenRanks`]: every
/// table entry becomes its packed ranks, bucketed by their top bits (ranges of the
/// order), each bucket is sorted as integers in parallel, and a term's string is built
/// once, in order, for the output only.
fn parts_by_ranks(locals: &mut [Local], ranks: &TokenRanks, remap: &[u32]) -> Vec<Part> {
    // Per worker, the entries' first-class statistics (in table order) and a
    // (packed key, worker, entry) ref for each; then the tables are not needed.
    let used = ranks.bits * ranks.max_n as u32;
    let shift = used.saturating_sub(BUCKET_BITS);
    let (heads, keyed): (Vec<Vec<Node>>, Vec<Vec<u64>>) = locals
        .par_iter()
        .enumerate()
        .map(|(li, l)| {
            let n = l.table.len();
            let mut h = Vec::with_capacity(n);
            let mut k = Vec::with_capacity(n);
            for e in l.table.iter() {
                k.push(ranks.pack(li, &e.key));
                h.push(e.head);
            }
            (h, k)
        })
        .unzip();
    for l in locals.iter_mut() {
        l.table = Table::new();
        l.tok_table = HashTable::new();
    }
    let (mut refs, starts) = radix_refs(&keyed, shift);
    drop(keyed);
    let mut buckets = non_empty_buckets(&mut refs, &starts);
    let locals = &*locals;
    // A part per run of BUCKETS_PER_PART buckets: a part per bucket made (and freed)
    // four vectors for each of up to 65,536 buckets, a serial cost when they were freed.
    buckets
        .par_chunks_mut(BUCKETS_PER_PART)
        .map(|run| {
            // At most one term and one statistic per ref (a term's string: `max_n`
            // tokens, about 8 bytes each, a guess that only saves regrowing).
            let n: usize = run.iter().map(|b| b.len()).sum();
            let mut terms = Terms::with_capacity(n, 8 * ranks.max_n * n);
            let mut lens = Vec::with_capacity(n);
            let mut stats: Vec<ClassStat> = Vec::with_capacity(n);
            let mut buf: Vec<ClassStat> = Vec::new();
            for bucket in run.iter_mut() {
                // Equal keys (a term's entries of several classes or workers) end up side
                // by side in any order; `merge_classes` orders their statistics by class.
                bucket.sort_unstable_by_key(|r| r.0);
                for group in bucket.chunk_by(|a, b| a.0 == b.0) {
                    for &(_, li, ei) in group {
                        let head = &heads[li as usize][ei as usize];
                        push_classes(head, &locals[li as usize].nodes, remap, &mut buf);
                    }
                    merge_classes(&mut buf, &mut stats, &mut lens);
                    terms.push_with(|out| ranks.write(locals, group[0].0, out));
                }
            }
            (terms, lens, stats)
        })
        .collect()
}

/// The first 8 bytes of `t` as a big-endian integer, zeros past its end.
fn prefix8(t: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = t.len().min(8);
    b[..n].copy_from_slice(&t[..n]);
    u64::from_be_bytes(b)
}

/// Bits of a packed key that choose its bucket in [`parts_by_ranks`].
const BUCKET_BITS: u32 = 16;

/// Consecutive buckets of [`parts_by_ranks`] made into one part.
const BUCKETS_PER_PART: usize = 64;

/// Hash of a term's bytes (shard choice and in-document grouping).
/// FxHash alone leaves the top bits (hashbrown's 7-bit tags) poorly mixed for short
/// strings, so lookups compared many strings; the splitmix64 finaliser (a bijection, so
/// equal hashes stay equal) fixes that.
pub(crate) fn term_hash(term: &str) -> u64 {
    let mut h = FxBuildHasher.build_hasher();
    h.write(term.as_bytes());
    let mut z = h.finish();
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Sort a document's term keys (one per occurrence) and leave each distinct key once,
/// its number of occurrences at the same place in `tfs`: the term frequencies that
/// scoring and the L2 norm group by.
pub(crate) fn count_keys(keys: &mut Vec<u64>, tfs: &mut Vec<u32>) {
    keys.sort_unstable();
    tfs.clear();
    tfs.extend(keys.chunk_by(|a, b| a == b).map(|g| g.len() as u32));
    keys.dedup();
}

/// Transformed weight of a term with frequency `tf`, before length normalisation.
pub(crate) fn tf_weight(tf: u32, w: TermWeight) -> f64 {
    match w {
        TermWeight::Raw => tf as f64,
        TermWeight::Log => crate::math::ln_1p(tf as f64),
    }
}

/// Hash of a term key: the splitmix64 finaliser (full avalanche) of the first two ids,
/// with the third multiplied in. A single folded multiply by a constant left the low bits
/// (hashbrown's bucket index) nearly equal for all n-grams sharing their first token,
/// which made long probe sequences.
#[inline]
pub(crate) fn key_hash(k: &Key) -> u64 {
    let mut z =
        (k[0] as u64 | (k[1] as u64) << 32) ^ (k[2] as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A term's statistics before its first occurrence.
const EMPTY: Node = Node {
    class: NONE,
    next: NONE,
    df: 0,
    weight: 0,
};

/// Add one document's occurrence of a term to the term's statistics: its inline first
/// class `head`, or the overflow list starting at `head.next`.
#[inline]
fn add_to(nodes: &mut Vec<Node>, head: &mut Node, class: u32, weight: u64) {
    if head.class == class {
        head.df += 1;
        head.weight += weight;
        return;
    }
    if head.class == NONE {
        *head = Node {
            class,
            next: NONE,
            df: 1,
            weight,
        };
        return;
    }
    add_to_overflow(nodes, head, class, weight);
}

/// [`add_to`] for a class other than the term's first one.
#[inline(never)]
fn add_to_overflow(nodes: &mut Vec<Node>, head: &mut Node, class: u32, weight: u64) {
    let mut n = head.next;
    while n != NONE && nodes[n as usize].class != class {
        n = nodes[n as usize].next;
    }
    if n == NONE {
        nodes.push(Node {
            class,
            next: head.next,
            df: 1,
            weight,
        });
        head.next = (nodes.len() - 1) as u32;
    } else {
        let node = &mut nodes[n as usize];
        node.df += 1;
        node.weight += weight;
    }
}

/// `stored == token`: short tokens (most of them) are compared byte by byte inline, which
/// is cheaper than a call to `memcmp` (the 64-bit hashes already matched, so this nearly
/// always succeeds).
#[inline]
pub(crate) fn same_bytes(stored: &[u8], token: &[u8]) -> bool {
    if token.len() <= 16 {
        stored.len() == token.len() && stored.iter().zip(token).all(|(a, b)| a == b)
    } else {
        stored == token
    }
}

const _: () = assert!(std::mem::size_of::<Entry>() == 40);
const _: () = assert!(std::mem::size_of::<Tok>() == 24);

impl Local {
    fn count(&mut self, doc: &Doc<'_>, fit: &FitParams) {
        // The dense cells hold 32-bit unit counts: weighted documents take the table.
        if doc.weight == 1 && self.count_dense(doc, fit) {
            return;
        }
        let Local {
            tok_table,
            toks,
            tok_bytes,
            table,
            nodes,
            analyzer,
            tok_ids,
            keys,
            weights,
            ..
        } = self;
        let config = analyzer.config();
        let hi = config.ngram_max as usize;
        let hash_bits = config.hash_bits;
        keys.clear();
        match hash_bits {
            None => {
                let intern = |t: &str| {
                    let h = term_hash(t);
                    let found = tok_table
                        .find(h, |&i| {
                            let e = &toks[i as usize];
                            e.hash == h
                                && e.len as usize == t.len()
                                && same_bytes(
                                    &tok_bytes[e.off as usize..e.off as usize + t.len()],
                                    t.as_bytes(),
                                )
                        })
                        .copied();
                    match found {
                        Some(i) => i,
                        None => {
                            let i = toks.len() as u32;
                            toks.push(Tok {
                                hash: h,
                                off: tok_bytes.len() as u64,
                                len: t.len() as u32,
                            });
                            tok_bytes.extend_from_slice(t.as_bytes());
                            tok_table.insert_unique(h, i, |&j| toks[j as usize].hash);
                            i
                        }
                    }
                };
                analyzer.for_each_ngram_ids(doc.text, intern, tok_ids, |ids| {
                    let mut key = [NONE; 3];
                    key[..ids.len()].copy_from_slice(ids);
                    keys.push(key);
                });
            }
            Some(_) => {
                analyzer.for_each_bucket(doc.text, |b| keys.push([b as u32, 0, 0]));
            }
        }
        // Group equal terms (in the document, in cache), then touch each table entry once.
        keys.sort_unstable();
        let mut norm = 1.0;
        if fit.norm == DocNorm::L2 {
            let mut tfs = keys.chunk_by(|a, b| a == b).map(|g| g.len() as u32);
            norm = l2_norm(&mut tfs, weights, fit.tf);
        }
        let fractional = fit.fractional_weights();
        for g in keys.chunk_by(|a, b| a == b) {
            let (key, tf) = (g[0], g.len() as u32);
            let weight = if fractional {
                quantize(tf_weight(tf, fit.tf) / norm)
            } else {
                tf as u64
            } * doc.weight as u64;
            // Unigrams, bigrams when no longer n-grams are counted, and hashing buckets
            // are keyed with their class in a free slot (a trigram could not be told
            // from a bigram with a class there), so each (term, class) has its own entry
            // and never walks an overflow list; `finish` merges a term's entries.
            // Trigrams keep one entry and the overflow list.
            let mut key = key;
            if hash_bits.is_some() {
                key[1] = doc.class;
            } else if key[1] == NONE || hi <= 2 {
                key[2] = doc.class;
            }
            table.add(nodes, key, doc.class, weight);
        }
    }
}

/// A worker's term table in [`PARTS`] partitions by hash. Occurrences wait in a small
/// buffer per partition and are added a buffer at a time: a partition's table is a
/// small part of the whole, so adding a buffer stays mostly in cache, where adding each
/// occurrence as it comes would miss the cache on nearly every one in a table of
/// millions of terms.
#[derive(Clone)]
struct Table {
    parts: Vec<HashTable<Entry>>,
    pending: Vec<Vec<Pending>>,
}

/// An occurrence waiting to be added: its key, class and weight.
#[derive(Clone, Copy)]
struct Pending {
    key: Key,
    class: u32,
    weight: u64,
}

const PARTS: usize = 1024;
const PENDING: usize = 128;

/// The partition of a key's hash: bits that hashbrown uses neither for the slot (low
/// bits) nor for the tag (top 7).
#[inline]
fn part(h: u64) -> usize {
    (h >> 32) as usize % PARTS
}

impl Table {
    fn new() -> Table {
        Table {
            parts: vec![HashTable::new(); PARTS],
            pending: vec![Vec::new(); PARTS],
        }
    }

    /// Count one document's occurrence of `key` (added when its partition's buffer fills).
    #[inline]
    fn add(&mut self, nodes: &mut Vec<Node>, key: Key, class: u32, weight: u64) {
        let p = part(key_hash(&key));
        let buf = &mut self.pending[p];
        buf.push(Pending { key, class, weight });
        if buf.len() >= PENDING {
            self.flush_part(nodes, p);
        }
    }

    fn flush_part(&mut self, nodes: &mut Vec<Node>, p: usize) {
        let mut buf = std::mem::take(&mut self.pending[p]);
        for q in buf.drain(..) {
            add_to(nodes, self.head(q.key), q.class, q.weight);
        }
        self.pending[p] = buf;
    }

    /// Add every waiting occurrence.
    fn flush(&mut self, nodes: &mut Vec<Node>) {
        for p in 0..PARTS {
            self.flush_part(nodes, p);
        }
    }

    /// The statistics of `key`'s first class, inserted empty if new.
    #[inline]
    fn head(&mut self, key: Key) -> &mut Node {
        let h = key_hash(&key);
        let e = self.parts[part(h)].entry(h, |e| e.key == key, |e| key_hash(&e.key));
        &mut e.or_insert(Entry { key, head: EMPTY }).into_mut().head
    }

    fn len(&self) -> usize {
        self.parts.iter().map(HashTable::len).sum()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries (after [`Table::flush`]).
    fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.parts.iter().flat_map(HashTable::iter)
    }
}

/// Euclidean norm of a document's transformed term weights from the frequencies of its
/// distinct terms, summed in ascending frequency order: the order depends neither on the
/// worker's term ids nor on hashes, so the weights do not depend on the thread count. The
/// one L2 norm of the crate (counting, cross-validation, prediction).
pub(crate) fn l2_norm(tfs: impl Iterator<Item = u32>, buf: &mut Vec<u32>, w: TermWeight) -> f64 {
    buf.clear();
    buf.extend(tfs);
    buf.sort_unstable();
    buf.iter()
        .map(|&tf| tf_weight(tf, w).powi(2))
        .sum::<f64>()
        .sqrt()
}

/// Fixed-point value of a fractional weight.
pub(crate) fn quantize(w: f64) -> u64 {
    (w * (1u64 << FRACTION_BITS) as f64).round() as u64
}

/// A table entry's packed key, its worker and its index in the worker's entries.
type Ref = (u64, u32, u32);

/// Every worker's keys (`keys[worker][entry]`) as `(key, worker, entry)` refs, placed by
/// the radix bucket `key >> shift` (of [`BUCKET_BITS`] bits), with the buckets' start
/// offsets (a prefix sum, one more than the buckets): for [`non_empty_buckets`].
fn radix_refs(keys: &[Vec<u64>], shift: u32) -> (Vec<Ref>, Vec<usize>) {
    let n_buckets = 1usize << BUCKET_BITS;
    // Per worker, its keys per bucket (the workers' histograms in parallel).
    let counts: Vec<Vec<usize>> = keys
        .par_iter()
        .map(|k| {
            let mut c = vec![0usize; n_buckets];
            for &key in k {
                c[(key >> shift) as usize] += 1;
            }
            c
        })
        .collect();
    let mut starts = vec![0usize; n_buckets + 1];
    for b in 0..n_buckets {
        starts[b + 1] = starts[b] + counts.iter().map(|c| c[b]).sum::<usize>();
    }
    // Bucket by bucket, each worker's refs after the workers' before it: the refs of
    // worker `w` in bucket `b` take one slice, which only that worker fills, so the
    // workers scatter in parallel into the order a serial pass over them would make.
    let total = *starts.last().expect("n_buckets + 1 entries");
    let mut refs: Vec<Ref> = (0..total)
        .into_par_iter()
        .with_min_len(1 << 16)
        .map(|_| (0, 0, 0))
        .collect();
    let mut slices: Vec<Vec<&mut [Ref]>> =
        keys.iter().map(|_| Vec::with_capacity(n_buckets)).collect();
    let mut rest = &mut refs[..];
    for b in 0..n_buckets {
        for (w, c) in counts.iter().enumerate() {
            let (mine, r) = std::mem::take(&mut rest).split_at_mut(c[b]);
            slices[w].push(mine);
            rest = r;
        }
    }
    slices
        .into_par_iter()
        .zip(keys.par_iter())
        .enumerate()
        .for_each(|(li, (mut slices, k))| {
            let mut fill = vec![0usize; n_buckets];
            for (ei, &key) in k.iter().enumerate() {
                let b = (key >> shift) as usize;
                slices[b][fill[b]] = (key, li as u32, ei as u32);
                fill[b] += 1;
            }
        });
    (refs, starts)
}

/// `refs` cut at the bucket boundaries `starts` (a prefix sum, `starts[0] == 0`), the
/// empty buckets left out: the radix buckets the finishing sorts work on in parallel.
fn non_empty_buckets<'a>(refs: &'a mut [Ref], starts: &[usize]) -> Vec<&'a mut [Ref]> {
    let mut buckets = Vec::new();
    let mut rest = refs;
    for w in starts.windows(2) {
        let (b, r) = std::mem::take(&mut rest).split_at_mut(w[1] - w[0]);
        rest = r;
        if !b.is_empty() {
            buckets.push(b);
        }
    }
    buckets
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::TrainParams;
    use crate::test_util::count;

    fn stat(c: &Counts, term: &str) -> Vec<(String, u64, u64)> {
        let i = c.terms.iter().position(|t| t == term).unwrap();
        c.term_stats(i)
            .iter()
            .map(|s| (c.labels[s.class as usize].clone(), s.df, s.weight))
            .collect()
    }

    #[test]
    fn weighted_documents_by_hand() {
        // A document of weight w: its term weights and its class's document count are
        // multiplied by w (scikit-learn's sample_weight in MultinomialNB.fit); a term's
        // df counts the document once. By hand: "buy buy now" x2 -> buy 2*2 = 4,
        // now 1*2 = 2, each df 1; sales has 2 + 1 = 3 documents.
        let p = TrainParams::default().ngrams(1, 1).check().unwrap();
        let mut b = CountBuilder::new(p.analyzer(), p.fit()).unwrap();
        let (s, n) = (b.class_id("sales"), b.class_id("net"));
        b.add(&[
            Doc {
                text: "buy buy now",
                class: s,
                weight: 2,
            },
            Doc {
                text: "hi now",
                class: n,
                weight: 1,
            },
            Doc {
                text: "buy",
                class: s,
                weight: 1,
            },
        ]);
        let c = b.finish();
        assert_eq!(c.class_docs, [1, 3]); // labels sorted: net, sales
        assert_eq!(stat(&c, "buy"), [("sales".into(), 2, 5)]);
        assert_eq!(
            stat(&c, "now"),
            [("net".into(), 1, 1), ("sales".into(), 1, 2)]
        );
        // The same, hashed (the table path, not the dense cells, for weights above 1).
        let h = TrainParams::default()
            .analyzer(crate::text::AnalyzerConfig {
                ngram_max: 1,
                hash_bits: Some(4),
                ..Default::default()
            })
            .check()
            .unwrap();
        let mut b = CountBuilder::new(h.analyzer(), h.fit()).unwrap();
        let s = b.class_id("sales");
        b.add(&[Doc {
            text: "buy buy",
            class: s,
            weight: 3,
        }]);
        let c = b.finish();
        assert_eq!(c.class_docs, [3]);
        assert_eq!(c.n_terms(), 1);
        assert_eq!((c.stats[0].df, c.stats[0].weight), (1, 6));
    }

    #[test]
    fn retain_min_df_drops_rare_terms_only() {
        let p = TrainParams::default().check().unwrap();
        let c = count(
            &[("buy now", "sales"), ("buy later", "sales"), ("hi", "net")],
            &p,
        );
        let kept = c.retain_min_df(2);
        let terms: Vec<&str> = kept.terms.iter().collect();
        assert_eq!(terms, ["buy"]);
        assert_eq!(kept.class_docs, c.class_docs);
        assert_eq!(stat(&kept, "buy"), stat(&c, "buy"));
        assert_eq!(c.retain_min_df(1), c);
        kept.validate().unwrap();
    }

    #[test]
    fn counts_by_hand() {
        let p = TrainParams::default().check().unwrap();
        let c = count(
            &[
                ("buy buy now", "sales"),
                ("hi now", "net"),
                ("buy", "sales"),
            ],
            &p,
        );
        assert_eq!(c.labels, ["net", "sales"]);
        assert_eq!(c.class_docs, [1, 2]);
        assert_eq!(
            c.terms.iter().collect::<Vec<_>>(),
            ["buy", "buy buy", "buy now", "hi", "hi now", "now"]
        );
        // "buy": tf 2 in doc 1, 1 in doc 3 -> df 2, weight 3 in sales.
        assert_eq!(stat(&c, "buy"), [("sales".to_string(), 2, 3)]);
        assert_eq!(
            stat(&c, "now"),
            [("net".to_string(), 1, 1), ("sales".to_string(), 1, 1)]
        );
        assert_eq!(c.df(5), 2);
        c.validate().unwrap();
    }

    #[test]
    fn log_l2_weights_by_hand() {
        let p = TrainParams::default()
            .ngrams(1, 1)
            .transforms(TermWeight::Log, false, DocNorm::L2)
            .check()
            .unwrap();
        let c = count(&[("a a b", "x"), ("c", "y")], &p);
        // ln(1+2)=1.0986, ln(1+1)=0.6931, norm=1.2990 -> a: 0.8457, b: 0.5336
        let (la, lb) = (3f64.ln(), 2f64.ln());
        let n = (la * la + lb * lb).sqrt();
        assert_eq!(c.weight_scale_bits, FRACTION_BITS);
        assert_eq!(stat(&c, "a")[0].2, quantize(la / n));
        assert_eq!(stat(&c, "b")[0].2, quantize(lb / n));
        assert_eq!(stat(&c, "c")[0].2, 1 << FRACTION_BITS);
    }

    #[test]
    fn merge_equals_counting_the_union() {
        let p = TrainParams::default().check().unwrap();
        let a = [("buy now", "sales"), ("hello there", "net")];
        let b = [("now hiring", "jobs"), ("buy buy", "sales")];
        let all: Vec<_> = a.iter().chain(&b).copied().collect();
        assert_eq!(
            count(&a, &p).merge(&count(&b, &p)).unwrap(),
            count(&all, &p)
        );
    }

    #[test]
    fn minus_a_part_equals_counting_the_rest() {
        let p = TrainParams::default()
            .fit_params(FitParams {
                tf: TermWeight::Log,
                norm: DocNorm::L2,
                ..FitParams::default()
            })
            .check()
            .unwrap();
        // Four parts: labels that only some parts have (taking away part 2 takes `zoo`
        // away), terms shared by some parts, terms only one part has.
        let parts: [&[(&str, &str)]; 4] = [
            &[("buy now", "sales"), ("hello there", "net")],
            &[
                ("now hiring", "jobs"),
                ("buy buy", "sales"),
                ("hello hello", "net"),
            ],
            &[("zebra", "zoo"), ("hello now", "net")],
            &[
                ("hello now", "net"),
                ("hiring now buy", "jobs"),
                ("aardvark", "sales"),
            ],
        ];
        let union = |skip: usize| -> Vec<(&str, &str)> {
            parts
                .iter()
                .enumerate()
                .filter(|&(g, _)| g != skip)
                .flat_map(|(_, d)| d.iter().copied())
                .collect()
        };
        let all = count(&union(usize::MAX), &p);
        for (f, part) in parts.iter().enumerate() {
            let rest = all.minus(&count(part, &p)).unwrap();
            assert_eq!(rest, count(&union(f), &p), "without part {f}");
            assert!(rest.validate().is_ok());
        }
        // Not a part: a term, a label or a count the whole does not have.
        let part0 = count(parts[0], &p);
        for other in [
            &[("buy unicorns", "sales")][..],
            &[("buy now", "elsewhere")],
            &[("buy now", "sales"), ("buy now", "sales")],
        ] {
            assert!(part0.minus(&count(other, &p)).is_err(), "{other:?}");
        }
    }

    /// `minus` walks the terms in runs of 2^14 in parallel: a vocabulary of about three
    /// runs gives the same counts as counting the rest, and a term the whole lacks is
    /// found wherever it falls (before every term, inside a later run, after every term).
    #[test]
    fn minus_over_many_runs_equals_counting_the_rest() {
        let p = TrainParams::default().check().unwrap();
        let docs: Vec<(String, &str)> = (0..12_000)
            .map(|i| {
                let label = ["a", "b", "c"][i % 3];
                (format!("u{i} v{i} w{i} x{i} common"), label)
            })
            .collect();
        let of = |keep: &dyn Fn(usize) -> bool| -> Vec<(&str, &str)> {
            docs.iter()
                .enumerate()
                .filter(|&(i, _)| keep(i))
                .map(|(_, (t, l))| (t.as_str(), *l))
                .collect()
        };
        let all = count(&of(&|_| true), &p);
        assert!(all.n_terms() > 3 * (1 << 14), "{}", all.n_terms());
        for f in 0..3 {
            let part = count(&of(&|i| i % 3 == f || i % 7 == 0), &p);
            let rest = count(&of(&|i| !(i % 3 == f || i % 7 == 0)), &p);
            assert_eq!(all.minus(&part).unwrap(), rest, "part {f}");
        }
        let part = of(&|i| i % 5 == 0);
        for foreign in ["0first", "aaa", "v7000zz", "zzz"] {
            let mut other = part.clone();
            other.push((foreign, "a"));
            assert!(all.minus(&count(&other, &p)).is_err(), "{foreign}");
        }
    }

    #[test]
    fn thread_count_does_not_change_counts() {
        let p = TrainParams::default().check().unwrap();
        let docs: Vec<(String, &str)> = (0..500)
            .map(|i| {
                (
                    format!("w{} w{} common {}", i % 37, i % 11, i % 5),
                    ["a", "b", "c"][i % 3],
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = docs.iter().map(|(t, l)| (t.as_str(), *l)).collect();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| count(&refs, &p));
        let four = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap()
            .install(|| count(&refs, &p));
        assert_eq!(one, four);
    }

    /// The statistics counted the simple way: every term of every document as a string
    /// (`Analyzer::terms`), in ordered maps.
    fn reference(docs: &[(String, usize)], params: &crate::params::ValidTrainParams) -> Counts {
        use std::collections::BTreeMap;
        let fit = params.fit();
        let mut a = Analyzer::new(params.analyzer().clone()).unwrap();
        let labels = ["net", "sales", "scam"];
        let mut class_docs = [0u64; 3];
        let mut stats: BTreeMap<String, BTreeMap<u32, (u64, u64)>> = BTreeMap::new();
        for (text, class) in docs {
            class_docs[*class] += 1;
            let mut tf: BTreeMap<String, u32> = BTreeMap::new();
            for t in a.terms(text) {
                *tf.entry(t).or_default() += 1;
            }
            let mut tfs: Vec<u32> = tf.values().copied().collect();
            tfs.sort();
            let norm = match fit.norm {
                DocNorm::None => 1.0,
                DocNorm::L2 => tfs
                    .iter()
                    .map(|&n| tf_weight(n, fit.tf).powi(2))
                    .sum::<f64>()
                    .sqrt(),
            };
            for (t, n) in tf {
                let w = if fit.fractional_weights() {
                    quantize(tf_weight(n, fit.tf) / norm)
                } else {
                    n as u64
                };
                let s = stats
                    .entry(t)
                    .or_default()
                    .entry(*class as u32)
                    .or_default();
                s.0 += 1;
                s.1 += w;
            }
        }
        // Only the labels that occur, as the builder assigns them.
        let used: Vec<usize> = (0..3).filter(|&c| class_docs[c] > 0).collect();
        let mut out = Counts {
            labels: used.iter().map(|&c| labels[c].to_string()).collect(),
            class_docs: used.iter().map(|&c| class_docs[c]).collect(),
            weight_scale_bits: if fit.fractional_weights() {
                FRACTION_BITS
            } else {
                0
            },
            offsets: vec![0],
            ..Counts::default()
        };
        for (t, per_class) in stats {
            out.terms.push(&t);
            for (c, (df, weight)) in per_class {
                let class = used.iter().position(|&u| u == c as usize).unwrap() as u32;
                out.stats.push(ClassStat { class, df, weight });
            }
            out.offsets.push(out.stats.len() as u64);
        }
        out
    }

    /// Whether `finish` would sort these documents' terms by their tokens' ranks.
    fn sorted_by_ranks(texts: &[&str], p: &crate::params::ValidTrainParams) -> bool {
        let mut b = CountBuilder::new(p.analyzer(), p.fit()).unwrap();
        let c = b.class_id("net");
        let batch: Vec<Doc> = texts
            .iter()
            .map(|&text| Doc {
                text,
                class: c,
                weight: 1,
            })
            .collect();
        b.add(&batch);
        let locals: Vec<Local> = b
            .locals
            .into_iter()
            .map(|m| m.into_inner().unwrap())
            .filter(|l| !l.toks.is_empty())
            .collect();
        TokenRanks::new(&locals).is_some()
    }

    #[test]
    fn terms_sort_bytewise_by_ranks_or_by_strings() {
        // A token that is a prefix of another ("a", "ab") and n-grams of every length
        // meet in the order of their strings ("a" < "a b" < "a z" < "ab"). A URL's
        // domain with a control character ("a\x01b.com" sorts before "a b") makes
        // `finish` sort the strings themselves; both give the reference's order.
        let p = TrainParams::default().ngrams(1, 3).check().unwrap();
        // Tokens that share their first 8 bytes (or are 8 bytes long) tie on the
        // prefix the ranks are sorted by first, and are then ordered by their bytes.
        let plain = [
            "a z",
            "ab a",
            "a b c",
            "a",
            "b a ab",
            "Ab",
            "internationalization internat",
            "internationalisation internationa internat a",
        ];
        let control = ["x http://a\x01b.com a", "a z", "ab", "a b"];
        assert!(sorted_by_ranks(&plain, &p));
        assert!(!sorted_by_ranks(&control, &p));
        for texts in [&plain[..], &control[..]] {
            let docs: Vec<(String, usize)> = texts
                .iter()
                .enumerate()
                .map(|(i, t)| (t.to_string(), i % 3))
                .collect();
            let labels = ["net", "sales", "scam"];
            let refs: Vec<(&str, &str)> =
                docs.iter().map(|(t, c)| (t.as_str(), labels[*c])).collect();
            let got = count(&refs, &p);
            assert_eq!(got, reference(&docs, &p));
            assert!(got.terms.is_sorted_distinct());
        }
    }

    /// `decimal_order` sorts buckets, and `decimal_sorted` lists them, as their terms
    /// `#<bucket>` sort bytewise: checked
    /// against the strings themselves on the edges of every digit count and a spread of
    /// values (string order by hand: "#10" < "#100" < "#11" < "#2").
    #[test]
    fn decimal_order_is_the_terms_byte_order() {
        let mut buckets: Vec<u32> = vec![0, 1, 2, 9, 10, 11, 19, 20, 99, 100, 101, 999, 1000];
        let mut p = 1u64;
        for _ in 0..10 {
            for v in [p.saturating_sub(1), p, p + 1, 2 * p, 9 * p] {
                if v <= u32::MAX as u64 {
                    buckets.push(v as u32);
                }
            }
            p *= 10;
        }
        buckets.extend((0..2000u32).map(|i| i.wrapping_mul(2_654_435_761)));
        buckets.push(u32::MAX);
        let term = |b: u32| {
            let mut s = String::new();
            bucket_term(&mut s, b as u64);
            s
        };
        let mut by_string = buckets.clone();
        by_string.sort_by_key(|&b| term(b));
        by_string.dedup();
        let mut by_order = buckets.clone();
        by_order.sort_by_key(|&b| decimal_order(b));
        by_order.dedup();
        assert_eq!(by_order, by_string);
        for n in [0u32, 1, 9, 10, 11, 99, 100, 101, 1000, 1 << 10, 12_345] {
            let mut by_term: Vec<u32> = (0..n).collect();
            by_term.sort_by_key(|&b| term(b));
            assert_eq!(decimal_sorted(n), by_term, "0..{n}");
        }
        assert!(decimal_order(10) < decimal_order(100));
        assert!(decimal_order(100) < decimal_order(11));
        assert!(decimal_order(11) < decimal_order(2));
    }

    fn docs_strategy() -> impl proptest::strategy::Strategy<Value = Vec<(String, usize)>> {
        use proptest::prelude::*;
        let mut words = vec![
            "buy", "now", "Buy", "hi", "a", "ab", "über", "straße", "42", "deal", "x", "call",
            "me", "🎉", "b",
        ];
        // Tokens whose first 8 bytes are equal (the ranks' sort key).
        words.extend(["internat", "internationalisation", "internationalization"]);
        let word = prop::sample::select(words);
        let doc =
            (prop::collection::vec(word, 0..14), 0usize..3).prop_map(|(w, c)| (w.join(" "), c));
        prop::collection::vec(doc, 1..25)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        #[test]
        fn id_counting_equals_counting_strings(
            docs in docs_strategy(),
            range in proptest::sample::select(vec![(1u8, 1u8), (1, 2), (1, 3), (2, 3), (3, 3)]),
            tf in proptest::sample::select(vec![TermWeight::Raw, TermWeight::Log]),
            norm in proptest::sample::select(vec![DocNorm::None, DocNorm::L2]),
            hash_bits in proptest::sample::select(vec![None, Some(1u8), Some(3), Some(20), Some(32)]),
            threads in 1usize..4,
            spill_after in proptest::sample::select(vec![None, Some(0u64), Some(5), Some(40)]),
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
                .check()
                .unwrap();
            let labels = ["net", "sales", "scam"];
            let refs: Vec<(&str, &str)> = docs.iter().map(|(t, c)| (t.as_str(), labels[*c])).collect();
            let got = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| match spill_after {
                    // Raw counts of hashing buckets go through the dense cells, emptied
                    // into the tables every few occurrences (and at the end).
                    Some(limit) => {
                        let mut b = CountBuilder::new(p.analyzer(), p.fit()).unwrap().spill_after(limit);
                        let batch: Vec<Doc> = refs
                            .iter()
                            .map(|&(text, label)| Doc { text, class: b.class_id(label), weight: 1 })
                            .collect();
                        b.add(&batch);
                        b.finish()
                    }
                    None => count(&refs, &p),
                });
            proptest::prop_assert_eq!(got, reference(&docs, &p));
        }
    }
}
