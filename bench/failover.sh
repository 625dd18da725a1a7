#!/usr/bin/env bash
# Failover and switchover figures from the two end-to-end tests on real processes (PostgreSQL, HAProxy, PgBouncer,
# Temporal's test server, the service):
#   failover:   SIGKILL of the primary to the first write accepted through the router, split into detection (the
#               snapshot shows the primary DOWN), the request, decision + fence, promotion and re-pointing;
#   switchover: the longest gap between a client's acknowledged writes through PgBouncer during a planned
#               switchover (clients held, not refused), and where the steps' time went.
# Targets: under 5 s from detection to writes accepted; switchover gap under 1 s. Printed, not asserted.
#
#   bench/failover.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! ./mvnw -q -o test -Dtest='FailoverEndToEndTest,SwitchoverEndToEndTest' -Dsurefire.failIfNoSpecifiedTests=false \
    >"$log" 2>&1; then
  tail -40 "$log"
  echo "failover bench: the end-to-end tests failed" >&2
  exit 1
fi
grep -E '^(failover|switchover)' "$log"
