//! `pitchsift-train --update MODEL`: the training options given are compared with the
//! model's settings. One that agrees is accepted; one that contradicts the model is a
//! usage error naming both values (a silent override would make the grown model mean
//! something else than the user asked for).

use std::path::Path;

use clap::Args;
use pitchsift::grow;
use pitchsift::params::{FitParams, TrainParams, ValidTrainParams};
use pitchsift::text::AnalyzerConfig;

use super::{TrainArgs, Usage};

impl TrainArgs {
    /// `base` with the settings of the options for which `given(id)` holds (`id`: the
    /// option's clap id, `min_df` for --min-df), unchecked.
    pub fn over(
        &self,
        base: &ValidTrainParams,
        given: impl Fn(&str) -> bool,
    ) -> (AnalyzerConfig, FitParams) {
        let (mut a, mut f) = (base.analyzer().clone(), base.fit().clone());
        let set = |id: &str, apply: &mut dyn FnMut()| {
            if given(id) {
                apply()
            }
        };
        set("model", &mut || f.model = self.model);
        set("alpha", &mut || f.alpha = self.alpha);
        set("ngrams", &mut || (a.ngram_min, a.ngram_max) = self.ngrams);
        set("min_df", &mut || f.min_df = self.min_df);
        set("max_features", &mut || f.max_features = self.max_features);
        set("prior", &mut || f.prior = self.prior.clone());
        set("weight_norm", &mut || f.weight_norm = self.weight_norm);
        set("tf", &mut || f.tf = self.tf);
        set("idf", &mut || f.idf = self.idf);
        set("norm", &mut || f.norm = self.norm);
        set("no_placeholders", &mut || {
            a.placeholders = !self.no_placeholders
        });
        set("no_lowercase", &mut || a.lowercase = !self.no_lowercase);
        set("hash_bits", &mut || a.hash_bits = self.hash_bits);
        (a, f)
    }

    /// The checked parameters (an invalid value is a usage error).
    pub fn params(&self) -> anyhow::Result<ValidTrainParams> {
        let (a, f) = self.over(&ValidTrainParams::default(), |_| true);
        let p = TrainParams::default().analyzer(a).fit_params(f);
        p.check().map_err(|e| Usage(e.to_string()).into())
    }
}

/// Refuse the training options given (`given(id)`, by clap id) that contradict `model`,
/// the settings of the model file at `path`. Options that agree are accepted. A change
/// of variant (--model) is a conflict; otherwise the model's settings with the options'
/// are checked first (`--prior uniform` on a complement model is refused for what it
/// is: the complement model has no prior), then compared setting by setting
/// ([`grow::first_difference`]).
pub fn refuse_conflicts(
    args: &TrainArgs,
    given: impl Fn(&str) -> bool,
    model: &ValidTrainParams,
    path: &Path,
) -> anyhow::Result<()> {
    let (a, f) = args.over(model, given);
    if (&a, &f) == (model.analyzer(), model.fit()) {
        return Ok(());
    }
    let conflict = |id: &str| {
        let flag = TrainArgs::augment_args(clap::Command::new("train"))
            .get_arguments()
            .find(|o| o.get_id() == id)
            .and_then(|o| o.get_long())
            .unwrap_or(id)
            .to_string();
        let (has, asked) = (shown(id, model.analyzer(), model.fit()), shown(id, &a, &f));
        Usage(format!(
            "--{flag} contradicts {}: it has {has}, --{flag} asks for {asked}; --update \
             trains with the model's own settings: drop --{flag}, or train a new model on \
             all the data",
            path.display()
        ))
    };
    if f.model != model.fit().model {
        return Err(conflict("model").into());
    }
    let merged = TrainParams::default()
        .analyzer(a.clone())
        .fit_params(f.clone())
        .check()
        .map_err(|e| {
            // Values valid alone, but not with the model's variant: say which it is.
            let alone = f.check().is_ok() && a.check().is_ok();
            let variant = shown("model", model.analyzer(), model.fit());
            Usage(if alone {
                format!(
                    "{e} ({} has {variant}; --update trains with the model's own settings)",
                    path.display()
                )
            } else {
                e.to_string()
            })
        })?;
    // The option that sets each setting (`fit.min_df` -> `min_df`, `fit.prior.given.x`
    // -> `prior`); only given options differ from the model.
    let Some((setting, ..)) = grow::first_difference(model, &merged) else {
        return Ok(());
    };
    let id = match setting.split('.').nth(1).unwrap_or(&setting) {
        "ngram_min" | "ngram_max" => "ngrams",
        "placeholders" => "no_placeholders",
        "lowercase" => "no_lowercase",
        s => s,
    };
    Err(conflict(id).into())
}

/// A setting as the messages say it: `the complement model`, `no feature hashing`.
fn shown(id: &str, a: &AnalyzerConfig, f: &FitParams) -> String {
    let on = |b: bool| if b { "on" } else { "off" };
    match id {
        "model" => format!("the {} model", f.model),
        "alpha" => format!("alpha {}", f.alpha),
        "ngrams" => format!("n-grams {}..{}", a.ngram_min, a.ngram_max),
        "min_df" => format!("min-df {}", f.min_df),
        "max_features" => f.max_features.map_or("no --max-features cap".into(), |n| {
            format!("at most {n} features")
        }),
        "prior" => format!("prior {}", f.prior),
        "weight_norm" => format!("weight normalisation {}", on(f.weight_norm)),
        "tf" => format!("tf {}", f.tf),
        "idf" => format!("idf {}", on(f.idf)),
        "norm" => format!("norm {}", f.norm),
        "no_placeholders" => format!("placeholders {}", on(a.placeholders)),
        "no_lowercase" => format!("lowercase {}", on(a.lowercase)),
        "hash_bits" => a
            .hash_bits
            .map_or("no feature hashing".into(), |b| format!("{b} hash bits")),
        s => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeSet;

    use clap::{Args, FromArgMatches};

    use super::*;

    /// Every option of `TrainArgs` but `--label-col` (a column of the input, no setting
    /// of the model) is mapped to its setting by `TrainArgs::over` and named in words by
    /// `shown`: an option added to `TrainArgs` and not there would escape `--update`'s
    /// comparison with the model without a word.
    #[test]
    fn every_training_option_is_compared_on_update() {
        let cmd = TrainArgs::augment_args(clap::Command::new("train"));
        let options: BTreeSet<String> = cmd
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .filter(|id| id != "label_col")
            .collect();
        let args = TrainArgs::from_arg_matches(&cmd.get_matches_from(["train"])).unwrap();
        let asked = RefCell::new(BTreeSet::new());
        let base = ValidTrainParams::default();
        args.over(&base, |id| {
            asked.borrow_mut().insert(id.to_string());
            false
        });
        assert_eq!(asked.into_inner(), options);
        for id in &options {
            let said = shown(id, base.analyzer(), base.fit());
            assert_ne!(&said, id, "--update names no value for `{id}`");
        }
    }
}
