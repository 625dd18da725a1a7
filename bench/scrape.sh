#!/usr/bin/env bash
# Scrape cost at steady state, for N real local PostgreSQL nodes (default: 10 and 50) at the default 2 s interval.
# Prints, per N: CPU ms per cycle of the service process, cycle wall time p50/p99, the delay from the last node's
# answer to a readable snapshot (p50/p99), heap used after a full GC, and RSS. The service runs with the launcher's JVM
# options (bin/pgactive-server --print-jvm-options) unless SERVICE_JAVA_OPTS or BUILD_OPTS_i say otherwise.
#
#   bench/scrape.sh                 # N = 10 and 50, 30 s warm-up, 60 s measured
#   bench/scrape.sh 10              # only N = 10
#   MEASURE_S=120 bench/scrape.sh   # longer measurement
#   SERVICE_JAVA_OPTS="$(bin/pgactive-server --print-jvm-options) -XX:StartFlightRecording=filename=/tmp/scrape.jfr,settings=profile" bench/scrape.sh 10
#
# Several builds side by side: JARS names their quarkus-run.jar files (space-separated). Each build gets its own N
# nodes and all of them start together, so they run under the same load; one row per build follows the details.
# CPU figures of builds measured one after the other are not comparable (the load of the machine moves them more
# than most changes do).
#
#   cp -r target/quarkus-app ../before        # the build before a change, kept aside
#   JARS="../before/quarkus-run.jar target/quarkus-app/quarkus-run.jar" INTERVAL_MS=500 bench/scrape.sh 10
#
# BUILD_OPTS_0, BUILD_OPTS_1, ... replace SERVICE_JAVA_OPTS for the first, second, ... build: one build side by side with
# itself under two sets of JVM options.
#
#   L=$(bin/pgactive-server --print-jvm-options); J=target/quarkus-app/quarkus-run.jar
#   JARS="$J $J" BUILD_OPTS_0="$L" BUILD_OPTS_1="$L -XX:NewRatio=4" bench/scrape.sh 10
#
# BUILD_ENV_0, BUILD_ENV_1, ... add environment variables (NAME=value, space-separated) to one build's service.
#
#   JARS="$J $J" BUILD_ENV_1="MALLOC_ARENA_MAX=2" bench/scrape.sh 10
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/packaged-service.sh"
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(10 50)
read -r -a BUILDS <<<"${JARS:-target/quarkus-app/quarkus-run.jar}"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
for n in "${SIZES[@]}"; do
  echo "== $n nodes"
  pids=()
  for i in "${!BUILDS[@]}"; do
    opts="BUILD_OPTS_$i"
    env_of_build="BUILD_ENV_$i"
    # shellcheck disable=SC2086 # NAME=value words, split on purpose
    env ${!env_of_build:-} SERVICE_JAVA_OPTS="${!opts-${SERVICE_JAVA_OPTS-$LAUNCHER_JVM_OPTS}}" java -cp "$CP" io.pgactive.tools.bench.ScrapeBenchmark --nodes "$n" --jar "${BUILDS[$i]}" \
      --interval-ms "${INTERVAL_MS:-2000}" --warmup-s "${WARMUP_S:-30}" --measure-s "${MEASURE_S:-60}" \
      >"$OUT/$i.txt" 2>&1 &
    pids+=($!)
  done
  status=0
  for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
  for i in "${!BUILDS[@]}"; do
    ((${#BUILDS[@]} == 1)) || echo "-- ${BUILDS[$i]}"
    grep -v '^row ' "$OUT/$i.txt" || true
  done
  if ((${#BUILDS[@]} > 1)); then
    echo "-- side by side"
    cat "$OUT"/*.txt | grep '^row ' || true
  fi
  ((status == 0)) || exit "$status"
done
