#!/usr/bin/env bash
# Every test suite: the workspace's tests (lint, generator, stock cargo-generate equality), then
# the example consultancy workspace regenerated and diffed, then its generated clients' own
# fmt, clippy and tests: acme (SQLite) and globex (PostgreSQL, also over TLS) against a mock
# Shopify on loopback.
#
# Needs a Rust toolchain, git and python3; no root. What else the tests need is set up here,
# under target/tools, without touching the system:
# - `pre-commit` (PyPI) in a virtualenv, when it is not on PATH;
# - `cargo-generate` (crates.io), when it is not on PATH;
# - PostgreSQL on loopback: the system's binaries (/usr/lib/postgresql/*/bin) when present,
#   else the `pgserver` wheel (PyPI; it bundles PostgreSQL) in the virtualenv; and a TLS front
#   on loopback (`xtask tls-front`) for the TLS tests when the server itself offers none.
# Every suite runs even when an earlier one failed; the failures are listed at the end, and the
# exit code is non-zero if there was any.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback
tools=$PWD/target/tools
mkdir -p "$tools/bin"
export PATH="$tools/bin:$PATH"

failed=()
passed=()
# `suite NAME COMMAND...`: run one suite, remember how it went and how long it took (wall
# clock, and CPU time: the machine's load makes wall time noisy), never stop the script.
suite() {
  local name=$1
  shift
  echo "== $name"
  local TIMEFORMAT="   took %0Rs wall, %0Us user + %0Ss sys CPU"
  local status
  time {
    "$@"
    status=$?
  }
  if [ "$status" -eq 0 ]; then
    passed+=("$name")
  else
    echo "== FAILED: $name" >&2
    failed+=("$name")
  fi
}

cleanup=()
trap 'for c in "${cleanup[@]}"; do eval "$c"; done' EXIT

# The virtualenv under target/tools: python3's venv, or, where python3 has no ensurepip, a
# venv without pip that the system pip installs into.
venv=$tools/venv
venv_pip() {
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >/dev/null 2>&1 || python3 -m venv --without-pip "$venv" || return 1
  fi
  if "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
  else
    python3 -m pip --python "$venv/bin/python" install --quiet --disable-pip-version-check "$@"
  fi
}

setup_pre_commit() {
  command -v pre-commit >/dev/null && return 0
  if [ ! -x "$venv/bin/pre-commit" ]; then
    echo "   installing pre-commit into $venv"
    venv_pip pre-commit || return 1
  fi
  ln -sf "$venv/bin/pre-commit" "$tools/bin/pre-commit"
}

# cargo-generate is built unoptimised and without debug info: the tests run it a few times on
# small templates, and a debug build costs about half the CPU of a release one (docs/BENCHMARKS.md).
# It builds in the background while the workspace's tests compile (`start_cargo_generate`), and
# is waited for before any test runs (`setup_cargo_generate`).
cargo_generate_log=$tools/cargo-generate-install.log
cargo_generate_pid=
start_cargo_generate() {
  command -v cargo-generate >/dev/null && return 0
  echo "   building cargo-generate 0.23 into $tools/bin, in the background"
  CARGO_PROFILE_DEV_DEBUG=0 cargo install --quiet --locked --debug --root "$tools" \
    cargo-generate --version '~0.23' >"$cargo_generate_log" 2>&1 &
  cargo_generate_pid=$!
  cleanup+=("kill $cargo_generate_pid 2>/dev/null")
}
setup_cargo_generate() {
  command -v cargo-generate >/dev/null && return 0
  [ -n "$cargo_generate_pid" ] || { echo "   cargo-generate was not started" >&2; return 1; }
  local status=0
  wait "$cargo_generate_pid" || status=$?
  cat "$cargo_generate_log"
  [ "$status" -eq 0 ] && command -v cargo-generate >/dev/null
}

# Start a throwaway PostgreSQL unless CLIENTWALL_TEST_POSTGRES_URL names one.
setup_postgres() {
  [ -n "${CLIENTWALL_TEST_POSTGRES_URL:-}" ] && return 0
  if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && [ "$(id -u)" -ne 0 ] \
    && [ -z "${CLIENTWALL_TEST_POSTGRES_BIN:-}" ]; then
    if ! "$venv/bin/python" -c 'import pgserver' 2>/dev/null; then
      echo "   no system PostgreSQL: installing the pgserver wheel into $venv"
      venv_pip pgserver || return 1
    fi
    CLIENTWALL_TEST_POSTGRES_BIN=$("$venv/bin/python" -c \
      'import os, pgserver; print(os.path.join(os.path.dirname(pgserver.__file__), "pginstall", "bin"))') || return 1
    export CLIENTWALL_TEST_POSTGRES_BIN
  fi
  CLIENTWALL_TEST_POSTGRES_DIR=$(mktemp -d /tmp/clientwall-pg.XXXXXX)
  export CLIENTWALL_TEST_POSTGRES_DIR
  # Exports CLIENTWALL_TEST_POSTGRES_URL, and _TLS_URL and _CA when the server speaks TLS (the
  # contract is in .ci/postgres).
  local exports
  exports=$(bash .ci/postgres) || return 1
  eval "$exports"
  cleanup+=("bash .ci/postgres --stop '$CLIENTWALL_TEST_POSTGRES_DIR'; rm -rf '$CLIENTWALL_TEST_POSTGRES_DIR'")
}

# The TLS tests need CLIENTWALL_TEST_POSTGRES_TLS_URL and CLIENTWALL_TEST_POSTGRES_CA. When
# nothing provided them, put a TLS front (a throwaway CA, on loopback) before the server.
setup_postgres_tls() {
  [ -n "${CLIENTWALL_TEST_POSTGRES_TLS_URL:-}" ] && return 0
  [ -n "${CLIENTWALL_TEST_POSTGRES_URL:-}" ] || return 1
  cargo build --quiet --locked -p xtask || return 1
  # Where cargo put it: the caller's CARGO_TARGET_DIR is honoured.
  local xtask
  xtask=$(cargo metadata --format-version 1 --no-deps --locked |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/xtask || return 1
  local dir
  dir=$(mktemp -d /tmp/clientwall-tls.XXXXXX)
  cleanup+=("rm -rf '$dir'")
  "$xtask" tls-front --upstream "$CLIENTWALL_TEST_POSTGRES_URL" --dir "$dir" \
    >"$dir/front.log" 2>&1 &
  local pid=$!
  cleanup+=("kill $pid 2>/dev/null")
  for _ in $(seq 100); do
    [ -s "$dir/url" ] && break
    kill -0 "$pid" 2>/dev/null || { cat "$dir/front.log" >&2; return 1; }
    sleep 0.1
  done
  [ -s "$dir/url" ] || return 1
  CLIENTWALL_TEST_POSTGRES_TLS_URL=$(cat "$dir/url")
  export CLIENTWALL_TEST_POSTGRES_TLS_URL
  export CLIENTWALL_TEST_POSTGRES_CA=$dir/ca.pem
}

suite "set up pre-commit (virtualenv under target/tools)" setup_pre_commit
start_cargo_generate
suite "start PostgreSQL on loopback" setup_postgres
suite "start a TLS front for PostgreSQL on loopback" setup_postgres_tls

# Compiled first, apart, so that cargo-generate's background build overlaps the compilation
# (cargo's own waits: links, the last crates of the graph) and not the tests.
suite "cargo test --workspace: compile" cargo test --workspace --locked --no-run
suite "set up cargo-generate (under target/tools; waited for)" setup_cargo_generate

# The workspace's tests run as two cargo invocations side by side, so that both cores stay busy
# (one binary's tests at a time, each binary's long tail would leave a core idle): the generator's
# integration tests (named by the modules below: libtest's filters match these, and `--skip`
# their complement, so every test runs in exactly one of the two), followed by the example
# consultancy's generation, fmt and clippy; beside them, every other test of the workspace.
# Both use the same build (the same packages, so the same features), and cargo holds no lock
# while tests run. The generated clients' own tests come after both: they run the binary in
# target/consultancy that the front door's live-attestation tests build.
generator_tests=(all_or_nothing:: new_client:: post_check:: readme:: stock_cargo_generate:: upgrade_cases::)
skip_generator_tests=()
for module in "${generator_tests[@]}"; do skip_generator_tests+=(--skip "$module"); done

consultancy_is_generated() {
  local fresh
  fresh=$(mktemp -d)
  cleanup+=("rm -rf '$fresh'")
  cp examples/consultancy/Cargo.toml "$fresh/" &&
    cargo run -q --locked -p clientwall-generator --bin new-client -- acme --workspace "$fresh" --display-name "Acme Outdoor" --no-check >/dev/null &&
    cargo run -q --locked -p clientwall-generator --bin new-client -- globex --workspace "$fresh" --database postgres --display-name "Globex Home" --no-check >/dev/null &&
    diff -r -x Cargo.lock -x .new-client.lock -x target "$fresh" examples/consultancy
}

# The lane beside: its suites' output goes to a file, printed when it is waited for; what passed
# and failed goes to two more.
beside=$(mktemp -d)
cleanup+=("rm -rf '$beside'")
(
  passed=()
  failed=()
  suite "cargo test --workspace: the generator's integration tests (${generator_tests[*]})" \
    cargo test --workspace --locked --no-fail-fast -- "${generator_tests[@]}"
  suite "examples/consultancy is what new-client generates today" consultancy_is_generated
  suite "the generated clients are clean code: cargo fmt, as generated" \
    cargo fmt --manifest-path examples/consultancy/Cargo.toml --all -- --check
  suite "the generated clients are clean code: cargo clippy, as generated" \
    cargo clippy --locked --manifest-path examples/consultancy/Cargo.toml --target-dir target/consultancy \
    --all-targets -- -D warnings
  printf '%s\n' "${passed[@]}" >"$beside/passed"
  printf '%s\n' "${failed[@]}" >"$beside/failed"
) >"$beside/log" 2>&1 &
beside_pid=$!
cleanup+=("kill $beside_pid 2>/dev/null")

suite "cargo test --workspace: every other test (beside the lane above)" \
  cargo test --workspace --locked --no-fail-fast -- "${skip_generator_tests[@]}"

wait "$beside_pid"
echo "== the lane beside, as it ran:"
cat "$beside/log"
while IFS= read -r name; do [ -n "$name" ] && passed+=("$name"); done <"$beside/passed"
while IFS= read -r name; do [ -n "$name" ] && failed+=("$name"); done <"$beside/failed"
if [ ! -s "$beside/passed" ] && [ ! -s "$beside/failed" ]; then
  failed+=("the lane beside (it stopped before recording its suites)")
fi

suite "the generated clients' own tests (acme: SQLite, globex: PostgreSQL, with TLS)" \
  cargo test --locked --no-fail-fast --manifest-path examples/consultancy/Cargo.toml --target-dir target/consultancy

echo
echo "== summary"
echo "   $((SECONDS / 60)) min $((SECONDS % 60)) s wall; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
for name in "${passed[@]}"; do echo "   ok      $name"; done
for name in "${failed[@]}"; do echo "   FAILED  $name"; done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "suites: ${#passed[@]} passed, ${#failed[@]} failed"
  exit 1
fi
echo "suites: ${#passed[@]} passed, 0 failed"
