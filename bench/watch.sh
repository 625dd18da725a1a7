#!/usr/bin/env bash
# Fan-out of GET /watch: 1,000 concurrent SSE subscribers on loopback against the packaged service scraping 10 real
# local PostgreSQL nodes. Prints delivery latency (a version's collected_at to its last event read by a subscriber)
# p50/p99/max over every subscriber and version, versions missed by any subscriber (must be 0), the service's CPU
# and heap while streaming.
#
#   bench/watch.sh                                  # 1000 subscribers, 10 nodes, 1 s interval, 60 s warm-up (the JIT), 60 s measured
#   SUBSCRIBERS=200 MEASURE_S=30 bench/watch.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/packaged-service.sh"
java -cp "$CP" io.pgactive.tools.bench.WatchBenchmark --nodes "${NODES:-10}" --subscribers "${SUBSCRIBERS:-1000}" \
  --interval-ms "${INTERVAL_MS:-1000}" --warmup-s "${WARMUP_S:-60}" --measure-s "${MEASURE_S:-60}"
