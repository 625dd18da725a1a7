#!/usr/bin/env bash
# Renders an overlay (or the base) to stdout, with the PrometheusRule built from deploy/prometheus and the Grafana
# dashboard ConfigMap from deploy/grafana as they are now, so rule and dashboard changes flow in without a copy.
#
#   deploy/kubernetes/render.sh aws | kubectl apply -f -        an overlay under overlays/
#   deploy/kubernetes/render.sh base                            the base alone
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
deploy=$(dirname "$here")
target=${1:?usage: render.sh OVERLAY|base}
case $target in
  base) dir=base ;;
  *) dir=overlays/$target ;;
esac
[[ -f $here/$dir/kustomization.yaml ]] || { echo "render: no kustomization in $here/$dir" >&2; exit 2; }

# kustomize reads files only below the kustomization's root: render a copy with the generated files beside the base
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$here/base" "$here/overlays" "$work/"
mkdir -p "$work/base/generated"
{
  printf 'apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: pgactive-tools\n'
  printf '  labels:\n    # the label a default kube-prometheus-stack ruleSelector matches; set yours in an overlay\n'
  printf '    release: kube-prometheus-stack\n'
  printf 'spec:\n'
  # the rule file's own groups, indented under spec: (block YAML stays valid when every line moves right)
  sed 's/^/  /' "$deploy/prometheus/pgactive-tools.rules.yml"
} >"$work/base/generated/prometheusrule.yaml"
cp "$deploy/grafana/pgactive-tools.json" "$work/base/generated/pgactive-tools.json"
kubectl kustomize "$work/$dir"
