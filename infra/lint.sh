#!/usr/bin/env bash
# Offline checks of the SAM template: cfn-lint on the template itself, then cfn-lint on its
# translation to plain CloudFormation (cfn-lint no longer looks inside AWS::Serverless::*).
#
#   infra/lint.sh [TEMPLATE]     default: infra/template.yaml; runnable from any directory
#
# Tools live in <repo>/target/infra-venv, installed from infra/requirements-lint.txt (exact pins)
# and reinstalled only when that file or the Python version changes. Needs PyPI the first time
# only. Exit status: 0 clean, 1 any finding in either stage (both stages always run), 2 setup.
set -euo pipefail

infra_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(dirname "$infra_dir")"
requirements="$infra_dir/requirements-lint.txt"
venv="$repo_root/target/infra-venv"
out_dir="$repo_root/target/infra-lint"
python="${PYTHON:-python3}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"

template="${1:-$infra_dir/template.yaml}"
if [[ ! -f "$template" ]]; then
  echo "lint.sh: no such template: $template" >&2
  exit 2
fi
template="$(cd "$(dirname "$template")" && pwd)/$(basename "$template")"

# --- tools -------------------------------------------------------------------------------------
stamp="$venv/.standing-lint-stamp"
want_stamp="$(sha256sum "$requirements" | cut -d' ' -f1) $("$python" -c 'import sys; print(sys.version.split()[0])')"
if [[ ! -x "$venv/bin/cfn-lint" || ! -f "$stamp" || "$(cat "$stamp")" != "$want_stamp" ]]; then
  echo "lint.sh: installing pinned tools into ${venv#"$repo_root"/}" >&2
  rm -rf "$venv"
  if ! "$python" -m venv "$venv" ||
    ! "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"; then
    echo "lint.sh: could not install the tools (is PyPI reachable?)" >&2
    exit 2
  fi
  echo "$want_stamp" >"$stamp"
fi

# --- checks ------------------------------------------------------------------------------------
mkdir -p "$out_dir"
translated="$out_dir/$(basename "${template%.*}").cfn.json"
status=0

# cfn-lint reads a .cfnlintrc from the working directory: run it from the repo root so the result
# does not depend on where the script was started.
cd "$repo_root"

echo "== 1/2 cfn-lint ${template#"$repo_root"/}"
if "$venv/bin/cfn-lint" --regions "$AWS_DEFAULT_REGION" -- "$template"; then
  echo "ok"
else
  status=1
fi

echo "== 2/2 SAM translation -> ${translated#"$repo_root"/}, then cfn-lint"
rm -f "$translated"
if "$venv/bin/python" "$infra_dir/translate.py" "$template" "$translated" &&
  "$venv/bin/cfn-lint" --regions "$AWS_DEFAULT_REGION" -- "$translated"; then
  echo "ok"
else
  status=1
fi

exit "$status"
