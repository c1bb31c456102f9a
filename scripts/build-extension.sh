#!/usr/bin/env bash
# Build the browser extension: the WebAssembly module, the default model bundled in,
# dist/extension/ (load it unpacked) and dist/pitchsift-extension.zip (the package).
#   scripts/build-extension.sh [--test]   (--test also writes dist/extension-test/ and
#                                          dist/pitchsift-extension-test.zip, for the
#                                          fixture pages on 127.0.0.1)
# Needs: the wasm32-unknown-unknown target, wasm-bindgen-cli (version pinned in
# wasm/Cargo.toml), node and npm, zip.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build-wasm.sh
# npm ci when node_modules is missing or older than the lock file (a new dependency).
if [ ! -f extension/node_modules/.package-lock.json ] ||
  [ extension/package-lock.json -nt extension/node_modules/.package-lock.json ]; then
  (cd extension && npm ci --no-audit --no-fund --loglevel=error)
fi
node extension/build.mjs --model "${PITCHSIFT_MODEL:-models/default.model}" "$@"
rm -f dist/pitchsift-extension.zip
(cd dist/extension && zip -q -X -r -9 ../pitchsift-extension.zip .)
# The test build packed too: the Firefox test installs it as a package (tests/js/firefox.test.mjs).
rm -f dist/pitchsift-extension-test.zip
if [[ " $* " == *" --test "* ]]; then
  (cd dist/extension-test && zip -q -X -r -9 ../pitchsift-extension-test.zip .)
fi
echo "build-extension: dist/pitchsift-extension.zip $(wc -c < dist/pitchsift-extension.zip) bytes" >&2
