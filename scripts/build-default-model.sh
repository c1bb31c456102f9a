#!/usr/bin/env bash
# Rebuild the default model: models/default.model, embedded in pitchsift-predict, trained
# with the arguments in models/default.args (the real LinkedIn dev set from ../shared and the
# written corpus). Deterministic: the same data and options give the same bytes for any number
# of threads (tests/default_model.rs checks the committed file against a rebuild).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t args < <(grep -v '^#' models/default.args | sed '/^$/d')
for a in "${args[@]}"; do
  case "$a" in
    *.csv) [ -f "$a" ] || { echo "build-default-model.sh: $a not found (the real dev set lives in ../shared/datasets/linkedin_real)" >&2; exit 1; } ;;
  esac
done
cargo build --release --quiet --bin pitchsift-train
./target/release/pitchsift-train "${args[@]}" -o models/default.model "$@"
