#!/usr/bin/env bash
# Wall time of `bin/pgactive-tools lag` against a running service: every run is a fresh JVM, as in a CI step or a
# Nagios check. Prints each run's time and the median (target: under 500 ms).
#
#   bin/pgactive-server --demo &            # or any running service
#   bench/cli.sh                            # 11 runs against $PGACTIVE_TOOLS_SERVER or http://localhost:8080
#   RUNS=21 SERVER=http://host:8080 bench/cli.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER="${SERVER:-${PGACTIVE_TOOLS_SERVER:-http://localhost:8080}}"
RUNS="${RUNS:-11}"

# one untimed run: builds when needed, and says at once whether the service answers
set +e
"$ROOT/bin/pgactive-tools" lag --server "$SERVER" > /dev/null
code=$?
set -e
if [[ $code -eq 3 ]]; then
  echo "bench/cli.sh: no usable service at $SERVER (exit 3); start one, e.g. bin/pgactive-server --demo" >&2
  exit 1
fi

times=()
for _ in $(seq 1 "$RUNS"); do
  start=$(date +%s%N)
  "$ROOT/bin/pgactive-tools" lag --server "$SERVER" > /dev/null || true
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "runs (ms): ${times[*]}"
echo "median wall time of 'pgactive-tools lag': ${sorted[$(( RUNS / 2 ))]} ms over $RUNS runs (target < 500 ms)"
