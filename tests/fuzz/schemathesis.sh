#!/usr/bin/env bash
# Schemathesis against the local stack: every operation of the OpenAPI document the stack serves
# (GET /openapi.json), called with a valid token of each role in turn, on a store seeded with the
# example history (shared/local/examples/history.jsonl), so that ids in the document's examples
# exist. Checks: no 5xx, and every response conforms to the document (status listed, content
# type, headers, body schema). Prints each role's summary line; exit 1 on any failure.
#
#   tests/fuzz/schemathesis.sh [MAX_EXAMPLES]    default 30 test cases per operation and role
#
# Schemathesis lives in <repo>/target/schemathesis-venv, installed from tests/fuzz/requirements.txt
# (exact pins) and reinstalled only when that file or the Python version changes. Needs PyPI the
# first time only. The `standing` binary is $STANDING_BIN, or built (debug). `cargo test` runs this
# script (tests/e2e/fuzz.rs), so the README's test command includes it.
set -euo pipefail

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$fuzz_dir/../.." && pwd)"
requirements="$fuzz_dir/requirements.txt"
venv="$repo_root/target/schemathesis-venv"
python="${PYTHON:-python3}"
max_examples="${1:-30}"

stamp="$venv/.standing-stamp"
want_stamp="$(sha256sum "$requirements" | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.version.split()[0])')"
if [[ ! -x "$venv/bin/st" || ! -f "$stamp" || "$(cat "$stamp")" != "$want_stamp" ]]; then
  echo "schemathesis.sh: installing pinned Schemathesis into ${venv#"$repo_root"/}" >&2
  rm -rf "$venv"
  if ! "$python" -m venv "$venv" ||
    ! "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"; then
    echo "schemathesis.sh: could not install Schemathesis (is PyPI reachable?)" >&2
    exit 2
  fi
  echo "$want_stamp" >"$stamp"
fi

if [[ -n "${STANDING_BIN:-}" ]]; then
  standing="$STANDING_BIN"
else
  (cd "$repo_root" && cargo build --quiet -p standing-local --bin standing)
  standing="$repo_root/target/debug/standing"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/standing-fuzz.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export STANDING_JWT_SECRET="schemathesis-only-secret-of-at-least-32-bytes"
"$standing" import "$repo_root/shared/local/examples/history.jsonl" --data "$work/data" >"$work/import.log" 2>&1 || {
  cat "$work/import.log" >&2
  exit 1
}
"$standing" serve --addr 127.0.0.1:0 --data "$work/data" --dev-clock >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
base=""
for _ in $(seq 1 300); do
  base="$(sed -n 's/^standing: listening on \(http:[^ ]*\)$/\1/p' "$work/serve.out")"
  [[ -n "$base" ]] && grep -q "standing: ready" "$work/serve.out" && break
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$work/serve.err" >&2; exit 1; fi
  sleep 0.1
done
[[ -n "$base" ]] || { echo "schemathesis.sh: the stack did not start" >&2; cat "$work/serve.err" >&2; exit 1; }

# One worker: with two, CPython 3.11's ast module (which Hypothesis uses to describe strategies)
# fails now and then with "AST constructor recursion depth mismatch" (not thread-safe).
checks="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"
failed=0
for role in client freelancer reviewer service policy_admin; do
  # The example history's users: a client and a freelancer who share contracts.
  case "$role" in
    client) sub="ex-cl-a" ;;
    freelancer) sub="ex-fl-1" ;;
    *) sub="fuzz-$role" ;;
  esac
  token="$("$standing" token --sub "$sub" --role "$role")"
  echo "== schemathesis as $role ($sub)"
  # From the scratch directory: Schemathesis keeps its example database in ./.schemathesis.
  if (cd "$work" && "$venv/bin/st" run "$base/openapi.json" \
    --header "Authorization: Bearer $token" \
    --checks "$checks" \
    --max-examples "$max_examples" \
    --seed 1 \
    --workers 1 \
    --no-color >"$work/st-$role.log" 2>&1); then
    status=passed
  else
    status=failed
    failed=1
  fi
  if [[ "$status" == failed ]]; then cat "$work/st-$role.log"; fi
  # The summary: the closing line(s) of Schemathesis's report.
  grep -E "generated,|^=+ .* in [0-9.]+s =+$" "$work/st-$role.log" | sed "s/^ *//; s/^/  [$role] /"
done
if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "schemathesis.sh: the stack died during the run" >&2
  cat "$work/serve.err" >&2
  exit 1
fi
exit "$failed"
