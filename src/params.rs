//! Training parameters: [`TrainParams`] (a builder) is checked once into
//! [`ValidTrainParams`], the only type that [`crate::fit`] accepts (linfa's
//! `Params -> check() -> ValidParams` shape; [`linfa::ParamGuard`] is implemented).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::text::AnalyzerConfig;

/// Which naive Bayes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum ModelKind {
    /// Multinomial naive Bayes.
    Multinomial,
    /// Complement naive Bayes (Rennie et al. 2003), as scikit-learn's `ComplementNB`.
    Complement,
}

/// Class priors of the multinomial model (complement NB, like scikit-learn's, has none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Prior {
    /// Document frequency of each label in the training data.
    Empirical,
    /// Every label equally likely.
    Uniform,
    /// Given per label; normalised to sum to 1. Every label must be given.
    Given(BTreeMap<String, f64>),
}

/// Per-document term weighting before counts are summed (Rennie et al. 2003, 4.1-4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum TermWeight {
    /// Raw term frequency: the model's statistics are exact integer counts.
    Raw,
    /// `ln(1 + tf)`.
    Log,
}

/// Per-document length normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum DocNorm {
    /// None.
    None,
    /// Divide the document's term weights by their Euclidean norm (over all its terms).
    L2,
}

/// A word n-gram range `MIN..MAX` (also `MIN-MAX`, `MIN,MAX`) or a single `N`: the one
/// parser of `--ngrams` and `--grid-ngrams` (the range itself is judged by `check()`).
pub fn parse_ngrams(s: &str) -> std::result::Result<(u8, u8), String> {
    let parse = |x: &str| {
        x.trim()
            .parse::<u8>()
            .map_err(|_| format!("bad n-gram range `{s}` (use MIN..MAX, e.g. 1..2)"))
    };
    match s
        .split_once("..")
        .or_else(|| s.split_once('-'))
        .or_else(|| s.split_once(','))
    {
        Some((a, b)) => Ok((parse(a)?, parse(b.trim_start_matches('='))?)),
        None => {
            let n = parse(s)?;
            Ok((n, n))
        }
    }
}

/// `Display` and `FromStr` of a unit enum by its command-line (and model file) names.
macro_rules! named {
    ($t:ty, $what:literal, $($v:path => $n:literal),+) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(match self { $($v => $n),+ })
            }
        }
        impl std::str::FromStr for $t {
            type Err = $crate::error::Error;
            fn from_str(s: &str) -> $crate::error::Result<Self> {
                match s {
                    $($n => Ok($v),)+
                    _ => Err($crate::error::Error::InvalidParam(format!(
                        concat!("unknown ", $what, " `{}` (", $($n, " "),+, ")"), s
                    ))),
                }
            }
        }
    };
}
pub(crate) use named;

named!(ModelKind, "model", ModelKind::Multinomial => "multinomial", ModelKind::Complement => "complement");
named!(TermWeight, "term weighting", TermWeight::Raw => "raw", TermWeight::Log => "log");
named!(DocNorm, "document norm", DocNorm::None => "none", DocNorm::L2 => "l2");

impl std::fmt::Display for Prior {
    /// `empirical`, `uniform`, or `label=weight,...` (what `--prior` takes).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Prior::Empirical => f.write_str("empirical"),
            Prior::Uniform => f.write_str("uniform"),
            Prior::Given(map) => {
                let parts: Vec<String> = map.iter().map(|(l, v)| format!("{l}={v}")).collect();
                f.write_str(&parts.join(","))
            }
        }
    }
}

impl std::str::FromStr for Prior {
    type Err = Error;
    /// `empirical`, `uniform`, or `label=weight,label=weight,...`.
    fn from_str(s: &str) -> Result<Prior> {
        Ok(match s {
            "empirical" => Prior::Empirical,
            "uniform" => Prior::Uniform,
            s => {
                let mut map = BTreeMap::new();
                for part in s.split(',') {
                    let (k, v) = part.split_once('=').ok_or_else(|| {
                        Error::InvalidParam(format!(
                            "bad --prior `{s}`: use empirical, uniform or label=weight,..."
                        ))
                    })?;
                    let (k, v) = (k.trim(), v.trim());
                    let v: f64 = v.parse().map_err(|_| {
                        Error::InvalidParam(format!("bad prior weight `{v}` for `{k}`"))
                    })?;
                    if map.insert(k.to_string(), v).is_some() {
                        return Err(Error::InvalidParam(format!(
                            "--prior `{s}` gives label `{k}` more than once"
                        )));
                    }
                }
                Prior::Given(map)
            }
        })
    }
}

/// Fitting parameters (everything but the analyzer). Saved in the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitParams {
    /// Model variant.
    pub model: ModelKind,
    /// Lidstone smoothing, > 0.
    pub alpha: f64,
    /// Class priors (multinomial only).
    pub prior: Prior,
    /// Complement NB weight normalisation (Rennie et al. 2003, 3.2).
    pub weight_norm: bool,
    /// Per-document term weighting.
    pub tf: TermWeight,
    /// Multiply feature weights by the smoothed inverse document frequency
    /// `ln((1 + n) / (1 + df)) + 1` (as scikit-learn's `TfidfTransformer`).
    pub idf: bool,
    /// Per-document length normalisation.
    pub norm: DocNorm,
    /// Keep terms that occur in at least this many documents.
    pub min_df: u64,
    /// Keep at most this many terms, the most frequent (ties: term order).
    pub max_features: Option<u64>,
}

impl Default for FitParams {
    fn default() -> Self {
        FitParams {
            model: ModelKind::Multinomial,
            alpha: 1.0,
            prior: Prior::Empirical,
            weight_norm: false,
            tf: TermWeight::Raw,
            idf: false,
            norm: DocNorm::None,
            min_df: 1,
            max_features: None,
        }
    }
}

impl FitParams {
    /// Check every value; the one place parameters are judged.
    pub fn check(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(Error::InvalidParam(format!(
                "alpha must be a finite number > 0 (got {})",
                self.alpha
            )));
        }
        if self.min_df == 0 {
            return Err(Error::InvalidParam("min-df must be at least 1".into()));
        }
        if self.max_features == Some(0) {
            return Err(Error::InvalidParam(
                "max-features must be at least 1".into(),
            ));
        }
        if let Prior::Given(p) = &self.prior {
            if p.is_empty() {
                return Err(Error::InvalidParam("given priors are empty".into()));
            }
            for (label, &v) in p {
                if !(v.is_finite() && v > 0.0) {
                    return Err(Error::InvalidParam(format!(
                        "prior of `{label}` must be finite and > 0 (got {v})"
                    )));
                }
            }
        }
        Ok(())
    }

    /// [`FitParams::check`], and refuse settings that the chosen variant ignores, which
    /// would otherwise be recorded in the model as if they had acted. New parameters are
    /// judged so ([`TrainParams::check`]); a saved model's are judged by `check` alone, so
    /// that files written before this rule still load.
    pub fn check_effective(&self) -> Result<()> {
        self.check()?;
        if self.model == ModelKind::Complement && self.prior != Prior::Empirical {
            return Err(Error::InvalidParam(format!(
                "prior `{}` has no effect on the complement model (its decision has no class \
                 prior): drop the prior or use the multinomial model",
                self.prior
            )));
        }
        if self.model == ModelKind::Multinomial && self.weight_norm {
            return Err(Error::InvalidParam(
                "weight normalisation applies to the complement model only: drop it or use the \
                 complement model"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Do per-document weights need fixed-point storage (anything but raw counts)?
    pub fn fractional_weights(&self) -> bool {
        self.tf != TermWeight::Raw || self.norm != DocNorm::None
    }
}

/// Training parameters, unchecked. Build with the setters, then [`TrainParams::check`].
///
/// | setting | default | meaning | range |
/// |---|---|---|---|
/// | analyzer | [`AnalyzerConfig::default`] | tokenisation and n-grams | see there |
/// | model | multinomial | NB variant | multinomial, complement |
/// | alpha | 1.0 | Lidstone smoothing | (0, inf) |
/// | prior | empirical | class priors | empirical, uniform, given |
/// | weight_norm | false | complement weight normalisation | |
/// | tf / idf / norm | raw / false / none | document transforms | |
/// | min_df | 1 | minimum document frequency | [1, inf) |
/// | max_features | none | vocabulary cap | [1, inf) |
///
/// ```
/// use pitchsift::params::{TrainParams, ModelKind};
/// let p = TrainParams::default().model(ModelKind::Complement).alpha(0.3).check().unwrap();
/// assert_eq!(p.fit().alpha, 0.3);
/// assert!(TrainParams::default().alpha(0.0).check().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TrainParams(ValidTrainParams);

/// Checked training parameters: valid by construction (linfa's `ValidParams`). The
/// fields are private, so a value made by [`TrainParams::check`],
/// [`ValidTrainParams::new`] or deserialisation (which checks too) stays valid; read
/// them through [`ValidTrainParams::analyzer`] and [`ValidTrainParams::fit`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(try_from = "Unchecked")]
pub struct ValidTrainParams {
    analyzer: AnalyzerConfig,
    fit: FitParams,
}

/// The saved form of [`ValidTrainParams`], checked when deserialised.
#[derive(Deserialize)]
struct Unchecked {
    analyzer: AnalyzerConfig,
    fit: FitParams,
}

impl TryFrom<Unchecked> for ValidTrainParams {
    type Error = Error;
    fn try_from(u: Unchecked) -> Result<ValidTrainParams> {
        ValidTrainParams::new(u.analyzer, u.fit)
    }
}

impl ValidTrainParams {
    /// Check analyzer and fitting settings into valid parameters.
    ///
    /// Errors: [`Error::InvalidParam`] naming the first invalid setting.
    pub fn new(analyzer: AnalyzerConfig, fit: FitParams) -> Result<ValidTrainParams> {
        TrainParams::default()
            .analyzer(analyzer)
            .fit_params(fit)
            .check()
    }

    /// The analyzer settings.
    pub fn analyzer(&self) -> &AnalyzerConfig {
        &self.analyzer
    }

    /// The fitting settings.
    pub fn fit(&self) -> &FitParams {
        &self.fit
    }

    /// These parameters with other fitting settings, checked.
    ///
    /// Errors: [`Error::InvalidParam`] naming the first invalid setting of `fit`.
    pub fn with_fit(&self, fit: FitParams) -> Result<ValidTrainParams> {
        fit.check_effective()?;
        Ok(ValidTrainParams {
            analyzer: self.analyzer.clone(),
            fit,
        })
    }

    /// The pitchsift-train options that reproduce these settings (what pitchsift-eval
    /// prints for a configuration); defaults that need no option are left out.
    pub fn train_args(&self) -> Vec<String> {
        let (a, f) = (&self.analyzer, &self.fit);
        let mut v: Vec<String> = vec![
            "--model".into(),
            f.model.to_string(),
            "--alpha".into(),
            f.alpha.to_string(),
            "--ngrams".into(),
            format!("{}..{}", a.ngram_min, a.ngram_max),
            "--tf".into(),
            f.tf.to_string(),
            "--norm".into(),
            f.norm.to_string(),
            "--min-df".into(),
            f.min_df.to_string(),
        ];
        if f.idf {
            v.push("--idf".into());
        }
        if f.weight_norm {
            v.push("--weight-norm".into());
        }
        if let Some(m) = f.max_features {
            v.extend(["--max-features".into(), m.to_string()]);
        }
        if f.prior != Prior::Empirical {
            v.extend(["--prior".into(), f.prior.to_string()]);
        }
        if !a.placeholders {
            v.push("--no-placeholders".into());
        }
        if !a.lowercase {
            v.push("--no-lowercase".into());
        }
        if let Some(b) = a.hash_bits {
            v.extend(["--hash-bits".into(), b.to_string()]);
        }
        v
    }
}

impl TrainParams {
    /// Set the analyzer settings.
    pub fn analyzer(mut self, a: AnalyzerConfig) -> Self {
        self.0.analyzer = a;
        self
    }
    /// Set the n-gram range.
    pub fn ngrams(mut self, min: u8, max: u8) -> Self {
        self.0.analyzer.ngram_min = min;
        self.0.analyzer.ngram_max = max;
        self
    }
    /// Set the model variant.
    pub fn model(mut self, m: ModelKind) -> Self {
        self.0.fit.model = m;
        self
    }
    /// Set alpha.
    pub fn alpha(mut self, a: f64) -> Self {
        self.0.fit.alpha = a;
        self
    }
    /// Set the priors.
    pub fn prior(mut self, p: Prior) -> Self {
        self.0.fit.prior = p;
        self
    }
    /// Set the complement weight normalisation.
    pub fn weight_norm(mut self, on: bool) -> Self {
        self.0.fit.weight_norm = on;
        self
    }
    /// Set the document transforms.
    pub fn transforms(mut self, tf: TermWeight, idf: bool, norm: DocNorm) -> Self {
        self.0.fit.tf = tf;
        self.0.fit.idf = idf;
        self.0.fit.norm = norm;
        self
    }
    /// Set the minimum document frequency.
    pub fn min_df(mut self, n: u64) -> Self {
        self.0.fit.min_df = n;
        self
    }
    /// Set the vocabulary cap.
    pub fn max_features(mut self, n: Option<u64>) -> Self {
        self.0.fit.max_features = n;
        self
    }
    /// Replace all fitting settings.
    pub fn fit_params(mut self, f: FitParams) -> Self {
        self.0.fit = f;
        self
    }
    /// Check all settings.
    pub fn check(self) -> Result<ValidTrainParams> {
        self.check_ref()?;
        Ok(self.0)
    }
    /// Check all settings, by reference.
    pub fn check_ref(&self) -> Result<&ValidTrainParams> {
        self.0.analyzer.check()?;
        self.0.fit.check_effective()?;
        Ok(&self.0)
    }
}

#[cfg(feature = "linfa")]
impl linfa::ParamGuard for TrainParams {
    type Checked = ValidTrainParams;
    type Error = Error;
    fn check_ref(&self) -> Result<&ValidTrainParams> {
        TrainParams::check_ref(self)
    }
    fn check(self) -> Result<ValidTrainParams> {
        TrainParams::check(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alpha_must_be_positive_and_finite() {
        for a in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(
                matches!(
                    TrainParams::default().alpha(a).check(),
                    Err(Error::InvalidParam(_))
                ),
                "{a}"
            );
        }
        assert!(TrainParams::default().alpha(1e-9).check().is_ok());
    }

    #[test]
    fn other_ranges() {
        assert!(TrainParams::default().min_df(0).check().is_err());
        assert!(TrainParams::default()
            .max_features(Some(0))
            .check()
            .is_err());
        assert!(TrainParams::default().ngrams(3, 2).check().is_err());
        let bad = Prior::Given([("a".to_string(), -0.5)].into_iter().collect());
        assert!(TrainParams::default().prior(bad).check().is_err());
    }

    #[test]
    fn settings_the_variant_ignores_are_refused() {
        let uniform = TrainParams::default()
            .model(ModelKind::Complement)
            .prior(Prior::Uniform)
            .check()
            .unwrap_err();
        assert!(
            uniform
                .to_string()
                .contains("prior `uniform` has no effect"),
            "{uniform}"
        );
        let wn = TrainParams::default()
            .weight_norm(true)
            .check()
            .unwrap_err();
        assert!(wn.to_string().contains("complement model only"), "{wn}");
        // Each is fine with the variant it acts on.
        assert!(TrainParams::default().prior(Prior::Uniform).check().is_ok());
        assert!(TrainParams::default()
            .model(ModelKind::Complement)
            .weight_norm(true)
            .check()
            .is_ok());
        // A saved model's settings are judged by the ranges alone (files written before the
        // rule still load).
        let old = FitParams {
            model: ModelKind::Complement,
            prior: Prior::Uniform,
            ..FitParams::default()
        };
        assert!(old.check().is_ok() && old.check_effective().is_err());
    }

    #[test]
    fn serde_round_trip() {
        let p = TrainParams::default()
            .prior(Prior::Given([("x".to_string(), 2.0)].into_iter().collect()))
            .check()
            .unwrap();
        let s = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<ValidTrainParams>(&s).unwrap(), p);
        // Validity is in the type: an invalid saved value does not deserialise.
        let bad = s.replace("\"alpha\":1.0", "\"alpha\":-1.0");
        assert_ne!(bad, s);
        let err = serde_json::from_str::<ValidTrainParams>(&bad).unwrap_err();
        assert!(err.to_string().contains("alpha must be"), "{err}");
    }
}
