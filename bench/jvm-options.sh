#!/usr/bin/env bash
# The JVM's fixed costs per set of options, against N real local PostgreSQL nodes at the default 2 s interval: time
# from the process start to the first snapshot with every node healthy, CPU of the first minute, then CPU per cycle,
# heap after a full GC, RSS and threads at steady state. The variants run one after another on the same nodes, in
# alternation when ROUNDS > 1; options with -XX:NativeMemoryTracking=summary also print the JVM's native memory by
# category. In a variant, NAME=value sets an environment variable and java=PATH picks another JDK's java.
#
#   bench/jvm-options.sh 'base=-XX:+UseSerialGC' 'small=-XX:+UseSerialGC -Xmx64m MALLOC_ARENA_MAX=2'
#   NODES=10 FIRST_S=60 MEASURE_S=60 ROUNDS=2 bench/jvm-options.sh 'nmt=-XX:NativeMemoryTracking=summary'
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/packaged-service.sh"
variants=()
for v in "$@"; do variants+=(--variant "$v"); done
exec java -Xmx256m -cp "$CP" io.pgactive.tools.bench.JvmOptionsBenchmark --nodes "${NODES:-10}" \
  --interval-ms "${INTERVAL_MS:-2000}" --first-s "${FIRST_S:-60}" --measure-s "${MEASURE_S:-60}" \
  --rounds "${ROUNDS:-1}" ${variants[@]+"${variants[@]}"}
