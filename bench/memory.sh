#!/usr/bin/env bash
# Live heap of the packaged service with a large snapshot: one real node whose custom query returns 3,000 labelled
# rows (values change every cycle) at a 1 s interval. Every 30 s it forces a full GC and prints the live heap, the
# /watch replay window (versions and bytes), RSS, and the heap each retained version costs. The service runs with the
# launcher's JVM options (bin/pgactive-server --print-jvm-options) unless SERVICE_JAVA_OPTS says otherwise.
#
#   bench/memory.sh                        # 3,000 rows, 1 s interval, 180 s
#   ROWS=10000 RUN_S=300 bench/memory.sh
#   SERVICE_JAVA_OPTS="$(bin/pgactive-server --print-jvm-options) -Dpgactive.watch.window-bytes=8M" bench/memory.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/packaged-service.sh"
export SERVICE_JAVA_OPTS=${SERVICE_JAVA_OPTS-$LAUNCHER_JVM_OPTS}
java -cp "$CP" io.pgactive.tools.bench.MemoryBenchmark --rows "${ROWS:-3000}" --interval-ms "${INTERVAL_MS:-1000}" \
  --run-s "${RUN_S:-180}" --sample-s "${SAMPLE_S:-30}"
