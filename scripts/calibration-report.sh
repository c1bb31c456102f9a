#!/usr/bin/env bash
# Raw vs calibrated confidence on each test split: trains one model per calibration
# method on a split's train file, scores the test file with pitchsift-eval (raw posteriors
# with --no-calibration), and prints accuracy, ECE (15 equal-width bins on the top
# label's confidence) and log loss side by side; reliability diagrams go to
# OUT/<split>-<method>/reliability.svg.
#
#   scripts/calibration-report.sh [OUT_DIR] [SPLIT...]
#
# SPLIT is one of invitations (data/train.csv + data/test.csv, trained with the default
# model's options, models/default.args), sms, 20news (read from ../shared/datasets,
# trained with pitchsift-train's default options).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/calibration}
shift || true
splits=("$@")
[ ${#splits[@]} -eq 0 ] && splits=(invitations sms 20news)
shared=../shared/datasets
[ -d "$shared" ] || shared=/work/shared/datasets
cargo build --release --quiet --bin pitchsift-train --bin pitchsift-eval
bin=target/release
mkdir -p "$out"
printf '%-12s %-12s %8s %8s %9s\n' split method accuracy ECE "log loss"
for split in "${splits[@]}"; do
  opts=()
  case $split in
    invitations)
      train=data/train.csv test=data/test.csv
      mapfile -t opts < <(grep -v '^#' models/default.args | sed '/^$/d') ;;
    sms) train=$shared/sms_spam/train.csv test=$shared/sms_spam/test.csv ;;
    20news) train=$shared/20news/train.csv test=$shared/20news/test.csv ;;
    *) echo "unknown split $split" >&2; exit 2 ;;
  esac
  for method in temperature isotonic; do
    model=$out/$split-$method.model
    "$bin/pitchsift-train" -q "$train" -o "$model" --calibration "$method" "${opts[@]}"
    runs=("$method")
    [ "$method" = temperature ] && runs=(raw temperature)
    for run in "${runs[@]}"; do
      flags=()
      [ "$run" = raw ] && flags=(--no-calibration)
      "$bin/pitchsift-eval" -q --model "$model" --test "$test" "${flags[@]}" \
        --json "$out/$split-$run.json" --plot "$out/$split-$run" > /dev/null
      python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))
print("%-12s %-12s %8.4f %8.4f %9.4f" % (sys.argv[2], sys.argv[3], r["accuracy"], r["ece"], r["log_loss"]))' \
        "$out/$split-$run.json" "$split" "$run"
    done
  done
done
