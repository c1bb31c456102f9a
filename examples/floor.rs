//! The read-and-split floor for scripts/bench_speed.py: read a CSV with the csv crate,
//! take the `text` column, validate it as UTF-8 and split it into words (runs of
//! alphanumeric characters), counting them. No hashing, no model: any classifier that
//! reads the same file has to do at least this much.
//!
//! `cargo run --release --example floor -- FILE.csv` prints `docs words text_bytes`.

use std::io::Read;

fn main() {
    let path = std::env::args().nth(1).expect("usage: floor FILE.csv");
    let input: Box<dyn Read> = Box::new(std::fs::File::open(&path).expect("open"));
    let mut reader = csv::ReaderBuilder::new().from_reader(input);
    let text_idx = reader
        .byte_headers()
        .expect("header")
        .iter()
        .position(|h| h.eq_ignore_ascii_case(b"text"))
        .expect("a text column");
    let mut record = csv::ByteRecord::new();
    let (mut docs, mut words, mut bytes) = (0u64, 0u64, 0u64);
    while reader.read_byte_record(&mut record).expect("csv") {
        let text = std::str::from_utf8(&record[text_idx]).expect("UTF-8");
        docs += 1;
        bytes += text.len() as u64;
        words += text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .count() as u64;
    }
    println!("{docs} {words} {bytes}");
}
