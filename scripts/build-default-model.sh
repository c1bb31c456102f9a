#!/usr/bin/env bash
# Rebuild the default model from the shipped corpus: models/default.model, embedded in
# pitchsift-predict. Deterministic: the same data and options give the same bytes for any
# number of threads (tests/default_model.rs checks the committed file against a rebuild).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t args < <(grep -v '^#' models/default.args | sed '/^$/d')
cargo build --release --quiet --bin pitchsift-train
./target/release/pitchsift-train data/train.csv -o models/default.model "${args[@]}" "$@"
