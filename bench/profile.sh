#!/usr/bin/env bash
# Where the service's CPU goes during a scrape benchmark, by thread and by frame, with perf (Debian's linux-perf):
# runs `bench/scrape.sh 10` with the launcher's JVM options plus -XX:+PreserveFramePointer, records the service
# process with `perf record -g` for PERF_S seconds once WARMUP_S have passed, names the compiled Java frames with
# `jcmd PID Compiler.perfmap`, then prints the share of each thread and the event loop's top frames. JFR's sampler
# catches too few samples at this CPU (a few milliseconds per second) to say anything about the event loop.
#
#   bench/profile.sh                        # 75 s after the start, 100 s recorded
#   WARMUP_S=420 PERF_S=100 bench/profile.sh  # at steady state
#   JAR=../before/quarkus-run.jar bench/profile.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/packaged-service.sh"
command -v perf >/dev/null || { echo "profile.sh: perf not found: apt-get install -y linux-perf" >&2; exit 2; }
WARMUP_S=${WARMUP_S:-75}
PERF_S=${PERF_S:-100}
OUT=${OUT:-$(mktemp -d)}
MARK="-Dpgactive.profile.run=$$"
SERVICE_JAVA_OPTS="$LAUNCHER_JVM_OPTS -XX:+PreserveFramePointer $MARK" JARS="${JAR:-target/quarkus-app/quarkus-run.jar}" \
  WARMUP_S=$((WARMUP_S + 5)) MEASURE_S=$((PERF_S + 20)) bench/scrape.sh 10 >"$OUT/scrape.txt" 2>&1 &
bench=$!
trap 'kill "$bench" 2>/dev/null || true' EXIT
pid=""
for _ in $(seq 1 120); do
  pid=$(pgrep -f -- "$MARK" | head -n 1 || true)
  [[ -n $pid ]] && break
  sleep 1
done
[[ -n $pid ]] || { echo "profile.sh: the service did not start; see $OUT/scrape.txt" >&2; exit 1; }
sleep "$WARMUP_S"
perf record -F 1999 -g -p "$pid" -o "$OUT/perf.data" -- sleep "$PERF_S" 2>"$OUT/perf-record.txt"
jcmd "$pid" Compiler.perfmap >/dev/null
wait "$bench" || true
trap - EXIT
echo "== share of the process's samples, by thread ($PERF_S s, from ${WARMUP_S} s after the start)"
# (head ends the pipes early: their status is not the script's)
perf report -i "$OUT/perf.data" --stdio --sort comm --no-children -g none 2>/dev/null | grep -v '^#' | grep -v '^$' \
  | head -12 || true
echo "== event loops: top frames (self)"
perf report -i "$OUT/perf.data" --stdio --comm vert.x-eventloo --sort sym --no-children -g none 2>/dev/null \
  | grep -v '^#' | grep -v '^$' | head -25 || true
echo "== the scrape benchmark's own figures"
grep -v '^row ' "$OUT/scrape.txt" || true
echo "perf data: $OUT/perf.data (perf report -i $OUT/perf.data; the frame names need /tmp/perf-$pid.map)"
