//! Grid search of training settings by cross-validation: the configurations are
//! grouped by what needs a recount (analyzer, tf, norm), each group is counted once per
//! fold, and every fitting setting of the group is scored from those counts.

use std::time::Instant;

use serde::Serialize;
use serde_json::json;

use crate::error::{Error, Result};
use crate::eval::cv::{Dataset, FoldCounts};
use crate::eval::metrics::{Meter, Report};
use crate::par::*;
use crate::params::{DocNorm, FitParams, ModelKind, Prior, TermWeight, ValidTrainParams};

use super::crossval::{meter_of, CvOptions};
use super::render::{num, table};
use super::{paths, shorts, Outcome, Progress};

/// A model variant of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum GridModel {
    /// Multinomial naive Bayes.
    Multinomial,
    /// Complement naive Bayes.
    Complement,
    /// Complement naive Bayes with weight normalisation.
    ComplementWn,
}

/// A class prior of the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum GridPrior {
    /// Document frequency of each label.
    Empirical,
    /// Every label equally likely.
    Uniform,
}

/// On or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum OnOff {
    /// On.
    On,
    /// Off.
    Off,
}

/// The document transforms of one configuration: `raw` or `log`, with `+idf`, `+l2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transform {
    /// Term weighting.
    pub tf: TermWeight,
    /// Inverse document frequency.
    pub idf: bool,
    /// Length normalisation.
    pub norm: DocNorm,
}

impl std::str::FromStr for Transform {
    type Err = String;
    /// `raw` or `log`, optionally with `+idf` and `+l2` (e.g. `log+idf+l2`).
    fn from_str(s: &str) -> std::result::Result<Transform, String> {
        let mut t = Transform {
            tf: TermWeight::Raw,
            idf: false,
            norm: DocNorm::None,
        };
        for part in s.split('+') {
            match part.trim() {
                "raw" => t.tf = TermWeight::Raw,
                "log" => t.tf = TermWeight::Log,
                "idf" => t.idf = true,
                "l2" => t.norm = DocNorm::L2,
                other => {
                    return Err(format!(
                        "bad transform part `{other}` (use raw or log, +idf, +l2; e.g. log+idf+l2)"
                    ))
                }
            }
        }
        Ok(t)
    }
}

/// The lists of settings the grid crosses (also pitchsift-eval's `--grid-*` options).
#[derive(Debug, Clone)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct GridSpec {
    /// Grid: model variants (complement-wn = complement with weight normalisation).
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "grid-model",
            value_enum,
            value_delimiter = ',',
            default_value = "multinomial,complement,complement-wn"
        )
    )]
    pub models: Vec<GridModel>,
    /// Grid: smoothing values.
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "grid-alpha",
            value_delimiter = ',',
            default_value = "0.01,0.03,0.1,0.3,1"
        )
    )]
    pub alphas: Vec<f64>,
    /// Grid: n-gram ranges (MIN..MAX).
    #[cfg_attr(
        feature = "cli",
        arg(id = "grid_ngrams", long = "grid-ngrams", value_delimiter = ',', default_value = "1..1,1..2", value_parser = crate::params::parse_ngrams)
    )]
    pub ngrams: Vec<(u8, u8)>,
    /// Grid: document transforms, each `raw` or `log`, optionally with `+idf` and `+l2`
    /// (e.g. `raw,log+idf+l2`).
    #[cfg_attr(
        feature = "cli",
        arg(long = "grid-transform", value_delimiter = ',', default_value = "raw,raw+idf,log+idf+l2", value_parser = clap::value_parser!(Transform))
    )]
    pub transforms: Vec<Transform>,
    /// Grid: minimum document frequencies.
    #[cfg_attr(
        feature = "cli",
        arg(long = "grid-min-df", value_delimiter = ',', default_value = "1,2")
    )]
    pub min_dfs: Vec<u64>,
    /// Grid: class priors of the multinomial model (complement NB has none).
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "grid-prior",
            value_enum,
            value_delimiter = ',',
            default_value = "empirical"
        )
    )]
    pub priors: Vec<GridPrior>,
    /// Grid: placeholder tokens for URLs, numbers, money etc. (on) or the raw words (off).
    #[cfg_attr(
        feature = "cli",
        arg(
            long = "grid-placeholders",
            value_enum,
            value_delimiter = ',',
            default_value = "on"
        )
    )]
    pub placeholders: Vec<OnOff>,
}

/// One configuration of the grid and its cross-validated scores.
#[derive(Debug, Clone, Serialize)]
pub struct GridRow {
    model: ModelKind,
    weight_norm: bool,
    alpha: f64,
    ngrams: String,
    tf: TermWeight,
    idf: bool,
    norm: DocNorm,
    min_df: u64,
    prior: String,
    placeholders: bool,
    accuracy: Option<f64>,
    macro_f1: Option<f64>,
    log_loss: Option<f64>,
    /// The pitchsift-train options of this configuration.
    train_args: Vec<String>,
}

/// The result of a grid search.
#[derive(Debug, Clone)]
pub struct GridResult {
    /// The best configuration's report (with the grid in JSON and Markdown).
    pub outcome: Outcome,
    /// The ranked grid as a text table.
    pub table: String,
    /// The best configuration.
    pub best: ValidTrainParams,
}

/// The fitting settings of the grid for one count group (same analyzer, tf and norm).
fn fit_configs(spec: &GridSpec, key: &ValidTrainParams) -> Result<Vec<ValidTrainParams>> {
    let mut configs = Vec::new();
    for t in spec
        .transforms
        .iter()
        .filter(|t| t.tf == key.fit().tf && t.norm == key.fit().norm)
    {
        for &m in &spec.models {
            for (pi, &prior) in spec.priors.iter().enumerate() {
                // Complement NB has no prior: one configuration, not one per prior.
                if m != GridModel::Multinomial && pi > 0 {
                    continue;
                }
                for &alpha in &spec.alphas {
                    for &min_df in &spec.min_dfs {
                        let mut f = key.fit().clone();
                        f.idf = t.idf;
                        f.alpha = alpha;
                        f.min_df = min_df;
                        if m == GridModel::Multinomial {
                            f.prior = match prior {
                                GridPrior::Empirical => Prior::Empirical,
                                GridPrior::Uniform => Prior::Uniform,
                            };
                        }
                        (f.model, f.weight_norm) = match m {
                            GridModel::Multinomial => (ModelKind::Multinomial, false),
                            GridModel::Complement => (ModelKind::Complement, false),
                            GridModel::ComplementWn => (ModelKind::Complement, true),
                        };
                        configs.push(key.with_fit(f)?);
                    }
                }
            }
        }
    }
    Ok(configs)
}

/// The configurations, grouped by what needs a recount: analyzer (n-grams,
/// placeholders), tf, norm. An invalid setting is [`Error::InvalidParam`].
pub fn configurations(
    spec: &GridSpec,
    base: &ValidTrainParams,
) -> Result<Vec<(ValidTrainParams, Vec<ValidTrainParams>)>> {
    if spec.alphas.iter().any(|&a| !(a.is_finite() && a > 0.0)) {
        return Err(Error::InvalidParam(
            "--grid-alpha values must be finite and > 0".into(),
        ));
    }
    let mut groups: Vec<(ValidTrainParams, Vec<ValidTrainParams>)> = Vec::new();
    let mut tfs: Vec<(TermWeight, DocNorm)> = Vec::new();
    for t in &spec.transforms {
        if !tfs.contains(&(t.tf, t.norm)) {
            tfs.push((t.tf, t.norm));
        }
    }
    let mut placeholders = spec.placeholders.clone();
    placeholders.dedup();
    for &ph in &placeholders {
        for &(lo, hi) in &spec.ngrams {
            for &(tf, norm) in &tfs {
                let mut analyzer = base.analyzer().clone();
                analyzer.placeholders = ph == OnOff::On;
                analyzer.ngram_min = lo;
                analyzer.ngram_max = hi;
                analyzer
                    .check()
                    .map_err(|e| Error::InvalidParam(format!("--grid-ngrams: {e}")))?;
                let mut fit = base.fit().clone();
                fit.tf = tf;
                fit.norm = norm;
                let key = ValidTrainParams::new(analyzer, fit)?;
                let configs = fit_configs(spec, &key)?;
                groups.push((key, configs));
            }
        }
    }
    if groups.iter().all(|g| g.1.is_empty()) {
        return Err(Error::InvalidParam("the grid is empty".into()));
    }
    Ok(groups)
}

/// The number of progress steps of [`search`].
pub fn steps(groups: &[(ValidTrainParams, Vec<ValidTrainParams>)], o: &CvOptions) -> usize {
    let n_seeds = o.seeds().len();
    groups.iter().map(|g| n_seeds * (2 * o.k + g.1.len())).sum()
}

/// Cross-validate every configuration of `groups` (from [`configurations`]) and rank
/// them by macro-F1 (ties: accuracy, then the earlier configuration).
pub fn search(
    data: &Dataset,
    groups: &[(ValidTrainParams, Vec<ValidTrainParams>)],
    o: &CvOptions,
    progress: &dyn Progress,
) -> Result<GridResult> {
    let k = o.k;
    let n_configs: usize = groups.iter().map(|g| g.1.len()).sum();
    let mut results: Vec<(ValidTrainParams, Meter)> = Vec::with_capacity(n_configs);
    for (gi, (key, configs)) in groups.iter().enumerate() {
        let t0 = Instant::now();
        let mut t_count = 0.0;
        let mut meters: Vec<Meter> = vec![Meter::new(data.labels.clone()); configs.len()];
        for seed in o.seeds() {
            let t1 = Instant::now();
            let folds = data.folds(k, seed, o.min_group)?;
            let step = || progress.step();
            let counted = FoldCounts::with_progress(data, &folds, k, key, &step)?;
            t_count += t1.elapsed().as_secs_f64();
            let fits: Vec<FitParams> = configs.iter().map(|p| p.fit().clone()).collect();
            let these: Vec<Meter> = counted
                .predict_many(&fits)?
                .par_iter()
                .map(|jll| {
                    let m = meter_of(data, jll);
                    progress.step();
                    m
                })
                .collect();
            for (m, t) in meters.iter_mut().zip(&these) {
                m.merge(t);
            }
        }
        progress.note(format!(
            "pitchsift-eval: group {}/{} (ngrams {}..{}, tf {:?}, norm {:?}): counted in {:.1}s, {} configurations in {:.1}s",
            gi + 1,
            groups.len(),
            key.analyzer().ngram_min,
            key.analyzer().ngram_max,
            key.fit().tf,
            key.fit().norm,
            t_count,
            configs.len(),
            t0.elapsed().as_secs_f64() - t_count
        ));
        results.extend(configs.iter().cloned().zip(meters));
    }
    let reports: Vec<Report> = results.iter().map(|(_, m)| m.report()).collect();
    let mut order: Vec<usize> = (0..results.len()).collect();
    let key = |i: usize| {
        (
            reports[i].macro_f1.unwrap_or(f64::NEG_INFINITY),
            reports[i].accuracy.unwrap_or(f64::NEG_INFINITY),
        )
    };
    order.sort_by(|&a, &b| {
        key(b)
            .partial_cmp(&key(a))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let rows: Vec<GridRow> = order
        .iter()
        .map(|&i| {
            let (p, r) = (&results[i].0, &reports[i]);
            GridRow {
                model: p.fit().model,
                weight_norm: p.fit().weight_norm,
                alpha: p.fit().alpha,
                ngrams: format!("{}..{}", p.analyzer().ngram_min, p.analyzer().ngram_max),
                tf: p.fit().tf,
                idf: p.fit().idf,
                norm: p.fit().norm,
                min_df: p.fit().min_df,
                prior: match p.fit().prior {
                    Prior::Empirical => "empirical".into(),
                    Prior::Uniform => "uniform".into(),
                    Prior::Given(_) => "given".into(),
                },
                placeholders: p.analyzer().placeholders,
                accuracy: r.accuracy,
                macro_f1: r.macro_f1,
                log_loss: r.log_loss,
                train_args: p.train_args(),
            }
        })
        .collect();
    let best = order[0];
    let best_params = results[best].0.clone();
    let outcome = Outcome {
        title: format!(
            "best of {} configurations, {k}-fold CV on {}",
            rows.len(),
            shorts(&o.inputs)
        ),
        report: reports[best].clone(),
        extra: vec![
            ("mode".into(), json!("grid")),
            ("k".into(), json!(k)),
            ("seed".into(), json!(o.seed)),
            ("cv_repeat".into(), json!(o.repeat)),
            ("inputs".into(), json!(paths(&o.inputs))),
            (
                "params".into(),
                serde_json::to_value(&best_params).expect("params serialise"),
            ),
            ("train_args".into(), json!(best_params.train_args())),
            (
                "grid".into(),
                serde_json::to_value(&rows).expect("grid serialises"),
            ),
        ],
        markdown: format!("## Grid (by macro-F1)\n\n{}\n", grid_table(&rows, true)),
        text: String::new(),
    };
    Ok(GridResult {
        outcome,
        table: grid_table(&rows, false),
        best: best_params,
    })
}

fn grid_table(rows: &[GridRow], markdown: bool) -> String {
    let head = [
        "rank", "model", "wn", "alpha", "ngrams", "tf", "idf", "norm", "min_df", "prior", "ph",
        "accuracy", "macro_f1", "log_loss",
    ];
    let body: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                (i + 1).to_string(),
                format!("{:?}", r.model).to_lowercase(),
                if r.weight_norm { "yes" } else { "no" }.into(),
                format!("{}", r.alpha),
                r.ngrams.clone(),
                format!("{:?}", r.tf).to_lowercase(),
                if r.idf { "yes" } else { "no" }.into(),
                format!("{:?}", r.norm).to_lowercase(),
                r.min_df.to_string(),
                r.prior.clone(),
                if r.placeholders { "on" } else { "off" }.into(),
                num(r.accuracy),
                num(r.macro_f1),
                num(r.log_loss),
            ]
        })
        .collect();
    table(&head, &body, markdown)
}
