//! The model file (format version 2): one self-describing, versioned, checksummed
//! file whose scoring arrays are stored as they are used, so prediction maps the file
//! and scores after reading its header and metadata.
//!
//! ```text
//! 0    magic     8 bytes  "PITCHSFT"
//! 8    version   u32 LE   FORMAT_VERSION
//! 12   length    u64 LE   length of the whole file, checksum included
//! 20   reserved  u32      0
//! 24   meta      u64 LE   length of the metadata
//! 32   sections  11 x (offset u64 LE, length u64 LE), in this order:
//!        labels      f64 x 3k: bias, scale, default of each label
//!        base        f64 per feature (empty: all zero)
//!        mult        f64 per feature (the IDF; empty: all one)
//!        offsets     u32 x (n_features + 1): corrections of feature f are [offsets[f], offsets[f+1])
//!        classes     u16 per correction: its label, ascending within a feature
//!        values      f64 per correction
//!        keys        u64 per feature: xxh3-64 fingerprint of the term (seed in the
//!                    metadata), or the bucket with --hash-bits
//!        slots       u32 x 2^b: open-addressing table of feature ids (u32::MAX = empty)
//!        term ends   u64 per feature: end offset of the term in `term bytes`
//!        term bytes  the feature terms, UTF-8, end to end (sorted bytewise)
//!        counts      varint count, then per counted term: [varint length + UTF-8,
//!                    unless the counted terms are the features] varint k,
//!                    k x (varint class, varint df, varint weight)
//! 208  META      JSON: analyzer and fitting settings, labels, document counts, sizes,
//!                fingerprint seed, training info, calibration
//!      each section starts 8-byte aligned (zero padding between)
//! end  crc32     u32 LE   CRC-32 (IEEE) of every byte before it
//! ```
//! Every offset and length is checked against the file before anything is read or
//! allocated, and the sections a load uses are checked for structure (sizes, ids in
//! range, finite values), so a forged file that passes the checksum is refused or
//! scores safely. Files are written to a temporary file in the same directory and
//! renamed into place, so a mapped model is never changed under its reader.
//!
//! Integrity: every load checks the whole file's CRC-32 (about 2 ms per 10 MB, run over
//! the mapped pages), then parses only what it needs: prediction the header, the
//! metadata and the structure of the scoring arrays; full loads (update, merge,
//! inspect) also the terms and the counts.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use crate::par::*;
use serde::{Deserialize, Serialize};

use crate::arr::{as_bytes, Arr, Buf, Pod};
use crate::calibrate::Calibration;
use crate::classifier::{Classifier, TrainInfo};
use crate::counts::{ClassStat, Counts};
use crate::error::{Error, Result};
use crate::fingerprint::{bucket_of_term, term_keys, Index, BUCKET_SEED};
use crate::model::SparseModel;
use crate::params::{FitParams, ValidTrainParams};
use crate::terms::Terms;
use crate::text::AnalyzerConfig;

/// The first eight bytes of every model file.
pub const MAGIC: &[u8; 8] = b"PITCHSFT";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 2;
/// Magic, version, length.
const HEADER: usize = 8 + 4 + 8;
/// Number of sections in the table.
pub const N_SECTIONS: usize = 11;
/// Where the metadata starts: the header, a reserved word, the metadata length and the
/// section table.
pub const META_AT: usize = 32 + 16 * N_SECTIONS;
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
    Keys,
    Slots,
    TermEnds,
    TermBytes,
    Counts,
}

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

/// Bytes of `v` as a varint.
fn varint_len(v: u64) -> u64 {
    (64 - (v | 1).leading_zeros() as u64).div_ceil(7)
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

/// Write the model file to `w` as it is made: the section sizes are computed first
/// (the header holds the file's length and the section table), then the sections
/// stream through the checksum, so saving needs no copy of the file in memory. The
/// classifier must carry its counts ([`check_has_counts`]).
fn write_model(clf: &Classifier, w: &mut dyn Write) -> std::io::Result<()> {
    let counts = clf.counts.as_ref().expect("checked by the caller");
    let model = &clf.model;
    let index = clf.index();
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
    let (term_bytes, term_ends) = clf.features().parts();
    let counts_len = varint_len(counts.n_terms() as u64)
        + (0..counts.n_terms())
            .into_par_iter()
            .map(|i| {
                let t = counts.terms[i].len() as u64;
                let stats = counts.term_stats(i);
                let name = if share { 0 } else { varint_len(t) + t };
                name + varint_len(stats.len() as u64)
                    + stats
                        .iter()
                        .map(|s| {
                            varint_len(s.class as u64) + varint_len(s.df) + varint_len(s.weight)
                        })
                        .sum::<u64>()
            })
            .sum::<u64>();
    let labels_len = 8 * 3 * model.n_classes() as u64;
    let bytes_of = |len: usize, size: usize| (len * size) as u64;
    let lens: [u64; N_SECTIONS] = [
        labels_len,
        bytes_of(model.base.len(), 8),
        bytes_of(model.mult.len(), 8),
        bytes_of(model.offsets.len(), 4),
        bytes_of(model.classes.len(), 2),
        bytes_of(model.values.len(), 8),
        bytes_of(index.keys.len(), 8),
        bytes_of(index.slots.len(), 4),
        bytes_of(term_ends.len(), 8),
        term_bytes.len() as u64,
        counts_len,
    ];
    let mut offsets = [0u64; N_SECTIONS];
    let mut at = pad8(META_AT as u64 + meta.len() as u64);
    for (o, &l) in offsets.iter_mut().zip(&lens) {
        *o = at;
        at = pad8(at + l);
    }
    let total = at + 4;

    // Buffered before the checksum: the checksum sees 1 MiB blocks (its fast path), not
    // each varint.
    let mut w = std::io::BufWriter::with_capacity(
        1 << 20,
        Crc {
            inner: w,
            crc: crc32fast::Hasher::new(),
        },
    );
    w.write_all(MAGIC)?;
    w.write_all(&FORMAT_VERSION.to_le_bytes())?;
    w.write_all(&total.to_le_bytes())?;
    w.write_all(&0u32.to_le_bytes())?;
    w.write_all(&(meta.len() as u64).to_le_bytes())?;
    for (o, l) in offsets.iter().zip(&lens) {
        w.write_all(&o.to_le_bytes())?;
        w.write_all(&l.to_le_bytes())?;
    }
    w.write_all(&meta)?;
    let mut written = META_AT as u64 + meta.len() as u64;
    let zeros = [0u8; 8];
    let mut section =
        |w: &mut std::io::BufWriter<Crc<_>>,
         k: Sec,
         fill: &mut dyn FnMut(&mut std::io::BufWriter<Crc<_>>) -> std::io::Result<()>|
         -> std::io::Result<()> {
            let at = offsets[k as usize];
            w.write_all(&zeros[..(at - written) as usize])?;
            fill(w)?;
            written = at + lens[k as usize];
            Ok(())
        };
    let mut labels: Vec<f64> = Vec::with_capacity(3 * model.n_classes());
    labels.extend_from_slice(&model.bias);
    labels.extend_from_slice(&model.scale);
    labels.extend_from_slice(&model.default);
    section(&mut w, Sec::Labels, &mut |w| w.write_all(as_bytes(&labels)))?;
    section(&mut w, Sec::Base, &mut |w| {
        w.write_all(as_bytes(&model.base))
    })?;
    section(&mut w, Sec::Mult, &mut |w| {
        w.write_all(as_bytes(&model.mult))
    })?;
    section(&mut w, Sec::Offsets, &mut |w| {
        w.write_all(as_bytes(&model.offsets))
    })?;
    section(&mut w, Sec::Classes, &mut |w| {
        w.write_all(as_bytes(&model.classes))
    })?;
    section(&mut w, Sec::Values, &mut |w| {
        w.write_all(as_bytes(&model.values))
    })?;
    section(&mut w, Sec::Keys, &mut |w| {
        w.write_all(as_bytes(&index.keys))
    })?;
    section(&mut w, Sec::Slots, &mut |w| {
        w.write_all(as_bytes(&index.slots))
    })?;
    section(&mut w, Sec::TermEnds, &mut |w| {
        w.write_all(as_bytes(term_ends))
    })?;
    section(&mut w, Sec::TermBytes, &mut |w| w.write_all(term_bytes))?;
    section(&mut w, Sec::Counts, &mut |w| {
        let mut b = Vec::new();
        varint(&mut b, counts.n_terms() as u64);
        w.write_all(&b)?;
        write_blocks(w, counts.n_terms(), 1 << 14, |range, b| {
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
        })
    })?;
    w.write_all(&zeros[..(at - written) as usize])?;
    let Crc { inner, crc } = w.into_inner().map_err(|e| e.into_error())?;
    inner.write_all(&crc.finalize().to_le_bytes())?;
    inner.flush()
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
    check_has_counts(clf)?;
    write_atomic_with(path, &mut |w| write_model(clf, w))
}

// The atomic writing of files lives in `crate::io::output` (one for every output).
#[cfg(feature = "fs")]
pub use crate::io::output::{is_special, set_readable, write_atomic, write_atomic_with};

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

/// The one parser behind every loader: header, checksum, section table, metadata, then
/// the sections `what` needs, used in place.
fn parse(buf: Arc<Buf>, name: &str, what: Load) -> Result<Classifier> {
    let bytes = buf.bytes();
    let size = bytes.len() as u64;
    check_header(bytes, size, name)?;
    let bad = |m: String| Error::bad_model(name, m);
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if crc32fast::hash(body) != u32::from_le_bytes(crc.try_into().unwrap()) {
        return Err(bad("corrupted model file (checksum mismatch)".to_string()));
    }
    let malformed = |m: &str| bad(format!("malformed model file: {m}"));
    let u64_at = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    let end = size - 4;
    if bytes[20..24] != [0; 4] {
        return Err(malformed("reserved header bytes are not zero"));
    }
    let meta_len = u64_at(24);
    if meta_len > end - META_AT as u64 {
        return Err(malformed("a length runs past the end of its section"));
    }
    let meta_end = META_AT as u64 + meta_len;
    let mut secs = [(0usize, 0usize); N_SECTIONS];
    let mut prev = meta_end;
    for (k, s) in secs.iter_mut().enumerate() {
        let (off, len) = (u64_at(32 + 16 * k), u64_at(40 + 16 * k));
        if off % 8 != 0 || off < prev || off > end || len > end - off {
            return Err(malformed("a length runs past the end of its section"));
        }
        prev = off + len;
        *s = (off as usize, len as usize);
    }
    let meta: Meta = serde_json::from_slice(&bytes[META_AT..meta_end as usize])
        .map_err(|e| bad(format!("bad metadata: {e}")))?;
    if meta.format != "pitchsift-model" {
        return Err(bad(format!("unknown format tag `{}`", meta.format)));
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
    fn view<T: Pod>(buf: &Arc<Buf>, sec: (usize, usize), count: Option<usize>) -> Option<Arr<T>> {
        let size = std::mem::size_of::<T>();
        let len = sec.1 / size;
        if sec.1 % size != 0 || count.is_some_and(|c| c != len) {
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
    let model = SparseModel {
        kind: params.fit().model,
        bias: part(0).into(),
        scale: part(1).into(),
        default: part(2).into(),
        base: opt_n(Sec::Base).ok_or_else(arr_err)?,
        mult: opt_n(Sec::Mult).ok_or_else(arr_err)?,
        offsets: view(&buf, sec(Sec::Offsets), n.checked_add(1)).ok_or_else(arr_err)?,
        classes: view(&buf, sec(Sec::Classes), Some(e)).ok_or_else(arr_err)?,
        values: view(&buf, sec(Sec::Values), Some(e)).ok_or_else(arr_err)?,
    };
    model.validate(k).map_err(bad)?;
    let index = Index {
        seed,
        keys: view(&buf, sec(Sec::Keys), Some(n)).ok_or_else(arr_err)?,
        slots: view(&buf, sec(Sec::Slots), None).ok_or_else(arr_err)?,
    };
    index.validate(n).map_err(bad)?;
    let ends: Arr<u64> = view(&buf, sec(Sec::TermEnds), Some(n)).ok_or_else(arr_err)?;
    let term_bytes: Arr<u8> = view(&buf, sec(Sec::TermBytes), None).ok_or_else(arr_err)?;
    if let Some(c) = &meta.calibration {
        c.check().map_err(bad)?;
    }
    let mut clf = Classifier::from_file_parts(
        params,
        meta.labels.clone(),
        meta.class_docs.clone(),
        (ends.clone(), term_bytes.clone()),
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
    let features = Terms::from_parts(term_bytes.to_vec(), ends.to_vec())
        .ok_or_else(|| malformed("term list (offsets or UTF-8)"))?;
    if !features.is_sorted_distinct() {
        return Err(bad("feature terms are not sorted".into()));
    }
    let keys_ok = if hashed {
        features
            .iter()
            .zip(clf.index().keys.iter())
            .all(|(t, &key)| bucket_of_term(t) == Some(key))
    } else {
        term_keys(&features, seed)[..] == clf.index().keys[..]
    };
    let ix = clf.index();
    if !keys_ok || !(0..n).all(|i| ix.find(ix.keys[i]) == Some(i as u32)) {
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

    #[test]
    fn varint_len_is_the_written_length() {
        let mut values = vec![0, 1, 127, 128, 16_383, 16_384, u32::MAX as u64, u64::MAX];
        values.extend((0..64).map(|b| 1u64 << b));
        values.extend((1..64).map(|b| (1u64 << b) - 1));
        for v in values {
            let mut out = Vec::new();
            varint(&mut out, v);
            assert_eq!(varint_len(v), out.len() as u64, "{v}");
        }
    }
}
