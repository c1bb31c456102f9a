//! Per-stage timings of training on one CSV, for docs/benchmarks/profile.md: each stage of
//! `pitchsift-train`'s default recipe run on its own, one after the other, in one thread
//! pool of `--jobs` threads (default 1).
//!
//! `cargo run --release --example profile_stages -- FILE.csv [JOBS] [OUT.model]`
//!
//! Stages: reading the CSV into memory (csv crate, UTF-8 check); tokenising only
//! (`Analyzer::tokens`) with placeholders and case folding off, then case folding on,
//! then placeholders on (the defaults), so the differences are the cost of case folding
//! and of the placeholder patterns; the tokenizer alone with the placeholder spans found
//! by the regex and by the byte scanner; every 1..2-gram fingerprinted, as prediction
//! keys a text; n-gram ids (tokenising + interning every token in a
//! hash map + the n-gram windows, no table); counting (`CountBuilder::add`, 8,192
//! documents a batch as `pitchsift-train` reads them, all of the above plus the term
//! tables); `CountBuilder::finish` (merge, term strings, sort); fitting
//! (`Classifier::fit`); writing (`model_file::save`). Prints one line per stage: seconds
//! wall and CPU seconds and MB/s of message text per CPU second.

use std::time::Instant;

use pitchsift::nb::counts::{CountBuilder, Doc};
use pitchsift::params::TrainParams;
use pitchsift::text::tokenize::{for_each_token, Finder};
use pitchsift::text::{Analyzer, AnalyzerConfig};
use rustc_hash::FxHashMap;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: profile_stages FILE.csv [JOBS] [OUT]");
    let jobs: usize = args.next().map_or(1, |j| j.parse().expect("JOBS"));
    let out = args
        .next()
        .unwrap_or_else(|| "/tmp/profile_stages.model".into());
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .unwrap()
        .install(|| run(&path, &out));
}

/// CPU seconds of every thread of this process so far (`/proc/self/task/*/schedstat`,
/// nanoseconds on a CPU): with other work on the machine, CPU time varies less than wall
/// time.
fn cpu() -> f64 {
    let mut ns = 0u64;
    for task in std::fs::read_dir("/proc/self/task").expect("Linux /proc") {
        let stat =
            std::fs::read_to_string(task.unwrap().path().join("schedstat")).unwrap_or_default();
        ns += stat
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
    }
    ns as f64 / 1e9
}

fn run(path: &str, out: &str) {
    let line = |stage: &str, t: (Instant, f64), bytes: u64| {
        let s = t.0.elapsed().as_secs_f64();
        let c = cpu() - t.1;
        println!(
            "{stage:<34} wall {s:7.3} s  cpu {c:7.3} s  {:7.1} MB/s of cpu",
            bytes as f64 / c / 1e6
        );
    };
    let now = || (Instant::now(), cpu());
    let t = now();
    let mut reader = csv::ReaderBuilder::new()
        .from_path(path)
        .expect("open the CSV");
    let headers = reader.byte_headers().expect("header").clone();
    let col = |name: &[u8]| {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .expect("column")
    };
    let (text_i, label_i) = (col(b"text"), col(b"label"));
    let mut rows: Vec<(String, String)> = Vec::new();
    let mut rec = csv::ByteRecord::new();
    while reader.read_byte_record(&mut rec).expect("CSV") {
        let text = std::str::from_utf8(&rec[text_i])
            .expect("UTF-8")
            .to_string();
        let label = std::str::from_utf8(&rec[label_i])
            .expect("UTF-8")
            .to_string();
        rows.push((label, text));
    }
    let bytes: u64 = rows.iter().map(|r| r.1.len() as u64).sum();
    line("read CSV (into memory)", t, bytes);

    let defaults = AnalyzerConfig::default();
    for (name, placeholders, lowercase) in [
        ("tokens: words only", false, false),
        ("tokens: + case folding", false, true),
        ("tokens: + placeholders (default)", true, true),
    ] {
        let mut a = Analyzer::new(AnalyzerConfig {
            placeholders,
            lowercase,
            ..defaults.clone()
        })
        .unwrap();
        let t = now();
        let mut n = 0usize;
        for (_, text) in &rows {
            n += a.tokens(text).len();
        }
        line(name, t, bytes);
        std::hint::black_box(n);
    }

    // The tokenizer alone (no token buffer), placeholder spans by the regex (the
    // reference) and by the byte scanner (what the analyzer uses for ASCII texts).
    for (name, spans) in [
        ("tokenize: spans by regex", Finder::Regex),
        ("tokenize: spans by scanner", Finder::Scan),
    ] {
        let t = now();
        let mut n = 0usize;
        for (_, text) in &rows {
            for_each_token(text, &defaults, spans, &mut |tok, _| n += tok.len());
        }
        line(name, t, bytes);
        std::hint::black_box(n);
    }

    // Prediction's keys: every term (1..2-grams) of every text, fingerprinted.
    let mut a = Analyzer::new(defaults.clone()).unwrap();
    let t = now();
    let mut k = 0u64;
    for (_, text) in &rows {
        a.for_each_term(text, |term| {
            k ^= pitchsift::features::fingerprint::fingerprint(term.as_bytes(), 1)
        });
    }
    line("terms + fingerprints (prediction)", t, bytes);
    std::hint::black_box(k);

    let mut a = Analyzer::new(defaults).unwrap();
    let mut ids = Vec::new();
    let mut interned: FxHashMap<String, u32> = FxHashMap::default();
    let t = now();
    let mut n = 0u64;
    for (_, text) in &rows {
        let intern = |tok: &str| {
            if let Some(&i) = interned.get(tok) {
                return i;
            }
            let i = interned.len() as u32;
            interned.insert(tok.to_string(), i);
            i
        };
        a.for_each_ngram_ids(text, intern, &mut ids, |w| n += w[0] as u64);
    }
    line("tokens + interning + n-gram ids", t, bytes);
    std::hint::black_box(n);
    drop(interned);

    let params = TrainParams::default().check().unwrap();
    let t = now();
    let mut b = CountBuilder::new(params.analyzer(), params.fit()).unwrap();
    for batch in rows.chunks(8192) {
        let docs: Vec<Doc> = batch
            .iter()
            .map(|(label, text)| Doc {
                text,
                class: b.class_id(label),
                weight: 1,
            })
            .collect();
        b.add(&docs);
    }
    line("counting (CountBuilder::add)", t, bytes);
    let t = now();
    let counts = b.finish();
    line("CountBuilder::finish", t, bytes);
    let n_terms = counts.n_terms();
    let t = now();
    let clf = pitchsift::Classifier::fit(counts, &params, path).unwrap();
    line("fitting (Classifier::fit)", t, bytes);
    let t = now();
    pitchsift::model_file::save(&clf, std::path::Path::new(out)).unwrap();
    line("writing (model_file::save)", t, bytes);
    println!(
        "{} documents, {:.1} MB of text, {n_terms} terms",
        rows.len(),
        bytes as f64 / 1e6
    );
    // As the binaries do: leave the big structures to the OS.
    std::mem::forget(clf);
}
