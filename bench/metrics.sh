#!/usr/bin/env bash
# Cost of the Prometheus series per published snapshot, without PostgreSQL: CPU and allocation of one metrics refresh
# of an N-node snapshot (three links per node, every value changing each version), and of one /q/metrics exposition.
#
#   bench/metrics.sh            # 10 nodes
#   bench/metrics.sh 100        # 100 nodes
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/packaged-service.sh"
exec java -Xmx256m -cp "$CP" io.pgactive.tools.bench.MetricsBenchmark "$@"
