//! Criterion benches of the pipeline stages on generated data (no network, fixed seed):
//! analysis, counting (training), fitting, and scoring. Throughput is reported in bytes
//! of message text, so the figures read as MB/s.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use pitchsift::counts::{CountBuilder, Doc};
use pitchsift::params::TrainParams;
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

fn train(docs: &[(String, u32)]) -> Classifier {
    let params = TrainParams::default().check().unwrap();
    let mut b = CountBuilder::new(&params.analyzer, &params.fit).unwrap();
    for l in ["a", "b", "c", "d", "e"] {
        b.class_id(l);
    }
    let batch: Vec<Doc> = docs
        .iter()
        .map(|(t, c)| Doc { text: t, class: *c })
        .collect();
    b.add(&batch);
    Classifier::fit(b.finish(), &params, "bench").unwrap()
}

fn stages(c: &mut Criterion) {
    let mut g = c.benchmark_group("pipeline");
    g.sample_size(10);
    for n in [10_000usize, 50_000] {
        let docs = corpus(n, 12345);
        g.throughput(Throughput::Bytes(bytes(&docs)));
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

criterion_group!(benches, stages);
criterion_main!(benches);
