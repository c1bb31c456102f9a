//! Every input a fuzz target once failed on (tests/fuzz_regressions/<target>/<name>),
//! replayed through the same checks (tests/common/fuzz_checks.rs). Each file's name
//! says what it found.

#[path = "common/fuzz_checks.rs"]
mod fuzz_checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_regressions")
        .join(target);
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        eprintln!("{target}: {}", path.display());
        check(&data);
        n += 1;
    }
    n
}

/// CRLF files were numbered one line short (csv's count), so lines repeated.
#[test]
fn csv_ingest_regressions() {
    assert!(replay("csv_ingest", fuzz_checks::csv_ingest) >= 1);
}

/// `www_char_boundary`: `www.` stripping sliced a host at byte 4, inside a multi-byte
/// character, a panic. `space_then_combining_mark`: a space followed by U+05BF formed one
/// UAX#29 segment, so a token held whitespace. `en_quad_then_combining_mark_no_placeholders`:
/// the same through the path without placeholders (found by tests/properties.rs).
#[test]
fn analyzer_regressions() {
    assert!(replay("analyzer", fuzz_checks::analyzer) >= 1);
}

/// The model_load fuzzer found nothing; `section_length_2_pow_60` is the crafted header of
/// issue 7 (a metadata section of 2^60 bytes, with a valid length field and CRC-32).
#[test]
fn model_load_regressions() {
    assert!(replay("model_load", fuzz_checks::model_load) >= 1);
}
