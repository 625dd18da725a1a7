#!/usr/bin/env bash
# History store figures on a real SQLite file, without PostgreSQL: sustained write throughput (node samples per
# second, default 1,000 nodes per snapshot), then a time-compressed simulated day at 10 nodes / 2 s in a full
# pgactive mesh with the default retention: database size, bytes per row per table, the steady-state size that
# retention implies (budget 200 MB), and the store-side latency of a one-hour node history query.
#
#   bench/store.sh                          # 1,000 nodes for 20 s, then one simulated day
#   bench/store.sh --nodes 100 --seconds 60 --days 2
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
if [[ ! -f target/test-classes/io/pgactive/tools/bench/StoreBenchmark.class || ! -f target/test-classpath.txt ]]; then
  ./mvnw -q -B test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
fi
CP="target/test-classes:target/classes:$(cat target/test-classpath.txt)"
exec java -Xmx512m -cp "$CP" io.pgactive.tools.bench.StoreBenchmark "$@"
