#!/usr/bin/env bash
# Every test suite: the workspace's tests (lint, generator, stock cargo-generate equality), then
# the example consultancy workspace regenerated and diffed, then its generated clients' own
# fmt, clippy and tests: acme (SQLite) and globex (PostgreSQL, also over TLS) against a mock
# Shopify on loopback.
# Starts a throwaway PostgreSQL and installs cargo-generate when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback

if ! command -v cargo-generate >/dev/null; then
  echo "== installing cargo-generate 0.23 (the stock-template test needs it)"
  cargo install --locked --quiet cargo-generate --version '~0.23'
fi
cleanup=()
trap 'for c in "${cleanup[@]}"; do eval "$c"; done' EXIT
if [ -z "${CLIENTWALL_TEST_POSTGRES_URL:-}" ]; then
  echo "== starting PostgreSQL on loopback (with TLS and a throwaway CA)"
  CLIENTWALL_TEST_POSTGRES_DIR=$(mktemp -d /tmp/clientwall-pg.XXXXXX)
  export CLIENTWALL_TEST_POSTGRES_DIR
  # Exports CLIENTWALL_TEST_POSTGRES_URL, _TLS_URL and _CA (the contract is in .ci/postgres).
  eval "$(bash .ci/postgres)"
  cleanup+=("bash .ci/postgres --stop '$CLIENTWALL_TEST_POSTGRES_DIR'; rm -rf '$CLIENTWALL_TEST_POSTGRES_DIR'")
fi

echo "== cargo test --workspace"
cargo test --workspace --locked

echo "== examples/consultancy is what new-client generates today"
fresh=$(mktemp -d)
cleanup+=("rm -rf '$fresh'")
cp examples/consultancy/Cargo.toml "$fresh/"
cargo run -q --locked -p clientwall-generator --bin new-client -- acme --workspace "$fresh" --display-name "Acme Outdoor" --no-check >/dev/null
cargo run -q --locked -p clientwall-generator --bin new-client -- globex --workspace "$fresh" --database postgres --display-name "Globex Home" --no-check >/dev/null
diff -r -x Cargo.lock -x .new-client.lock -x target "$fresh" examples/consultancy

echo "== the generated clients are clean code: cargo fmt and clippy, as generated"
cargo fmt --manifest-path examples/consultancy/Cargo.toml --all -- --check
cargo clippy --locked --manifest-path examples/consultancy/Cargo.toml --target-dir target/consultancy \
  --all-targets -- -D warnings

echo "== the generated clients' own tests (acme: SQLite, globex: PostgreSQL, with TLS)"
cargo test --locked --manifest-path examples/consultancy/Cargo.toml --target-dir target/consultancy
