//! Options given that a run would silently ignore: refused instead (exit 2).

use std::ffi::OsString;

use super::option_given;

/// pitchsift-eval: the training, cross-validation and search options with a model file
/// (`--model MODEL --test`: the model's own settings are used), the settings the grid sets with --grid (from its
/// --grid-* lists), and --no-calibration with --cv or --grid (it is of --model).
/// `training`: --cv or --grid is given. The message of the first one found.
pub fn eval_options(args: &[OsString], training: bool) -> Option<String> {
    let given = |o: &str| option_given(args, o);
    if !training && (given("--model") || given("--model-file")) {
        let train = [
            "--alpha",
            "--ngrams",
            "--min-df",
            "--max-features",
            "--prior",
            "--weight-norm",
            "--tf",
            "--idf",
            "--norm",
            "--no-placeholders",
            "--no-lowercase",
            "--hash-bits",
            "--weight-col",
            "--seed",
        ];
        if let Some(o) = train.iter().find(|o| given(o)) {
            return Some(format!(
                "{o} has no use with --model MODEL --test FILE... (the model's own settings \
                 are used); it belongs to --cv or --grid"
            ));
        }
        // Options of cross-validation and search, which a trained model has no use for.
        let cv_only = [
            ("-o", "-o/--output (the best model of --grid)"),
            ("--output", "-o/--output (the best model of --grid)"),
            ("--calibration", "--calibration"),
            ("--group-col", "--group-col"),
            ("--always-train", "--always-train"),
            ("--cv-repeat", "--cv-repeat"),
        ];
        return cv_only.iter().find(|(o, _)| given(o)).map(|(_, name)| {
            format!(
                "{name} has no use with --model MODEL --test FILE... (it belongs to --cv or \
                 --grid); the report goes to stdout, --json, --markdown and --plot"
            )
        });
    }
    if training {
        // `--model M` with --cv/--grid names the variant to train; a model file there is a
        // mode mix-up, which clap would report as "invalid value ... multinomial, complement".
        let value = option_value(args, "--model");
        if let Some(v) = value.filter(|v| std::path::Path::new(v).is_file()) {
            return Some(format!(
                "--model {v}: with --cv and --grid, --model is the naive Bayes variant to train \
                 (multinomial or complement); to score the model file, run pitchsift-eval \
                 --model {v} --test FILE.csv... without --cv and --grid"
            ));
        }
    }
    if training && given("--grid") {
        let set = [
            ("--model", "--grid-model"),
            ("--alpha", "--grid-alpha"),
            ("--ngrams", "--grid-ngrams"),
            ("--tf", "--grid-transform"),
            ("--idf", "--grid-transform"),
            ("--norm", "--grid-transform"),
            ("--min-df", "--grid-min-df"),
            ("--prior", "--grid-prior"),
            ("--weight-norm", "--grid-model complement-wn"),
            ("--no-placeholders", "--grid-placeholders"),
        ];
        if let Some((o, list)) = set.iter().find(|(o, _)| given(o)) {
            return Some(format!(
                "{o} has no use with --grid, which takes it from {list}"
            ));
        }
    }
    (training && given("--no-calibration")).then(|| {
        "--no-calibration is of --model MODEL --test FILE... (a model's raw posteriors); \
         --cv and --grid score uncalibrated unless --calibration is given"
            .to_string()
    })
}

/// The value of option `name` (`--name V` or `--name=V`), its last occurrence.
fn option_value(args: &[OsString], name: &str) -> Option<String> {
    let mut value = None;
    let mut args = args.iter().map(|a| a.to_string_lossy());
    while let Some(a) = args.next() {
        if a == name {
            value = args.next().map(|v| v.into_owned());
        } else if let Some(v) = a.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            value = Some(v.to_string());
        }
    }
    value
}
