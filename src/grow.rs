//! Growing models: adding documents to a trained model ([`update_with`], [`update_docs`])
//! and combining models trained on disjoint shards ([`merge`]). Reading the new
//! documents or the models' files is the [`crate::pipeline::train::Trainer`]'s.
//!
//! Both are exact because a model keeps its full, unpruned integer [`Counts`]: counts of
//! disjoint corpora add up ([`Counts::merge`]), and vocabulary selection (`min_df`,
//! `max_features`) and fitting are redone from the summed counts by
//! [`Classifier::fit`]. So growing a model gives the same file, byte for byte, as
//! training on all the data at once, whatever the order or the sharding.
//!
//! Parts of a model that are not a function of its counts cannot be grown that way.
//! [`carry_over`] is the one place that decides what happens to them; a part that is
//! kept without being refitted is listed in [`TrainInfo::stale`] so tools can say so.

use crate::error::{Error, Result};
use crate::nb::classifier::{Classifier, TrainInfo, PRUNED};
use crate::nb::counts::Counts;
use crate::params::ValidTrainParams;

/// Add counts made with `base`'s own settings to `base` and refit: the one way a model
/// grows by new documents (`pitchsift-train --update` through
/// [`crate::pipeline::train::Trainer::update`], and [`update_docs`]). `count` gets the
/// model's settings and returns the new documents' counts; `name` names them in messages.
///
/// `base` (loaded with [`crate::model_file::Load::Full`]) is consumed: what the refit
/// rebuilds (weights, features, vocabulary) is freed before `count` runs, which bounds
/// peak memory on large models. The calibration map, which cannot be refitted without the
/// old data, is kept and marked stale ([`crate::nb::calibrate::Calibration::into_stale`]).
///
/// Errors: [`Error::Incompatible`] if `base` carries no counts; any error of `count` or
/// [`Classifier::fit`].
pub fn update_with(
    base: Classifier,
    name: &str,
    count: impl FnOnce(&ValidTrainParams) -> Result<Counts>,
) -> Result<Classifier> {
    let Source {
        params,
        counts: old,
        info,
        calibration,
        ..
    } = Source::take("the model", base)?;
    let new = count(&params)?;
    let counts = old.merge(&new)?;
    drop((old, new));
    let mut clf = Classifier::fit(counts, &params, name)?;
    clf.calibration = calibration.map(crate::nb::calibrate::Calibration::into_stale);
    Ok(carry_over(&[&info], clf))
}

/// Add labelled documents held in memory, `(text, label)` with weight 1, to `base`
/// (loaded with [`crate::model_file::Load::Full`]): the same model, byte for byte, as
/// `pitchsift-train --update` of a CSV file holding these rows in this order (labels
/// trimmed, as the CSV reader trims them). The calibration map, which cannot be refitted
/// without the old data, is kept and marked stale, as `--update` does.
///
/// Errors: [`Error::InvalidParam`] for an empty label (naming the 1-based document);
/// [`Error::Incompatible`] if `base` carries no counts; any error of
/// [`Classifier::fit`].
///
/// ```
/// use pitchsift::grow::update_docs;
/// use pitchsift::params::TrainParams;
/// # use pitchsift::nb::counts::{CountBuilder, Doc};
/// # use pitchsift::nb::classifier::Classifier;
/// let params = TrainParams::default().check().unwrap();
/// # let mut b = CountBuilder::new(params.analyzer(), params.fit()).unwrap();
/// # let (s, n) = (b.class_id("sales"), b.class_id("networking"));
/// # b.add(&[Doc { text: "book a demo", class: s, weight: 1 }, Doc { text: "nice talk", class: n, weight: 1 }]);
/// # let base = Classifier::fit(b.finish(), &params, "example").unwrap();
/// let grown = update_docs(base, &[("we are hiring engineers", "recruiting")]).unwrap();
/// assert_eq!(grown.labels, ["networking", "recruiting", "sales"]);
/// ```
pub fn update_docs<T: AsRef<str>, L: AsRef<str>>(
    base: Classifier,
    docs: &[(T, L)],
) -> Result<Classifier> {
    update_with(base, "the update", |params| {
        let mut builder = crate::nb::counts::CountBuilder::new(params.analyzer(), params.fit())?;
        let mut batch = Vec::with_capacity(docs.len());
        for (i, (text, label)) in docs.iter().enumerate() {
            let label = label.as_ref().trim();
            if label.is_empty() {
                return Err(Error::InvalidParam(format!(
                    "document {}: empty label",
                    i + 1
                )));
            }
            let class = builder.class_id(label);
            batch.push(crate::nb::counts::Doc {
                text: text.as_ref(),
                class,
                weight: 1,
            });
        }
        builder.add(&batch);
        Ok(builder.finish())
    })
}

/// Combine models trained with the same settings on disjoint corpora: the result is the
/// model trained on their union, whatever the order. Each item pairs a model (loaded
/// with [`crate::model_file::Load::Full`]) with a name for messages, usually its path; the
/// models are consumed one at a time.
///
/// Errors: [`Error::Incompatible`], naming both models and the first setting that
/// differs, when analyzer or fitting settings (or the stored weight scale) differ;
/// [`Error::EmptyCorpus`] for no model at all.
///
/// ```
/// use pitchsift::nb::counts::{CountBuilder, Doc};
/// use pitchsift::nb::classifier::Classifier;
/// use pitchsift::params::TrainParams;
/// use pitchsift::grow::merge;
///
/// let params = TrainParams::default().check().unwrap();
/// let fit = |docs: &[(&str, &str)]| {
///     let mut b = CountBuilder::new(params.analyzer(), params.fit()).unwrap();
///     let ids: Vec<u32> = docs.iter().map(|d| b.class_id(d.1)).collect();
///     let batch: Vec<Doc> = docs.iter().zip(ids).map(|(d, class)| Doc { text: d.0, class, weight: 1 }).collect();
///     b.add(&batch);
///     Classifier::fit(b.finish(), &params, "example").unwrap()
/// };
/// let a = [("book a demo", "sales"), ("nice talk", "networking")];
/// let b = [("demo pricing call", "sales"), ("great panel", "networking")];
/// let merged = merge([("a", Ok(fit(&a))), ("b", Ok(fit(&b)))]).unwrap();
/// let whole = fit(&[a[0], a[1], b[0], b[1]]);
/// assert_eq!(merged.model, whole.model);
/// assert_eq!(merged.features(), whole.features());
/// ```
pub fn merge<S, I>(models: I) -> Result<Classifier>
where
    S: AsRef<str>,
    I: IntoIterator<Item = (S, Result<Classifier>)>,
{
    let mut first: Option<Source> = None;
    let mut calibration = None;
    let mut infos: Vec<TrainInfo> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (name, model) in models {
        let mut next = Source::take(name.as_ref(), model?)?;
        names.push(next.name.clone());
        if calibration.is_none() {
            calibration = next.calibration.take();
        }
        match &mut first {
            None => first = Some(next),
            Some(acc) => {
                acc.check_compatible(&next)?;
                acc.counts = acc.counts.merge(&next.counts)?;
                infos.push(next.info);
            }
        }
    }
    let Some(acc) = first else {
        return Err(Error::EmptyCorpus {
            inputs: "(no models)".into(),
        });
    };
    infos.push(acc.info);
    let mut clf = Classifier::fit(acc.counts, &acc.params, &names.join(", "))?;
    // The first calibrated source's map, kept but marked stale: it was fitted on that
    // source's data only. Without calibrated sources nothing changes, so merging stays
    // byte-identical to training on all the data. A "merge" of one model changes
    // nothing: its map still fits it and is kept as it was (it was marked stale).
    clf.calibration = match names.len() {
        1 => calibration,
        _ => calibration.map(crate::nb::calibrate::Calibration::into_stale),
    };
    Ok(carry_over(&infos.iter().collect::<Vec<_>>(), clf))
}

/// What growing needs of a source model: its settings, counts and training info. The
/// rest (weights, features, vocabulary) is rebuilt by the refit, so it is dropped early.
struct Source {
    name: String,
    params: ValidTrainParams,
    counts: Counts,
    info: TrainInfo,
    /// Its calibration map: not a function of the counts, so a merge keeps the first
    /// source's map, marked stale (as `pitchsift-train --update` does).
    calibration: Option<crate::nb::calibrate::Calibration>,
}

impl Source {
    fn take(name: &str, clf: Classifier) -> Result<Source> {
        let Classifier {
            params,
            counts,
            info,
            calibration,
            ..
        } = clf;
        let counts = counts.ok_or_else(|| {
            Error::Incompatible(format!(
                "{name}: the model was loaded without its counts and cannot be grown"
            ))
        })?;
        Ok(Source {
            name: name.to_string(),
            params,
            counts,
            info,
            calibration,
        })
    }

    /// Refuse to combine models whose analyzer or fitting settings differ: their counts
    /// would not mean the same thing. The message names both models and the setting.
    fn check_compatible(&self, other: &Source) -> Result<()> {
        let (a, b) = (&self.name, &other.name);
        if let Some((setting, va, vb)) = first_difference(&self.params, &other.params) {
            return Err(Error::Incompatible(format!(
                "cannot merge {b} into {a}: they were trained with different settings \
                 ({setting} is {va} in {a} but {vb} in {b}); train every shard with the \
                 same options"
            )));
        }
        let (sa, sb) = (
            self.counts.weight_scale_bits,
            other.counts.weight_scale_bits,
        );
        if sa != sb {
            return Err(Error::Incompatible(format!(
                "cannot merge {b} into {a}: their counts use different fixed-point weight \
                 scales ({sa} and {sb} bits)"
            )));
        }
        Ok(())
    }
}

/// The first setting (as a dotted path, e.g. `analyzer.ngram_max`) whose value differs,
/// with both values as JSON. Settings are compared through their saved form, so a
/// setting added later is compared without changes here.
pub fn first_difference(
    a: &ValidTrainParams,
    b: &ValidTrainParams,
) -> Option<(String, String, String)> {
    differences(a, b).into_iter().next()
}

/// Every setting whose value differs, in the order of [`first_difference`]: (dotted
/// path, value in `a`, value in `b`), values as JSON.
pub fn differences(a: &ValidTrainParams, b: &ValidTrainParams) -> Vec<(String, String, String)> {
    let va = serde_json::to_value(a).expect("settings serialise");
    let vb = serde_json::to_value(b).expect("settings serialise");
    let mut out = Vec::new();
    diff_json("", &va, &vb, &mut out);
    out
}

fn diff_json(
    path: &str,
    a: &serde_json::Value,
    b: &serde_json::Value,
    out: &mut Vec<(String, String, String)>,
) {
    use serde_json::Value;
    if let (Value::Object(ma), Value::Object(mb)) = (a, b) {
        // Keys in a stable order: a's keys, then keys only b has.
        let keys = ma.keys().chain(mb.keys().filter(|k| !ma.contains_key(*k)));
        for k in keys {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            let (x, y) = (
                ma.get(k).unwrap_or(&Value::Null),
                mb.get(k).unwrap_or(&Value::Null),
            );
            diff_json(&p, x, y, out);
        }
    } else if a != b {
        out.push((path.to_string(), a.to_string(), b.to_string()));
    }
}

/// Decide what a grown model keeps of its sources beyond what [`Classifier::fit`]
/// rebuilds from the counts.
///
/// Today every part of a model is rebuilt from its counts, so the only thing carried
/// over is the list of stale parts: a part that was stale in a source is still stale
/// (sorted, without repeats, so the result does not depend on the order of the
/// sources). A future part that is not a function of the counts (a probability
/// calibration fitted on held-out predictions, say) must be handled here, passed in
/// with the sources' training info: refitted, or kept and named in
/// [`TrainInfo::stale`]. Models without such parts get an empty list, which is not
/// written to the file, so growing stays byte-identical to training.
pub fn carry_over(sources: &[&TrainInfo], mut grown: Classifier) -> Classifier {
    let mut stale: Vec<String> = sources
        .iter()
        .flat_map(|s| s.stale.iter())
        .map(|s| {
            // A pruned source's note said the stored counts lack every rare term; the
            // grown counts hold those of the data added (unless pruned again).
            if s.starts_with(PRUNED) {
                format!(
                    "{PRUNED}a model it grew from had its rare terms left out of its stored \
                     counts (--prune-counts), so update and merge are not exact; the counts \
                     added since keep every term (--prune-counts again leaves them out)"
                )
            } else {
                s.clone()
            }
        })
        .collect();
    stale.sort();
    stale.dedup();
    grown.info = TrainInfo {
        stale,
        ..grown.info
    };
    grown
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{ModelKind, TrainParams};
    use crate::test_util::{fit, CORPUS_A as A, CORPUS_B as B};

    #[test]
    fn merge_equals_fit_on_union_in_any_order() {
        let p = TrainParams::default()
            .model(ModelKind::Complement)
            .min_df(2)
            .check()
            .unwrap();
        let all: Vec<_> = A.iter().chain(&B).copied().collect();
        let whole = crate::model_file::to_bytes(&fit(&all, &p)).unwrap();
        let ab = merge([("a", Ok(fit(&A, &p))), ("b", Ok(fit(&B, &p)))]).unwrap();
        let ba = merge([("b", Ok(fit(&B, &p))), ("a", Ok(fit(&A, &p)))]).unwrap();
        assert_eq!(crate::model_file::to_bytes(&ab).unwrap(), whole);
        assert_eq!(crate::model_file::to_bytes(&ba).unwrap(), whole);
    }

    #[test]
    fn different_settings_are_named() {
        let p1 = TrainParams::default().check().unwrap();
        let p2 = TrainParams::default().ngrams(1, 1).check().unwrap();
        let err = merge([
            ("one.model", Ok(fit(&A, &p1))),
            ("two.model", Ok(fit(&B, &p2))),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("analyzer.ngram_max is 2 in one.model but 1 in two.model"),
            "{err}"
        );
        let p3 = TrainParams::default().alpha(0.5).check().unwrap();
        let (s, a, b) = first_difference(&p1, &p3).unwrap();
        assert_eq!(
            (s.as_str(), a.as_str(), b.as_str()),
            ("fit.alpha", "1.0", "0.5")
        );
        assert_eq!(first_difference(&p1, &p1.clone()), None);
    }

    #[test]
    fn stale_parts_are_carried_over_sorted() {
        let p = TrainParams::default().check().unwrap();
        let mut a = fit(&A, &p);
        a.info.stale = vec!["z-part: reason".into(), "a-part: reason".into()];
        let mut b = fit(&B, &p);
        b.info.stale = vec!["a-part: reason".into()];
        let m = merge([("a", Ok(a)), ("b", Ok(b))]).unwrap();
        assert_eq!(m.info.stale, ["a-part: reason", "z-part: reason"]);
        // Nothing stale: the field is not written, so files stay identical to training.
        let plain = merge([("a", Ok(fit(&A, &p))), ("b", Ok(fit(&B, &p)))]).unwrap();
        assert!(plain.info.stale.is_empty());
    }
}
