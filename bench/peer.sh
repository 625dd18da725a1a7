#!/usr/bin/env bash
# This service next to postgres_exporter (Debian's prometheus-postgres-exporter) on the same N real local PostgreSQL
# nodes (node1 with two streaming standbys, the rest plain primaries), one side after the other: CPU per cycle, RSS,
# statements per node per cycle (pg_stat_statements, loaded on every node) and PostgreSQL backend CPU per cycle, and
# the ratios.
# The service runs with the launcher's JVM options unless SERVICE_JAVA_OPTS says otherwise.
#
#   bench/peer.sh                               # 10 nodes, 60 s warm-up and 120 s measured per side (about 10 min)
#   NODES=5 WARMUP_S=20 MEASURE_S=40 bench/peer.sh
#   ROUNDS=3 bench/peer.sh                      # service and exporter alternately three times; medians and ratios
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/packaged-service.sh"
EXPORTER=${EXPORTER:-/usr/bin/prometheus-postgres-exporter}
if [[ ! -x $EXPORTER ]]; then
  echo "peer.sh: $EXPORTER not found: apt-get install -y prometheus-postgres-exporter" >&2
  exit 2
fi
export SERVICE_JAVA_OPTS=${SERVICE_JAVA_OPTS-$LAUNCHER_JVM_OPTS}
java -cp "$CP" io.pgactive.tools.bench.PeerBenchmark --nodes "${NODES:-10}" --interval-ms "${INTERVAL_MS:-2000}" \
  --warmup-s "${WARMUP_S:-60}" --measure-s "${MEASURE_S:-120}" --rounds "${ROUNDS:-1}" --exporter "$EXPORTER"
