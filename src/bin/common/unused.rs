//! Options given that a run would silently ignore: refused instead (exit 2).

use std::ffi::OsString;

use clap::Args;

use super::{option_given, ReadArgs, Usage};

/// The long options (`--name`) that the flattened options `A` define.
fn longs<A: Args>() -> Vec<String> {
    let cmd = A::augment_args(clap::Command::new("options"));
    let longs = cmd.get_arguments().filter_map(|a| a.get_long());
    longs.map(|l| format!("--{l}")).collect()
}

/// pitchsift-eval: the --grid-* lists without --grid, the training, cross-validation and
/// search options with a model file (`--model MODEL --test`: the model's own settings are
/// used), the settings the grid sets with --grid (from its --grid-* lists), and
/// --no-calibration with --cv or --grid (it is of --model).
/// `training`: --cv or --grid is given. The message of the first one found.
pub fn eval_options(args: &[OsString], training: bool) -> Option<String> {
    let given = |o: &str| option_given(args, o);
    if !given("--grid") {
        let lists = longs::<pitchsift::eval::grid::GridSpec>();
        if let Some(o) = lists.iter().find(|o| given(o)) {
            return Some(format!(
                "{o} has no use without --grid: it is one of the lists of settings --grid \
                 searches"
            ));
        }
    }
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
        let (best, both) = ("--grid", "--cv or --grid");
        let cv_only = [
            ("-o", "-o/--output (the best model of --grid)", best),
            ("--output", "-o/--output (the best model of --grid)", best),
            ("--calibration", "--calibration", both),
            ("--group-col", "--group-col", both),
            ("--always-train", "--always-train", both),
            ("--cv-repeat", "--cv-repeat", both),
        ];
        return cv_only
            .iter()
            .find(|(o, ..)| given(o))
            .map(|(_, name, of)| {
                format!(
                    "{name} has no use with --model MODEL --test FILE... (it belongs to {of}); \
                 the report goes to stdout, --json, --markdown and --plot"
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

/// pitchsift-predict: --report with messages (it is of --input and --linkedin),
/// --explain-against without --explain or --report (the reasons it turns against a
/// label), and the CSV reading options where no CSV is read: `input` (--input given)
/// reads CSV; a message `-` among `texts` reads lines, which --invalid-utf8 and
/// --max-field-bytes apply to, and which have no columns.
pub fn predict_options(texts: &[String], input: bool) -> Result<(), Usage> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let given = |o: &str| option_given(&args, o);
    if given("--report") && !texts.is_empty() {
        return Err(Usage("--report needs --input or --linkedin".into()));
    }
    let stdin_lines = texts.iter().any(|t| t == "-");
    if given("--explain-against") && !given("--explain") && !given("--report") {
        return Err(Usage(
            "--explain-against has no use without --explain K or --report: it names the \
             label their reasons are against"
                .into(),
        ));
    }
    let columns = ["--text-col", "--delimiter"];
    let acts = |o: &str| input || (stdin_lines && !columns.contains(&o));
    match longs::<ReadArgs>()
        .into_iter()
        .find(|o| given(o) && !acts(o))
    {
        Some(o) if given("--linkedin") => Err(format!(
            "{o} has no use with --linkedin (the export is read as LinkedIn writes it); \
             it is for --input FILE.csv"
        )),
        Some(o) if stdin_lines => Err(format!(
            "{o} has no use with `-` (one message a line, no columns); it is for --input \
             FILE.csv"
        )),
        Some(o) => Err(format!(
            "{o} has no use with messages given as arguments; it is for --input FILE.csv{}",
            if columns.contains(&o.as_str()) {
                ""
            } else {
                " and `-`"
            }
        )),
        None => Ok(()),
    }
    .map_err(Usage)
}

/// pitchsift-label: --every (the interactive program's re-ranking) with --suggest.
pub fn label_options() -> Result<(), Usage> {
    let args: Vec<OsString> = std::env::args_os().collect();
    if option_given(&args, "--suggest") && option_given(&args, "--every") {
        return Err(Usage(
            "--every has no use with --suggest: it is how often the interactive program \
             (--labels FILE) re-ranks"
                .into(),
        ));
    }
    Ok(())
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
