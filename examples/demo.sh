#!/usr/bin/env bash
# The main job on the bundled examples: the clean consultancy workspace passes, the one with
# deliberate violations fails with the path to each forbidden crate.
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build -q --locked -p clientwall --bin cargo-clientwall || exit 2
bin=target/debug/cargo-clientwall

echo "== examples/clean: expect a pass (exit 0)"
"$bin" clientwall check --manifest-path examples/clean/Cargo.toml
clean=$?
echo
echo "== examples/violations: expect violations (exit 1)"
"$bin" clientwall check --manifest-path examples/violations/Cargo.toml
violations=$?
echo
if [ "$clean" -eq 0 ] && [ "$violations" -eq 1 ]; then
  echo "demo: clean workspace passed (exit 0), violations caught (exit 1)"
else
  echo "demo: unexpected exit codes: clean=$clean violations=$violations" >&2
  exit 1
fi
