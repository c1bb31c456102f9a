//! k-fold cross-validation of training settings: out-of-fold predictions (repeated with
//! several seeds, or cross-fitted through a calibration map), per-group scores of grouped
//! folds, and the out-of-fold predictions as CSV.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::json;

use crate::error::{Error, Result};
use crate::eval::cv::{check_k, Dataset, FoldCounts};
use crate::eval::metrics::Meter;
use crate::nb::calibrate::{Calibration, Method};
use crate::nb::classifier::{Classifier, Prediction};
use crate::params::ValidTrainParams;

use super::{add_coverage, paths, shorts, Outcome, Progress};

/// How to cross-validate.
#[derive(Debug, Clone)]
pub struct CvOptions {
    /// Number of folds.
    pub k: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// Repeat with seeds `seed`, `seed + 1`, ... and pool the predictions (at least 1).
    pub repeat: u64,
    /// Grouped folds: groups of fewer rows are pooled into one.
    pub min_group: usize,
    /// The group column (for the title and the JSON report).
    pub group_col: Option<String>,
    /// The corpora (for the title and the JSON report).
    pub inputs: Vec<PathBuf>,
    /// Corpora in every training fold (for the JSON report).
    pub always_train: Vec<PathBuf>,
    /// Calibrate, cross-fitted (one repeat only).
    pub calibration: Option<Method>,
    /// Add the coverage of this `unsure` threshold.
    pub min_confidence: Option<f64>,
}

impl CvOptions {
    /// The fold seeds of the (repeated) cross-validation.
    pub fn seeds(&self) -> Vec<u64> {
        (0..self.repeat)
            .map(|r| self.seed.wrapping_add(r))
            .collect()
    }
}

/// Score out-of-fold jll rows (always-train rows, which are empty, are skipped).
pub(crate) fn meter_of(data: &Dataset, jll: &[Vec<f64>]) -> Meter {
    let mut meter = Meter::new(data.labels.clone());
    for (i, row) in jll.iter().enumerate() {
        if row.is_empty() {
            continue; // an always-train row: never held out
        }
        let p = Prediction::from_jll(row.clone(), None);
        meter.add_id(data.classes[i] as usize, p.class, &p.probabilities);
    }
    meter
}

/// Per-group meters (grouped CV): for each group of the held-out rows (groups under
/// --min-group rows pooled into one, named `(groups under N rows)`), its rows' scores.
struct GroupMeters {
    names: Vec<String>,
    /// The pooled group of each row (`u32::MAX` for always-train rows).
    of_row: Vec<u32>,
    meters: Vec<Meter>,
}

impl GroupMeters {
    fn new(data: &Dataset, min_group: usize) -> Option<GroupMeters> {
        if data.groups.is_empty() {
            return None;
        }
        let held: Vec<usize> = (0..data.len())
            .filter(|&i| !data.is_always_train(i))
            .collect();
        let pooled = data.pooled_groups(&held, min_group);
        let mut names = data.group_names.clone();
        names.push(format!("(groups under {} rows)", min_group));
        let mut of_row = vec![u32::MAX; data.len()];
        for (&i, g) in held.iter().zip(pooled) {
            of_row[i] = g.min(data.group_names.len() as u32);
        }
        let meters = vec![Meter::new(data.labels.clone()); names.len()];
        Some(GroupMeters {
            names,
            of_row,
            meters,
        })
    }

    fn add(&mut self, row: usize, gold: usize, predicted: usize, p: &[f64]) {
        let g = self.of_row[row];
        if g != u32::MAX {
            self.meters[g as usize].add_id(gold, predicted, p);
        }
    }

    /// JSON (`groups`: name, rows, accuracy, macro-F1 per group; mean and worst over
    /// the groups that are not pooled) and a table, in Markdown and in plain text.
    fn finish(&self, o: &mut Outcome) {
        use crate::eval::render::{escape_controls, table};
        let mut rows = Vec::new();
        let mut body: Vec<Vec<String>> = Vec::new();
        let fmt = |a: Option<f64>| a.map_or("-".to_string(), |v| format!("{v:.4}"));
        let mut f1s: Vec<(f64, &str)> = Vec::new();
        for (i, (name, m)) in self.names.iter().zip(&self.meters).enumerate() {
            let r = m.report();
            if r.n == 0 {
                continue;
            }
            let pooled = i == self.names.len() - 1;
            if let (false, Some(f)) = (pooled, r.macro_f1) {
                f1s.push((f, name));
            }
            rows.push(json!({"group": name, "rows": r.n, "accuracy": r.accuracy, "macro_f1": r.macro_f1, "pooled": pooled}));
            body.push(vec![
                name.clone(),
                r.n.to_string(),
                fmt(r.accuracy),
                fmt(r.macro_f1),
            ]);
        }
        let mean =
            (!f1s.is_empty()).then(|| f1s.iter().map(|x| x.0).sum::<f64>() / f1s.len() as f64);
        let worst = f1s.iter().min_by(|a, b| a.0.total_cmp(&b.0));
        let summary = |name: &dyn Fn(&str) -> String| {
            format!(
                "mean group macro-F1 {} (groups not pooled: {}); worst {}",
                fmt(mean),
                f1s.len(),
                worst.map_or("-".into(), |w| format!("{:.4} ({})", w.0, name(w.1)))
            )
        };
        o.extra.push((
            "groups".into(),
            json!({"groups": rows, "mean_group_macro_f1": mean, "worst_group": worst.map(|w| w.1), "worst_group_macro_f1": worst.map(|w| w.0)}),
        ));
        let head = ["group", "rows", "accuracy", "macro-F1"];
        let _ = write!(
            o.markdown,
            "## Per group\n\n{}\n{}\n",
            table(&head, &body, true),
            summary(&|n| n.to_string())
        );
        let _ = write!(
            o.text,
            "\nper group\n\n{}\n{}\n",
            table(&head, &body, false),
            summary(&escape_controls)
        );
    }
}

/// The out-of-fold predictions of a cross-validation, one per input row (`None` for
/// always-train rows).
pub type RowPredictions = Vec<Option<Prediction>>;

/// Cross-validate `params` on `data` (folds checked by the caller): the report, with
/// per-group scores for grouped data, and every held-out row's prediction.
pub fn cross_validate(
    data: &Dataset,
    params: &ValidTrainParams,
    o: &CvOptions,
    progress: &dyn Progress,
) -> Result<(Outcome, RowPredictions)> {
    let k = o.k;
    let mut points: Vec<(f64, bool)> = Vec::new();
    let mut groups = GroupMeters::new(data, o.min_group);
    let mut meter = Meter::new(data.labels.clone());
    let mut per_row: RowPredictions = vec![None; data.len()];
    let mut score = |i: usize, p: Prediction| {
        let gold = data.classes[i] as usize;
        meter.add_id(gold, p.class, &p.probabilities);
        points.push((p.confidence(), p.class == gold));
        if let Some(g) = groups.as_mut() {
            g.add(i, gold, p.class, &p.probabilities);
        }
        per_row[i] = Some(p);
    };
    match o.calibration {
        None => {
            for seed in o.seeds() {
                let folds = data.folds(k, seed, o.min_group)?;
                let jll = FoldCounts::with_progress(data, &folds, k, params, &|| progress.step())?
                    .predict(params.fit())?;
                for (i, row) in jll.into_iter().enumerate() {
                    if row.is_empty() {
                        continue; // an always-train row
                    }
                    score(i, Prediction::from_jll(row, None));
                }
            }
        }
        Some(method) => {
            let folds = data.folds(k, o.seed, o.min_group)?;
            let jll = FoldCounts::with_progress(data, &folds, k, params, &|| progress.step())?
                .predict(params.fit())?;
            // Cross-fitting: fold f is calibrated by a map fitted on the other folds'
            // out-of-fold scores (always-train rows, fold k, have none); the predicted
            // label stays the raw argmax.
            for f in 0..k as u32 {
                let (rows, classes): (Vec<Vec<f64>>, Vec<u32>) = (0..data.len())
                    .filter(|&i| folds[i] != f && (folds[i] as usize) < k)
                    .map(|i| (jll[i].clone(), data.classes[i]))
                    .unzip();
                let cal = Calibration::fit(method, &rows, &classes, k as u32, o.seed);
                for i in (0..data.len()).filter(|&i| folds[i] == f) {
                    score(i, Prediction::from_jll(jll[i].clone(), Some(&cal.map)));
                }
            }
        }
    }
    let report = meter.report();
    let grouped = match &o.group_col {
        Some(c) => format!(", grouped by {c}"),
        None => String::new(),
    };
    let mut outcome = Outcome {
        title: format!("{k}-fold CV{grouped} on {}", shorts(&o.inputs)),
        report,
        extra: vec![
            ("mode".into(), json!("cv")),
            ("k".into(), json!(k)),
            ("seed".into(), json!(o.seed)),
            ("cv_repeat".into(), json!(o.repeat)),
            ("inputs".into(), json!(paths(&o.inputs))),
            ("always_train".into(), json!(paths(&o.always_train))),
            ("group_col".into(), json!(o.group_col)),
            ("min_group".into(), json!(o.min_group)),
            (
                "params".into(),
                serde_json::to_value(params).expect("params serialise"),
            ),
            ("train_args".into(), json!(params.train_args())),
        ],
        markdown: String::new(),
        text: String::new(),
    };
    if let Some(g) = &groups {
        g.finish(&mut outcome);
    }
    add_coverage(&mut outcome, &points, o.min_confidence);
    Ok((outcome, per_row))
}

/// The out-of-fold prediction of every held-out row as CSV: `row` (its number among
/// the input rows, from 1), `group`, `label`, `predicted`, `confidence` and
/// `p_<label>`.
pub fn predictions_csv(data: &Dataset, per_row: &[Option<Prediction>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let mut header: Vec<String> = ["row", "group", "label", "predicted", "confidence"]
        .map(String::from)
        .to_vec();
    header.extend(data.labels.iter().map(|l| format!("p_{l}")));
    w.write_record(&header).expect("writing to memory");
    for (i, r) in per_row.iter().enumerate() {
        let Some(p) = r else {
            continue; // an always-train row
        };
        let group = data
            .groups
            .get(i)
            .and_then(|&g| data.group_names.get(g as usize))
            .map_or("", String::as_str);
        let mut rec = vec![
            (i + 1).to_string(),
            group.to_string(),
            data.label(i).to_string(),
            data.labels[p.class].clone(),
            format!("{:.6}", p.confidence()),
        ];
        rec.extend(p.probabilities.iter().map(|x| format!("{x:.6}")));
        w.write_record(&rec).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Train a classifier on `data` with `params` and a calibration map: `method` fitted on
/// the out-of-fold joint log-likelihoods of `k`-fold cross-validation of `data`
/// ([`Dataset::folds`]: stratified, or grouped when `data` has groups, with groups under
/// `min_group` rows pooled). More folds than held-out rows is an error, as in
/// scikit-learn's `KFold`, not a silent leave-one-out.
/// Always-train rows are in every training set and are not scored, so the map is fitted
/// on the held-out rows only. Each row is counted once, in its fold: the model's counts
/// are the folds' exact sum, the counts of all rows. Deterministic: the same data,
/// settings and seed give the same classifier whatever the thread count. `inputs` names
/// the data in error messages.
pub fn train_calibrated(
    data: &Dataset,
    params: &ValidTrainParams,
    inputs: &str,
    method: Method,
    k: usize,
    seed: u64,
    min_group: usize,
) -> Result<Classifier> {
    if data.is_empty() {
        return Err(Error::EmptyCorpus {
            inputs: inputs.to_string(),
        });
    }
    check_k(data, k)?;
    let held = data.held_out_rows();
    if k > held {
        return Err(Error::InvalidParam(format!(
            "cannot make {k} calibration folds from {held} rows that can be held out"
        )));
    }
    let folds = data.folds(k, seed, min_group)?;
    let fold_counts = FoldCounts::new(data, &folds, k, params)?;
    // The fit's errors before the folds' work; the fit itself after it, on the counts
    // of all rows moved out of the folds (not a copy beside them).
    Classifier::check_fit(fold_counts.all(), params, inputs)?;
    let jll = fold_counts.predict(params.fit())?;
    let mut clf = Classifier::fit(fold_counts.into_all(), params, inputs)?;
    let (rows, classes): (Vec<Vec<f64>>, Vec<u32>) = (0..data.len())
        .filter(|&i| !data.is_always_train(i))
        .map(|i| (jll[i].clone(), data.classes[i]))
        .unzip();
    clf.calibration = Some(Calibration::fit(method, &rows, &classes, k as u32, seed));
    Ok(clf)
}
