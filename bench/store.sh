#!/usr/bin/env bash
# History store figures on a real SQLite file, without PostgreSQL: sustained write throughput (node samples per
# second, default 1,000 nodes per snapshot), then a time-compressed simulated day at 10 nodes / 2 s in a full
# pgactive mesh with the default retention: database size, bytes per row per table, the steady-state size that
# retention implies (budget 200 MB), and the store-side latency of a one-hour node history query.
#
#   bench/store.sh                          # 1,000 nodes for 20 s, then one simulated day
#   bench/store.sh --nodes 100 --seconds 60 --days 2
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/packaged-service.sh"
exec java -Xmx512m -cp "$CP" io.pgactive.tools.bench.StoreBenchmark "$@"
