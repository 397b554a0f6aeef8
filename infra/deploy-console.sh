#!/usr/bin/env bash
# Deploys the reviewer console's files to the bucket the stack made, with the config.json that
# names the API and the issuer's hosted sign-in (the stack's outputs):
#
#   infra/deploy-console.sh STACK_NAME [REGION]
#
# Needs the AWS CLI with credentials for the stack's account. The files are shared/console/assets,
# the same the local stack embeds; CloudFront serves them without caching (CachingDisabled), so
# the new console is live at once.
set -euo pipefail
stack="${1:?usage: infra/deploy-console.sh STACK_NAME [REGION]}"
region="${2:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
region_args=()
if [[ -n "$region" ]]; then region_args=(--region "$region"); fi

output() {
  aws cloudformation describe-stacks "${region_args[@]}" --stack-name "$stack" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}
bucket="$(output ConsoleBucketName)"
api_url="$(output ApiUrl)"
sign_in_url="$(output ConsoleSignInUrl)"
[[ "$sign_in_url" == "None" ]] && sign_in_url=""
[[ -n "$bucket" && "$bucket" != "None" ]] || { echo "deploy-console.sh: $stack has no ConsoleBucketName output" >&2; exit 1; }

config="$(mktemp)"
trap 'rm -f "$config"' EXIT
python3 -c 'import json,sys; print(json.dumps({"api_url": sys.argv[1], "sign_in_url": sys.argv[2] or None}))' \
  "$api_url" "$sign_in_url" >"$config"
aws s3 sync "${region_args[@]}" --delete --exclude config.json "$repo_root/shared/console/assets" "s3://$bucket/"
aws s3 cp "${region_args[@]}" --content-type application/json "$config" "s3://$bucket/config.json"
echo "console deployed: $(output ConsoleUrl)"
