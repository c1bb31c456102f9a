#!/usr/bin/env bash
# Build the WebAssembly module and its bindings into wasm/pkg/ (wasm-bindgen's
# `bundler` output; js/pitchsift.mjs loads it from bytes, without fetch).
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli of the version pinned in
# wasm/Cargo.toml (.ci/run installs both).
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(sed -n 's/^wasm-bindgen = "=\(.*\)"/\1/p' wasm/Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
if [ "$have" != "$want" ]; then
  echo "build-wasm: wasm-bindgen-cli $want needed (found: ${have:-none}); cargo install wasm-bindgen-cli --version $want" >&2
  exit 1
fi
(cd wasm && cargo build --release --target wasm32-unknown-unknown --quiet)
rm -rf wasm/pkg
wasm-bindgen --target bundler --out-dir wasm/pkg \
  wasm/target/wasm32-unknown-unknown/release/pitchsift_wasm.wasm
echo "build-wasm: wasm/pkg/pitchsift_wasm_bg.wasm $(wc -c < wasm/pkg/pitchsift_wasm_bg.wasm) bytes" >&2
