#!/usr/bin/env bash
# The rolling upgrade on real processes: a PostgreSQL 16 source filled to about MB megabytes, a PostgreSQL 18 target,
# HAProxy + PgBouncer with a client writing through them all along, Temporal's test server and the service. Prints the
# rollback time before and after cutover (from the request to 100 % on the source), the whole upgrade's duration, the
# longest gap between acknowledged writes at cutover, where the cutover's hold went (the service's log line) and the
# progress query's latency (p50/p99), with the machine's load before and after.
#
#   bench/upgrade.sh             # about 100 MB
#   MB=20 bench/upgrade.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
echo "machine before: $(uptime | sed 's/.*load average/load average/')"
./mvnw -q -B test -Dtest=UpgradeBench -Dsurefire.failIfNoSpecifiedTests=false -Dpgactive.bench=true \
  -Dpgactive.bench.mb="${MB:-100}" -DtrimStackTrace=true 2>&1 \
  | grep -E '^(source|rollback|upgrade|longest|progress|  client)|cutover of [^ ]+: clients held' \
  | sed -E 's/^.*(cutover of [^ ]+: clients held)/\1/' || true
echo "machine after: $(uptime | sed 's/.*load average/load average/')"
grep -q 'errors="0"' target/surefire-reports/TEST-io.pgactive.tools.workflow.upgrade.UpgradeBench.xml
