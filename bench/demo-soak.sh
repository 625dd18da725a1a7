#!/usr/bin/env bash
# Demo soak: runs the demo with no injected fault for a while and checks that what the service reports stays true.
# Every second it reads /snapshot and the guard; it reads the demo's own log for its random apply stalls (the only
# trouble the demo makes by itself, written to data/demo/cluster.log). It prints how long the cluster was CRITICAL and the guard held writes, inside
# and outside those stall windows, and exits 1 when anything was CRITICAL or paused outside them.
#
#   bench/demo-soak.sh                      # 10 minutes on port 18480
#   MINUTES=3 PORT=18481 bench/demo-soak.sh
#
# A stall window runs from the demo's "random stall" line to its "random stall over" line, plus GRACE_S seconds
# (default 20) for the lag to drain and the guard to resume.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

minutes="${MINUTES:-10}"
port="${PORT:-18480}"
grace="${GRACE_S:-20}"
log="$(mktemp -t pgactive-demo-soak.XXXXXX.log)"
cluster_log="data/demo/cluster.log"   # the demo starts it afresh, before /snapshot first answers

QUARKUS_HTTP_PORT="$port" bin/pgactive-server --demo >"$log" 2>&1 &
demo=$!
trap 'kill -TERM "$demo" 2>/dev/null; wait "$demo" 2>/dev/null || true' EXIT

python3 - "$port" "$minutes" "$grace" "$log" "$cluster_log" <<'PY'
import json, os, sys, time, urllib.request

port, minutes, grace, log = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
cluster_log, read = sys.argv[5], 0
base = f"http://127.0.0.1:{port}"

def get(path):
    try:
        with urllib.request.urlopen(base + path, timeout=2) as r:
            return json.loads(r.read())
    except Exception:
        return None

deadline = time.time() + 600
while get("/snapshot") is None:
    if time.time() > deadline:
        sys.exit("demo-soak: the demo did not serve /snapshot within 10 minutes (log: " + log + ")")
    time.sleep(1)

windows, open_since = [], None
samples = []  # (time, cluster status, guard paused)
end = time.time() + minutes * 60
while time.time() < end:
    now = time.time()
    chunk = ""
    if os.path.exists(cluster_log):
        if os.path.getsize(cluster_log) < read:  # the demo started a new log
            read = 0
        with open(cluster_log, errors="replace") as f:
            f.seek(read)
            chunk = f.read()
            read = f.tell()
    for line in chunk.splitlines():
        if "random stall over" in line:
            if open_since is not None:
                windows.append((open_since, now + grace))
                open_since = None
        elif "random stall" in line:
            open_since = now
    snap = get("/snapshot")
    guard = get("/guards/app")
    gate = ((guard or {}).get("status") or {}).get("state", {}).get("gate")
    samples.append((now, snap["cluster"]["status"] if snap else "UNREACHABLE", gate in ("PAUSING", "PAUSED")))
    time.sleep(max(0.0, 1.0 - (time.time() - now)))
if open_since is not None:
    windows.append((open_since, float("inf")))

def in_window(t):
    return any(a <= t <= b for a, b in windows)

def count(pred):
    inside = sum(1 for t, s, p in samples if pred(s, p) and in_window(t))
    outside = sum(1 for t, s, p in samples if pred(s, p) and not in_window(t))
    return inside, outside

crit = count(lambda s, p: s == "CRITICAL")
paused = count(lambda s, p: p)
unreachable = count(lambda s, p: s == "UNREACHABLE")
print(f"demo soak: {len(samples)} samples over {minutes:g} min, {len(windows)} random stall window(s)")
print(f"  cluster CRITICAL   {crit[0]:5d} s inside stall windows, {crit[1]:5d} s outside")
print(f"  guard held writes  {paused[0]:5d} s inside stall windows, {paused[1]:5d} s outside")
print(f"  /snapshot missing  {unreachable[0] + unreachable[1]:5d} s")
sys.exit(1 if crit[1] or paused[1] or unreachable[0] + unreachable[1] else 0)
PY
