#!/usr/bin/env bash
# Cost of the Prometheus series per published snapshot, without PostgreSQL: CPU and allocation of one metrics refresh
# of an N-node snapshot (three links per node, every value changing each version), and of one /q/metrics exposition.
#
#   bench/metrics.sh            # 10 nodes
#   bench/metrics.sh 100        # 100 nodes
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ ! -f target/test-classes/io/pgactive/tools/bench/MetricsBenchmark.class || ! -f target/test-classpath.txt ]]; then
  ./mvnw -q -B test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
fi
CP="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
exec java -Xmx256m -cp "$CP" io.pgactive.tools.bench.MetricsBenchmark "$@"
