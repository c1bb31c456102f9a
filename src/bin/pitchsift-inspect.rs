//! pitchsift-inspect: print what a model file is.

mod common;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use pitchsift::eval::render::escape_controls;
use pitchsift::explain::{indicative_terms, Reason};
use pitchsift::model_file::{self, Load, FORMAT_VERSION};
use pitchsift::nb::calibrate::CalibrationMap;
use pitchsift::params::ModelKind;
use pitchsift::Classifier;
use serde_json::{json, Value};
use unicode_width::UnicodeWidthStr;

/// Print what a pitchsift model is: format version, labels and their training document
/// counts, vocabulary size, analyzer and training settings, calibration, and the most
/// indicative terms of each label (`w[f, label]` minus its mean over the other labels).
#[derive(Debug, Parser)]
#[command(name = "pitchsift-inspect", version)]
struct Cli {
    /// The model file.
    model: PathBuf,
    /// Indicative terms shown per label.
    #[arg(long, default_value_t = 10, value_name = "N")]
    top: usize,
    /// One JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    common::main_with("pitchsift-inspect", || run(cli))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    // Every section is read and checked, the counts too (prediction never reads them,
    // but update and merge do): a model inspect passes is a whole file.
    common::Files::default()
        .models("the model", [&cli.model])
        .check()?;
    let clf = model_file::load(&cli.model, Load::Full)?;
    // Inspect shows terms: their section is checked first.
    clf.check_features(&cli.model.display().to_string())?;
    let top = indicative_terms(&clf, cli.top);
    let v = describe(&cli, &clf, &top);
    let text = if cli.json {
        let mut s = serde_json::to_string_pretty(&v)?;
        s.push('\n');
        s
    } else {
        printable(&text(&clf, &v, &top))
    };
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

fn describe(cli: &Cli, clf: &Classifier, top: &[Vec<Reason>]) -> Value {
    let labels: Vec<Value> = clf
        .labels
        .iter()
        .zip(&clf.class_docs)
        .map(|(l, d)| json!({"label": l, "documents": d}))
        .collect();
    let indicative: serde_json::Map<String, Value> = clf
        .labels
        .iter()
        .zip(top)
        .map(|(l, t)| (l.clone(), json!(t)))
        .collect();
    json!({
        "model": cli.model.display().to_string(),
        "format": "pitchsift-model",
        "format_version": FORMAT_VERSION,
        "labels": labels,
        "documents": clf.class_docs.iter().sum::<u64>(),
        "vocabulary": {"terms_counted": clf.info.n_terms, "features": clf.n_features()},
        "analyzer": clf.params.analyzer(),
        "training": clf.params.fit(),
        "calibration": clf.calibration,
        "not_exact": clf.info.stale,
        "indicative_terms": indicative,
    })
}

/// `key=value` pairs of a JSON object, in its order.
fn settings(v: &Value) -> String {
    match v.as_object() {
        Some(o) => o
            .iter()
            .map(|(k, x)| match x {
                Value::String(s) => format!("{k}={s}"),
                _ => format!("{k}={x}"),
            })
            .collect::<Vec<_>>()
            .join(" "),
        None => v.to_string(),
    }
}

fn text(clf: &Classifier, v: &Value, top: &[Vec<Reason>]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "model:       {}", v["model"].as_str().unwrap_or(""));
    let _ = writeln!(s, "format:      pitchsift-model version {FORMAT_VERSION}");
    let _ = writeln!(
        s,
        "labels:      {} ({} training documents)",
        clf.labels.len(),
        v["documents"]
    );
    // Aligned by the width a terminal draws (`réseau` is 7 bytes, `営業` 6 bytes and 4
    // columns), control characters as `printable` shows them.
    let shown: Vec<String> = clf.labels.iter().map(|l| escape_controls(l)).collect();
    let width = shown.iter().map(|l| l.width()).max().unwrap_or(0);
    let pad = |l: &str| format!("{l}{}", " ".repeat(width - l.width()));
    for (l, d) in shown.iter().zip(&clf.class_docs) {
        let _ = writeln!(s, "  {}  {d}", pad(l));
    }
    let hash_bits = clf.params.analyzer().hash_bits;
    // A hashed model counts buckets, not words: saying "terms" there misled.
    let (counted, words) = match hash_bits {
        Some(b) => (
            format!(
                "hashed (--hash-bits {b}): {} of {} buckets",
                clf.info.n_terms,
                1u64 << b
            ),
            "; the file keeps no words",
        ),
        None => (format!("{} terms", clf.info.n_terms), ""),
    };
    let _ = writeln!(
        s,
        "vocabulary:  {counted} counted, {} kept as features{words}",
        clf.n_features()
    );
    let _ = writeln!(s, "analyzer:    {}", settings(&v["analyzer"]));
    let mut training = v["training"].clone();
    if clf.params.fit().model == ModelKind::Complement {
        // Complement NB scores with no class prior (its bias is 0, as scikit-learn's
        // ComplementNB): the stored `empirical` default was shown as if it were used.
        training["prior"] = "unused (complement NB has no class prior)".into();
    }
    let _ = writeln!(s, "training:    {}", settings(&training));
    match &clf.calibration {
        None => {
            let _ = writeln!(s, "calibration: none (raw naive Bayes posteriors)");
        }
        Some(c) => {
            let map = match &c.map {
                CalibrationMap::Temperature { temperature } => {
                    format!("temperature T={temperature:.4}")
                }
                CalibrationMap::Isotonic {
                    log_odds,
                    temperature,
                    ..
                } => format!(
                    "isotonic, {} knots on the top label's log-odds, others tempered by T={temperature:.4}",
                    log_odds.len()
                ),
            };
            let _ = writeln!(
                s,
                "calibration: {map}; fitted on out-of-fold scores of {} documents ({} folds, seed {}){}",
                c.n_docs,
                c.folds,
                c.seed,
                if c.stale {
                    "; STALE: the model changed after fitting, retrain to refit"
                } else {
                    ""
                }
            );
        }
    }
    for note in &clf.info.stale {
        let _ = writeln!(s, "not exact:   {note}");
    }
    if top.iter().all(|t| t.is_empty()) {
        // `--top 0`: no section, not a heading over empty lists.
        return s;
    }
    let what = match hash_bits {
        Some(_) => "buckets (#N: every word or n-gram that hashes to bucket N)",
        None => "terms",
    };
    let _ = writeln!(
        s,
        "most indicative {what} (w[f, label] - mean over other labels, nats):"
    );
    for (l, t) in shown.iter().zip(top) {
        let terms: Vec<String> = t
            .iter()
            .map(|r| format!("{}:{:+.2}", r.term, r.weight))
            .collect();
        let _ = writeln!(s, "  {}  {}", pad(l), terms.join("; "));
    }
    s
}

/// Labels, terms and settings come from training files: their control characters are shown
/// escaped line by line (`\u{1b}`), so that a label cannot move the cursor or recolour the
/// terminal.
fn printable(s: &str) -> String {
    let mut out: String = s
        .lines()
        .map(escape_controls)
        .collect::<Vec<_>>()
        .join("\n");
    out.push('\n');
    out
}
