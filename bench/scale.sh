#!/usr/bin/env bash
# Many node entries on a few real local PostgreSQL servers (25 entries per server, the test servers' connection
# limit): for each size, cycle p50/p99, CPU per cycle and per node-scrape, versions published against stored, and what
# one /watch subscriber saw (deltas, resets, gaps).
#
#   bench/scale.sh                                   # 10, 100, 500, 1000 entries; 30 s warm-up, 60 s measured each
#   SIZES=10,1000 QUERIES=config/queries bench/scale.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/packaged-service.sh"
export SERVICE_JAVA_OPTS=${SERVICE_JAVA_OPTS-$LAUNCHER_JVM_OPTS}
java -cp "$CP" io.pgactive.tools.bench.ScaleBenchmark --sizes "${SIZES:-10,100,500,1000}" \
  --interval-ms "${INTERVAL_MS:-2000}" --warmup-s "${WARMUP_S:-30}" --measure-s "${MEASURE_S:-60}" \
  --queries "${QUERIES:-}"
