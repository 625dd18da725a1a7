#!/usr/bin/env bash
# Checks the Terraform module offline (no terraform binary here): HCL syntax with HashiCorp's parser, declared and
# used names, descriptions (check/check.mjs). Not checked: provider schemas (argument names and types of the aws
# resources), `terraform validate`/`plan`, and IAM policy semantics; deploy/README.md lists them.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ ! -d $here/check/node_modules || $here/check/package-lock.json -nt $here/check/node_modules ]]; then
  (cd "$here/check" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# the check must see a misspelt variable
cp "$here"/*.tf "$work/"
sed -i '0,/var\.name/s//var.nmae/' "$work/main.tf"
if node "$here/check/check.mjs" "$work" >/dev/null 2>&1; then
  echo "terraform: FAILED: the check accepted a reference to an undeclared variable"
  exit 1
fi
node "$here/check/check.mjs" "$here"
