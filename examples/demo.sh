#!/usr/bin/env bash
# The main job, on an embedded default: new-client stamps out two clients (acme on SQLite,
# globex on PostgreSQL) in a fresh consultancy workspace and the check passes; then acme is
# wired to globex, through Cargo.toml and through an include_str!, and the check catches both.
set -uo pipefail
cd "$(dirname "$0")/.."
cargo build -q --locked -p clientwall -p clientwall-generator || exit 2
bin=$PWD/target/debug
ws=$(mktemp -d)
trap 'rm -rf "$ws"' EXIT
cp examples/consultancy/Cargo.toml examples/consultancy/Cargo.lock "$ws/"

echo "== new-client acme, new-client globex --database postgres"
"$bin/new-client" acme --workspace "$ws" --display-name "Acme Outdoor" || exit 2
"$bin/new-client" globex --workspace "$ws" --database postgres --display-name "Globex Home" || exit 2
echo
echo "== cargo clientwall check: expect a pass (exit 0)"
"$bin/cargo-clientwall" clientwall check --manifest-path "$ws/Cargo.toml"
clean=$?
echo
echo "== acme reaches globex (a dev-dependency and an include_str!): expect violations (exit 1)"
cat >> "$ws/clients/acme/Cargo.toml" <<'TOML'

[target.'cfg(unix)'.dev-dependencies]
globex = { path = "../globex" }
TOML
printf '\npub const GLOBEX_CONFIG: &str = include_str!("../../globex/client.toml");\n' >> "$ws/clients/acme/src/lib.rs"
"$bin/cargo-clientwall" clientwall check --manifest-path "$ws/Cargo.toml"
caught=$?
echo
if [ "$clean" -eq 0 ] && [ "$caught" -eq 1 ]; then
  echo "demo: the generated workspace passed (exit 0); the wall breach was caught (exit 1)"
else
  echo "demo: unexpected exit codes: clean=$clean caught=$caught" >&2
  exit 1
fi
