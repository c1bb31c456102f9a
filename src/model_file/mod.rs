//! The model file (format version 3): one self-describing, versioned file, checksummed
//! section by section, whose scoring arrays are stored as they are used, so prediction
//! maps the file and scores after checking only the header, the metadata and the
//! sections it reads.
//!
//! ```text
//! 0    magic     8 bytes  "PITCHSFT"
//! 8    version   u32 LE   FORMAT_VERSION
//! 12   length    u64 LE   length of the whole file, checksum included
//! 20   reserved  u32      0
//! 24   meta      u64 LE   length of the metadata
//! 32   sections  11 x (offset u64 LE, length u64 LE, crc32 u32 LE, 0u32), in this order:
//!        labels      f64 x 3k: bias, scale, default of each label
//!        base        f64 per feature (empty: all zero)
//!        mult        f64 per feature (the IDF; empty: all one)
//!        offsets     u32 x (n_features + 1): corrections of feature f are [offsets[f], offsets[f+1])
//!        classes     u8 per correction (k <= 256 labels), else u16: its label, ascending
//!                    within a feature
//!        values      u16 per correction: its place in `value table`; or, when the
//!                    table is empty (more than 65,536 distinct values), f64 per correction
//!        value table f64: the distinct correction values, ascending by bit pattern
//!        slots       u64 x (at least 3n/2 + 1): the term table (fingerprint.rs):
//!                    tag << id_bits | (id + 1), 0 = empty; id_bits holds 1..=n
//!        term blocks u64 x (ceil(n / 16) + 1): where each block of 16 terms starts in
//!                    `term data`, then its length
//!        term data   the feature terms (sorted bytewise), front-coded per block:
//!                    varint length + UTF-8 for a block's first term, then per term
//!                    varint shared-prefix length, varint rest length, rest
//!        counts      varint count, then per counted term: [varint length + UTF-8,
//!                    unless the counted terms are the features] varint k,
//!                    k x (varint class, varint df, varint weight)
//! 296  META      JSON: analyzer and fitting settings, labels, document counts, sizes,
//!                fingerprint seed, training info, calibration
//!      the sections follow the metadata end to end, each starting 8-byte aligned
//!      (zero padding); a section's crc32 covers its bytes and the padding after it
//! end  crc32     u32 LE   CRC-32 (IEEE) of every byte before the first section: the
//!                header, the section table (so every section's checksum) and the metadata
//! ```
//! Every offset and length is checked against the file before anything is read or
//! allocated, and the sections a load uses are checked for structure (sizes, ids in
//! range, finite values), so a forged file that passes the checksums is refused or
//! scores safely. Files are written to a temporary file in the same directory and
//! renamed into place, so a mapped model is never changed under its reader.
//!
//! Integrity: every load checks the header's checksum and the checksums of the sections
//! it reads, and nothing else: prediction the scoring sections (labels to slots), a full
//! load (update, merge, inspect with counts) every section; the terms of a model loaded
//! for prediction are checked when first read ([`Classifier::features`], explanations).
//! Damage in the counts or the terms is therefore refused by the loads that read them,
//! not by prediction, which never reads them (a one-message prediction with the
//! 200k-message synthetic model reads 72 of its 110 MB). Every byte of the file is under
//! exactly one checksum. Structure: prediction checks sizes, the label arrays, the value
//! table and the ends of the offsets, not every row (that would read the scoring
//! sections a second time); scoring cuts a forged row to the corrections and ignores a
//! label or value index out of range, so it never reads out of bounds. A full load
//! checks every row.
//!
//! Size choices (20 Newsgroups, default options, 1.08 M features, 1.7 M corrections:
//! 65.5 MB in format 2): no key array (the tag in the slot replaces it), u8 labels, a
//! dictionary of correction values (exact: the same `f64` bits; multinomial NB's
//! corrections take few distinct values), front-coded terms instead of u64 ends and
//! raw bytes. See docs/benchmarks/format3.md for the figures.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::par::*;
use serde::{Deserialize, Serialize};

use crate::arr::{as_bytes, Arr, Buf, Pod};
use crate::error::{Error, Result};
use crate::features::fingerprint::{
    bucket_of_term, homes_for, id_bits_for, term_keys, Index, BUCKET_SEED,
};
use crate::features::terms::{StoredTerms, Terms, BLOCK};
use crate::nb::calibrate::Calibration;
use crate::nb::classifier::{Classifier, TrainInfo};
use crate::nb::counts::{ClassStat, Counts};
use crate::nb::model::{Classes, SparseModel, Values};
use crate::params::{FitParams, ValidTrainParams};
use crate::text::AnalyzerConfig;

/// The first eight bytes of every model file.
pub const MAGIC: &[u8; 8] = b"PITCHSFT";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 3;
/// Magic, version, length.
const HEADER: usize = 8 + 4 + 8;
/// Number of sections in the table.
pub const N_SECTIONS: usize = 11;
/// Bytes of a section table entry: offset, length, checksum, a reserved word.
pub const ENTRY: usize = 24;
/// Where the metadata starts: the header, a reserved word, the metadata length and the
/// section table.
pub const META_AT: usize = 32 + ENTRY * N_SECTIONS;
/// The name of the fingerprint and bucket hash, as recorded in the metadata.
const HASH_NAME: &str = "xxh3-64";

/// Section numbers, in file order.
#[derive(Clone, Copy)]
enum Sec {
    Labels,
    Base,
    Mult,
    Offsets,
    Classes,
    Values,
    ValueTable,
    Slots,
    TermBlocks,
    TermData,
    Counts,
}

/// The sections prediction reads (and checks).
const SCORING: [Sec; 8] = [
    Sec::Labels,
    Sec::Base,
    Sec::Mult,
    Sec::Offsets,
    Sec::Classes,
    Sec::Values,
    Sec::ValueTable,
    Sec::Slots,
];

/// Section names, for messages.
const SEC_NAMES: [&str; N_SECTIONS] = [
    "labels",
    "base",
    "mult",
    "offsets",
    "classes",
    "values",
    "value table",
    "slots",
    "term blocks",
    "term data",
    "counts",
];

/// A hash function and its seed.
#[derive(Serialize, Deserialize, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
struct HashSpec {
    function: String,
    seed: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    format: String,
    analyzer: AnalyzerConfig,
    fit: FitParams,
    labels: Vec<String>,
    class_docs: Vec<u64>,
    n_features: u64,
    n_corrections: u64,
    /// The fingerprints of the feature terms (exact vocabulary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fingerprint: Option<HashSpec>,
    /// The bucket hash (feature hashing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    buckets: Option<HashSpec>,
    n_terms: u64,
    /// The counted terms are the features (no vocabulary pruning): the counts section
    /// does not repeat them.
    counts_share_terms: bool,
    weight_scale_bits: u8,
    info: TrainInfo,
    /// Absent in models without calibration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    calibration: Option<Calibration>,
}

/// What to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// What prediction needs: the scoring arrays, used where they lie in the file. The
    /// feature terms are read on first use ([`Classifier::features`]: explanations);
    /// the counts are not read.
    Predict,
    /// Everything, including the full counts, checked.
    Full,
}

/// Serialise a classifier. It must carry its counts.
pub fn to_bytes(clf: &Classifier) -> Result<Vec<u8>> {
    check_has_counts(clf)?;
    let mut out = Vec::new();
    write_model(clf, &mut out).expect("writing to memory does not fail");
    Ok(out)
}

fn check_has_counts(clf: &Classifier) -> Result<()> {
    match clf.counts {
        Some(_) => Ok(()),
        None => Err(Error::Incompatible(
            "cannot save a model loaded without its counts".into(),
        )),
    }
}

/// A writer that keeps the CRC-32 of everything written through it.
struct Crc<W> {
    inner: W,
    crc: crc32fast::Hasher,
}

impl<W: Write> Write for Crc<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.crc.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn pad8(n: u64) -> u64 {
    n.div_ceil(8) * 8
}

/// True when the counted terms are exactly the features (the same list).
fn counts_share_terms(clf: &Classifier, counts: &Counts) -> bool {
    let f = clf.features();
    f.len() == counts.n_terms() && f == &counts.terms
}

/// Write the model file to `w` as it is made: the sections' sizes and checksums are
/// computed first (the header holds the file's length and the section table), the
/// counts encoded once for their checksum and again while written, so saving needs no
/// copy of the counts in memory. The classifier must carry its counts
/// ([`check_has_counts`]).
fn write_model(clf: &Classifier, w: &mut dyn Write) -> std::io::Result<()> {
    let counts = clf.counts.as_ref().expect("checked by the caller");
    let model = &clf.model;
    // The term table's inserts are serial (their order fixes its bytes): built while the
    // other thread front-codes the terms and compacts the corrections.
    let (index, ((term_blocks, term_data), compacted)) = crate::par::join(
        || clf.index(),
        || {
            let compacted = match &model.values {
                Values::Plain(_) => Some(model.values.compact()),
                Values::Dict { .. } => None,
            };
            (clf.features().front_coded(), compacted)
        },
    );
    let hashed = clf.params.analyzer().hash_bits.is_some();
    let share = counts_share_terms(clf, counts);
    let spec = |seed| HashSpec {
        function: HASH_NAME.into(),
        seed,
    };
    let meta = Meta {
        format: "pitchsift-model".into(),
        analyzer: clf.params.analyzer().clone(),
        fit: clf.params.fit().clone(),
        labels: clf.labels.clone(),
        class_docs: clf.class_docs.clone(),
        n_features: model.n_features() as u64,
        n_corrections: model.values.len() as u64,
        fingerprint: (!hashed).then(|| spec(index.seed)),
        buckets: hashed.then(|| spec(BUCKET_SEED)),
        n_terms: counts.n_terms() as u64,
        counts_share_terms: share,
        weight_scale_bits: counts.weight_scale_bits,
        info: clf.info.clone(),
        calibration: clf.calibration.clone(),
    };
    let meta = serde_json::to_vec(&meta).expect("meta serialises");
    let k = model.n_classes();
    let classes: Vec<u8> = match &model.classes {
        Classes::U8(c) if k <= 256 => as_bytes(c).to_vec(),
        Classes::U16(c) if k <= 256 => c.iter().map(|&c| c as u8).collect(),
        Classes::U8(c) => as_bytes(&c.iter().map(|&c| c as u16).collect::<Vec<_>>()).to_vec(),
        Classes::U16(c) => as_bytes(c).to_vec(),
    };
    let stored = compacted.as_ref().unwrap_or(&model.values);
    let (values, value_table): (&[u8], &[f64]) = match stored {
        Values::Dict { table, index } => (as_bytes(index), table),
        Values::Plain(p) => (as_bytes(p), &[]),
    };
    let encode_counts = |range: std::ops::Range<usize>, b: &mut Vec<u8>| {
        for i in range {
            if !share {
                let t = counts.terms.bytes(i);
                varint(b, t.len() as u64);
                b.extend_from_slice(t);
            }
            let stats = counts.term_stats(i);
            varint(b, stats.len() as u64);
            for s in stats {
                varint(b, s.class as u64);
                varint(b, s.df);
                varint(b, s.weight);
            }
        }
    };
    let write_counts = |mut w: &mut dyn Write| -> std::io::Result<()> {
        let mut b = Vec::new();
        varint(&mut b, counts.n_terms() as u64);
        w.write_all(&b)?;
        write_blocks(&mut w, counts.n_terms(), 1 << 14, encode_counts)
    };
    let mut labels: Vec<f64> = Vec::with_capacity(3 * k);
    labels.extend_from_slice(&model.bias);
    labels.extend_from_slice(&model.scale);
    labels.extend_from_slice(&model.default);
    let in_memory: [&[u8]; N_SECTIONS - 1] = [
        as_bytes(&labels),
        as_bytes(&model.base),
        as_bytes(&model.mult),
        as_bytes(&model.offsets),
        &classes,
        values,
        as_bytes(value_table),
        as_bytes(&index.slots),
        as_bytes(&term_blocks),
        &term_data,
    ];
    // The counts' length and checksum: encoded once through a checksum.
    let mut counted = Crc {
        inner: Counter(0),
        crc: crc32fast::Hasher::new(),
    };
    {
        let mut bw = std::io::BufWriter::with_capacity(1 << 20, &mut counted);
        write_counts(&mut bw)?;
        bw.flush()?;
    }
    let zeros = [0u8; 8];
    let pad_of = |len: u64| (pad8(len) - len) as usize;
    let mut lens = [0u64; N_SECTIONS];
    let mut crcs = [0u32; N_SECTIONS];
    for (i, b) in in_memory.iter().enumerate() {
        lens[i] = b.len() as u64;
        let mut h = crc32fast::Hasher::new();
        h.update(b);
        h.update(&zeros[..pad_of(lens[i])]);
        crcs[i] = h.finalize();
    }
    let c = Sec::Counts as usize;
    lens[c] = counted.inner.0;
    counted.crc.update(&zeros[..pad_of(lens[c])]);
    crcs[c] = counted.crc.finalize();
    let mut offsets = [0u64; N_SECTIONS];
    let first = pad8(META_AT as u64 + meta.len() as u64);
    let mut at = first;
    for (o, &l) in offsets.iter_mut().zip(&lens) {
        *o = at;
        at = pad8(at + l);
    }
    let total = at + 4;

    let mut head = Vec::with_capacity(first as usize);
    head.extend_from_slice(MAGIC);
    head.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    head.extend_from_slice(&total.to_le_bytes());
    head.extend_from_slice(&0u32.to_le_bytes());
    head.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    for i in 0..N_SECTIONS {
        head.extend_from_slice(&offsets[i].to_le_bytes());
        head.extend_from_slice(&lens[i].to_le_bytes());
        head.extend_from_slice(&crcs[i].to_le_bytes());
        head.extend_from_slice(&0u32.to_le_bytes());
    }
    head.extend_from_slice(&meta);
    head.resize(first as usize, 0);
    let head_crc = crc32fast::hash(&head);

    let mut w = std::io::BufWriter::with_capacity(1 << 20, w);
    w.write_all(&head)?;
    for (i, b) in in_memory.iter().enumerate() {
        w.write_all(b)?;
        w.write_all(&zeros[..pad_of(lens[i])])?;
    }
    write_counts(&mut w)?;
    w.write_all(&zeros[..pad_of(lens[c])])?;
    w.write_all(&head_crc.to_le_bytes())?;
    w.flush()
}

/// A writer that only counts bytes.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Write items `0..n`, encoded by `encode(range, buffer)` in blocks of `block` items in
/// parallel, in order; a few blocks per thread are held at a time.
fn write_blocks(
    w: &mut impl Write,
    n: usize,
    block: usize,
    encode: impl Fn(std::ops::Range<usize>, &mut Vec<u8>) + Sync,
) -> std::io::Result<()> {
    let window = 4 * crate::par::current_num_threads().max(1) * block;
    let mut start = 0;
    while start < n {
        let end = n.min(start + window);
        let blocks: Vec<Vec<u8>> = (start..end)
            .step_by(block)
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|s| {
                let mut b = Vec::new();
                encode(s..end.min(s + block), &mut b);
                b
            })
            .collect();
        for b in blocks {
            w.write_all(&b)?;
        }
        start = end;
    }
    Ok(())
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Write a classifier to `path` atomically: a temporary file in the same directory,
/// flushed and synced, then renamed over `path`. On error `path` is untouched.
#[cfg(feature = "fs")]
pub fn save(clf: &Classifier, path: &Path) -> Result<()> {
    crate::io::output::commit(vec![prepare(clf, path)?])
}

/// [`save`] without the rename: the complete file, for
/// [`crate::io::output::commit`] to rename with the run's other outputs.
#[cfg(feature = "fs")]
pub fn prepare(clf: &Classifier, path: &Path) -> Result<crate::io::output::Ready> {
    check_has_counts(clf)?;
    crate::io::output::prepare_with(path, &mut |w| write_model(clf, w))
}

// The atomic writing of files lives in `crate::io::output` (one for every output).
#[cfg(feature = "fs")]
pub use crate::io::output::{is_special, write_atomic, write_atomic_with};

/// Load a model file. Files of 64 KiB and more are memory-mapped (read-only; a model
/// is replaced by renaming a new file over it, never rewritten in place), smaller ones
/// read.
#[cfg(feature = "fs")]
pub fn load(path: &Path, what: Load) -> Result<Classifier> {
    use std::io::Read;
    let name = path.display().to_string();
    let io = |e| Error::io(path, e);
    let mut f = std::fs::File::open(path).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    let buf = if size < MAP_FROM {
        let mut bytes = Vec::with_capacity(size as usize);
        f.read_to_end(&mut bytes).map_err(io)?;
        Buf::copy_of(&bytes)
    } else {
        // SAFETY: the map is read-only and pitchsift never writes a model file in place
        // (it renames a new file over it); a file truncated by another program while
        // mapped is outside what any reader can guard against.
        let map = unsafe { memmap2::Mmap::map(&f) }.map_err(io)?;
        Buf::Mapped(map)
    };
    parse(Arc::new(buf), &name, what)
}

/// Load a model file (without the `fs` feature: read whole).
#[cfg(not(feature = "fs"))]
pub fn load(path: &Path, what: Load) -> Result<Classifier> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(&bytes, &path.display().to_string(), what)
}

/// Files at least this big are memory-mapped by [`load`].
#[cfg(feature = "fs")]
const MAP_FROM: u64 = 1 << 16;

/// Magic, version and declared length of a model file of `size` bytes.
fn check_header(bytes: &[u8], size: u64, name: &str) -> Result<()> {
    let bad = |m: String| Error::bad_model(name, m);
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(bad("not a pitchsift model file (wrong magic bytes)".into()));
    }
    if bytes.len() < 12 {
        return Err(bad(format!("truncated model file ({size} bytes)")));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    if version != FORMAT_VERSION {
        return Err(bad(format!(
            "model format version {version}; this pitchsift reads version {FORMAT_VERSION}: retrain the model with this \
             version (pitchsift-train), or use the pitchsift release that wrote it"
        )));
    }
    if size < (META_AT + 4) as u64 || bytes.len() < HEADER {
        return Err(bad(format!("truncated model file ({size} bytes)")));
    }
    let declared = u64::from_le_bytes(bytes[12..20].try_into().unwrap());
    if declared != size {
        return Err(bad(format!(
            "truncated or extended model file: header says {declared} bytes, file has {size}"
        )));
    }
    Ok(())
}

/// Parse a model from bytes (copied once, aligned); `name` is used in messages.
pub fn from_bytes(bytes: &[u8], name: &str, what: Load) -> Result<Classifier> {
    check_header(bytes, bytes.len() as u64, name)?;
    parse(Arc::new(Buf::copy_of(bytes)), name, what)
}

/// The one parser behind every loader: header, its checksum, section table, metadata,
/// then the sections `what` needs, checked and used in place.
fn parse(buf: Arc<Buf>, name: &str, what: Load) -> Result<Classifier> {
    let bytes = buf.bytes();
    let size = bytes.len() as u64;
    check_header(bytes, size, name)?;
    let bad = |m: String| Error::bad_model(name, m);
    let malformed = |m: &str| bad(format!("malformed model file: {m}"));
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    let u32_at = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap());
    let end = size - 4;
    let meta_len = u64_at(24);
    // The sections lie end to end after the metadata, each 8-aligned: every byte of the
    // file is under one checksum. The header's covers everything before the first
    // section (up to the end, for a metadata length past it: damage there is reported
    // as damage).
    let first = (META_AT as u64).saturating_add(meta_len).saturating_add(7) / 8 * 8;
    let head_crc = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().unwrap());
    if crc32fast::hash(&bytes[..first.min(end) as usize]) != head_crc {
        return Err(bad(
            "corrupted model file (checksum mismatch in the header or metadata)".into(),
        ));
    }
    if meta_len > end - META_AT as u64 || first > end {
        return Err(malformed("a length runs past the end of its section"));
    }
    let meta_end = META_AT as u64 + meta_len;
    if bytes[20..24] != [0; 4] {
        return Err(malformed("reserved header bytes are not zero"));
    }
    let mut secs = [(0usize, 0usize); N_SECTIONS];
    let mut crcs = [0u32; N_SECTIONS];
    let mut at = first;
    for (k, s) in secs.iter_mut().enumerate() {
        let e = 32 + ENTRY * k;
        let (off, len) = (u64_at(e), u64_at(e + 8));
        if off != at || len > end - off || pad8(off + len) > end {
            return Err(malformed("a length runs past the end of its section"));
        }
        if u32_at(e + 20) != 0 {
            return Err(malformed("reserved header bytes are not zero"));
        }
        crcs[k] = u32_at(e + 16);
        at = pad8(off + len);
        *s = (off as usize, len as usize);
    }
    if at != end {
        return Err(malformed("the sections do not end where the file does"));
    }
    // A section's checksum covers its padding: up to the next section (the trailing
    // checksum for the last).
    let extent = |k: usize| {
        let (off, len) = secs[k];
        off..pad8((off + len) as u64) as usize
    };
    let check = |k: Sec| -> Result<()> {
        let k = k as usize;
        if crc32fast::hash(&bytes[extent(k)]) != crcs[k] {
            return Err(bad(format!(
                "corrupted model file (checksum mismatch in section `{}`)",
                SEC_NAMES[k]
            )));
        }
        Ok(())
    };
    let meta: Meta = serde_json::from_slice(&bytes[META_AT..meta_end as usize])
        .map_err(|e| bad(format!("bad metadata: {e}")))?;
    if meta.format != "pitchsift-model" {
        return Err(bad(format!("unknown format tag `{}`", meta.format)));
    }
    for k in SCORING {
        check(k)?;
    }
    if what == Load::Full {
        for k in [Sec::TermBlocks, Sec::TermData, Sec::Counts] {
            check(k)?;
        }
    }
    let params = ValidTrainParams::new(meta.analyzer, meta.fit).map_err(|e| bad(e.to_string()))?;
    let hashed = params.analyzer().hash_bits.is_some();
    let ok_spec = |s: &Option<HashSpec>| s.as_ref().is_some_and(|s| s.function == HASH_NAME);
    let seed = match (hashed, &meta.fingerprint, &meta.buckets) {
        (false, Some(f), None) if ok_spec(&meta.fingerprint) => f.seed,
        (true, None, Some(b)) if ok_spec(&meta.buckets) && b.seed == BUCKET_SEED => 0,
        _ => {
            return Err(bad(
                "the model's term hash is not this pitchsift's (xxh3-64 with its seeds): \
                 retrain the model with this version (pitchsift-train)"
                    .into(),
            ))
        }
    };
    let k = meta.labels.len();
    if k == 0 || meta.class_docs.len() != k {
        return Err(bad("inconsistent labels".into()));
    }
    // Every count in the metadata is checked against its section's byte length, so
    // nothing below is sized from an unchecked number.
    let n = usize::try_from(meta.n_features).map_err(|_| malformed("too many features"))?;
    let e = usize::try_from(meta.n_corrections).map_err(|_| malformed("too many corrections"))?;
    let arr_err = || bad("section sizes differ from the metadata".into());
    if n >= u32::MAX as usize {
        return Err(arr_err());
    }
    fn view<T: Pod>(buf: &Arc<Buf>, sec: (usize, usize), count: Option<usize>) -> Option<Arr<T>> {
        let size = std::mem::size_of::<T>();
        let len = sec.1 / size;
        if !sec.1.is_multiple_of(size) || count.is_some_and(|c| c != len) {
            return None;
        }
        Arr::view(buf, sec.0, len)
    }
    let sec = |s: Sec| secs[s as usize];
    let labels: Arr<f64> = view(&buf, sec(Sec::Labels), Some(3 * k)).ok_or_else(arr_err)?;
    let part = |i: usize| labels[i * k..(i + 1) * k].to_vec();
    let opt_n = |s: Sec| -> Option<Arr<f64>> {
        let len = sec(s).1;
        view(&buf, sec(s), Some(if len == 0 { 0 } else { n }))
    };
    let classes = if k <= 256 {
        Classes::U8(view(&buf, sec(Sec::Classes), Some(e)).ok_or_else(arr_err)?)
    } else {
        Classes::U16(view(&buf, sec(Sec::Classes), Some(e)).ok_or_else(arr_err)?)
    };
    let table: Arr<f64> = view(&buf, sec(Sec::ValueTable), None).ok_or_else(arr_err)?;
    let values = if table.is_empty() && e > 0 {
        Values::Plain(view(&buf, sec(Sec::Values), Some(e)).ok_or_else(arr_err)?)
    } else {
        Values::Dict {
            table,
            index: view(&buf, sec(Sec::Values), Some(e)).ok_or_else(arr_err)?,
        }
    };
    let model = SparseModel {
        kind: params.fit().model,
        bias: part(0).into(),
        scale: part(1).into(),
        default: part(2).into(),
        base: opt_n(Sec::Base).ok_or_else(arr_err)?,
        mult: opt_n(Sec::Mult).ok_or_else(arr_err)?,
        offsets: view(&buf, sec(Sec::Offsets), n.checked_add(1)).ok_or_else(arr_err)?,
        classes,
        values,
    };
    model.validate(k, what == Load::Full).map_err(bad)?;
    let index = Index {
        seed,
        buckets: hashed,
        id_bits: id_bits_for(n),
        homes: homes_for(n),
        slots: view(&buf, sec(Sec::Slots), None).ok_or_else(arr_err)?,
        n: n as u32,
    };
    index.validate(n).map_err(bad)?;
    let blocks: Arr<u64> = view(&buf, sec(Sec::TermBlocks), Some(n.div_ceil(BLOCK) + 1))
        .ok_or_else(|| malformed("term list (offsets or UTF-8)"))?;
    let data: Arr<u8> = view(&buf, sec(Sec::TermData), None).ok_or_else(arr_err)?;
    if let Some(c) = &meta.calibration {
        c.check().map_err(bad)?;
    }
    let padded = |s: Sec| {
        let r = extent(s as usize);
        (
            Arr::view(&buf, r.start, r.end - r.start).expect("inside the file"),
            crcs[s as usize],
        )
    };
    let stored = StoredTerms::new(
        blocks.clone(),
        data.clone(),
        n,
        vec![padded(Sec::TermBlocks), padded(Sec::TermData)],
    );
    let mut clf = Classifier::from_file_parts(
        params,
        meta.labels.clone(),
        meta.class_docs.clone(),
        stored,
        model,
        index,
        meta.info,
    );
    clf.calibration = meta.calibration;
    if what == Load::Predict {
        return Ok(clf);
    }

    // A full load: the terms, checked, must be what the index was built from, and the
    // counts are parsed.
    let features = Terms::from_front_coded(&blocks, &data, n)
        .ok_or_else(|| malformed("term list (offsets or UTF-8)"))?;
    if !features.is_sorted_distinct() {
        return Err(bad("feature terms are not sorted".into()));
    }
    let keys: Vec<u64> = if hashed {
        let top = (1u64 << (64 - id_bits_for(n))) - 1;
        features
            .iter()
            .enumerate()
            .map(|(i, t)| bucket_of_term(t).unwrap_or(top - i as u64))
            .collect()
    } else {
        term_keys(&features, seed)
    };
    // The table must be the one built from the terms (so saving it again gives the
    // same bytes).
    let rebuilt = Index::build(seed, &keys, hashed);
    if rebuilt.as_ref().map(|r| &*r.slots) != Some(&*clf.index().slots) {
        return Err(bad("the term table does not match the terms".into()));
    }
    let (counts_at, counts_len) = sec(Sec::Counts);
    let mut cr = Reader {
        buf: &bytes[counts_at..counts_at + counts_len],
        name,
    };
    let n_terms = cr.count()?;
    if n_terms as u64 != meta.n_terms || (meta.counts_share_terms && n_terms != n) {
        return Err(bad("term count differs from metadata".into()));
    }
    let mut c = Counts {
        labels: meta.labels.clone(),
        class_docs: meta.class_docs.clone(),
        weight_scale_bits: meta.weight_scale_bits,
        terms: if meta.counts_share_terms {
            features.clone()
        } else {
            Terms::with_capacity(n_terms, 0)
        },
        offsets: Vec::with_capacity(n_terms + 1),
        stats: Vec::new(),
    };
    c.offsets.push(0);
    for _ in 0..n_terms {
        if !meta.counts_share_terms {
            c.terms.push(cr.str()?);
        }
        let kk = cr.count()?;
        for _ in 0..kk {
            let class = cr.varint()?;
            let (df, weight) = (cr.varint()?, cr.varint()?);
            if class >= k as u64 {
                return Err(bad("class id out of range in counts".into()));
            }
            c.stats.push(ClassStat {
                class: class as u32,
                df,
                weight,
            });
        }
        c.offsets.push(c.stats.len() as u64);
    }
    cr.end()?;
    c.validate().map_err(bad)?;
    let mut full = Classifier::from_parts(
        clf.params.clone(),
        clf.labels.clone(),
        clf.class_docs.clone(),
        features,
        clf.model.clone(),
        Some(c),
        clf.info.clone(),
    );
    full.calibration = clf.calibration.take();
    full.set_index(clf.index().clone());
    Ok(full)
}

struct Reader<'a> {
    buf: &'a [u8],
    name: &'a str,
}

impl<'a> Reader<'a> {
    fn err(&self, what: &str) -> Error {
        Error::bad_model(self.name, format!("malformed model file: {what}"))
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.buf.len() {
            return Err(self.err("a length runs past the end of its section"));
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }
    fn varint(&mut self) -> Result<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.take(1)?.first().unwrap();
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.err("varint too long"))
    }
    /// A count of items that take at least one byte each: bounded by what remains.
    fn count(&mut self) -> Result<usize> {
        let n = self.varint()?;
        if n > self.buf.len() as u64 {
            return Err(self.err("a count exceeds the bytes that remain"));
        }
        Ok(n as usize)
    }
    fn str(&mut self) -> Result<&'a str> {
        let n = self.count()?;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes).map_err(|_| self.err("term is not UTF-8"))
    }
    fn end(&self) -> Result<()> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(self.err("trailing bytes in a section"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks encoded in parallel are written in item order: the bytes equal one serial
    /// pass, for any block size and thread count (windows of several blocks included).
    #[test]
    fn write_blocks_equals_a_serial_pass() {
        let encode = |range: std::ops::Range<usize>, b: &mut Vec<u8>| {
            for i in range {
                varint(b, (i as u64).wrapping_mul(0x9E37_79B9) >> (i % 40));
            }
        };
        for n in [0usize, 1, 5, 1000, 100_003] {
            let mut serial = Vec::new();
            encode(0..n, &mut serial);
            for block in [1usize, 3, 1 << 10, 1 << 14] {
                for threads in [1, 3] {
                    let mut out = Vec::new();
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .unwrap()
                        .install(|| write_blocks(&mut out, n, block, encode))
                        .unwrap();
                    assert!(out == serial, "n {n} block {block} threads {threads}");
                }
            }
        }
    }
}
