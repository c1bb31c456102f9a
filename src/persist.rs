//! The model file: one self-describing, versioned, checksummed file.
//!
//! ```text
//! magic     8 bytes  "PITCHSFT"
//! version   u32 LE   FORMAT_VERSION
//! length    u64 LE   length of the whole file, checksum included
//! META      u64 LE length + JSON: analyzer and fitting settings, labels, document
//!                    counts, sizes, training info
//! FEATURES  u64 LE length + varint count, then per feature term: varint length + UTF-8
//! PARAMS    u64 LE length + f64 LE weights (n_features x n_classes, row-major) + f64 LE bias
//! COUNTS    u64 LE length + varint count, then per term: varint length + UTF-8, varint k,
//!                    k x (varint class, varint df, varint weight)
//! crc32     u32 LE   CRC-32 (IEEE) of every byte before it
//! ```
//! Every length and count is checked against the bytes that remain before anything is
//! allocated, so a crafted header cannot ask for a huge allocation. Files are written
//! to a temporary file in the same directory and renamed into place.

use std::io::Write;
use std::path::Path;

use crate::par::*;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::calibrate::Calibration;
use crate::classifier::{Classifier, TrainInfo};
use crate::counts::{ClassStat, Counts};
use crate::error::{Error, Result};
use crate::model::NbModel;
use crate::params::{FitParams, ValidTrainParams};
use crate::terms::Terms;
use crate::text::AnalyzerConfig;

/// The first eight bytes of every model file.
pub const MAGIC: &[u8; 8] = b"PITCHSFT";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
const HEADER: usize = 8 + 4 + 8;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Meta {
    format: String,
    analyzer: AnalyzerConfig,
    fit: FitParams,
    labels: Vec<String>,
    class_docs: Vec<u64>,
    n_features: u64,
    n_terms: u64,
    weight_scale_bits: u8,
    info: TrainInfo,
    /// Absent in models without calibration (and in files written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    calibration: Option<Calibration>,
}

/// What to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Load {
    /// What prediction needs (the full counts are checked by the checksum but not parsed).
    Predict,
    /// Everything, including the full counts.
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

/// Write the model file to `w` as it is made: the section sizes are computed first
/// (the header holds the file's length), then the sections stream through the checksum,
/// so saving needs no copy of the file in memory. The classifier must carry its counts
/// ([`check_has_counts`]).
fn write_model(clf: &Classifier, w: &mut dyn Write) -> std::io::Result<()> {
    let counts = clf.counts.as_ref().expect("checked by the caller");
    let meta = Meta {
        format: "pitchsift-model".into(),
        analyzer: clf.params.analyzer.clone(),
        fit: clf.params.fit.clone(),
        labels: clf.labels.clone(),
        class_docs: clf.class_docs.clone(),
        n_features: clf.features.len() as u64,
        n_terms: counts.n_terms() as u64,
        weight_scale_bits: counts.weight_scale_bits,
        info: clf.info.clone(),
        calibration: clf.calibration.clone(),
    };
    let meta = serde_json::to_vec(&meta).expect("meta serialises");
    let n_features = clf.features.len() as u64;
    let features_len = varint_len(n_features)
        + clf
            .features
            .iter()
            .map(|t| varint_len(t.len() as u64) + t.len() as u64)
            .sum::<u64>();
    let params_len = 8 * (clf.model.weights.len() + clf.model.bias.len()) as u64;
    let counts_len = varint_len(counts.n_terms() as u64)
        + (0..counts.n_terms())
            .into_par_iter()
            .map(|i| {
                let t = counts.terms[i].len() as u64;
                let stats = counts.term_stats(i);
                varint_len(t)
                    + t
                    + varint_len(stats.len() as u64)
                    + stats
                        .iter()
                        .map(|s| {
                            varint_len(s.class as u64) + varint_len(s.df) + varint_len(s.weight)
                        })
                        .sum::<u64>()
            })
            .sum::<u64>();
    let total =
        HEADER as u64 + 8 * 4 + meta.len() as u64 + features_len + params_len + counts_len + 4;

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
    let mut buf: Vec<u8> = Vec::with_capacity(64);
    let mut put_varint = |w: &mut std::io::BufWriter<Crc<_>>, v: u64| -> std::io::Result<()> {
        buf.clear();
        varint(&mut buf, v);
        w.write_all(&buf)
    };
    w.write_all(&(meta.len() as u64).to_le_bytes())?;
    w.write_all(&meta)?;
    w.write_all(&features_len.to_le_bytes())?;
    put_varint(&mut w, n_features)?;
    write_blocks(&mut w, clf.features.len(), 1 << 14, |range, b| {
        for t in range.map(|i| clf.features.bytes(i)) {
            varint(b, t.len() as u64);
            b.extend_from_slice(t);
        }
    })?;
    w.write_all(&params_len.to_le_bytes())?;
    let weights = clf.model.weights.as_slice().expect("standard layout");
    write_blocks(&mut w, weights.len(), 1 << 16, |range, b| {
        for v in &weights[range] {
            b.extend_from_slice(&v.to_le_bytes());
        }
    })?;
    for v in clf.model.bias.iter() {
        w.write_all(&v.to_le_bytes())?;
    }
    w.write_all(&counts_len.to_le_bytes())?;
    put_varint(&mut w, counts.n_terms() as u64)?;
    write_blocks(&mut w, counts.n_terms(), 1 << 14, |range, b| {
        for i in range {
            let t = counts.terms.bytes(i);
            varint(b, t.len() as u64);
            b.extend_from_slice(t);
            let stats = counts.term_stats(i);
            varint(b, stats.len() as u64);
            for s in stats {
                varint(b, s.class as u64);
                varint(b, s.df);
                varint(b, s.weight);
            }
        }
    })?;
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

/// Load a model file.
pub fn load(path: &Path, what: Load) -> Result<Classifier> {
    if what == Load::Predict {
        return load_for_prediction(path);
    }
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    from_bytes(&bytes, &path.display().to_string(), what)
}

/// Files smaller than this are read whole even for prediction.
const STREAM_ABOVE: u64 = 1 << 20;

/// Load what prediction needs: the metadata, the features and the parameters are read
/// into memory; the full counts (most of a large model's file) are only streamed
/// through the checksum, in 1 MiB chunks, so peak memory is what prediction keeps.
/// The same checks as [`from_bytes`], in the same order of severity.
fn load_for_prediction(path: &Path) -> Result<Classifier> {
    use std::io::Read;
    let name = path.display().to_string();
    let io = |e| Error::io(path, e);
    let mut f = std::fs::File::open(path).map_err(io)?;
    let size = f.metadata().map_err(io)?.len();
    if size < STREAM_ABOVE {
        let mut bytes = Vec::with_capacity(size as usize);
        f.read_to_end(&mut bytes).map_err(io)?;
        return from_bytes(&bytes, &name, Load::Predict);
    }
    let bad = |m: String| Error::bad_model(&name, m);
    let mut prefix = vec![0u8; HEADER];
    f.read_exact(&mut prefix).map_err(io)?;
    check_header(&prefix, size, &name)?;
    let past_end = || bad("malformed model file: a length runs past the end of its section".into());
    // The metadata and feature sections: each length is checked against what the file
    // has left before anything is allocated for it.
    for _ in 0..2 {
        let mut len = [0u8; 8];
        f.read_exact(&mut len).map_err(io)?;
        prefix.extend_from_slice(&len);
        let len = u64::from_le_bytes(len);
        if len > size - prefix.len() as u64 - 4 {
            return Err(past_end());
        }
        let at = prefix.len();
        prefix.resize(at + len as usize, 0);
        f.read_exact(&mut prefix[at..]).map_err(io)?;
    }
    let mut crc = crc32fast::Hasher::new();
    crc.update(&prefix);
    let mut buf = vec![0u8; 1 << 20];
    // Read `len` bytes in chunks through the checksum, handing each chunk to `each`.
    let mut stream = |len: u64, each: &mut dyn FnMut(&[u8])| -> Result<()> {
        let mut left = len;
        while left > 0 {
            let n = left.min(buf.len() as u64) as usize;
            f.read_exact(&mut buf[..n]).map_err(io)?;
            crc.update(&buf[..n]);
            each(&buf[..n]);
            left -= n as u64;
        }
        Ok(())
    };
    // The parameters, decoded straight into their array (8-byte chunks: 1 MiB is a
    // multiple of 8).
    let mut len = [0u8; 8];
    stream(8, &mut |b| len.copy_from_slice(b))?;
    let plen = u64::from_le_bytes(len);
    if plen > size - prefix.len() as u64 - 8 - 4 {
        return Err(past_end());
    }
    if plen % 8 != 0 {
        return Err(bad("parameter section has the wrong size".into()));
    }
    let mut floats: Vec<f64> = Vec::with_capacity((plen / 8) as usize);
    stream(plen, &mut |b| {
        floats.extend(
            b.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap())),
        )
    })?;
    // The counts section: its length must account for the rest of the file.
    stream(8, &mut |b| len.copy_from_slice(b))?;
    let rest = size - prefix.len() as u64 - 8 - plen - 8 - 4;
    if u64::from_le_bytes(len) != rest {
        return Err(bad(
            "malformed model file: the counts section does not end where the file does".into(),
        ));
    }
    stream(rest, &mut |_| {})?;
    let mut stored = [0u8; 4];
    f.read_exact(&mut stored).map_err(io)?;
    if crc.finalize() != u32::from_le_bytes(stored) {
        return Err(bad("corrupted model file (checksum mismatch)".into()));
    }
    parse(&prefix[HEADER..], &name, Load::Predict, Some(floats))
}

/// Magic, version and declared length of a model file of `size` bytes.
fn check_header(bytes: &[u8], size: u64, name: &str) -> Result<()> {
    let bad = |m: String| Error::bad_model(name, m);
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(bad("not a pitchsift model file (wrong magic bytes)".into()));
    }
    if size < (HEADER + 4) as u64 || bytes.len() < HEADER {
        return Err(bad(format!("truncated model file ({size} bytes)")));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().unwrap());
    if version != FORMAT_VERSION {
        return Err(bad(format!(
            "model format version {version}; this pitchsift reads version {FORMAT_VERSION}: retrain the model with this \
             version (pitchsift-train), or use the pitchsift release that wrote it"
        )));
    }
    let declared = u64::from_le_bytes(bytes[12..20].try_into().unwrap());
    if declared != size {
        return Err(bad(format!(
            "truncated or extended model file: header says {declared} bytes, file has {size}"
        )));
    }
    Ok(())
}

/// Parse a model from bytes; `name` is used in messages.
pub fn from_bytes(bytes: &[u8], name: &str, what: Load) -> Result<Classifier> {
    check_header(bytes, bytes.len() as u64, name)?;
    let (body, crc) = bytes.split_at(bytes.len() - 4);
    if crc32fast::hash(body) != u32::from_le_bytes(crc.try_into().unwrap()) {
        return Err(Error::bad_model(
            name,
            "corrupted model file (checksum mismatch)".to_string(),
        ));
    }
    parse(&body[HEADER..], name, what, None)
}

/// Parse the sections after the header (checksum already verified). With `streamed`
/// (the parameters, already decoded) the body ends after the features: parameters and
/// counts were streamed by [`load_for_prediction`].
fn parse(body: &[u8], name: &str, what: Load, streamed: Option<Vec<f64>>) -> Result<Classifier> {
    let has_counts = streamed.is_none();
    let bad = |m: String| Error::bad_model(name, m);
    let mut r = Reader { buf: body, name };
    let meta: Meta =
        serde_json::from_slice(r.section()?).map_err(|e| bad(format!("bad metadata: {e}")))?;
    if meta.format != "pitchsift-model" {
        return Err(bad(format!("unknown format tag `{}`", meta.format)));
    }
    let params = ValidTrainParams {
        analyzer: meta.analyzer,
        fit: meta.fit,
    };
    params.analyzer.check().map_err(|e| bad(e.to_string()))?;
    params.fit.check().map_err(|e| bad(e.to_string()))?;
    let n_classes = meta.labels.len();
    if n_classes == 0 || meta.class_docs.len() != n_classes {
        return Err(bad("inconsistent labels".into()));
    }

    let mut fr = Reader {
        buf: r.section()?,
        name,
    };
    let n_features = fr.count()?;
    if n_features as u64 != meta.n_features {
        return Err(bad("feature count differs from metadata".into()));
    }
    let features = fr.terms(n_features)?;
    if !features.is_sorted_distinct() {
        return Err(bad("feature terms are not sorted".into()));
    }
    fr.end()?;

    let n_params = n_features
        .checked_mul(n_classes)
        .and_then(|n| n.checked_add(n_classes));
    let mut floats: Vec<f64> = match streamed {
        Some(floats) => floats,
        None => {
            let pbuf = r.section()?;
            if n_params.and_then(|n| n.checked_mul(8)) != Some(pbuf.len()) {
                return Err(bad("parameter section has the wrong size".into()));
            }
            pbuf.chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                .collect()
        }
    };
    if n_params != Some(floats.len()) {
        return Err(bad("parameter section has the wrong size".into()));
    }
    if floats.iter().any(|v| !v.is_finite()) {
        return Err(bad("non-finite parameter".into()));
    }
    let bias = Array1::from(floats.split_off(n_features * n_classes));
    let weights =
        Array2::from_shape_vec((n_features, n_classes), floats).map_err(|e| bad(e.to_string()))?;
    let model = NbModel {
        kind: params.fit.model,
        weights,
        bias,
    };

    let cbuf = if has_counts { r.section()? } else { &[] };
    r.end()?;
    let counts = match what {
        Load::Predict => None,
        Load::Full => {
            let mut cr = Reader { buf: cbuf, name };
            let n_terms = cr.count()?;
            if n_terms as u64 != meta.n_terms {
                return Err(bad("term count differs from metadata".into()));
            }
            let mut c = Counts {
                labels: meta.labels.clone(),
                class_docs: meta.class_docs.clone(),
                weight_scale_bits: meta.weight_scale_bits,
                terms: Terms::with_capacity(n_terms, 0),
                offsets: Vec::with_capacity(n_terms + 1),
                stats: Vec::new(),
            };
            c.offsets.push(0);
            for _ in 0..n_terms {
                c.terms.push(cr.str()?);
                let k = cr.count()?;
                for _ in 0..k {
                    let class = cr.varint()?;
                    let (df, weight) = (cr.varint()?, cr.varint()?);
                    if class >= n_classes as u64 {
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
            Some(c)
        }
    };
    if let Some(c) = &meta.calibration {
        c.check().map_err(bad)?;
    }
    let mut clf = Classifier::from_parts(
        params,
        meta.labels,
        meta.class_docs,
        features,
        model,
        counts,
        meta.info,
    );
    clf.calibration = meta.calibration;
    Ok(clf)
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
    fn section(&mut self) -> Result<&'a [u8]> {
        let len = u64::from_le_bytes(self.take(8)?.try_into().unwrap());
        let len = usize::try_from(len).map_err(|_| self.err("section length too large"))?;
        self.take(len)
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
    /// `n` length-prefixed terms, into one buffer.
    fn terms(&mut self, n: usize) -> Result<Terms> {
        let mut bytes = Vec::with_capacity(self.buf.len());
        let mut ends = Vec::with_capacity(n);
        for _ in 0..n {
            let len = self.count()?;
            bytes.extend_from_slice(self.take(len)?);
            ends.push(bytes.len() as u64);
        }
        bytes.shrink_to_fit();
        Terms::from_parts(bytes, ends).ok_or_else(|| self.err("term is not UTF-8"))
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
