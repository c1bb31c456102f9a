//! Options given that a run would silently ignore: refused instead (exit 2).

use std::ffi::OsString;

use super::option_given;

/// pitchsift-eval: the training options with a model file (`--model MODEL --test`: the
/// model's own settings are used), the settings the grid sets with --grid (from its
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
        return train.iter().find(|o| given(o)).map(|o| {
            format!(
                "{o} has no use with --model MODEL --test FILE... (the model's own settings \
                 are used); it belongs to --cv or --grid"
            )
        });
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
