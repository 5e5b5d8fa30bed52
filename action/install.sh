#!/usr/bin/env bash
# The install steps of action.yml.
#
#   install.sh resolve   writes `key` (the cache key) and `root` (the install root) to
#                        $GITHUB_OUTPUT. The key names what is built: a hash of the action's
#                        own source when CLIENTWALL_VERSION is empty, else the commit the ref
#                        CLIENTWALL_VERSION points at in CLIENTWALL_REPOSITORY.
#   install.sh install   builds cargo-clientwall into CLIENTWALL_ROOT (on a cache miss).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
version=${CLIENTWALL_VERSION:-}
repository=${CLIENTWALL_REPOSITORY:-https://github.com/clientwall/clientwall}

sha256() {
  if command -v sha256sum >/dev/null; then sha256sum; else shasum -a 256; fi
}

# The files that make the binary, hashed in a stable order.
source_hash() {
  (
    cd "$here"
    find Cargo.toml Cargo.lock cargo-clientwall lint generator template -type f -not -path '*/tests/*' -print0 |
      LC_ALL=C sort -z |
      while IFS= read -r -d '' file; do
        printf '%s\n' "$file"
        cat "$file"
      done | sha256 | cut -c1-64
  )
}

# The commit `version` names in the repository (a full commit id names itself).
commit_of() {
  if [[ $version =~ ^[0-9a-f]{40}$ ]]; then
    echo "$version"
    return
  fi
  local commit
  commit=$(git ls-remote "$repository" "refs/tags/$version^{}" "refs/tags/$version" "refs/heads/$version" | head -n1 | cut -f1)
  if [ -z "$commit" ]; then
    echo "::error title=clientwall::no tag or branch '$version' in $repository" >&2
    exit 2
  fi
  echo "$commit"
}

case "${1:-}" in
  resolve)
    if [ -z "$version" ]; then
      id="src-$(source_hash)"
    else
      id="git-$(commit_of)"
    fi
    key="clientwall-${RUNNER_OS:-$(uname -s)}-${RUNNER_ARCH:-$(uname -m)}-$id"
    root="${RUNNER_TOOL_CACHE:-${HOME}/.cache}/clientwall/$key"
    {
      echo "key=$key"
      echo "root=$root"
    } >>"$GITHUB_OUTPUT"
    echo "clientwall: $key"
    ;;
  install)
    root=${CLIENTWALL_ROOT:?CLIENTWALL_ROOT is not set}
    export CARGO_TARGET_DIR="${RUNNER_TEMP:-/tmp}/clientwall-target"
    if [ -z "$version" ]; then
      source=$here
    else
      source="${RUNNER_TEMP:-/tmp}/clientwall-source"
      rm -rf "$source"
      git init -q "$source"
      git -C "$source" fetch -q --depth 1 "$repository" "$version"
      git -C "$source" checkout -q FETCH_HEAD
    fi
    cargo install --locked --root "$root" --path "$source/lint"
    "$root/bin/cargo-clientwall" --version
    ;;
  *)
    echo "usage: install.sh resolve|install" >&2
    exit 2
    ;;
esac
