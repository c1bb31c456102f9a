//! The checks each fuzz target runs on one input. Shared by the cargo-fuzz targets
//! (fuzz/fuzz_targets/*.rs) and by tests/fuzz_regressions.rs, which replays every input
//! a fuzzer once crashed on (tests/fuzz_regressions/<target>/), so a fixed crash stays
//! fixed in CI.
#![allow(dead_code)]

use std::io::Cursor;
use std::path::Path;

use pitchsift::corpus::{CsvOptions, CsvSource, InvalidUtf8, RawRow};
use pitchsift::model_file::{self, Load, ENTRY, FORMAT_VERSION, MAGIC, META_AT, N_SECTIONS};
use pitchsift::text::{Analyzer, AnalyzerConfig};

/// CSV ingestion: any bytes, read as a corpus with options taken from the first byte.
/// Every record is read and its text and label extracted; errors are fine, panics,
/// hangs and huge allocations are not. Line numbers must go forward.
pub fn csv_ingest(data: &[u8]) {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let options = CsvOptions {
        text_col: "text".into(),
        label_col: (flags & 1 == 0).then(|| "label".into()),
        delimiter: match (flags >> 1) & 3 {
            0 => None,
            1 => Some(b';'),
            2 => Some(b'\t'),
            _ => Some(b'|'),
        },
        max_field_bytes: if flags & 8 == 0 { 64 } else { 1 << 20 },
        invalid_utf8: if flags & 16 == 0 {
            InvalidUtf8::Error
        } else {
            InvalidUtf8::Replace
        },
        ..CsvOptions::default()
    };
    let name = if flags & 32 == 0 { "in.csv" } else { "in.tsv" };
    let Ok(mut src) = CsvSource::from_reader(
        Path::new(name),
        Box::new(Cursor::new(body.to_vec())),
        &options,
    ) else {
        return;
    };
    let lines = 1 + body.iter().filter(|&&b| b == b'\n' || b == b'\r').count() as u64;
    let mut rows: Vec<RawRow> = Vec::new();
    let mut last_line = 1;
    loop {
        match src.read_batch(&mut rows, 7) {
            Ok(0) => break,
            Err(e) => {
                let _ = e.to_string();
                break;
            }
            Ok(n) => {
                for row in &rows[..n] {
                    assert!(
                        row.line > last_line && row.line <= lines,
                        "line {} after {last_line} (of at most {lines})",
                        row.line
                    );
                    last_line = row.line;
                    if let Ok(t) = src.text(row) {
                        assert!(t.len() <= body.len() * 3);
                    }
                    if options.label_col.is_some() {
                        if let Ok(l) = src.label(row) {
                            assert!(!l.is_empty());
                        }
                    }
                }
            }
        }
    }
}

/// The analyzer on any text, with settings from the first byte: terms well formed, as
/// many n-grams as the token count says, reused buffers equal to fresh ones.
pub fn analyzer(data: &[u8]) {
    let Some((&flags, body)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(body);
    let n = 1 + (flags % 3);
    let config = AnalyzerConfig {
        ngram_min: 1,
        ngram_max: n,
        lowercase: flags & 4 == 0,
        placeholders: flags & 8 == 0,
        ..AnalyzerConfig::default()
    };
    let mut a = Analyzer::new(config.clone()).unwrap();
    let k = {
        let tokens = a.tokens(&text);
        for t in tokens {
            assert!(!t.is_empty());
            assert!(!t.chars().any(char::is_whitespace), "{t:?}");
        }
        tokens.len()
    };
    let terms = a.terms(&text);
    let expected: usize = (1..=n as usize).map(|n| (k + 1).saturating_sub(n)).sum();
    assert_eq!(terms.len(), expected);
    a.terms("reuse the buffers: https://www.example.com/x $5 a@b.io 🚀");
    assert_eq!(a.terms(&text), terms);
    assert_eq!(Analyzer::new(config).unwrap().terms(&text), terms);
}

fn check_model(bytes: &[u8]) {
    for what in [Load::Predict, Load::Full] {
        if let Ok(clf) = model_file::from_bytes(bytes, "fuzz.model", what) {
            for text in [
                "",
                "quick demo call",
                "great meeting you at the meetup demo demo",
            ] {
                let p = clf.predict(text);
                assert!(p.class < clf.labels.len());
                assert!(
                    p.probabilities.iter().all(|v| v.is_finite() && *v >= 0.0),
                    "{p:?}"
                );
                let sum: f64 = p.probabilities.iter().sum();
                assert!((sum - 1.0).abs() < 1e-6, "{p:?}");
            }
            if what == Load::Full {
                let again = model_file::to_bytes(&clf).expect("a full model saves");
                model_file::from_bytes(&again, "again", Load::Full).expect("a saved model loads");
            }
        }
    }
}

/// The model loader on any bytes, twice: as they are (magic, version, length and
/// checksums stop almost everything), and resealed, with a valid header and every
/// checksum (each section's, the header's) made to match the input's bytes from offset
/// 20, so the section parser is reached. A model that loads must predict finite
/// probabilities summing to 1, and save and load again.
pub fn model_load(data: &[u8]) {
    check_model(data);
    let mut b = MAGIC.to_vec();
    b.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    b.extend_from_slice(&0u64.to_le_bytes());
    b.extend_from_slice(data.get(20..).unwrap_or(&[]));
    b.extend_from_slice(&[0; 4]);
    if b.len() >= META_AT + 4 {
        reseal(&mut b);
    }
    check_model(&b);
}

/// Set the declared length and every checksum of a format-3 file to match its bytes:
/// each section's over its bytes and padding, the header's over everything before the
/// first section (ranges clipped to the file, so forged lengths are resealed too).
pub fn reseal(bytes: &mut [u8]) {
    let n = bytes.len();
    bytes[12..20].copy_from_slice(&(n as u64).to_le_bytes());
    let u = |b: &[u8], at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap());
    let pad = |v: u64| v.saturating_add(7) / 8 * 8;
    let clip = |v: u64| v.min(n as u64 - 4) as usize;
    for k in 0..N_SECTIONS {
        let e = 32 + ENTRY * k;
        let (off, len) = (u(bytes, e), u(bytes, e + 8));
        let r = clip(off)..clip(pad(off.saturating_add(len)));
        let crc = crc32fast::hash(&bytes[r.start..r.end.max(r.start)]);
        bytes[e + 16..e + 20].copy_from_slice(&crc.to_le_bytes());
    }
    let first = clip(pad((META_AT as u64).saturating_add(u(bytes, 24))));
    let crc = crc32fast::hash(&bytes[..first]);
    bytes[n - 4..].copy_from_slice(&crc.to_le_bytes());
}
