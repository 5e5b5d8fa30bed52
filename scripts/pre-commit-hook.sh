#!/usr/bin/env bash
# The pre-commit framework's entry point: `cargo clientwall check --staged` in the repository
# being committed to. Uses cargo-clientwall from PATH when it is installed; otherwise builds it
# once from this hook repository (pre-commit keeps the clone, so later runs reuse the build).
set -euo pipefail
if command -v cargo-clientwall >/dev/null; then
  exec cargo-clientwall clientwall check --staged "$@"
fi
hook_repo=$(cd "$(dirname "$0")/.." && pwd)
cargo build --quiet --release --locked --manifest-path "$hook_repo/Cargo.toml" -p clientwall --bin cargo-clientwall >&2
target=${CARGO_TARGET_DIR:-$hook_repo/target}
exec "$target/release/cargo-clientwall" clientwall check --staged "$@"
