#!/usr/bin/env bash
# Builds the container image (JVM mode) and runs it the way a cluster runs it: as user 185 with a read-only root
# filesystem, every capability dropped, no privilege escalation, the configuration mounted read-only and the history
# on a writable volume, against a real PostgreSQL server on this host (loopback, --network=host). Checks liveness,
# readiness, the node in /snapshot, the SQLite history on the volume, and a clean stop on SIGTERM: a /watch client
# gets the shutdown event, the history is intact. Prints the image size and the time from `podman run` to the first snapshot with the node in it.
#
#   deploy/image/smoke.sh            needs root (podman); installs podman, buildah, skopeo, runc, sqlite3 if missing
#
# Without a registry the image is built on a local base (deploy/image/base.sh); SMOKE_BASE=tar:///path/base.tar
# or SMOKE_BASE=registry/image:tag picks another; SMOKE_IMAGE=name skips the build and runs that image. PostgreSQL is Debian's postgresql-15 (bin/test installs it).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

say() { echo "smoke: $*"; }
fail() { say "FAILED: $*"; [[ -n "${ctr:-}" ]] && podman logs --tail 30 "$ctr" 2>&1 | cut -c1-300 >&2 || true; exit 1; }
now_ms() { date +%s%3N; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

[[ $(id -u) -eq 0 ]] || { say "run as root (podman runs containers as root here)"; exit 1; }
pg_bin=/usr/lib/postgresql/15/bin
missing=()
for tool in podman buildah skopeo runc sqlite3 curl jq; do command -v "$tool" >/dev/null || missing+=("$tool"); done
[[ -x $pg_bin/initdb ]] || missing+=(postgresql-15)
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# podman here: the runc runtime (crun fails on hybrid cgroups) and explicit rlimits (the default ones are refused)
podman_run=(podman --runtime runc run --ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
run_id=$$
image=${SMOKE_IMAGE:-localhost/pgactive/pgactive-tools:smoke-$run_id}
ctr=""
work=$(mktemp -d /tmp/pgactive-smoke.XXXXXX)
chmod 755 "$work"
pg_data=$work/pg
cleanup() {
  set +e
  [[ -n "$ctr" ]] && podman rm -f -t 0 "$ctr" >/dev/null 2>&1
  [[ -z ${SMOKE_IMAGE:-} ]] && podman rmi -f "$image" >/dev/null 2>&1
  [[ -f $pg_data/postmaster.pid ]] && runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# --- the image (SMOKE_IMAGE=name runs an image built before instead) -------------------------------------------------
if [[ -n ${SMOKE_IMAGE:-} ]]; then
  size=$(podman image inspect "$image" --format '{{.Size}}')
else
base=${SMOKE_BASE:-}
if [[ -z $base ]]; then
  base_tar=target/image/base.tar
  if [[ ! -f $base_tar || deploy/image/base.sh -nt $base_tar ]]; then
    say "making the local base image (jlink)"
    deploy/image/base.sh "$base_tar"
  fi
  base=tar://$PWD/$base_tar
fi
say "building the image on $base"
started=$(now_ms)
./mvnw -B -ntp -q -Pimage package -DskipTests -Djacoco.skip=true \
  -Dquarkus.jib.base-jvm-image="$base" -Dquarkus.jib.docker-executable-name=podman \
  -Dquarkus.container-image.tag=smoke-$run_id >"$work/build.log" 2>&1 || { tail -30 "$work/build.log" >&2; fail "image build"; }
size=$(podman image inspect "$image" --format '{{.Size}}')
say "image $image: $((size / 1000000)) MB, built in $(( ($(now_ms) - started) / 1000 )) s"
fi

# --- a PostgreSQL node on the host -----------------------------------------------------------------------------------
pg_port=$(free_port)
monitor_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
mkdir -p "$pg_data" && chown postgres "$pg_data" "$work"
runuser -u postgres -- "$pg_bin/initdb" -D "$pg_data" -U postgres --auth-local=trust --auth-host=scram-sha-256 >/dev/null
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -w -l "$work/postgres.log" \
  -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$work" start >/dev/null
runuser -u postgres -- "$pg_bin/psql" -qAt -h "$work" -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -v pw="$monitor_password" >/dev/null <<'SQL'
CREATE ROLE monitor LOGIN PASSWORD :'pw' IN ROLE pg_monitor;
SQL

# --- the configuration and the volume --------------------------------------------------------------------------------
mkdir -p "$work/config" "$work/data"
cat >"$work/config/tools.yaml" <<YAML
collector:
  interval: 1s
  nodes:
    - name: node1
      dsn: "\${PGACTIVE_NODE1_DSN}"
database:
  path: /var/lib/pgactive-tools/replication_state.db
YAML
# the volume belongs to the image's user, as fsGroup arranges it in a pod
chown 185:0 "$work/data"
http_port=$(free_port)
printf 'PGACTIVE_NODE1_DSN=postgres://monitor:%s@127.0.0.1:%s/postgres\n' "$monitor_password" "$pg_port" >"$work/env"

# --- run -------------------------------------------------------------------------------------------------------------
started=$(now_ms)
ctr=$("${podman_run[@]}" -d --name "pgactive-smoke-$run_id" --network=host \
  --read-only --tmpfs /tmp:rw,exec,nosuid,nodev,size=64m --cap-drop=ALL --security-opt=no-new-privileges \
  --memory=512m \
  -v "$work/config:/etc/pgactive-tools:ro" -v "$work/data:/var/lib/pgactive-tools:rw" \
  --env-file "$work/env" -e QUARKUS_HTTP_PORT="$http_port" "$image")
url=http://127.0.0.1:$http_port

first_snapshot=""
deadline=$(( $(date +%s) + 120 ))
while (( $(date +%s) < deadline )); do
  [[ $(podman inspect "$ctr" --format '{{.State.Running}}') == true ]] || fail "the container exited"
  if body=$(curl -fsS --max-time 2 "$url/snapshot" 2>/dev/null) \
     && [[ $(jq -r '.nodes.node1.status // empty' <<<"$body") == HEALTHY ]]; then
    first_snapshot=$(now_ms)
    break
  fi
  sleep 0.2
done
[[ -n $first_snapshot ]] || fail "no snapshot with node1 HEALTHY within 120 s"
say "first snapshot with node1 HEALTHY $(( first_snapshot - started )) ms after podman run (version $(jq -r .version <<<"$body"))"

pid=$(podman inspect "$ctr" --format '{{.State.Pid}}')
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
[[ $uid == 185 ]] || fail "the service runs as uid $uid, expected 185"
awk '$2 == "/" { print $4 }' "/proc/$pid/mounts" | grep -qE '(^|,)ro(,|$)' || fail "the root filesystem is writable"
grep -qE '^CapEff:\s+0+$' "/proc/$pid/status" || fail "the service holds capabilities: $(grep CapEff "/proc/$pid/status")"
for probe in live ready; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url/q/health/$probe")
  [[ $code == 200 ]] || fail "/q/health/$probe answered $code"
done
metrics=$(curl -fsS --max-time 5 "$url/q/metrics") || fail "/q/metrics did not answer"
grep -q '^pgactive_' <<<"$metrics" || fail "/q/metrics has no pgactive_ series"

db=$work/data/replication_state.db
[[ -f $db ]] || fail "no history file on the volume"
[[ $(stat -c %u "$db") == 185 ]] || fail "the history file is not owned by 185"
# a few more cycles, so the stop comes while the history is being written
seen=$(jq -r .version <<<"$body")
deadline=$(( $(date +%s) + 60 ))
until latest=$(curl -fsS --max-time 2 "$url/snapshot" | jq -r .version) && (( latest >= seen + 3 )); do
  (( $(date +%s) < deadline )) || fail "versions stopped advancing at $latest"
  sleep 0.2
done

# a /watch client, which must get the shutdown event when the container stops
curl -sSN --max-time 120 -H 'Accept: text/event-stream' "$url/watch" >"$work/watch.out" 2>/dev/null &
watch_pid=$!
deadline=$(( $(date +%s) + 30 ))
until grep -q '^event: snapshot' "$work/watch.out" 2>/dev/null; do
  (( $(date +%s) < deadline )) || fail "/watch sent no snapshot event"
  sleep 0.2
done

# --- SIGTERM ---------------------------------------------------------------------------------------------------------
stop_started=$(now_ms)
podman stop -t 60 "$ctr" >/dev/null
stop_ms=$(( $(now_ms) - stop_started ))
code=$(podman inspect "$ctr" --format '{{.State.ExitCode}}')
# 143 is the JVM's status after a SIGTERM handled by its shutdown hooks; 137 would be the SIGKILL after the timeout
[[ $code == 0 || $code == 143 ]] || fail "exit status $code after SIGTERM"
podman logs "$ctr" 2>&1 | grep -q 'stopped in' || fail "no shutdown line in the log"
wait "$watch_pid" || true
grep -q '^event: shutdown' "$work/watch.out" || fail "the /watch client got no shutdown event"
check=$(sqlite3 "file:$db?mode=ro" 'PRAGMA integrity_check;')
[[ $check == ok ]] || fail "integrity_check: $check"
stored=$(sqlite3 "file:$db?mode=ro" 'SELECT max(version) FROM snapshots;')
(( stored >= latest )) || fail "the history ends at version $stored, the service had published $latest"
say "stopped on SIGTERM in ${stop_ms} ms (exit $code), /watch got its shutdown event; history intact: integrity ok, versions up to $stored"
say "OK: image $((size / 1000000)) MB, first snapshot $(( first_snapshot - started )) ms, stop ${stop_ms} ms"
