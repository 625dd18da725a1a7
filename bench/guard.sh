#!/usr/bin/env bash
# Reaction time of the write guard, end to end: a primary, its streaming standby (replay paused to create lag),
# PgBouncer with a client writing through it, Temporal's test server and the packaged service. Prints, per round and
# overall, the time from the first snapshot beyond a threshold to the guard's pause / resume decision (budget: one
# interval + hold), how long writes were held, and writes lost (must be 0).
#
#   bench/guard.sh                         # 3 rounds, 1 s interval, 2 s hold
#   ROUNDS=5 INTERVAL_MS=2000 HOLD_MS=10000 bench/guard.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/packaged-service.sh"
java -cp "$CP" io.pgactive.tools.bench.GuardBenchmark --rounds "${ROUNDS:-3}" --interval-ms "${INTERVAL_MS:-1000}" \
  --hold-ms "${HOLD_MS:-2000}"
