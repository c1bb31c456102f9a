//! Fuzz target: see `analyzer` in tests/common/fuzz_checks.rs for what is checked. Inputs
//! that fail are kept in tests/fuzz_regressions/analyzer/ and replayed by cargo test.
#![no_main]

#[path = "../../tests/common/fuzz_checks.rs"]
mod fuzz_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::analyzer(data));
