//! The model file against damage and forgery: every truncation and every single-byte
//! corruption of a real model is refused by `model_file::from_bytes` (prediction loads
//! refuse damage in everything they read: header, metadata, scoring sections; the
//! terms when first read; full loads everything); headers and counts asking for huge
//! sizes are refused before anything that size is allocated; another format version is
//! named, with what to do.

mod common;
#[path = "common/fuzz_checks.rs"]
mod fuzz_checks;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::{Path, PathBuf};

use pitchsift::model_file::ENTRY;
use pitchsift::model_file::{self, Load, FORMAT_VERSION, MAGIC, META_AT, N_SECTIONS};
use pitchsift::params::TrainParams;
use pitchsift::Error;

// Sets the declared length and every checksum to match the bytes (a forger's file): the
// same resealing the model-loading fuzz target does.
use fuzz_checks::reseal;

/// Records the largest single allocation made by the current thread, so a test can tell
/// what loading a crafted file asked for.
struct Tracking;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|m| {
        if size > m.get() {
            m.set(size)
        }
    });
}

unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout)
    }
}

#[global_allocator]
static ALLOC: Tracking = Tracking;

/// Run `f`; return its result and the largest allocation it made on this thread.
fn largest_alloc<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|m| m.set(0));
    let r = f();
    (r, LARGEST.with(|m| m.get()))
}

/// A real model, small: the fixture corpus, unigrams only.
fn small_model() -> Vec<u8> {
    let params = TrainParams::default().ngrams(1, 1).check().unwrap();
    let path = common::repo_file("data/fixtures/tiny.csv");
    let clf = common::train_csv(&[path], &params);
    model_file::to_bytes(&clf).unwrap()
}

/// A smaller real model for the tests that try every byte value or reparse every bit
/// flip: the first message of each label of the fixture (5 documents), unigrams.
fn mini_model() -> Vec<u8> {
    let params = TrainParams::default().ngrams(1, 1).check().unwrap();
    let path = common::repo_file("data/fixtures/tiny.csv");
    let mut r = csv::Reader::from_path(path).unwrap();
    let mut docs: Vec<(String, String)> = Vec::new();
    for rec in r.records() {
        let rec = rec.unwrap();
        if !docs.iter().any(|d| d.1 == rec[0]) {
            docs.push((rec[1].to_string(), rec[0].to_string()));
        }
    }
    let pairs: Vec<(&str, &str)> = docs.iter().map(|(t, l)| (&**t, &**l)).collect();
    let clf =
        pitchsift::Classifier::fit(common::test_util::count(&pairs, &params), &params, "mini")
            .unwrap();
    model_file::to_bytes(&clf).unwrap()
}

fn load(bytes: &[u8]) -> pitchsift::Result<pitchsift::Classifier> {
    model_file::from_bytes(bytes, "m.model", Load::Full)
}

fn message(r: pitchsift::Result<pitchsift::Classifier>) -> String {
    match r {
        Ok(_) => panic!("loaded a damaged model"),
        Err(e @ Error::BadModel { .. }) => e.to_string(),
        Err(e) => panic!("not a BadModel error: {e}"),
    }
}

/// A sealed file from the metadata and the sections' contents (each 8-aligned).
fn craft(meta: &[u8], secs: &[Vec<u8>]) -> Vec<u8> {
    assert_eq!(secs.len(), N_SECTIONS);
    let pad = |n: usize| n.div_ceil(8) * 8;
    let mut b = MAGIC.to_vec();
    b.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    b.extend_from_slice(&0u64.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&(meta.len() as u64).to_le_bytes());
    let mut at = pad(META_AT + meta.len());
    for s in secs {
        b.extend_from_slice(&(at as u64).to_le_bytes());
        b.extend_from_slice(&(s.len() as u64).to_le_bytes());
        b.extend_from_slice(&[0; 8]);
        at = pad(at + s.len());
    }
    b.extend_from_slice(meta);
    for s in secs {
        b.resize(pad(b.len()), 0);
        b.extend_from_slice(s);
    }
    b.resize(pad(b.len()), 0);
    b.extend_from_slice(&[0; 4]);
    reseal(&mut b);
    b
}

fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

/// Byte ranges of the metadata (0) and the sections (1..=N_SECTIONS) in a file
/// written by `to_bytes`.
fn sections(bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
    let u = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap()) as usize;
    let mut out = Vec::with_capacity(N_SECTIONS + 1);
    out.push(META_AT..META_AT + u(24));
    for k in 0..N_SECTIONS {
        let (off, len) = (u(32 + ENTRY * k), u(40 + ENTRY * k));
        out.push(off..off + len);
    }
    assert_eq!(out[N_SECTIONS].end.div_ceil(8) * 8, bytes.len() - 4);
    out
}

/// Where the length of range `i` of [`sections`] is stored.
fn length_field(i: usize) -> usize {
    if i == 0 {
        24
    } else {
        40 + ENTRY * (i - 1)
    }
}

/// The section contents of a file written by `to_bytes`.
fn contents(bytes: &[u8]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let secs = sections(bytes);
    (
        bytes[secs[0].clone()].to_vec(),
        secs[1..]
            .iter()
            .map(|r| bytes[r.clone()].to_vec())
            .collect(),
    )
}

/// Section numbers (1-based in [`sections`]).
const TERM_BLOCKS: usize = 9;
const COUNTS: usize = 11;

/// Whether byte `i` lies in a section that prediction does not read when it loads
/// (the term sections, read on first use, and the counts), with its padding.
fn read_later(bytes: &[u8], i: usize) -> bool {
    let secs = sections(bytes);
    let end = |k: usize| secs[k].end.div_ceil(8) * 8;
    (secs[TERM_BLOCKS].start..end(COUNTS)).contains(&i)
}

#[test]
fn the_small_models_load_and_predict_like_the_originals() {
    let mini = mini_model();
    assert!((1000..8_000).contains(&mini.len()), "{} bytes", mini.len());
    let clf = load(&mini).unwrap();
    assert_eq!(model_file::to_bytes(&clf).unwrap(), mini, "load then save");
    assert_eq!(clf.labels.len(), 5);
    let bytes = small_model();
    assert!(
        (8_000..32_000).contains(&bytes.len()),
        "{} bytes",
        bytes.len()
    );
    let clf = load(&bytes).unwrap();
    assert_eq!(model_file::to_bytes(&clf).unwrap(), bytes, "load then save");
    let p = clf.predict("can I book a quick demo of our platform?");
    assert_eq!(clf.labels[p.class], "sales");
}

#[test]
fn every_truncation_is_refused() {
    let bytes = small_model();
    for n in 0..bytes.len() {
        for what in [Load::Full, Load::Predict] {
            let m = message(model_file::from_bytes(&bytes[..n], "m.model", what));
            assert!(
                m.contains("truncated") || m.contains("wrong magic"),
                "cut at {n}: {m}"
            );
        }
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(message(load(&longer)).contains("header says"));
}

/// Every single-bit flip at every byte of the fixture's model (8 x ~20,000 files) is
/// refused by a full load, and by a prediction load unless it hit a section prediction
/// does not read (terms, counts): then the terms, when read, are reported damaged (a
/// flip in the terms), and the next full load refuses it.
#[test]
fn every_bit_flip_is_refused() {
    let bytes = small_model();
    let secs = sections(&bytes);
    let mut damaged = bytes.clone();
    let (mut later, mut terms) = (0, 0);
    for i in 0..bytes.len() {
        for bit in 0..8 {
            damaged[i] ^= 1 << bit;
            let full = model_file::from_bytes(&damaged, "m.model", Load::Full);
            assert!(
                matches!(full, Err(Error::BadModel { .. })),
                "byte {i} bit {bit} not detected by a full load"
            );
            let r = model_file::from_bytes(&damaged, "m.model", Load::Predict);
            if read_later(&bytes, i) {
                let clf = r.unwrap();
                later += 1;
                if i < secs[COUNTS].start {
                    assert!(clf.check_features("m").is_err(), "byte {i} bit {bit}");
                    terms += 1;
                } else {
                    clf.check_features("m").unwrap();
                }
            } else {
                assert!(
                    matches!(r, Err(Error::BadModel { .. })),
                    "byte {i} bit {bit} not detected"
                );
            }
            damaged[i] ^= 1 << bit;
        }
    }
    assert!(later > 0 && terms > 0 && terms < later, "{terms} {later}");
}

/// All 255 other values at every byte of the 5-document model: 255 x len damaged
/// files, each refused, with the message for the part that was hit.
#[test]
fn every_single_byte_corruption_is_refused() {
    let bytes = mini_model();
    let mut damaged = bytes.clone();
    let mut tried = 0u64;
    for i in 0..bytes.len() {
        for v in 0..=255u8 {
            if v == bytes[i] {
                continue;
            }
            damaged[i] = v;
            let m = message(load(&damaged));
            let expected = match i {
                0..=7 => "wrong magic",
                8..=11 => "model format version",
                12..=19 => "header says",
                _ => "checksum mismatch",
            };
            assert!(m.contains(expected), "byte {i} = {v}: {m}");
            tried += 1;
        }
        damaged[i] = bytes[i];
    }
    assert_eq!(tried, 255 * bytes.len() as u64);
}

/// Past the checksum (a forger recomputes it), every single-bit flip either loads or is
/// refused with a message: never a panic, never a huge allocation.
#[test]
fn resealed_bit_flips_never_panic() {
    let bytes = mini_model();
    let secs = sections(&bytes);
    let (mut refused, mut loaded) = (0, 0);
    for i in 20..bytes.len() - 4 {
        for bit in 0..8 {
            let mut d = bytes.clone();
            d[i] ^= 1 << bit;
            reseal(&mut d);
            let (r, largest) = largest_alloc(|| load(&d));
            assert!(largest < 1 << 20, "byte {i} bit {bit}: {largest} bytes");
            match r {
                Ok(clf) => {
                    loaded += 1;
                    // A weight or a count changed: still a usable model.
                    let p = clf.predict("quick demo call this week");
                    assert!(p.probabilities.iter().all(|v| v.is_finite()));
                }
                Err(Error::BadModel { .. }) => refused += 1,
                Err(e) => panic!("byte {i} bit {bit}: not a BadModel error: {e}"),
            }
        }
    }
    // Flips in the metadata and the term lists are caught by the parser.
    assert!(refused > 8 * (secs[0].len() / 2), "{refused} refused");
    eprintln!("resealed bit flips: {refused} refused, {loaded} loaded");
}

#[test]
fn huge_lengths_are_refused_before_allocating() {
    let bytes = small_model();
    let (meta, secs) = contents(&bytes);
    let tb = 1u64 << 60;

    let mut cases: Vec<(&str, Vec<u8>, &str)> = Vec::new();
    // The metadata's length field says 2^60 bytes.
    let mut d = bytes.clone();
    d[24..32].copy_from_slice(&tb.to_le_bytes());
    reseal(&mut d);
    cases.push(("meta length 2^60", d, "runs past the end"));
    // u64::MAX as a length and as an offset in the section table.
    let mut d = bytes.clone();
    d[24..32].copy_from_slice(&u64::MAX.to_le_bytes());
    reseal(&mut d);
    cases.push(("meta length 2^64-1", d, "malformed model file"));
    for k in 0..N_SECTIONS {
        for at in [32 + 16 * k, 40 + 16 * k] {
            let mut d = bytes.clone();
            d[at..at + 8].copy_from_slice(&tb.to_le_bytes());
            reseal(&mut d);
            cases.push(("section offset or length 2^60", d, "malformed model file"));
        }
    }
    // A feature count of 2^60 in the metadata: the sections do not have its size.
    let mut big: serde_json::Value = serde_json::from_slice(&meta).unwrap();
    big["n_features"] = tb.into();
    cases.push((
        "feature count 2^60",
        craft(&serde_json::to_vec(&big).unwrap(), &secs),
        "section sizes differ",
    ));
    // The last term block ends at 2^60.
    let mut s2 = secs.clone();
    let ends = &mut s2[TERM_BLOCKS - 1];
    let n = ends.len();
    ends[n - 8..].copy_from_slice(&tb.to_le_bytes());
    cases.push((
        "term end 2^60",
        craft(&meta, &s2),
        "malformed model file: term list",
    ));
    // A declared file length of 2^60 on a small file.
    let mut d = bytes.clone();
    d[12..20].copy_from_slice(&tb.to_le_bytes());
    cases.push(("declared length 2^60", d, "header says"));
    // A term count of 2^60 in the counts section of an otherwise valid model.
    let mut s2 = secs.clone();
    s2[COUNTS - 1] = varint(tb);
    cases.push(("term count 2^60", craft(&meta, &s2), "count exceeds"));
    // An endless varint.
    let mut s2 = secs.clone();
    s2[COUNTS - 1] = vec![0xff; 20];
    cases.push(("varint of 20 bytes", craft(&meta, &s2), "varint too long"));

    for (what, d, expected) in cases {
        let (r, largest) = largest_alloc(|| load(&d));
        let m = message(r);
        assert!(m.contains(expected), "{what}: {m}");
        assert!(largest < 64 << 10, "{what}: allocated {largest} bytes");
    }
}

#[test]
fn another_format_version_says_which_and_what_to_do() {
    let mut bytes = small_model();
    for v in [0u32, 1, 2, 4, 99] {
        bytes[8..12].copy_from_slice(&v.to_le_bytes());
        reseal(&mut bytes);
        let m = message(load(&bytes));
        assert_eq!(
            m,
            format!(
                "m.model: model format version {v}; this pitchsift reads version 3: retrain the \
                 model with this version (pitchsift-train), or use the pitchsift release that \
                 wrote it"
            )
        );
    }
}

/// A file written by pitchsift before format version 2 (dense weights; made with
/// `pitchsift-train -o tests/fixtures/v1.model data/fixtures/tiny.csv` at commit d80fe32)
/// is refused, naming its version and what to do, by every loader.
#[test]
fn a_version_1_file_says_to_retrain() {
    let path = common::repo_file("tests/fixtures/v1.model");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[8..12], &1u32.to_le_bytes());
    let expected = "model format version 1; this pitchsift reads version 3: retrain the model \
                    with this version (pitchsift-train)";
    for what in [Load::Predict, Load::Full] {
        assert!(message(model_file::from_bytes(&bytes, "m.model", what)).contains(expected));
        assert!(message(model_file::load(&path, what)).contains(expected));
    }
}

/// A file in format version 2 (one checksum, u16 labels, f64 corrections, keys and
/// u32 slots, raw terms; made with `pitchsift-train data/fixtures/tiny.csv -o
/// tests/fixtures/v2.model` at commit 5582f29) is refused the same way.
#[test]
fn a_version_2_file_says_to_retrain() {
    let path = common::repo_file("tests/fixtures/v2.model");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(&bytes[8..12], &2u32.to_le_bytes());
    let expected = "model format version 2; this pitchsift reads version 3: retrain the model \
                    with this version (pitchsift-train)";
    for what in [Load::Predict, Load::Full] {
        assert!(message(model_file::from_bytes(&bytes, "m.model", what)).contains(expected));
        assert!(message(model_file::load(&path, what)).contains(expected));
    }
}

/// A real model of more than 1 MiB (so `model_file::load` for prediction streams its
/// parameters and counts): 4,000 generated documents over a 20,000-word vocabulary.
fn big_model() -> Vec<u8> {
    let params = TrainParams::default().check().unwrap();
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let texts: Vec<String> = (0..4000)
        .map(|_| {
            let words: Vec<String> = (0..30).map(|_| format!("w{}", next() % 20_000)).collect();
            words.join(" ")
        })
        .collect();
    // Labels a, b, c in turn: class ids 0, 1, 2 in first-seen order.
    let pairs: Vec<(&str, &str)> = texts
        .iter()
        .enumerate()
        .map(|(i, t)| (&**t, ["a", "b", "c"][i % 3]))
        .collect();
    let clf = pitchsift::Classifier::fit(common::test_util::count(&pairs, &params), &params, "big")
        .unwrap();
    let bytes = model_file::to_bytes(&clf).unwrap();
    assert!(bytes.len() > 1 << 20, "{} bytes", bytes.len());
    bytes
}

fn load_file(dir: &Path, bytes: &[u8]) -> pitchsift::Result<pitchsift::Classifier> {
    load_file_for(dir, bytes, Load::Predict)
}

fn load_file_for(dir: &Path, bytes: &[u8], what: Load) -> pitchsift::Result<pitchsift::Classifier> {
    let p = dir.join("m.model");
    std::fs::write(&p, bytes).unwrap();
    model_file::load(&p, what)
}

#[test]
fn streamed_load_equals_in_memory_load_and_refuses_damage() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = big_model();
    let streamed = load_file(dir.path(), &bytes).unwrap();
    let whole = model_file::from_bytes(&bytes, "m", Load::Predict).unwrap();
    assert_eq!(streamed.labels, whole.labels);
    assert_eq!(streamed.features(), whole.features());
    assert_eq!(streamed.model, whole.model);
    assert_eq!(streamed.labels, whole.labels);
    for t in ["w1 w2 w3", "w19999 w5 w5 w77", "nothing known"] {
        assert_eq!(streamed.predict(t), whole.predict(t));
    }

    // Truncations at every section boundary (and one byte either side) and at 64
    // spread positions; single bit flips at 400 spread positions (every section).
    let secs = sections(&bytes);
    let mut cuts: Vec<usize> = secs
        .iter()
        .flat_map(|r| [r.start - 1, r.start, r.start + 1, r.end])
        .collect();
    cuts.extend((0..64).map(|i| i * bytes.len() / 64));
    cuts.push(bytes.len() - 1);
    for cut in cuts {
        let m = message(load_file(dir.path(), &bytes[..cut]));
        assert!(!m.is_empty(), "cut at {cut}");
    }
    for i in 0..400 {
        let at = i * (bytes.len() - 1) / 399;
        let mut d = bytes.clone();
        d[at] ^= 1 << (i % 8);
        message(load_file_for(dir.path(), &d, Load::Full));
        if !read_later(&bytes, at) {
            message(load_file(dir.path(), &d));
        }
    }

    // Forged lengths (resealed): refused before allocating anything that size (the
    // metadata and features are read first, and a 1 MiB chunk buffer).
    let tb = 1u64 << 60;
    for (what, at) in [
        ("meta", length_field(0)),
        ("values", length_field(6)),
        ("slots", length_field(8)),
        ("counts", length_field(COUNTS)),
    ] {
        let mut d = bytes.clone();
        d[at..at + 8].copy_from_slice(&tb.to_le_bytes());
        reseal(&mut d);
        let (r, largest) = largest_alloc(|| load_file(dir.path(), &d));
        let m = message(r);
        assert!(m.contains("malformed model file"), "{what}: {m}");
        assert!(largest < 4 << 20, "{what}: allocated {largest} bytes");
    }
}

/// `small_model()` written to `dir/m.model` with one byte of section `section` flipped
/// (in its middle).
fn damaged(dir: &Path, section: usize) -> PathBuf {
    let mut bytes = small_model();
    let secs = sections(&bytes);
    let mid = (secs[section].start + secs[section].end) / 2;
    bytes[mid] ^= 0x20;
    common::write(dir, "m.model", &bytes)
}

/// A model whose terms section is damaged still predicts (prediction never reads the
/// terms), but every command that would show terms refuses it, exit 1, naming the file:
/// `pitchsift-predict --explain`, `--report`, and `pitchsift-inspect`.
#[test]
fn tools_that_show_terms_refuse_damaged_terms() {
    let dir = tempfile::tempdir().unwrap();
    let model = damaged(dir.path(), TERM_BLOCKS);
    let m = common::s(&model);
    let run = |bin: &str, args: &[&str]| common::run_in(bin, args, dir.path());

    let plain = run(common::PREDICT, &["--model", m, "a message"]);
    assert!(plain.status.success(), "{}", common::stderr(&plain));
    for (bin, args) in [
        (
            common::PREDICT,
            vec!["--model", m, "--explain", "3", "a message"],
        ),
        (common::INSPECT, vec![m]),
    ] {
        let o = run(bin, &args);
        assert_eq!(o.status.code(), Some(1), "{bin} {args:?}");
        let err = common::stderr(&o);
        assert!(
            err.contains("m.model") && err.contains("corrupted"),
            "{err}"
        );
        assert!(o.stdout.is_empty(), "{bin} printed before refusing");
    }
    let input = common::repo_file("data/fixtures/tiny.csv");
    let report = dir.path().join("r.html");
    let o = run(
        common::PREDICT,
        &[
            "--model",
            m,
            "--input",
            common::s(&input),
            "--report",
            common::s(&report),
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
    assert!(!report.exists());
}

/// `pitchsift-inspect` reads every section: a model whose counts are damaged predicts
/// (prediction never reads them) but cannot be updated or merged, and inspect, the tool
/// that tells what a model file is, used to print it as sound (exit 0). Now exit 1,
/// naming the file and the section.
#[test]
fn inspect_refuses_damaged_counts() {
    let dir = tempfile::tempdir().unwrap();
    let model = damaged(dir.path(), COUNTS);
    let m = common::s(&model);
    let run = |bin: &str, args: &[&str]| common::run_in(bin, args, dir.path());
    let plain = run(common::PREDICT, &["--model", m, "a message"]);
    assert!(plain.status.success(), "{}", common::stderr(&plain));
    for args in [vec![m], vec![m, "--json"]] {
        let o = run(common::INSPECT, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = common::stderr(&o);
        assert!(
            err.contains("m.model") && err.contains("corrupted") && err.contains("counts"),
            "{err}"
        );
        assert!(o.stdout.is_empty(), "inspect printed before refusing");
    }
}
