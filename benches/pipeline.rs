//! Criterion benches of the pipeline stages on generated data (no network, fixed seed):
//! CSV reading, analysis, counting, fitting, counting+fitting (training), and scoring. Throughput is reported in bytes
//! of message text, so the figures read as MB/s.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use std::path::Path;

use pitchsift::corpus::{CsvOptions, CsvSource, RawRow};
use pitchsift::nb::counts::{CountBuilder, Counts, Doc};
use pitchsift::params::{TrainParams, ValidTrainParams};
use pitchsift::text::{Analyzer, AnalyzerConfig};
use pitchsift::Classifier;

/// Zipf-ish pseudo-words, ~40 per message, 5 labels, splitmix64 seeded.
fn corpus(n: usize, seed: u64) -> Vec<(String, u32)> {
    let mut s = seed;
    let mut next = move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    (0..n)
        .map(|_| {
            let label = (next() % 5) as u32;
            let words = 20 + next() % 40;
            let mut text = String::new();
            for _ in 0..words {
                let u = (next() % 1_000_000) as f64 / 1_000_000.0;
                let rank = (20_000f64.powf(u)) as u64; // log-uniform ranks ~ Zipf(1)
                let topical = next() % 5 == 0;
                if topical {
                    text.push_str(&format!("t{label}w{} ", rank % 300));
                } else {
                    text.push_str(&format!("w{rank} "));
                }
            }
            (text, label)
        })
        .collect()
}

fn bytes(docs: &[(String, u32)]) -> u64 {
    docs.iter().map(|d| d.0.len() as u64).sum()
}

fn as_csv(docs: &[(String, u32)]) -> Vec<u8> {
    let mut out = b"label,text\n".to_vec();
    for (t, c) in docs {
        out.extend_from_slice(format!("l{c},\"{}\"\n", t.trim_end()).as_bytes());
    }
    out
}

fn count_with(docs: &[(String, u32)], params: &ValidTrainParams) -> Counts {
    let mut b = CountBuilder::new(params.analyzer(), params.fit()).unwrap();
    for l in ["a", "b", "c", "d", "e"] {
        b.class_id(l);
    }
    let batch: Vec<Doc> = docs
        .iter()
        .map(|(t, c)| Doc {
            text: t,
            class: *c,
            weight: 1,
        })
        .collect();
    b.add(&batch);
    b.finish()
}

fn count(docs: &[(String, u32)]) -> Counts {
    count_with(docs, &TrainParams::default().check().unwrap())
}

fn train(docs: &[(String, u32)]) -> Classifier {
    let params = TrainParams::default().check().unwrap();
    Classifier::fit(count_with(docs, &params), &params, "bench").unwrap()
}

fn stages(c: &mut Criterion) {
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    for n in [10_000usize, 50_000] {
        let docs = corpus(n, 12345);
        g.throughput(Throughput::Bytes(bytes(&docs)));
        let csv = as_csv(&docs);
        g.bench_with_input(
            BenchmarkId::new("csv_read", format!("{n}docs")),
            &csv,
            |b, csv| {
                b.iter(|| {
                    let mut src = CsvSource::from_reader(
                        Path::new("bench.csv"),
                        Box::new(std::io::Cursor::new(csv.clone())),
                        &CsvOptions::default(),
                    )
                    .unwrap();
                    let mut rows: Vec<RawRow> = Vec::new();
                    let mut k = 0usize;
                    loop {
                        let n = src.read_batch(&mut rows, 8192).unwrap();
                        if n == 0 {
                            break k;
                        }
                        for r in &rows[..n] {
                            k += src.text(r).unwrap().len() + src.label(r).unwrap().len();
                        }
                    }
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("analyze", format!("{n}docs")),
            &docs,
            |b, docs| {
                let mut a = Analyzer::new(AnalyzerConfig::default()).unwrap();
                b.iter(|| {
                    let mut k = 0usize;
                    for (t, _) in docs {
                        a.for_each_term(t, |_| k += 1);
                    }
                    k
                })
            },
        );
        g.bench_with_input(
            BenchmarkId::new("count", format!("{n}docs")),
            &docs,
            |b, docs| b.iter(|| count(docs)),
        );
        let counts = count(&docs);
        g.bench_with_input(
            BenchmarkId::new("fit", format!("{n}docs")),
            &counts,
            |b, counts| {
                let params = TrainParams::default().check().unwrap();
                b.iter_batched(
                    || counts.clone(),
                    |c| Classifier::fit(c, &params, "bench").unwrap(),
                    BatchSize::LargeInput,
                )
            },
        );
        g.bench_with_input(
            BenchmarkId::new("count_and_fit", format!("{n}docs")),
            &docs,
            |b, docs| b.iter(|| train(docs)),
        );
        let clf = train(&docs);
        let texts: Vec<&str> = docs.iter().map(|d| d.0.as_str()).collect();
        g.bench_with_input(
            BenchmarkId::new("predict_batch", format!("{n}docs")),
            &texts,
            |b, texts| b.iter(|| clf.predict_batch(texts)),
        );
    }
    g.finish();
}

/// The model file's lookup table for 3.6 M exact-vocabulary keys (the synthetic 200k
/// model's number of terms) on one thread (in order) and on two (by ranges, the same
/// bytes): the ratio is the two-thread speed-up of this step of saving.
fn index_build(c: &mut Criterion) {
    use pitchsift::features::fingerprint::{fingerprint, Index, SEED};
    let keys: Vec<u64> = (0..3_600_000u64)
        .map(|i| fingerprint(&i.to_le_bytes(), SEED))
        .collect();
    let mut g = c.benchmark_group("index_build");
    g.sample_size(10);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_with_input(
            BenchmarkId::new("3.6M_keys", format!("{threads}threads")),
            &keys,
            |b, keys| b.iter(|| pool.install(|| Index::build(SEED, keys, false).unwrap())),
        );
    }
    g.finish();
}

criterion_group!(benches, stages, index_build);
criterion_main!(benches);
