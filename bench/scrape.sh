#!/usr/bin/env bash
# Scrape cost at steady state, for N real local PostgreSQL nodes (default: 10 and 50) at the default 2 s interval.
# Prints, per N: CPU ms per cycle of the service process, cycle wall time p50/p99, the delay from the last node's
# answer to a readable snapshot (p50/p99), heap used after a full GC, and RSS.
#
#   bench/scrape.sh                 # N = 10 and 50, 30 s warm-up, 60 s measured
#   bench/scrape.sh 10              # only N = 10
#   MEASURE_S=120 bench/scrape.sh   # longer measurement
#   SERVICE_JAVA_OPTS="-XX:StartFlightRecording=filename=/tmp/scrape.jfr,settings=profile" bench/scrape.sh 10
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/packaged-service.sh"
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(10 50)
for n in "${SIZES[@]}"; do
  echo "== $n nodes"
  java -cp "$CP" io.pgactive.tools.bench.ScrapeBenchmark --nodes "$n" \
    --interval-ms "${INTERVAL_MS:-2000}" --warmup-s "${WARMUP_S:-30}" --measure-s "${MEASURE_S:-60}"
done
