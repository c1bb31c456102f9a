//! Evaluation: a trained model on labelled test files, k-fold cross-validation of
//! training settings (with cross-fitted calibration), a grid search of settings by
//! cross-validation, and the report in text, Markdown, JSON and SVG.
//!
//! The library computes; `pitchsift-eval` parses the options, calls one of
//! [`evaluate_model`], [`crossval::cross_validate`] or [`grid::search`], and writes.

pub mod crossval;
pub mod cv;
pub mod grid;
pub mod metrics;
pub mod render;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::corpus::{Columns, CsvOptions, CsvSource, RawRow};
use crate::error::{Error, Result};
use crate::eval::metrics::{Meter, Report};
use crate::nb::calibrate::{coverage_curve, CURVE_THRESHOLDS};
use crate::nb::classifier::Classifier;

/// What an evaluation produced: the report, extra JSON keys, and extra Markdown.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The report's title (what was evaluated on what).
    pub title: String,
    /// The metrics.
    pub report: Report,
    /// Keys added to the JSON report, in order.
    pub extra: Vec<(String, Value)>,
    /// Markdown sections after the report's tables (per group, unsure, grid).
    pub markdown: String,
    /// The same sections as plain text, for the text report (per group, unsure; the
    /// grid's ranked table is printed on its own), each starting with a blank line.
    pub text: String,
}

impl Outcome {
    /// What goes to standard output: the text report, then the per-group and unsure
    /// sections, when there are, as plain text too.
    pub fn text(&self) -> String {
        let mut out = render::text_report(self);
        out.push_str(&self.text);
        out
    }

    /// The JSON report (pretty, with a final newline): the metrics and the extra keys.
    pub fn json(&self) -> Vec<u8> {
        let mut v = serde_json::to_value(&self.report).expect("report serialises");
        let obj = v.as_object_mut().expect("report is an object");
        for (k, x) in &self.extra {
            obj.insert(k.clone(), x.clone());
        }
        let mut bytes = serde_json::to_vec_pretty(&v).expect("JSON serialises");
        bytes.push(b'\n');
        bytes
    }
}

/// Progress of a long evaluation; the default methods do nothing.
pub trait Progress: Sync {
    /// One fold step (counting or scoring a fold) or one grid configuration done.
    fn step(&self) {}
    /// A line about the work (the grid's per-group timing).
    fn note(&self, _line: String) {}
}

/// No progress report.
impl Progress for () {}

/// Score `clf` on labelled test files (`csv` names the text and label columns). With
/// `min_confidence`, the coverage of that threshold is added (see [`add_coverage`]).
pub fn evaluate_model(
    clf: &Classifier,
    model: &Path,
    tests: &[PathBuf],
    csv: &CsvOptions,
    min_confidence: Option<f64>,
) -> Result<Outcome> {
    let mut meter = Meter::new(clf.labels.clone());
    let mut points: Vec<(f64, bool)> = Vec::new();
    for path in tests {
        let mut src = CsvSource::open(path, csv)?;
        let mut score = |cols: &Columns, rows: &[RawRow]| -> Result<()> {
            let mut texts = Vec::with_capacity(rows.len());
            let mut gold = Vec::with_capacity(rows.len());
            for row in rows {
                gold.push(cols.label(row)?);
                texts.push(cols.text(row)?);
            }
            for (g, p) in gold.iter().zip(clf.predict_batch(&texts)) {
                meter.add(g, p.class, &p.probabilities);
                points.push((p.confidence(), clf.labels[p.class] == *g));
            }
            Ok(())
        };
        src.for_each_batch(crate::corpus::BATCH, &mut score, &mut |_, _| {})?;
    }
    if points.is_empty() {
        // A report of no rows would print every metric as `-` and exit 0.
        return Err(Error::EmptyTest {
            inputs: crate::corpus::describe(tests),
        });
    }
    let mut outcome = Outcome {
        title: format!("{} on {}", short(model), shorts(tests)),
        report: meter.report(),
        extra: vec![
            ("mode".into(), json!("model")),
            ("model".into(), json!(model.display().to_string())),
            ("test".into(), json!(paths(tests))),
            (
                "params".into(),
                serde_json::to_value(&clf.params).expect("params serialise"),
            ),
        ],
        markdown: String::new(),
        text: String::new(),
    };
    add_coverage(&mut outcome, &points, min_confidence);
    Ok(outcome)
}

/// With a threshold `t` (in [0, 1]): coverage and accuracy when messages below `t` are
/// answered `unsure`, and the accuracy-coverage curve, as JSON (`coverage`), Markdown and
/// text.
/// `points` are each row's (top confidence, right).
pub fn add_coverage(o: &mut Outcome, points: &[(f64, bool)], min_confidence: Option<f64>) {
    let Some(t) = min_confidence else {
        return;
    };
    let at = coverage_curve(points, &[t]).remove(0);
    let curve = coverage_curve(points, &CURVE_THRESHOLDS);
    o.extra.push((
        "coverage".into(),
        json!({"min_confidence": t, "coverage": at.coverage, "accuracy": at.accuracy, "curve": curve}),
    ));
    let fmt = |a: Option<f64>| a.map_or("-".to_string(), |v| format!("{v:.4}"));
    let at = format!("coverage {:.4}, accuracy {}", at.coverage, fmt(at.accuracy));
    let head = ["threshold", "coverage", "accuracy"];
    let body: Vec<Vec<String>> = curve
        .iter()
        .map(|p| {
            vec![
                p.threshold.to_string(),
                format!("{:.4}", p.coverage),
                fmt(p.accuracy),
            ]
        })
        .collect();
    let _ = write!(
        o.markdown,
        "## Unsure below {t}\n\n{at}\n\n{}",
        render::table(&head, &body, true)
    );
    let _ = write!(
        o.text,
        "\nunsure below {t}: {at}\n\n{}",
        render::table(&head, &body, false)
    );
}

/// A short name for titles: the last two components of the path.
pub(crate) fn short(p: &Path) -> String {
    let parts: Vec<_> = p.components().rev().take(2).collect();
    parts
        .iter()
        .rev()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Short names of several paths, comma separated.
pub(crate) fn shorts(p: &[PathBuf]) -> String {
    p.iter().map(|x| short(x)).collect::<Vec<_>>().join(", ")
}

/// The paths as strings (for JSON).
pub(crate) fn paths(p: &[PathBuf]) -> Vec<String> {
    p.iter().map(|x| x.display().to_string()).collect()
}
