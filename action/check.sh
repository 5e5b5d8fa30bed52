#!/usr/bin/env bash
# The check step of action.yml: the check in the chosen format, then (when the check ran) the
# SARIF file for code scanning and a Markdown table of the findings in the job summary. The
# check's exit code goes to $GITHUB_OUTPUT as `exit-code`, and this step succeeds, so that the
# SARIF is uploaded before the action's last step fails the job.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
format=${CLIENTWALL_FORMAT:-github}
shard=${CLIENTWALL_SHARD:-}

case "$format" in
  human | json | sarif | github) ;;
  *)
    echo "::error title=clientwall::the format input must be human, json, sarif or github, not '$format'"
    echo "exit-code=2" >>"$GITHUB_OUTPUT"
    exit 0
    ;;
esac

args=(clientwall check)
if [ -n "${CLIENTWALL_MANIFEST_PATH:-}" ]; then
  args+=(--manifest-path "$CLIENTWALL_MANIFEST_PATH")
fi
if [ -n "$shard" ]; then
  args+=(--shard "$shard")
fi
# `since` without `history` is passed on too: the check refuses it (exit 2) rather than
# silently reading no history.
history=${CLIENTWALL_HISTORY:-false}
case "$history" in
  true) args+=(--history) ;;
  false | "") ;;
  *)
    echo "::error title=clientwall::the history input must be true or false, not '$history'"
    echo "exit-code=2" >>"$GITHUB_OUTPUT"
    exit 0
    ;;
esac
if [ -n "${CLIENTWALL_SINCE:-}" ]; then
  args+=(--since "$CLIENTWALL_SINCE")
fi

cargo "${args[@]}" --format "$format"
status=$?
echo "exit-code=$status" >>"$GITHUB_OUTPUT"

# A history run reports under names of its own, so its code-scanning results do not replace
# the work tree's.
name="clientwall"
title="clientwall"
if [ "$history" = true ]; then
  name="clientwall-history"
  title="clientwall (history${CLIENTWALL_SINCE:+ since $CLIENTWALL_SINCE})"
fi
title="$title${shard:+ (shard $shard)}"
if [ "$status" -gt 1 ]; then
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    printf '### %s: the check could not run (exit %s)\n\nThe error is in the log of the step.\n' \
      "$title" "$status" >>"$GITHUB_STEP_SUMMARY"
  fi
  exit 0
fi

if [ "${CLIENTWALL_UPLOAD_SARIF:-false}" = true ]; then
  sarif="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/$name${shard:+-${shard/\//-of-}}.sarif"
  cargo "${args[@]}" --format sarif >"$sarif"
  if [ $? -le 1 ]; then
    {
      echo "sarif-file=$sarif"
      echo "sarif-category=$name${shard:+-${shard/\//-of-}}"
    } >>"$GITHUB_OUTPUT"
  fi
fi

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  cargo "${args[@]}" --format json | python3 "$here/summary.py" "$title" >>"$GITHUB_STEP_SUMMARY"
fi
exit 0
