#!/usr/bin/env bash
# Renders the base and every overlay (render.sh) and validates every object offline: the Kubernetes and
# prometheus-operator schemas, unknown fields at any depth, and the PrometheusRule and dashboard against
# deploy/prometheus and deploy/grafana (check/check.mjs). First makes sure the check itself rejects a misspelt field.
#
#   deploy/kubernetes/check.sh        needs kubectl (its built-in kustomize) and Node.js with npm
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
deploy=$(dirname "$here")
say() { echo "manifests: $*"; }

if ! command -v kubectl >/dev/null || ! command -v npm >/dev/null; then
  [[ $(id -u) -eq 0 ]] || { say "needs kubectl and npm (apt-get install kubectl nodejs npm)"; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  command -v kubectl >/dev/null || apt-get install -y -qq --no-install-recommends kubectl >/dev/null
  command -v npm >/dev/null || apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [[ ! -d $here/check/node_modules || $here/check/package-lock.json -nt $here/check/node_modules ]]; then
  (cd "$here/check" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
targets=(base)
for overlay in "$here"/overlays/*/; do targets+=("$(basename "$overlay")"); done
for target in "${targets[@]}"; do
  "$here/render.sh" "$target" >"$work/$target.yaml"
done

# the check must see a typo: a misspelt field deep in the pod template, one in a spec
sed -e 's/readOnlyRootFilesystem: true/readOnlyRootFilesytem: true/' -e 's/^  minAvailable: 1$/  minAvailble: 1/' \
  "$work/base.yaml" >"$work/typo.yaml"
if node "$here/check/check.mjs" "$work/typo.yaml" >"$work/typo.out" 2>&1 \
   || [[ $(grep -c 'does not exist in type' "$work/typo.out") -ne 2 ]]; then
  cat "$work/typo.out" >&2
  say "FAILED: the check did not reject both misspelt fields"
  exit 1
fi

node "$here/check/check.mjs" --rules "$deploy/prometheus/pgactive-tools.rules.yml" \
  --dashboard "$deploy/grafana/pgactive-tools.json" $(printf "$work/%s.yaml " "${targets[@]}") \
  | sed "s|$work/||g"
say "rendered and validated: ${targets[*]}"
