//! Where the time goes when one message is classified with the default model:
//! `cargo run --release --example load_latency`.

use std::time::Instant;

use pitchsift::model_file::{self, Load};

fn main() {
    let bytes = std::fs::read("models/default.model").expect("run from the repository root");
    for _ in 0..3 {
        let t0 = Instant::now();
        let clf = model_file::from_bytes(&bytes, "default", Load::Predict).unwrap();
        let t1 = Instant::now();
        let _ = clf.feature_id("hello");
        let t2 = Instant::now();
        let p = clf.predict("hello there, let's connect");
        let t3 = Instant::now();
        let p2 = clf.predict("another message about a job");
        let t4 = Instant::now();
        println!(
            "{} features: parse {:.2} ms, vocabulary {:.2} ms, first prediction {:.2} ms, next {:.3} ms ({} {})",
            clf.n_features(),
            (t1 - t0).as_secs_f64() * 1e3,
            (t2 - t1).as_secs_f64() * 1e3,
            (t3 - t2).as_secs_f64() * 1e3,
            (t4 - t3).as_secs_f64() * 1e3,
            p.class,
            p2.class
        );
    }
}
